package gen

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/dossier"
)

// dossierRow is a row of table dossiers; zero times and ids are NULL.
type dossierRow struct {
	id                                                   int64
	code, procCode, procName, fieldCode, agency, channel string
	applicantID                                          int64
	applicantName, idNumber, email, phone, address       string
	status, step, stepRole                               string
	assignee                                             int64
	formData                                             string
	version                                              int64
	created, updated                                     time.Time
	submitted, received, due, firstDue, paused           time.Time
	finished, returned, stepStarted, stepDue, stepWarned time.Time
	apology                                              time.Time
	searchText                                           string
	rating                                               int64
	ratingComment                                        string
	rated                                                time.Time
	feeTotal                                             int64
	feeBill                                              string
	paid                                                 time.Time
}

var dossierColumns = []string{"id", "code", "procedure_code", "procedure_name", "field_code", "agency_code", "channel",
	"applicant_id", "applicant_kind", "applicant_name", "applicant_id_number", "applicant_email", "applicant_phone",
	"applicant_address", "status", "step", "step_role", "assignee_id", "form_data", "version", "created_at", "updated_at",
	"submitted_at", "received_at", "due_at", "first_due_at", "paused_at", "finished_at", "returned_at", "handler_agency",
	"step_started_at", "step_due_at", "step_warned_at", "apology_at", "search_text", "rating", "rating_comment", "rated_at",
	"fee_total", "fee_bill", "paid_at"}

func (d *dossierRow) values(v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5], v[6] = d.id, d.code, d.procCode, d.procName, d.fieldCode, d.agency, d.channel
	v[7], v[8], v[9], v[10], v[11], v[12] = nullInt(d.applicantID), "citizen", d.applicantName, d.idNumber, d.email, d.phone
	v[13], v[14], v[15], v[16], v[17], v[18] = d.address, d.status, d.step, d.stepRole, nullInt(d.assignee), d.formData
	v[19], v[20], v[21], v[22], v[23], v[24] = d.version, d.created, d.updated, nullTime(d.submitted), nullTime(d.received), nullTime(d.due)
	v[25], v[26], v[27], v[28], v[29] = nullTime(d.firstDue), nullTime(d.paused), nullTime(d.finished), nullTime(d.returned), d.agency
	v[30], v[31], v[32], v[33], v[34] = nullTime(d.stepStarted), nullTime(d.stepDue), nullTime(d.stepWarned), nullTime(d.apology), d.searchText
	v[35], v[36], v[37], v[38], v[39], v[40] = nullInt(d.rating), d.ratingComment, nullTime(d.rated), d.feeTotal, d.feeBill, nullTime(d.paid)
}

// historyRow is a row of table dossier_history.
type historyRow struct {
	id, dossierID                                         int64
	at                                                    time.Time
	actorID                                               int64
	actorName, actorRole, action, from, to, step, comment string
	details                                               string
}

var historyColumns = []string{"id", "dossier_id", "at", "actor_id", "actor_name", "actor_role", "action",
	"from_status", "to_status", "step", "comment", "details"}

func (h *historyRow) values(v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5] = h.id, h.dossierID, h.at, nullInt(h.actorID), h.actorName, h.actorRole
	v[6], v[7], v[8], v[9], v[10], v[11] = h.action, h.from, h.to, h.step, h.comment, h.details
}

// dayBatch is the output of one day: its dossiers, their histories, and
// the last sequence number each agency reached that day.
type dayBatch struct {
	dossiers []dossierRow
	history  []historyRow
	seqs     []seqRow
}

type seqRow struct {
	agency int32
	day    int32
	last   int32
}

