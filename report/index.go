package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// Index is the index of service to citizens and businesses (Decision
// 766/QĐ-TTg): groups of indicators, each worth some points. The weights
// are data (index.json), not code, because the regulation changes them.
type Index struct {
	Name   string       `json:"name"`
	Source string       `json:"source"`
	Groups []IndexGroup `json:"groups"`
}

// IndexGroup is one group of the index and the indicators that make it.
type IndexGroup struct {
	Code   string      `json:"code"`
	Name   string      `json:"name"`
	Points float64     `json:"points"`
	Parts  []IndexPart `json:"parts"`
}

// IndexPart is an indicator of a group and its weight within the group.
type IndexPart struct {
	Indicator string  `json:"indicator"`
	Weight    float64 `json:"weight"`
}

//go:embed index.json
var indexJSON []byte

// DefaultIndex is the index shipped with the program.
func DefaultIndex() Index {
	ix, err := ParseIndex(indexJSON)
	if err != nil {
		panic("report: the shipped index.json is invalid: " + err.Error())
	}
	return ix
}

// ParseIndex reads an index and checks that every indicator is known.
func ParseIndex(b []byte) (Index, error) {
	var ix Index
	if err := json.Unmarshal(b, &ix); err != nil {
		return ix, fmt.Errorf("index: %w", err)
	}
	if len(ix.Groups) == 0 {
		return ix, fmt.Errorf("index: no groups")
	}
	for _, g := range ix.Groups {
		if g.Points <= 0 || len(g.Parts) == 0 {
			return ix, fmt.Errorf("index group %q: needs points and indicators", g.Code)
		}
		for _, p := range g.Parts {
			if _, ok := Indicators[p.Indicator]; !ok || p.Weight <= 0 {
				return ix, fmt.Errorf("index group %q: unknown indicator %q or weight %v", g.Code, p.Indicator, p.Weight)
			}
		}
	}
	return ix, nil
}

// Indicator is a share between 0 and 1 computed from a scope's figures and
// the catalog's offer.
type Indicator struct {
	Name  string
	Value func(Figures, Offer) (float64, bool)
}

// Indicators are the shares the index may use, by code.
var Indicators = map[string]Indicator{
	"complete_records":    {"Thủ tục công khai đầy đủ", func(_ Figures, o Offer) (float64, bool) { return o.CompleteShare() }},
	"on_time_rate":        {"Hồ sơ giải quyết đúng hạn", func(f Figures, _ Offer) (float64, bool) { return f.OnTimeRate() }},
	"full_online_offered": {"Thủ tục cung cấp trực tuyến toàn trình", func(_ Figures, o Offer) (float64, bool) { return o.FullShare() }},
	"online_share":        {"Hồ sơ nộp trực tuyến", func(f Figures, _ Offer) (float64, bool) { return f.OnlineShare() }},
	"paid_online_share":   {"Hồ sơ thanh toán trực tuyến", func(f Figures, _ Offer) (float64, bool) { return f.PaidOnlineShare() }},
	"satisfied_share":     {"Đánh giá hài lòng", func(f Figures, _ Offer) (float64, bool) { return f.SatisfiedShare() }},
	"digital_results":     {"Kết quả giải quyết điện tử", func(f Figures, _ Offer) (float64, bool) { return f.DigitalShare() }},
}

// Score is a scope's index: the points of each group and the total on 100.
type Score struct {
	Total  float64      `json:"total"`
	Groups []GroupScore `json:"groups"`
}

// GroupScore is one group's points. Known is false when the scope has no
// figures for any of the group's indicators (no fee to pay, no rating):
// such a group is left out of the total, which is rescaled to 100 over the
// groups known, rather than counted as zero.
type GroupScore struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	Max    float64 `json:"max"`
	Points float64 `json:"points"`
	Known  bool    `json:"known"`
}

// Score computes the index of a scope.
func (ix Index) Score(f Figures, o Offer) Score {
	var s Score
	var got, max float64
	for _, g := range ix.Groups {
		gs := GroupScore{Code: g.Code, Name: g.Name, Max: g.Points}
		var sum, weight float64
		for _, p := range g.Parts {
			if v, ok := Indicators[p.Indicator].Value(f, o); ok {
				sum += v * p.Weight
				weight += p.Weight
			}
		}
		if weight > 0 {
			gs.Known = true
			gs.Points = round2(g.Points * sum / weight)
			got += g.Points * sum / weight
			max += g.Points
		}
		s.Groups = append(s.Groups, gs)
	}
	if max > 0 {
		s.Total = round2(100 * got / max)
	}
	return s
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
