package web

import (
	"fmt"
	"html/template"
	"strings"
)

// Charts are drawn on the server as SVG: they need no script, scale to a
// phone's width, and every chart has its numbers in a table beside it
// (the chart is marked as an image with a title; the table is what screen
// readers and the CSV download use).

// series is one set of bars of a chart.
type series struct {
	Name   string
	Class  string // chart-a, chart-b, chart-c: the colours in the style sheet
	Values []float64
}

const (
	chartWidth  = 640
	chartHeight = 260
	chartLeft   = 48
	chartBottom = 40
	chartTop    = 16
)

// columnChart draws grouped columns: one group per label, one column per
// series.
func columnChart(title string, labels []string, ss []series) template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" preserveAspectRatio="xMidYMid meet">`, chartWidth, chartHeight, esc(title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(title))
	top := 0.0
	for _, s := range ss {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	top = niceCeiling(top)
	plotW := float64(chartWidth - chartLeft - 8)
	plotH := float64(chartHeight - chartTop - chartBottom)
	// Grid lines and their values.
	for i := 0; i <= 4; i++ {
		y := float64(chartTop) + plotH*float64(4-i)/4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, chartLeft, y, chartWidth-8, y)
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`, chartLeft-6, y+4, esc(shortNumber(top*float64(i)/4)))
	}
	if len(labels) > 0 && len(ss) > 0 {
		group := plotW / float64(len(labels))
		bar := group * 0.8 / float64(len(ss))
		every := (len(labels) + 11) / 12 // at most twelve labels under the axis
		for i, l := range labels {
			x0 := float64(chartLeft) + group*float64(i) + group*0.1
			for j, s := range ss {
				v := 0.0
				if i < len(s.Values) {
					v = s.Values[i]
				}
				h := 0.0
				if top > 0 {
					h = plotH * v / top
				}
				fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s, %s: %s</title></rect>`,
					esc(s.Class), x0+bar*float64(j), float64(chartTop)+plotH-h, max(bar-1, 1), h, esc(l), esc(s.Name), esc(shortNumber(v)))
			}
			if i%every == 0 {
				fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x0+group*0.4, chartHeight-chartBottom+16, esc(l))
			}
		}
	}
	// The legend.
	x := chartLeft
	for _, s := range ss {
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%d" width="12" height="12"/><text class="legend" x="%d" y="%d">%s</text>`,
			esc(s.Class), x, chartHeight-16, x+16, chartHeight-6, esc(s.Name))
		x += 24 + 8*len([]rune(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws one horizontal bar per label, longest first as given.
func barChart(title string, labels []string, values []float64, unit string) template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	row := 26
	height := chartTop + row*len(labels) + 8
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" preserveAspectRatio="xMidYMid meet">`, chartWidth, height, esc(title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(title))
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	labelW := 220.0
	plotW := float64(chartWidth) - labelW - 70
	for i, l := range labels {
		y := chartTop + row*i
		name := []rune(l)
		if len(name) > 30 {
			name = append(name[:29], '…')
		}
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="end">%s</text>`, labelW-6, y+16, esc(string(name)))
		w := 0.0
		if top > 0 {
			w = plotW * values[i] / top
		}
		fmt.Fprintf(&b, `<rect class="chart-a" x="%.1f" y="%d" width="%.1f" height="%d"><title>%s: %s%s</title></rect>`,
			labelW, y+4, w, row-8, esc(l), esc(shortNumber(values[i])), esc(unit))
		fmt.Fprintf(&b, `<text class="legend" x="%.1f" y="%d">%s%s</text>`, labelW+w+6, y+16, esc(shortNumber(values[i])), esc(unit))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeiling rounds v up to 1, 2 or 5 times a power of ten, so that the
// grid lines fall on round numbers.
func niceCeiling(v float64) float64 {
	if v <= 0 {
		return 4
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []float64{1, 2, 4, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// shortNumber writes v for an axis: 1.250, 12,5 nghìn, 3,4 triệu.
func shortNumber(v float64) string {
	switch {
	case v >= 1e6:
		return strings.Replace(fmt.Sprintf("%.1f tr", v/1e6), ".", ",", 1)
	case v >= 1e4:
		return strings.Replace(fmt.Sprintf("%.1f n", v/1e3), ".", ",", 1)
	case v == float64(int64(v)):
		return formatCount(int64(v))
	}
	return strings.Replace(fmt.Sprintf("%.2f", v), ".", ",", 1)
}

// formatCount writes a count the Vietnamese way: 1.250.000.
func formatCount(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
