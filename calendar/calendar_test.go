package calendar_test

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
)

// date parses a YYYY-MM-DD date for the tables below.
func date(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// vn returns a Vietnam clock time.
func vn(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, calendar.Vietnam)
}

func TestAddWorkingDays(t *testing.T) {
	cal := calendar.Default()
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"plain week", "2026-03-02", 3, "2026-03-05"},
		{"over a weekend", "2026-03-06", 1, "2026-03-09"},
		{"Tết 2026 from the Friday before", "2026-02-13", 1, "2026-02-23"},
		{"Tết 2026 from the Thursday before", "2026-02-12", 2, "2026-02-23"},
		{"starts on a holiday (mùng 1 Tết 2026)", "2026-02-17", 1, "2026-02-23"},
		{"starts on a holiday, three days", "2026-02-17", 3, "2026-02-25"},
		{"n=0 on a holiday", "2026-02-17", 0, "2026-02-23"},
		{"n=0 on a working day", "2026-03-02", 0, "2026-03-02"},
		{"n=0 on a Saturday", "2026-03-07", 0, "2026-03-09"},
		{"n=0 on a swapped working Saturday", "2026-01-10", 0, "2026-01-10"},
		{"Tết 2027 (derived)", "2027-02-03", 1, "2027-02-11"},
		{"Tết 2025", "2025-01-24", 1, "2025-02-03"},
		{"Saturday 26 April 2025 is worked", "2025-04-25", 1, "2025-04-26"},
		{"after the worked Saturday", "2025-04-25", 2, "2025-04-28"},
		{"30 April – 4 May 2025 off", "2025-04-29", 1, "2025-05-05"},
		{"30 April and 1 May 2026, no swap", "2026-04-29", 1, "2026-05-04"},
		{"2 September 2025 with 1 September", "2025-08-29", 1, "2025-09-03"},
		{"Saturday 22 August 2026 is worked", "2026-08-21", 1, "2026-08-22"},
		{"National Day 2026, 31 August swapped", "2026-08-28", 1, "2026-09-03"},
		{"compensatory Monday for Hùng Kings 2026", "2026-04-24", 1, "2026-04-28"},
		{"compensatory Monday for 1 May 2027", "2027-04-29", 1, "2027-05-04"},
		{"2024: Monday 29 April swapped", "2024-04-26", 1, "2024-05-02"},
		{"2024: Saturday 4 May worked", "2024-04-26", 3, "2024-05-04"},
		{"Vietnamese Culture Day 2026", "2026-11-23", 1, "2026-11-25"},
		{"crossing the year end into 2026", "2025-12-31", 1, "2026-01-05"},
		{"crossing into 2026, to the worked Saturday", "2025-12-31", 6, "2026-01-10"},
		{"crossing the year end into 2027", "2026-12-31", 1, "2027-01-04"},
		{"backwards over Tết", "2026-02-23", -1, "2026-02-13"},
		{"backwards, two", "2026-02-23", -2, "2026-02-12"},
		{"backwards from a holiday", "2026-02-18", -1, "2026-02-13"},
		{"beyond the table: weekends only", "2030-01-04", 5, "2030-01-11"},
		{"a year of working days beyond the table", "2030-01-07", 260, "2031-01-06"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.AddWorkingDays(date(t, tt.from), tt.n)
			if want := date(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("AddWorkingDays(%s, %d) = %v, want %s (midnight UTC)", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestAddWorkingDaysReadsInstantsInVietnam(t *testing.T) {
	cal := calendar.Default()
	// 20:00 UTC on Friday 13 February 2026 is 03:00 on Saturday the 14th
	// in Vietnam, inside the Tết break.
	from := time.Date(2026, 2, 13, 20, 0, 0, 0, time.UTC)
	if got, want := cal.AddWorkingDays(from, 0), date(t, "2026-02-23"); !got.Equal(want) {
		t.Errorf("AddWorkingDays(%v, 0) = %v, want %v", from, got, want)
	}
	if got, want := cal.AddWorkingDays(vn(2026, 2, 13, 23, 59), 1), date(t, "2026-02-23"); !got.Equal(want) {
		t.Errorf("AddWorkingDays(23:59 ICT Friday, 1) = %v, want %v", got, want)
	}
}

func TestIsWorkingDay(t *testing.T) {
	cal := calendar.Default()
	tests := []struct {
		date string
		want bool
	}{
		{"2026-02-16", false}, // 29 tháng Chạp
		{"2026-02-21", false}, // Saturday inside Tết
		{"2026-02-23", true},
		{"2025-04-26", true},  // swapped Saturday
		{"2025-04-27", false}, // its Sunday
		{"2025-05-02", false}, // the Friday swapped for it
		{"2026-04-26", false}, // Hùng Kings on a Sunday
		{"2026-04-27", false}, // its Monday in lieu
		{"2026-04-28", true},
		{"2026-01-02", false},
		{"2026-01-10", true},
		{"2024-05-04", true},
		{"2024-02-14", false},
		{"2025-09-01", false},
		{"2026-11-24", false},
		{"2027-02-10", false},
		{"2027-02-11", true},
		{"2027-09-03", false},
		{"2026-03-10", true},
		{"2026-03-08", false},
		// Not in the table: only the weekday rule.
		{"2030-01-01", true},
	}
	for _, tt := range tests {
		if got := cal.IsWorkingDay(date(t, tt.date)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
}

// naiveAdd counts day by day, the obvious way, to check the fast one.
func naiveAdd(cal *calendar.Calendar, from time.Time, n int) time.Time {
	d := calendar.DateOf(from)
	switch {
	case n == 0:
		for !cal.IsWorkingDay(d) {
			d = d.AddDate(0, 0, 1)
		}
	case n > 0:
		for n > 0 {
			d = d.AddDate(0, 0, 1)
			if cal.IsWorkingDay(d) {
				n--
			}
		}
	default:
		for n < 0 {
			d = d.AddDate(0, 0, -1)
			if cal.IsWorkingDay(d) {
				n++
			}
		}
	}
	return d
}

func TestAddWorkingDaysAgreesWithCountingDayByDay(t *testing.T) {
	cal := calendar.Default()
	for d := date(t, "2023-12-01"); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		for _, n := range []int{-12, -3, -1, 0, 1, 2, 5, 10, 30} {
			got, want := cal.AddWorkingDays(d, n), naiveAdd(cal, d, n)
			if !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", d.Format(calendar.DateLayout), n,
					got.Format(calendar.DateLayout), want.Format(calendar.DateLayout))
			}
			if n > 0 {
				if between := cal.WorkingDaysBetween(d, got); between != n {
					t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", d.Format(calendar.DateLayout),
						got.Format(calendar.DateLayout), between, n)
				}
			}
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := calendar.Default()
	tests := []struct {
		name     string
		from, to string
		want     int
	}{
		{"same day", "2026-03-02", "2026-03-02", 0},
		{"next day", "2026-03-02", "2026-03-03", 1},
		{"across Tết 2026", "2026-02-13", "2026-02-23", 1},
		{"across Tết 2026, wider", "2026-02-12", "2026-02-24", 3},
		{"across Tết 2026, backwards", "2026-02-24", "2026-02-12", -3},
		{"across Tết 2027", "2027-02-01", "2027-02-12", 4},
		{"the 2025 swap counts the Saturday", "2025-04-25", "2025-05-05", 4},
		{"all of 2026", "2025-12-31", "2026-12-31", 261 - 14 + 2},
		{"all of 2025", "2024-12-31", "2025-12-31", 261 - 12 + 1},
		{"from a holiday to the next working day", "2026-02-17", "2026-02-23", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.WorkingDaysBetween(date(t, tt.from), date(t, tt.to)); got != tt.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestAddWorkingHours(t *testing.T) {
	cal := calendar.Default()
	tests := []struct {
		name  string
		from  time.Time
		hours float64
		want  time.Time
	}{
		{"within the morning", vn(2026, 3, 2, 8, 0), 2, vn(2026, 3, 2, 10, 0)},
		{"over lunch", vn(2026, 3, 2, 11, 0), 1, vn(2026, 3, 2, 13, 30)},
		{"starting at lunch", vn(2026, 3, 2, 12, 0), 0.5, vn(2026, 3, 2, 13, 30)},
		{"before opening", vn(2026, 3, 2, 6, 0), 1, vn(2026, 3, 2, 8, 30)},
		{"ends as the morning closes", vn(2026, 3, 2, 7, 30), 4, vn(2026, 3, 2, 11, 30)},
		{"ends as the day closes", vn(2026, 3, 2, 7, 30), 8, vn(2026, 3, 2, 17, 0)},
		{"overnight", vn(2026, 3, 2, 16, 0), 2, vn(2026, 3, 3, 8, 30)},
		{"after closing", vn(2026, 3, 2, 18, 0), 1, vn(2026, 3, 3, 8, 30)},
		{"two full days", vn(2026, 3, 2, 7, 30), 16, vn(2026, 3, 3, 17, 0)},
		{"over a weekend", vn(2026, 3, 6, 16, 0), 2, vn(2026, 3, 9, 8, 30)},
		{"from a Saturday", vn(2026, 3, 7, 10, 0), 1, vn(2026, 3, 9, 8, 30)},
		{"on a worked Saturday", vn(2026, 1, 10, 10, 0), 1, vn(2026, 1, 10, 11, 0)},
		{"over Tết 2026", vn(2026, 2, 13, 16, 0), 2, vn(2026, 2, 23, 8, 30)},
		{"three days over Tết 2026", vn(2026, 2, 13, 7, 30), 24, vn(2026, 2, 24, 17, 0)},
		{"fractional", vn(2026, 3, 2, 7, 30), 1.25, vn(2026, 3, 2, 8, 45)},
		{"a working week", vn(2026, 3, 2, 9, 0), 40, vn(2026, 3, 9, 9, 0)},
		{"zero", vn(2026, 3, 7, 10, 0), 0, vn(2026, 3, 7, 10, 0)},
		{"negative", vn(2026, 3, 7, 10, 0), -3, vn(2026, 3, 7, 10, 0)},
		{"not a number", vn(2026, 3, 7, 10, 0), math.NaN(), vn(2026, 3, 7, 10, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.AddWorkingHours(tt.from, tt.hours)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("AddWorkingHours(%v, %v) = %v, want %v in UTC", tt.from, tt.hours, got.In(calendar.Vietnam), tt.want)
			}
		})
	}
	// Huge and infinite counts are clamped rather than overflowing.
	for _, h := range []float64{math.Inf(1), 1e300} {
		if got := cal.AddWorkingHours(vn(2026, 3, 2, 8, 0), h); got.Year() < 2400 {
			t.Errorf("AddWorkingHours(%v) = %v, want far in the future", h, got)
		}
	}
}

func TestDeadline(t *testing.T) {
	cal := calendar.Default()
	tests := []struct {
		name   string
		start  time.Time
		amount float64
		unit   string
		want   time.Time
	}{
		{"working days", vn(2026, 3, 2, 9, 0), 3, "working_days", vn(2026, 3, 5, 17, 0)},
		{"working days over Tết", vn(2026, 2, 12, 10, 0), 2, "working_days", vn(2026, 2, 23, 17, 0)},
		{"working days from a holiday", vn(2026, 2, 17, 10, 0), 1, "working_days", vn(2026, 2, 23, 17, 0)},
		{"zero working days on a holiday", vn(2026, 2, 17, 10, 0), 0, "working_days", vn(2026, 2, 23, 17, 0)},
		{"half a working day", vn(2026, 3, 2, 9, 0), 0.5, "working_days", vn(2026, 3, 3, 11, 30)},
		{"one and a half working days", vn(2026, 3, 2, 9, 0), 1.5, "working_days", vn(2026, 3, 4, 11, 30)},
		{"no unit counts working days", vn(2026, 3, 2, 9, 0), 3, "", vn(2026, 3, 5, 17, 0)},
		{"calendar days", vn(2026, 3, 2, 9, 0), 3, "days", vn(2026, 3, 5, 17, 0)},
		{"calendar days ending on a Saturday", vn(2026, 3, 2, 9, 0), 5, "days", vn(2026, 3, 9, 17, 0)},
		{"calendar days ending inside Tết", vn(2026, 2, 13, 9, 0), 5, "days", vn(2026, 2, 23, 17, 0)},
		{"calendar days, fraction rounded up", vn(2026, 3, 2, 9, 0), 2.2, "days", vn(2026, 3, 5, 17, 0)},
		{"working hours", vn(2026, 3, 6, 16, 0), 2, "working_hours", vn(2026, 3, 9, 8, 30)},
		{"negative amount", vn(2026, 3, 7, 9, 0), -1, "working_days", vn(2026, 3, 9, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.Deadline(tt.start, tt.amount, tt.unit)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("Deadline(%v, %v, %q) = %v, want %v in UTC", tt.start, tt.amount, tt.unit, got.In(calendar.Vietnam), tt.want)
			}
		})
	}
	// The deadline grows with the amount, across whole days too.
	start := vn(2026, 2, 10, 9, 0)
	prev := cal.Deadline(start, 0, "working_days")
	for a := 0.125; a <= 20; a += 0.125 {
		got := cal.Deadline(start, a, "working_days")
		if got.Before(prev) {
			t.Fatalf("Deadline(%v working days) = %v, before Deadline(%v) = %v", a, got, a-0.125, prev)
		}
		prev = got
	}
}

func TestHolidays2026(t *testing.T) {
	cal := calendar.Default()
	var got []string
	for _, d := range cal.Holidays(2026) {
		if d.Kind != calendar.Off || d.Name == "" || d.Source == "" {
			t.Errorf("Holidays(2026) has %+v", d)
		}
		got = append(got, d.Date.Format(calendar.DateLayout))
	}
	want := []string{
		"2026-01-01", "2026-01-02",
		"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
		"2026-04-27", "2026-04-30", "2026-05-01",
		"2026-08-31", "2026-09-01", "2026-09-02",
		"2026-11-24",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Holidays(2026) = %v\nwant %v", got, want)
	}
	var working []string
	for _, d := range cal.Days(2026) {
		if d.Kind == calendar.Working {
			working = append(working, d.Date.Format(calendar.DateLayout))
		}
	}
	if want := []string{"2026-01-10", "2026-08-22"}; !slices.Equal(working, want) {
		t.Errorf("working days of 2026 = %v, want %v", working, want)
	}
	if n := len(cal.Days(2026)); n != len(want)+2 {
		t.Errorf("Days(2026) has %d entries, want %d", n, len(want)+2)
	}
	// The lists are copies.
	cal.Holidays(2026)[0].Name = "changed"
	if cal.Holidays(2026)[0].Name == "changed" {
		t.Error("Holidays returned the calendar's own slice")
	}
	if h := cal.Holidays(2031); h != nil {
		t.Errorf("Holidays(2031) = %v, want none", h)
	}
}

func TestCovers(t *testing.T) {
	cal := calendar.Default()
	for year, want := range map[int]bool{2023: false, 2024: true, 2025: true, 2026: true, 2027: true, 2028: false} {
		if got := cal.Covers(year); got != want {
			t.Errorf("Covers(%d) = %v, want %v", year, got, want)
		}
	}
}

func TestShippedTable(t *testing.T) {
	days := calendar.Shipped()
	if len(days) == 0 {
		t.Fatal("no shipped days")
	}
	seen := map[string]bool{}
	prev := time.Time{}
	for _, d := range days {
		s := d.Date.Format(calendar.DateLayout)
		if seen[s] {
			t.Errorf("%s listed twice", s)
		}
		seen[s] = true
		if !d.Date.After(prev) {
			t.Errorf("%s is out of order", s)
		}
		prev = d.Date
		weekend := d.Date.Weekday() == time.Saturday || d.Date.Weekday() == time.Sunday
		// The table lists only the days that break the weekday rule.
		switch {
		case d.Kind == calendar.Off && weekend:
			t.Errorf("%s: a day off on a %s changes nothing", s, d.Date.Weekday())
		case d.Kind == calendar.Working && !weekend:
			t.Errorf("%s: a working %s changes nothing", s, d.Date.Weekday())
		case d.Kind != calendar.Off && d.Kind != calendar.Working:
			t.Errorf("%s: kind %q", s, d.Kind)
		}
		if d.Name == "" || d.Source == "" {
			t.Errorf("%s: needs a name and a source", s)
		}
		if d.Date.Year() == 2027 && !strings.Contains(d.Source, "Bộ luật Lao động") && !strings.Contains(d.Source, "Nghị quyết") {
			t.Errorf("%s: a 2027 entry must say what it is derived from", s)
		}
	}
	// Each year has its fixed holidays, or the day in lieu of them.
	for _, s := range []string{
		"2024-01-01", "2024-04-18", "2024-04-30", "2024-05-01", "2024-09-02",
		"2025-01-01", "2025-04-07", "2025-04-30", "2025-05-01", "2025-09-02",
		"2026-01-01", "2026-04-27", "2026-04-30", "2026-05-01", "2026-09-02",
		"2027-01-01", "2027-04-16", "2027-04-30", "2027-05-03", "2027-09-02",
	} {
		if !seen[s] {
			t.Errorf("%s is missing", s)
		}
	}
	// Shipped returns a copy.
	days[0].Name = "changed"
	if calendar.Shipped()[0].Name == "changed" {
		t.Error("Shipped returned the table itself")
	}
}

func TestNewAppliesAmendmentsInOrder(t *testing.T) {
	days := append(calendar.Shipped(),
		calendar.Day{Date: date(t, "2026-02-20"), Kind: calendar.Normal},
		calendar.Day{Date: date(t, "2026-02-19"), Kind: calendar.Working, Name: "Làm việc"},
		calendar.Day{Date: date(t, "2026-03-03"), Kind: calendar.Off, Name: "Nghỉ đột xuất"},
		calendar.Day{Date: date(t, "2026-03-07"), Kind: calendar.Off, Name: "Thứ Bảy vốn nghỉ"},
		calendar.Day{Date: date(t, "2026-03-04"), Kind: "bogus", Name: "bỏ qua"},
	)
	cal := calendar.New(days)
	for s, want := range map[string]bool{
		"2026-02-18": false, "2026-02-19": true, "2026-02-20": true,
		"2026-03-03": false, "2026-03-04": true, "2026-03-07": false,
	} {
		if got := cal.IsWorkingDay(date(t, s)); got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", s, got, want)
		}
	}
	if _, ok := cal.Lookup(date(t, "2026-02-20")); ok {
		t.Error("the Normal amendment left the shipped entry")
	}
	if d, ok := cal.Lookup(date(t, "2026-03-03")); !ok || d.Name != "Nghỉ đột xuất" {
		t.Errorf("Lookup(2026-03-03) = %+v, %v", d, ok)
	}
	// A day off on a Saturday is listed but changes no count.
	if got := cal.WorkingDaysBetween(date(t, "2026-03-06"), date(t, "2026-03-09")); got != 1 {
		t.Errorf("WorkingDaysBetween over the listed Saturday = %d, want 1", got)
	}
}

func TestZeroCalendarKnowsOnlyWeekends(t *testing.T) {
	var cal calendar.Calendar
	if cal.IsWorkingDay(date(t, "2026-02-17")) != true {
		t.Error("the zero calendar has holidays")
	}
	if got, want := cal.AddWorkingDays(date(t, "2026-02-13"), 1), date(t, "2026-02-16"); !got.Equal(want) {
		t.Errorf("AddWorkingDays = %v, want %v", got, want)
	}
	if cal.Covers(2026) || cal.Holidays(2026) != nil {
		t.Error("the zero calendar covers 2026")
	}
}

func TestDateOf(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC), "2026-02-16"},
		{time.Date(2026, 2, 15, 17, 0, 0, 0, time.UTC), "2026-02-16"}, // 00:00 in Vietnam
		{time.Date(2026, 2, 15, 16, 59, 59, 0, time.UTC), "2026-02-15"},
		{vn(2026, 2, 16, 23, 59), "2026-02-16"},
		{time.Date(2026, 2, 16, 0, 0, 0, 0, time.FixedZone("EST", -5*3600)), "2026-02-16"},
	}
	for _, tt := range tests {
		got := calendar.DateOf(tt.in)
		if got.Format(calendar.DateLayout) != tt.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("DateOf(%v) = %v, want %s at midnight UTC", tt.in, got, tt.want)
		}
		if again := calendar.DateOf(got); !again.Equal(got) {
			t.Errorf("DateOf is not idempotent: %v then %v", got, again)
		}
	}
}

