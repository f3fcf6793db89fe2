package exchange_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// BenchmarkEndToEnd measures documents per second through the axis, end
// to end, on each database, beside a raw baseline on the same database in
// the same run. One document is:
//
//   - sent: the sender's signed edXML envelope, with one 10 KB attachment,
//     submitted with Service.Submit (parsed, signature checked, stored with
//     its delivery, its message log entry and its push job);
//   - delivered: Service.Push posts it to the recipient's endpoint, an
//     httptest server that parses the body with edxml.Parse and answers
//     204, and records the delivery;
//   - answered: the recipient's signed status 01 (đã đến) about it,
//     submitted with Service.Submit;
//   - and the receipt pulled by the sender with Service.Inbox and
//     Service.Ack.
//
// Documents and receipts are signed before the timer: this measures the
// axis, not the clients' signing (edxml's BenchmarkMarshalSign measures
// that). The job queue is real but never started, so the push jobs are
// inserted as in production and nobody works them; the benchmark calls
// Push itself, one document at a time.
//
// The baseline is a bare loop that inserts one row as large as a signed
// document into a plain table, one transaction per row. The "ratio" line
// is the fraction of the baseline's rate that documents reach: documents
// end to end per second over rows per second.
//
//	go test ./exchange -run '^$' -bench EndToEnd -benchtime 200x
//
// PostgreSQL runs when EGOV_TEST_POSTGRES_URL is set.
func BenchmarkEndToEnd(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(testing.TB, ...func(*store.DB) func(context.Context) error) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(engine.name, func(b *testing.B) {
			env := newE2EBench(b, engine.open(b, jobs.Migrate))
			// Rates by GOMAXPROCS, so that -cpu 2,8 compares like with like.
			docRate, baseRate := map[int]float64{}, map[int]float64{}
			b.Run("document", func(b *testing.B) {
				docRate[runtime.GOMAXPROCS(0)] = env.roundTrips(b)
			})
			b.Run("baseline", func(b *testing.B) {
				baseRate[runtime.GOMAXPROCS(0)] = env.inserts(b)
			})
			b.Run("ratio", func(b *testing.B) {
				for range b.N {
				}
				procs := runtime.GOMAXPROCS(0)
				if docRate[procs] == 0 || baseRate[procs] == 0 {
					b.Skip("run document and baseline in the same run to see their ratio")
				}
				b.ReportMetric(docRate[procs]/baseRate[procs], "document/baseline")
			})
		})
	}
}

// Members of the benchmark, agencies of the demo data.
const (
	e2eSender    = "000.00.00.G22" // Government Office: sends, pulls its receipts
	e2eRecipient = "000.00.00.H41" // Nghệ An: receives by push, answers
)

var e2eAdmin = &identity.Account{ID: 1, Kind: identity.KindOfficial, Username: "hethong", Roles: []identity.Role{identity.RoleSystemAdmin}}

// e2eSeq numbers documents and baseline rows across runs.
var e2eSeq atomic.Int64

// e2eBench is what the measurements need, set up once per database.
type e2eBench struct {
	db         *store.DB
	svc        *exchange.Service
	signers    map[string]signer
	attachment []byte
	received   atomic.Int64 // documents the endpoint accepted
	row        string       // the baseline's row, as large as a signed document
}

func newE2EBench(b *testing.B, db *store.DB) *e2eBench {
	b.Helper()
	ctx := context.Background()
	cat := catalog.NewService(db, nil)
	b.Cleanup(func() { cat.Close() })
	if _, err := demo.Load(ctx, cat); err != nil {
		b.Fatal(err)
	}
	queue, err := jobs.New(db, jobs.Config{})
	if err != nil {
		b.Fatal(err)
	}
	env := &e2eBench{db: db, signers: map[string]signer{}, attachment: make([]byte, 10<<10)}
	rand.Read(env.attachment)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e, err := edxml.Parse(body)
		if err != nil || e.MessageID != req.Header.Get(exchange.MessageIDHeader) {
			http.Error(w, fmt.Sprintf("not the edXML announced: %v", err), http.StatusBadRequest)
			return
		}
		env.received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	env.svc = exchange.NewService(db, queue, exchange.Config{}, nil)
	for code, endpoint := range map[string]string{e2eSender: "", e2eRecipient: srv.URL} {
		if _, err := env.svc.SaveMember(ctx, e2eAdmin, exchange.Member{AgencyCode: code, Name: "Cơ quan " + code, Endpoint: endpoint}, identity.Request{}); err != nil {
			b.Fatal(err)
		}
		env.signers[code] = newSigner(b, code)
		if _, err := env.svc.AddKey(ctx, e2eAdmin, code, env.signers[code].pem(), identity.Request{}); err != nil {
			b.Fatal(err)
		}
	}
	_, body := env.document(b)
	env.row = strings.Repeat("x", len(body))

	ddl := `CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)`
	if db.Dialect == store.Postgres {
		ddl = `CREATE TABLE bench_baseline (id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)`
	}
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		b.Fatal(err)
	}
	return env
}

