package report

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/store"
)

// Period is the month, quarter or year that figures are read for.
type Period struct {
	Kind     string // month, quarter or year
	Key      string // 2026-11, 2026-Q4 or 2026
	From, To string // its first and last month, YYYY-MM
}

// ParsePeriod reads a period key: 2026-11, 2026-Q4 or 2026.
func ParsePeriod(key string) (Period, error) {
	key = strings.TrimSpace(key)
	bad := egov.FieldErrors{"ky": "Kỳ báo cáo phải là một tháng (2026-11), một quý (2026-Q4) hoặc một năm (2026)."}
	switch {
	case len(key) == 4:
		y, err := strconv.Atoi(key)
		if err != nil || y < 2000 || y > 2100 {
			return Period{}, bad
		}
		return Period{Kind: "year", Key: key, From: key + "-01", To: key + "-12"}, nil
	case len(key) == 7 && key[4] == '-' && (key[5] == 'Q' || key[5] == 'q'):
		y, err := strconv.Atoi(key[:4])
		q, err2 := strconv.Atoi(key[6:])
		if err != nil || err2 != nil || q < 1 || q > 4 || y < 2000 || y > 2100 {
			return Period{}, bad
		}
		return Period{Kind: "quarter", Key: fmt.Sprintf("%d-Q%d", y, q),
			From: fmt.Sprintf("%d-%02d", y, 3*q-2), To: fmt.Sprintf("%d-%02d", y, 3*q)}, nil
	case len(key) == 7 && key[4] == '-':
		t, err := time.Parse("2006-01", key)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			return Period{}, bad
		}
		return Period{Kind: "month", Key: key, From: key, To: key}, nil
	}
	return Period{}, bad
}

// PeriodOf is the period of kind (month, quarter, year) that contains t.
func PeriodOf(kind string, t time.Time) Period {
	t = t.In(calendar.Vietnam)
	y := t.Year()
	switch kind {
	case "year":
		return Period{Kind: "year", Key: strconv.Itoa(y), From: fmt.Sprintf("%d-01", y), To: fmt.Sprintf("%d-12", y)}
	case "quarter":
		q := (int(t.Month())-1)/3 + 1
		return Period{Kind: "quarter", Key: fmt.Sprintf("%d-Q%d", y, q), From: fmt.Sprintf("%d-%02d", y, 3*q-2), To: fmt.Sprintf("%d-%02d", y, 3*q)}
	}
	m := t.Format("2006-01")
	return Period{Kind: "month", Key: m, From: m, To: m}
}

// Previous is the period of the same kind before p.
func (p Period) Previous() Period {
	t, _ := time.Parse("2006-01", p.From)
	switch p.Kind {
	case "year":
		return PeriodOf("year", t.AddDate(-1, 0, 0))
	case "quarter":
		return PeriodOf("quarter", t.AddDate(0, -3, 0))
	}
	return PeriodOf("month", t.AddDate(0, -1, 0))
}

// Label names p in Vietnamese: Tháng 11/2026, Quý IV/2026, Năm 2026.
func (p Period) Label() string {
	switch {
	case p.Kind == "quarter" && len(p.Key) == 7 && p.Key[6] >= '1' && p.Key[6] <= '4':
	case p.Kind == "month" && len(p.Key) == 7:
	case p.Kind == "year":
	default:
		return p.Key
	}
	switch p.Kind {
	case "year":
		return "Năm " + p.Key
	case "quarter":
		return "Quý " + []string{"I", "II", "III", "IV"}[p.Key[6]-'1'] + "/" + p.Key[:4]
	}
	return "Tháng " + strings.TrimPrefix(p.Key[5:], "0") + "/" + p.Key[:4]
}

// where is the condition on report_figures.month that selects p, with its
// arguments numbered from n: a year has rows of its own (see
// contribution), months and quarters are sums of months.
func (p Period) where(n int) (string, []any) {
	if p.Kind == "year" {
		return fmt.Sprintf("month = $%d", n), []any{p.Key}
	}
	return fmt.Sprintf("month BETWEEN $%d AND $%d", n, n+1), []any{p.From, p.To}
}

// Months lists the months of p, YYYY-MM.
func (p Period) Months() []string {
	t, _ := time.Parse("2006-01", p.From)
	var out []string
	for m := t.Format("2006-01"); m <= p.To; m = t.Format("2006-01") {
		out = append(out, m)
		t = t.AddDate(0, 1, 0)
	}
	return out
}

