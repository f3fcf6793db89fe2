package report_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

const (
	province = "000.00.00.H99"
	commune1 = "000.00.01.H99"
	commune2 = "000.00.02.H99"
	other    = "000.00.00.H98"
	ministry = "000.00.00.G99"
)

func at(day string) *time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" 09:30", calendar.Vietnam)
	if err != nil {
		panic(err)
	}
	t = t.UTC()
	return &t
}

// seed writes the agency tree, two fields and four procedures.
func seed(t *testing.T, db *store.DB) *catalog.Service {
	t.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	t.Cleanup(func() { cat.Close() })
	if _, err := cat.SaveAgencies(ctx, []egov.Agency{
		{Code: province, Name: "Ủy ban nhân dân Tỉnh Thử", Level: egov.LevelProvince},
		{Code: commune1, Name: "Ủy ban nhân dân Xã Một", Level: egov.LevelCommune, ParentCode: province},
		{Code: commune2, Name: "Ủy ban nhân dân Xã Hai", Level: egov.LevelCommune, ParentCode: province},
		{Code: other, Name: "Ủy ban nhân dân Tỉnh Khác", Level: egov.LevelProvince},
		{Code: ministry, Name: "Bộ Thử", Level: egov.LevelCentral},
	}, false); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO fields (code, name) VALUES ('F1', 'Hộ tịch'), ('F2', 'Đất đai')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct {
		code, field, online, levels string
		complete                    bool
	}{
		{"1.000001", "F1", "full", `["commune"]`, true},
		{"1.000002", "F2", "partial", `["commune", "district"]`, true},
		{"1.000003", "F2", "information", `["province"]`, false},
		{"2.000003", "F1", "full", `["central"]`, true},
	} {
		comps := `[]`
		if p.complete {
			comps = `[{"code": "TP1", "name": "Tờ khai"}]`
		}
		record := fmt.Sprintf(`{"code": %q, "levels": %s, "components": %s, "legal_basis": [{"number": "1/2026/NĐ-CP"}]}`, p.code, p.levels, comps)
		if _, err := db.ExecContext(ctx, `INSERT INTO procedures (code, name, field_code, online_level, processing_days, status, record, updated_at)
			VALUES ($1, $2, $3, $4, 5, 'active', $5, $6)`, p.code, "Thủ tục "+p.code, p.field, p.online, record, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}

// life is a dossier's facts at each of its changes, as the dossier package
// would record them.
type life []report.Facts

// dossiers are the known set: ten dossiers whose every indicator is
// computed by hand in TestIndicators.
func dossiers() []life {
	base := func(agency, field, proc, channel string) report.Facts {
		return report.Facts{Agency: agency, Field: field, Procedure: proc, Channel: channel}
	}
	// step returns f changed by fn.
	step := func(f report.Facts, fn func(*report.Facts)) report.Facts { fn(&f); return f }
	var out []life
	// D1: online, received 2/11, due 10/11, result 9/11 (early), electronic,
	// rated 5, fee paid online.
	d1 := base(commune1, "F1", "1.000001", report.ChannelOnline)
	d1.FeeOnline = true
	w := step(d1, func(f *report.Facts) { f.Stage = report.StageWaiting })
	r := step(w, func(f *report.Facts) {
		f.Stage, f.ReceivedAt, f.DueAt = report.StageInProgress, at("2026-11-02"), at("2026-11-10")
	})
	p := step(r, func(f *report.Facts) { f.PaidAt = at("2026-11-02") })
	done := step(p, func(f *report.Facts) {
		f.Stage, f.FinishedAt, f.DigitalResult = report.StageFinished, at("2026-11-09"), true
	})
	rated := step(done, func(f *report.Facts) { f.Rating, f.RatedAt = 5, at("2026-11-12") })
	out = append(out, life{w, r, p, done, rated})
	// D2: counter, received 3/11, due and result 10/11 (on time), rated 3.
	d2 := base(commune1, "F1", "1.000001", report.ChannelCounter)
	r = step(d2, func(f *report.Facts) {
		f.Stage, f.ReceivedAt, f.DueAt = report.StageInProgress, at("2026-11-03"), at("2026-11-10")
	})
	done = step(r, func(f *report.Facts) { f.Stage, f.FinishedAt = report.StageFinished, at("2026-11-10") })
	out = append(out, life{r, done, step(done, func(f *report.Facts) { f.Rating, f.RatedAt = 3, at("2026-11-11") })})
	// D3: partner API, received 4/11, due 6/11, apology 6/11, result 12/11
	// (late: the apology moved nothing here).
	d3 := base(commune2, "F2", "1.000002", report.ChannelAPI)
	r = step(d3, func(f *report.Facts) {
		f.Stage, f.ReceivedAt, f.DueAt = report.StageInProgress, at("2026-11-04"), at("2026-11-06")
	})
	ap := step(r, func(f *report.Facts) { f.ApologyAt = at("2026-11-06") })
	out = append(out, life{r, ap, step(ap, func(f *report.Facts) { f.Stage, f.FinishedAt = report.StageFinished, at("2026-11-12") })})
	// D4: online, received 5/11, due 30/11, still in progress, fee unpaid.
	d4 := base(commune2, "F2", "1.000002", report.ChannelOnline)
	d4.FeeOnline = true
	w = step(d4, func(f *report.Facts) { f.Stage = report.StageWaiting })
	out = append(out, life{w, step(w, func(f *report.Facts) {
		f.Stage, f.ReceivedAt, f.DueAt = report.StageInProgress, at("2026-11-05"), at("2026-11-30")
	})})
	// D5: online, received 1/11, due 15/11, still in progress: overdue on 20/11.
	d5 := base(commune1, "F1", "1.000001", report.ChannelOnline)
	out = append(out, life{step(d5, func(f *report.Facts) {
		f.Stage, f.ReceivedAt, f.DueAt = report.StageInProgress, at("2026-11-01"), at("2026-11-15")
	})})
	// D6: online, waiting for reception.
	out = append(out, life{step(base(commune1, "F1", "1.000001", report.ChannelOnline), func(f *report.Facts) { f.Stage = report.StageWaiting })})
	// D7: online, received 6/11, waiting for papers since 9/11.
	d7 := base(commune2, "F2", "1.000002", report.ChannelOnline)
	r = step(d7, func(f *report.Facts) {
		f.Stage, f.ReceivedAt, f.DueAt = report.StageInProgress, at("2026-11-06"), at("2026-11-13")
	})
	out = append(out, life{r, step(r, func(f *report.Facts) { f.Stage = report.StagePaused })})
	// D8: online, received 6/11, refused 7/11.
	d8 := base(commune1, "F1", "1.000001", report.ChannelOnline)
	r = step(d8, func(f *report.Facts) {
		f.Stage, f.ReceivedAt, f.DueAt = report.StageInProgress, at("2026-11-06"), at("2026-11-13")
	})
	out = append(out, life{r, step(r, func(f *report.Facts) { f.Stage, f.FinishedAt = report.StageRefused, at("2026-11-07") })})
	// D9: online, withdrawn 2/11 before reception.
	w = step(base(commune1, "F1", "1.000001", report.ChannelOnline), func(f *report.Facts) { f.Stage = report.StageWaiting })
	out = append(out, life{w, step(w, func(f *report.Facts) { f.Stage, f.FinishedAt = report.StageWithdrawn, at("2026-11-02") })})
	// D10: the ministry, online, received 15/10, due 25/10, result 20/10.
	d10 := base(ministry, "F1", "2.000003", report.ChannelOnline)
	r = step(d10, func(f *report.Facts) {
		f.Stage, f.ReceivedAt, f.DueAt = report.StageInProgress, at("2026-10-15"), at("2026-10-25")
	})
	out = append(out, life{r, step(r, func(f *report.Facts) { f.Stage, f.FinishedAt = report.StageFinished, at("2026-10-20") })})
	return out
}

// record plays every dossier's life through the Recorder, one
// transaction per change, as the dossier package does.
func record(t *testing.T, db *store.DB, lives []life) {
	t.Helper()
	rec := report.NewRecorder(db)
	ctx := context.Background()
	for _, l := range lives {
		var before *report.Facts
		for i := range l {
			after := &l[i]
			if err := db.Tx(ctx, func(tx *sql.Tx) error { return rec.Record(ctx, tx, before, after) }); err != nil {
				t.Fatal(err)
			}
			before = after
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestIndicators(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cat := seed(t, db)
		record(t, db, dossiers())
		now := *at("2026-11-20")
		svc := report.NewService(db, report.TreeOf(cat), func() time.Time { return now })
		nov, err := report.ParsePeriod("2026-11")
		if err != nil {
			t.Fatal(err)
		}
		figs, err := svc.Figures(ctx, []string{province, commune1, commune2, report.Country, report.LevelScope("commune"), other}, nov, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		p := figs[province]
		// Received online: D1, D4, D5, D7, D8; at the counter D2; by API D3.
		want := report.Figures{Tally: report.Tally{ReceivedOnline: 5, ReceivedCounter: 1, ReceivedAPI: 1, FeeDossiers: 2, PaidOnline: 1,
			Early: 1, OnTime: 1, Late: 1, Refused: 1, Withdrawn: 1, DigitalResults: 1, Ratings: 2, RatingSum: 8, Satisfied: 1, Apologies: 1},
			Waiting: 1, OpenOnTime: 1, Overdue: 1, Paused: 1}
		if p != want {
			t.Errorf("province figures\n got %+v\nwant %+v", p, want)
		}
		if p.Received() != 7 || p.Finished() != 3 {
			t.Errorf("received %d finished %d, want 7 and 3", p.Received(), p.Finished())
		}
		checks := []struct {
			name string
			fn   func() (float64, bool)
			want float64
		}{
			{"on-time rate (early + on time) / finished", p.OnTimeRate, 2.0 / 3},
			{"online share (online + API) / received", p.OnlineShare, 6.0 / 7},
			{"paid online / fee dossiers", p.PaidOnlineShare, 0.5},
			{"average rating", p.AverageRating, 4},
			{"satisfied share", p.SatisfiedShare, 0.5},
			{"electronic results / finished", p.DigitalShare, 1.0 / 3},
		}
		for _, c := range checks {
			if v, ok := c.fn(); !ok || !near(v, c.want) {
				t.Errorf("%s = %v (%v), want %v", c.name, v, ok, c.want)
			}
		}
		c1 := figs[commune1]
		if c1.ReceivedOnline != 3 || c1.ReceivedCounter != 1 || c1.Early != 1 || c1.OnTime != 1 || c1.Late != 0 ||
			c1.Refused != 1 || c1.Withdrawn != 1 || c1.Waiting != 1 || c1.Overdue != 1 || c1.OpenOnTime != 0 || c1.Ratings != 2 {
			t.Errorf("commune 1 figures: %+v", c1)
		}
		c2 := figs[commune2]
		if c2.Received() != 3 || c2.Late != 1 || c2.Apologies != 1 || c2.OpenOnTime != 1 || c2.Paused != 1 {
			t.Errorf("commune 2 figures: %+v", c2)
		}
		if c1.Tally.Received()+c2.Tally.Received() != p.Received() {
			t.Errorf("the communes do not add up to the province")
		}
		if figs[report.Country] != p || figs[report.LevelScope("commune")] != p {
			t.Errorf("country or commune level differs from the only province with dossiers in November:\n%+v\n%+v",
				figs[report.Country], figs[report.LevelScope("commune")])
		}
		if f, ok := figs[other]; ok && f != (report.Figures{}) {
			t.Errorf("the other province has figures: %+v", f)
		}

		// The fourth quarter adds the ministry's October dossier to the
		// country, not to the province.
		q4, _ := report.ParsePeriod("2026-Q4")
		qf, err := svc.Figures(ctx, []string{province, report.Country, ministry, report.LevelScope("central")}, q4, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if qf[report.Country].Received() != 8 || qf[report.Country].Early != 2 || qf[province].Received() != 7 {
			t.Errorf("Q4: country %+v province %+v", qf[report.Country], qf[province])
		}
		if qf[ministry].Early != 1 || qf[report.LevelScope("central")].Early != 1 {
			t.Errorf("Q4 ministry %+v", qf[ministry])
		}

		// The year has rows of its own: they agree with its months.
		y, _ := report.ParsePeriod("2026")
		yf, err := svc.Figures(ctx, []string{province, report.Country}, y, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if yf[province] != p || yf[report.Country].Received() != 8 || yf[report.Country].Early != 2 {
			t.Errorf("2026: province %+v country %+v", yf[province], yf[report.Country])
		}
		byYear, err := svc.Breakdown(ctx, report.Country, y, "procedure", 10)
		if err != nil || len(byYear) != 3 || byYear[0].Key != "1.000001" || byYear[0].Figures.Received() != 4 {
			t.Errorf("procedures in 2026: %+v %v", byYear, err)
		}

		// By field and procedure.
		byField, err := svc.Breakdown(ctx, province, nov, "field", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(byField) != 2 || byField[0].Key != "F1" || byField[0].Name != "Hộ tịch" || byField[0].Figures.Received() != 4 ||
			byField[1].Key != "F2" || byField[1].Figures.Received() != 3 {
			t.Errorf("by field: %+v", byField)
		}
		fil, err := svc.Figures(ctx, []string{province}, nov, report.Filter{Field: "F2"})
		if err != nil {
			t.Fatal(err)
		}
		if f := fil[province]; f.Received() != 3 || f.Late != 1 || f.OpenOnTime != 1 || f.Paused != 1 || f.Waiting != 0 {
			t.Errorf("field F2: %+v", f)
		}
		byProc, err := svc.Breakdown(ctx, report.Country, q4, "procedure", 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range byProc {
			got = append(got, fmt.Sprintf("%s:%d", r.Key, r.Figures.Received()))
		}
		if strings.Join(got, " ") != "1.000001:4 1.000002:3 2.000003:1" {
			t.Errorf("by procedure: %v", got)
		}
		trend, err := svc.Trend(ctx, report.Country, q4)
		if err != nil {
			t.Fatal(err)
		}
		if len(trend) != 3 || trend[0].Figures.Received() != 1 || trend[1].Figures.Received() != 7 || trend[2].Figures.Received() != 0 {
			t.Errorf("trend: %+v", trend)
		}

		// The catalog's offer: the province offers its own, district and
		// commune procedures: 1.000001 full, 1.000002 partial, 1.000003
		// information with an incomplete record.
		o, err := svc.Offer(ctx, province, egov.LevelProvince)
		if err != nil {
			t.Fatal(err)
		}
		if o != (report.Offer{Active: 3, Full: 1, Partial: 1, Complete: 2}) {
			t.Errorf("offer: %+v", o)
		}

		// The index: every group known; publicity 18 × 2/3, progress 20 ×
		// 2/3, online 12 × (1/3 + 6/7)/2, payment 10 × 1/2, satisfaction
		// 18 × 1/2, digitization 22 × 1/3.
		sc := svc.Index().Score(p, o)
		total := 18*2.0/3 + 20*2.0/3 + 12*(1.0/3+6.0/7)/2 + 10*0.5 + 18*0.5 + 22*1.0/3
		if math.Abs(sc.Total-math.Round(total*100)/100) > 0.011 {
			t.Errorf("index %v, want %.2f: %+v", sc.Total, total, sc.Groups)
		}
		// A scope without ratings or fees leaves those groups out and
		// rescales to 100.
		c2o, _ := svc.Offer(ctx, commune2, egov.LevelCommune)
		s2 := svc.Index().Score(c2, c2o)
		for _, g := range s2.Groups {
			if (g.Code == "satisfaction" || g.Code == "digitization" && c2.Finished() == 0) && g.Known {
				t.Errorf("group %s known without figures: %+v", g.Code, g)
			}
		}

		// The dashboard and the ranking.
		dash, err := svc.Dashboard(ctx, province, nov)
		if err != nil {
			t.Fatal(err)
		}
		if dash.Figures != p || len(dash.Children) != 2 || len(dash.Months) != 1 || dash.Score.Total != sc.Total {
			t.Errorf("dashboard: %+v", dash)
		}
		rk, err := svc.Ranking(ctx, "province", nov)
		if err != nil {
			t.Fatal(err)
		}
		// The other province has no dossier: listed last, not ranked.
		if len(rk) != 2 || rk[0].Key != province || rk[0].Rank != 1 || rk[1].Key != other || rk[1].Rank != 0 {
			t.Errorf("ranking: %+v", rk)
		}
		country, err := svc.Dashboard(ctx, report.Country, q4)
		if err != nil {
			t.Fatal(err)
		}
		var kids []string
		for _, c := range country.Children {
			kids = append(kids, c.Key)
		}
		slices.Sort(kids)
		if strings.Join(kids, ",") != strings.Join([]string{ministry, other, province}, ",") {
			t.Errorf("country's children: %v", kids)
		}

		// Rebuilding from the dossiers as they stand gives the same rows.
		before := dump(t, db)
		st, err := report.Rebuild(ctx, db, func(ctx context.Context, fn func(*report.Facts) error) error {
			for _, l := range dossiers() {
				if err := fn(&l[len(l)-1]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if st.Dossiers != 10 {
			t.Errorf("rebuild read %d dossiers", st.Dossiers)
		}
		if after := dump(t, db); after != before {
			t.Errorf("rebuild differs from the figures kept up to date:\nkept:\n%s\nrebuilt:\n%s", before, after)
		}
	})
}

// dump lists the figures' rows that are not zero, in order.
func dump(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	rows, err := db.Query(`SELECT agency_code, month, field_code, procedure_code, received_online, received_counter, received_api,
		fee_dossiers, paid_online, finished_early, finished_on_time, finished_late, refused, withdrawn, digital_results,
		ratings, rating_sum, satisfied, apologies FROM report_figures ORDER BY 1, 2, 3, 4`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k [4]string
		var n [15]int64
		dest := []any{&k[0], &k[1], &k[2], &k[3]}
		for i := range n {
			dest = append(dest, &n[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		if n != [15]int64{} {
			fmt.Fprintln(&b, k, n)
		}
	}
	orows, err := db.Query(`SELECT agency_code, field_code, state, due_day, n FROM report_open WHERE n <> 0 ORDER BY 1, 2, 3, 4`)
	if err != nil {
		t.Fatal(err)
	}
	defer orows.Close()
	for orows.Next() {
		var a, f, s, d string
		var n int64
		if err := orows.Scan(&a, &f, &s, &d, &n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, a, f, s, d, n)
	}
	return b.String()
}

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct{ in, kind, from, to, label string }{
		{"2026", "year", "2026-01", "2026-12", "Năm 2026"},
		{"2026-Q4", "quarter", "2026-10", "2026-12", "Quý IV/2026"},
		{"2026-q1", "quarter", "2026-01", "2026-03", "Quý I/2026"},
		{"2026-03", "month", "2026-03", "2026-03", "Tháng 3/2026"},
	} {
		p, err := report.ParsePeriod(c.in)
		if err != nil || p.Kind != c.kind || p.From != c.from || p.To != c.to || p.Label() != c.label {
			t.Errorf("%s: %+v %q %v", c.in, p, p.Label(), err)
		}
	}
	for _, bad := range []string{"", "26", "2026-13", "2026-Q5", "abcd", "2026-11-01", "1999"} {
		if _, err := report.ParsePeriod(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	p, _ := report.ParsePeriod("2026-Q1")
	if p.Previous().Key != "2025-Q4" {
		t.Errorf("previous of 2026-Q1: %s", p.Previous().Key)
	}
	// The first period accepted still has a period before it, with a name.
	for _, key := range []string{"2000", "2000-Q1", "2000-01"} {
		p, err := report.ParsePeriod(key)
		if err != nil || p.Previous().Key == "" || p.Previous().Label() == "" {
			t.Errorf("%s: previous %+v %v", key, p.Previous(), err)
		}
	}
	if (report.Period{}).Label() != "" || (report.Period{Kind: "quarter", Key: "x"}).Label() != "x" {
		t.Error("a malformed period has a label")
	}
}

func TestShippedIndex(t *testing.T) {
	ix := report.DefaultIndex()
	var sum float64
	for _, g := range ix.Groups {
		sum += g.Points
	}
	if sum != 100 || len(ix.Groups) != 6 {
		t.Errorf("the shipped index has %d groups worth %v points, want 6 worth 100", len(ix.Groups), sum)
	}
	if _, err := report.ParseIndex([]byte(`{"groups":[{"code":"x","points":5,"parts":[{"indicator":"nope","weight":1}]}]}`)); err == nil {
		t.Error("an unknown indicator was accepted")
	}
}
