package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/store"
)

// The national reporting system (hệ thống thông tin báo cáo): a template
// lists indicators; a duty obliges an agency to send a report of a
// template for every month, quarter or year; the agency's officials fill
// the report (the figures the platform keeps are filled in for them),
// submit it, and the agency above approves it or returns it. A parent
// agency reads its children's approved reports aggregated indicator by
// indicator, and every report whose due day has passed is flagged missing
// (never submitted) or late (first submitted after the due day).

// Indicator types.
const (
	TypeNumber  = "number"
	TypePercent = "percent"
	TypeText    = "text"
)

// How an indicator aggregates over the children of an agency.
const (
	AggregateSum     = "sum"
	AggregateAverage = "average"
	AggregateMax     = "max"
	AggregateNone    = "none"
)

// Statuses of a submission. StatusNone is a report not begun.
const (
	StatusNone      = "none"
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusApproved  = "approved"
	StatusReturned  = "returned"
)

// TemplateIndicator is one line of a report template.
type TemplateIndicator struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Type      string `json:"type"` // number, percent or text
	Unit      string `json:"unit,omitempty"`
	Aggregate string `json:"aggregate"` // sum, average, max or none
	// Source is the platform figure that fills the indicator (see
	// AutoSources); "" for an indicator the agency fills in.
	Source string `json:"source,omitempty"`
}

// Template is a periodic report's form.
type Template struct {
	Code       string              `json:"code"`
	Name       string              `json:"name"`
	Indicators []TemplateIndicator `json:"indicators"`
	CreatedBy  string              `json:"created_by,omitempty"`
	UpdatedAt  time.Time           `json:"updated_at"`
}

// Indicator returns the indicator of code.
func (t Template) Indicator(code string) (TemplateIndicator, bool) {
	for _, in := range t.Indicators {
		if in.Code == code {
			return in, true
		}
	}
	return TemplateIndicator{}, false
}

// AutoSource is a figure the platform keeps that an indicator can be filled
// with, computed from the figures of the agency's scope over the period.
type AutoSource struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Type string `json:"type"`
	// value computes it; ok is false when there is nothing to compute it
	// from (a share of nothing).
	value func(Figures) (float64, bool)
}

func count(f func(Figures) int64) func(Figures) (float64, bool) {
	return func(x Figures) (float64, bool) { return float64(f(x)), true }
}

func percent(f func(Figures) (float64, bool)) func(Figures) (float64, bool) {
	return func(x Figures) (float64, bool) {
		v, ok := f(x)
		return round2(100 * v), ok
	}
}

// AutoSources are the platform figures a template can use.
var AutoSources = []AutoSource{
	{"received", "Số hồ sơ tiếp nhận trong kỳ", TypeNumber, count(func(f Figures) int64 { return f.Received() })},
	{"received_online", "Số hồ sơ nộp trực tuyến (cổng dịch vụ công và hệ thống liên thông)", TypeNumber,
		count(func(f Figures) int64 { return f.ReceivedOnline + f.ReceivedAPI })},
	{"received_counter", "Số hồ sơ nộp trực tiếp tại bộ phận một cửa", TypeNumber, count(func(f Figures) int64 { return f.ReceivedCounter })},
	{"finished", "Số hồ sơ đã giải quyết", TypeNumber, count(func(f Figures) int64 { return f.Finished() })},
	{"finished_on_time", "Số hồ sơ giải quyết trước và đúng hạn", TypeNumber, count(func(f Figures) int64 { return f.Early + f.OnTime })},
	{"finished_late", "Số hồ sơ giải quyết quá hạn", TypeNumber, count(func(f Figures) int64 { return f.Late })},
	{"on_time_rate", "Tỉ lệ hồ sơ giải quyết trước và đúng hạn", TypePercent, percent(Figures.OnTimeRate)},
	{"overdue", "Số hồ sơ đang giải quyết quá hạn (tại thời điểm lập báo cáo)", TypeNumber, count(func(f Figures) int64 { return f.Overdue })},
	{"refused", "Số hồ sơ không tiếp nhận hoặc từ chối", TypeNumber, count(func(f Figures) int64 { return f.Refused })},
	{"withdrawn", "Số hồ sơ công dân rút", TypeNumber, count(func(f Figures) int64 { return f.Withdrawn })},
	{"online_share", "Tỉ lệ hồ sơ nộp trực tuyến", TypePercent, percent(Figures.OnlineShare)},
	{"paid_online_share", "Tỉ lệ hồ sơ thanh toán trực tuyến", TypePercent, percent(Figures.PaidOnlineShare)},
	{"digital_share", "Tỉ lệ kết quả giải quyết điện tử", TypePercent, percent(Figures.DigitalShare)},
	{"average_rating", "Điểm đánh giá trung bình (1–5)", TypeNumber, func(f Figures) (float64, bool) {
		v, ok := f.AverageRating()
		return round2(v), ok
	}},
	{"satisfied_share", "Tỉ lệ đánh giá hài lòng", TypePercent, percent(Figures.SatisfiedShare)},
	{"apologies", "Số thư xin lỗi đã gửi", TypeNumber, count(func(f Figures) int64 { return f.Apologies })},
}

// AutoSourceOf returns the source of code.
func AutoSourceOf(code string) (AutoSource, bool) {
	for _, s := range AutoSources {
		if s.Code == code {
			return s, true
		}
	}
	return AutoSource{}, false
}