// Figures are the counts of a scope over a period, with the open dossiers
// as they stand today.
type Figures struct {
	Tally
	Waiting    int64 `json:"waiting"`             // submitted, not yet received
	OpenOnTime int64 `json:"in_progress_on_time"` // received, open, before or on the appointment day
	Overdue    int64 `json:"in_progress_overdue"` // received, open, past the appointment day
	Paused     int64 `json:"paused"`              // waiting for the applicant's papers
}

// ratio is a share of two counts; ok is false when there is nothing to
// share.
func ratio(n, of int64) (float64, bool) {
	if of <= 0 {
		return 0, false
	}
	return float64(n) / float64(of), true
}

// OnTimeRate is (early + on time) / finished.
func (f Figures) OnTimeRate() (float64, bool) { return ratio(f.Early+f.OnTime, f.Finished()) }

// OnlineShare is the share of the dossiers received that were submitted
// online (the portal or a partner system).
func (f Figures) OnlineShare() (float64, bool) {
	return ratio(f.ReceivedOnline+f.ReceivedAPI, f.Received())
}

// PaidOnlineShare is the share of the dossiers received with a fee payable
// online that were paid online.
func (f Figures) PaidOnlineShare() (float64, bool) { return ratio(f.PaidOnline, f.FeeDossiers) }

// AverageRating is the mean of the ratings, 1 to 5.
func (f Figures) AverageRating() (float64, bool) { return ratio(f.RatingSum, f.Ratings) }

// SatisfiedShare is the share of ratings of 4 or 5.
func (f Figures) SatisfiedShare() (float64, bool) { return ratio(f.Satisfied, f.Ratings) }

// DigitalShare is the share of finished dossiers whose result was issued
// electronically.
func (f Figures) DigitalShare() (float64, bool) { return ratio(f.DigitalResults, f.Finished()) }

// Open is the number of dossiers open now.
func (f Figures) Open() int64 { return f.Waiting + f.OpenOnTime + f.Overdue + f.Paused }

// Offer is what the catalog offers at a scope's levels of government.
type Offer struct {
	Active   int64 `json:"procedures"`
	Full     int64 `json:"full_online"`
	Partial  int64 `json:"partial_online"`
	Complete int64 `json:"complete_records"` // with their papers and legal basis published
}

// FullShare is the share of procedures offered fully online.
func (o Offer) FullShare() (float64, bool) { return ratio(o.Full, o.Active) }

// OnlineShare is the share offered online, fully or partly.
func (o Offer) OnlineShare() (float64, bool) { return ratio(o.Full+o.Partial, o.Active) }

// CompleteShare is the share of procedures with a complete public record.
func (o Offer) CompleteShare() (float64, bool) { return ratio(o.Complete, o.Active) }

// Agencies is what the report package needs of the agency tree.
type Agencies interface {
	Agency(ctx context.Context, code string) (egov.Agency, error)
	Children(ctx context.Context, code string) ([]egov.Agency, error)
}

// Service reads the figures.
type Service struct {
	db       *store.DB
	agencies Agencies
	index    Index
	now      func() time.Time

	mu     sync.Mutex
	offers map[string]cachedOffer
}

type cachedOffer struct {
	at time.Time
	o  Offer
}

// NewService returns a Service over db. now is the clock (time.Now when
// nil).
func NewService(db *store.DB, agencies Agencies, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, agencies: agencies, index: DefaultIndex(), now: now, offers: map[string]cachedOffer{}}
}

// Today is the day in Vietnam of the service's clock.
func (s *Service) Today() string { return Day(s.now()) }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Index is the service index the scores are computed with.
func (s *Service) Index() Index { return s.index }

// Filter narrows figures to a field or a procedure; zero means all.
type Filter struct {
	Field     string
	Procedure string
}