// loadDossiers makes the dossiers day by day, oldest first, and writes
// them with their histories in batches; then the daily sequences of their
// codes, so that the next real submission of the day gets the next number.
func (g *generator) loadDossiers(ctx context.Context) (int64, error) {
	if g.cfg.Dossiers == 0 {
		return 0, nil
	}
	var err error
	if g.nextDossier, err = g.maxID(ctx, "dossiers"); err != nil {
		return 0, err
	}
	if g.nextHistory, err = g.maxID(ctx, "dossier_history"); err != nil {
		return 0, err
	}
	days, counts := g.plan()
	existing, err := g.existingSequences(ctx, days)
	if err != nil {
		return 0, err
	}
	dd := g.stats.table("dossiers")
	hh := g.stats.table("dossier_history")
	nd := g.prog.counter("dossiers", int64(g.cfg.Dossiers))
	nh := g.prog.counter("history", 0)
	var seqs []seqRow
	var pend dayBatch
	flush := func() error {
		if len(pend.dossiers) == 0 {
			return nil
		}
		err := g.sink.batch(ctx, func() error {
			t0 := time.Now()
			if err := g.sink.insert(ctx, "dossiers", dossierColumns, len(pend.dossiers), func(i int, v []any) { pend.dossiers[i].values(v) }); err != nil {
				return fmt.Errorf("dossiers: %w", err)
			}
			t1 := time.Now()
			dd.Load += t1.Sub(t0)
			if err := g.sink.insert(ctx, "dossier_history", historyColumns, len(pend.history), func(i int, v []any) { pend.history[i].values(v) }); err != nil {
				return fmt.Errorf("history: %w", err)
			}
			hh.Load += time.Since(t1)
			return nil
		})
		if err != nil {
			return fmt.Errorf("gen: write %w", err)
		}
		dd.Rows += int64(len(pend.dossiers))
		hh.Rows += int64(len(pend.history))
		nd.Add(int64(len(pend.dossiers)))
		nh.Add(int64(len(pend.history)))
		pend.dossiers, pend.history = pend.dossiers[:0], pend.history[:0]
		return nil
	}
	err = pipeline(ctx, func(ctx context.Context, emit func(dayBatch) error) error {
		for di := range days {
			if counts[di] == 0 {
				continue
			}
			b, err := g.day(di, days[di], counts[di], existing)
			if err != nil {
				return err
			}
			if err := emit(b); err != nil {
				return err
			}
		}
		return nil
	}, func(b dayBatch) error {
		seqs = append(seqs, b.seqs...)
		pend.dossiers = append(pend.dossiers, b.dossiers...)
		pend.history = append(pend.history, b.history...)
		if len(pend.dossiers) >= g.cfg.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	g.prog.finish()
	if err != nil {
		return dd.Rows + hh.Rows, err
	}
	t0 := time.Now()
	err = g.sink.mergeSequences(ctx, len(seqs), func(i int, v []any) {
		s := seqs[i]
		v[0], v[1], v[2] = g.tree.agencies[s.agency].Code, days[s.day].Format("20060102"), int64(s.last)
	})
	ss := g.stats.table("dossier_sequences")
	ss.Load += time.Since(t0)
	if err != nil {
		return dd.Rows + hh.Rows, fmt.Errorf("gen: write dossier sequences: %w", err)
	}
	ss.Rows = int64(len(seqs))
	return dd.Rows + hh.Rows + ss.Rows, nil
}

// plan returns the days of the span (midnight in Vietnam) and how many
// dossiers each gets: a weight growing linearly by 85 % over the span (from
// 0.7 to 1.3), a fifth of it on days off (online submissions only), and for
// today only the part of the day gone by; the counts add up to
// Config.Dossiers exactly.
func (g *generator) plan() ([]time.Time, []int) {
	var days []time.Time
	for d := g.start; !d.After(g.now); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	w := make([]float64, len(days))
	for i, d := range days {
		f := float64(i) / math.Max(1, float64(len(days)-1))
		w[i] = 0.7 + 0.6*f
		if !g.cal.IsWorkingDay(d) {
			if g.fallback < 0 {
				w[i] = 0 // nothing can be submitted online
			} else {
				w[i] *= 0.2
			}
		}
		if i == len(days)-1 {
			w[i] *= math.Min(1, g.now.Sub(d).Hours()/24)
		}
	}
	return days, apportion(g.cfg.Dossiers, w)
}

// existingSequences reads the daily sequences of the span, so that an
// appended run numbers its dossiers after those already there.
func (g *generator) existingSequences(ctx context.Context, days []time.Time) (map[uint64]int32, error) {
	out := map[uint64]int32{}
	index := map[string]int{}
	for i, d := range days {
		index[d.Format("20060102")] = i
	}
	err := g.queryRows(ctx, `SELECT agency_code, day, last FROM dossier_sequences WHERE day >= '`+days[0].Format("20060102")+`'`, func(rows *sql.Rows) error {
		var a, d string
		var last int64
		if err := rows.Scan(&a, &d, &last); err != nil {
			return err
		}
		ai, ok := g.tree.byCode[a]
		di, ok2 := index[d]
		if ok && ok2 {
			out[seqKey(ai, di)] = int32(last)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gen: dossier sequences: %w", err)
	}
	return out, nil
}

func seqKey(agency, day int) uint64 { return uint64(agency)<<32 | uint64(day) }

// draft is a dossier of the day before its code.
type draft struct {
	p         *proc
	channel   dossier.Channel
	at        time.Time
	agency    int
	applicant int // citizen index of this run, -1 for someone without an account
	walkIn    citizen
}

// Hours of online submissions in Vietnam: a little at night, most in
// office hours and the evening.
var hourWeights = cumulative([]float64{0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.8, 1.6, 3, 3.2, 3.2, 2.8, 1.8, 2.2, 3, 3.1, 2.9, 2.3, 1.8, 2, 2.1, 1.9, 1.3, 0.7})

// day makes the dossiers submitted on day (midnight in Vietnam).
func (g *generator) day(di int, day time.Time, n int, existing map[uint64]int32) (dayBatch, error) {
	r := newRNG(g.cfg.Seed, streamDay, uint64(di))
	working := g.cal.IsWorkingDay(day)
	frac := float64(di) / math.Max(1, g.now.Sub(g.start).Hours()/24)
	drafts := make([]draft, n)
	for k := range drafts {
		d := &drafts[k]
		d.p = g.pickProcedure(r, working)
		d.channel = g.pickChannel(r, d.p, working, frac)
		d.at = g.pickTime(r, day, d.channel)
		d.applicant = -1
		if d.channel != dossier.ChannelCounter || r.chance(0.65) {
			d.applicant = g.pickCitizen(r, d.at)
		} else {
			d.walkIn = g.person(r)
		}
		c := &d.walkIn
		if d.applicant >= 0 {
			cc := g.citizenAt(d.applicant)
			c = &cc
			d.walkIn = cc
		}
		d.agency = g.pickAgency(r, d.p, c)
	}
	sort.SliceStable(drafts, func(a, b int) bool { return drafts[a].at.Before(drafts[b].at) })
	var b dayBatch
	b.dossiers = make([]dossierRow, 0, n)
	b.history = make([]historyRow, 0, 7*n)
	seq := map[int]int32{}
	local := day.In(calendar.Vietnam)
	for k := range drafts {
		d := &drafts[k]
		last, ok := seq[d.agency]
		if !ok {
			last = existing[seqKey(d.agency, di)]
		}
		last++
		seq[d.agency] = last
		code, err := dossier.FormatCode(g.cfg.CodeLayout, g.tree.agencies[d.agency].Code, local, int64(last))
		if err != nil {
			return b, fmt.Errorf("gen: %w", err)
		}
		g.nextDossier++
		row := g.live(r, d, code, g.nextDossier, &b.history)
		b.dossiers = append(b.dossiers, row)
	}
	for a, last := range seq {
		b.seqs = append(b.seqs, seqRow{agency: int32(a), day: int32(di), last: last})
	}
	sort.Slice(b.seqs, func(i, j int) bool { return b.seqs[i].agency < b.seqs[j].agency })
	return b, nil
}

// pickProcedure draws a procedure by popularity; on a day off, one that
// can be done online.
func (g *generator) pickProcedure(r *rng, working bool) *proc {
	for try := 0; try < 20; try++ {
		p := &g.procs[g.procOrder[r.pick(g.procCum)]]
		if working || p.online != egov.OnlineInformation {
			return p
		}
	}
	return &g.procs[g.fallback]
}

// pickChannel draws how the dossier arrives: information-only procedures
// at the counter; the others online more often as the span goes on, full
// online ones most.
func (g *generator) pickChannel(r *rng, p *proc, working bool, frac float64) dossier.Channel {
	if p.online == egov.OnlineInformation {
		return dossier.ChannelCounter
	}
	share := 0.40
	if p.online == egov.OnlineFull {
		share = 0.62
	}
	share *= 0.75 + 0.5*frac
	if !working || r.chance(share) {
		if r.chance(0.06) {
			return dossier.ChannelAPI
		}
		return dossier.ChannelOnline
	}
	return dossier.ChannelCounter
}

// pickTime draws the moment of submission on day: office hours at the
// counter (busier in the morning), any hour online; never after now.
func (g *generator) pickTime(r *rng, day time.Time, ch dossier.Channel) time.Time {
	var t time.Time
	if ch == dossier.ChannelCounter {
		if r.chance(0.58) {
			t = day.Add(7*time.Hour + 30*time.Minute + time.Duration(r.float()*4*float64(time.Hour)))
		} else {
			t = day.Add(13*time.Hour + time.Duration(r.float()*4*float64(time.Hour)))
		}
	} else {
		t = day.Add(time.Duration(r.pick(hourWeights))*time.Hour + time.Duration(r.float()*float64(time.Hour)))
	}
	if t.After(g.now) {
		t = day.Add(time.Duration(r.float() * float64(g.now.Sub(day))))
	}
	return t.UTC().Truncate(time.Second)
}

// pickCitizen draws an account opened before t, early adopters more
// often than late ones.
func (g *generator) pickCitizen(r *rng, t time.Time) int {
	n := g.cfg.Citizens
	m := int(float64(n) * float64(t.Sub(g.accountsFrom)) / float64(g.now.Sub(g.accountsFrom)))
	m = max(1, min(n, m))
	return min(m-1, int(float64(m)*math.Pow(r.float(), 1.4)))
}

// pickAgency chooses who receives the dossier: the central agency the
// procedure names, the department of its field in the applicant's
// province, the applicant's district, or the applicant's commune (most
// often) or another of the province.
func (g *generator) pickAgency(r *rng, p *proc, c *citizen) int {
	level := p.levels[0]
	if len(p.levels) > 1 && r.chance(0.65) {
		level = p.levels[len(p.levels)-1]
	}
	pv := &g.tree.provinces[c.home]
	i := -1
	switch level {
	case egov.LevelCentral:
		i = p.central
	case egov.LevelProvince:
		if d, ok := pv.depts[p.dept]; ok {
			i = d
		} else {
			i = pv.agency
		}
	case egov.LevelDistrict:
		if c.commune >= 0 {
			i = g.tree.districtAgency[g.tree.agencies[c.commune].district]
		}
	case egov.LevelCommune:
		switch {
		case len(pv.communes) > 0 && r.chance(0.15):
			i = pv.communes[r.pick(pv.cumComm)]
		default:
			i = c.commune
		}
	}
	if i < 0 || !g.tree.agencies[i].usable || g.tree.agencies[i].Level != level {
		// The applicant's own is missing (a small tree) or taken by
		// another agency in the database: any of the level will do.
		list := g.byLevel[level]
		if len(list) == 0 {
			list = g.byLevel[p.levels[0]]
		}
		i = list[r.intn(len(list))]
	}
	return i
}

// Comments officials write, from real slips.
var (
	supplementComments = []string{
		"Đề nghị bổ sung bản sao giấy tờ chứng minh nơi cư trú.",
		"Tờ khai chưa ghi đầy đủ thông tin; đề nghị hoàn thiện theo mẫu.",
		"Đề nghị bổ sung văn bản ủy quyền có chứng thực.",
		"Bản chụp giấy tờ không rõ nét; đề nghị nộp lại bản rõ hơn.",
		"Thiếu giấy tờ chứng minh quyền sử dụng đất; đề nghị bổ sung.",
	}
	refuseComments = []string{
		"Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan.",
		"Người nộp không đủ điều kiện theo quy định.",
		"Hồ sơ đã được giải quyết trước đó; không giải quyết trùng.",
		"Thông tin kê khai không đúng với dữ liệu quốc gia về dân cư.",
	}
	apologyComments = []string{
		"Hồ sơ cần xác minh thêm với cơ quan liên quan nên chậm trả kết quả.",
		"Do khối lượng hồ sơ lớn, cơ quan xin lỗi và hẹn lại ngày trả kết quả.",
		"Hệ thống cơ sở dữ liệu chuyên ngành gặp sự cố; xin lỗi ông/bà vì sự chậm trễ.",
	}
	ratingComments = []string{"Cán bộ hướng dẫn nhiệt tình.", "Nhanh, đúng hẹn.", "Thủ tục đơn giản, dễ làm.",
		"Phải đi lại nhiều lần.", "Trả kết quả chậm.", "Hài lòng.", "Nộp trực tuyến rất tiện."}
)

var ratingNormal = cumulative([]float64{2.5, 3.5, 8, 18, 68})
var ratingLate = cumulative([]float64{8, 12, 20, 25, 35})

// actor is who a history entry names.
type actor struct {
	id   int64
	name string
	role string
}

var systemActor = actor{name: "Hệ thống", role: "system"}

// sim is the life of one dossier being simulated, cut at now.
type sim struct {
	g    *generator
	r    *rng
	d    *dossierRow
	p    *proc
	hist *[]historyRow
	last time.Time
	n    int // entries written
}

// ev writes a history entry at t leading to status to at step, unless t
// is after now, when it reports false and the dossier stays as it is.
func (s *sim) ev(t time.Time, a actor, action string, to dossier.Status, step, comment, details string) bool {
	t = t.Truncate(time.Second)
	if t.After(s.g.now) {
		return false
	}
	if t.Before(s.last) {
		t = s.last
	}
	if details == "" {
		details = "{}"
	}
	s.g.nextHistory++
	*s.hist = append(*s.hist, historyRow{id: s.g.nextHistory, dossierID: s.d.id, at: t, actorID: a.id, actorName: a.name,
		actorRole: a.role, action: action, from: s.d.status, to: string(to), step: step, comment: comment, details: details})
	s.d.status, s.d.step, s.d.updated, s.last = string(to), step, t, t
	if s.n > 0 && action != "paid" {
		s.d.version++ // payments leave the version alone, as dossier.Service does
	}
	s.n++
	return true
}

// enter starts the clock of step at t, as the engine does on a move.
func (s *sim) enter(step string, t time.Time) {
	s.d.stepStarted, s.d.stepWarned = t, time.Time{}
	var days float64
	switch step {
	case dossier.StepAppraisal:
		s.d.stepRole, days = "specialist", s.p.appraisal
	case dossier.StepApproval:
		s.d.stepRole, days = "leader", s.p.approval
	case dossier.StepResult:
		s.d.stepRole = "receiver"
	}
	s.d.stepDue = s.g.cal.Deadline(t, days, string(egov.UnitWorkingDays)).UTC()
}

// appointment is the date for the result of a dossier received at start,
// as dossier.Service computes it: after 15:00 the count starts the next
// morning.
func (g *generator) appointment(p *proc, start time.Time) time.Time {
	local := start.In(calendar.Vietnam)
	if local.Hour() >= 15 {
		start = time.Date(local.Year(), local.Month(), local.Day()+1, 7, 30, 0, 0, calendar.Vietnam)
	}
	return g.cal.Deadline(start, p.dueAmount, p.dueUnit).UTC()
}

// office returns the moment hours of office time after t.
func (g *generator) office(t time.Time, hours float64) time.Time {
	return g.cal.AddWorkingHours(t, hours).Truncate(time.Second)
}

// officeOn returns the moment at fraction u of the office hours of date (as
// the calendar returns dates: midnight UTC of the day).
func officeOn(date time.Time, u float64) time.Time {
	y, m, d := date.Date()
	mid := time.Date(y, m, d, 0, 0, 0, 0, calendar.Vietnam)
	h := u * 8
	if h < 4 {
		return mid.Add(7*time.Hour + 30*time.Minute + time.Duration(h*float64(time.Hour))).UTC().Truncate(time.Second)
	}
	return mid.Add(13*time.Hour + time.Duration((h-4)*float64(time.Hour))).UTC().Truncate(time.Second)
}

// endOfDay is 17:00 in Vietnam of date, the time an apology's new
// appointment gets.
func endOfDay(date time.Time) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 17, 0, 0, 0, calendar.Vietnam).UTC()
}

// moveByWorkingDays moves t by n working days, keeping its time of day, as
// the engine moves an appointment after a supplement.
func (g *generator) moveByWorkingDays(t time.Time, n int) time.Time {
	if t.IsZero() {
		return t
	}
	day := g.cal.AddWorkingDays(t, n)
	l := t.In(calendar.Vietnam)
	mid := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, calendar.Vietnam)
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Vietnam).Add(l.Sub(mid)).UTC()
}

