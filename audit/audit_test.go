package audit_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// appendN appends n entries, each in a transaction of its own.
func appendN(t *testing.T, db *store.DB, n int) []audit.Entry {
	t.Helper()
	log := audit.New(db)
	var out []audit.Entry
	for i := range n {
		err := db.Tx(context.Background(), func(tx *sql.Tx) error {
			e, err := log.Append(context.Background(), tx, audit.Entry{
				Actor:      fmt.Sprintf("official:hn-receiver-%d", i%3),
				ActorIP:    "203.0.113.7",
				Action:     "dossier.received",
				Subject:    fmt.Sprintf("dossier:000.00.12.H29-200415-%04d", i),
				AgencyCode: "000.00.12.H29",
				Details:    map[string]any{"i": i, "ghi_chú": "Hồ sơ đủ điều kiện"},
			})
			out = append(out, e)
			return err
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	return out
}

func verify(t *testing.T, db *store.DB) audit.Report {
	t.Helper()
	rep, err := audit.New(db).Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func wantIntact(t *testing.T, db *store.DB, n int64) {
	t.Helper()
	rep := verify(t, db)
	if rep.FirstBad != nil || rep.Entries != n {
		t.Fatalf("verify = %d entries, problem %v; want %d entries intact", rep.Entries, rep.FirstBad, n)
	}
}

func wantProblem(t *testing.T, db *store.DB, seq int64, reason string) {
	t.Helper()
	rep := verify(t, db)
	if rep.FirstBad == nil {
		t.Fatalf("verify found no problem in %d entries; want one at entry %d", rep.Entries, seq)
	}
	if rep.FirstBad.Seq != seq || !strings.Contains(rep.FirstBad.Reason, reason) {
		t.Fatalf("verify: %v; want entry %d: ...%s...", rep.FirstBad, seq, reason)
	}
	if rep.Entries != seq-1 {
		t.Errorf("verify: %d entries intact; want %d", rep.Entries, seq-1)
	}
}

// exec runs q, which must change want rows.
func exec(t *testing.T, db *store.DB, q string, want int64, args ...any) {
	t.Helper()
	res, err := db.ExecContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n != want {
		t.Fatalf("%s: %d rows affected; want %d", q, n, want)
	}
}

func TestAppendVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wantIntact(t, db, 0)
		entries := appendN(t, db, 50)
		for i, e := range entries {
			if e.Seq != int64(i+1) {
				t.Fatalf("entry %d has seq %d", i, e.Seq)
			}
			if e.Hash != audit.Hash(e) || len(e.Hash) != 64 {
				t.Fatalf("entry %d: hash %q, Hash() %q", e.Seq, e.Hash, audit.Hash(e))
			}
		}
		if entries[0].PrevHash != audit.GenesisHash || entries[1].PrevHash != entries[0].Hash {
			t.Fatalf("chain does not start at genesis or is not linked: %+v", entries[:2])
		}
		wantIntact(t, db, 50)

		// An entry appended in a transaction that rolls back leaves no trace.
		errRollback := errors.New("the change failed")
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := audit.New(db).Append(ctx, tx, audit.Entry{Actor: "system", Action: "test.rolled_back"}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("rolled back transaction: %v", err)
		}
		if got, _ := audit.New(db).List(ctx, audit.Filter{Action: "test.rolled_back"}); len(got) != 0 {
			t.Fatalf("rolled back entry is listed: %+v", got)
		}
		wantIntact(t, db, 50)
		if next := appendN(t, db, 1)[0]; next.Seq != 51 || next.PrevHash != entries[49].Hash {
			t.Fatalf("after the rollback: seq %d, prev %s; want 51 after entry 50", next.Seq, next.PrevHash)
		}
		wantIntact(t, db, 51)

		// What is read back is what was written, to the microsecond.
		got, err := audit.New(db).List(ctx, audit.Filter{Subject: entries[16].Subject})
		if err != nil || len(got) != 1 {
			t.Fatalf("list: %v, %d entries", err, len(got))
		}
		if g, w := got[0], entries[16]; !g.At.Equal(w.At) || g.At.Location() != time.UTC || g.Hash != w.Hash ||
			g.Details["ghi_chú"] != "Hồ sơ đủ điều kiện" || g.Details["i"] != json.Number("16") || audit.Hash(g) != g.Hash {
			t.Fatalf("read back %+v\nwritten %+v", g, w)
		}

		// (a) Edit one entry's details.
		exec(t, db, `UPDATE audit_log SET details = $1 WHERE seq = 17`, 1, `{"ghi_chú":"Hồ sơ bị từ chối","i":16}`)
		wantProblem(t, db, 17, "hash mismatch (altered)")
	})
}

// each runs fn on every engine as subtest name. Each test calls it rather
// than storetest.Each twice: a second subtest of the same name gets a "#01"
// suffix, which ends up in the SQLite file URI, where "#" starts a fragment.
func each(t *testing.T, name string, fn func(t *testing.T, db *store.DB)) {
	t.Run(name, func(t *testing.T) { storetest.Each(t, fn) })
}

func TestVerifyFindsRemovals(t *testing.T) {
	each(t, "middle", func(t *testing.T, db *store.DB) {
		appendN(t, db, 10)
		// (b) Remove an entry from the middle.
		exec(t, db, `DELETE FROM audit_log WHERE seq = 5`, 1)
		wantProblem(t, db, 5, "missing (removed)")
	})
	each(t, "several", func(t *testing.T, db *store.DB) {
		appendN(t, db, 10)
		exec(t, db, `DELETE FROM audit_log WHERE seq IN (5, 6, 7)`, 3)
		wantProblem(t, db, 5, "up to entry 7")
	})
	each(t, "last", func(t *testing.T, db *store.DB) {
		appendN(t, db, 10)
		// (c) Remove the last entry: only the head shows it.
		exec(t, db, `DELETE FROM audit_log WHERE seq = 10`, 1)
		wantProblem(t, db, 10, "removed from the end")
	})
}

func TestVerifyFindsRehashedEdits(t *testing.T) {
	each(t, "middle", func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		appendN(t, db, 10)
		// (d) Edit an entry and recompute its hash, as someone who knows the
		// algorithm would: the entry after it no longer links to it.
		rehash := func(seq int64) {
			list, err := audit.New(db).List(ctx, audit.Filter{Limit: 1, Offset: int(10 - seq)})
			if err != nil || len(list) != 1 || list[0].Seq != seq {
				t.Fatalf("read entry %d: %v %+v", seq, err, list)
			}
			e := list[0]
			e.Actor = "official:someone-else"
			e.Details["ghi_chú"] = "Hồ sơ bị từ chối"
			details, _ := json.Marshal(e.Details)
			exec(t, db, `UPDATE audit_log SET actor = $1, details = $2, hash = $3 WHERE seq = $4`, 1,
				e.Actor, string(details), audit.Hash(e), seq)
		}
		rehash(4)
		wantProblem(t, db, 5, "prev_hash does not match entry 4's hash")
	})
	each(t, "last", func(t *testing.T, db *store.DB) {
		// The last entry has no entry after it: the head shows it instead.
		appendN(t, db, 10)
		list, _ := audit.New(db).List(context.Background(), audit.Filter{Limit: 1})
		e := list[0]
		e.Subject = "dossier:something-else"
		exec(t, db, `UPDATE audit_log SET subject = $1, hash = $2 WHERE seq = 10`, 1, e.Subject, audit.Hash(e))
		wantProblem(t, db, 10, "head")
	})
	each(t, "added", func(t *testing.T, db *store.DB) {
		// An entry added by hand after the head.
		appendN(t, db, 3)
		exec(t, db, `INSERT INTO audit_log (seq, at, actor, actor_ip, action, subject, agency_code, details, prev_hash, hash)
			SELECT 4, at, actor, actor_ip, action, subject, agency_code, details, hash, hash FROM audit_log WHERE seq = 3`, 1)
		wantProblem(t, db, 4, "added outside the log")
	})
}

