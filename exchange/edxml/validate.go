package edxml

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/egov-vn/egov"
)

// Validate checks that the envelope has everything QCVN 102 requires and that
// every value can be written. It returns nil or an [egov.FieldErrors] keyed
// by the JSON path of each offending field, with messages in Vietnamese.
func (e *Envelope) Validate() error {
	v := validator{egov.FieldErrors{}}
	v.required("message_id", e.MessageID)
	v.required("document_id", e.DocumentID)
	v.organ("from", e.From)
	if len(e.To) == 0 {
		v.fe["to"] = "cần ít nhất một cơ quan nhận"
	}
	for i, o := range e.To {
		v.organ(fmt.Sprintf("to[%d]", i), o)
	}
	v.required("code.code_number", e.Code.CodeNumber)
	v.required("code.code_notation", e.Code.CodeNotation)
	v.required("promulgation.place", e.Promulgation.Place)
	if e.Promulgation.Date.IsZero() {
		v.fe["promulgation.date"] = "bắt buộc: ngày ban hành"
	}
	if e.DocumentType.Type <= 0 {
		v.fe["document_type.type"] = "bắt buộc: mã loại văn bản là số nguyên dương"
	}
	v.nonNegative("document_type.type_detail", e.DocumentType.TypeDetail)
	v.required("document_type.type_name", e.DocumentType.TypeName)
	v.required("subject", e.Subject)
	v.optional("content", e.Content)
	v.optional("signer.competence", e.Signer.Competence)
	v.required("signer.position", e.Signer.Position)
	v.required("signer.full_name", e.Signer.FullName)
	for i, p := range e.ToPlaces {
		v.required(fmt.Sprintf("to_places[%d]", i), p)
	}
	v.nonNegative("priority", e.Priority)
	v.optional("sphere_of_promulgation", e.SphereOfPromulgation)
	v.optional("typer_notation", e.TyperNotation)
	v.nonNegative("promulgation_amount", e.PromulgationAmount)
	v.nonNegative("page_amount", e.PageAmount)
	for i, a := range e.Appendixes {
		v.required(fmt.Sprintf("appendixes[%d]", i), a)
	}
	for i, r := range e.ResponseFor {
		v.responseFor(fmt.Sprintf("response_for[%d]", i), r)
	}
	v.nonNegative("steering_type", e.SteeringType)
	if len(e.Traces) == 0 {
		v.fe["traces"] = "cần ít nhất một vết chuyển (cơ quan gửi và thời điểm gửi)"
	}
	for i, t := range e.Traces {
		p := fmt.Sprintf("traces[%d]", i)
		v.required(p+".organ_id", t.OrganID)
		if t.Timestamp.IsZero() {
			v.fe[p+".timestamp"] = "bắt buộc: thời điểm chuyển"
		}
	}
	v.business(e.Business)
	ids := map[string]int{}
	for i, a := range e.Attachments {
		p := fmt.Sprintf("attachments[%d]", i)
		v.required(p+".content_id", a.ContentID)
		if strings.ContainsAny(a.ContentID, " \t\r\n<>") {
			v.fe[p+".content_id"] = "mã tệp không được chứa khoảng trắng hoặc dấu < >"
		}
		if strings.HasPrefix(strings.ToLower(a.ContentID), "cid:") {
			v.fe[p+".content_id"] = `mã tệp ghi không có tiền tố "cid:"`
		}
		if j, dup := ids[a.ContentID]; dup && a.ContentID != "" {
			v.fe[p+".content_id"] = fmt.Sprintf("trùng mã tệp với attachments[%d]", j)
		}
		ids[a.ContentID] = i
		v.required(p+".content_type", a.ContentType)
		v.required(p+".name", a.Name)
		v.optional(p+".description", a.Description)
	}
	return v.result()
}