// Duty is an agency's obligation to report on a template every period.
type Duty struct {
	ID           int64     `json:"id"`
	TemplateCode string    `json:"template_code"`
	TemplateName string    `json:"template_name"`
	AgencyCode   string    `json:"agency_code"`
	AgencyName   string    `json:"agency_name"`
	ParentCode   string    `json:"parent_code,omitempty"` // the agency that approves
	Period       string    `json:"period"`                // month, quarter or year
	DueDay       int       `json:"due_day"`               // of the month after the period
	FirstPeriod  string    `json:"first_period"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// Deadline is the moment a duty's report of p is late from: the end, in
// Vietnam, of the due day of the month after p.
func (d Duty) Deadline(p Period) time.Time {
	last, _ := time.ParseInLocation("2006-01", p.To, calendar.Vietnam)
	return time.Date(last.Year(), last.Month()+1, d.DueDay+1, 0, 0, 0, 0, calendar.Vietnam)
}

// DueDate is the due day of p, YYYY-MM-DD.
func (d Duty) DueDate(p Period) string { return Day(d.Deadline(p).Add(-time.Hour)) }

// Submission is what an agency sent (or is preparing) for a duty and a
// period.
type Submission struct {
	ID               int64          `json:"id"`
	DutyID           int64          `json:"duty_id"`
	PeriodKey        string         `json:"period"`
	Status           string         `json:"status"`
	Values           map[string]any `json:"values"` // indicator code -> number, text or null
	Note             string         `json:"note,omitempty"`
	SubmittedBy      string         `json:"submitted_by,omitempty"`
	SubmittedAt      *time.Time     `json:"submitted_at,omitempty"`
	FirstSubmittedAt *time.Time     `json:"first_submitted_at,omitempty"`
	ReviewedBy       string         `json:"reviewed_by,omitempty"`
	ReviewedAt       *time.Time     `json:"reviewed_at,omitempty"`
	ReviewNote       string         `json:"review_note,omitempty"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

// PeriodStatus is where a duty's report of a period stands.
type PeriodStatus struct {
	Period      Period     `json:"period"`
	Status      string     `json:"status"` // none, draft, submitted, approved or returned
	DueDate     string     `json:"due_date"`
	Due         bool       `json:"due"`     // the due day has passed
	Missing     bool       `json:"missing"` // due and never submitted
	Late        bool       `json:"late"`    // first submitted after the due day
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
}

// Report is a duty's report of a period as its page shows it: what was
// stored and, while the agency may still change it, the automatic values
// computed now.
type Report struct {
	Duty       Duty            `json:"duty"`
	Template   Template        `json:"template"`
	Status     PeriodStatus    `json:"state"`
	Submission *Submission     `json:"submission,omitempty"`
	Values     map[string]any  `json:"values"`
	Live       map[string]bool `json:"live"` // automatic values computed now, not yet stored
	MayEdit    bool            `json:"may_edit"`
	MayReview  bool            `json:"may_review"`
}

// DutyError is a refusal whose message is for the person.
type DutyError struct {
	Msg  string
	Kind error // egov.ErrNotFound, ErrForbidden, ErrConflict or ErrInvalid
}

func (e *DutyError) Error() string        { return e.Msg }
func (e *DutyError) Is(target error) bool { return target == e.Kind }

func refuse(kind error, msg string) error { return &DutyError{Msg: msg, Kind: kind} }

var errNoDuty = refuse(egov.ErrNotFound, "Không tìm thấy nhiệm vụ báo cáo này, hoặc bạn không được xem báo cáo của cơ quan này.")

// DutyService runs the national reporting system over the figures of s.
type DutyService struct {
	db      *store.DB
	figures *Service
	audit   *audit.Log
	now     func() time.Time
}

// NewDutyService returns the reporting service. figures computes the
// automatic values; now is the clock (the figures' clock when nil).
func NewDutyService(db *store.DB, figures *Service, now func() time.Time) *DutyService {
	if now == nil {
		now = figures.now
	}
	return &DutyService{db: db, figures: figures, audit: audit.New(db), now: now}
}

func (s *DutyService) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var (
	templateCodeRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)
	indicatorCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,39}$`)
)

// ValidateTemplate checks t, filling in the default aggregation (sum for
// numbers, average for percentages, none for text).
func ValidateTemplate(t *Template) egov.FieldErrors {
	fe := egov.FieldErrors{}
	t.Code, t.Name = strings.TrimSpace(t.Code), strings.TrimSpace(t.Name)
	if !templateCodeRE.MatchString(t.Code) {
		fe["code"] = "Nhập mã mẫu báo cáo: chữ cái không dấu, chữ số, dấu chấm, gạch ngang; tối đa 40 ký tự, ví dụ BC-TTHC-01."
	}
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 300 {
		fe["name"] = "Nhập tên mẫu báo cáo (tối đa 300 ký tự)."
	}
	if len(t.Indicators) == 0 {
		fe["indicators"] = "Mẫu báo cáo cần ít nhất một chỉ tiêu."
	}
	if len(t.Indicators) > 100 {
		fe["indicators"] = "Một mẫu báo cáo có tối đa 100 chỉ tiêu."
	}
	seen := map[string]bool{}
	for i := range t.Indicators {
		in := &t.Indicators[i]
		key := func(f string) string { return fmt.Sprintf("indicators[%d].%s", i, f) }
		in.Code, in.Name, in.Unit = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Unit)
		in.Source, in.Type, in.Aggregate = strings.TrimSpace(in.Source), strings.TrimSpace(in.Type), strings.TrimSpace(in.Aggregate)
		n := i + 1
		switch {
		case !indicatorCodeRE.MatchString(in.Code):
			fe[key("code")] = fmt.Sprintf("Chỉ tiêu %d: nhập mã bằng chữ thường không dấu, chữ số và dấu gạch dưới, ví dụ so_ho_so.", n)
		case seen[in.Code]:
			fe[key("code")] = fmt.Sprintf("Chỉ tiêu %d: mã %s đã dùng cho một chỉ tiêu khác.", n, in.Code)
		}
		seen[in.Code] = true
		if in.Name == "" || utf8.RuneCountInString(in.Name) > 300 {
			fe[key("name")] = fmt.Sprintf("Chỉ tiêu %d: nhập tên chỉ tiêu (tối đa 300 ký tự).", n)
		}
		if utf8.RuneCountInString(in.Unit) > 50 {
			fe[key("unit")] = fmt.Sprintf("Chỉ tiêu %d: đơn vị tính tối đa 50 ký tự.", n)
		}
		if in.Type != TypeNumber && in.Type != TypePercent && in.Type != TypeText {
			fe[key("type")] = fmt.Sprintf("Chỉ tiêu %d: chọn kiểu số, tỉ lệ (%%) hoặc chữ.", n)
			continue
		}
		if in.Aggregate == "" {
			in.Aggregate = map[string]string{TypeNumber: AggregateSum, TypePercent: AggregateAverage, TypeText: AggregateNone}[in.Type]
		}
		switch {
		case in.Aggregate != AggregateSum && in.Aggregate != AggregateAverage && in.Aggregate != AggregateMax && in.Aggregate != AggregateNone:
			fe[key("aggregate")] = fmt.Sprintf("Chỉ tiêu %d: chọn cách tổng hợp: cộng, trung bình, lớn nhất hoặc không tổng hợp.", n)
		case in.Type == TypeText && in.Aggregate != AggregateNone:
			fe[key("aggregate")] = fmt.Sprintf("Chỉ tiêu %d: chỉ tiêu dạng chữ không tổng hợp được; chọn «không tổng hợp».", n)
		case in.Type == TypePercent && in.Aggregate == AggregateSum:
			fe[key("aggregate")] = fmt.Sprintf("Chỉ tiêu %d: không cộng các tỉ lệ; chọn trung bình, lớn nhất hoặc không tổng hợp.", n)
		}
		if in.Source != "" {
			src, ok := AutoSourceOf(in.Source)
			switch {
			case !ok:
				fe[key("source")] = fmt.Sprintf("Chỉ tiêu %d: nguồn số liệu %q không có trên hệ thống; để trống nếu cơ quan tự nhập, hoặc chọn một số liệu có sẵn.", n, in.Source)
			case in.Type == TypeText:
				fe[key("source")] = fmt.Sprintf("Chỉ tiêu %d: chỉ tiêu dạng chữ do cơ quan tự nhập; để trống nguồn số liệu.", n)
			case src.Type != in.Type:
				fe[key("type")] = fmt.Sprintf("Chỉ tiêu %d: số liệu «%s» là %s; chọn kiểu đó cho chỉ tiêu.", n, src.Name, typeName(src.Type))
			}
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func typeName(t string) string {
	switch t {
	case TypePercent:
		return "tỉ lệ (%)"
	case TypeText:
		return "chữ"
	}
	return "số"
}

// Templates lists the report templates.
func (s *DutyService) Templates(ctx context.Context) ([]Template, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT code, name, indicators, created_by, updated_at FROM report_templates ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("report templates: %w", err)
	}
	defer rows.Close()
	var out []Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report templates: %w", err)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanTemplate(r scanner) (Template, error) {
	var t Template
	var ind string
	if err := r.Scan(&t.Code, &t.Name, &ind, &t.CreatedBy, &t.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return t, refuse(egov.ErrNotFound, "Không có mẫu báo cáo này.")
		}
		return t, fmt.Errorf("report template: %w", err)
	}
	if err := json.Unmarshal([]byte(ind), &t.Indicators); err != nil {
		return t, fmt.Errorf("report template %s: %w", t.Code, err)
	}
	t.UpdatedAt = t.UpdatedAt.UTC()
	return t, nil
}

// Template returns the template of code.
func (s *DutyService) Template(ctx context.Context, code string) (Template, error) {
	return scanTemplate(s.db.QueryRowContext(ctx, `SELECT code, name, indicators, created_by, updated_at FROM report_templates WHERE code = $1`, code))
}

// SaveTemplate creates or replaces the template of t.Code. Only system
// administrators manage templates.
func (s *DutyService) SaveTemplate(ctx context.Context, actor *identity.Account, t Template, req identity.Request) (Template, error) {
	if !actor.IsSystemAdmin() {
		return Template{}, refuse(egov.ErrForbidden, "Chỉ quản trị hệ thống quản lý mẫu báo cáo.")
	}
	t.Indicators = slices.Clone(t.Indicators)
	if fe := ValidateTemplate(&t); fe != nil {
		return Template{}, fe
	}
	ind, err := json.Marshal(t.Indicators)
	if err != nil {
		return Template{}, fmt.Errorf("report template: %w", err)
	}
	now := s.clock()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_templates (code, name, indicators, created_by, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, indicators = excluded.indicators, updated_at = excluded.updated_at`,
			t.Code, t.Name, string(ind), actor.Actor(), now); err != nil {
			return fmt.Errorf("save report template: %w", err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "report_template.saved",
			Subject: "report_template:" + t.Code, Details: map[string]any{"name": t.Name, "indicators": len(t.Indicators)}})
		return err
	})
	if err != nil {
		return Template{}, err
	}
	return s.Template(ctx, t.Code)
}

