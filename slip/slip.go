// Package slip prints the forms (phiếu) of the one-stop process as PDF:
// the receipt and appointment slip, the request for supplements, the
// refusal, the apology with a new appointment (forms 01–04 of the one-stop
// rules, Circular 01/2018/TT-VPCP and its 2025 successor), and a generic
// result document for procedures whose result is generated from a template.
//
// Each form is a function that validates its data and writes one A4 PDF.
// Missing required data is an error that matches egov.ErrInvalid and names
// the fields (egov.FieldErrors); optional data left empty is left off the
// page. The same data always gives the same bytes.
//
// The wording follows the forms of Circular 01/2018/TT-VPCP; the 2025
// forms are reported to keep their shape. Times are shown in Vietnam's time
// zone whatever the zone of the time.Time values.
package slip

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/egov-vn/egov"
)

// Heading is the top of every slip: who issues it, on the left, and the
// national motto with the place and date, on the right (Decree 30/2020
// layout).
type Heading struct {
	// ParentAgencyName is the body the agency belongs to, such as "UBND
	// TỈNH NGHỆ AN"; empty for a top-level agency. Printed in capitals.
	ParentAgencyName string `json:"parent_agency_name,omitempty"`
	// AgencyName is the agency issuing the slip, such as "Bộ phận Một cửa
	// UBND xã Hưng Nguyên". Required. Printed in bold capitals.
	AgencyName string `json:"agency_name"`
	// Place is the place-name of the date line, such as "Hà Nội". Required.
	Place string `json:"place"`
}

func (h Heading) check(fe fieldErrors) {
	fe.required("agency_name", h.AgencyName)
	fe.required("place", h.Place)
}

