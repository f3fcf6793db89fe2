// Package demo holds the demonstration data set: real ministries, provinces
// in both the two-level (since 2025) and the old four-level shape, and real
// administrative procedures, so that a fresh installation shows a working
// portal. Loading it twice adds nothing twice.
package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
)

//go:embed fields.json life_events.json agencies.json procedures_*.json
var files embed.FS

func decode(name string, v any) error {
	data, err := files.ReadFile(name)
	if err != nil {
		return fmt.Errorf("demo data %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("demo data %s: %w", name, err)
	}
	return nil
}

// Agencies returns the demo agencies, parents first.
func Agencies() ([]egov.Agency, error) {
	var out []egov.Agency
	return out, decode("agencies.json", &out)
}

// ProcedureFiles lists the embedded procedure files.
func ProcedureFiles() []string {
	names, _ := fs.Glob(files, "procedures_*.json") // a constant, valid pattern
	sort.Strings(names)
	return names
}

// Records returns the demo procedures as import records.
func Records() ([]catalog.Record, error) {
	var all []catalog.Record
	for _, name := range ProcedureFiles() {
		data, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("demo data %s: %w", name, err)
		}
		recs, err := catalog.DecodeJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("demo data %s: %w", name, err)
		}
		all = append(all, recs...)
	}
	return all, nil
}

// Summary counts what Load wrote.
type Summary struct {
	Agencies   int
	Procedures int
}

// Load stores the demo data set, keeping whatever is already stored.
func Load(ctx context.Context, cat *catalog.Service) (Summary, error) {
	var sum Summary
	var fields []egov.Field
	var events []egov.LifeEvent
	if err := decode("fields.json", &fields); err != nil {
		return sum, err
	}
	if err := decode("life_events.json", &events); err != nil {
		return sum, err
	}
	if err := cat.SaveReference(ctx, fields, events); err != nil {
		return sum, fmt.Errorf("load demo reference data: %w", err)
	}
	agencies, err := Agencies()
	if err != nil {
		return sum, err
	}
	if sum.Agencies, err = cat.SaveAgencies(ctx, agencies, true); err != nil {
		return sum, fmt.Errorf("load demo agencies: %w", err)
	}
	recs, err := Records()
	if err != nil {
		return sum, err
	}
	res, err := cat.Import(ctx, recs, catalog.ImportOptions{KeepExisting: true})
	if err != nil {
		return sum, fmt.Errorf("load demo procedures: %w", err)
	}
	sum.Procedures = res.Added
	return sum, nil
}