// Figures returns the figures of each scope over p.
func (s *Service) Figures(ctx context.Context, scopes []string, p Period, f Filter) (map[string]Figures, error) {
	out := make(map[string]Figures, len(scopes))
	if len(scopes) == 0 {
		return out, nil
	}
	sums := make([]string, len(tallyColumns))
	for i, c := range tallyColumns {
		sums[i] = "SUM(" + c + ")"
	}
	args := []any{f.Field, f.Procedure}
	cond, margs := p.where(3)
	args = append(args, margs...)
	in := placeholders(&args, scopes)
	rows, err := s.db.QueryContext(ctx, `SELECT agency_code, `+strings.Join(sums, ", ")+` FROM report_figures
		WHERE `+cond+` AND field_code = $1 AND procedure_code = $2 AND agency_code IN (`+in+`)
		GROUP BY agency_code`, args...)
	if err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var t Tally
		dest := []any{&code}
		for _, c := range t.counters() {
			dest = append(dest, c)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("figures: %w", err)
		}
		out[code] = Figures{Tally: t}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	if f.Procedure != "" {
		return out, nil // open dossiers are kept per field, not per procedure
	}
	args = []any{s.Today(), f.Field}
	in = placeholders(&args, scopes)
	rows, err = s.db.QueryContext(ctx, `SELECT agency_code, state, SUM(CASE WHEN due_day < $1 THEN n ELSE 0 END), SUM(n)
		FROM report_open WHERE field_code = $2 AND agency_code IN (`+in+`) GROUP BY agency_code, state`, args...)
	if err != nil {
		return nil, fmt.Errorf("open dossiers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, state string
		var late, all int64
		if err := rows.Scan(&code, &state, &late, &all); err != nil {
			return nil, fmt.Errorf("open dossiers: %w", err)
		}
		fig := out[code]
		switch state {
		case "waiting":
			fig.Waiting += all
		case "paused":
			fig.Paused += all
		default:
			fig.Overdue += late
			fig.OpenOnTime += all - late
		}
		out[code] = fig
	}
	return out, rows.Err()
}

// placeholders appends values to args and returns their placeholders.
func placeholders(args *[]any, values []string) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		*args = append(*args, v)
		fmt.Fprintf(&b, "$%d", len(*args))
	}
	return b.String()
}

// Row is one line of a breakdown: a month, a field, a procedure or an
// agency, with its figures.
type Row struct {
	Key     string  `json:"key"`
	Name    string  `json:"name"`
	Figures Figures `json:"figures"`
	Score   Score   `json:"score"`
	Rank    int     `json:"rank,omitempty"`
}

// Trend returns the figures of scope month by month over p.
func (s *Service) Trend(ctx context.Context, scope string, p Period) ([]Row, error) {
	sums := make([]string, len(tallyColumns))
	for i, c := range tallyColumns {
		sums[i] = "SUM(" + c + ")"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT month, `+strings.Join(sums, ", ")+` FROM report_figures
		WHERE agency_code = $1 AND month BETWEEN $2 AND $3 AND field_code = '' AND procedure_code = ''
		GROUP BY month`, scope, p.From, p.To)
	if err != nil {
		return nil, fmt.Errorf("trend of %s: %w", scope, err)
	}
	defer rows.Close()
	got := map[string]Tally{}
	for rows.Next() {
		var m string
		var t Tally
		dest := []any{&m}
		for _, c := range t.counters() {
			dest = append(dest, c)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("trend of %s: %w", scope, err)
		}
		got[m] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("trend of %s: %w", scope, err)
	}
	var out []Row
	for _, m := range p.Months() {
		out = append(out, Row{Key: m, Name: strings.TrimPrefix(m[5:], "0") + "/" + m[:4], Figures: Figures{Tally: got[m]}})
	}
	return out, nil
}

// Breakdown returns the figures of scope over p per field (by "field") or
// per procedure (by "procedure"), the most received first, at most limit.
func (s *Service) Breakdown(ctx context.Context, scope string, p Period, by string, limit int) ([]Row, error) {
	sums := make([]string, len(tallyColumns))
	for i, c := range tallyColumns {
		sums[i] = "SUM(" + c + ")"
	}
	key, where := "field_code", "field_code <> '' AND procedure_code = ''"
	if by == "procedure" {
		key, where = "procedure_code", "procedure_code <> ''"
	}
	order := "SUM(received_online) + SUM(received_counter) + SUM(received_api) + SUM(finished_early) + SUM(finished_on_time) + SUM(finished_late)"
	cond, margs := p.where(3)
	rows, err := s.db.QueryContext(ctx, `SELECT `+key+`, `+strings.Join(sums, ", ")+` FROM report_figures
		WHERE agency_code = $1 AND `+cond+` AND `+where+`
		GROUP BY `+key+` ORDER BY `+order+` DESC, `+key+` LIMIT $2`, append([]any{scope, limit}, margs...)...)
	if err != nil {
		return nil, fmt.Errorf("figures of %s by %s: %w", scope, by, err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		dest := []any{&r.Key}
		for _, c := range r.Figures.counters() {
			dest = append(dest, c)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("figures of %s by %s: %w", scope, by, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("figures of %s by %s: %w", scope, by, err)
	}
	if err := s.name(ctx, out, by); err != nil {
		return nil, err
	}
	return out, nil
}

// name fills in the names of fields or procedures.
func (s *Service) name(ctx context.Context, rows []Row, by string) error {
	if len(rows) == 0 {
		return nil
	}
	table := "fields"
	if by == "procedure" {
		table = "procedures"
	}
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	var args []any
	in := placeholders(&args, keys)
	q, err := s.db.QueryContext(ctx, `SELECT code, name FROM `+table+` WHERE code IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("names of %s: %w", table, err)
	}
	defer q.Close()
	names := map[string]string{}
	for q.Next() {
		var c, n string
		if err := q.Scan(&c, &n); err != nil {
			return fmt.Errorf("names of %s: %w", table, err)
		}
		names[c] = n
	}
	for i := range rows {
		rows[i].Name = names[rows[i].Key]
		if rows[i].Name == "" {
			rows[i].Name = rows[i].Key
		}
	}
	return q.Err()
}