func TestConcurrentAppends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		const writers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					errs <- db.Tx(ctx, func(tx *sql.Tx) error {
						_, err := log.Append(ctx, tx, audit.Entry{
							Actor:   fmt.Sprintf("official:writer-%d", w),
							Action:  "account.created",
							Subject: fmt.Sprintf("account:%d", w*each+i),
						})
						return err
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent append: %v", err)
			}
		}
		list, err := log.List(ctx, audit.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != writers*each {
			t.Fatalf("%d entries; want %d", len(list), writers*each)
		}
		for i, e := range list {
			if want := int64(writers*each - i); e.Seq != want {
				t.Fatalf("entry %d of the newest-first list has seq %d; want %d", i, e.Seq, want)
			}
		}
		wantIntact(t, db, writers*each)
	})
}

func TestList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		appendN(t, db, 9) // actors hn-receiver-0, -1, -2 in turn
		log := audit.New(db)
		got, err := log.List(ctx, audit.Filter{Actor: "official:hn-receiver-1", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Seq != 8 || got[1].Seq != 5 {
			t.Fatalf("actor filter, limit 2: %+v", got)
		}
		got, _ = log.List(ctx, audit.Filter{Actor: "official:hn-receiver-1", Offset: 2})
		if len(got) != 1 || got[0].Seq != 2 {
			t.Fatalf("actor filter, offset 2: %+v", got)
		}
		got, _ = log.List(ctx, audit.Filter{AgencyCode: "000.00.12.H29", Action: "dossier.received", Subject: "dossier:000.00.12.H29-200415-0003"})
		if len(got) != 1 || got[0].Seq != 4 {
			t.Fatalf("agency, action and subject filter: %+v", got)
		}
		if got, _ = log.List(ctx, audit.Filter{Action: "auth.sign_in"}); len(got) != 0 {
			t.Fatalf("no match: %+v", got)
		}
	})
}

