// Package audit keeps the platform's audit log: who did what to which thing,
// when and from where. The log is append-only and tamper-evident: every
// entry carries the SHA-256 of its own content and of the entry before it,
// and a one-row head records the last entry, so that Verify finds an entry
// that was edited, removed from the middle or removed from the end.
//
// The chain shows tampering by someone who edits rows without recomputing
// every later hash and the head. Someone with write access to the database
// who rewrites the whole tail can only be caught by comparing the head with
// a copy kept elsewhere.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov/store"
)

// Entry is one line of the audit log.
type Entry struct {
	// Seq numbers the entries 1, 2, 3... without gaps.
	Seq int64 `json:"seq"`
	// At is when the entry was appended, in UTC, to the microsecond.
	At time.Time `json:"at"`
	// Actor is who acted: "citizen:001090012345", "official:hn-receiver-1",
	// "system" or "anonymous".
	Actor string `json:"actor"`
	// ActorIP is the address the request came from, if any.
	ActorIP string `json:"actor_ip"`
	// Action is what was done: "auth.sign_in", "auth.sign_in_failed",
	// "account.created", "official.role_changed"...
	Action string `json:"action"`
	// Subject is what was acted on: "account:42",
	// "dossier:000.00.12.H29-200415-0001". It may be empty.
	Subject string `json:"subject"`
	// AgencyCode is the agency the action belongs to, if any.
	AgencyCode string `json:"agency_code"`
	// Details holds whatever else is worth keeping. Entries read back from
	// the database hold JSON numbers as json.Number, so that large integers
	// keep every digit.
	Details map[string]any `json:"details"`
	// PrevHash is the Hash of the entry before, or GenesisHash for the first.
	PrevHash string `json:"prev_hash"`
	// Hash is Hash(entry), set by Append.
	Hash string `json:"hash"`
}

// GenesisHash is the PrevHash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashVersion starts every hashed encoding, so that a future change of the
// encoding cannot be confused with this one.
const hashVersion = "egov-audit-v1"

// Hash returns the hex SHA-256 of e's content: every field but Hash itself.
// The fields are encoded as netstrings ("<byte length>:<bytes>,"), so that no
// field's bytes can be shifted into its neighbour, in this order:
//
//	"egov-audit-v1", Seq in decimal, At in UTC as RFC 3339 with nanoseconds
//	(trailing zeros dropped), Actor, ActorIP, Action, Subject, AgencyCode,
//	Details as canonical JSON ("{}" when empty), PrevHash
//
// Canonical JSON is what encoding/json writes for the details decoded into
// plain maps, slices and json.Numbers: keys sorted, no spaces, numbers as
// written. Hash returns "" if Details cannot be encoded as JSON, which
// Append refuses.
func Hash(e Entry) string {
	details, err := canonicalJSON(e.Details)
	if err != nil {
		return ""
	}
	return hashOf(e, details)
}