// levelsOf are the levels of government whose procedures an agency of
// level l (or a scope) offers: a local government offers its own level's
// and those below it; a ministry its own.
func levelsOf(scope string, l egov.Level) []string {
	switch {
	case scope == Country:
		return []string{"central", "province", "district", "commune"}
	case strings.HasPrefix(scope, Country+":"):
		return []string{strings.TrimPrefix(scope, Country+":")}
	}
	switch l {
	case egov.LevelProvince:
		return []string{"province", "district", "commune"}
	case egov.LevelDistrict:
		return []string{"district", "commune"}
	}
	return []string{string(l)}
}

// Offer counts the active procedures of the catalog offered at a scope's
// levels, by how much of them is online. It is read again at most every
// five minutes.
func (s *Service) Offer(ctx context.Context, scope string, level egov.Level) (Offer, error) {
	levels := levelsOf(scope, level)
	key := strings.Join(levels, ",")
	s.mu.Lock()
	c, ok := s.offers[key]
	s.mu.Unlock()
	if ok && s.now().Sub(c.at) < 5*time.Minute {
		return c.o, nil
	}
	var args []any
	var match, complete string
	if s.db.Dialect == store.Postgres {
		var ors []string
		for _, l := range levels {
			args = append(args, l)
			ors = append(ors, fmt.Sprintf("record->'levels' ? $%d", len(args)))
		}
		match = "(" + strings.Join(ors, " OR ") + ")"
		complete = `CASE WHEN jsonb_typeof(record->'components') = 'array' AND jsonb_typeof(record->'legal_basis') = 'array'
			AND jsonb_array_length(CASE WHEN jsonb_typeof(record->'components') = 'array' THEN record->'components' ELSE '[]' END) > 0
			AND jsonb_array_length(CASE WHEN jsonb_typeof(record->'legal_basis') = 'array' THEN record->'legal_basis' ELSE '[]' END) > 0
			THEN 1 ELSE 0 END`
	} else {
		in := placeholders(&args, levels)
		match = "EXISTS (SELECT 1 FROM json_each(record, '$.levels') WHERE value IN (" + in + "))"
		complete = `CASE WHEN COALESCE(json_array_length(record, '$.components'), 0) > 0
			AND COALESCE(json_array_length(record, '$.legal_basis'), 0) > 0 THEN 1 ELSE 0 END`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT online_level, COUNT(*), SUM(`+complete+`) FROM procedures
		WHERE status = 'active' AND `+match+` GROUP BY online_level`, args...)
	if err != nil {
		return Offer{}, fmt.Errorf("procedures offered: %w", err)
	}
	defer rows.Close()
	var o Offer
	for rows.Next() {
		var lvl string
		var n int64
		var comp sql.NullInt64
		if err := rows.Scan(&lvl, &n, &comp); err != nil {
			return Offer{}, fmt.Errorf("procedures offered: %w", err)
		}
		o.Active += n
		o.Complete += comp.Int64
		switch egov.OnlineLevel(lvl) {
		case egov.OnlineFull:
			o.Full += n
		case egov.OnlinePartial:
			o.Partial += n
		}
	}
	if err := rows.Err(); err != nil {
		return Offer{}, fmt.Errorf("procedures offered: %w", err)
	}
	s.mu.Lock()
	s.offers[key] = cachedOffer{s.now(), o}
	s.mu.Unlock()
	return o, nil
}

// Catalog is the part of the catalog service that the agency tree is read
// from.
type Catalog interface {
	Agency(ctx context.Context, code string) (egov.Agency, error)
	Agencies(ctx context.Context, f catalog.AgencyFilter) ([]egov.Agency, error)
}

// TreeOf reads the agency tree from the catalog.
func TreeOf(c Catalog) Agencies { return catalogTree{c} }

type catalogTree struct{ c Catalog }

func (t catalogTree) Agency(ctx context.Context, code string) (egov.Agency, error) {
	return t.c.Agency(ctx, code)
}

func (t catalogTree) Children(ctx context.Context, code string) ([]egov.Agency, error) {
	if code == "" {
		code = "-"
	}
	return t.c.Agencies(ctx, catalog.AgencyFilter{Parent: code})
}
