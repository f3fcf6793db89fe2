// Package report is what leaders steer by and what citizens can check: the
// indicators of dossier processing per agency, level of government, field,
// procedure and period; the rankings of ministries and provinces; the
// national service index; the periodic reports of the national reporting
// system; and the aggregate statistics published as open data.
//
// Figures stay fast at national scale because they are never counted over
// the dossiers when a page is viewed. What a dossier contributes to the
// figures is a pure function of its own columns (Facts); every dossier
// change adds, in its own transaction, the difference between what the
// dossier contributed before and what it contributes now (Record), to the
// rows of its agency, of every agency above it, of the country and of its
// level of government. Rebuild recomputes the same rows from the dossiers
// with the same function, so the two can be compared, and so that the
// figures can be recovered after the agency tree is reorganised.
package report

import (
	"time"

	"github.com/egov-vn/egov/calendar"
)

// Stage is where a dossier stands as the figures count it.
type Stage string

// Stages of a dossier.
const (
	StageNone       Stage = ""           // a draft: not counted
	StageWaiting    Stage = "waiting"    // submitted, waiting for reception
	StageInProgress Stage = "processing" // received, the clock running
	StagePaused     Stage = "paused"     // waiting for the applicant's papers: the clock stopped
	StageFinished   Stage = "finished"   // result released (returned or not)
	StageRefused    Stage = "refused"    // not accepted or refused: not against the deadline
	StageWithdrawn  Stage = "withdrawn"  // withdrawn by the applicant
)

// Channel names how a dossier reached the agency, as the figures split it.
const (
	ChannelOnline  = "online"
	ChannelCounter = "counter"
	ChannelAPI     = "api"
)

// Facts are the columns of a dossier that the figures depend on. The
// dossier package fills them from a dossier before and after each change.
type Facts struct {
	Agency    string // the receiving agency
	Field     string
	Procedure string
	Channel   string // online, counter or api
	Stage     Stage

	ReceivedAt *time.Time
	DueAt      *time.Time
	FinishedAt *time.Time // result released, refusal or withdrawal
	ApologyAt  *time.Time

	Rating  int // 1 to 5; 0 when not rated
	RatedAt *time.Time

	FeeOnline     bool       // a fee is payable online
	PaidAt        *time.Time // when it was paid online
	DigitalResult bool       // the result is in the applicant's document store
}

// Tally is a set of counts of one row of the figures: what happened in a
// month, at an agency, for a field or a procedure.
type Tally struct {
	ReceivedOnline  int64 `json:"received_online"`
	ReceivedCounter int64 `json:"received_counter"`
	ReceivedAPI     int64 `json:"received_api"`
	FeeDossiers     int64 `json:"fee_dossiers"`
	PaidOnline      int64 `json:"paid_online"`
	Early           int64 `json:"finished_early"`
	OnTime          int64 `json:"finished_on_time"`
	Late            int64 `json:"finished_late"`
	Refused         int64 `json:"refused"`
	Withdrawn       int64 `json:"withdrawn"`
	DigitalResults  int64 `json:"digital_results"`
	Ratings         int64 `json:"ratings"`
	RatingSum       int64 `json:"rating_sum"`
	Satisfied       int64 `json:"satisfied"`
	Apologies       int64 `json:"apologies"`
}

// counters lists the fields of a Tally in the order of the table's
// columns, so that reading, writing and adding stay in step.
func (t *Tally) counters() []*int64 {
	return []*int64{&t.ReceivedOnline, &t.ReceivedCounter, &t.ReceivedAPI, &t.FeeDossiers, &t.PaidOnline,
		&t.Early, &t.OnTime, &t.Late, &t.Refused, &t.Withdrawn, &t.DigitalResults,
		&t.Ratings, &t.RatingSum, &t.Satisfied, &t.Apologies}
}

// tallyColumns are report_figures' count columns, in counters' order.
var tallyColumns = []string{"received_online", "received_counter", "received_api", "fee_dossiers", "paid_online",
	"finished_early", "finished_on_time", "finished_late", "refused", "withdrawn", "digital_results",
	"ratings", "rating_sum", "satisfied", "apologies"}

// Add adds o to t.
func (t *Tally) Add(o Tally) {
	a, b := t.counters(), o.counters()
	for i := range a {
		*a[i] += *b[i]
	}
}