// Validate checks that the status message has what a receiver needs to match
// it with its document. It returns nil or an [egov.FieldErrors].
func (s *Status) Validate() error {
	v := validator{egov.FieldErrors{}}
	v.responseFor("response_for", s.ResponseFor)
	v.required("response_for.organ_id", s.ResponseFor.OrganID)
	v.organ("from", s.From)
	if _, ok := StatusCodes[s.StatusCode]; !ok {
		v.fe["status_code"] = "mã trạng thái phải là 01, 02, 03, 04, 05, 06, 13, 15 hoặc 16"
	}
	v.optional("description", s.Description)
	if s.Timestamp.IsZero() {
		v.fe["timestamp"] = "bắt buộc: thời điểm cập nhật trạng thái"
	}
	v.optional("staff", s.Staff)
	v.optional("department", s.Department)
	return v.result()
}

type validator struct{ fe egov.FieldErrors }

func (v validator) result() error {
	if len(v.fe) == 0 {
		return nil
	}
	return v.fe
}

func (v validator) required(path, s string) {
	if strings.TrimSpace(s) == "" {
		v.fe[path] = "bắt buộc, không được để trống"
		return
	}
	v.optional(path, s)
}

// optional checks that s can be written as XML text and read back
// unchanged: valid UTF-8, only characters XML allows, no spaces at the ends
// (readers trim them).
func (v validator) optional(path, s string) {
	switch {
	case !utf8.ValidString(s):
		v.fe[path] = "không phải văn bản UTF-8 hợp lệ"
	case strings.IndexFunc(s, func(r rune) bool { return !xmlChar(r) }) >= 0:
		v.fe[path] = "chứa ký tự điều khiển không được phép trong XML"
	case strings.TrimSpace(s) != s:
		v.fe[path] = "không được có khoảng trắng ở đầu hoặc cuối"
	}
}

func (v validator) nonNegative(path string, n int) {
	if n < 0 {
		v.fe[path] = "không được là số âm"
	}
}

func (v validator) organ(path string, o Organ) {
	v.required(path+".organ_id", o.OrganID)
	v.required(path+".organ_name", o.OrganName)
	v.optional(path+".organization_in_charge", o.OrganizationInCharge)
	v.optional(path+".organ_add", o.OrganAdd)
	v.optional(path+".email", o.Email)
	v.optional(path+".telephone", o.Telephone)
	v.optional(path+".fax", o.Fax)
	v.optional(path+".website", o.Website)
}

func (v validator) responseFor(path string, r ResponseFor) {
	v.optional(path+".organ_id", r.OrganID)
	v.optional(path+".code", r.Code)
	v.required(path+".document_id", r.DocumentID)
}

func (v validator) business(b Business) {
	switch b.DocType {
	case BusinessNew:
		v.optional("business.reason", b.Reason)
	case BusinessRevocation, BusinessUpdate, BusinessReplacement:
		v.required("business.reason", b.Reason)
	default:
		v.fe["business.doc_type"] = "loại nghiệp vụ phải là 0 (mới), 1 (thu hồi), 2 (cập nhật) hoặc 3 (thay thế)"
	}
	v.optional("business.document_id", b.DocumentID)
	if b.DocType == BusinessReplacement {
		v.required("business.replaced_document_id", b.ReplacedDocumentID)
	} else {
		v.optional("business.replaced_document_id", b.ReplacedDocumentID)
	}
	for i, id := range b.ReplacementOrganIDs {
		v.required(fmt.Sprintf("business.replacement_organ_ids[%d]", i), id)
	}
	if len(b.ReplacementOrganIDs) > 0 && b.ReplacedDocumentID == "" {
		v.fe["business.replaced_document_id"] = "bắt buộc khi có danh sách cơ quan nhận văn bản thay thế"
	}
	if in := b.DocumentInfo; in != nil {
		v.nonNegative("business.document_info.document_info", in.DocumentInfo)
		v.nonNegative("business.document_info.document_receiver", in.DocumentReceiver)
		for i, r := range in.Receivers {
			p := fmt.Sprintf("business.document_info.receivers[%d]", i)
			v.nonNegative(p+".receiver_type", r.ReceiverType)
			v.required(p+".organ_id", r.OrganID)
		}
	}
	v.optional("business.staff.department", b.Staff.Department)
	v.optional("business.staff.staff", b.Staff.Staff)
	v.optional("business.staff.mobile", b.Staff.Mobile)
	v.optional("business.staff.email", b.Staff.Email)
	v.nonNegative("business.paper", b.Paper)
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
