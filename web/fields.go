package web

import (
	"reflect"
	"sort"
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

// errorItem is one line of an error summary.
type errorItem struct{ Key, Message string }

// errorOrderer is a page's data that knows the order of its fields, so
// that its error summary reads in the order of the form.
type errorOrderer interface{ ErrorOrder() []string }

// errorList lists a page's errors in the order of its form: the keys its
// data names first (a key also orders the keys under it, such as
// "data.items" for "data.items[0].qty"), then the rest alphabetically.
func errorList(data any) []errorItem {
	// Every page's data keeps its errors in a field named Errors.
	v := reflect.Indirect(reflect.ValueOf(data))
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName("Errors")
	if !f.IsValid() || f.Type() != reflect.TypeFor[egov.FieldErrors]() {
		return nil
	}
	errs := f.Interface().(egov.FieldErrors)
	var order []string
	if o, ok := data.(errorOrderer); ok {
		order = o.ErrorOrder()
	}
	rank := func(key string) int {
		for i, k := range order {
			if key == k || strings.HasPrefix(key, k+"[") || strings.HasPrefix(key, k+".") {
				return i
			}
		}
		return len(order)
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		ri, rj := rank(keys[i]), rank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	out := make([]errorItem, len(keys))
	for i, k := range keys {
		out[i] = errorItem{Key: k, Message: errs[k]}
	}
	return out
}
