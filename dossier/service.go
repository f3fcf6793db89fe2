package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/payment"
	"github.com/egov-vn/egov/report"
	"github.com/egov-vn/egov/slip"
	"github.com/egov-vn/egov/store"
)

// Catalog is what the service needs of the catalog of procedures.
type Catalog interface {
	AgencyLookup
	Procedure(ctx context.Context, code string) (egov.Procedure, error)
}

// CodeLayout is the shape of national dossier codes.
type CodeLayout string

// Layouts of dossier codes (domain notes): the classic one,
// 000.00.12.H29-200415-0001, and the one of recent portal samples,
// G09.20-20260609-0092637.
const (
	LayoutClassic CodeLayout = "classic" // <agency>-<yymmdd>-<4 digits>
	LayoutPortal  CodeLayout = "portal"  // <agency>-<yyyymmdd>-<7 digits>
)

// Config tunes the service.
type Config struct {
	// PublicURL is the portal's address, for links in e-mails and receipts.
	PublicURL string
	// CodeLayout is the layout of dossier codes; classic by default.
	CodeLayout CodeLayout
	// MaxFileBytes limits one attachment (10 MB by default).
	MaxFileBytes int64
	// MaxDossierBytes limits the papers of one dossier (50 MB by default).
	MaxDossierBytes int64
	// Now is the clock; tests move it.
	Now func() time.Time
	// Gateway takes online payments of fees; nil means fees are paid at
	// the counter and nothing waits for an online payment.
	Gateway payment.Gateway
	// PaymentReturnURL is where the gateway sends the payer back;
	// PublicURL + "/thanh-toan/ket-qua" by default.
	PaymentReturnURL string
	// ServerIP is this server's address as the gateway's query and refund
	// APIs record it; 127.0.0.1 by default.
	ServerIP string
	// Axis carries transfers between agencies over the document
	// interconnection axis; nil keeps them inside egov.
	Axis Axis
	// National reports every change of a dossier to the national portal;
	// nil reports nothing.
	National National
	// Federated holds the dossiers that connected systems pushed to this
	// instance as a national portal, for tracking and "my dossiers"; nil
	// when it is none.
	Federated Federated
}

// National is the national portal as a provincial instance reports to it
// (package federation): SyncTx writes, in the transaction of a change of d,
// what the portal must be told of it. history is d's whole history, the
// change's entry last.
type National interface {
	SyncTx(ctx context.Context, tx *sql.Tx, d *Dossier, history []Event) error
}

// Federated is what a national instance keeps of the dossiers of the
// systems connected to it (package federation).
type Federated interface {
	Track(ctx context.Context, code string, now time.Time) (Tracking, error)
	Mine(ctx context.Context, idNumber string, limit int) ([]Dossier, error)
}

func (c *Config) defaults() {
	if c.CodeLayout == "" {
		c.CodeLayout = LayoutClassic
	}
	if c.MaxFileBytes == 0 {
		c.MaxFileBytes = 10 << 20
	}
	if c.MaxDossierBytes == 0 {
		c.MaxDossierBytes = 50 << 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
}

// Service handles dossiers.
type Service struct {
	db       *store.DB
	queue    *jobs.Queue
	audit    *audit.Log
	catalog  Catalog
	blobs    blob.Store
	calendar *calendar.Service
	cfg      Config
	log      *slog.Logger
	figures  *report.Recorder
}

// NewService returns the dossier service. queue carries the e-mails; nil
// sends none (tools and some tests).
func NewService(db *store.DB, queue *jobs.Queue, cat Catalog, blobs blob.Store, cal *calendar.Service, cfg Config, log *slog.Logger) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, queue: queue, audit: audit.New(db), catalog: cat, blobs: blobs,
		calendar: cal, cfg: cfg, log: log, figures: report.NewRecorder(db)}
}

// Limits returns the size limits of attachments.
func (s *Service) Limits() (perFile, perDossier int64) {
	return s.cfg.MaxFileBytes, s.cfg.MaxDossierBytes
}

