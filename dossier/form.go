package dossier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
)

// Limits of form values, so that one dossier cannot fill the database.
const (
	maxTextRunes     = 500
	maxTextareaRunes = 5000
	maxTableRows     = 100
)

// AgencyLookup finds agencies; the catalog provides it. Address pickers
// name administrative units by the code of their People's Committee.
type AgencyLookup interface {
	Agency(ctx context.Context, code string) (egov.Agency, error)
}

// Prefilled returns the values of the form fields that the state already
// knows from the account (the once-only principle), keyed by field name.
// Those fields are shown, not asked, and the server keeps these values
// whatever the client sends.
func Prefilled(fields []egov.FormField, a *identity.Account) map[string]any {
	out := map[string]any{}
	if a == nil {
		return out
	}
	for _, f := range fields {
		v := accountDatum(a, f.Prefill)
		if v == "" {
			continue
		}
		if f.Type == egov.FieldAddress {
			out[f.Name] = map[string]any{"text": v}
		} else {
			out[f.Name] = v
		}
	}
	return out
}

func accountDatum(a *identity.Account, key string) string {
	switch key {
	case "full_name":
		if a.Kind == identity.KindCitizen {
			return a.FullName
		}
	case "id_number":
		if a.Kind == identity.KindCitizen {
			return a.Username
		}
	case "date_of_birth":
		return a.DateOfBirth
	case "sex":
		switch a.Sex {
		case identity.SexMale:
			return "Nam"
		case identity.SexFemale:
			return "Nữ"
		}
	case "phone":
		return a.Phone
	case "email":
		return a.Email
	case "address":
		if a.Kind == identity.KindCitizen {
			return a.Address
		}
	case "business_name":
		if a.Kind == identity.KindBusiness {
			return a.FullName
		}
	case "tax_code":
		if a.Kind == identity.KindBusiness {
			return a.Username
		}
	case "business_address":
		if a.Kind == identity.KindBusiness {
			return a.Address
		}
	}
	return ""
}

// CleanForm checks data against the procedure's form and returns the values
// to store: trimmed, normalized (phone numbers, ID numbers, addresses) and
// with unknown fields dropped. When complete is false (a draft), missing
// required fields are not errors, but every value given must be valid.
// Errors are keyed "data.<field>" or "data.<field>[row].<column>".
func CleanForm(ctx context.Context, agencies AgencyLookup, fields []egov.FormField, data map[string]any, complete bool) (map[string]any, egov.FieldErrors) {
	out := map[string]any{}
	fe := egov.FieldErrors{}
	for _, f := range fields {
		key := "data." + f.Name
		raw, present := data[f.Name]
		if f.Type == egov.FieldTable {
			rows, msg := cleanTable(ctx, agencies, f, raw, key, fe, complete)
			if msg != "" {
				fe[key] = msg
			} else if len(rows) > 0 {
				out[f.Name] = rows
			} else if f.Required && complete {
				fe[key] = "Vui lòng nhập ít nhất một dòng."
			}
			continue
		}
		v, msg := cleanValue(ctx, agencies, f, raw)
		switch {
		case msg != "":
			fe[key] = msg
		case v != nil:
			out[f.Name] = v
		case f.Required && complete:
			fe[key] = "Vui lòng nhập " + lowerFirst(f.Label) + "."
		}
		_ = present
	}
	if len(fe) > 0 {
		return out, fe
	}
	return out, nil
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return strings.ToLower(string(r)) + s[n:]
}