func wall(t time.Time, r *rng, loHours, hiHours float64) time.Time {
	return t.Add(time.Duration(r.between(loHours, hiHours) * float64(time.Hour))).Truncate(time.Second)
}

func dueDetails(t time.Time) string { return `{"due_at":"` + t.UTC().Format(time.RFC3339) + `"}` }

// live makes the dossier of draft d with its code and id, simulating its
// life up to now and appending its history to hist.
func (g *generator) live(r *rng, dr *draft, code string, id int64, hist *[]historyRow) dossierRow {
	p := dr.p
	c := &dr.walkIn
	d := dossierRow{id: id, code: code, procCode: p.code, procName: p.name, fieldCode: p.field,
		agency: g.tree.agencies[dr.agency].Code, channel: string(dr.channel), applicantName: c.name,
		phone: c.phone, address: c.address, status: string(dossier.StatusDraft), version: 1,
		submitted: dr.at, created: dr.at}
	if dr.applicant >= 0 {
		d.applicantID = g.citizenBase + int64(dr.applicant)
		d.idNumber = fmt.Sprintf("%012d", g.citizenIDs[dr.applicant])
		d.email = c.email
	} else {
		serial := walkInSerialMin + r.intn(1_000_000-walkInSerialMin)
		d.idNumber = c.idPrefix() + strconv.Itoa(serial)
		if r.chance(0.3) {
			d.email = c.email
		}
	}
	if dr.channel != dossier.ChannelCounter {
		d.created = dr.at.Add(-time.Duration(r.intn(40*60)) * time.Second) // the draft came first
	}
	d.formData = `{"ho_ten":"` + jsonEscape(c.name) + `","so_dinh_danh":"` + d.idNumber + `"}`
	d.searchText = fold(code) + " " + c.folded + " " + d.idNumber
	s := &sim{g: g, r: r, d: &d, p: p, hist: hist}
	s.run(dr)
	d.updated = s.last
	if st := dossier.Status(d.status); st == dossier.StatusSubmitted || st == dossier.StatusProcessing {
		// The deadline sweep has warned about what is due within its
		// window, as it would have on a live system.
		deadline := d.stepDue
		if deadline.IsZero() {
			deadline = d.due
		}
		if !deadline.IsZero() && !deadline.After(g.now.Add(4*time.Hour)) {
			w := deadline.Add(-4 * time.Hour)
			if w.Before(d.stepStarted) {
				w = d.stepStarted
			}
			if w.After(g.now) {
				w = g.now
			}
			d.stepWarned = w
		}
	}
	return d
}

