// Package calendar counts Vietnamese working days, for the deadlines of
// administrative procedures. A working day is a Monday to Friday that is not
// a public holiday or a day off the government announces, or a Saturday or
// Sunday the government declares a working day in exchange for one (a
// "swapped" day, hoán đổi ngày làm việc).
//
// Which days those are is data, not code: the program ships a table of the
// days that break the weekday rule (holidays.json, see README.md for where
// each comes from), administrators amend it through Service, and a Calendar
// answers questions from the result.
//
// # Dates
//
// A date is a civil date in Vietnam. Functions that take a date take a
// time.Time and use only its year, month and day in Vietnam time (UTC+7):
// an instant is read in Vietnam, and midnight UTC of a date, which is 07:00
// in Vietnam, is that same date. Functions that return a date return it as
// midnight UTC of that date, what DateOf returns, so that two dates compare
// with == and format with Format(DateLayout) whatever the zone of the
// process. Functions that return an instant (AddWorkingHours, Deadline)
// return it in UTC, as the platform stores times.
//
// Vietnam has no daylight saving time, so a fixed zone (Vietnam) stands for
// Asia/Ho_Chi_Minh without needing the time zone database.
package calendar

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov-vn/egov"
)

// Vietnam is the time zone of Vietnam (Indochina Time, UTC+7), which has had
// no daylight saving time since 1975.
var Vietnam = time.FixedZone("ICT", 7*3600)

// DateLayout is the layout of a date in JSON, in the database and in URLs:
// "2006-01-02".
const DateLayout = "2006-01-02"

// DateOf returns the civil date of t in Vietnam, as midnight UTC of that
// date. It is idempotent: DateOf(DateOf(t)) == DateOf(t).
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(Vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseDate parses a date written as DateLayout ("2026-02-16") and returns
// it as midnight UTC of that date.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("calendar: date %q is not YYYY-MM-DD: %w", s, err)
	}
	return t, nil
}

// Kind says what a day of the table is.
type Kind string

// The kinds of day.
const (
	// Off is a day off: a public holiday, a day given in lieu of one that
	// fell on a weekend, or a weekday swapped for a Saturday.
	Off Kind = "off"
	// Working is a working day: a Saturday or Sunday worked in exchange for
	// a weekday off.
	Working Kind = "working"
	// Normal appears only in administrators' amendments: it removes the
	// shipped entry of its day, which then follows the weekday rule again.
	// A Calendar never holds a Normal day.
	Normal Kind = "normal"
)

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool { return k == Off || k == Working || k == Normal }

// Day is one entry of the table: a date that does not follow the weekday
// rule (or, with Kind Normal, an amendment that cancels such an entry).
//
// In JSON a Day is {"date":"2026-02-16","kind":"off","name":"...",
// "source":"..."}, with the date as DateLayout and source left out when
// empty.
type Day struct {
	// Date is the civil date; see the package documentation.
	Date time.Time
	Kind Kind
	// Name says what the day is, in Vietnamese: "Tết Nguyên đán (mùng 1
	// Tết Bính Ngọ)", "Làm bù cho thứ Sáu 02/5/2025".
	Name string
	// Source names the text the day comes from: "Thông báo 9441/TB-BNV
	// ngày 16/10/2025".
	Source string
}

type dayJSON struct {
	Date   string `json:"date"`
	Kind   Kind   `json:"kind"`
	Name   string `json:"name"`
	Source string `json:"source,omitempty"`
}

// MarshalJSON writes d as {"date":"YYYY-MM-DD","kind":...,"name":...}.
func (d Day) MarshalJSON() ([]byte, error) {
	return json.Marshal(dayJSON{Date: DateOf(d.Date).Format(DateLayout), Kind: d.Kind, Name: d.Name, Source: d.Source})
}

// UnmarshalJSON reads what MarshalJSON writes. It checks the date's form,
// not the kind or the name: Validate does. JSON null leaves d as it is.
func (d *Day) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var j dayJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("calendar: decode day: %w", err)
	}
	date, err := ParseDate(j.Date)
	if err != nil {
		return err
	}
	*d = Day{Date: date, Kind: j.Kind, Name: j.Name, Source: j.Source}
	return nil
}

// Limits of what an administrator may enter.
const (
	// MinYear and MaxYear bound the dates of amendments.
	MinYear = 2000
	MaxYear = 2100
	// MaxNameLength and MaxSourceLength bound Name and Source, in
	// characters.
	MaxNameLength   = 200
	MaxSourceLength = 500
)

