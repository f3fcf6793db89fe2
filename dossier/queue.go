package dossier

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
)

// Queue is a list of an agency's dossiers as the one-stop office works
// them.
type Queue string

// Queues of the back office.
const (
	QueueTodo    Queue = "todo"     // at a step of the caller's role, not given to someone else
	QueueDueSoon Queue = "due_soon" // open, the step or the appointment within a working day
	QueueOverdue Queue = "overdue"  // open, past the appointment
	QueueWaiting Queue = "waiting"  // waiting for the applicant's papers
	QueueDone    Queue = "done"     // finished: result ready or returned, refused, withdrawn
	QueueAll     Queue = "all"
)

// Queues lists the queues in the order the pages show them.
var Queues = []Queue{QueueTodo, QueueDueSoon, QueueOverdue, QueueWaiting, QueueDone, QueueAll}

// QueueFilter narrows a queue.
type QueueFilter struct {
	Queue     Queue
	Query     string // a code, a name or an ID number; with or without diacritics
	Procedure string // a procedure code
	Limit     int    // 50 by default, at most 200
	Offset    int
}

// QueueItem is a dossier in a queue, with how urgent it is: "overdue",
// "due_soon", "on_time" for open dossiers, "waiting" while the clock is
// stopped, and the timeliness of finished ones.
type QueueItem struct {
	Dossier
	Urgency  string     `json:"urgency"`
	Deadline *time.Time `json:"deadline,omitempty"` // of the step, else the appointment
}

// QueueView is a page of a queue with the count of every queue.
type QueueView struct {
	Agency   string          `json:"agency"`
	Queue    Queue           `json:"queue"`
	Counts   map[Queue]int   `json:"counts"`
	Total    int             `json:"total"` // in this queue, with the filter
	Dossiers []QueueItem     `json:"dossiers"`
	Now      time.Time       `json:"-"`
	Filter   QueueFilter     `json:"-"`
	Roles    []identity.Role `json:"-"`
}

// AgencyQueue returns a queue of the dossiers an agency holds, for one of
// its officials.
func (s *Service) AgencyQueue(ctx context.Context, actor *identity.Account, agency string, f QueueFilter) (QueueView, error) {
	roles := []identity.Role{identity.RoleReceiver, identity.RoleSpecialist, identity.RoleLeader}
	if actor == nil || !actor.ActsFor(agency, roles...) {
		return QueueView{}, refuse(egov.ErrForbidden, "Chỉ cán bộ tiếp nhận, chuyên viên và lãnh đạo của cơ quan xem được hồ sơ của cơ quan.")
	}
	if f.Queue == "" {
		f.Queue = QueueTodo
	}
	fe := egov.FieldErrors{}
	known := false
	for _, q := range Queues {
		known = known || q == f.Queue
	}
	if !known {
		fe["queue"] = "Danh sách là todo, due_soon, overdue, waiting, done hoặc all."
	}
	f.Query = strings.TrimSpace(f.Query)
	if utf8.RuneCountInString(f.Query) > 100 {
		fe["q"] = "Từ khóa tối đa 100 ký tự."
	}
	if len(fe) > 0 {
		return QueueView{}, fe
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	f.Offset = max(f.Offset, 0)
	var mine []string
	for _, r := range roles {
		if actor.HasRole(r) || actor.IsSystemAdmin() {
			mine = append(mine, string(r))
		}
	}
	cal, err := s.calendar.Calendar(ctx)
	if err != nil {
		return QueueView{}, err
	}
	now := s.now()
	soon := cal.AddWorkingHours(now, 8)
	for len(mine) < 3 {
		mine = append(mine, "")
	}
	named := map[string]any{"agency": agency, "now": now, "soon": soon, "me": actor.ID,
		"r1": mine[0], "r2": mine[1], "r3": mine[2]}
	conds := map[Queue]string{
		QueueTodo: `d.status IN ('submitted', 'processing', 'done') AND d.step_role IN (:r1, :r2, :r3)
			AND (d.step_role <> 'specialist' OR d.assignee_id IS NULL OR d.assignee_id = :me)`,
		QueueDueSoon: `d.status IN ('submitted', 'processing') AND COALESCE(d.step_due_at, d.due_at) >= :now
			AND (COALESCE(d.step_due_at, d.due_at) <= :soon OR d.due_at <= :soon)`,
		QueueOverdue: `d.status IN ('submitted', 'processing') AND d.due_at < :now`,
		QueueWaiting: `d.status = 'supplement_requested'`,
		QueueDone:    `d.status IN ('done', 'returned', 'refused', 'withdrawn')`,
		QueueAll:     `d.status <> 'draft'`,
	}
	var sums []string
	for _, q := range Queues {
		sums = append(sums, "COALESCE(SUM(CASE WHEN "+conds[q]+" THEN 1 ELSE 0 END), 0)")
	}
	view := QueueView{Agency: agency, Queue: f.Queue, Counts: map[Queue]int{}, Now: now, Filter: f, Dossiers: []QueueItem{}}
	counts := make([]int, len(Queues))
	dest := make([]any, len(Queues))
	for i := range counts {
		dest[i] = &counts[i]
	}
	query, args := bind(`SELECT `+strings.Join(sums, ", ")+` FROM dossiers d WHERE d.handler_agency = :agency`, named)
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(dest...); err != nil {
		return view, fmt.Errorf("queue counts: %w", err)
	}
	for i, q := range Queues {
		view.Counts[q] = counts[i]
	}
	where := `d.handler_agency = :agency AND ` + conds[f.Queue]
	if f.Query != "" {
		named["q"] = "%" + strings.ToLower(identity.FoldVietnamese(f.Query)) + "%"
		where += ` AND d.search_text LIKE :q`
	}
	if f.Procedure != "" {
		named["procedure"] = f.Procedure
		where += ` AND d.procedure_code = :procedure`
	}
	query, args = bind(`SELECT COUNT(*) FROM dossiers d WHERE `+where, named)
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&view.Total); err != nil {
		return view, fmt.Errorf("queue: %w", err)
	}
	order := `COALESCE(d.step_due_at, d.due_at), d.id`
	if f.Queue == QueueDone || f.Queue == QueueAll {
		order = `d.updated_at DESC, d.id DESC`
	}
	named["limit"], named["offset"] = f.Limit, f.Offset
	query, args = bind(`SELECT `+dossierColumns+dossierFrom+` WHERE `+where+` ORDER BY `+order+` LIMIT :limit OFFSET :offset`, named)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return view, fmt.Errorf("queue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, _, err := scanDossier(rows)
		if err != nil {
			return view, fmt.Errorf("queue: %w", err)
		}
		view.Dossiers = append(view.Dossiers, QueueItem{Dossier: d, Urgency: Urgency(&d, now, soon), Deadline: deadline(&d)})
	}
	return view, rows.Err()
}