// run simulates the dossier: reception (or entry at the counter), then
// appraisal, approval and return.
func (s *sim) run(dr *draft) {
	g, r, d, p := s.g, s.r, s.d, s.p
	offs := g.officials[dr.agency]
	recv := actor{offs[0].id, offs[0].name, "receiver"}
	spec := actor{offs[1].id, offs[1].name, "specialist"}
	lead := actor{offs[2].id, offs[2].name, "leader"}
	app := actor{d.applicantID, d.applicantName, "applicant"}
	t := dr.at
	online := dr.channel != dossier.ChannelCounter
	feeOnline := online && p.bill != ""
	if feeOnline {
		d.feeTotal, d.feeBill = p.fee, p.bill
	}
	paid := func(t time.Time) bool {
		if !s.ev(t, systemActor, "paid", dossier.Status(d.status), d.step, "", `{"amount":`+strconv.FormatInt(p.fee, 10)+`}`) {
			return false
		}
		d.paid = s.last
		return true
	}
	if !online {
		due := g.appointment(p, t)
		s.ev(t, recv, "received_at_counter", dossier.StatusProcessing, dossier.StepAppraisal, "", dueDetails(due))
		d.received, d.due = t, due
		s.enter(dossier.StepAppraisal, t)
	} else {
		due := g.appointment(p, t)
		s.ev(t, app, "submitted", dossier.StatusSubmitted, dossier.StepReception, "", dueDetails(due))
		d.due, d.stepStarted, d.stepRole = due, t, "receiver"
		if feeOnline && p.timing == egov.PayAtSubmission && !paid(wall(t, r, 0.03, 1.5)) {
			return
		}
		switch x := r.float(); {
		case x < 0.012:
			if s.ev(wall(s.last, r, 1, 30), app, "withdrawn", dossier.StatusWithdrawn, dossier.StepReception, "Tôi nộp nhầm thủ tục.", "") {
				d.finished = s.last
			}
			return
		case x < 0.042:
			if s.ev(g.office(s.last, r.between(0.3, 8)), recv, "refuse", dossier.StatusRefused, dossier.StepReception,
				refuseComments[r.intn(len(refuseComments))], "") {
				d.finished = s.last
			}
			return
		case x < 0.10:
			if !s.ev(g.office(s.last, r.between(0.3, 8)), recv, "request_supplement", dossier.StatusSupplement, dossier.StepReception,
				supplementComments[r.intn(len(supplementComments))], "") {
				return
			}
			d.paused = s.last
			switch y := r.float(); {
			case y < 0.88:
				if !s.ev(g.office(s.last, r.between(4, 80)), app, "supplemented", dossier.StatusSubmitted, dossier.StepReception,
					"", `{"papers":1,"round":1}`) {
					return
				}
				d.paused = time.Time{}
			case y < 0.94:
				if s.ev(g.office(s.last, r.between(16, 160)), app, "withdrawn", dossier.StatusWithdrawn, dossier.StepReception, "", "") {
					d.finished, d.paused = s.last, time.Time{}
				}
				return
			default:
				return // never answered: the engine lets nobody act on it
			}
		}
		rt := g.office(s.last, r.between(0.2, 12))
		due = g.appointment(p, rt)
		if !s.ev(rt, recv, "receive", dossier.StatusProcessing, dossier.StepAppraisal, "", dueDetails(due)) {
			return
		}
		d.received, d.due = s.last, due
		s.enter(dossier.StepAppraisal, s.last)
	}
	if r.chance(0.7) {
		if !s.ev(g.office(s.last, r.between(0.1, 3)), lead, "assign", dossier.StatusProcessing, dossier.StepAppraisal, "",
			`{"assignee_id":`+strconv.FormatInt(spec.id, 10)+`}`) {
			return
		}
		d.assignee = spec.id
	}
	resume := s.last
	if r.chance(0.06) {
		if !s.ev(g.office(s.last, r.between(1, 24)), spec, "request_supplement", dossier.StatusSupplement, dossier.StepAppraisal,
			supplementComments[r.intn(len(supplementComments))], "") {
			return
		}
		d.paused = s.last
		if r.chance(0.1) {
			return
		}
		at := g.office(s.last, r.between(4, 96))
		waited := g.cal.WorkingDaysBetween(d.paused, at)
		due, stepDue := d.due, d.stepDue
		details := `{"papers":1,"round":1}`
		if waited > 0 {
			due, stepDue = g.moveByWorkingDays(due, waited), g.moveByWorkingDays(stepDue, waited)
			details = `{"due_at":"` + due.Format(time.RFC3339) + `","papers":1,"round":1,"waited_days":` + strconv.Itoa(waited) + `}`
		}
		if !s.ev(at, app, "supplemented", dossier.StatusProcessing, dossier.StepAppraisal, "", details) {
			return
		}
		d.paused, d.due, d.stepDue, d.stepWarned = time.Time{}, due, stepDue, time.Time{}
		resume = s.last
	}

	// When the result is released, against the appointment.
	dueDay, resDay := calendar.DateOf(d.due), calendar.DateOf(resume)
	span := g.cal.WorkingDaysBetween(resDay, dueDay)
	var finDay time.Time
	late := false
	switch x := r.float(); {
	case span >= 1 && x < 0.62:
		finDay = g.cal.AddWorkingDays(resDay, r.intn(span))
	case x < 0.91:
		finDay = g.cal.AddWorkingDays(dueDay, 0)
	default:
		late = true
		k := 1 + int(math.Min(25, -math.Log(1-r.float())/0.35))
		if r.chance(0.1) {
			k += 20 + r.intn(60) // stalled
		}
		finDay = g.cal.AddWorkingDays(dueDay, k)
	}
	finish := officeOn(finDay, r.float())
	if early := g.office(resume, r.between(0.3, 2)); finish.Before(early) {
		finish = early
	}
	fw := s.last.Add(time.Duration(r.between(0.5, 0.9) * float64(finish.Sub(s.last))))
	fw = g.office(fw, 0.05)
	if !fw.Before(finish) {
		fw = finish.Add(-10 * time.Minute)
	}
	if r.chance(0.025) {
		if !s.ev(fw, spec, "propose_refusal", dossier.StatusProcessing, dossier.StepApproval, refuseComments[r.intn(len(refuseComments))],
			`{"proposal":"refuse"}`) {
			return
		}
		s.enter(dossier.StepApproval, s.last)
		if s.ev(finish, lead, "refuse", dossier.StatusRefused, dossier.StepApproval, refuseComments[r.intn(len(refuseComments))], "") {
			d.finished = s.last
		}
		return
	}
	apologized := false
	apologize := func(at time.Time, a actor, newDay time.Time) bool {
		if !newDay.After(calendar.DateOf(d.due)) {
			newDay = g.cal.AddWorkingDays(calendar.DateOf(d.due), 1)
		}
		if at.Before(s.last) {
			at = s.last
		}
		if newDay.Before(calendar.DateOf(at)) {
			newDay = g.cal.AddWorkingDays(calendar.DateOf(at), 0)
		}
		newDue := endOfDay(newDay)
		details := `{"due_at":"` + newDue.Format(time.RFC3339) + `","first_due_at":"` + d.due.Format(time.RFC3339) + `"}`
		if !s.ev(at, a, "apologize", dossier.StatusProcessing, d.step, apologyComments[r.intn(len(apologyComments))], details) {
			return false
		}
		if d.firstDue.IsZero() {
			d.firstDue = d.due
		}
		d.due, d.apology, apologized = newDue, s.last, true
		return true
	}
	newDay := g.cal.AddWorkingDays(finDay, r.intn(3))
	if r.chance(0.35) {
		newDay = g.cal.AddWorkingDays(dueDay, 1) // missed again
	}
	apologyAt := g.office(d.due.Add(-16*time.Hour), r.between(0.1, 2))
	if apologyAt.After(finish) {
		apologyAt = finish.Add(-20 * time.Minute)
	}
	if late && !apologyAt.After(fw) {
		if !apologize(apologyAt, spec, newDay) {
			return
		}
	}
	if !s.ev(fw, spec, "forward", dossier.StatusProcessing, dossier.StepApproval, "", "") {
		return
	}
	s.enter(dossier.StepApproval, s.last)
	if late && !apologized {
		if !apologize(apologyAt, lead, newDay) {
			return
		}
	}
	if finish.Before(s.last) {
		finish = s.last.Add(time.Duration(1+r.intn(30)) * time.Minute)
	}
	if finish.After(d.due) && d.apology.IsZero() {
		// Released after the appointment: the engine wants the apology
		// first.
		if !apologize(finish.Add(-15*time.Minute), lead, calendar.DateOf(finish)) {
			return
		}
	}
	if !s.ev(finish, lead, "approve", dossier.StatusDone, dossier.StepResult, "", "") {
		return
	}
	d.finished = s.last
	s.enter(dossier.StepResult, s.last)
	if feeOnline && p.timing == egov.PayBeforeResult && !paid(wall(s.last, r, 0.5, 48)) {
		return
	}
	if r.chance(0.015) {
		return // never collected
	}
	var rt time.Time
	details := ""
	switch {
	case online && p.online == egov.OnlineFull && r.chance(0.6):
		rt = g.office(s.last, r.between(0.05, 2))
	case online:
		rt = g.office(s.last, r.between(1, 40))
	default:
		rt = g.office(s.last, r.between(2, 40))
		details = `{"at_counter":true}`
	}
	if !s.ev(rt, recv, "return_result", dossier.StatusReturned, dossier.StepResult, "", details) {
		return
	}
	d.returned = s.last
	share := 0.06
	if online {
		share = 0.22
	}
	if d.applicantID != 0 && r.chance(share) {
		cum := ratingNormal
		if !d.firstDue.IsZero() {
			cum = ratingLate
		}
		score := 1 + r.pick(cum)
		comment := ""
		if r.chance(0.3) {
			comment = ratingComments[r.intn(len(ratingComments))]
		}
		if s.ev(wall(s.last, r, 0.1, 72), app, "rated", dossier.StatusReturned, dossier.StepResult, comment,
			`{"score":`+strconv.Itoa(score)+`}`) {
			d.rating, d.ratingComment, d.rated = int64(score), comment, s.last
		}
	}
}

// jsonEscape escapes a string for a JSON string literal.
func jsonEscape(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			b, _ := json.Marshal(s) // a string always marshals
			return string(b[1 : len(b)-1])
		}
	}
	return s
}