// Details keep what they say, byte for byte, on both databases: large
// integers, structs, times, and text that is not valid UTF-8.
func TestDetailsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		at := time.Date(2025, 1, 29, 0, 30, 0, 123456789, time.FixedZone("ICT", 7*3600))
		var got audit.Entry
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			got, err = log.Append(ctx, tx, audit.Entry{
				At:      at,
				Actor:   "anonymous",
				ActorIP: "198.51.100.1\xff\x00",
				Action:  "auth.sign_in_failed",
				Details: map[string]any{
					"big":    int64(1<<62 + 1),
					"when":   at,
					"nested": struct{ B, A string }{"b", "<a&>"},
					"list":   []any{1.5, "x", nil, true},
				},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !got.At.Equal(at.Truncate(time.Microsecond)) || got.ActorIP != "198.51.100.1\uFFFD\uFFFD" {
			t.Fatalf("appended %+v", got)
		}
		wantIntact(t, db, 1)
		list, _ := log.List(ctx, audit.Filter{})
		if len(list) != 1 || list[0].Details["big"] != json.Number("4611686018427387905") || audit.Hash(list[0]) != got.Hash {
			t.Fatalf("read back %+v", list)
		}

		err = db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := log.Append(ctx, tx, audit.Entry{Actor: "system", Action: "x", Details: map[string]any{"f": func() {}}})
			return err
		})
		if err == nil {
			t.Fatal("details that are not JSON were appended")
		}
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := log.Append(ctx, tx, audit.Entry{Action: "x"})
			return err
		})
		if err == nil {
			t.Fatal("an entry without an actor was appended")
		}
		wantIntact(t, db, 1)
	})
}

// Field boundaries cannot be moved without changing the hash.
func TestHashSeparatesFields(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := audit.Entry{Seq: 1, At: at, Actor: "citizen:1", ActorIP: "23", Action: "auth.sign_in", PrevHash: audit.GenesisHash}
	b := a
	b.Actor, b.ActorIP = "citizen:12", "3"
	c := a
	c.Details = map[string]any{}
	if audit.Hash(a) == audit.Hash(b) {
		t.Error("moving a byte from one field to the next keeps the hash")
	}
	if audit.Hash(a) != audit.Hash(c) {
		t.Error("nil and empty details hash differently")
	}
	d := a
	d.At = at.In(time.FixedZone("ICT", 7*3600))
	if audit.Hash(a) != audit.Hash(d) {
		t.Error("the same instant in another zone hashes differently")
	}
}
