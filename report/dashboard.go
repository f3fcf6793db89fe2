package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/egov-vn/egov"
)

// Scope is what a dashboard is about: the country, a level of government
// across it, or an agency with everything under it.
type Scope struct {
	Code   string     `json:"code"` // VN, VN:commune or an agency code
	Name   string     `json:"name"`
	Level  egov.Level `json:"level,omitempty"`
	Parent string     `json:"parent,omitempty"`
}

// Dashboard is a scope's figures over a period, with what leaders compare
// them with.
type Dashboard struct {
	Scope    Scope   `json:"scope"`
	Period   Period  `json:"period"`
	Figures  Figures `json:"figures"`
	Previous Figures `json:"previous"` // the period before, for the trend
	Offer    Offer   `json:"offer"`
	Score    Score   `json:"score"`
	Months   []Row   `json:"months"`
	Children []Row   `json:"children"` // the agencies directly under the scope, best score first
	Fields   []Row   `json:"fields"`
	Top      []Row   `json:"procedures"` // the procedures with most dossiers
}

// ErrNoScope is returned for a scope that is neither the country, a level
// nor an agency.
var ErrNoScope = errors.New("report: unknown scope")

// ScopeOf describes code.
func (s *Service) ScopeOf(ctx context.Context, code string) (Scope, error) {
	if code == "" || code == Country {
		return Scope{Code: Country, Name: "Cả nước"}, nil
	}
	for _, l := range egov.Levels {
		if code == LevelScope(string(l)) {
			return Scope{Code: code, Name: LevelName(l), Level: l, Parent: Country}, nil
		}
	}
	a, err := s.agencies.Agency(ctx, code)
	if errors.Is(err, egov.ErrNotFound) {
		return Scope{}, fmt.Errorf("scope %q: %w", code, ErrNoScope)
	}
	if err != nil {
		return Scope{}, err
	}
	parent := a.ParentCode
	if parent == "" {
		parent = Country
	}
	return Scope{Code: a.Code, Name: a.Name, Level: a.Level, Parent: parent}, nil
}

// LevelName names a level of government across the country.
func LevelName(l egov.Level) string {
	switch l {
	case egov.LevelCentral:
		return "Cấp bộ, ngành"
	case egov.LevelProvince:
		return "Cấp tỉnh"
	case egov.LevelDistrict:
		return "Cấp huyện"
	}
	return "Cấp xã"
}

// children are the scopes directly under scope: the ministries and the
// provinces under the country, the agencies under an agency.
func (s *Service) children(ctx context.Context, scope Scope) ([]Scope, error) {
	parent := scope.Code
	switch {
	case scope.Code == Country:
		parent = ""
	case strings.HasPrefix(scope.Code, Country+":"):
		return nil, nil // a level across the country: its agencies are too many to list
	}
	as, err := s.agencies.Children(ctx, parent)
	if err != nil {
		return nil, err
	}
	out := make([]Scope, 0, len(as))
	for _, a := range as {
		out = append(out, Scope{Code: a.Code, Name: a.Name, Level: a.Level, Parent: scope.Code})
	}
	return out, nil
}

// Dashboard returns the figures of scope over p.
func (s *Service) Dashboard(ctx context.Context, code string, p Period) (Dashboard, error) {
	sc, err := s.ScopeOf(ctx, code)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Scope: sc, Period: p}
	kids, err := s.children(ctx, sc)
	if err != nil {
		return Dashboard{}, err
	}
	codes := []string{sc.Code}
	for _, k := range kids {
		codes = append(codes, k.Code)
	}
	figs, err := s.Figures(ctx, codes, p, Filter{})
	if err != nil {
		return Dashboard{}, err
	}
	prev, err := s.Figures(ctx, []string{sc.Code}, p.Previous(), Filter{})
	if err != nil {
		return Dashboard{}, err
	}
	d.Figures, d.Previous = figs[sc.Code], prev[sc.Code]
	if d.Offer, err = s.Offer(ctx, sc.Code, sc.Level); err != nil {
		return Dashboard{}, err
	}
	d.Score = s.index.Score(d.Figures, d.Offer)
	for _, k := range kids {
		o, err := s.Offer(ctx, k.Code, k.Level)
		if err != nil {
			return Dashboard{}, err
		}
		d.Children = append(d.Children, Row{Key: k.Code, Name: k.Name, Figures: figs[k.Code], Score: s.index.Score(figs[k.Code], o)})
	}
	rank(d.Children)
	if d.Months, err = s.Trend(ctx, sc.Code, p); err != nil {
		return Dashboard{}, err
	}
	if d.Fields, err = s.Breakdown(ctx, sc.Code, p, "field", 50); err != nil {
		return Dashboard{}, err
	}
	if d.Top, err = s.Breakdown(ctx, sc.Code, p, "procedure", 20); err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

// rank orders rows by score, then by dossiers received, and numbers them;
// equal scores share a rank. A unit with no dossier in the period is not
// ranked (rank 0, last): its index would rest on the catalog's offer
// alone, which is the same for every unit of a level, and would put it
// ahead of units that work.
func rank(rows []Row) {
	idle := func(r Row) bool {
		return r.Figures.Received() == 0 && r.Figures.Finished() == 0 && r.Figures.Open() == 0
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		if ia, ib := idle(a), idle(b); ia != ib {
			if ia {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Score.Total, a.Score.Total), cmp.Compare(b.Figures.Received(), a.Figures.Received()),
			cmp.Compare(a.Key, b.Key))
	})
	for i := range rows {
		switch {
		case idle(rows[i]):
			rows[i].Rank = 0
		case i > 0 && rows[i].Score.Total == rows[i-1].Score.Total && rows[i-1].Rank > 0:
			rows[i].Rank = rows[i-1].Rank
		default:
			rows[i].Rank = i + 1
		}
	}
}

// Ranking ranks the ministries and central agencies (kind "ministry") or
// the provinces (kind "province") by their index over p, as the national
// portal publishes it.
func (s *Service) Ranking(ctx context.Context, kind string, p Period) ([]Row, error) {
	level := egov.LevelProvince
	if kind == "ministry" {
		level = egov.LevelCentral
	}
	tops, err := s.agencies.Children(ctx, "")
	if err != nil {
		return nil, err
	}
	var codes []string
	var scopes []Scope
	for _, a := range tops {
		if a.Level == level {
			codes = append(codes, a.Code)
			scopes = append(scopes, Scope{Code: a.Code, Name: a.Name, Level: a.Level})
		}
	}
	figs, err := s.Figures(ctx, codes, p, Filter{})
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(scopes))
	for _, sc := range scopes {
		o, err := s.Offer(ctx, sc.Code, sc.Level)
		if err != nil {
			return nil, err
		}
		rows = append(rows, Row{Key: sc.Code, Name: sc.Name, Figures: figs[sc.Code], Score: s.index.Score(figs[sc.Code], o)})
	}
	rank(rows)
	return rows, nil
}