// NewDuty is what creates a duty.
type NewDuty struct {
	TemplateCode string `json:"template_code"`
	AgencyCode   string `json:"agency_code"`
	Period       string `json:"period"`
	DueDay       int    `json:"due_day"`
	FirstPeriod  string `json:"first_period"` // the current period when empty
}

// CreateDuty obliges an agency to report on a template. System
// administrators create duties for any agency, an agency's administrator
// for the agencies under theirs.
func (s *DutyService) CreateDuty(ctx context.Context, actor *identity.Account, n NewDuty, req identity.Request) (Duty, error) {
	n.TemplateCode, n.AgencyCode = strings.TrimSpace(n.TemplateCode), strings.TrimSpace(n.AgencyCode)
	n.Period, n.FirstPeriod = strings.TrimSpace(n.Period), strings.TrimSpace(n.FirstPeriod)
	if actor == nil || actor.Kind != identity.KindOfficial {
		return Duty{}, refuse(egov.ErrForbidden, "Chỉ quản trị hệ thống hoặc quản trị của cơ quan cấp trên giao nhiệm vụ báo cáo.")
	}
	if !actor.IsSystemAdmin() && !actor.ActsFor(actor.AgencyCode, identity.RoleAgencyAdmin) {
		return Duty{}, refuse(egov.ErrForbidden, "Chỉ quản trị hệ thống hoặc quản trị của cơ quan cấp trên giao nhiệm vụ báo cáo.")
	}
	fe := egov.FieldErrors{}
	if n.TemplateCode == "" {
		fe["template_code"] = "Chọn mẫu báo cáo."
	} else if _, err := s.Template(ctx, n.TemplateCode); errors.Is(err, egov.ErrNotFound) {
		fe["template_code"] = "Không có mẫu báo cáo " + n.TemplateCode + "; chọn một mẫu trong danh sách."
	} else if err != nil {
		return Duty{}, err
	}
	var agencyName string
	if n.AgencyCode == "" {
		fe["agency_code"] = "Chọn cơ quan phải báo cáo."
	} else if err := s.db.QueryRowContext(ctx, `SELECT name FROM agencies WHERE code = $1`, n.AgencyCode).Scan(&agencyName); errors.Is(err, sql.ErrNoRows) {
		fe["agency_code"] = "Không có cơ quan mã " + n.AgencyCode + "."
	} else if err != nil {
		return Duty{}, fmt.Errorf("agency %s: %w", n.AgencyCode, err)
	} else if !actor.IsSystemAdmin() {
		above, err := ancestors(ctx, s.db, n.AgencyCode)
		if err != nil {
			return Duty{}, err
		}
		if !slices.Contains(above, actor.AgencyCode) {
			return Duty{}, refuse(egov.ErrForbidden, "Bạn chỉ giao nhiệm vụ báo cáo cho các cơ quan trực thuộc cơ quan mình.")
		}
	}
	if n.Period != "month" && n.Period != "quarter" && n.Period != "year" {
		fe["period"] = "Chọn kỳ báo cáo: tháng, quý hoặc năm."
	}
	if n.DueDay < 1 || n.DueDay > 28 {
		fe["due_day"] = "Hạn gửi báo cáo là một ngày từ 1 đến 28 của tháng sau kỳ báo cáo."
	}
	if fe["period"] == "" {
		if n.FirstPeriod == "" {
			n.FirstPeriod = PeriodOf(n.Period, s.now()).Key
		} else if p, err := ParsePeriod(n.FirstPeriod); err != nil || p.Kind != n.Period {
			fe["first_period"] = "Kỳ đầu tiên phải là một " + periodKindName(n.Period) + ", ví dụ " + PeriodOf(n.Period, s.now()).Key + "."
		} else {
			n.FirstPeriod = p.Key
		}
	}
	if len(fe) > 0 {
		return Duty{}, fe
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO report_duties (template_code, agency_code, period, due_day, first_period, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, n.TemplateCode, n.AgencyCode, n.Period, n.DueDay, n.FirstPeriod, actor.Actor(), s.clock()).Scan(&id)
		if store.IsUniqueViolation(err) {
			return egov.FieldErrors{"agency_code": agencyName + " đã có nhiệm vụ báo cáo theo mẫu " + n.TemplateCode + "."}
		}
		if err != nil {
			return fmt.Errorf("create report duty: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "report_duty.created",
			Subject: "report_duty:" + strconv.FormatInt(id, 10), AgencyCode: n.AgencyCode,
			Details: map[string]any{"template_code": n.TemplateCode, "period": n.Period, "due_day": n.DueDay, "first_period": n.FirstPeriod}})
		return err
	})
	if err != nil {
		return Duty{}, err
	}
	return s.duty(ctx, s.db, id)
}

