package dossier

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// Statistics counts the dossiers of an agency (and the agencies below it),
// or of every agency: what the public may know, no personal data. At a
// national instance the dossiers the connected systems pushed count as
// its own (Config.Federated).
type Statistics struct {
	Agency string `json:"agency,omitempty"`
	Total  int    `json:"total"`
	// ByStatus counts by egov's status, ByNational by the national
	// portal's code (TrangThai 1–10).
	ByStatus   map[Status]int `json:"by_status"`
	ByNational map[string]int `json:"by_national_status"`
	// Finished dossiers were early, on time or late; open ones past their
	// appointment are overdue. A refusal or withdrawal does not count.
	Finished int `json:"finished"`
	Early    int `json:"early"`
	OnTime   int `json:"on_time"`
	Late     int `json:"late"`
	Overdue  int `json:"overdue"`
	// OnTimeRate is (early + on time) / finished; 0 when nothing finished.
	OnTimeRate float64 `json:"on_time_rate"`
	// Federated counts those pushed by connected systems.
	Federated int `json:"federated"`
}

// subtree is agency and the agencies below it; nil for every agency.
func subtree(ctx context.Context, q querier, agency string) (map[string]bool, error) {
	if agency == "" {
		return nil, nil
	}
	out := map[string]bool{agency: true}
	frontier := []string{agency}
	for depth := 0; len(frontier) > 0 && depth < 8; depth++ {
		var next []string
		for _, code := range frontier {
			rows, err := q.QueryContext(ctx, `SELECT code FROM agencies WHERE parent_code = $1`, code)
			if err != nil {
				return nil, fmt.Errorf("agencies below %s: %w", agency, err)
			}
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					rows.Close()
					return nil, fmt.Errorf("agencies below %s: %w", agency, err)
				}
				if !out[c] {
					out[c] = true
					next = append(next, c)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("agencies below %s: %w", agency, err)
			}
		}
		frontier = next
	}
	return out, nil
}

// Statistics counts the submitted dossiers of agency and the agencies below
// it; "" counts every agency's.
func (s *Service) Statistics(ctx context.Context, agency string) (Statistics, error) {
	st := Statistics{Agency: agency, ByStatus: map[Status]int{}, ByNational: map[string]int{}}
	agencies, err := subtree(ctx, s.db, agency)
	if err != nil {
		return st, err
	}
	now := s.now()
	count := func(d *Dossier, national int) {
		st.Total++
		st.ByStatus[d.Status]++
		st.ByNational[strconv.Itoa(national)]++
		switch Timeliness(d, now) {
		case "early":
			st.Early++
		case "on_time":
			if d.FinishedAt != nil {
				st.OnTime++
			}
		case "late":
			st.Late++
		case "overdue":
			st.Overdue++
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT agency_code, status, due_at, paused_at, finished_at FROM dossiers WHERE code IS NOT NULL`)
	if err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Dossier
		var due, paused, finished nullTime
		var code sql.NullString
		if err := rows.Scan(&code, &d.Status, &due, &paused, &finished); err != nil {
			return st, fmt.Errorf("statistics: %w", err)
		}
		if agencies != nil && !agencies[code.String] {
			continue
		}
		d.DueAt, d.PausedAt, d.FinishedAt = due.ptr(), paused.ptr(), finished.ptr()
		count(&d, d.Status.National())
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("statistics: %w", err)
	}
	if s.cfg.Federated != nil {
		err := s.cfg.Federated.Each(ctx, func(d *Dossier, national int) {
			if agencies != nil && !agencies[d.AgencyCode] {
				return
			}
			st.Federated++
			count(d, national)
		})
		if err != nil {
			return st, err
		}
	}
	st.Finished = st.Early + st.OnTime + st.Late
	if st.Finished > 0 {
		st.OnTimeRate = float64(st.Early+st.OnTime) / float64(st.Finished)
	}
	return st, nil
}