func TestDayJSON(t *testing.T) {
	d := calendar.Day{Date: vn(2026, 2, 16, 23, 0), Kind: calendar.Off, Name: "Tết Nguyên đán"}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"date":"2026-02-16","kind":"off","name":"Tết Nguyên đán"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	d.Source = "Thông báo 9441/TB-BNV"
	b, err = json.Marshal([]calendar.Day{d})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"date":"2026-02-16","kind":"off","name":"Tết Nguyên đán","source":"Thông báo 9441/TB-BNV"}]`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var back []calendar.Day
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || !back[0].Date.Equal(date(t, "2026-02-16")) || back[0].Kind != calendar.Off ||
		back[0].Name != d.Name || back[0].Source != d.Source {
		t.Errorf("round trip = %+v", back)
	}
	kept := calendar.Day{Name: "kept"}
	if err := json.Unmarshal([]byte(`null`), &kept); err != nil || kept.Name != "kept" {
		t.Errorf("Unmarshal(null) = %v, %+v; want no change", err, kept)
	}
	for _, bad := range []string{`{"date":"16/02/2026","kind":"off"}`, `{"date":"2026-02-30"}`, `{"date":5}`, `[]`} {
		var d calendar.Day
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) accepted it: %+v", bad, d)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		day    calendar.Day
		fields []string
	}{
		{"a day off", calendar.Day{Date: date(t, "2026-03-03"), Kind: calendar.Off, Name: "Nghỉ"}, nil},
		{"a working Saturday without a name", calendar.Day{Date: date(t, "2026-03-07"), Kind: calendar.Working}, nil},
		{"normal", calendar.Day{Date: date(t, "2026-02-20"), Kind: calendar.Normal}, nil},
		{"no date", calendar.Day{Kind: calendar.Off, Name: "Nghỉ"}, []string{"date"}},
		{"too early", calendar.Day{Date: date(t, "1999-12-31"), Kind: calendar.Off, Name: "Nghỉ"}, []string{"date"}},
		{"too late", calendar.Day{Date: date(t, "2101-01-01"), Kind: calendar.Off, Name: "Nghỉ"}, []string{"date"}},
		{"bad kind", calendar.Day{Date: date(t, "2026-03-03"), Kind: "holiday", Name: "Nghỉ"}, []string{"kind"}},
		{"day off without a name", calendar.Day{Date: date(t, "2026-03-03"), Kind: calendar.Off, Name: "  "}, []string{"name"}},
		{"long name", calendar.Day{Date: date(t, "2026-03-03"), Kind: calendar.Off, Name: strings.Repeat("ngày ", 50)}, []string{"name"}},
		{"bad bytes", calendar.Day{Date: date(t, "2026-03-03"), Kind: calendar.Off, Name: "a\xffb", Source: "x\x00"}, []string{"name", "source"}},
		{"everything", calendar.Day{Kind: "x", Source: strings.Repeat("s", 501)}, []string{"date", "kind", "source"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.day.Validate()
			var got []string
			for k, msg := range fe {
				if msg == "" {
					t.Errorf("%s has no message", k)
				}
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.fields) {
				t.Errorf("Validate() = %v, want errors on %v", fe, tt.fields)
			}
			if fe != nil && !errors.Is(fe, egov.ErrInvalid) {
				t.Error("field errors do not match egov.ErrInvalid")
			}
		})
	}
}

func TestHugeCountsDoNotOverflow(t *testing.T) {
	cal := calendar.Default()
	from := date(t, "2026-03-02")
	for _, n := range []int{math.MaxInt, math.MinInt, 1 << 40} {
		got := cal.AddWorkingDays(from, n)
		if (n > 0) != got.After(from) {
			t.Errorf("AddWorkingDays(%d) = %v", n, got)
		}
	}
	if got := cal.Deadline(from, math.Inf(1), "days"); !got.After(from) {
		t.Errorf("Deadline(+Inf days) = %v", got)
	}
	if got := cal.Deadline(from, 1e300, "working_days"); !got.After(from) {
		t.Errorf("Deadline(1e300 working days) = %v", got)
	}
}