// TrackingURL is the public address of a dossier's tracking page.
func (s *Service) TrackingURL(code string) string {
	return s.cfg.PublicURL + "/tra-cuu?ma=" + code
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Request says where a call comes from, for the audit log.
type Request = identity.Request

// Error is a refusal whose message is for the person: a Vietnamese sentence
// that says what to do. Kind is egov.ErrInvalid, ErrForbidden, ErrConflict
// or ErrNotFound.
type Error struct {
	Msg  string
	Kind error
}

func (e *Error) Error() string        { return e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }

func refuse(kind error, msg string) error { return &Error{Msg: msg, Kind: kind} }

// ErrChanged is returned when a dossier changed between the moment the
// caller read it and the moment it acted: someone else acted first.
var ErrChanged = &Error{Msg: "Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang để xem trạng thái mới rồi thao tác lại.", Kind: egov.ErrConflict}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// event is a change to record: the history entry, the audit entry and the
// applicant's e-mail, all written in the transaction of the change.
type event struct {
	actor   *identity.Account
	role    string
	action  string
	from    Status
	comment string
	details map[string]any
	mail    bool // tell the applicant
}

// record writes the history entry, the audit entry and the e-mail job of a
// change of d, which is already updated in tx.
func (s *Service) record(ctx context.Context, tx *sql.Tx, d *Dossier, e event, req Request) error {
	if err := s.writeHistory(ctx, tx, d, e, d.Status, d.Step); err != nil {
		return err
	}
	if e.mail && s.queue != nil && d.Applicant.Email != "" {
		if err := s.queue.InsertTx(ctx, tx, notify.EmailArgs{Email: s.statusEmail(d, e)}, nil); err != nil {
			return err
		}
	}
	auditDetails := map[string]any{"from": string(e.from), "to": string(d.Status), "version": d.Version}
	if e.comment != "" {
		auditDetails["comment"] = e.comment
	}
	for k, v := range e.details {
		auditDetails[k] = v
	}
	actor := e.actor.Actor()
	_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor, ActorIP: req.IP, Action: "dossier." + e.action,
		Subject: "dossier:" + d.Ref(), AgencyCode: d.AgencyCode, Details: auditDetails})
	return err
}

