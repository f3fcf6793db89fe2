package federation

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/dossier"
)

// timeLayout is the national portal's date format, yyyyMMddHHmmss, in
// Vietnam's time.
const timeLayout = "20060102150405"

// Time is a moment written as the national portal writes it:
// "20261128143000", in Vietnam's time.
type Time struct{ time.Time }

// MarshalJSON writes t as yyyyMMddHHmmss in Vietnam's time.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.In(calendar.Vietnam).Format(timeLayout))
}

// UnmarshalJSON reads yyyyMMddHHmmss in Vietnam's time.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date is a string yyyyMMddHHmmss, e.g. \"20261128143000\"")
	}
	v, err := time.ParseInLocation(timeLayout, s, calendar.Vietnam)
	if err != nil {
		return fmt.Errorf("date %q is not yyyyMMddHHmmss, e.g. \"20261128143000\"", s)
	}
	t.Time = v.UTC()
	return nil
}

func timeOf(p *time.Time) *Time {
	if p == nil {
		return nil
	}
	return &Time{p.UTC().Truncate(time.Second)}
}

func (t *Time) ptr() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

// Applicant kinds of the national portal (LoaiDoiTuong).
const (
	KindCitizen   = 0
	KindBusiness  = 1
	KindHousehold = 2
)

// Ways a dossier reached the agency (HinhThuc), as the catalog numbers
// channels: 1 in person, 2 online, 3 by post.
const (
	WayInPerson = 1
	WayOnline   = 2
)

// Paper is a file handed in (TaiLieuNop) or issued as a result
// (DanhSachGiayToKetQua).
type Paper struct {
	Component string `json:"MaThanhPhanHoSo,omitempty"`
	Name      string `json:"TenTepDinhKem"`
	Hash      string `json:"MaBamSHA256,omitempty"`
}

// Fee is a line of the fees (DanhSachLePhi).
type Fee struct {
	Name   string `json:"TenPhiLePhi"`
	Amount int64  `json:"MucPhi"` // đồng
	Paid   bool   `json:"DaThanhToan"`
}

// Supplement is a request for supplements (DanhSachHoSoBoSung).
type Supplement struct {
	At      Time   `json:"NgayYeuCau"`
	Content string `json:"NoiDungYeuCau,omitempty"`
}

// Dossier is a dossier as the national portal synchronizes it, in its
// field names.
type Dossier struct {
	Code          string `json:"MaHoSo"`
	ProcedureCode string `json:"MaTTHC"`
	ProcedureName string `json:"TenTTHC"`
	FieldCode     string `json:"MaLinhVuc"`
	FieldName     string `json:"TenLinhVuc"`
	ReceiptNumber string `json:"SoBienNhan"`
	Applicant     string `json:"ChuHoSo"`
	ApplicantKind int    `json:"LoaiDoiTuong"` // 0 citizen, 1 business, 2 household business
	ApplicantID   string `json:"MaDoiTuong"`   // personal ID number or tax code
	Summary       string `json:"TrichYeuHoSo"`
	ReceivedAt    *Time  `json:"NgayTiepNhan,omitempty"`
	DueAt         *Time  `json:"NgayHenTra,omitempty"`
	Status        int    `json:"TrangThaiHoSo"` // 1 to 10
	ReturnedAt    *Time  `json:"NgayTra,omitempty"`
	Way           int    `json:"HinhThuc"` // 1 in person, 2 online
	FinishedAt    *Time  `json:"NgayKetThucXuLy,omitempty"`
	Handler       string `json:"DonViXuLy"` // agency code
	SubmittedAt   *Time  `json:"NgayNopHoSo,omitempty"`
	// FirstDueAt and NewDueAt are the appointments before and after an
	// apology letter moved it.
	FirstDueAt  *Time        `json:"NgayHenTraTruoc,omitempty"`
	NewDueAt    *Time        `json:"NgayHenTraMoi,omitempty"`
	Papers      []Paper      `json:"TaiLieuNop"`
	Fees        []Fee        `json:"DanhSachLePhi"`
	Supplements []Supplement `json:"DanhSachHoSoBoSung"`
	Results     []Paper      `json:"DanhSachGiayToKetQua"`
}

// Progress is one entry of a dossier's processing (quá trình xử lý).
type Progress struct {
	// Seq numbers a dossier's entries 1, 2, 3... (SoThuTu): the order of
	// the changes, by which an older push is told from a newer one.
	Seq      int    `json:"SoThuTu"`
	Actor    string `json:"NguoiXuLy"`
	Position string `json:"ChucDanh"`
	At       Time   `json:"ThoiDiemXuLy"`
	Unit     string `json:"PhongBanXuLy"`
	Content  string `json:"NoiDungXuLy"`
	Status   int    `json:"TrangThai"`
	// Action is egov's name of the step (submitted, receive, approve...),
	// an extension of the national fields for the tracking pages.
	Action    string `json:"MaHanhDong,omitempty"`
	StartedAt *Time  `json:"NgayBatDau,omitempty"`
	DueAt     *Time  `json:"NgayKetThucTheoQuyDinh,omitempty"`
}

// Push is what a connected system sends for each change of a dossier: the
// dossier as it is now and its whole processing so far, oldest first. The
// national instance stores what it does not have yet, so a push repeated
// or one that follows a lost one leaves nothing out.
type Push struct {
	Dossier  Dossier    `json:"HoSo"`
	Progress []Progress `json:"QuaTrinhXuLy"`
}

// Seq is the push's place in its dossier's life: its last entry's number.
func (p *Push) Seq() int {
	if len(p.Progress) == 0 {
		return 0
	}
	return p.Progress[len(p.Progress)-1].Seq
}

