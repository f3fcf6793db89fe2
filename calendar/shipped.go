package calendar

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// holidaysJSON is the shipped table: the days that break the weekday rule
// for civil servants, from the Labour Code and the yearly notices. README.md
// says where each year comes from.
//
//go:embed holidays.json
var holidaysJSON []byte

var shipped = sync.OnceValues(func() ([]Day, error) {
	return parseTable(holidaysJSON)
})

// parseTable reads a table and checks every entry, so that a mistake in the
// shipped file fails its test rather than skewing deadlines.
func parseTable(b []byte) ([]Day, error) {
	var days []Day
	if err := json.Unmarshal(b, &days); err != nil {
		return nil, fmt.Errorf("calendar: read holidays.json: %w", err)
	}
	for i, d := range days {
		if d.Kind == Normal {
			return nil, fmt.Errorf("calendar: holidays.json entry %d (%s): kind normal is for amendments only", i, d.Date.Format(DateLayout))
		}
		if fe := d.Validate(); fe != nil {
			return nil, fmt.Errorf("calendar: holidays.json entry %d (%s): %w", i, d.Date.Format(DateLayout), fe)
		}
	}
	return days, nil
}

// Shipped returns a copy of the table shipped with the program: for each
// year it covers, the weekdays off of civil servants (public holidays, the
// days in lieu of those on a weekend, the weekdays swapped for a Saturday)
// and the weekend days they work, each with its name and the text it comes
// from. It covers 2024 to 2027; 2027 is partly derived from the Labour Code
// because it was not announced when the table was written (see README.md).
func Shipped() []Day {
	days, err := shipped()
	if err != nil {
		// The file is part of the program and its test reads it: this
		// is a build that was never tested.
		panic(err)
	}
	return slices.Clone(days)
}

// Default returns the calendar of the shipped table, without
// administrators' amendments; Service.Calendar adds them.
func Default() *Calendar {
	return defaultCalendar()
}

var defaultCalendar = sync.OnceValue(func() *Calendar { return New(Shipped()) })
