package catalog_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
)

func TestRoundTrip(t *testing.T) {
	_, procs := demoIndex(t)
	for _, format := range []string{"json", "csv"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			var err error
			if format == "json" {
				err = catalog.EncodeJSON(&buf, procs)
			} else {
				err = catalog.EncodeCSV(&buf, procs)
			}
			if err != nil {
				t.Fatal(err)
			}
			var recs []catalog.Record
			if format == "json" {
				recs, err = catalog.DecodeJSON(&buf)
			} else {
				recs, err = catalog.DecodeCSV(&buf)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(procs) {
				t.Fatalf("%d records back, want %d", len(recs), len(procs))
			}
			for i, r := range recs {
				if !reflect.DeepEqual(normalize(r.Procedure), normalize(procs[i])) {
					t.Errorf("record %d (%s) changed in a %s round trip", i, procs[i].Code, format)
				}
				if i > 0 && r.Line <= recs[i-1].Line {
					t.Errorf("record %d starts on line %d, not after line %d", i, r.Line, recs[i-1].Line)
				}
			}
		})
	}
}

// normalize makes empty and nil lists equal, as they are in both formats.
func normalize(p egov.Procedure) egov.Procedure {
	if len(p.Requirements) == 0 {
		p.Requirements = nil
	}
	if len(p.LifeEvents) == 0 {
		p.LifeEvents = nil
	}
	if len(p.Keywords) == 0 {
		p.Keywords = nil
	}
	return p
}

func TestBrokenFilesSayWhereAndWhy(t *testing.T) {
	tests := []struct {
		name, format, input string
		line                int
		reason              string
	}{
		{"not an array", "json", `{"code":"1.001193"}`, 1, "mảng"},
		{"syntax error", "json", "[\n{\"code\": \"1.001193\",\n\"name\": }\n]", 3, "JSON không hợp lệ"},
		{"unknown key", "json", "[\n  {\"code\": \"1.001193\", \"nmae\": \"x\"}\n]", 2, "nmae"},
		{"wrong type", "json", "[\n{\n\"code\": \"1.001193\",\n\"processing_days\": \"ba\"\n}\n]", 4, "sai kiểu"},
		{"trailing data", "json", "[]\n[]", 2, "thừa"},
		{"csv unknown column", "csv", "code,nmae\n1.001193,x\n", 1, "cột không được hỗ trợ"},
		{"csv bad json cell", "csv", "code,ways\n1.001193,\"[{\"\"channel\"\":\"\n", 2, "ô JSON"},
		{"csv bad number", "csv", "code,processing_days\n1.001193,ba\n9.000001,2\n", 2, "không phải số nguyên"},
		{"csv ragged row", "csv", "code,name\n1.001193,a,b\n", 2, "dòng CSV không hợp lệ"},
		{"csv empty", "csv", "", 1, "tiêu đề"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.format == "json" {
				_, err = catalog.DecodeJSON(strings.NewReader(tt.input))
			} else {
				_, err = catalog.DecodeCSV(strings.NewReader(tt.input))
			}
			var ie *catalog.ImportError
			if !errors.As(err, &ie) || !errors.Is(err, egov.ErrInvalid) {
				t.Fatalf("error = %v, want an ImportError", err)
			}
			p := ie.Problems[0]
			if p.Line != tt.line {
				t.Errorf("line = %d, want %d (%s)", p.Line, tt.line, p)
			}
			if !strings.Contains(p.String(), tt.reason) {
				t.Errorf("problem %q does not say %q", p, tt.reason)
			}
		})
	}
}