// document is a signed document from the sender to the recipient, with a
// 10 KB attachment.
func (e *e2eBench) document(b *testing.B) (*edxml.Envelope, []byte) {
	b.Helper()
	n := e2eSeq.Add(1)
	doc := &edxml.Envelope{
		MessageID:    fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), n),
		DocumentID:   fmt.Sprintf("%s,2026/12/04,%d/VPCP-TTĐT", e2eSender, n),
		From:         edxml.Organ{OrganID: e2eSender, OrganName: "Cơ quan " + e2eSender},
		To:           []edxml.Organ{{OrganID: e2eRecipient, OrganName: "Cơ quan " + e2eRecipient}},
		Code:         edxml.Code{CodeNumber: strconv.FormatInt(n, 10), CodeNotation: "VPCP-TTĐT"},
		Promulgation: edxml.Promulgation{Place: "Hà Nội", Date: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)},
		DocumentType: edxml.DocumentType{Type: 1, TypeDetail: 2, TypeName: "Công văn"},
		Subject:      fmt.Sprintf("Về việc triển khai dịch vụ công trực tuyến, lần %d", n),
		Signer:       edxml.Signer{Competence: "KT. BỘ TRƯỞNG", Position: "Thứ trưởng", FullName: "Nguyễn Văn A"},
		Traces:       []edxml.Trace{{OrganID: e2eSender, Timestamp: time.Now()}},
		Attachments:  []edxml.Attachment{{ContentID: "att1", ContentType: "application/pdf", Name: "cong-van.pdf", Data: e.attachment}},
	}
	return doc, e.sign(b, e2eSender, func() ([]byte, error) { return edxml.Marshal(doc) })
}

// receipt is the recipient's signed status 01 about doc.
func (e *e2eBench) receipt(b *testing.B, doc *edxml.Envelope) []byte {
	b.Helper()
	st := &edxml.Status{ResponseFor: edxml.ResponseFor{OrganID: doc.From.OrganID, DocumentID: doc.DocumentID},
		From: edxml.Organ{OrganID: e2eRecipient, OrganName: "Cơ quan " + e2eRecipient}, StatusCode: edxml.StatusArrived,
		Description: edxml.StatusCodes[edxml.StatusArrived], Timestamp: time.Now()}
	return e.sign(b, e2eRecipient, func() ([]byte, error) { return edxml.MarshalStatus(st) })
}

func (e *e2eBench) sign(b *testing.B, who string, marshal func() ([]byte, error)) []byte {
	b.Helper()
	doc, err := marshal()
	if err != nil {
		b.Fatal(err)
	}
	signed, err := edxml.Sign(doc, e.signers[who].key, e.signers[who].cert)
	if err != nil {
		b.Fatal(err)
	}
	return signed
}

// roundTrips signs b.N documents and their receipts, then times their
// journeys, and returns documents per second.
func (e *e2eBench) roundTrips(b *testing.B) float64 {
	ctx := context.Background()
	docs, receipts := make([][]byte, b.N), make([][]byte, b.N)
	for i := range b.N {
		var env *edxml.Envelope
		env, docs[i] = e.document(b)
		receipts[i] = e.receipt(b, env)
	}
	before := e.received.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, dup, err := e.svc.Submit(ctx, e2eSender, docs[i], "127.0.0.1"); err != nil || dup {
			b.Fatalf("submit document %d: duplicate %v, %v", i, dup, err)
		}
		if n, err := e.svc.Push(ctx, e2eRecipient); err != nil || n != 1 {
			b.Fatalf("push document %d: %d delivered, %v", i, n, err)
		}
		if _, dup, err := e.svc.Submit(ctx, e2eRecipient, receipts[i], "127.0.0.1"); err != nil || dup {
			b.Fatalf("submit receipt %d: duplicate %v, %v", i, dup, err)
		}
		inbox, err := e.svc.Inbox(ctx, e2eSender, 0, 0)
		if err != nil || len(inbox) != 1 || inbox[0].Kind != exchange.KindStatus {
			b.Fatalf("the sender's inbox after receipt %d: %d items, %v", i, len(inbox), err)
		}
		if err := e.svc.Ack(ctx, e2eSender, inbox[0].DeliveryID, "127.0.0.1"); err != nil {
			b.Fatalf("ack receipt %d: %v", i, err)
		}
	}
	b.StopTimer()
	if got := e.received.Load() - before; got != int64(b.N) {
		b.Fatalf("the endpoint accepted %d documents, want %d", got, b.N)
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "docs/s")
	return rate
}

// inserts times b.N single-row transactions and returns rows per second.
func (e *e2eBench) inserts(b *testing.B) float64 {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		err := e.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO bench_baseline (code, body, created_at) VALUES ($1, $2, $3)`,
				"bench-"+strconv.FormatInt(e2eSeq.Add(1), 10), e.row, time.Now().UTC())
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "rows/s")
	return rate
}