func (t *Tally) sub(o Tally) {
	a, b := t.counters(), o.counters()
	for i := range a {
		*a[i] -= *b[i]
	}
}

func (t Tally) zero() bool {
	for _, c := range t.counters() {
		if *c != 0 {
			return false
		}
	}
	return true
}

// Received is the number of dossiers received by every channel.
func (t Tally) Received() int64 { return t.ReceivedOnline + t.ReceivedCounter + t.ReceivedAPI }

// Finished is the number of dossiers whose result was released.
func (t Tally) Finished() int64 { return t.Early + t.OnTime + t.Late }

// Month is the month of t in Vietnam, as the figures name it: 2026-11.
func Month(t time.Time) string { return t.In(calendar.Vietnam).Format("2006-01") }

// Day is the day of t in Vietnam: 2026-11-30.
func Day(t time.Time) string { return t.In(calendar.Vietnam).Format("2006-01-02") }

// openKey is what an open dossier waits for: its state and, when the clock
// runs, the day of its appointment.
type openKey struct {
	State  string // waiting, paused or due
	DueDay string
}

// contribution is what one dossier adds to the figures of its agency: a
// tally per month and, while it is open, what it waits for.
type contribution struct {
	months map[string]Tally
	open   *openKey
}

// Contribution computes what a dossier with facts f adds to the figures.
// A finished dossier is early when its result was released before the day
// of its appointment, on time on that day, late after it (the rule of
// dossier.Timeliness); refusals and withdrawals are counted apart and not
// against the deadline.
func (f *Facts) contribution() contribution {
	c := contribution{months: map[string]Tally{}}
	if f == nil || f.Stage == StageNone || f.Agency == "" {
		return c
	}
	// Each event counts in its month and in its year: a year's figures
	// are then one row, not twelve, which at national scale is what keeps
	// the yearly ranking of procedures quick.
	add := func(at time.Time, fn func(*Tally)) {
		m := Month(at)
		for _, k := range []string{m, m[:4]} {
			t := c.months[k]
			fn(&t)
			c.months[k] = t
		}
	}
	if f.ReceivedAt != nil {
		add(*f.ReceivedAt, func(t *Tally) {
			switch f.Channel {
			case ChannelCounter:
				t.ReceivedCounter++
			case ChannelAPI:
				t.ReceivedAPI++
			default:
				t.ReceivedOnline++
			}
			if f.FeeOnline {
				t.FeeDossiers++
				if f.PaidAt != nil {
					t.PaidOnline++
				}
			}
		})
	}
	if f.FinishedAt != nil {
		switch f.Stage {
		case StageFinished:
			add(*f.FinishedAt, func(t *Tally) {
				switch timeliness(f.FinishedAt, f.DueAt) {
				case "early":
					t.Early++
				case "late":
					t.Late++
				default:
					t.OnTime++
				}
				if f.DigitalResult {
					t.DigitalResults++
				}
			})
		case StageRefused:
			add(*f.FinishedAt, func(t *Tally) { t.Refused++ })
		case StageWithdrawn:
			add(*f.FinishedAt, func(t *Tally) { t.Withdrawn++ })
		}
	}
	if f.Rating > 0 && f.RatedAt != nil {
		add(*f.RatedAt, func(t *Tally) {
			t.Ratings++
			t.RatingSum += int64(f.Rating)
			if f.Rating >= 4 {
				t.Satisfied++
			}
		})
	}
	if f.ApologyAt != nil {
		add(*f.ApologyAt, func(t *Tally) { t.Apologies++ })
	}
	switch f.Stage {
	case StageWaiting:
		c.open = &openKey{State: "waiting"}
	case StagePaused:
		c.open = &openKey{State: "paused"}
	case StageInProgress:
		if f.DueAt != nil {
			c.open = &openKey{State: "due", DueDay: Day(*f.DueAt)}
		} else {
			c.open = &openKey{State: "due", DueDay: "9999-12-31"}
		}
	}
	return c
}

// timeliness compares the day a result was released with the day of the
// appointment, in Vietnam.
func timeliness(finished, due *time.Time) string {
	if due == nil {
		return "on_time"
	}
	done, want := Day(*finished), Day(*due)
	switch {
	case done < want:
		return "early"
	case done == want:
		return "on_time"
	}
	return "late"
}