func TestValidateProcedure(t *testing.T) {
	ref := catalog.Reference{
		Fields:     map[string]egov.Field{"HT": {Code: "HT", Name: "Hộ tịch"}},
		LifeEvents: map[string]egov.LifeEvent{"birth": {Code: "birth"}},
	}
	if fe := catalog.ValidateProcedure(ptr(validProcedure("1.001193")), ref); fe != nil {
		t.Fatalf("valid record refused: %v", fe)
	}
	tests := []struct {
		field  string
		change func(p *egov.Procedure)
	}{
		{"code", func(p *egov.Procedure) { p.Code = "1001193" }},
		{"code", func(p *egov.Procedure) { p.Code = "1.00119" }},
		{"name", func(p *egov.Procedure) { p.Name = "  " }},
		{"status", func(p *egov.Procedure) { p.Status = "draft" }},
		{"field.code", func(p *egov.Procedure) { p.Field.Code = "XX" }},
		{"field.name", func(p *egov.Procedure) { p.Field.Name = "Đất đai" }},
		{"levels", func(p *egov.Procedure) { p.Levels = nil }},
		{"levels[0]", func(p *egov.Procedure) { p.Levels = []egov.Level{"village"} }},
		{"implementing_agencies[0].code", func(p *egov.Procedure) { p.ImplementingAgencies[0].Code = "G12" + "x" }},
		{"online_level", func(p *egov.Procedure) { p.OnlineLevel = "" }},
		{"processing_days", func(p *egov.Procedure) { p.ProcessingDays = -1 }},
		{"ways", func(p *egov.Procedure) { p.Ways = nil }},
		{"ways[0].channel", func(p *egov.Procedure) { p.Ways[0].Channel = "fax" }},
		{"ways[0].fees[0].amount", func(p *egov.Procedure) { p.Ways[0].Fees[0].Amount = -1 }},
		{"ways[0].fees[0].per", func(p *egov.Procedure) { p.Ways[0].Fees[0].Per = "full_name" }},
		{"ways[0].fees[0].free_units", func(p *egov.Procedure) { p.Ways[0].Fees[0].FreeUnits = 2 }},
		{"ways[0].fees[0].when.field", func(p *egov.Procedure) {
			p.Ways[0].Fees[0].When = &egov.FeeCondition{Field: "full_name", Values: []string{"x"}}
		}},
		{"ways[0].fees[0].when.values[0]", func(p *egov.Procedure) {
			p.FormFields = append(p.FormFields, egov.FormField{Name: "truong_hop", Label: "Trường hợp", Type: egov.FieldChoice, Options: []string{"Cấp mới", "Cấp lại"}})
			p.Ways[0].Fees[0].When = &egov.FeeCondition{Field: "truong_hop", Values: []string{"Cấp đổi"}}
		}},
		{"fee_policy.timing", func(p *egov.Procedure) { p.FeePolicy = &egov.FeePolicy{Timing: "later"} }},
		{"fee_policy.exemptions[0].age_field", func(p *egov.Procedure) {
			p.FeePolicy = &egov.FeePolicy{Exemptions: []egov.FeeExemption{{Name: "Trẻ em", MaxAge: 16, AgeField: "full_name"}}}
		}},
		{"fee_policy.exemptions[0].percent", func(p *egov.Procedure) {
			p.FeePolicy = &egov.FeePolicy{Exemptions: []egov.FeeExemption{{Name: "Người cao tuổi", Percent: 150, MinAge: 60, AgeField: "full_name"}}}
		}},
		{"fee_policy.exemptions[0]", func(p *egov.Procedure) {
			p.FeePolicy = &egov.FeePolicy{Exemptions: []egov.FeeExemption{{Name: "Ai cũng được"}}}
		}},
		{"components", func(p *egov.Procedure) { p.Components = nil }},
		{"components[0].copies", func(p *egov.Procedure) { p.Components[0].Originals = 0 }},
		{"components[1].code", func(p *egov.Procedure) { p.Components = append(p.Components, p.Components[0]) }},
		{"form_fields", func(p *egov.Procedure) { p.FormFields = nil }},
		{"form_fields[0].name", func(p *egov.Procedure) { p.FormFields[0].Name = "Họ tên" }},
		{"form_fields[0].type", func(p *egov.Procedure) { p.FormFields[0].Type = "colour" }},
		{"form_fields[0].options", func(p *egov.Procedure) { p.FormFields[0].Type = egov.FieldChoice }},
		{"form_fields[0].columns", func(p *egov.Procedure) { p.FormFields[0].Type = egov.FieldTable }},
		{"form_fields[0].prefill", func(p *egov.Procedure) { p.FormFields[0].Prefill = "password" }},
		{"steps", func(p *egov.Procedure) { p.Steps = nil }},
		{"legal_basis", func(p *egov.Procedure) { p.LegalBasis = nil }},
		{"results", func(p *egov.Procedure) { p.Results = nil }},
		{"life_events[0]", func(p *egov.Procedure) { p.LifeEvents = []string{"holiday"} }},
		{"target_users[0]", func(p *egov.Procedure) { p.TargetUsers = []egov.TargetUser{"alien"} }},
	}
	for _, tt := range tests {
		p := validProcedure("1.001193")
		tt.change(&p)
		fe := catalog.ValidateProcedure(&p, ref)
		if _, ok := fe[tt.field]; !ok {
			t.Errorf("%s: problems %v do not name the field", tt.field, fe)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestValidCodes(t *testing.T) {
	for code, want := range map[string]bool{
		"1.001193": true, "2.000635": true, "1.00119": false, "11.001193": false, "1,001193": false, "": false,
	} {
		if got := catalog.ValidProcedureCode(code); got != want {
			t.Errorf("ValidProcedureCode(%q) = %v", code, got)
		}
	}
	for code, want := range map[string]bool{
		"000.00.00.G12": true, "000.00.18.G12": true, "000.00.12.H29": true, "G09.20": true,
		"000.00.00.g12": false, "00.00.00.G12": false, "000.00.00.G1": false, "H41": true, "": false,
	} {
		if got := catalog.ValidAgencyCode(code); got != want {
			t.Errorf("ValidAgencyCode(%q) = %v", code, got)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`[{"code":"1.001193","name":"Đăng ký khai sinh"}]`))
	f.Add([]byte("[\n{\"code\": 1}\n]"))
	f.Add([]byte(`[{"ways":[{"fees":[{"amount":1e400}]}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := catalog.DecodeJSON(bytes.NewReader(data))
		if err != nil && !errors.Is(err, egov.ErrInvalid) {
			t.Fatalf("error %v is not ErrInvalid", err)
		}
		for _, r := range recs {
			catalog.ValidateProcedure(&r.Procedure, catalog.Reference{})
		}
	})
}

func FuzzDecodeCSV(f *testing.F) {
	f.Add([]byte("code,name,levels,ways\n1.001193,Khai sinh,commune,\"[{\"\"channel\"\":\"\"online\"\"}]\"\n"))
	f.Add([]byte("\xef\xbb\xbfcode\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := catalog.DecodeCSV(bytes.NewReader(data))
		if err != nil && !errors.Is(err, egov.ErrInvalid) {
			t.Fatalf("error %v is not ErrInvalid", err)
		}
		for _, r := range recs {
			catalog.ValidateProcedure(&r.Procedure, catalog.Reference{})
		}
	})
}

func FuzzSearch(f *testing.F) {
	ix, _ := demoIndex(f)
	for _, s := range []string{"dang ky khai sinh", "gcn qsdd", "1.001193", "\"", "*?~^", "đ", "a b c d e f g h i j k"} {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, text string, offset int) {
		q := catalog.Query{Text: text, Limit: 5, Offset: offset % 50}
		if q.Validate() != nil {
			return
		}
		res, err := ix.Search(q)
		if err != nil {
			t.Fatalf("Search(%q): %v", text, err)
		}
		if len(res.Items) > 5 {
			t.Fatalf("Search(%q) returned %d items, limit 5", text, len(res.Items))
		}
	})
}