// hashOf hashes e with its details already encoded, as they are stored.
func hashOf(e Entry, details string) string {
	h := sha256.New()
	for _, f := range []string{
		hashVersion,
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.ActorIP, e.Action, e.Subject, e.AgencyCode,
		details,
		e.PrevHash,
	} {
		netstring(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func netstring(h hash.Hash, s string) {
	h.Write(strconv.AppendInt(nil, int64(len(s)), 10))
	h.Write([]byte{':'})
	h.Write([]byte(s))
	h.Write([]byte{','})
}

// canonicalJSON encodes details so that decoding and encoding again gives
// the same bytes: values of any type (structs, times) become what a reader
// of the stored text gets back, maps with sorted keys and numbers as
// json.Number.
func canonicalJSON(details map[string]any) (string, error) {
	if len(details) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(details)
	if err != nil {
		return "", fmt.Errorf("audit: encode details: %w", err)
	}
	v, err := decodeDetails(b)
	if err != nil {
		return "", err
	}
	if b, err = json.Marshal(v); err != nil {
		return "", fmt.Errorf("audit: encode details: %w", err)
	}
	return string(b), nil
}

func decodeDetails(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("audit: decode details: %w", err)
	}
	return m, nil
}

// Log is the audit log of one database, or another log chained the same
// way (see NewChain).
type Log struct {
	db          *store.DB
	table, head string // the entries and the one-row head
}

// New returns the audit log kept in db.
func New(db *store.DB) *Log {
	return NewChain(db, "audit_log", "audit_head")
}

// NewChain returns a log with the audit log's columns and guarantees kept
// in other tables of db, such as the document exchange's message log: the
// entries in table, the head in head (one row, id 1). The names are the
// caller's constants, never input.
func NewChain(db *store.DB, table, head string) *Log {
	return &Log{db: db, table: table, head: head}
}

// Lock takes the lock that Append takes, without appending. A caller that
// updates shared rows in transactions that also append (the report
// package's figures) takes it first, so that every transaction acquires
// those rows while holding the head and none can wait for the head while
// holding rows another waits for. On SQLite it does nothing: one writer
// is in at a time already.
func (l *Log) Lock(ctx context.Context, tx *sql.Tx) error {
	if l.db.Dialect != store.Postgres {
		return nil
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM `+l.head+` WHERE id = 1 FOR UPDATE`).Scan(&seq); err != nil {
		return fmt.Errorf("audit: lock head: %w", err)
	}
	return nil
}

// Append adds e to the log inside tx, so that the entry is committed or
// rolled back with the change it records. It sets Seq, PrevHash and Hash,
// and At to now unless it is set; At is kept in UTC and whole microseconds,
// which both databases store exactly. Invalid UTF-8 and NUL bytes in the
// text fields (which may come from a request) are replaced with U+FFFD.
// Actor and Action are required.
//
// Append locks the log's head until tx ends, so appenders wait for each
// other: call it last in a transaction, after the change it records, to
// hold that lock briefly and to take it after the transaction's other
// locks. On PostgreSQL tx must run at READ COMMITTED, the default.
func (l *Log) Append(ctx context.Context, tx *sql.Tx, e Entry) (Entry, error) {
	for _, s := range []*string{&e.Actor, &e.ActorIP, &e.Action, &e.Subject, &e.AgencyCode} {
		*s = clean(*s)
	}
	if e.Actor == "" || e.Action == "" {
		return Entry{}, errors.New("audit: an entry needs an actor and an action")
	}
	details, err := canonicalJSON(e.Details)
	if err != nil {
		return Entry{}, err
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)

	head := `SELECT seq, hash FROM ` + l.head + ` WHERE id = 1`
	if l.db.Dialect == store.Postgres {
		// Other appenders wait here until tx ends; SQLite needs no lock
		// because the store begins every write transaction IMMEDIATE, which
		// already lets one writer in at a time.
		head += ` FOR UPDATE`
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, head).Scan(&seq, &e.PrevHash); err != nil {
		return Entry{}, fmt.Errorf("audit: read head: %w", err)
	}
	e.Seq = seq + 1
	if e.PrevHash == "" {
		e.PrevHash = GenesisHash
	}
	e.Hash = hashOf(e, details)
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+l.table+`
		(seq, at, actor, actor_ip, action, subject, agency_code, details, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.Seq, e.At, e.Actor, e.ActorIP, e.Action, e.Subject, e.AgencyCode, details, e.PrevHash, e.Hash); err != nil {
		return Entry{}, fmt.Errorf("audit: append entry %d: %w", e.Seq, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+l.head+` SET seq = $1, hash = $2 WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return Entry{}, fmt.Errorf("audit: update head: %w", err)
	}
	return e, nil
}

func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Report is the result of Verify.
type Report struct {
	// Entries is how many entries were found intact, from the first on:
	// all of them, or those before FirstBad.
	Entries int64 `json:"entries"`
	// FirstBad is the first problem found, or nil if the log is intact.
	FirstBad *Problem `json:"first_bad,omitempty"`
}

// Problem is a place where the log was tampered with.
type Problem struct {
	// Seq is the entry concerned: altered, missing or misplaced. It is 0
	// when the problem is the head itself.
	Seq int64 `json:"seq"`
	// Reason says what is wrong, for an operator.
	Reason string `json:"reason"`
}

// String returns "entry N: reason".
func (p Problem) String() string {
	if p.Seq == 0 {
		return p.Reason
	}
	return fmt.Sprintf("entry %d: %s", p.Seq, p.Reason)
}

func (l *Log) columns() string {
	return `SELECT seq, at, actor, actor_ip, action, subject, agency_code, details, prev_hash, hash FROM ` + l.table
}

func scan(rows *sql.Rows) (Entry, string, error) {
	var e Entry
	var details string
	err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.ActorIP, &e.Action, &e.Subject, &e.AgencyCode, &details, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, details, err
}

// Verify reads the whole log in order, recomputes every hash and link, and
// compares the last entry with the head. It reports the first entry that
// was altered (its hash does not match its content), removed (a gap in the
// numbers, or entries missing after the last one left), rehashed after an
// edit (the next entry's PrevHash, or the head, no longer matches it), or
// added outside Append. It reads one consistent snapshot, so it may run
// while others append. The error is for failures to read, not tampering.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if l.db.Dialect == store.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	// A read-only transaction on SQLite is a deferred one: in WAL mode it
	// reads a snapshot and does not hold up writers.
	tx, err := l.db.BeginTx(ctx, opts)
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer tx.Rollback()

	var rep Report
	var headSeq int64
	var headHash string
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM `+l.head+` WHERE id = 1`).Scan(&headSeq, &headHash)
	if errors.Is(err, sql.ErrNoRows) {
		rep.FirstBad = &Problem{Reason: "the head (" + l.head + ") is missing"}
		return rep, nil
	}
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: read head: %w", err)
	}

	rows, err := tx.QueryContext(ctx, l.columns()+` ORDER BY seq`)
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	prev, want := GenesisHash, int64(1)
	for rows.Next() {
		e, details, err := scan(rows)
		if err != nil {
			return Report{}, fmt.Errorf("audit: verify: %w", err)
		}
		if p := check(e, details, want, prev, headSeq); p != nil {
			rep.FirstBad = p
			return rep, nil
		}
		rep.Entries++
		prev, want = e.Hash, want+1
	}
	if err := rows.Err(); err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	last := want - 1
	switch {
	case headSeq > last:
		reason := "missing (removed from the end"
		if headSeq > last+1 {
			reason += fmt.Sprintf(", with those after it up to entry %d", headSeq)
		}
		rep.FirstBad = &Problem{Seq: last + 1, Reason: reason + ")"}
	case last > 0 && headHash != prev:
		rep.Entries--
		rep.FirstBad = &Problem{Seq: last, Reason: "hash does not match the head's (altered and rehashed)"}
	}
	return rep, nil
}

// check returns what is wrong with e, read where entry want should be, after
// an entry whose hash is prev, in a log whose head is at headSeq.
func check(e Entry, details string, want int64, prev string, headSeq int64) *Problem {
	switch {
	case e.Seq > headSeq:
		return &Problem{Seq: e.Seq, Reason: fmt.Sprintf("added outside the log (the head is at entry %d)", headSeq)}
	case e.Seq < want:
		return &Problem{Seq: e.Seq, Reason: "added outside the log (numbered out of sequence)"}
	case e.Seq == want+1:
		return &Problem{Seq: want, Reason: "missing (removed)"}
	case e.Seq > want:
		return &Problem{Seq: want, Reason: fmt.Sprintf("missing (removed, with those after it up to entry %d)", e.Seq-1)}
	case hashOf(e, details) != e.Hash:
		return &Problem{Seq: e.Seq, Reason: "hash mismatch (altered)"}
	case e.PrevHash != prev && want == 1:
		return &Problem{Seq: e.Seq, Reason: "prev_hash is not the genesis hash (altered and rehashed)"}
	case e.PrevHash != prev:
		return &Problem{Seq: e.Seq, Reason: fmt.Sprintf("prev_hash does not match entry %d's hash (entry %d altered and rehashed)", want-1, want-1)}
	}
	return nil
}

// Filter selects entries for List. Empty fields match everything.
type Filter struct {
	Actor      string
	Action     string
	Subject    string
	AgencyCode string
	// Limit is the most entries returned: 100 if zero or less, at most 1000.
	Limit int
	// Offset skips that many of the newest matching entries.
	Offset int
}

// List returns the entries that match f, newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	for _, c := range []struct{ column, value string }{
		{"actor", f.Actor}, {"action", f.Action}, {"subject", f.Subject}, {"agency_code", f.AgencyCode},
	} {
		if c.value != "" {
			args = append(args, c.value)
			where = append(where, fmt.Sprintf("%s = $%d", c.column, len(args)))
		}
	}
	q := l.columns()
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	args = append(args, limit, max(f.Offset, 0))
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args))

	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var list []Entry
	for rows.Next() {
		e, details, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		if e.Details, err = decodeDetails([]byte(details)); err != nil {
			return nil, fmt.Errorf("audit: list: entry %d: %w", e.Seq, err)
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return list, nil
}