// Applicant is the person or organisation a dossier belongs to.
type Applicant struct {
	Name     string `json:"name"` // required
	IDNumber string `json:"id_number,omitempty"`
	Address  string `json:"address,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
}

// Procedure names the administrative procedure a dossier is for.
type Procedure struct {
	Code string `json:"code,omitempty"` // national code, such as 1.001193
	Name string `json:"name"`           // required
}

// Paper is one paper of a dossier as received.
type Paper struct {
	Name      string `json:"name"`
	Originals int    `json:"originals"` // number of originals (bản chính)
	Copies    int    `json:"copies"`    // number of copies (bản sao)
}

// Signer is who signs a slip.
type Signer struct {
	// Title is the role printed above the signature, such as "CHỦ TỊCH";
	// a newline separates the lines of a signature on behalf of someone
	// ("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"). Forms 02–04 have a default; Result
	// requires it.
	Title string `json:"title,omitempty"`
	Name  string `json:"name"`
}

// ReceiptData is what the receipt and appointment slip (Mẫu 01) shows.
type ReceiptData struct {
	Heading
	DossierCode string `json:"dossier_code"` // required
	// ReceivingAgency is named in "... tiếp nhận hồ sơ của:". Empty means
	// Heading.AgencyName.
	ReceivingAgency string    `json:"receiving_agency,omitempty"`
	Applicant       Applicant `json:"applicant"` // Name required
	Procedure       Procedure `json:"procedure"` // Name required
	Papers          []Paper   `json:"papers,omitempty"`
	// SubmittedAt is when the applicant sent an online dossier; printed
	// only when it differs from ReceivedAt.
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	ReceivedAt  time.Time `json:"received_at"` // required; also the slip's date
	// ProcessingTime is the legal processing time as the procedure states
	// it, such as "05 ngày làm việc".
	ProcessingTime string       `json:"processing_time,omitempty"`
	AppointmentAt  time.Time    `json:"appointment_at"` // required: when the result is due
	Channel        egov.Channel `json:"channel"`        // required: how the dossier was submitted
	// ResultDelivery says how the result will be handed over, such as
	// "Nhận trực tiếp tại Bộ phận Một cửa" or "Qua dịch vụ bưu chính công ích".
	ResultDelivery string `json:"result_delivery,omitempty"`
	// TrackingURL is where the applicant follows the dossier, printed as a
	// QR code and as text. Must be an absolute http or https URL.
	TrackingURL string `json:"tracking_url,omitempty"`
	// ReceiverName is the official who received the dossier. Empty for a
	// dossier received by the online system without an official.
	ReceiverName string `json:"receiver_name,omitempty"`
}

// SupplementData is what the request for supplements (Mẫu 02) shows.
type SupplementData struct {
	Heading
	DossierCode string    `json:"dossier_code"` // required
	Applicant   Applicant `json:"applicant"`    // Name required
	Procedure   Procedure `json:"procedure"`    // Name required
	ReceivedAt  time.Time `json:"received_at,omitzero"`
	Date        time.Time `json:"date"` // required: the date of the request
	// Items are what to add or correct, one per entry; at least one.
	Items  []string `json:"items"`
	Reason string   `json:"reason,omitempty"`
	// Contact tells whom to ask while completing the dossier, such as
	// "Bộ phận Một cửa, điện thoại 0238 3844 555".
	Contact string `json:"contact,omitempty"`
	// Official signs the request; Name required, Title defaults to
	// "NGƯỜI HƯỚNG DẪN".
	Official Signer `json:"official"`
}

// RefusalData is what the refusal to accept or process a dossier (Mẫu 03)
// shows.
type RefusalData struct {
	Heading
	DossierCode string    `json:"dossier_code"` // required
	Applicant   Applicant `json:"applicant"`    // Name required
	Procedure   Procedure `json:"procedure"`    // Name required
	ReceivedAt  time.Time `json:"received_at,omitzero"`
	Date        time.Time `json:"date"`   // required: the date of the refusal
	Reason      string    `json:"reason"` // required: the law wants the reason stated
	// Official signs the refusal; Name required, Title defaults to
	// "NGƯỜI TIẾP NHẬN HỒ SƠ".
	Official Signer `json:"official"`
}

// ApologyData is what the apology with a new appointment (Mẫu 04) shows.
type ApologyData struct {
	Heading
	DossierCode      string    `json:"dossier_code"` // required
	Applicant        Applicant `json:"applicant"`    // Name required
	Procedure        Procedure `json:"procedure"`    // Name required
	ReceivedAt       time.Time `json:"received_at,omitzero"`
	Date             time.Time `json:"date"`               // required: the date of the apology
	OldAppointmentAt time.Time `json:"old_appointment_at"` // required
	Reason           string    `json:"reason"`             // required: why the result is late
	NewAppointmentAt time.Time `json:"new_appointment_at"` // required, after the old one
	// Signer is the head of the agency at fault; Name required, Title
	// defaults to "THỦ TRƯỞNG CƠ QUAN".
	Signer Signer `json:"signer"`
}

// Line is one line of a result document: a label and its value. A line
// without a label prints its value as a paragraph; a line without a value
// is left out.
type Line struct {
	Label string `json:"label,omitempty"`
	Value string `json:"value"`
}

// ResultData is an electronic result document made from a template: a
// title, the values of the form and the signature of the issuing agency
// (Heading.AgencyName).
type ResultData struct {
	Heading
	Title       string    `json:"title"`  // required, such as "GIẤY KHAI SINH"
	Number      string    `json:"number"` // required: the number in the agency's register
	DossierCode string    `json:"dossier_code,omitempty"`
	Lines       []Line    `json:"lines,omitempty"`
	Date        time.Time `json:"date"`   // required: the date of issue
	Signer      Signer    `json:"signer"` // Title and Name required
	// VerifyURL is where anyone can check the document, printed as a QR
	// code and as text. Must be an absolute http or https URL.
	VerifyURL string `json:"verify_url,omitempty"`
}

// Receipt writes the receipt and appointment slip (Mẫu 01, giấy tiếp nhận
// hồ sơ và hẹn trả kết quả) to w.
func Receipt(w io.Writer, r ReceiptData) error {
	fe := fieldErrors{}
	r.Heading.check(fe)
	fe.required("dossier_code", r.DossierCode)
	r.Applicant.check(fe, "applicant")
	r.Procedure.check(fe, "procedure")
	fe.requiredTime("received_at", r.ReceivedAt)
	fe.requiredTime("appointment_at", r.AppointmentAt)
	if !r.ReceivedAt.IsZero() && r.AppointmentAt.Before(r.ReceivedAt) {
		fe["appointment_at"] = "thời gian hẹn trả kết quả không được trước thời gian tiếp nhận"
	}
	if _, ok := channelNames[r.Channel]; !ok {
		fe["channel"] = `phải là "in_person", "online" hoặc "post"`
	}
	fe.url("tracking_url", r.TrackingURL)
	for i, p := range r.Papers {
		fe.required(fmt.Sprintf("papers[%d].name", i), p.Name)
		if p.Originals < 0 || p.Copies < 0 {
			fe[fmt.Sprintf("papers[%d]", i)] = "số bản không được âm"
		}
	}
	if err := fe.err("receipt"); err != nil {
		return err
	}
	qr, err := optionalQR("Quét mã để tra cứu tình trạng hồ sơ", r.TrackingURL)
	if err != nil {
		return err
	}

	const title = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
	code := oneLine(r.DossierCode)
	d := newDoc(meta{
		title:   fmt.Sprintf("%s %s", title, code),
		subject: oneLine(r.Procedure.Name),
		author:  oneLine(r.AgencyName),
		date:    r.ReceivedAt,
	}, "Mã hồ sơ: "+code)
	d.heading(r.Heading, "", r.ReceivedAt)
	d.title(title, "Mã hồ sơ: "+code)

	agency := oneLine(r.ReceivingAgency)
	if agency == "" {
		agency = oneLine(r.AgencyName)
	}
	d.para(agency + " tiếp nhận hồ sơ của:")
	applicantFields(d, "Tổ chức, cá nhân", r.Applicant)
	d.field("Thủ tục hành chính", r.Procedure.String())
	d.field("Hình thức nộp hồ sơ", channelNames[r.Channel])
	if len(r.Papers) > 0 {
		d.gap(1)
		d.para("Thành phần hồ sơ đã nhận:")
		rows := make([][]string, len(r.Papers))
		for i, p := range r.Papers {
			rows[i] = []string{fmt.Sprint(i + 1), clean(strings.TrimSpace(p.Name)), fmt.Sprint(p.Originals), fmt.Sprint(p.Copies)}
		}
		d.table([]column{
			{head: "STT", width: 12, align: "C"},
			{head: "Tên giấy tờ", width: d.width - 12 - 2*25, align: "L"},
			{head: "Bản chính", width: 25, align: "C"},
			{head: "Bản sao", width: 25, align: "C"},
		}, rows)
		d.gap(2)
	}
	if !r.SubmittedAt.IsZero() && !r.SubmittedAt.Equal(r.ReceivedAt) {
		d.field("Thời gian nộp hồ sơ", formatDateTime(r.SubmittedAt))
	}
	d.field("Thời gian tiếp nhận hồ sơ", formatDateTime(r.ReceivedAt))
	d.field("Thời hạn giải quyết theo quy định", r.ProcessingTime)
	d.field("Thời gian hẹn trả kết quả", formatDateTime(r.AppointmentAt))
	d.field("Hình thức nhận kết quả", r.ResultDelivery)

	receiver := signature{role: "NGƯỜI TIẾP NHẬN HỒ SƠ", hint: "(Ký và ghi rõ họ tên)", name: oneLine(r.ReceiverName), room: 20}
	if receiver.name == "" {
		// Nobody signs a dossier that the online system accepted by itself.
		receiver = signature{role: "NGƯỜI TIẾP NHẬN HỒ SƠ", name: "Hệ thống tiếp nhận trực tuyến", room: 3}
	}
	if r.Channel == egov.ChannelInPerson {
		// At the counter the applicant signs too, so the QR code takes a
		// row of its own above the two signatures.
		if qr != nil {
			d.row(qr, nil)
		}
		applicant := signature{role: "NGƯỜI NỘP HỒ SƠ", hint: "(Ký và ghi rõ họ tên)", name: oneLine(r.Applicant.Name), room: 20}
		d.row(applicant, receiver)
	} else {
		d.row(qr, receiver)
	}
	return d.output(w)
}

// SupplementRequest writes the request to supplement or complete a dossier
// (Mẫu 02, phiếu yêu cầu bổ sung, hoàn thiện hồ sơ) to w.
func SupplementRequest(w io.Writer, s SupplementData) error {
	fe := fieldErrors{}
	s.Heading.check(fe)
	fe.required("dossier_code", s.DossierCode)
	s.Applicant.check(fe, "applicant")
	s.Procedure.check(fe, "procedure")
	fe.requiredTime("date", s.Date)
	fe.required("official.name", s.Official.Name)
	if len(nonEmpty(s.Items)) == 0 {
		fe["items"] = "cần ít nhất một nội dung cần bổ sung, hoàn thiện"
	}
	if err := fe.err("supplement request"); err != nil {
		return err
	}

	const title = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
	code := oneLine(s.DossierCode)
	d := newDoc(meta{title: title + " " + code, subject: oneLine(s.Procedure.Name), author: oneLine(s.AgencyName), date: s.Date}, "Mã hồ sơ: "+code)
	d.heading(s.Heading, "", s.Date)
	d.title(title, "Mã hồ sơ: "+code)
	d.para("Hồ sơ của:")
	applicantFields(d, "Tổ chức, cá nhân", s.Applicant)
	d.field("Thủ tục hành chính", s.Procedure.String())
	if !s.ReceivedAt.IsZero() {
		d.field("Thời gian tiếp nhận hồ sơ", formatDateTime(s.ReceivedAt))
	}
	d.gap(1)
	d.para(fmt.Sprintf("Sau khi xem xét hồ sơ, %s đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ với những nội dung sau:", oneLine(s.AgencyName)))
	d.list(s.Items)
	d.field("Lý do", s.Reason)
	if c := oneLine(s.Contact); c != "" {
		d.gap(1)
		d.para("Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ " + c + " để được hướng dẫn.")
	}
	d.row(nil, signature{role: titleOr(s.Official.Title, "NGƯỜI HƯỚNG DẪN"), hint: "(Ký và ghi rõ họ tên)", name: oneLine(s.Official.Name), room: 20})
	return d.output(w)
}

// Refusal writes the refusal to accept or process a dossier (Mẫu 03, phiếu
// từ chối tiếp nhận, giải quyết hồ sơ) to w.
func Refusal(w io.Writer, r RefusalData) error {
	fe := fieldErrors{}
	r.Heading.check(fe)
	fe.required("dossier_code", r.DossierCode)
	r.Applicant.check(fe, "applicant")
	r.Procedure.check(fe, "procedure")
	fe.requiredTime("date", r.Date)
	fe.required("reason", r.Reason)
	fe.required("official.name", r.Official.Name)
	if err := fe.err("refusal"); err != nil {
		return err
	}

	const title = "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ"
	code := oneLine(r.DossierCode)
	d := newDoc(meta{title: title + " " + code, subject: oneLine(r.Procedure.Name), author: oneLine(r.AgencyName), date: r.Date}, "Mã hồ sơ: "+code)
	d.heading(r.Heading, "", r.Date)
	d.title(title, "Mã hồ sơ: "+code)
	d.para("Hồ sơ của:")
	applicantFields(d, "Tổ chức, cá nhân", r.Applicant)
	d.field("Thủ tục hành chính", r.Procedure.String())
	if !r.ReceivedAt.IsZero() {
		d.field("Thời gian tiếp nhận hồ sơ", formatDateTime(r.ReceivedAt))
	}
	d.gap(1)
	d.para(fmt.Sprintf("Qua xem xét, %s không tiếp nhận, giải quyết hồ sơ này vì lý do sau:", oneLine(r.AgencyName)))
	d.para(r.Reason)
	d.gap(1)
	d.para("Xin thông báo để Ông/Bà được biết./.")
	d.row(nil, signature{role: titleOr(r.Official.Title, "NGƯỜI TIẾP NHẬN HỒ SƠ"), hint: "(Ký và ghi rõ họ tên)", name: oneLine(r.Official.Name), room: 20})
	return d.output(w)
}

// Apology writes the apology and new appointment for a late result (Mẫu
// 04, phiếu xin lỗi và hẹn lại ngày trả kết quả) to w.
func Apology(w io.Writer, a ApologyData) error {
	fe := fieldErrors{}
	a.Heading.check(fe)
	fe.required("dossier_code", a.DossierCode)
	a.Applicant.check(fe, "applicant")
	a.Procedure.check(fe, "procedure")
	fe.requiredTime("date", a.Date)
	fe.requiredTime("old_appointment_at", a.OldAppointmentAt)
	fe.requiredTime("new_appointment_at", a.NewAppointmentAt)
	if !a.OldAppointmentAt.IsZero() && !a.NewAppointmentAt.After(a.OldAppointmentAt) {
		fe["new_appointment_at"] = "thời gian hẹn mới phải sau thời gian hẹn cũ"
	}
	fe.required("reason", a.Reason)
	fe.required("signer.name", a.Signer.Name)
	if err := fe.err("apology"); err != nil {
		return err
	}

	const title = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
	code := oneLine(a.DossierCode)
	agency := oneLine(a.AgencyName)
	d := newDoc(meta{title: title + " " + code, subject: oneLine(a.Procedure.Name), author: agency, date: a.Date}, "Mã hồ sơ: "+code)
	d.heading(a.Heading, "", a.Date)
	d.title(title, "Mã hồ sơ: "+code)
	applicantFields(d, "Kính gửi", a.Applicant)
	d.field("Thủ tục hành chính", a.Procedure.String())
	if !a.ReceivedAt.IsZero() {
		d.field("Thời gian tiếp nhận hồ sơ", formatDateTime(a.ReceivedAt))
	}
	d.field("Thời gian hẹn trả kết quả", formatDateTime(a.OldAppointmentAt))
	d.gap(1)
	d.para(fmt.Sprintf("Tuy nhiên đến nay, %s chưa trả được kết quả giải quyết hồ sơ của Ông/Bà.", agency))
	d.field("Lý do", a.Reason)
	d.gap(1)
	d.para(fmt.Sprintf("Sự chậm trễ này đã gây phiền hà cho Ông/Bà. %s xin lỗi Ông/Bà và hẹn trả kết quả vào:", agency))
	d.field("Thời gian hẹn trả kết quả mới", formatDateTime(a.NewAppointmentAt))
	d.gap(1)
	d.para("Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.")
	d.row(nil, signature{role: titleOr(a.Signer.Title, "THỦ TRƯỞNG CƠ QUAN"), hint: "(Ký, ghi rõ họ tên và đóng dấu)", name: oneLine(a.Signer.Name), room: 22})
	return d.output(w)
}

// Result writes an electronic result document (the document a procedure
// results in, generated from a template) to w.
func Result(w io.Writer, r ResultData) error {
	fe := fieldErrors{}
	r.Heading.check(fe)
	fe.required("title", r.Title)
	fe.required("number", r.Number)
	fe.requiredTime("date", r.Date)
	fe.required("signer.title", r.Signer.Title)
	fe.required("signer.name", r.Signer.Name)
	fe.url("verify_url", r.VerifyURL)
	if err := fe.err("result"); err != nil {
		return err
	}
	qr, err := optionalQR("Quét mã để kiểm tra tính xác thực", r.VerifyURL)
	if err != nil {
		return err
	}

	title := oneLine(r.Title)
	number := oneLine(r.Number)
	sub := ""
	if c := oneLine(r.DossierCode); c != "" {
		sub = "Mã hồ sơ: " + c
	}
	d := newDoc(meta{title: title + " " + number, subject: title, author: oneLine(r.AgencyName), date: r.Date}, title+" số "+number)
	d.heading(r.Heading, number, r.Date)
	d.title(title, sub)
	for _, l := range r.Lines {
		if label := oneLine(l.Label); label != "" {
			d.field(label, l.Value)
		} else {
			d.para(l.Value)
		}
	}
	d.row(qr, signature{role: clean(strings.TrimSpace(r.Signer.Title)), name: oneLine(r.Signer.Name), room: 22})
	return d.output(w)
}

// String is the procedure as the slips print it: "1.001193 - Name".
func (p Procedure) String() string {
	name := oneLine(p.Name)
	if code := oneLine(p.Code); code != "" {
		return code + " - " + name
	}
	return name
}

func (p Procedure) check(fe fieldErrors, prefix string) {
	fe.required(prefix+".name", p.Name)
}

func (a Applicant) check(fe fieldErrors, prefix string) {
	fe.required(prefix+".name", a.Name)
}

// applicantFields writes the applicant's details; nameLabel differs between
// the forms ("Kính gửi" on the apology).
func applicantFields(d *doc, nameLabel string, a Applicant) {
	d.fields(
		nameLabel, oneLine(a.Name),
		"Số định danh cá nhân", oneLine(a.IDNumber),
		"Địa chỉ", a.Address,
		"Số điện thoại", oneLine(a.Phone),
		"Thư điện tử", oneLine(a.Email),
	)
}

// channelNames are the ways of submission as the receipt prints them.
var channelNames = map[egov.Channel]string{
	egov.ChannelInPerson: "Trực tiếp",
	egov.ChannelOnline:   "Trực tuyến",
	egov.ChannelPost:     "Qua dịch vụ bưu chính công ích",
}

// optionalQR is nil, not an empty QR block, when there is no URL, so that
// the slip leaves the place blank.
func optionalQR(caption, u string) (block, error) {
	if strings.TrimSpace(u) == "" {
		return nil, nil
	}
	q, err := newQRBlock(caption, strings.TrimSpace(u))
	if err != nil {
		return nil, err
	}
	return q, nil
}

func titleOr(title, def string) string {
	if t := clean(strings.TrimSpace(title)); t != "" {
		return t
	}
	return def
}

func nonEmpty(items []string) []string {
	var out []string
	for _, it := range items {
		if strings.TrimSpace(it) != "" {
			out = append(out, it)
		}
	}
	return out
}

// fieldErrors collects validation problems under the JSON names of the
// data's fields, in Vietnamese like the rest of the platform's messages.
type fieldErrors egov.FieldErrors

func (fe fieldErrors) required(name, value string) {
	if strings.TrimSpace(value) == "" {
		fe[name] = "bắt buộc, không được để trống"
	}
}

func (fe fieldErrors) requiredTime(name string, t time.Time) {
	if t.IsZero() {
		fe[name] = "bắt buộc, không được để trống"
	}
}

// maxURL bounds the URLs printed as QR codes: past a few hundred bytes the
// code's modules get too small to scan from paper.
const maxURL = 512

func (fe fieldErrors) url(name, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	u, err := url.Parse(value)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		fe[name] = "phải là địa chỉ http hoặc https đầy đủ"
	case len(value) > maxURL:
		fe[name] = fmt.Sprintf("dài quá %d ký tự", maxURL)
	}
}

// err is nil when nothing was wrong; otherwise an error that matches
// egov.ErrInvalid and carries the fields.
func (fe fieldErrors) err(form string) error {
	if len(fe) == 0 {
		return nil
	}
	return fmt.Errorf("slip: %s: %w", form, egov.FieldErrors(fe))
}