// scalar returns raw as a trimmed string; numbers are accepted too.
func scalar(raw any) (string, bool) {
	switch v := raw.(type) {
	case nil:
		return "", true
	case string:
		return strings.TrimSpace(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case json.Number:
		return v.String(), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// cleanValue returns the value to store (nil when empty) or a message.
func cleanValue(ctx context.Context, agencies AgencyLookup, f egov.FormField, raw any) (any, string) {
	if f.Type == egov.FieldAddress {
		return cleanAddress(ctx, agencies, raw)
	}
	s, ok := scalar(raw)
	if !ok {
		return nil, "Giá trị không đúng kiểu: cần một chuỗi ký tự."
	}
	if s == "" {
		return nil, ""
	}
	limit := maxTextRunes
	if f.Type == egov.FieldTextarea {
		limit = maxTextareaRunes
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > limit {
		return nil, fmt.Sprintf("Quá dài: tối đa %d ký tự.", limit)
	}
	switch f.Type {
	case egov.FieldText, egov.FieldTextarea:
		if f.Type == egov.FieldText {
			s = strings.Join(strings.Fields(s), " ")
		}
		return s, ""
	case egov.FieldNumber:
		n, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, "Vui lòng nhập một số, ví dụ 12 hoặc 3.5."
		}
		if f.Min != nil && n < *f.Min {
			return nil, fmt.Sprintf("Không được nhỏ hơn %s.", strconv.FormatFloat(*f.Min, 'f', -1, 64))
		}
		if f.Max != nil && n > *f.Max {
			return nil, fmt.Sprintf("Không được lớn hơn %s.", strconv.FormatFloat(*f.Max, 'f', -1, 64))
		}
		return n, ""
	case egov.FieldDate:
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			if d2, err2 := time.Parse("02/01/2006", s); err2 == nil {
				return d2.Format("2006-01-02"), ""
			}
			return nil, "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 15/04/2026."
		}
		if d.Year() < 1900 || d.Year() > 2100 {
			return nil, "Ngày không hợp lệ: năm phải từ 1900 đến 2100."
		}
		return d.Format("2006-01-02"), ""
	case egov.FieldChoice:
		for _, o := range f.Options {
			if o == s {
				return s, ""
			}
		}
		return nil, "Vui lòng chọn một trong các giá trị: " + strings.Join(f.Options, ", ") + "."
	case egov.FieldIDNumber:
		n := identity.NormalizeIDNumber(s)
		if _, err := identity.ParseIDNumber(n); err != nil {
			return nil, message(err, "Số định danh cá nhân gồm 12 chữ số.")
		}
		return n, ""
	case egov.FieldTaxCode:
		n := identity.NormalizeTaxCode(s)
		if err := identity.ValidateTaxCode(n); err != nil {
			return nil, message(err, "Mã số thuế gồm 10 chữ số, hoặc 13 với mã chi nhánh.")
		}
		return n, ""
	case egov.FieldPhone:
		n, err := identity.NormalizePhone(s)
		if err != nil {
			return nil, message(err, "Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09.")
		}
		return n, ""
	case egov.FieldEmail:
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s {
			return nil, "Địa chỉ thư điện tử không hợp lệ, ví dụ ten@example.vn."
		}
		return s, ""
	}
	return nil, "Trường không được hỗ trợ."
}

// message returns the person-facing text of a validator's error, or def.
func message(err error, def string) string {
	var ve *identity.ValidationError
	if errors.As(err, &ve) && ve.Msg != "" {
		return ve.Msg
	}
	return def
}

// cleanAddress accepts a plain string or an object {"detail", "province",
// "district", "commune"} whose codes name administrative units through
// their People's Committees, and stores {"text", ...} where text is the
// address written out.
func cleanAddress(ctx context.Context, agencies AgencyLookup, raw any) (any, string) {
	switch v := raw.(type) {
	case nil:
		return nil, ""
	case string:
		s := strings.Join(strings.Fields(v), " ")
		if s == "" {
			return nil, ""
		}
		if utf8.RuneCountInString(s) > maxTextRunes {
			return nil, fmt.Sprintf("Quá dài: tối đa %d ký tự.", maxTextRunes)
		}
		return map[string]any{"text": s}, ""
	case map[string]any:
		get := func(k string) string { s, _ := scalar(v[k]); return s }
		if t := get("text"); t != "" && get("province") == "" && get("commune") == "" && get("detail") == "" {
			return cleanAddress(ctx, agencies, t)
		}
		detail := strings.Join(strings.Fields(get("detail")), " ")
		if utf8.RuneCountInString(detail) > maxTextRunes {
			return nil, fmt.Sprintf("Quá dài: tối đa %d ký tự.", maxTextRunes)
		}
		out := map[string]any{}
		parts := []string{}
		if detail != "" {
			parts = append(parts, detail)
			out["detail"] = detail
		}
		// From the smallest unit up; each must lie within the next one.
		var below *egov.Agency
		for _, k := range []string{"commune", "district", "province"} {
			code := get(k)
			if code == "" {
				continue
			}
			a, err := agencies.Agency(ctx, code)
			if err != nil {
				return nil, "Đơn vị hành chính không tồn tại: " + code + "."
			}
			if below != nil && !within(ctx, agencies, *below, a.Code) {
				return nil, unitName(below.Name) + " không thuộc " + unitName(a.Name) + "."
			}
			out[k] = code
			parts = append(parts, unitName(a.Name))
			below = &a
		}
		if len(parts) == 0 {
			return nil, ""
		}
		if detail == "" || out["province"] == nil {
			return nil, "Vui lòng nhập số nhà, đường (thôn, xóm) và chọn tỉnh, thành phố."
		}
		out["text"] = strings.Join(parts, ", ")
		return out, ""
	}
	return nil, "Địa chỉ không đúng kiểu: cần một chuỗi ký tự hoặc một đối tượng."
}

// within reports whether agency a lies under the agency with code
// ancestor, however many levels up (a province may have districts or not).
func within(ctx context.Context, agencies AgencyLookup, a egov.Agency, ancestor string) bool {
	for depth := 0; depth < 5 && a.ParentCode != ""; depth++ {
		if a.ParentCode == ancestor {
			return true
		}
		parent, err := agencies.Agency(ctx, a.ParentCode)
		if err != nil {
			return false
		}
		a = parent
	}
	return false
}

// unitName turns "Ủy ban nhân dân phường Hàng Bạc" into "phường Hàng Bạc":
// the address names the unit, not its committee.
func unitName(agency string) string {
	for _, p := range []string{"Ủy ban nhân dân ", "UBND "} {
		if rest, ok := strings.CutPrefix(agency, p); ok {
			return rest
		}
	}
	return agency
}

func cleanTable(ctx context.Context, agencies AgencyLookup, f egov.FormField, raw any, key string, fe egov.FieldErrors, complete bool) ([]any, string) {
	if raw == nil {
		return nil, ""
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, "Bảng không đúng kiểu: cần một danh sách các dòng."
	}
	if len(list) > maxTableRows {
		return nil, fmt.Sprintf("Quá nhiều dòng: tối đa %d.", maxTableRows)
	}
	var rows []any
	for i, r := range list {
		row, ok := r.(map[string]any)
		if !ok {
			fe[fmt.Sprintf("%s[%d]", key, i)] = "Dòng không đúng kiểu."
			continue
		}
		blank := true
		for _, c := range f.Columns {
			if v, ok := scalar(row[c.Name]); !ok || v != "" {
				blank = false
			}
		}
		if blank {
			continue // a blank row of a form is not a row
		}
		clean := map[string]any{}
		for _, c := range f.Columns {
			v, msg := cleanValue(ctx, agencies, c, row[c.Name])
			ck := fmt.Sprintf("%s[%d].%s", key, i, c.Name)
			switch {
			case msg != "":
				fe[ck] = msg
			case v != nil:
				clean[c.Name] = v
			}
		}
		if complete {
			for _, c := range f.Columns {
				if _, ok := clean[c.Name]; !ok && c.Required {
					fe[fmt.Sprintf("%s[%d].%s", key, i, c.Name)] = "Vui lòng nhập " + lowerFirst(c.Label) + "."
				}
			}
		}
		rows = append(rows, clean)
	}
	return rows, ""
}