// statusOf maps a national status code back to egov's own words, for the
// tracking pages.
func statusOf(code int) dossier.Status {
	switch code {
	case 1:
		return dossier.StatusSubmitted
	case 2, 4, 6:
		return dossier.StatusProcessing
	case 3, 8:
		return dossier.StatusRefused
	case 5:
		return dossier.StatusSupplement
	case 7:
		return dossier.StatusWithdrawn
	case 9:
		return dossier.StatusDone
	case 10:
		return dossier.StatusReturned
	}
	return ""
}

var roleTitles = map[string]string{
	"applicant":  "Người nộp hồ sơ",
	"receiver":   "Cán bộ tiếp nhận",
	"specialist": "Chuyên viên",
	"leader":     "Lãnh đạo",
	"system":     "Hệ thống",
}

// RecordOf is d, with its history, in the national portal's terms.
// fieldName is the name of d's field (lĩnh vực).
func RecordOf(d *dossier.Dossier, history []dossier.Event, fieldName string) Push {
	r := Dossier{Code: d.Code, ProcedureCode: d.ProcedureCode, ProcedureName: d.ProcedureName,
		FieldCode: d.FieldCode, FieldName: fieldName, ReceiptNumber: d.Code, Applicant: d.Applicant.Name,
		ApplicantKind: KindCitizen, ApplicantID: d.Applicant.IDNumber, Summary: d.ProcedureName + " — " + d.Applicant.Name,
		ReceivedAt: timeOf(d.ReceivedAt), DueAt: timeOf(d.DueAt), Status: d.Status.National(),
		ReturnedAt: timeOf(d.ReturnedAt), Way: WayOnline, FinishedAt: timeOf(d.FinishedAt), Handler: d.AgencyCode,
		SubmittedAt: timeOf(d.SubmittedAt), Papers: []Paper{}, Fees: []Fee{}, Supplements: []Supplement{}, Results: []Paper{}}
	if d.Applicant.Kind == "business" {
		r.ApplicantKind = KindBusiness
	}
	if d.Channel == dossier.ChannelCounter {
		r.Way = WayInPerson
	}
	if d.HandlerAgency != "" {
		r.Handler = d.HandlerAgency
	}
	if d.FirstDueAt != nil && d.DueAt != nil && !d.FirstDueAt.Equal(*d.DueAt) {
		r.FirstDueAt, r.NewDueAt = timeOf(d.FirstDueAt), timeOf(d.DueAt)
	}
	for _, p := range d.Papers {
		r.Papers = append(r.Papers, Paper{Component: p.Component, Name: p.Name, Hash: p.Hash})
	}
	if d.Fee != nil {
		for _, l := range d.Fee.Lines {
			r.Fees = append(r.Fees, Fee{Name: l.Name, Amount: l.Amount, Paid: d.PaidAt != nil})
		}
	}
	if d.ResultDocument != nil {
		r.Results = append(r.Results, Paper{Name: d.ResultDocument.Name, Hash: d.ResultDocument.Hash})
	}
	p := Push{Dossier: r, Progress: make([]Progress, 0, len(history))}
	for i, e := range history {
		if e.Action == "supplement_requested" || e.Action == "request_supplement" {
			p.Dossier.Supplements = append(p.Dossier.Supplements, Supplement{At: Time{e.At.UTC().Truncate(time.Second)}, Content: e.Comment})
		}
		st := e.ToStatus.National()
		if st == 0 {
			st = 1 // the draft's entries, before the code: "newly registered" is the nearest
		}
		content := actionNames[e.Action]
		if content == "" {
			content = e.Action
		}
		if e.Comment != "" {
			content += ": " + e.Comment
		}
		p.Progress = append(p.Progress, Progress{Seq: i + 1, Actor: e.ActorName, Position: roleTitles[e.ActorRole],
			At: Time{e.At.UTC().Truncate(time.Second)}, Unit: strings.TrimSpace(e.Step), Content: content, Status: st, Action: e.Action})
	}
	if n := len(p.Progress); n > 0 && d.StepStartedAt != nil {
		p.Progress[n-1].StartedAt, p.Progress[n-1].DueAt = timeOf(d.StepStartedAt), timeOf(d.StepDueAt)
	}
	return p
}

// actionNames are the Vietnamese words of the progress entries' content.
var actionNames = map[string]string{
	"created":             "Tạo hồ sơ",
	"submitted":           "Nộp hồ sơ",
	"received_at_counter": "Tiếp nhận hồ sơ tại bộ phận một cửa",
	"receive":             "Tiếp nhận hồ sơ",
	"request_supplement":  "Yêu cầu bổ sung, hoàn thiện hồ sơ",
	"supplemented":        "Bổ sung hồ sơ",
	"refuse":              "Từ chối tiếp nhận giải quyết",
	"assign":              "Phân công xử lý",
	"forward":             "Chuyển bước xử lý",
	"send_back":           "Trả lại bước trước",
	"propose_refusal":     "Đề xuất từ chối",
	"approve":             "Phê duyệt kết quả",
	"return_result":       "Trả kết quả",
	"withdrawn":           "Rút hồ sơ",
	"rated":               "Đánh giá mức độ hài lòng",
	"paid":                "Thanh toán phí, lệ phí trực tuyến",
	"refunded":            "Hoàn trả phí, lệ phí",
	"transfer":            "Chuyển hồ sơ liên thông",
	"return_transfer":     "Trả hồ sơ liên thông",
	"apologize":           "Xin lỗi và hẹn lại ngày trả kết quả",
}
