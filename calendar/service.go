package calendar

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/store"
)

// Audit log actions of the service.
const (
	ActionDaySet   = "calendar.day_set"
	ActionDayReset = "calendar.day_reset"
)

// CacheTTL is how long Service.Calendar keeps the calendar it built before
// reading the amendments again. Amendments made through a Service show at
// once in that Service; those made through another replica show within
// CacheTTL.
const CacheTTL = 30 * time.Second

// Override is an administrator's amendment of the shipped table, as stored.
type Override struct {
	Day       Day       `json:"day"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Service keeps administrators' amendments of the shipped table in the
// database (table calendar_days) and builds the calendar in force from
// both. It does not check who may amend the calendar: the caller (the web
// layer) does, before calling SetDay or ResetDay. It is safe for concurrent
// use.
type Service struct {
	db    *store.DB
	audit *audit.Log
	// now is the clock; tests move it.
	now func() time.Time

	mu       sync.Mutex
	cached   *Calendar
	loadedAt time.Time
	// generation grows with every change made through s, so that a load
	// that began before a change does not cache what it read.
	generation uint64
}

// NewService returns the service that keeps amendments in db and records
// them in auditLog (the audit log of db when nil).
func NewService(db *store.DB, auditLog *audit.Log) *Service {
	if auditLog == nil {
		auditLog = audit.New(db)
	}
	return &Service{db: db, audit: auditLog, now: time.Now}
}

// Calendar returns the calendar in force: the shipped table amended by the
// rows of calendar_days. It is read from the database at most every
// CacheTTL, and again after every change made through s.
func (s *Service) Calendar(ctx context.Context) (*Calendar, error) {
	now := s.now()
	s.mu.Lock()
	cal, loadedAt, generation := s.cached, s.loadedAt, s.generation
	s.mu.Unlock()
	if cal != nil && now.Sub(loadedAt) < CacheTTL && !now.Before(loadedAt) {
		return cal, nil
	}
	overrides, err := s.Overrides(ctx)
	if err != nil {
		return nil, err
	}
	days := Shipped()
	for _, o := range overrides {
		days = append(days, o.Day)
	}
	cal = New(days)
	s.mu.Lock()
	if s.generation == generation {
		s.cached, s.loadedAt = cal, now
	}
	s.mu.Unlock()
	return cal, nil
}

// invalidate makes the next Calendar read the database.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.generation++
	s.cached = nil
	s.mu.Unlock()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const overrideColumns = `SELECT day, kind, name, source, updated_by, updated_at FROM calendar_days`

func scanOverride(row interface{ Scan(...any) error }) (Override, error) {
	var o Override
	var day string
	if err := row.Scan(&day, &o.Day.Kind, &o.Day.Name, &o.Day.Source, &o.UpdatedBy, &o.UpdatedAt); err != nil {
		return Override{}, err
	}
	date, err := ParseDate(day)
	if err != nil {
		return Override{}, err
	}
	o.Day.Date = date
	o.UpdatedAt = o.UpdatedAt.UTC()
	return o, nil
}

// Overrides returns the amendments in date order.
func (s *Service) Overrides(ctx context.Context) ([]Override, error) {
	return overrides(ctx, s.db)
}

func overrides(ctx context.Context, q querier) ([]Override, error) {
	rows, err := q.QueryContext(ctx, overrideColumns+` ORDER BY day`)
	if err != nil {
		return nil, fmt.Errorf("calendar: read amendments: %w", err)
	}
	defer rows.Close()
	var list []Override
	for rows.Next() {
		o, err := scanOverride(rows)
		if err != nil {
			return nil, fmt.Errorf("calendar: read amendments: %w", err)
		}
		list = append(list, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("calendar: read amendments: %w", err)
	}
	return list, nil
}

// override returns the amendment of date, if there is one.
func override(ctx context.Context, q querier, date string) (Override, bool, error) {
	o, err := scanOverride(q.QueryRowContext(ctx, overrideColumns+` WHERE day = $1`, date))
	if errors.Is(err, sql.ErrNoRows) {
		return Override{}, false, nil
	}
	if err != nil {
		return Override{}, false, fmt.Errorf("calendar: read amendment of %s: %w", date, err)
	}
	return o, true, nil
}

// SetDay amends the calendar: from now on the date of d is a day off
// (Kind Off), a working day (Working) or follows the weekday rule (Normal),
// whatever the shipped table says, with d's name and source. It writes the
// amendment and its audit entry (action "calendar.day_set", subject
// "calendar_day:YYYY-MM-DD", with the previous amendment if any) in one
// transaction. Invalid input is refused with egov.FieldErrors (see
// Day.Validate) and nothing is written. actor is the audit log's actor and
// must not be empty; the caller has checked that the actor may amend the
// calendar.
func (s *Service) SetDay(ctx context.Context, actor, actorIP string, d Day) error {
	d.Name = strings.TrimSpace(d.Name)
	d.Source = strings.TrimSpace(d.Source)
	if fe := d.Validate(); fe != nil {
		return fe
	}
	if actor == "" {
		return errors.New("calendar: set day: an actor is required")
	}
	d.Date = DateOf(d.Date)
	date := d.Date.Format(DateLayout)
	now := s.now().UTC().Truncate(time.Microsecond)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		prev, had, err := override(ctx, tx, date)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_days (day, kind, name, source, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, source = excluded.source,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			date, string(d.Kind), d.Name, d.Source, actor, now); err != nil {
			return fmt.Errorf("write amendment: %w", err)
		}
		details := dayDetails(d)
		if had {
			details["previous"] = dayDetails(prev.Day)
		}
		if shipped, ok := Default().Lookup(d.Date); ok {
			details["shipped"] = dayDetails(shipped)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{At: now, Actor: actor, ActorIP: actorIP,
			Action: ActionDaySet, Subject: subject(date), Details: details})
		return err
	})
	if err != nil {
		return fmt.Errorf("calendar: set day %s: %w", date, err)
	}
	s.invalidate()
	return nil
}

// ResetDay removes the amendment of the date of date, so that the shipped
// table applies to it again, and records it in the audit log (action
// "calendar.day_reset", with the amendment removed) in the same
// transaction. It returns an error matching egov.ErrNotFound when the date
// has no amendment, and egov.FieldErrors for a date outside MinYear to
// MaxYear. The caller has checked that the actor may amend the calendar.
func (s *Service) ResetDay(ctx context.Context, actor, actorIP string, date time.Time) error {
	if date.IsZero() {
		return egov.FieldErrors{"date": "Cần nhập ngày, dạng YYYY-MM-DD."}
	}
	if y := DateOf(date).Year(); y < MinYear || y > MaxYear {
		return egov.FieldErrors{"date": fmt.Sprintf("Ngày phải nằm trong các năm %d đến %d.", MinYear, MaxYear)}
	}
	if actor == "" {
		return errors.New("calendar: reset day: an actor is required")
	}
	day := DateOf(date).Format(DateLayout)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		prev, had, err := override(ctx, tx, day)
		if err != nil {
			return err
		}
		if !had {
			return fmt.Errorf("no amendment: %w", egov.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_days WHERE day = $1`, day); err != nil {
			return fmt.Errorf("delete amendment: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{At: s.now(), Actor: actor, ActorIP: actorIP,
			Action: ActionDayReset, Subject: subject(day), Details: map[string]any{"previous": dayDetails(prev.Day)}})
		return err
	})
	if err != nil {
		return fmt.Errorf("calendar: reset day %s: %w", day, err)
	}
	s.invalidate()
	return nil
}

func subject(date string) string { return "calendar_day:" + date }

func dayDetails(d Day) map[string]any {
	return map[string]any{"date": DateOf(d.Date).Format(DateLayout), "kind": string(d.Kind), "name": d.Name, "source": d.Source}
}