// Validate checks d as an amendment of the table and returns what is wrong
// with it, field by field in Vietnamese under the JSON names, or nil if
// nothing is. The date must fall between MinYear and MaxYear, the kind be
// off, working or normal, and a day off have a name.
func (d Day) Validate() egov.FieldErrors {
	fe := egov.FieldErrors{}
	switch y := DateOf(d.Date).Year(); {
	case d.Date.IsZero():
		fe["date"] = "Cần nhập ngày, dạng YYYY-MM-DD."
	case y < MinYear || y > MaxYear:
		fe["date"] = fmt.Sprintf("Ngày phải nằm trong các năm %d đến %d.", MinYear, MaxYear)
	}
	if !d.Kind.Valid() {
		fe["kind"] = "Loại ngày phải là off (ngày nghỉ), working (ngày làm việc) hoặc normal (theo lịch thường)."
	}
	name := strings.TrimSpace(d.Name)
	switch {
	case !utf8.ValidString(d.Name) || strings.ContainsRune(d.Name, 0):
		fe["name"] = "Tên ngày có ký tự không hợp lệ."
	case utf8.RuneCountInString(name) > MaxNameLength:
		fe["name"] = fmt.Sprintf("Tên ngày dài quá %d ký tự.", MaxNameLength)
	case name == "" && d.Kind == Off:
		fe["name"] = "Cần nhập tên ngày nghỉ (ví dụ: Tết Nguyên đán)."
	}
	switch {
	case !utf8.ValidString(d.Source) || strings.ContainsRune(d.Source, 0):
		fe["source"] = "Căn cứ có ký tự không hợp lệ."
	case utf8.RuneCountInString(strings.TrimSpace(d.Source)) > MaxSourceLength:
		fe["source"] = fmt.Sprintf("Căn cứ dài quá %d ký tự.", MaxSourceLength)
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// Calendar answers questions about working days from a table of days that
// break the weekday rule. It is immutable and safe for concurrent use. The
// zero Calendar has no table: Monday to Friday work, weekends are off.
type Calendar struct {
	// byDay holds the table by day number (days since 1970-01-01).
	byDay map[int64]Day
	// days is the table in date order.
	days []Day
	// changes holds, in order, the day numbers of the entries that change
	// the weekday rule (a weekday off, a weekend day worked), and adjust the
	// running total those changes make: -1 per weekday off, +1 per weekend
	// day worked, up to and including changes[i].
	changes []int64
	adjust  []int64
	years   map[int]bool
}

// New returns the calendar of days. Dates are read as the package
// documentation says. When several entries share a date the last one wins,
// so that amendments appended after the shipped table override it; an
// entry of kind Normal removes the entries before it for its date, and an
// entry of any other kind is ignored. A day off on a weekend or a working
// day on a weekday is kept, for listing, and changes nothing.
func New(days []Day) *Calendar {
	c := &Calendar{byDay: make(map[int64]Day, len(days)), years: map[int]bool{}}
	for _, d := range days {
		d.Date = DateOf(d.Date)
		n := dayNumber(d.Date)
		switch d.Kind {
		case Off, Working:
			c.byDay[n] = d
		case Normal:
			delete(c.byDay, n)
		}
	}
	for _, d := range c.byDay {
		c.days = append(c.days, d)
	}
	slices.SortFunc(c.days, func(a, b Day) int { return a.Date.Compare(b.Date) })
	var total int64
	for _, d := range c.days {
		c.years[d.Date.Year()] = true
		n := dayNumber(d.Date)
		weekday := isWeekday(n)
		switch {
		case d.Kind == Off && weekday:
			total--
		case d.Kind == Working && !weekday:
			total++
		default:
			continue
		}
		c.changes = append(c.changes, n)
		c.adjust = append(c.adjust, total)
	}
	return c
}

// IsWorkingDay reports whether the date of d is a working day.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	return c.isWorking(dayNumber(DateOf(d)))
}

// Lookup returns the table's entry for the date of d, if it has one.
func (c *Calendar) Lookup(d time.Time) (Day, bool) {
	e, ok := c.byDay[dayNumber(DateOf(d))]
	return e, ok
}

// maxDays bounds the counts of days the functions accept, about 3.8
// million years of working days, so that no count overflows.
const maxDays = 1_000_000_000

// AddWorkingDays returns the n-th working day after the date of from,
// counting from the day after it as the law counts deadlines (Civil Code
// 2015, article 147: the first day of a period is not counted): with from on
// a Friday and no holiday about, n = 1 gives the Monday after.
//
// n = 0 gives the date of from if it is a working day, and otherwise the
// first working day after it. A negative n counts backwards: the |n|-th
// working day before the date of from, so that n = -1 is the last working
// day before it. n is clamped to ±1,000,000,000.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	f := dayNumber(DateOf(from))
	k := int64(max(min(n, maxDays), -maxDays))
	var target int64
	if k > 0 {
		target = c.count(f) + k
	} else {
		target = c.count(f-1) + 1 + k
	}
	return fromDayNumber(c.firstWithCount(target, f+k))
}