// writeHistory adds the history entry of e, leading to status to at step,
// to the database and to d.History.
func (s *Service) writeHistory(ctx context.Context, tx *sql.Tx, d *Dossier, e event, to Status, step string) error {
	var actorID any
	name := "Hệ thống"
	if e.actor != nil {
		actorID = e.actor.ID
		name = e.actor.FullName
	}
	details := "{}"
	if len(e.details) > 0 {
		b, err := json.Marshal(e.details)
		if err != nil {
			return fmt.Errorf("history details: %w", err)
		}
		details = string(b)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_history
		(dossier_id, at, actor_id, actor_name, actor_role, action, from_status, to_status, step, comment, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		d.ID, d.UpdatedAt, actorID, name, e.role, e.action, string(e.from), string(to), step, e.comment, details); err != nil {
		return fmt.Errorf("history of dossier %s: %w", d.Ref(), err)
	}
	d.History = append(d.History, Event{At: d.UpdatedAt, ActorName: name, ActorRole: e.role, Action: e.action,
		FromStatus: e.from, ToStatus: to, Step: step, Comment: e.comment, Details: e.details})
	if s.cfg.National != nil && d.Code != "" {
		// The history as the transaction sees it, not d.History: some
		// changes load the dossier without it.
		h, err := history(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if err := s.cfg.National.SyncTx(ctx, tx, d, h); err != nil {
			return fmt.Errorf("report of dossier %s to the national portal: %w", d.Ref(), err)
		}
	}
	return nil
}

// statusEmail is the message to the applicant about a change.
func (s *Service) statusEmail(d *Dossier, e event) notify.Email {
	var b strings.Builder
	fmt.Fprintf(&b, "Kính gửi %s,\n\n", d.Applicant.Name)
	fmt.Fprintf(&b, "Hồ sơ %s (%s) %s.\n", d.Code, d.ProcedureName, statusSentence(d.Status))
	if d.DueAt != nil && !d.Status.Closed() {
		fmt.Fprintf(&b, "Ngày hẹn trả kết quả: %s.\n", d.DueAt.In(calendar.Vietnam).Format("02/01/2006"))
	}
	if e.comment != "" {
		fmt.Fprintf(&b, "Ghi chú của cơ quan: %s\n", e.comment)
	}
	fmt.Fprintf(&b, "\nTheo dõi hồ sơ: %s\n", s.TrackingURL(d.Code))
	b.WriteString("\nThư này được gửi tự động, vui lòng không trả lời.\n")
	return notify.Email{
		To:      d.Applicant.Email,
		Subject: fmt.Sprintf("Hồ sơ %s: %s", d.Code, StatusName(d.Status)),
		Text:    b.String(),
	}
}

// StatusName is the Vietnamese name of a status, as the public sees it.
func StatusName(st Status) string {
	switch st {
	case StatusDraft:
		return "Bản nháp"
	case StatusSubmitted:
		return "Chờ tiếp nhận"
	case StatusProcessing:
		return "Đang xử lý"
	case StatusSupplement:
		return "Chờ bổ sung giấy tờ"
	case StatusDone:
		return "Đã có kết quả"
	case StatusReturned:
		return "Đã trả kết quả"
	case StatusRefused:
		return "Từ chối"
	case StatusWithdrawn:
		return "Đã rút"
	}
	return string(st)
}

func statusSentence(st Status) string {
	switch st {
	case StatusSubmitted:
		return "đã được nộp và đang chờ cơ quan tiếp nhận"
	case StatusProcessing:
		return "đã được tiếp nhận và đang được xử lý"
	case StatusSupplement:
		return "cần bổ sung, hoàn thiện giấy tờ; vui lòng bổ sung trên Cổng dịch vụ công"
	case StatusDone:
		return "đã có kết quả"
	case StatusReturned:
		return "đã được trả kết quả"
	case StatusRefused:
		return "không được tiếp nhận giải quyết"
	case StatusWithdrawn:
		return "đã được rút theo yêu cầu của bạn"
	}
	return "đã thay đổi trạng thái: " + StatusName(st)
}

// appointment is the due date of a result for a procedure when the clock
// starts at start.
func appointment(cal *calendar.Calendar, p *egov.Procedure, start time.Time) time.Time {
	amount, unit := float64(p.ProcessingDays), string(egov.UnitWorkingDays)
	for _, w := range p.Ways {
		if w.Channel == egov.ChannelOnline {
			amount, unit = w.ProcessingTime, string(w.Unit)
			break
		}
	}
	if unit == "" {
		unit = string(egov.UnitWorkingDays)
	}
	// A dossier received after 15:00 counts from the next working day, as
	// one-stop desks do.
	local := start.In(calendar.Vietnam)
	if local.Hour() >= 15 {
		start = time.Date(local.Year(), local.Month(), local.Day()+1, 7, 30, 0, 0, calendar.Vietnam)
	}
	return cal.Deadline(start, amount, unit).UTC()
}

// outside is what a change needs from outside its transaction. It is
// fetched before the transaction begins: with SQLite, every connection of
// the pool may be waiting for the write lock, so a transaction that asked
// the pool for one more connection could wait for ever.
type outside struct {
	proc    egov.Procedure
	cal     *calendar.Calendar
	heading *slip.Heading // for documents the change issues
	partner *egov.Agency  // for a transfer
}

func (s *Service) fetch(ctx context.Context, procedureCode string) (outside, error) {
	var o outside
	var err error
	if o.proc, err = s.catalog.Procedure(ctx, procedureCode); err != nil {
		return o, fmt.Errorf("procedure %s: %w", procedureCode, err)
	}
	if o.cal, err = s.calendar.Calendar(ctx); err != nil {
		return o, err
	}
	return o, nil
}

// lookupRef finds a dossier's id from a ref: a code, or a draft's number.
func lookupRef(ctx context.Context, q querier, ref string) (int64, error) {
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil && n > 0 {
		return n, nil
	}
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM dossiers WHERE code = $1`, ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("dossier %q: %w", ref, egov.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("dossier %q: %w", ref, err)
	}
	return id, nil
}