func periodKindName(kind string) string {
	switch kind {
	case "quarter":
		return "quý"
	case "year":
		return "năm"
	}
	return "tháng"
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const dutyColumns = `d.id, d.template_code, t.name, d.agency_code, a.name, COALESCE(a.parent_code, ''), d.period, d.due_day, d.first_period, d.created_by, d.created_at`

const dutyFrom = ` FROM report_duties d JOIN report_templates t ON t.code = d.template_code JOIN agencies a ON a.code = d.agency_code`

func scanDuty(r scanner) (Duty, error) {
	var d Duty
	err := r.Scan(&d.ID, &d.TemplateCode, &d.TemplateName, &d.AgencyCode, &d.AgencyName, &d.ParentCode, &d.Period, &d.DueDay,
		&d.FirstPeriod, &d.CreatedBy, &d.CreatedAt)
	d.CreatedAt = d.CreatedAt.UTC()
	return d, err
}

func (s *DutyService) duty(ctx context.Context, q querier, id int64) (Duty, error) {
	d, err := scanDuty(q.QueryRowContext(ctx, `SELECT `+dutyColumns+dutyFrom+` WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Duty{}, errNoDuty
	}
	if err != nil {
		return Duty{}, fmt.Errorf("report duty %d: %w", id, err)
	}
	return d, nil
}

// duties lists the duties of the agencies of codes.
func (s *DutyService) duties(ctx context.Context, codes []string) ([]Duty, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	var args []any
	in := placeholders(&args, codes)
	rows, err := s.db.QueryContext(ctx, `SELECT `+dutyColumns+dutyFrom+` WHERE d.agency_code IN (`+in+`) ORDER BY a.name, d.agency_code, t.name, d.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("report duties: %w", err)
	}
	defer rows.Close()
	var out []Duty
	for rows.Next() {
		d, err := scanDuty(rows)
		if err != nil {
			return nil, fmt.Errorf("report duties: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report duties: %w", err)
	}
	return out, nil
}

// ancestors lists the agencies above code, nearest first.
func ancestors(ctx context.Context, q querier, code string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE up (code, parent_code, depth) AS (
			SELECT code, parent_code, 0 FROM agencies WHERE code = $1
			UNION ALL
			SELECT a.code, a.parent_code, up.depth + 1 FROM agencies a JOIN up ON a.code = up.parent_code WHERE up.depth < 8)
		SELECT code FROM up WHERE depth > 0 ORDER BY depth`, code)
	if err != nil {
		return nil, fmt.Errorf("agencies above %s: %w", code, err)
	}
	return codes(rows, code)
}

// subtree lists code and every agency under it.
func subtree(ctx context.Context, q querier, code string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE down (code, depth) AS (
			SELECT code, 0 FROM agencies WHERE code = $1
			UNION ALL
			SELECT a.code, down.depth + 1 FROM agencies a JOIN down ON a.parent_code = down.code WHERE down.depth < 8)
		SELECT code FROM down ORDER BY depth, code`, code)
	if err != nil {
		return nil, fmt.Errorf("agencies under %s: %w", code, err)
	}
	return codes(rows, code)
}

func codes(rows *sql.Rows, of string) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("agencies of %s: %w", of, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agencies of %s: %w", of, err)
	}
	return out, nil
}

var readerRoles = []identity.Role{identity.RoleAgencyAdmin, identity.RoleReportViewer, identity.RoleLeader}

// mayRead: the agency's reporting officials, those of any agency above it,
// and system administrators.
func (s *DutyService) mayRead(ctx context.Context, a *identity.Account, agency string) (bool, error) {
	if a.ActsFor(agency, readerRoles...) {
		return true, nil
	}
	if a == nil || a.Kind != identity.KindOfficial || a.AgencyCode == "" {
		return false, nil
	}
	above, err := ancestors(ctx, s.db, agency)
	if err != nil {
		return false, err
	}
	return slices.Contains(above, a.AgencyCode) && a.ActsFor(a.AgencyCode, readerRoles...), nil
}

// mayPrepare: the agency's own reporting officials (and system
// administrators).
func mayPrepare(a *identity.Account, d Duty) bool { return a.ActsFor(d.AgencyCode, readerRoles...) }

// mayReview: the leaders and administrators of the agency above, and
// system administrators.
func mayReview(a *identity.Account, d Duty) bool {
	if a.IsSystemAdmin() {
		return true
	}
	return d.ParentCode != "" && a.ActsFor(d.ParentCode, identity.RoleLeader, identity.RoleAgencyAdmin)
}

// readableDuty loads a duty the caller may read; others do not find it.
func (s *DutyService) readableDuty(ctx context.Context, a *identity.Account, id int64) (Duty, error) {
	d, err := s.duty(ctx, s.db, id)
	if err != nil {
		return Duty{}, err
	}
	ok, err := s.mayRead(ctx, a, d.AgencyCode)
	if err != nil {
		return Duty{}, err
	}
	if !ok {
		return Duty{}, errNoDuty
	}
	return d, nil
}

// periodOf reads key as a period of d: of its kind, from its first period,
// begun already.
func (s *DutyService) periodOf(d Duty, key string) (Period, error) {
	p, err := ParsePeriod(key)
	if err != nil {
		return Period{}, err
	}
	if p.Kind != d.Period {
		return Period{}, egov.FieldErrors{"period": "Nhiệm vụ này báo cáo theo " + periodKindName(d.Period) + "; chọn kỳ dạng " + PeriodOf(d.Period, s.now()).Key + "."}
	}
	first, _ := ParsePeriod(d.FirstPeriod)
	if p.From < first.From {
		return Period{}, egov.FieldErrors{"period": "Nhiệm vụ báo cáo bắt đầu từ kỳ " + first.Label() + "."}
	}
	if p.From > Month(s.now()) {
		return Period{}, egov.FieldErrors{"period": p.Label() + " chưa bắt đầu: chưa lập được báo cáo."}
	}
	return p, nil
}

const submissionColumns = `id, duty_id, period_key, status, vals, note, submitted_by, submitted_at, first_submitted_at, reviewed_by, reviewed_at, review_note, updated_at`

func scanSubmission(r scanner) (Submission, error) {
	var sub Submission
	var vals string
	var at, first, reviewed sql.NullTime
	if err := r.Scan(&sub.ID, &sub.DutyID, &sub.PeriodKey, &sub.Status, &vals, &sub.Note, &sub.SubmittedBy, &at, &first,
		&sub.ReviewedBy, &reviewed, &sub.ReviewNote, &sub.UpdatedAt); err != nil {
		return sub, err
	}
	if err := json.Unmarshal([]byte(vals), &sub.Values); err != nil {
		return sub, fmt.Errorf("report %d values: %w", sub.ID, err)
	}
	ptr := func(t sql.NullTime) *time.Time {
		if !t.Valid {
			return nil
		}
		u := t.Time.UTC()
		return &u
	}
	sub.SubmittedAt, sub.FirstSubmittedAt, sub.ReviewedAt = ptr(at), ptr(first), ptr(reviewed)
	sub.UpdatedAt = sub.UpdatedAt.UTC()
	return sub, nil
}

func (s *DutyService) submission(ctx context.Context, q querier, dutyID int64, key string) (*Submission, error) {
	sub, err := scanSubmission(q.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM report_submissions WHERE duty_id = $1 AND period_key = $2`, dutyID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report of duty %d for %s: %w", dutyID, key, err)
	}
	return &sub, nil
}

// submissions reads every submission of the duties of ids, by duty and
// period.
func (s *DutyService) submissions(ctx context.Context, ids []int64) (map[int64]map[string]Submission, error) {
	out := map[int64]map[string]Submission{}
	for len(ids) > 0 {
		n := min(len(ids), 200)
		var args []any
		var b strings.Builder
		for i, id := range ids[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, id)
			fmt.Fprintf(&b, "$%d", len(args))
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+submissionColumns+` FROM report_submissions WHERE duty_id IN (`+b.String()+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		for rows.Next() {
			sub, err := scanSubmission(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("reports: %w", err)
			}
			if out[sub.DutyID] == nil {
				out[sub.DutyID] = map[string]Submission{}
			}
			out[sub.DutyID][sub.PeriodKey] = sub
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// statusOf says where d's report of p stands, given its submission (nil
// when none).
func (s *DutyService) statusOf(d Duty, p Period, sub *Submission) PeriodStatus {
	deadline := d.Deadline(p)
	ps := PeriodStatus{Period: p, Status: StatusNone, DueDate: d.DueDate(p), Due: !s.now().Before(deadline)}
	if sub != nil {
		ps.Status, ps.SubmittedAt = sub.Status, sub.SubmittedAt
	}
	switch {
	case sub == nil || sub.FirstSubmittedAt == nil:
		ps.Missing = ps.Due
	case !sub.FirstSubmittedAt.Before(deadline):
		ps.Late = true
	}
	return ps
}

// periods lists d's periods from its first to the current one, the most
// recent first, at most limit.
func (s *DutyService) periods(d Duty, limit int) []Period {
	first, err := ParsePeriod(d.FirstPeriod)
	if err != nil {
		return nil
	}
	var out []Period
	for p := PeriodOf(d.Period, s.now()); p.From >= first.From && len(out) < limit; p = p.Previous() {
		out = append(out, p)
	}
	return out
}

// auto computes the automatic values of t for agency over p.
func (s *DutyService) auto(ctx context.Context, t Template, agency string, p Period) (map[string]any, error) {
	out := map[string]any{}
	need := false
	for _, in := range t.Indicators {
		need = need || in.Source != ""
	}
	if !need {
		return out, nil
	}
	figs, err := s.figures.Figures(ctx, []string{agency}, p, Filter{})
	if err != nil {
		return nil, err
	}
	f := figs[agency]
	for _, in := range t.Indicators {
		src, ok := AutoSourceOf(in.Source)
		if !ok {
			continue
		}
		if v, ok := src.value(f); ok {
			out[in.Code] = v
		} else {
			out[in.Code] = nil
		}
	}
	return out, nil
}

// Report returns a duty's report of a period as the caller may see it.
func (s *DutyService) Report(ctx context.Context, actor *identity.Account, dutyID int64, periodKey string) (Report, error) {
	d, err := s.readableDuty(ctx, actor, dutyID)
	if err != nil {
		return Report{}, err
	}
	p, err := s.periodOf(d, periodKey)
	if err != nil {
		return Report{}, err
	}
	t, err := s.Template(ctx, d.TemplateCode)
	if err != nil {
		return Report{}, err
	}
	sub, err := s.submission(ctx, s.db, d.ID, p.Key)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Duty: d, Template: t, Status: s.statusOf(d, p, sub), Submission: sub, Values: map[string]any{}, Live: map[string]bool{}}
	open := sub == nil || sub.Status == StatusDraft || sub.Status == StatusReturned
	rep.MayEdit = open && mayPrepare(actor, d)
	rep.MayReview = sub != nil && sub.Status == StatusSubmitted && mayReview(actor, d)
	if sub != nil {
		for k, v := range sub.Values {
			rep.Values[k] = v
		}
	}
	if open {
		auto, err := s.auto(ctx, t, d.AgencyCode, p)
		if err != nil {
			return Report{}, err
		}
		for k, v := range auto {
			rep.Values[k], rep.Live[k] = v, true
		}
	}
	return rep, nil
}

// Input is what the agency types in a report: the manual indicators'
// values as typed (a number may use a decimal comma) and a note.
type Input struct {
	Values map[string]string `json:"values"`
	Note   string            `json:"note"`
}

// parseNumber reads a number as people type it: 12, 12.5 or 12,5.
func parseNumber(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// values checks in against t; complete requires every manual number.
func values(t Template, in Input, complete bool) (map[string]any, egov.FieldErrors) {
	fe := egov.FieldErrors{}
	out := map[string]any{}
	for code := range in.Values {
		ind, ok := t.Indicator(code)
		switch {
		case !ok:
			fe["values."+code] = "Mẫu báo cáo không có chỉ tiêu " + code + "."
		case ind.Source != "":
			fe["values."+code] = "Chỉ tiêu «" + ind.Name + "» được tính tự động từ số liệu của hệ thống; không nhập."
		}
	}
	for _, ind := range t.Indicators {
		if ind.Source != "" {
			continue
		}
		raw := strings.TrimSpace(in.Values[ind.Code])
		key := "values." + ind.Code
		if raw == "" {
			if complete && ind.Type != TypeText {
				fe[key] = "Nhập số liệu của chỉ tiêu «" + ind.Name + "» trước khi gửi báo cáo."
			}
			continue
		}
		switch ind.Type {
		case TypeText:
			if utf8.RuneCountInString(raw) > 5000 {
				fe[key] = "«" + ind.Name + "»: tối đa 5000 ký tự."
				continue
			}
			out[ind.Code] = raw
		default:
			v, ok := parseNumber(raw)
			switch {
			case !ok:
				fe[key] = "«" + ind.Name + "»: nhập một số, ví dụ 12 hoặc 12,5."
			case v < 0:
				fe[key] = "«" + ind.Name + "»: số liệu không được âm."
			case ind.Type == TypePercent && v > 100:
				fe[key] = "«" + ind.Name + "»: tỉ lệ là một số từ 0 đến 100."
			default:
				out[ind.Code] = v
			}
		}
	}
	if utf8.RuneCountInString(in.Note) > 5000 {
		fe["note"] = "Ghi chú tối đa 5000 ký tự."
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return out, nil
}

// Save stores the report of a duty and period as a draft or, with submit,
// sends it to the agency above with the automatic values computed now.
func (s *DutyService) Save(ctx context.Context, actor *identity.Account, dutyID int64, periodKey string, in Input, submit bool, req identity.Request) (Report, error) {
	d, err := s.readableDuty(ctx, actor, dutyID)
	if err != nil {
		return Report{}, err
	}
	if !mayPrepare(actor, d) {
		return Report{}, refuse(egov.ErrForbidden, "Chỉ lãnh đạo, quản trị hoặc cán bộ báo cáo của "+d.AgencyName+" lập báo cáo này.")
	}
	p, err := s.periodOf(d, periodKey)
	if err != nil {
		return Report{}, err
	}
	t, err := s.Template(ctx, d.TemplateCode)
	if err != nil {
		return Report{}, err
	}
	in.Note = strings.TrimSpace(in.Note)
	vals, fe := values(t, in, submit)
	if fe != nil {
		return Report{}, fe
	}
	if submit {
		auto, err := s.auto(ctx, t, d.AgencyCode, p)
		if err != nil {
			return Report{}, err
		}
		for k, v := range auto {
			vals[k] = v
		}
	}
	enc, err := json.Marshal(vals)
	if err != nil {
		return Report{}, fmt.Errorf("report values: %w", err)
	}
	now := s.clock()
	status, action := StatusDraft, "report.draft_saved"
	if submit {
		status, action = StatusSubmitted, "report.submitted"
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		sub, err := s.submission(ctx, tx, d.ID, p.Key)
		if err != nil {
			return err
		}
		var by any = ""
		var at, first any
		if submit {
			by, at, first = actor.Actor(), now, now
		}
		switch {
		case sub == nil:
			_, err = tx.ExecContext(ctx, `INSERT INTO report_submissions (duty_id, period_key, status, vals, note, submitted_by, submitted_at, first_submitted_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, d.ID, p.Key, status, string(enc), in.Note, by, at, first, now)
			if store.IsUniqueViolation(err) {
				return refuse(egov.ErrConflict, "Báo cáo vừa được người khác lưu. Vui lòng tải lại trang rồi thao tác lại.")
			}
		case sub.Status == StatusDraft || sub.Status == StatusReturned:
			var res sql.Result
			if submit {
				res, err = tx.ExecContext(ctx, `UPDATE report_submissions SET status = $1, vals = $2, note = $3, submitted_by = $4, submitted_at = $5,
					first_submitted_at = COALESCE(first_submitted_at, $6), updated_at = $7 WHERE id = $8 AND status = $9`,
					status, string(enc), in.Note, by, now, now, now, sub.ID, sub.Status)
			} else {
				res, err = tx.ExecContext(ctx, `UPDATE report_submissions SET vals = $1, note = $2, updated_at = $3 WHERE id = $4 AND status = $5`,
					string(enc), in.Note, now, sub.ID, sub.Status)
			}
			if err == nil {
				if n, _ := res.RowsAffected(); n != 1 {
					return refuse(egov.ErrConflict, "Báo cáo vừa được người khác thay đổi. Vui lòng tải lại trang rồi thao tác lại.")
				}
			}
		case sub.Status == StatusSubmitted:
			return refuse(egov.ErrConflict, "Báo cáo đã gửi và đang chờ cơ quan cấp trên duyệt; không sửa được nữa.")
		default:
			return refuse(egov.ErrConflict, "Báo cáo đã được duyệt; không sửa được nữa.")
		}
		if err != nil {
			return fmt.Errorf("save report: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: action,
			Subject: fmt.Sprintf("report_duty:%d/%s", d.ID, p.Key), AgencyCode: d.AgencyCode,
			Details: map[string]any{"template_code": d.TemplateCode, "values": len(vals)}})
		return err
	})
	if err != nil {
		return Report{}, err
	}
	return s.Report(ctx, actor, dutyID, p.Key)
}

