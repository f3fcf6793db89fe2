// Package gen generates a national-scale data set into an egov database,
// for benchmarks and load tests of what the country would put on one
// PostgreSQL: the agency tree, the catalog of procedures, citizens'
// accounts and ten million dossiers with their histories. Everything is
// written in the platform's own tables, in the shape its services write
// them, so that the portal, the back office, the tracking page and the
// reports read the result as if it had been lived.
//
// What it makes, at the national scale (NationalScale):
//
//   - The agency tree: the ministries and departments of the demo data
//     (a few more), the 34 provinces since 1 July 2025 with a dozen
//     departments each, and 3,321 communes, wards and special zones,
//     shared out by the provinces' real counts (the two-level shape); or,
//     with FourLevel, the 63 provinces of before, 705 districts and 10,599
//     communes shared out by population. Codes follow Decision 20/2020
//     (ccc.bb.aa.Xnn) as the demo data reads it.
//   - Three officials per agency (one-stop desk, specialist, leader), so
//     that the back office can be signed into and dossiers are assigned.
//   - 70,000 procedures with codes d.dddddd, valid records (they pass
//     catalog.ValidateProcedure and the portal opens them) spread over 46
//     fields. Online levels: 30 % information only, 30 % partial, 40 % full
//     online, about the national catalog's proportions since Decree
//     42/2022. Processing times from same-day services (8 %) to 60 working
//     days, most of them 3 to 15. A third charge a fee. Central procedures
//     name the ministry or department that does them; local ones the kind
//     of agency ("Sở Tư pháp", "Ủy ban nhân dân cấp xã"), as real records
//     do.
//   - 5 million citizens with valid ID numbers (province of birth
//     registration, century and sex, year of birth: identity.ParseIDNumber
//     reads them), Vietnamese names drawn by the real shares of family
//     names, addresses in their commune, and one shared password hash:
//     every account signs in with DemoPassword. E-mail addresses are at
//     example.com/.net/.org, so that nothing generated can reach a person;
//     the mobile numbers are well-formed, so do not turn on SMS delivery
//     over a generated database.
//   - 10 million dossiers over the years before Config.Now, more of them
//     recently (the number per day grows by 85 % over the span, as online
//     use did), fewer on weekends and holidays (counters are closed; only
//     online submissions arrive). Codes are those of dossier.FormatCode,
//     numbered per agency and day in the order of submission. The
//     procedure is chosen Zipf-like (see rankProcedures): the everyday
//     procedures of communes — certification, residence, civil status —
//     take most dossiers. The channel follows the procedure's online level
//     (information-only procedures are done at the counter; partial ones
//     about 40 % online, full ones about 60 %, growing over the span; 6 %
//     of online ones come through partner applications, the API); a third
//     of counter applicants have no account. The agency follows the
//     procedure: the ministry it names, the applicant's provincial
//     department of the procedure's field, or the applicant's commune
//     (sometimes another of their province), so dossier.Receives holds
//     for every dossier.
//   - Each dossier's life is simulated with the working-day calendar in
//     force (calendar.Service: the shipped holidays and the administrators'
//     amendments) and the default one-stop process: submission, reception
//     (of online dossiers 3 % are refused there, 1 % withdrawn, 6 % asked
//     for supplements, most of which come back), assignment, appraisal (6 %
//     more supplement requests, whose waiting moves the appointment as the
//     engine does; 2.5 % proposed for refusal), approval and the return of
//     the result; ratings on a fifth of results returned online, mostly 5.
//     Results are planned against the appointment: where the legal time
//     leaves room, 62 % early, 29 % on the day, 9 % late (same-day
//     services cannot be early: over the national set about 57 % are early
//     and 41 % on time), the national portal's picture of most results on
//     time. A result released after its appointment always has its apology
//     letter and new appointment first (first_due_at, apology_at), because
//     the engine refuses to approve without one — about 14 % of results;
//     a third of those miss the new date too, which is what
//     dossier.Timeliness and the reports count late: about 2 % of results.
//     Fees of online dossiers are billed and paid, before reception or
//     before the result as the procedure says. The simulation is cut at
//     Config.Now: old dossiers are closed, recent ones are open at
//     whatever step they reached, some overdue, some waiting for
//     supplements with their clock stopped (paused_at). History
//     entries are those dossier.Service writes, with its action names and
//     statuses; the first is the submission (the draft's "created" entry
//     is left out), the last leads to the dossier's status.
//
// Deterministic: the same Config (Seed, counts, Now) gives the same data.
// Loading is as fast as each engine allows: on PostgreSQL with COPY, with
// the secondary indexes and foreign keys of the big tables dropped while
// loading and made again after (Config.KeepIndexes keeps them: at a
// million dossiers that took 4m28s against 1m42s); on SQLite with
// multi-row prepared inserts in transactions of Config.BatchSize dossiers,
// also without the secondary indexes meanwhile. The national scale takes
// about 12 minutes and 21 GB on PostgreSQL.
//
// It computes no report or statistics tables.
package gen

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/store"
)