var namedParam = regexp.MustCompile(`:[a-z][a-z0-9]*`)

// bind turns the :name parameters of query into $1, $2... in order of first
// use, and returns the arguments to pass: only those the query uses, as
// PostgreSQL requires.
func bind(query string, named map[string]any) (string, []any) {
	var args []any
	index := map[string]int{}
	out := namedParam.ReplaceAllStringFunc(query, func(m string) string {
		name := m[1:]
		v, ok := named[name]
		if !ok {
			return m
		}
		if _, seen := index[name]; !seen {
			args = append(args, v)
			index[name] = len(args)
		}
		return fmt.Sprintf("$%d", index[name])
	})
	return out, args
}

func deadline(d *Dossier) *time.Time {
	if d.StepDueAt != nil && (d.DueAt == nil || d.StepDueAt.Before(*d.DueAt)) {
		return d.StepDueAt
	}
	return d.DueAt
}

// Urgency says how pressing an open dossier is: "overdue" past its
// appointment, "due_soon" when its step or appointment falls before soon,
// "waiting" while the clock is stopped, else "on_time"; a finished one
// has its timeliness.
func Urgency(d *Dossier, now, soon time.Time) string {
	switch d.Status {
	case StatusSupplement:
		return "waiting"
	case StatusSubmitted, StatusProcessing:
		if d.DueAt != nil && now.After(*d.DueAt) {
			return "overdue"
		}
		if dl := deadline(d); dl != nil && !dl.After(soon) {
			return "due_soon"
		}
		return "on_time"
	}
	return Timeliness(d, now)
}

// AssignMany gives several dossiers to one specialist, each in its own
// transaction; it returns the errors by dossier code.
func (s *Service) AssignMany(ctx context.Context, actor *identity.Account, codes []string, assignee int64, req Request) map[string]error {
	out := map[string]error{}
	for _, code := range codes {
		if _, err := s.Act(ctx, actor, code, ActionRequest{Action: ActAssign, AssigneeID: assignee}, req); err != nil {
			out[code] = err
		}
	}
	return out
}