// Review approves a submitted report or, with approve false, returns it
// to the agency with a note saying what to correct.
func (s *DutyService) Review(ctx context.Context, actor *identity.Account, dutyID int64, periodKey string, approve bool, note string, req identity.Request) (Report, error) {
	d, err := s.readableDuty(ctx, actor, dutyID)
	if err != nil {
		return Report{}, err
	}
	if !mayReview(actor, d) {
		return Report{}, refuse(egov.ErrForbidden, "Chỉ lãnh đạo hoặc quản trị của cơ quan cấp trên duyệt báo cáo của "+d.AgencyName+".")
	}
	p, err := s.periodOf(d, periodKey)
	if err != nil {
		return Report{}, err
	}
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return Report{}, egov.FieldErrors{"review_note": "Ghi rõ nội dung cần sửa để cơ quan báo cáo lại."}
	}
	if utf8.RuneCountInString(note) > 5000 {
		return Report{}, egov.FieldErrors{"review_note": "Ý kiến tối đa 5000 ký tự."}
	}
	status, action := StatusApproved, "report.approved"
	if !approve {
		status, action = StatusReturned, "report.returned"
	}
	now := s.clock()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE report_submissions SET status = $1, reviewed_by = $2, reviewed_at = $3, review_note = $4, updated_at = $5
			WHERE duty_id = $6 AND period_key = $7 AND status = $8`, status, actor.Actor(), now, note, now, d.ID, p.Key, StatusSubmitted)
		if err != nil {
			return fmt.Errorf("review report: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("review report: %w", err)
		} else if n != 1 {
			return refuse(egov.ErrConflict, "Chỉ duyệt hoặc trả lại được báo cáo đã gửi và đang chờ duyệt.")
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: action,
			Subject: fmt.Sprintf("report_duty:%d/%s", d.ID, p.Key), AgencyCode: d.AgencyCode,
			Details: map[string]any{"template_code": d.TemplateCode, "note": note}})
		return err
	})
	if err != nil {
		return Report{}, err
	}
	return s.Report(ctx, actor, dutyID, p.Key)
}

// DutyStatus is a duty with where its recent periods stand.
type DutyStatus struct {
	Duty    Duty           `json:"duty"`
	Periods []PeriodStatus `json:"periods"` // the most recent first
}

// Overview is an agency's reporting: its own duties and those of the
// agencies under it.
type Overview struct {
	AgencyCode string       `json:"agency_code"`
	AgencyName string       `json:"agency_name"`
	Own        []DutyStatus `json:"own"`
	Below      []DutyStatus `json:"below"`
	// Templates are the templates reported by the agencies directly
	// under it, for the aggregated view.
	Templates []Template `json:"templates,omitempty"`
}

// Overview returns the duties of agency and of the agencies under it,
// each with its last periods (at most periods of them).
func (s *DutyService) Overview(ctx context.Context, actor *identity.Account, agency string, periods int) (Overview, error) {
	ok, err := s.mayRead(ctx, actor, agency)
	if err != nil {
		return Overview{}, err
	}
	if !ok {
		return Overview{}, refuse(egov.ErrNotFound, "Không tìm thấy cơ quan này, hoặc bạn không được xem báo cáo của cơ quan này.")
	}
	ov := Overview{AgencyCode: agency, AgencyName: agency}
	if err := s.db.QueryRowContext(ctx, `SELECT name FROM agencies WHERE code = $1`, agency).Scan(&ov.AgencyName); errors.Is(err, sql.ErrNoRows) {
		return Overview{}, refuse(egov.ErrNotFound, "Không tìm thấy cơ quan "+agency+".")
	} else if err != nil {
		return Overview{}, fmt.Errorf("agency %s: %w", agency, err)
	}
	tree, err := subtree(ctx, s.db, agency)
	if err != nil {
		return Overview{}, err
	}
	duties, err := s.duties(ctx, tree)
	if err != nil {
		return Overview{}, err
	}
	ids := make([]int64, len(duties))
	for i, d := range duties {
		ids[i] = d.ID
	}
	subs, err := s.submissions(ctx, ids)
	if err != nil {
		return Overview{}, err
	}
	seen := map[string]bool{}
	for _, d := range duties {
		ds := DutyStatus{Duty: d}
		for _, p := range s.periods(d, periods) {
			var sub *Submission
			if x, ok := subs[d.ID][p.Key]; ok {
				sub = &x
			}
			ds.Periods = append(ds.Periods, s.statusOf(d, p, sub))
		}
		if d.AgencyCode == agency {
			ov.Own = append(ov.Own, ds)
			continue
		}
		ov.Below = append(ov.Below, ds)
		if d.ParentCode == agency && !seen[d.TemplateCode] {
			seen[d.TemplateCode] = true
			t, err := s.Template(ctx, d.TemplateCode)
			if err != nil {
				return Overview{}, err
			}
			ov.Templates = append(ov.Templates, t)
		}
	}
	return ov, nil
}

// Flag is a report whose due day has passed that was not sent, or was
// sent late.
type Flag struct {
	Duty Duty `json:"duty"`
	PeriodStatus
}

// Overdue lists the missing and late reports of agency and the agencies
// under it, over each duty's last periods (at most periods of them), the
// missing first.
func (s *DutyService) Overdue(ctx context.Context, actor *identity.Account, agency string, periods int) ([]Flag, error) {
	ov, err := s.Overview(ctx, actor, agency, periods)
	if err != nil {
		return nil, err
	}
	out := []Flag{}
	for _, ds := range append(ov.Own, ov.Below...) {
		for _, ps := range ds.Periods {
			if ps.Missing || ps.Late {
				out = append(out, Flag{Duty: ds.Duty, PeriodStatus: ps})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Flag) int {
		if a.Missing != b.Missing {
			if a.Missing {
				return -1
			}
			return 1
		}
		return strings.Compare(b.Period.From, a.Period.From)
	})
	return out, nil
}

// ChildReport is one child agency's report in an aggregation.
type ChildReport struct {
	Duty Duty `json:"duty"`
	PeriodStatus
	Values map[string]any `json:"values,omitempty"` // when approved
}

// Aggregation is a template's indicators over the approved reports of the
// agencies directly under an agency for a period.
type Aggregation struct {
	AgencyCode string         `json:"agency_code"`
	AgencyName string         `json:"agency_name"`
	Template   Template       `json:"template"`
	Period     Period         `json:"period"`
	Expected   int            `json:"expected"` // children with the duty for this kind of period
	Reported   int            `json:"reported"` // of them, with an approved report
	Values     map[string]any `json:"values"`   // indicator code -> aggregate, or null
	Children   []ChildReport  `json:"children"`
}

// Aggregate adds up, indicator by indicator as the template says, the
// approved reports of template for period of the agencies directly under
// agency.
func (s *DutyService) Aggregate(ctx context.Context, actor *identity.Account, agency, templateCode, periodKey string) (Aggregation, error) {
	ok, err := s.mayRead(ctx, actor, agency)
	if err != nil {
		return Aggregation{}, err
	}
	if !ok {
		return Aggregation{}, refuse(egov.ErrNotFound, "Không tìm thấy cơ quan này, hoặc bạn không được xem báo cáo của cơ quan này.")
	}
	p, err := ParsePeriod(periodKey)
	if err != nil {
		return Aggregation{}, err
	}
	t, err := s.Template(ctx, templateCode)
	if err != nil {
		return Aggregation{}, err
	}
	ag := Aggregation{AgencyCode: agency, AgencyName: agency, Template: t, Period: p, Values: map[string]any{}, Children: []ChildReport{}}
	if err := s.db.QueryRowContext(ctx, `SELECT name FROM agencies WHERE code = $1`, agency).Scan(&ag.AgencyName); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Aggregation{}, fmt.Errorf("agency %s: %w", agency, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+dutyColumns+dutyFrom+` WHERE a.parent_code = $1 AND d.template_code = $2 AND d.period = $3
		ORDER BY a.name, d.agency_code`, agency, templateCode, p.Kind)
	if err != nil {
		return Aggregation{}, fmt.Errorf("duties under %s: %w", agency, err)
	}
	var duties []Duty
	for rows.Next() {
		d, err := scanDuty(rows)
		if err != nil {
			rows.Close()
			return Aggregation{}, fmt.Errorf("duties under %s: %w", agency, err)
		}
		first, _ := ParsePeriod(d.FirstPeriod)
		if first.From <= p.From {
			duties = append(duties, d)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return Aggregation{}, fmt.Errorf("duties under %s: %w", agency, err)
	}
	ids := make([]int64, len(duties))
	for i, d := range duties {
		ids[i] = d.ID
	}
	subs, err := s.submissions(ctx, ids)
	if err != nil {
		return Aggregation{}, err
	}
	var approved []map[string]any
	for _, d := range duties {
		var sub *Submission
		if x, ok := subs[d.ID][p.Key]; ok {
			sub = &x
		}
		c := ChildReport{Duty: d, PeriodStatus: s.statusOf(d, p, sub)}
		if sub != nil && sub.Status == StatusApproved {
			c.Values = sub.Values
			approved = append(approved, sub.Values)
		}
		ag.Children = append(ag.Children, c)
	}
	ag.Expected, ag.Reported = len(duties), len(approved)
	for _, in := range t.Indicators {
		ag.Values[in.Code] = aggregate(in, approved)
	}
	return ag, nil
}

// aggregate combines the values of in over reports; nil when it does not
// aggregate or nobody reported it.
func aggregate(in TemplateIndicator, reports []map[string]any) any {
	if in.Type == TypeText || in.Aggregate == AggregateNone {
		return nil
	}
	var sum, top float64
	n := 0
	for _, r := range reports {
		v, ok := r[in.Code].(float64)
		if !ok {
			continue
		}
		if n == 0 || v > top {
			top = v
		}
		sum += v
		n++
	}
	if n == 0 {
		return nil
	}
	switch in.Aggregate {
	case AggregateAverage:
		return round2(sum / float64(n))
	case AggregateMax:
		return top
	}
	return sum
}
