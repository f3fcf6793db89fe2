package gen_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/bench/gen"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// now is the end of the generated span: Friday 4 December 2026, 17:30 in
// Hà Nội.
var now = time.Date(2026, 12, 4, 10, 30, 0, 0, time.UTC)

func small() gen.Config {
	return gen.Config{Communes: 100, Procedures: 500, Citizens: 1000, Dossiers: 5000, Years: 3, Seed: 7, Now: now}
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestGenerate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var progress strings.Builder
		cfg := small()
		cfg.Progress, cfg.ProgressEvery = &progress, time.Hour
		st, err := gen.Generate(ctx, db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(progress.String(), "gen: done dossiers 5,000/5,000") {
			t.Errorf("progress lines:\n%s", progress.String())
		}
		for table, want := range map[string]int{"dossiers": 5000, "procedures": 500} {
			if n := count(t, db, `SELECT count(*) FROM `+table); n != want || st.Table(table).Rows != int64(want) {
				t.Errorf("%s: %d rows, stats %d, want %d", table, n, st.Table(table).Rows, want)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM accounts WHERE kind = 'citizen'`); n != 1000 {
			t.Errorf("%d citizens, want 1000", n)
		}
		agencies := count(t, db, `SELECT count(*) FROM agencies`)
		communes := count(t, db, `SELECT count(*) FROM agencies WHERE level = 'commune'`)
		provinces := count(t, db, `SELECT count(*) FROM agencies WHERE level = 'province' AND parent_code IS NULL`)
		if communes != 100 || provinces != 34 || agencies < 100+34*10 {
			t.Errorf("agencies: %d, of which %d communes and %d provinces", agencies, communes, provinces)
		}
		if n := count(t, db, `SELECT count(*) FROM accounts WHERE kind = 'official'`); n != 3*agencies {
			t.Errorf("%d officials for %d agencies", n, agencies)
		}
		history := count(t, db, `SELECT count(*) FROM dossier_history`)
		if history < 4*5000 || int64(history) != st.Table("dossier_history").Rows {
			t.Errorf("%d history entries (stats %d)", history, st.Table("dossier_history").Rows)
		}

		// The indexes and constraints dropped for the load are all back.
		fresh := storetest.SQLite(t)
		if db.Dialect == store.Postgres {
			fresh = storetest.Postgres(t)
		}
		if st.DroppedIndexes == 0 {
			t.Error("no index dropped for loading an empty database")
		}
		if got, want := schemaOf(t, db), schemaOf(t, fresh); len(want) < 6 || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("indexes and constraints after generating:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}

		// A second run without Append would mix two data sets.
		if _, err := gen.Generate(ctx, db, small()); !errors.Is(err, egov.ErrConflict) {
			t.Errorf("second run without Append: %v", err)
		}

		checkDossiers(t, db)
		checkCitizens(t, db)
		checkServices(t, db)

		// Appending adds a data set beside the first, without a clash.
		more := small()
		more.Append, more.Seed, more.Dossiers, more.Citizens, more.Procedures = true, 8, 2000, 300, 50
		if _, err := gen.Generate(ctx, db, more); err != nil {
			t.Fatalf("append: %v", err)
		}
		if n := count(t, db, `SELECT count(*) FROM dossiers`); n != 7000 {
			t.Errorf("%d dossiers after appending 2,000 to 5,000", n)
		}
		if n := count(t, db, `SELECT count(DISTINCT code) FROM dossiers`); n != 7000 {
			t.Errorf("%d distinct codes among 7,000 dossiers", n)
		}
		if n := count(t, db, `SELECT count(*) FROM accounts WHERE kind = 'official'`); n != 3*agencies {
			t.Errorf("appending made officials again: %d", n)
		}
		checkDossiers(t, db)
		checkCitizens(t, db)
	})
}

// schemaOf lists the indexes and constraints of the tables that Generate
// loads fastest, as the database describes them.
func schemaOf(t *testing.T, db *store.DB) []string {
	t.Helper()
	q := `SELECT tbl_name || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_schema
		WHERE type = 'index' AND tbl_name IN ('accounts', 'dossiers', 'dossier_history') ORDER BY 1`
	if db.Dialect == store.Postgres {
		q = `SELECT tablename || ' ' || indexname || ' ' || regexp_replace(indexdef, 'egov_test_[0-9a-f]+\.', '') FROM pg_indexes
			WHERE schemaname = current_schema() AND tablename IN ('accounts', 'dossiers', 'dossier_history')
			UNION ALL
			SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated::text
			FROM pg_constraint WHERE conrelid IN ('accounts'::regclass, 'dossiers'::regclass, 'dossier_history'::regclass)
			ORDER BY 1`
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkDossiers reads every dossier and its history and checks what the
// platform relies on.
func checkDossiers(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	defer cat.Close()
	type dossierDates struct {
		status                                                   dossier.Status
		channel                                                  string
		submitted, received, due, finished, returned, paused     sql.NullTime
		firstDue, apology, rated, paid, stepDue, created, update sql.NullTime
	}
	rows, err := db.QueryContext(ctx, `SELECT id, code, agency_code, handler_agency, procedure_code, status, channel,
		COALESCE(applicant_id, 0), applicant_id_number, COALESCE(rating, 0), fee_total, fee_bill, step,
		submitted_at, received_at, due_at, finished_at, returned_at, paused_at, first_due_at, apology_at, rated_at, paid_at,
		step_due_at, created_at, updated_at FROM dossiers ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	codeRE := regexp.MustCompile(`^(\d{3}\.\d{2}\.\d{2}\.[GH]\d{2})-(\d{6})-(\d{4,})$`)
	seen := map[string]bool{}
	byID := map[int64]dossierDates{}
	procs := map[string]egov.Procedure{}
	agencies := map[string]egov.Agency{}
	statuses := map[dossier.Status]int{}
	channels := map[string]int{}
	timeliness := map[string]int{}
	perProc := map[string]int{}
	var apologies, ratings, paid int
	for rows.Next() {
		var id, applicant, rating, fee int64
		var code, agency, handler, procCode, idNumber, bill, step string
		var d dossierDates
		if err := rows.Scan(&id, &code, &agency, &handler, &procCode, &d.status, &d.channel, &applicant, &idNumber, &rating, &fee, &bill, &step,
			&d.submitted, &d.received, &d.due, &d.finished, &d.returned, &d.paused, &d.firstDue, &d.apology, &d.rated, &d.paid,
			&d.stepDue, &d.created, &d.update); err != nil {
			t.Fatal(err)
		}
		byID[id] = d
		statuses[d.status]++
		channels[d.channel]++
		perProc[procCode]++
		if seen[code] {
			t.Fatalf("code %s twice", code)
		}
		seen[code] = true
		m := codeRE.FindStringSubmatch(code)
		if m == nil || m[1] != agency {
			t.Fatalf("dossier %d: code %q not <agency %s>-<yymmdd>-<nnnn>", id, code, agency)
		}
		if !d.submitted.Valid || m[2] != d.submitted.Time.In(calendar.Vietnam).Format("060102") {
			t.Fatalf("dossier %s: code's day is not its submission's (%v)", code, d.submitted.Time)
		}
		if !d.status.Valid() || d.status == dossier.StatusDraft {
			t.Fatalf("dossier %s: status %q", code, d.status)
		}
		if handler != agency {
			t.Fatalf("dossier %s: handled by %s, received by %s", code, handler, agency)
		}
		if _, err := identity.ParseIDNumber(idNumber); err != nil {
			t.Fatalf("dossier %s: applicant's ID number %q: %v", code, idNumber, err)
		}
		if d.channel != "counter" && applicant == 0 {
			t.Fatalf("dossier %s: online without an account", code)
		}
		// Dates in order.
		order := []sql.NullTime{d.created, d.submitted, d.received, d.finished, d.returned, d.rated}
		var prev time.Time
		for i, nt := range order {
			if !nt.Valid {
				continue
			}
			if nt.Time.Before(prev) {
				t.Fatalf("dossier %s: date %d (%v) before the one before it (%v)", code, i, nt.Time, prev)
			}
			prev = nt.Time
		}
		if d.update.Time.Before(prev) || d.update.Time.After(now) {
			t.Fatalf("dossier %s: updated %v, last date %v", code, d.update.Time, prev)
		}
		if !d.due.Valid || d.received.Valid && !d.due.Time.After(d.received.Time) {
			t.Fatalf("dossier %s: due %v, received %v", code, d.due, d.received)
		}
		switch d.status {
		case dossier.StatusSupplement:
			if !d.paused.Valid {
				t.Fatalf("dossier %s waits for supplements without paused_at", code)
			}
		case dossier.StatusReturned:
			if !d.returned.Valid || !d.finished.Valid || !d.received.Valid {
				t.Fatalf("dossier %s returned without its dates", code)
			}
		case dossier.StatusRefused, dossier.StatusWithdrawn, dossier.StatusDone:
			if !d.finished.Valid {
				t.Fatalf("dossier %s %s without finished_at", code, d.status)
			}
		case dossier.StatusProcessing:
			if !d.received.Valid || !d.stepDue.Valid {
				t.Fatalf("dossier %s processing without received_at or step_due_at", code)
			}
		}
		if d.status != dossier.StatusSupplement && d.paused.Valid {
			t.Fatalf("dossier %s %s but paused", code, d.status)
		}
		if d.firstDue.Valid != d.apology.Valid || d.firstDue.Valid && !d.due.Time.After(d.firstDue.Time) {
			t.Fatalf("dossier %s: apology %v, first due %v, due %v", code, d.apology, d.firstDue, d.due)
		}
		if d.finished.Valid && d.received.Valid && d.status != dossier.StatusRefused &&
			calendar.DateOf(d.finished.Time).After(calendar.DateOf(d.due.Time)) && !d.apology.Valid {
			t.Fatalf("dossier %s finished after its appointment without an apology", code)
		}
		if d.apology.Valid {
			apologies++
		}
		if rating != 0 {
			ratings++
			if rating < 1 || rating > 5 || !d.rated.Valid || d.status != dossier.StatusReturned {
				t.Fatalf("dossier %s: rating %d at %v, %s", code, rating, d.rated, d.status)
			}
		}
		if fee > 0 {
			if bill == "" || d.channel == "counter" {
				t.Fatalf("dossier %s: fee %d, bill %q, %s", code, fee, bill, d.channel)
			}
			if d.paid.Valid {
				paid++
			}
		}
		// The agency is one that takes dossiers of the procedure.
		p, ok := procs[procCode]
		if !ok {
			if p, err = cat.Procedure(ctx, procCode); err != nil {
				t.Fatal(err)
			}
			procs[procCode] = p
		}
		a, ok := agencies[agency]
		if !ok {
			if a, err = cat.Agency(ctx, agency); err != nil {
				t.Fatal(err)
			}
			agencies[agency] = a
		}
		if !dossier.Receives(&p, a) {
			t.Fatalf("dossier %s: %s (%s) does not take procedure %s at levels %v", code, a.Name, a.Level, p.Code, p.Levels)
		}
		dd := dossier.Dossier{Status: d.status}
		if d.due.Valid {
			dd.DueAt = &d.due.Time
		}
		if d.finished.Valid {
			dd.FinishedAt = &d.finished.Time
		}
		if d.paused.Valid {
			dd.PausedAt = &d.paused.Time
		}
		timeliness[dossier.Timeliness(&dd, now)]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	total := len(byID)
	t.Logf("%d dossiers: statuses %v; channels %v; timeliness %v; %d apologies, %d ratings, %d paid",
		total, statuses, channels, timeliness, apologies, ratings, paid)
	// Shares: mostly returned, all kinds present, mostly early or on time.
	if statuses[dossier.StatusReturned] < total*6/10 || statuses[dossier.StatusRefused] == 0 || statuses[dossier.StatusWithdrawn] == 0 ||
		statuses[dossier.StatusProcessing] == 0 || statuses[dossier.StatusSupplement] == 0 {
		t.Errorf("statuses %v", statuses)
	}
	if channels["online"] == 0 || channels["counter"] == 0 || channels["api"] == 0 {
		t.Errorf("channels %v", channels)
	}
	finished := timeliness["early"] + timeliness["on_time"] + timeliness["late"]
	if timeliness["early"]+timeliness["on_time"] < finished*8/10 || timeliness["late"] == 0 || timeliness["overdue"] == 0 {
		t.Errorf("timeliness %v", timeliness)
	}
	if apologies == 0 || ratings == 0 || paid == 0 {
		t.Errorf("%d apologies, %d ratings, %d paid", apologies, ratings, paid)
	}
	// Zipf-like: the ten busiest procedures have a large share.
	var counts []int
	for _, n := range perProc {
		counts = append(counts, n)
	}
	top := 0
	for k := 0; k < 10 && len(counts) > 0; k++ {
		best := 0
		for i, n := range counts {
			if n > counts[best] {
				best = i
			}
		}
		top += counts[best]
		counts = append(counts[:best], counts[best+1:]...)
	}
	if top < total/4 {
		t.Errorf("the ten busiest procedures have %d of %d dossiers", top, total)
	}

	// Applicants had their accounts before they applied.
	if n := count(t, db, `SELECT count(*) FROM dossiers d JOIN accounts a ON a.id = d.applicant_id WHERE a.created_at > d.submitted_at`); n != 0 {
		t.Errorf("%d dossiers submitted before their applicant's account was opened", n)
	}
	if n := count(t, db, `SELECT count(*) FROM dossiers d JOIN accounts a ON a.id = d.applicant_id WHERE a.username <> d.applicant_id_number`); n != 0 {
		t.Errorf("%d dossiers with another ID number than their applicant's account", n)
	}

	// Histories: the submission first, each entry from the status of the
	// one before, in time order, the last to the dossier's status.
	hrows, err := db.QueryContext(ctx, `SELECT dossier_id, action, from_status, to_status, at, actor_role FROM dossier_history ORDER BY dossier_id, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer hrows.Close()
	type last struct {
		to string
		at time.Time
	}
	lasts := map[int64]last{}
	actions := map[string]int{}
	for hrows.Next() {
		var id int64
		var action, from, to, role string
		var at time.Time
		if err := hrows.Scan(&id, &action, &from, &to, &at, &role); err != nil {
			t.Fatal(err)
		}
		actions[action]++
		d, ok := byID[id]
		if !ok {
			t.Fatalf("history of dossier %d, which does not exist", id)
		}
		l, seen := lasts[id]
		if !seen {
			want := "submitted"
			if d.channel == "counter" {
				want = "received_at_counter"
			}
			if action != want || from != "draft" || !at.Equal(d.submitted.Time) {
				t.Fatalf("dossier %d (%s): first entry %s from %s at %v, submitted %v", id, d.channel, action, from, at, d.submitted.Time)
			}
		} else {
			if from != l.to {
				t.Fatalf("dossier %d: %s from %s after an entry to %s", id, action, from, l.to)
			}
			if at.Before(l.at) {
				t.Fatalf("dossier %d: %s at %v before the entry before it (%v)", id, action, at, l.at)
			}
		}
		if !dossier.Status(to).Valid() {
			t.Fatalf("dossier %d: %s to %q", id, action, to)
		}
		lasts[id] = last{to, at}
	}
	if err := hrows.Err(); err != nil {
		t.Fatal(err)
	}
	for id, d := range byID {
		l, ok := lasts[id]
		if !ok || l.to != string(d.status) || !l.at.Equal(d.update.Time) {
			t.Fatalf("dossier %d: %s, updated %v; last history entry to %s at %v", id, d.status, d.update.Time, l.to, l.at)
		}
	}
	for _, a := range []string{"submitted", "received_at_counter", "receive", "assign", "forward", "approve", "return_result",
		"request_supplement", "supplemented", "refuse", "withdrawn", "apologize", "rated", "paid", "propose_refusal"} {
		if actions[a] == 0 {
			t.Errorf("no history entry %q: %v", a, actions)
		}
	}
}

func checkCitizens(t *testing.T, db *store.DB) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT username, date_of_birth, sex, phone, email FROM accounts WHERE kind = 'citizen'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var id, dob, sex, phone, email string
		if err := rows.Scan(&id, &dob, &sex, &phone, &email); err != nil {
			t.Fatal(err)
		}
		born, err := time.Parse("2006-01-02", dob)
		if err != nil {
			t.Fatalf("%s: date of birth %q", id, dob)
		}
		if err := identity.ValidateIDNumber(id, born, identity.Sex(sex)); err != nil {
			t.Fatalf("ID number %s (%s, %s): %v", id, dob, sex, err)
		}
		if seen[id] {
			t.Fatalf("ID number %s twice", id)
		}
		seen[id] = true
		if p, err := identity.NormalizePhone(phone); err != nil || p != phone {
			t.Fatalf("%s: phone %q: %v", id, phone, err)
		}
		if !strings.HasSuffix(email, ".com") && !strings.HasSuffix(email, ".net") && !strings.HasSuffix(email, ".org") ||
			!strings.Contains(email, "@example.") {
			t.Fatalf("%s: e-mail %q", id, email)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// checkServices opens the generated data through the platform's own
// services: the catalog, sign-in, the dossier pages and tracking, and an
// official's action.
func checkServices(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	defer cat.Close()
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	fields, err := cat.Fields(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ref := catalog.Reference{Fields: map[string]egov.Field{}}
	for _, f := range fields {
		ref.Fields[f.Code] = f
	}
	procs, err := cat.Procedures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[egov.OnlineLevel]int{}
	for i := range procs {
		p := &procs[i]
		levels[p.OnlineLevel]++
		if !catalog.ValidProcedureCode(p.Code) {
			t.Fatalf("procedure code %q", p.Code)
		}
		if fe := catalog.ValidateProcedure(p, ref); fe != nil {
			t.Fatalf("procedure %s: %v", p.Code, fe)
		}
	}
	if levels[egov.OnlineInformation] == 0 || levels[egov.OnlinePartial] == 0 || levels[egov.OnlineFull] == 0 {
		t.Errorf("online levels %v", levels)
	}
	var buf strings.Builder
	if err := catalog.EncodeJSON(&buf, procs[:20]); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.DecodeJSON(strings.NewReader(buf.String())); err != nil {
		t.Fatalf("the import format does not read generated records back: %v", err)
	}
	res, err := cat.Search(ctx, catalog.Query{Text: "đăng ký khai sinh"})
	if err != nil || res.Total == 0 {
		t.Fatalf("search: %d results, %v", res.Total, err)
	}

	ids := identity.NewService(db, nil, identity.Config{}, nil)
	req := identity.Request{IP: "127.0.0.1"}
	var username, code string
	if err := db.QueryRowContext(ctx, `SELECT a.username, d.code FROM dossiers d JOIN accounts a ON a.id = d.applicant_id
		WHERE d.status = 'returned' ORDER BY d.id LIMIT 1`).Scan(&username, &code); err != nil {
		t.Fatal(err)
	}
	_, citizen, err := ids.SignIn(ctx, username, gen.DemoPassword, "web", req)
	if err != nil {
		t.Fatalf("citizen %s signs in with the demo password: %v", username, err)
	}
	svc := dossier.NewService(db, nil, cat, nil, calendar.NewService(db, nil), dossier.Config{Now: func() time.Time { return now }}, nil)
	d, err := svc.Get(ctx, &citizen, code)
	if err != nil || len(d.History) < 3 || d.Status != dossier.StatusReturned {
		t.Fatalf("the applicant opens %s: %v, %+v", code, err, d)
	}
	tr, err := svc.Track(ctx, code)
	if err != nil || tr.Status != dossier.StatusReturned || tr.Timeliness == "" || len(tr.Steps) < 3 {
		t.Fatalf("track %s: %v, %+v", code, err, tr)
	}
	mine, err := svc.Mine(ctx, &citizen, dossier.ListFilter{})
	if err != nil || len(mine) == 0 {
		t.Fatalf("the applicant's dossiers: %v, %d", err, len(mine))
	}

	// The desk of a commune receives a dossier waiting for it, and the
	// engine takes it from there.
	var agency string
	if err := db.QueryRowContext(ctx, `SELECT code, agency_code FROM dossiers WHERE status = 'submitted' AND fee_total = 0
		ORDER BY id DESC LIMIT 1`).Scan(&code, &agency); err != nil {
		t.Fatal(err)
	}
	_, receiver, err := ids.SignIn(ctx, "tn."+strings.ToLower(agency), gen.DemoPassword, "web", req)
	if err != nil {
		t.Fatalf("the desk of %s signs in: %v", agency, err)
	}
	d, err = svc.Act(ctx, &receiver, code, dossier.ActionRequest{Action: dossier.ActReceive}, req)
	if err != nil || d.Status != dossier.StatusProcessing || d.Step != dossier.StepAppraisal {
		t.Fatalf("receive %s: %v, %s at %s", code, err, d.Status, d.Step)
	}
	if last := d.History[len(d.History)-1]; last.Action != "receive" || last.FromStatus != dossier.StatusSubmitted {
		t.Errorf("history after receiving: %+v", last)
	}
}

// The same seed gives the same data set; another seed another.
func TestDeterministic(t *testing.T) {
	digest := func(seed uint64) string {
		db := storetest.SQLite(t)
		cfg := gen.Config{Communes: 40, Procedures: 60, Citizens: 100, Dossiers: 400, Years: 1, Seed: seed, Now: now}
		if _, err := gen.Generate(context.Background(), db, cfg); err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, q := range []string{
			`SELECT code || status || COALESCE(applicant_id_number, '') || COALESCE(due_at, '') FROM dossiers ORDER BY id`,
			`SELECT action || to_status || at FROM dossier_history ORDER BY id`,
			`SELECT username || full_name || password_hash FROM accounts ORDER BY id`,
			`SELECT record FROM procedures ORDER BY code`,
		} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintln(h, s)
			}
			rows.Close()
		}
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	a, b, c := digest(3), digest(3), digest(4)
	if a != b {
		t.Error("two runs with one seed differ")
	}
	if a == c {
		t.Error("two seeds give one data set")
	}
}

func TestFourLevel(t *testing.T) {
	db := storetest.SQLite(t)
	cfg := gen.Config{Shape: gen.FourLevel, Communes: 300, Procedures: 200, Citizens: 300, Dossiers: 1500, Years: 1, Seed: 5, Now: now}
	if _, err := gen.Generate(context.Background(), db, cfg); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM agencies WHERE level = 'province' AND parent_code IS NULL`); n != 63 {
		t.Errorf("%d provinces, want 63", n)
	}
	if n := count(t, db, `SELECT count(*) FROM agencies WHERE level = 'district'`); n < 63 {
		t.Errorf("%d districts", n)
	}
	if n := count(t, db, `SELECT count(*) FROM agencies c JOIN agencies d ON d.code = c.parent_code
		WHERE c.level = 'commune' AND d.level = 'district'`); n != 300 {
		t.Errorf("%d of 300 communes under a district", n)
	}
	if n := count(t, db, `SELECT count(*) FROM dossiers d JOIN agencies a ON a.code = d.agency_code WHERE a.level = 'district'`); n == 0 {
		t.Error("no dossier at a district")
	}
	checkDossiers(t, db)
}

func TestConfigErrors(t *testing.T) {
	db := storetest.SQLite(t)
	for _, cfg := range []gen.Config{
		{Shape: "three-level", Procedures: 1, Citizens: 1, Dossiers: 1},
		{Procedures: 0, Citizens: 10, Dossiers: 10},
		{Procedures: 10, Citizens: -1},
		{Procedures: 10, Years: 50},
	} {
		if _, err := gen.Generate(context.Background(), db, cfg); !errors.Is(err, egov.ErrInvalid) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// BenchmarkGenerate measures a small data set on SQLite: generation and
// loading together, per dossier.
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		db := storetest.SQLite(b)
		cfg := gen.Config{Communes: 200, Procedures: 1000, Citizens: 5000, Dossiers: 20000, Seed: 1, Now: now}
		if _, err := gen.Generate(context.Background(), db, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*20000), "ns/dossier")
}

// TestLoadedDataSet checks, read-only, a data set generated earlier into
// the database named by EGOV_GEN_DATABASE_URL (a full-scale one, say): a
// sample of dossiers opens and tracks through dossier.Service, their
// agencies take their procedures, and the catalog validates, indexes and
// searches every procedure.
func TestLoadedDataSet(t *testing.T) {
	url := os.Getenv("EGOV_GEN_DATABASE_URL")
	if url == "" {
		t.Skip("set EGOV_GEN_DATABASE_URL to check a generated database")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat := catalog.NewService(db, nil)
	defer cat.Close()
	t0 := time.Now()
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("catalog search index built in %s", time.Since(t0).Round(time.Millisecond))
	res, err := cat.Search(ctx, catalog.Query{Text: "cấp giấy phép xây dựng"})
	if err != nil || res.Total == 0 {
		t.Fatalf("search: %v, %d", err, res.Total)
	}
	var maxID int64
	if err := db.QueryRowContext(ctx, `SELECT MAX(id) FROM dossiers`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	svc := dossier.NewService(db, nil, cat, nil, calendar.NewService(db, nil), dossier.Config{}, nil)
	const sample = 1000
	t0 = time.Now()
	for k := int64(0); k < sample; k++ {
		var code, agency, procCode string
		err := db.QueryRowContext(ctx, `SELECT code, agency_code, procedure_code FROM dossiers WHERE id >= $1 ORDER BY id LIMIT 1`,
			1+k*maxID/sample).Scan(&code, &agency, &procCode)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := svc.Track(ctx, code)
		if err != nil || len(tr.Steps) == 0 || tr.Steps[len(tr.Steps)-1].Status != tr.Status {
			t.Fatalf("track %s: %v, %+v", code, err, tr)
		}
		p, err := cat.Procedure(ctx, procCode)
		if err != nil {
			t.Fatal(err)
		}
		a, err := cat.Agency(ctx, agency)
		if err != nil {
			t.Fatal(err)
		}
		if !dossier.Receives(&p, a) {
			t.Fatalf("dossier %s: %s does not take %s", code, agency, procCode)
		}
	}
	t.Logf("%d dossiers tracked in %s", sample, time.Since(t0).Round(time.Millisecond))
}
