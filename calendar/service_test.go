package calendar

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// clock is a settable clock for the service's cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newTestService(db *store.DB, c *clock) *Service {
	s := NewService(db, nil)
	s.now = c.Now
	return s
}

func working(t *testing.T, s *Service, day string) bool {
	t.Helper()
	cal, err := s.Calendar(context.Background())
	if err != nil {
		t.Fatalf("Calendar: %v", err)
	}
	return cal.IsWorkingDay(mustDate(t, day))
}

func TestServiceSetAndResetDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{now: time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC)}
		s := newTestService(db, c)

		if working(t, s, "2026-02-20") {
			t.Fatal("20 February 2026 is a working day before any amendment")
		}
		// An office reopens on the last day of Tết.
		err := s.SetDay(ctx, "official:admin", "192.0.2.1", Day{Date: mustDate(t, "2026-02-20"), Kind: Working,
			Name: " Làm việc trở lại ", Source: "Quyết định 12/QĐ-UBND"})
		if err != nil {
			t.Fatalf("SetDay: %v", err)
		}
		if !working(t, s, "2026-02-20") {
			t.Error("the amendment did not show at once")
		}
		// A day off the province declares.
		if err := s.SetDay(ctx, "official:admin", "192.0.2.1", Day{Date: mustDate(t, "2026-03-03"), Kind: Off, Name: "Nghỉ đột xuất"}); err != nil {
			t.Fatalf("SetDay: %v", err)
		}
		// And a shipped day off cancelled.
		if err := s.SetDay(ctx, "official:admin", "", Day{Date: mustDate(t, "2026-11-24"), Kind: Normal}); err != nil {
			t.Fatalf("SetDay: %v", err)
		}
		for day, want := range map[string]bool{"2026-02-19": false, "2026-02-20": true, "2026-03-03": false, "2026-11-24": true} {
			if got := working(t, s, day); got != want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", day, got, want)
			}
		}

		list, err := s.Overrides(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 {
			t.Fatalf("Overrides = %+v, want 3", list)
		}
		first := list[0]
		if first.Day.Date.Format(DateLayout) != "2026-02-20" || first.Day.Kind != Working || first.Day.Name != "Làm việc trở lại" ||
			first.Day.Source != "Quyết định 12/QĐ-UBND" || first.UpdatedBy != "official:admin" ||
			!first.UpdatedAt.Equal(c.Now()) || first.UpdatedAt.Location() != time.UTC {
			t.Errorf("first override = %+v", first)
		}

		// Changing an amendment replaces it and the audit entry keeps the
		// one before.
		c.Add(time.Minute)
		if err := s.SetDay(ctx, "official:admin2", "192.0.2.2", Day{Date: mustDate(t, "2026-02-20"), Kind: Off, Name: "Tết Nguyên đán"}); err != nil {
			t.Fatalf("SetDay again: %v", err)
		}
		if working(t, s, "2026-02-20") {
			t.Error("the second amendment did not replace the first")
		}
		entries, err := audit.New(db).List(ctx, audit.Filter{Subject: "calendar_day:2026-02-20"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("audit entries = %+v, want 2", entries)
		}
		last := entries[0]
		if last.Action != ActionDaySet || last.Actor != "official:admin2" || last.ActorIP != "192.0.2.2" {
			t.Errorf("audit entry = %+v", last)
		}
		if last.Details["kind"] != "off" || last.Details["date"] != "2026-02-20" {
			t.Errorf("audit details = %v", last.Details)
		}
		if prev, _ := last.Details["previous"].(map[string]any); prev["kind"] != "working" || prev["name"] != "Làm việc trở lại" {
			t.Errorf("audit details previous = %v", last.Details["previous"])
		}
		if shipped, _ := last.Details["shipped"].(map[string]any); shipped["kind"] != "off" {
			t.Errorf("audit details shipped = %v", last.Details["shipped"])
		}

		// Reset: the shipped table applies again.
		if err := s.ResetDay(ctx, "official:admin", "192.0.2.1", mustDate(t, "2026-11-24")); err != nil {
			t.Fatalf("ResetDay: %v", err)
		}
		if working(t, s, "2026-11-24") {
			t.Error("24 November 2026 is still a working day after the reset")
		}
		entries, err = audit.New(db).List(ctx, audit.Filter{Action: ActionDayReset})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Subject != "calendar_day:2026-11-24" || entries[0].Actor != "official:admin" {
			t.Errorf("reset audit entries = %+v", entries)
		} else if prev, _ := entries[0].Details["previous"].(map[string]any); prev["kind"] != "normal" {
			t.Errorf("reset audit details = %v", entries[0].Details)
		}
		err = s.ResetDay(ctx, "official:admin", "", mustDate(t, "2026-11-24"))
		if !errors.Is(err, egov.ErrNotFound) {
			t.Errorf("second ResetDay = %v, want ErrNotFound", err)
		}
		if err := s.ResetDay(ctx, "official:admin", "", mustDate(t, "1990-01-01")); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("ResetDay(1990) = %v, want field errors", err)
		}

		rep, err := audit.New(db).Verify(ctx)
		if err != nil || rep.FirstBad != nil || rep.Entries != 5 {
			t.Errorf("Verify = %+v, %v; want 5 intact entries", rep, err)
		}
	})
}

func TestServiceRefusesInvalidInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newTestService(db, &clock{now: time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC)})
		tests := []struct {
			name   string
			day    Day
			fields []string
		}{
			{"everything wrong", Day{Date: mustDate(t, "1999-12-31"), Kind: "holiday"}, []string{"date", "kind"}},
			{"a day off needs a name", Day{Date: mustDate(t, "2026-03-03"), Kind: Off, Name: "   "}, []string{"name"}},
			{"no date", Day{Kind: Working}, []string{"date"}},
			{"after 2100", Day{Date: mustDate(t, "2101-01-03"), Kind: Off, Name: "Nghỉ"}, []string{"date"}},
		}
		for _, tt := range tests {
			err := s.SetDay(ctx, "official:admin", "192.0.2.1", tt.day)
			var fe egov.FieldErrors
			if !errors.As(err, &fe) {
				t.Errorf("%s: SetDay = %v, want field errors", tt.name, err)
				continue
			}
			for _, f := range tt.fields {
				if fe[f] == "" {
					t.Errorf("%s: no error on %s in %v", tt.name, f, fe)
				}
			}
			if len(fe) != len(tt.fields) {
				t.Errorf("%s: errors %v, want on %v", tt.name, fe, tt.fields)
			}
		}
		if err := s.SetDay(ctx, "", "", Day{Date: mustDate(t, "2026-03-03"), Kind: Off, Name: "Nghỉ"}); err == nil {
			t.Error("SetDay without an actor succeeded")
		}
		list, err := s.Overrides(ctx)
		if err != nil || len(list) != 0 {
			t.Errorf("Overrides after refusals = %+v, %v; want none", list, err)
		}
		entries, err := audit.New(db).List(ctx, audit.Filter{})
		if err != nil || len(entries) != 0 {
			t.Errorf("audit entries after refusals = %+v, %v; want none", entries, err)
		}
	})
}

func TestServiceCachesForCacheTTL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{now: time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC)}
		replica1, replica2 := newTestService(db, c), newTestService(db, c)
		if working(t, replica2, "2026-03-03") != true {
			t.Fatal("3 March 2026 is not a working day")
		}
		if err := replica1.SetDay(ctx, "official:admin", "", Day{Date: mustDate(t, "2026-03-03"), Kind: Off, Name: "Nghỉ đột xuất"}); err != nil {
			t.Fatal(err)
		}
		if !working(t, replica2, "2026-03-03") {
			t.Error("the other replica reloaded before CacheTTL")
		}
		c.Add(CacheTTL)
		if working(t, replica2, "2026-03-03") {
			t.Error("the other replica did not reload after CacheTTL")
		}
		if err := replica1.ResetDay(ctx, "official:admin", "", mustDate(t, "2026-03-03")); err != nil {
			t.Fatal(err)
		}
		if !working(t, replica1, "2026-03-03") {
			t.Error("the reset did not show at once where it was made")
		}
	})
}

func TestServiceConcurrentUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewService(db, nil)
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 10 {
			wg.Go(func() {
				d := Day{Date: mustDate(t, "2026-03-02").AddDate(0, 0, i), Kind: Off, Name: "Nghỉ"}
				errs <- s.SetDay(ctx, "official:admin", "", d)
			})
			wg.Go(func() {
				_, err := s.Calendar(ctx)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		cal, err := s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			if d := mustDate(t, "2026-03-02").AddDate(0, 0, i); cal.IsWorkingDay(d) {
				t.Errorf("%s is a working day", d.Format(DateLayout))
			}
		}
		if rep, err := audit.New(db).Verify(ctx); err != nil || rep.FirstBad != nil || rep.Entries != 10 {
			t.Errorf("Verify = %+v, %v", rep, err)
		}
	})
}
