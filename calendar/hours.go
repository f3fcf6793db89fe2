package calendar

import (
	"math"
	"time"

	"github.com/egov-vn/egov"
)

// Office hours, in Vietnam time, of every working day: 07:30 to 11:30 and
// 13:00 to 17:00, eight hours. This is an assumption: it is the usual
// schedule of state offices under the 40-hour week of Decision
// 188/1999/QĐ-TTg, but each province fixes its own clock times (some open
// at 07:00 or close at 16:30). Deadlines in working days depend only on the
// eight hours a day; deadlines in working hours depend on the clock times.
var officeHours = [...]struct{ start, end time.Duration }{
	{7*time.Hour + 30*time.Minute, 11*time.Hour + 30*time.Minute},
	{13 * time.Hour, 17 * time.Hour},
}

// WorkingDayHours is the number of office hours in a working day.
const WorkingDayHours = 8

const (
	workingDay = WorkingDayHours * time.Hour
	// closing is when the last office period of a day ends.
	closing = 17 * time.Hour
	// maxHours bounds AddWorkingHours: about 125,000 working days.
	maxHours = 1_000_000
)

// AddWorkingHours returns the instant, in UTC, when hours of office time
// have passed from t, counting only office hours (07:30–11:30 and
// 13:00–17:00 Vietnam time) of working days. Time outside office hours does
// not count: from 11:00, one hour ends at 13:30; from 16:00 on a Friday,
// two hours end at 08:30 the next working day. A count that ends exactly as
// a period closes ends then (11:30 or 17:00), not when the next one opens.
// hours that are not positive, or not a number, return t; hours are
// clamped to 1,000,000.
func (c *Calendar) AddWorkingHours(t time.Time, hours float64) time.Time {
	if !(hours > 0) {
		return t.UTC()
	}
	remaining := time.Duration(math.Round(min(hours, maxHours) * float64(time.Hour)))
	cur := t.In(Vietnam)
	for {
		n := dayNumber(DateOf(cur))
		if c.isWorking(n) {
			midnight := vietnamMidnight(n)
			for _, p := range officeHours {
				start, end := midnight.Add(p.start), midnight.Add(p.end)
				if !cur.Before(end) {
					continue
				}
				if cur.Before(start) {
					cur = start
				}
				open := end.Sub(cur)
				if remaining <= open {
					return cur.Add(remaining).UTC()
				}
				remaining -= open
				cur = end
			}
		}
		// Skip the working days that the remaining time fills entirely,
		// keeping some of it for the day where the count ends.
		next := c.firstWithCount(c.count(n)+1, n+1)
		if full := int64((remaining - 1) / workingDay); full > 0 {
			next = c.firstWithCount(c.count(next)+full, next+full)
			remaining -= time.Duration(full) * workingDay
		}
		cur = vietnamMidnight(next)
	}
}

// Deadline returns the instant, in UTC, by which something must be done
// when the clock starts at start and the time allowed is amount of unit,
// one of the processing-time units of the catalog (egov.TimeUnit):
//
//   - "working_days": the end of office hours, 17:00 in Vietnam, of
//     AddWorkingDays(start, amount). A fractional amount adds the fraction
//     of a working day as office hours after that: 1.5 working days from a
//     Monday end at 11:30 on the Wednesday. Working days are counted from
//     the day after start, so a dossier received at 16:59 and one received
//     at 07:30 on the same day have the same deadline; the caller decides
//     whether a late reception counts from the next day.
//   - "days": calendar days, counted from the day after start, the
//     fraction of a day rounded up; if the last day is not a working day
//     the deadline moves to the next working day, as the Civil Code (article
//     148) moves periods that end on a day off. It ends, like the others, at
//     17:00 in Vietnam of that day, when the office closes (the Civil Code
//     would say 24:00; results are given out in office hours).
//   - "working_hours": AddWorkingHours(start, amount).
//
// Any other unit, "" included, counts as working days, the unit in which
// the law sets the time limits of administrative procedures unless it says
// otherwise; callers that must refuse other units check them first, as the
// catalog's validation does. An amount that is not positive, or not a
// number, counts as 0: the deadline is the end of the day of start if it is
// a working day, or of the next working day.
func (c *Calendar) Deadline(start time.Time, amount float64, unit string) time.Time {
	if !(amount > 0) {
		amount = 0
	}
	switch egov.TimeUnit(unit) {
	case egov.UnitHours:
		return c.AddWorkingHours(start, amount)
	case egov.UnitDays:
		days := int64(math.Ceil(min(amount, maxDays)))
		last := dayNumber(DateOf(start)) + days
		if !c.isWorking(last) {
			last = c.firstWithCount(c.count(last)+1, last+1)
		}
		return vietnamMidnight(last).Add(closing).UTC()
	}
	whole := math.Floor(min(amount, maxDays))
	due := c.AddWorkingDays(start, int(whole))
	end := vietnamMidnight(dayNumber(due)).Add(closing)
	if frac := amount - whole; frac > 0 && whole < maxDays {
		return c.AddWorkingHours(end, frac*WorkingDayHours)
	}
	return end.UTC()
}

// vietnamMidnight returns 00:00 in Vietnam of day n.
func vietnamMidnight(n int64) time.Time {
	return time.Unix(n*secondsPerDay-7*3600, 0).In(Vietnam)
}
