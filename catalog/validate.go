package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/egov-vn/egov"
)

var (
	procedureCodeRE = regexp.MustCompile(`^\d\.\d{6}$`)
	// Agency codes: ccc.bb.aa.Xnn (Decision 20/2020), or the short forms
	// such as G09.20 seen in newer portal data.
	agencyCodeRE    = regexp.MustCompile(`^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}(\.\d{2}){0,3})$`)
	formFieldNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// ValidProcedureCode reports whether code has the national layout: one
// digit, a dot, six digits (1.001193).
func ValidProcedureCode(code string) bool { return procedureCodeRE.MatchString(code) }

// ValidAgencyCode reports whether code has the layout of a national agency
// code (000.00.00.G12) or its short form (G09.20).
func ValidAgencyCode(code string) bool { return agencyCodeRE.MatchString(code) }

// prefillKeys are the account data a form field may be filled from.
var prefillKeys = map[string]bool{
	"full_name": true, "id_number": true, "date_of_birth": true, "sex": true,
	"phone": true, "email": true, "address": true,
	"business_name": true, "tax_code": true, "business_address": true,
}

// Reference is what a procedure record is checked against: the fields and
// life events the catalog knows.
type Reference struct {
	Fields     map[string]egov.Field
	LifeEvents map[string]egov.LifeEvent
}

// ValidateProcedure checks one record and returns every problem found, keyed
// by the JSON path of the offending field, or nil.
func ValidateProcedure(p *egov.Procedure, ref Reference) egov.FieldErrors {
	fe := egov.FieldErrors{}
	text := func(path, v string, max int) {
		switch {
		case strings.TrimSpace(v) == "":
			fe[path] = "bắt buộc, không được để trống"
		case utf8.RuneCountInString(v) > max:
			fe[path] = fmt.Sprintf("dài quá %d ký tự", max)
		case !utf8.ValidString(v):
			fe[path] = "không phải văn bản UTF-8 hợp lệ"
		}
	}
	if !procedureCodeRE.MatchString(p.Code) {
		fe["code"] = "mã thủ tục phải có dạng một chữ số, dấu chấm, sáu chữ số (ví dụ 1.001193)"
	}
	text("name", p.Name, 1000)
	text("publishing_agency", p.PublishingAgency, 300)
	if p.Status != "active" && p.Status != "repealed" {
		fe["status"] = `phải là "active" (đang hiệu lực) hoặc "repealed" (đã bãi bỏ)`
	}
	if f, ok := ref.Fields[p.Field.Code]; !ok {
		fe["field.code"] = fmt.Sprintf("lĩnh vực %q không có trong danh mục lĩnh vực", p.Field.Code)
	} else if p.Field.Name != "" && p.Field.Name != f.Name {
		fe["field.name"] = fmt.Sprintf("tên lĩnh vực %q không khớp với mã %s (%s)", p.Field.Name, f.Code, f.Name)
	}
	if len(p.Levels) == 0 {
		fe["levels"] = "cần ít nhất một cấp thực hiện (central, province, district, commune)"
	}
	for i, l := range p.Levels {
		if !l.Valid() {
			fe[fmt.Sprintf("levels[%d]", i)] = fmt.Sprintf("cấp %q không hợp lệ; dùng central, province, district hoặc commune", l)
		}
	}
	if len(p.ImplementingAgencies) == 0 {
		fe["implementing_agencies"] = "cần ít nhất một cơ quan thực hiện"
	}
	for i, a := range p.ImplementingAgencies {
		text(fmt.Sprintf("implementing_agencies[%d].name", i), a.Name, 300)
		if a.Code != "" && !agencyCodeRE.MatchString(a.Code) {
			fe[fmt.Sprintf("implementing_agencies[%d].code", i)] = "mã cơ quan phải có dạng 000.00.00.G12"
		}
	}
	if !p.OnlineLevel.Valid() {
		fe["online_level"] = `phải là "information", "partial" hoặc "full"`
	}
	if p.ProcessingDays < 0 || p.ProcessingDays > 365 {
		fe["processing_days"] = "thời hạn giải quyết phải từ 0 đến 365 ngày làm việc"
	}
	if len(p.Ways) == 0 {
		fe["ways"] = "cần ít nhất một cách thức thực hiện"
	}
	for i, w := range p.Ways {
		path := fmt.Sprintf("ways[%d]", i)
		switch w.Channel {
		case egov.ChannelInPerson, egov.ChannelOnline, egov.ChannelPost:
		default:
			fe[path+".channel"] = `phải là "in_person", "online" hoặc "post"`
		}
		switch w.Unit {
		case egov.UnitWorkingDays, egov.UnitDays, egov.UnitHours:
		default:
			fe[path+".unit"] = `phải là "working_days", "days" hoặc "working_hours"`
		}
		if w.ProcessingTime < 0 {
			fe[path+".processing_time"] = "không được âm"
		}
		for j, f := range w.Fees {
			fp := fmt.Sprintf("%s.fees[%d]", path, j)
			text(fp+".name", f.Name, 300)
			if f.Amount < 0 {
				fe[fp+".amount"] = "số tiền (đồng) không được âm"
			}
			if f.Per != "" && formField(p, f.Per, egov.FieldNumber) == nil {
				fe[fp+".per"] = fmt.Sprintf("trường %q không phải trường số của biểu mẫu", f.Per)
			}
			if f.FreeUnits < 0 || f.FreeUnits > 0 && f.Per == "" {
				fe[fp+".free_units"] = "số đơn vị miễn phí không được âm và chỉ dùng cùng per"
			}
			validateCondition(fe, fp+".when", p, f.When)
		}
	}
	if fp := p.FeePolicy; fp != nil {
		switch fp.Timing {
		case "", egov.PayAtSubmission, egov.PayBeforeResult:
		default:
			fe["fee_policy.timing"] = `phải là "submission" (nộp khi nộp hồ sơ) hoặc "result" (nộp trước khi nhận kết quả)`
		}
		for i, ex := range fp.Exemptions {
			path := fmt.Sprintf("fee_policy.exemptions[%d]", i)
			text(path+".name", ex.Name, 300)
			if ex.Percent < 0 || ex.Percent > 100 {
				fe[path+".percent"] = "tỷ lệ còn phải nộp phải từ 0 (miễn) đến 100"
			}
			if ex.MinAge < 0 || ex.MaxAge < 0 || ex.MaxAge != 0 && ex.MaxAge <= ex.MinAge {
				fe[path+".max_age"] = "tuổi không được âm và max_age phải lớn hơn min_age"
			}
			if (ex.MinAge != 0 || ex.MaxAge != 0) && formField(p, ex.AgeField, egov.FieldDate) == nil {
				fe[path+".age_field"] = fmt.Sprintf("miễn giảm theo tuổi cần một trường ngày sinh của biểu mẫu; %q không phải trường ngày", ex.AgeField)
			}
			if ex.When == nil && ex.MinAge == 0 && ex.MaxAge == 0 {
				fe[path] = "cần điều kiện theo tuổi (min_age, max_age) hoặc theo đối tượng (when)"
			}
			validateCondition(fe, path+".when", p, ex.When)
		}
	}
	if len(p.Components) == 0 {
		fe["components"] = "cần ít nhất một thành phần hồ sơ"
	}
	seen := map[string]bool{}
	for i, c := range p.Components {
		path := fmt.Sprintf("components[%d]", i)
		text(path+".code", c.Code, 50)
		if seen[c.Code] {
			fe[path+".code"] = fmt.Sprintf("mã thành phần %q bị trùng", c.Code)
		}
		seen[c.Code] = true
		text(path+".name", c.Name, 500)
		if c.Originals < 0 || c.Copies < 0 || c.Originals+c.Copies == 0 {
			fe[path+".copies"] = "số bản chính và bản sao không được âm và phải có ít nhất một bản"
		}
	}
	validateFormFields(fe, "form_fields", p.FormFields, true)
	if len(p.Steps) == 0 {
		fe["steps"] = "cần ít nhất một bước thực hiện"
	}
	for i, s := range p.Steps {
		text(fmt.Sprintf("steps[%d]", i), s, 2000)
	}
	if len(p.LegalBasis) == 0 {
		fe["legal_basis"] = "cần ít nhất một căn cứ pháp lý"
	}
	for i, l := range p.LegalBasis {
		text(fmt.Sprintf("legal_basis[%d].number", i), l.Number, 100)
		text(fmt.Sprintf("legal_basis[%d].title", i), l.Title, 500)
	}
	if len(p.Results) == 0 {
		fe["results"] = "cần ít nhất một kết quả thực hiện"
	}
	for i, r := range p.Results {
		text(fmt.Sprintf("results[%d].name", i), r.Name, 500)
	}
	for i, e := range p.LifeEvents {
		if _, ok := ref.LifeEvents[e]; !ok {
			fe[fmt.Sprintf("life_events[%d]", i)] = fmt.Sprintf("sự kiện %q không có trong danh mục sự kiện", e)
		}
	}
	if len(p.TargetUsers) == 0 {
		fe["target_users"] = `cần ít nhất một đối tượng: "citizen" hoặc "business"`
	}
	for i, u := range p.TargetUsers {
		if u != egov.TargetCitizen && u != egov.TargetBusiness {
			fe[fmt.Sprintf("target_users[%d]", i)] = `phải là "citizen" hoặc "business"`
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// formField returns the top-level form field of p named name if it has type
// t, or nil.
func formField(p *egov.Procedure, name string, t egov.FieldType) *egov.FormField {
	for i := range p.FormFields {
		if f := &p.FormFields[i]; f.Name == name && f.Type == t {
			return f
		}
	}
	return nil
}

// validateCondition checks that a fee condition names a choice field of
// the form and some of its options.
func validateCondition(fe egov.FieldErrors, path string, p *egov.Procedure, c *egov.FeeCondition) {
	if c == nil {
		return
	}
	f := formField(p, c.Field, egov.FieldChoice)
	if f == nil {
		fe[path+".field"] = fmt.Sprintf("trường %q không phải trường lựa chọn của biểu mẫu", c.Field)
		return
	}
	if len(c.Values) == 0 {
		fe[path+".values"] = "cần ít nhất một giá trị"
	}
	for i, v := range c.Values {
		if !slices.Contains(f.Options, v) {
			fe[fmt.Sprintf("%s.values[%d]", path, i)] = fmt.Sprintf("%q không phải một lựa chọn của trường %s", v, c.Field)
		}
	}
}

func validateFormFields(fe egov.FieldErrors, path string, fields []egov.FormField, top bool) {
	if len(fields) == 0 {
		fe[path] = "cần ít nhất một trường"
		return
	}
	names := map[string]bool{}
	for i, f := range fields {
		fp := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !formFieldNameRE.MatchString(f.Name):
			fe[fp+".name"] = "tên trường chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới, bắt đầu bằng chữ"
		case names[f.Name]:
			fe[fp+".name"] = fmt.Sprintf("tên trường %q bị trùng", f.Name)
		}
		names[f.Name] = true
		if strings.TrimSpace(f.Label) == "" {
			fe[fp+".label"] = "bắt buộc, không được để trống"
		}
		if !f.Type.Valid() {
			fe[fp+".type"] = fmt.Sprintf("kiểu trường %q không hợp lệ", f.Type)
		}
		if f.Type == egov.FieldChoice && len(f.Options) == 0 {
			fe[fp+".options"] = "trường lựa chọn cần danh sách lựa chọn"
		}
		if f.Type == egov.FieldTable {
			if !top {
				fe[fp+".type"] = "bảng không được lồng trong bảng"
			} else {
				validateFormFields(fe, fp+".columns", f.Columns, false)
			}
		}
		if f.Prefill != "" && !prefillKeys[f.Prefill] {
			fe[fp+".prefill"] = fmt.Sprintf("không có dữ liệu tài khoản %q để điền sẵn", f.Prefill)
		}
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			fe[fp+".min"] = "giá trị nhỏ nhất lớn hơn giá trị lớn nhất"
		}
	}
}

// ValidateAgency checks one agency record.
func ValidateAgency(a *egov.Agency) egov.FieldErrors {
	fe := egov.FieldErrors{}
	if !agencyCodeRE.MatchString(a.Code) {
		fe["code"] = "mã cơ quan phải có dạng 000.00.00.G12 (Quyết định 20/2020/QĐ-TTg)"
	}
	if strings.TrimSpace(a.Name) == "" {
		fe["name"] = "bắt buộc, không được để trống"
	}
	if !a.Level.Valid() {
		fe["level"] = "cấp phải là central, province, district hoặc commune"
	}
	if a.ParentCode == a.Code && a.Code != "" {
		fe["parent_code"] = "cơ quan không thể là cấp trên của chính nó"
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}