// WorkingDaysBetween returns the number of working days d with from < d <=
// to, comparing dates, or minus the number with to < d <= from when to is
// before from. A result finished on its due date is 0 days late; one
// finished the next working day is 1; one finished two working days early
// gives -2 when called as WorkingDaysBetween(due, finished).
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	return int(c.count(dayNumber(DateOf(to))) - c.count(dayNumber(DateOf(from))))
}

// Holidays returns the days off of the table dated in year, in date order.
// It lists what the table holds, the weekdays off: a holiday that falls on a
// weekend is there only as the day given in lieu of it.
func (c *Calendar) Holidays(year int) []Day {
	var list []Day
	for _, d := range c.Days(year) {
		if d.Kind == Off {
			list = append(list, d)
		}
	}
	return list
}

// Days returns every entry of the table dated in year, days off and working
// days, in date order.
func (c *Calendar) Days(year int) []Day {
	i := sort.Search(len(c.days), func(i int) bool { return c.days[i].Date.Year() >= year })
	j := sort.Search(len(c.days), func(i int) bool { return c.days[i].Date.Year() > year })
	if i == j {
		return nil
	}
	return slices.Clone(c.days[i:j])
}

// Covers reports whether the table has entries for year. When it has none,
// the calendar of that year knows only weekends, and a caller computing a
// deadline that reaches into it should say so: the days off of a year are
// announced in the autumn before it.
func (c *Calendar) Covers(year int) bool {
	return c.years[year]
}

// count returns the running total of working days up to and including day
// n: the number of working days in [0, n] for n >= 0, and minus the number
// in (n, 0) otherwise. Only differences of counts mean anything; count is
// nondecreasing and grows by 1 exactly on working days.
func (c *Calendar) count(n int64) int64 {
	total := weekdaysBefore(n + 1)
	i := sort.Search(len(c.changes), func(i int) bool { return c.changes[i] > n })
	if i > 0 {
		total += c.adjust[i-1]
	}
	return total
}

// firstWithCount returns the first day whose count reaches target, which is
// a working day; near is a guess of where it is.
func (c *Calendar) firstWithCount(target, near int64) int64 {
	lo, hi := near, near
	for step := int64(8); c.count(lo) >= target; step *= 2 {
		lo -= step
	}
	for step := int64(8); c.count(hi) < target; step *= 2 {
		hi += step
	}
	// count(lo) < target <= count(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if c.count(mid) >= target {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

func (c *Calendar) isWorking(n int64) bool {
	if d, ok := c.byDay[n]; ok {
		return d.Kind == Working
	}
	return isWeekday(n)
}

const secondsPerDay = 24 * 60 * 60

// dayNumber returns the number of days from 1970-01-01 to t, which is
// midnight UTC of a date.
func dayNumber(t time.Time) int64 {
	return floorDiv(t.Unix(), secondsPerDay)
}

func fromDayNumber(n int64) time.Time {
	return time.Unix(n*secondsPerDay, 0).UTC()
}

// isWeekday reports whether day n is a Monday to Friday. Day 0,
// 1970-01-01, was a Thursday.
func isWeekday(n int64) bool {
	return weekdayInWeek[n-floorDiv(n, 7)*7] == 1
}

// weekdayInWeek marks the weekdays of a week that starts on a Thursday, and
// weekdaysInWeek counts those before each day of it.
var (
	weekdayInWeek  = [7]int64{1, 1, 0, 0, 1, 1, 1}
	weekdaysInWeek = [7]int64{0, 1, 2, 2, 2, 3, 4}
)

// weekdaysBefore returns the number of weekdays in [0, n) for n >= 0, and
// minus the number in [n, 0) otherwise.
func weekdaysBefore(n int64) int64 {
	weeks := floorDiv(n, 7)
	return weeks*5 + weekdaysInWeek[n-weeks*7]
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