// Shape is the shape of local government.
type Shape string

// Shapes of local government: provinces and communes since 1 July 2025, or
// provinces, districts and communes before.
const (
	TwoLevel  Shape = "two-level"
	FourLevel Shape = "four-level"
)

// DemoPassword is the password of every generated account, citizens and
// officials alike.
const DemoPassword = "egov-demo-2026"

// Config says what to generate.
type Config struct {
	// Shape is the shape of local government; TwoLevel when empty.
	Shape Shape
	// Communes is the number of communes; 0 takes the real number of the
	// shape (3,321 or 10,599).
	Communes int
	// Procedures, Citizens and Dossiers are the numbers to make.
	Procedures int
	Citizens   int
	Dossiers   int
	// Years is the span of the dossiers, ending at Now; 3 when 0.
	Years float64
	// Seed chooses the data set.
	Seed uint64
	// Now is when the span ends; time.Now() when zero.
	Now time.Time
	// Append allows a database that already has dossiers: the new rows
	// are added beside the old, with codes, ID numbers and identifiers
	// that do not collide. Without it, Generate refuses such a database.
	Append bool
	// KeepIndexes keeps the secondary indexes and foreign keys of the big
	// tables while loading (slower; for measuring what dropping gains).
	// Without it, those of a table the run at least doubles are dropped
	// and made again at the end.
	KeepIndexes bool
	// BatchSize is the number of dossiers (with their histories) per
	// SQLite transaction or PostgreSQL COPY; 10,000 when 0.
	BatchSize int
	// CodeLayout is the layout of dossier codes; dossier.LayoutClassic
	// when empty, as dossier.Config defaults.
	CodeLayout dossier.CodeLayout
	// Progress, when set, receives a line every ProgressEvery (5 s when
	// 0) while rows are written.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// NationalScale is the full data set: the two-level shape, 70,000
// procedures, 5 million citizens and 10 million dossiers over three years.
func NationalScale() Config {
	return Config{Shape: TwoLevel, Procedures: 70_000, Citizens: 5_000_000, Dossiers: 10_000_000, Years: 3, Seed: 1}
}

func (c *Config) defaults() error {
	if c.Shape == "" {
		c.Shape = TwoLevel
	}
	if c.Shape != TwoLevel && c.Shape != FourLevel {
		return fmt.Errorf("gen: shape %q: use %s or %s: %w", c.Shape, TwoLevel, FourLevel, egov.ErrInvalid)
	}
	if c.Communes == 0 {
		c.Communes = communesTwoLevel
		if c.Shape == FourLevel {
			c.Communes = communesFourLevel
		}
	}
	if c.Years == 0 {
		c.Years = 3
	}
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	c.Now = c.Now.UTC().Truncate(time.Second)
	if c.BatchSize <= 0 {
		c.BatchSize = 10_000
	}
	if c.CodeLayout == "" {
		c.CodeLayout = dossier.LayoutClassic
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = 5 * time.Second
	}
	switch {
	case c.Communes < 1 || c.Procedures < 0 || c.Citizens < 0 || c.Dossiers < 0:
		return fmt.Errorf("gen: counts must not be negative, and there must be a commune: %w", egov.ErrInvalid)
	case c.Years < 0 || c.Years > 20:
		return fmt.Errorf("gen: years %.1f: from 0 to 20: %w", c.Years, egov.ErrInvalid)
	case c.Dossiers > 0 && (c.Procedures == 0 || c.Citizens == 0):
		return fmt.Errorf("gen: dossiers need procedures and citizens: %w", egov.ErrInvalid)
	case c.Citizens > 50_000_000:
		return fmt.Errorf("gen: at most 50 million citizens: %w", egov.ErrInvalid)
	}
	return nil
}

// TableStats is what was written to one table.
type TableStats struct {
	Table string
	Rows  int64
	// Load is the time spent writing the rows (COPY or inserts), without
	// generating them.
	Load time.Duration
	// Index is the time spent making its indexes and foreign keys again.
	Index time.Duration
}

// PhaseStats is the wall time of one phase of Generate.
type PhaseStats struct {
	Name string
	Wall time.Duration
	Rows int64 // rows written in the phase, all tables
}

// Stats is what Generate did.
type Stats struct {
	Tables []TableStats
	Phases []PhaseStats
	// SkippedAgencies are generated agencies not used because the
	// database already holds another agency (another level) under the
	// same code, such as the demo's four-level Nghệ An.
	SkippedAgencies int
	// DroppedIndexes is how many indexes and constraints were dropped
	// while loading and made again.
	DroppedIndexes int
	Total          time.Duration
}

// Table returns the statistics of table, zero if it was not written.
func (s *Stats) Table(name string) TableStats {
	for _, t := range s.Tables {
		if t.Table == name {
			return t
		}
	}
	return TableStats{Table: name}
}

func (s *Stats) table(name string) *TableStats {
	for i := range s.Tables {
		if s.Tables[i].Table == name {
			return &s.Tables[i]
		}
	}
	s.Tables = append(s.Tables, TableStats{Table: name})
	return &s.Tables[len(s.Tables)-1]
}

// Streams of random numbers, one per kind of thing made.
const (
	streamTree uint64 = iota + 1
	streamCitizen
	streamProcedure
	streamDay
	streamOfficial
)

// generator holds what the phases share.
type generator struct {
	cfg   Config
	db    *store.DB
	sink  sink
	cal   *calendar.Calendar
	now   time.Time
	start time.Time // midnight in Vietnam of the first day
	hash  string
	stats *Stats
	prog  *progress

	tree      *tree
	names     *names
	oldPopCum []float64
	byLevel   map[egov.Level][]int // usable agencies of each level

	procs     []proc
	procOrder []int
	procCum   []float64
	fallback  int // most popular procedure that takes online dossiers, -1 if none

	officials [][3]official // per agency: receiver, specialist, leader

	citizenBase  int64    // account id of citizen 0 of this run
	citizenIDs   []uint64 // ID numbers, as numbers
	accountsFrom time.Time

	nextDossier int64
	nextHistory int64
}

type official struct {
	id   int64
	name string
}

// Generate writes the data set of cfg into db, which must be migrated.
// It refuses a database with dossiers unless cfg.Append is set.
func Generate(ctx context.Context, db *store.DB, cfg Config) (Stats, error) {
	began := time.Now()
	stats := Stats{}
	if err := cfg.defaults(); err != nil {
		return stats, err
	}
	var has bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM dossiers)`).Scan(&has); err != nil {
		return stats, fmt.Errorf("gen: look for dossiers: %w", err)
	}
	if has && !cfg.Append {
		return stats, fmt.Errorf("gen: %s already has dossiers; generate into an empty database, or pass Append to add to them: %w",
			db.Source, egov.ErrConflict)
	}
	cal, err := calendar.NewService(db, nil).Calendar(ctx)
	if err != nil {
		return stats, fmt.Errorf("gen: calendar: %w", err)
	}
	sk, err := openSink(ctx, db)
	if err != nil {
		return stats, err
	}
	defer sk.close()
	g := &generator{cfg: cfg, db: db, sink: sk, cal: cal, now: cfg.Now, stats: &stats, names: newNames(), fallback: -1}
	g.prog = newProgress(cfg.Progress, cfg.ProgressEvery)
	defer g.prog.stop()
	g.hash = demoHash()
	first := cfg.Now.In(calendar.Vietnam).Add(-time.Duration(cfg.Years * 365.25 * 24 * float64(time.Hour)))
	g.start = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, calendar.Vietnam)
	var pops []float64
	for _, o := range oldProvinces {
		pops = append(pops, o.pop)
	}
	g.oldPopCum = cumulative(pops)
	g.tree = buildTree(cfg.Shape, cfg.Communes, newRNG(cfg.Seed, streamTree, 0))

	phases := []struct {
		name string
		run  func(context.Context) (int64, error)
	}{
		{"agencies", g.loadAgencies},
		{"officials", g.loadOfficials},
		{"procedures", g.loadProcedures},
		{"citizens", g.loadCitizens},
		{"dossiers", g.loadDossiers},
	}
	var dropped []droppedIndex
	defer func() {
		// Whatever happened, the schema gets its indexes back.
		if len(dropped) > 0 {
			g.restoreIndexes(context.WithoutCancel(ctx), dropped)
		}
	}()
	if !cfg.KeepIndexes {
		big, err := g.bigTables(ctx)
		if err != nil {
			return stats, err
		}
		if dropped, err = g.sink.dropIndexes(ctx, big); err != nil {
			return stats, err
		}
		stats.DroppedIndexes = len(dropped)
	}
	for _, ph := range phases {
		t0 := time.Now()
		n, err := ph.run(ctx)
		stats.Phases = append(stats.Phases, PhaseStats{Name: ph.name, Wall: time.Since(t0), Rows: n})
		if err != nil {
			return stats, err
		}
	}
	t0 := time.Now()
	err = g.restoreIndexes(ctx, dropped)
	dropped = nil
	stats.Phases = append(stats.Phases, PhaseStats{Name: "indexes", Wall: time.Since(t0)})
	if err != nil {
		return stats, err
	}
	t0 = time.Now()
	if err := g.sink.finish(ctx, []string{"accounts", "dossiers", "dossier_history"}); err != nil {
		return stats, err
	}
	stats.Phases = append(stats.Phases, PhaseStats{Name: "analyze", Wall: time.Since(t0)})
	stats.Total = time.Since(began)
	return stats, nil
}

// bigTables are the tables whose indexes are dropped while loading: those
// the run at least doubles. Rebuilding the indexes of a table that is
// already large would cost more than the rows to add.
func (g *generator) bigTables(ctx context.Context) ([]string, error) {
	add := map[string]int64{
		"accounts":        int64(g.cfg.Citizens),
		"dossiers":        int64(g.cfg.Dossiers),
		"dossier_history": 6 * int64(g.cfg.Dossiers),
	}
	var out []string
	for _, t := range []string{"accounts", "dossiers", "dossier_history"} {
		have, err := g.maxID(ctx, t)
		if err != nil {
			return nil, err
		}
		if add[t] > 0 && add[t] >= have {
			out = append(out, t)
		}
	}
	return out, nil
}

func (g *generator) restoreIndexes(ctx context.Context, dropped []droppedIndex) error {
	var first error
	for _, d := range dropped {
		t0 := time.Now()
		err := g.sink.exec(ctx, d.create)
		g.stats.table(d.table).Index += time.Since(t0)
		if err != nil && first == nil {
			first = fmt.Errorf("gen: make %s again: %w", d.name, err)
		}
	}
	return first
}

// demoHash is the argon2id hash of DemoPassword in the PHC form identity
// reads, with identity's production cost, made once: hashing millions of
// passwords would take days. The salt is fixed so that the data set is
// the same on every run.
func demoHash() string {
	p := identity.DefaultArgon2
	salt := sha256.Sum256([]byte("egov bench/gen salt"))
	key := argon2.IDKey([]byte(DemoPassword), salt[:16], p.Time, p.MemoryKiB, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt[:16]), b64.EncodeToString(key))
}

// loadAgencies writes the fields of state management and the agency tree,
// keeping what the database already has, and marks the generated agencies
// whose code the database gives to an agency of another level.
func (g *generator) loadAgencies(ctx context.Context) (int64, error) {
	existingFields := map[string]string{}
	if err := g.queryRows(ctx, `SELECT code, name FROM fields`, func(rows *sql.Rows) error {
		var c, n string
		if err := rows.Scan(&c, &n); err != nil {
			return err
		}
		existingFields[c] = n
		return nil
	}); err != nil {
		return 0, fmt.Errorf("gen: fields: %w", err)
	}
	var newFields []fieldSpec
	for _, f := range fieldSpecs {
		if _, ok := existingFields[f.code]; !ok {
			newFields = append(newFields, f)
		}
	}
	if err := g.insert(ctx, "fields", []string{"code", "name"}, len(newFields), func(i int, v []any) {
		v[0], v[1] = newFields[i].code, newFields[i].name
	}); err != nil {
		return 0, err
	}
	existing := map[string]egov.Level{}
	if err := g.queryRows(ctx, `SELECT code, level FROM agencies`, func(rows *sql.Rows) error {
		var c, l string
		if err := rows.Scan(&c, &l); err != nil {
			return err
		}
		existing[c] = egov.Level(l)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("gen: agencies: %w", err)
	}
	var add []int
	for i := range g.tree.agencies {
		a := &g.tree.agencies[i]
		l, ok := existing[a.Code]
		switch {
		case !ok:
			add = append(add, i)
		case l != a.Level:
			a.usable = false
			g.stats.SkippedAgencies++
		}
	}
	now := g.now
	if err := g.insert(ctx, "agencies", []string{"code", "name", "short_name", "level", "parent_code", "address", "phone", "email", "website", "updated_at"},
		len(add), func(i int, v []any) {
			a := &g.tree.agencies[add[i]]
			v[0], v[1], v[2], v[3], v[4] = a.Code, a.Name, a.ShortName, string(a.Level), nullString(a.ParentCode)
			v[5], v[6], v[7], v[8], v[9] = a.Address, "", "", "", now
		}); err != nil {
		return 0, err
	}
	g.byLevel = map[egov.Level][]int{}
	for i, a := range g.tree.agencies {
		if a.usable {
			g.byLevel[a.Level] = append(g.byLevel[a.Level], i)
		}
	}
	if len(g.byLevel[egov.LevelCommune]) == 0 {
		return 0, fmt.Errorf("gen: every generated commune's code belongs to another agency in %s: %w", g.db.Source, egov.ErrConflict)
	}
	return int64(len(newFields) + len(add)), nil
}

// loadOfficials gives every agency its three officials, reusing those a
// previous run made.
func (g *generator) loadOfficials(ctx context.Context) (int64, error) {
	have := map[string]official{}
	if err := g.queryRows(ctx, `SELECT id, username, full_name FROM accounts WHERE kind = 'official'`, func(rows *sql.Rows) error {
		var o official
		var u string
		if err := rows.Scan(&o.id, &u, &o.name); err != nil {
			return err
		}
		have[u] = o
		return nil
	}); err != nil {
		return 0, fmt.Errorf("gen: officials: %w", err)
	}
	next, err := g.maxID(ctx, "accounts")
	if err != nil {
		return 0, err
	}
	type newOfficial struct {
		id                     int64
		username, name, agency string
		role                   identity.Role
	}
	var add []newOfficial
	g.officials = make([][3]official, len(g.tree.agencies))
	for i, a := range g.tree.agencies {
		r := newRNG(g.cfg.Seed, streamOfficial, uint64(i))
		for k := range officialRoles {
			u := officialUsername(k, a.Code)
			if o, ok := have[u]; ok {
				g.officials[i][k] = o
				continue
			}
			name, _ := g.names.person(r, r.chance(0.5))
			next++
			g.officials[i][k] = official{id: next, name: name}
			if a.usable {
				add = append(add, newOfficial{id: next, username: u, name: name, agency: a.Code, role: officialRoles[k].role})
			}
		}
	}
	created := g.start.Add(-365 * 24 * time.Hour).UTC()
	cols := []string{"id", "kind", "username", "full_name", "password_hash", "agency_code", "created_at", "updated_at"}
	if err := g.insert(ctx, "accounts", cols, len(add), func(i int, v []any) {
		o := &add[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = o.id, "official", o.username, o.name, g.hash, o.agency, created, created
	}); err != nil {
		return 0, err
	}
	if err := g.insert(ctx, "account_roles", []string{"account_id", "role"}, len(add), func(i int, v []any) {
		v[0], v[1] = add[i].id, string(add[i].role)
	}); err != nil {
		return 0, err
	}
	g.stats.table("accounts").Rows += int64(len(add))
	return int64(2 * len(add)), nil
}

// loadProcedures makes the catalog's procedures, with codes the database
// does not have yet, and bumps the catalog's revision so that every
// replica rebuilds its search index.
func (g *generator) loadProcedures(ctx context.Context) (int64, error) {
	taken := map[string]bool{}
	if err := g.queryRows(ctx, `SELECT code FROM procedures`, func(rows *sql.Rows) error {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		taken[c] = true
		return nil
	}); err != nil {
		return 0, fmt.Errorf("gen: procedures: %w", err)
	}
	fieldNames := map[string]string{}
	if err := g.queryRows(ctx, `SELECT code, name FROM fields`, func(rows *sql.Rows) error {
		var c, n string
		if err := rows.Scan(&c, &n); err != nil {
			return err
		}
		fieldNames[c] = n
		return nil
	}); err != nil {
		return 0, fmt.Errorf("gen: fields: %w", err)
	}
	procs, err := g.makeProcedures(g.cfg.Procedures, taken, fieldNames)
	if err != nil {
		return 0, err
	}
	g.procs = procs
	g.procOrder, g.procCum = rankProcedures(procs)
	for _, i := range g.procOrder {
		if procs[i].online != egov.OnlineInformation {
			g.fallback = i
			break
		}
	}
	now := g.now
	cols := []string{"code", "name", "field_code", "online_level", "processing_days", "status", "record", "updated_at"}
	days := func(p *proc) int64 {
		if p.dueUnit == string(egov.UnitHours) {
			return 0
		}
		return int64(p.dueAmount)
	}
	if err := g.timedInsert(ctx, "procedures", cols, len(procs), func(i int, v []any) {
		p := &procs[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = p.code, p.name, p.field, string(p.online), days(p), "active", p.record, now
	}); err != nil {
		return 0, err
	}
	for i := range g.procs {
		g.procs[i].record = "" // written; the rest of the run needs no record
	}
	if len(procs) > 0 {
		if err := g.sink.exec(ctx, `UPDATE catalog_revision SET revision = revision + 1, updated_at = $1 WHERE id = 1`, now); err != nil {
			return 0, fmt.Errorf("gen: bump catalog revision: %w", err)
		}
	}
	return int64(len(procs)), nil
}

func (g *generator) maxID(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := g.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("gen: last id of %s: %w", table, err)
	}
	return n, nil
}

func (g *generator) queryRows(ctx context.Context, q string, each func(*sql.Rows) error) error {
	rows, err := g.db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// insert writes n rows of a small table.
func (g *generator) insert(ctx context.Context, table string, cols []string, n int, row func(int, []any)) error {
	if n == 0 {
		return nil
	}
	if err := g.sink.batch(ctx, func() error { return g.sink.insert(ctx, table, cols, n, row) }); err != nil {
		return fmt.Errorf("gen: write %s: %w", table, err)
	}
	return nil
}

// timedInsert is insert, counted in the table's statistics.
func (g *generator) timedInsert(ctx context.Context, table string, cols []string, n int, row func(int, []any)) error {
	t0 := time.Now()
	err := g.insert(ctx, table, cols, n, row)
	ts := g.stats.table(table)
	ts.Load += time.Since(t0)
	if err == nil {
		ts.Rows += int64(n)
	}
	return err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// errStop ends a producer whose consumer has failed.
var errStop = errors.New("gen: stopped")

// pipeline runs produce and consume concurrently over a channel of depth
// 2, so that generating the next batch overlaps writing this one. The
// first error wins; the other side is told to stop.
func pipeline[T any](ctx context.Context, produce func(ctx context.Context, emit func(T) error) error, consume func(T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan T, 2)
	perr := make(chan error, 1)
	go func() {
		defer close(ch)
		perr <- produce(ctx, func(v T) error {
			select {
			case ch <- v:
				return nil
			case <-ctx.Done():
				return errStop
			}
		})
	}()
	var cerr error
	for v := range ch {
		if cerr == nil {
			if cerr = consume(v); cerr != nil {
				cancel()
			}
		}
	}
	if err := <-perr; cerr == nil && err != nil && !errors.Is(err, errStop) {
		return err
	}
	if cerr == nil {
		return ctx.Err()
	}
	return cerr
}

// fold lower-cases an ASCII code for search text.
func fold(s string) string { return strings.ToLower(s) }
