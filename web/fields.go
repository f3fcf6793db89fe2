package web

import (
	"strings"

	"github.com/egov-vn/egov"
)

// formField is one input of a form, as the "field" template draws it:
// label, hint, error next to the input, and the value typed (never for a
// password).
type formField struct {
	Name, Label, Hint, Type, Value, Error string
	Autocomplete, InputMode, MaxLength    string
}

// field builds a formField; attrs are "autocomplete=…", "inputmode=…" or
// "maxlength=…". The hint is the message labelKey+".hint", if any.
func field(lang, name, labelKey, typ string, values map[string]string, errs egov.FieldErrors, attrs ...string) formField {
	f := formField{Name: name, Label: translate(lang, labelKey), Type: typ, Error: errs[name]}
	if _, ok := messages[labelKey+".hint"]; ok {
		f.Hint = translate(lang, labelKey+".hint")
	}
	if typ != "password" {
		f.Value = values[name]
	}
	for _, a := range attrs {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "autocomplete":
			f.Autocomplete = v
		case "inputmode":
			f.InputMode = v
		case "maxlength":
			f.MaxLength = v
		}
	}
	return f
}
