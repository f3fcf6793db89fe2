package cabinet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/store"
)

// Config tunes the service.
type Config struct {
	PublicURL string           // for links in e-mails
	Now       func() time.Time // the clock; tests move it
	// RemindBefore is how long before a ballot's deadline the members who
	// have not answered are reminded (a day by default).
	RemindBefore time.Duration
}

// Service runs the bodies, meetings and ballots.
type Service struct {
	db    *store.DB
	queue *jobs.Queue
	audit *audit.Log
	blobs blob.Store
	cfg   Config
	log   *slog.Logger
}

// NewService returns the e-Cabinet service; queue carries the e-mails.
func NewService(db *store.DB, queue *jobs.Queue, blobs blob.Store, cfg Config, log *slog.Logger) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RemindBefore == 0 {
		cfg.RemindBefore = 24 * time.Hour
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, queue: queue, audit: audit.New(db), blobs: blobs, cfg: cfg, log: log}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Error is a refusal whose message is for the person, in Vietnamese.
type Error struct {
	Msg  string
	Kind error
}

func (e *Error) Error() string        { return e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }

func refuse(kind error, msg string) error { return &Error{Msg: msg, Kind: kind} }

func notFound(what string, id int64) error {
	return fmt.Errorf("%s %d: %w", what, id, egov.ErrNotFound)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, actor *identity.Account, req identity.Request, action, subject, agency string, details map[string]any) error {
	_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: action,
		Subject: subject, AgencyCode: agency, Details: details})
	return err
}

// mail queues an e-mail to each account that has an address.
func (s *Service) mail(ctx context.Context, tx *sql.Tx, accounts []int64, subject, text string) error {
	if s.queue == nil {
		return nil
	}
	for _, id := range accounts {
		var email string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM accounts WHERE id = $1 AND disabled_at IS NULL`, id).Scan(&email); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			return fmt.Errorf("e-mail address: %w", err)
		}
		if email == "" {
			continue
		}
		if err := s.queue.InsertTx(ctx, tx, notify.EmailArgs{Email: notify.Email{To: email, Subject: subject, Text: text}}, nil); err != nil {
			return err
		}
	}
	return nil
}

func cleanText(fe egov.FieldErrors, key, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		fe[key] = "Vui lòng nhập nội dung này."
	case utf8.RuneCountInString(v) > max:
		fe[key] = fmt.Sprintf("Tối đa %d ký tự.", max)
	}
	return v
}

// CreateBody creates a body of an agency; its administrator or a system
// administrator does it.
func (s *Service) CreateBody(ctx context.Context, actor *identity.Account, agency, name string, req identity.Request) (Body, error) {
	if !actor.ActsFor(agency, identity.RoleAgencyAdmin) {
		return Body{}, refuse(egov.ErrForbidden, "Chỉ quản trị viên của cơ quan lập được cơ quan họp của cơ quan.")
	}
	fe := egov.FieldErrors{}
	name = cleanText(fe, "name", name, 200, true)
	if len(fe) > 0 {
		return Body{}, fe
	}
	b := Body{AgencyCode: agency, Name: name, Members: []Member{}}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM agencies WHERE code = $1`, agency).Scan(&n); err != nil {
			return fmt.Errorf("body: %w", err)
		}
		if n == 0 {
			return egov.FieldErrors{"agency_code": "Không có cơ quan mã " + agency + "."}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO cabinet_bodies (agency_code, name, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			agency, name, actor.Actor(), s.now()).Scan(&b.ID); err != nil {
			return fmt.Errorf("body: %w", err)
		}
		return s.record(ctx, tx, actor, req, "cabinet.body_created", fmt.Sprintf("cabinet_body:%d", b.ID), agency, map[string]any{"name": name})
	})
	return b, err
}

// SetMembers replaces the members of a body: officials of the agency tree,
// each a chair, a member or a secretary.
func (s *Service) SetMembers(ctx context.Context, actor *identity.Account, bodyID int64, members []Member, req identity.Request) (Body, error) {
	b, err := s.body(ctx, s.db, bodyID)
	if err != nil {
		return b, err
	}
	if !actor.ActsFor(b.AgencyCode, identity.RoleAgencyAdmin) {
		return Body{}, refuse(egov.ErrForbidden, "Chỉ quản trị viên của cơ quan sửa được thành viên.")
	}
	fe := egov.FieldErrors{}
	seen := map[int64]bool{}
	for i, m := range members {
		if !m.Role.Valid() {
			fe[fmt.Sprintf("members[%d].role", i)] = "Vai trò là chair, member hoặc secretary."
		}
		if seen[m.AccountID] {
			fe[fmt.Sprintf("members[%d].account_id", i)] = "Một người chỉ có một vai trò trong cơ quan họp."
		}
		seen[m.AccountID] = true
	}
	if len(members) > 500 {
		fe["members"] = "Tối đa 500 thành viên."
	}
	if len(fe) > 0 {
		return Body{}, fe
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i, m := range members {
			var kind string
			err := tx.QueryRowContext(ctx, `SELECT kind FROM accounts WHERE id = $1 AND disabled_at IS NULL`, m.AccountID).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != string(identity.KindOfficial)) {
				return egov.FieldErrors{fmt.Sprintf("members[%d].account_id", i): "Thành viên phải là cán bộ, công chức có tài khoản đang hoạt động."}
			}
			if err != nil {
				return fmt.Errorf("members: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM cabinet_members WHERE body_id = $1`, bodyID); err != nil {
			return fmt.Errorf("members: %w", err)
		}
		for _, m := range members {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cabinet_members (body_id, account_id, role) VALUES ($1, $2, $3)`,
				bodyID, m.AccountID, string(m.Role)); err != nil {
				return fmt.Errorf("members: %w", err)
			}
		}
		return s.record(ctx, tx, actor, req, "cabinet.members_set", fmt.Sprintf("cabinet_body:%d", bodyID), b.AgencyCode,
			map[string]any{"members": len(members)})
	})
	if err != nil {
		return Body{}, err
	}
	return s.body(ctx, s.db, bodyID)
}

func (s *Service) body(ctx context.Context, q querier, id int64) (Body, error) {
	b := Body{ID: id, Members: []Member{}}
	err := q.QueryRowContext(ctx, `SELECT agency_code, name FROM cabinet_bodies WHERE id = $1`, id).Scan(&b.AgencyCode, &b.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return b, notFound("body", id)
	}
	if err != nil {
		return b, fmt.Errorf("body %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT m.account_id, a.full_name, m.role FROM cabinet_members m JOIN accounts a ON a.id = m.account_id
		WHERE m.body_id = $1 ORDER BY CASE m.role WHEN 'chair' THEN 0 WHEN 'member' THEN 1 ELSE 2 END, a.full_name, m.account_id`, id)
	if err != nil {
		return b, fmt.Errorf("body %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.AccountID, &m.Name, &m.Role); err != nil {
			return b, fmt.Errorf("body %d: %w", id, err)
		}
		b.Members = append(b.Members, m)
	}
	return b, rows.Err()
}

// roleIn returns the caller's role in a body, or "".
func roleIn(b Body, a *identity.Account) Role {
	if a == nil {
		return ""
	}
	for _, m := range b.Members {
		if m.AccountID == a.ID {
			return m.Role
		}
	}
	return ""
}

// secretaryOf checks that actor is a secretary of body id.
func (s *Service) secretaryOf(ctx context.Context, q querier, actor *identity.Account, id int64) (Body, error) {
	b, err := s.body(ctx, q, id)
	if err != nil {
		return b, err
	}
	if roleIn(b, actor) != RoleSecretary {
		if roleIn(b, actor) != "" {
			return b, refuse(egov.ErrForbidden, "Chỉ thư ký của "+b.Name+" chuẩn bị cuộc họp và phiếu lấy ý kiến.")
		}
		return b, notFound("body", id)
	}
	return b, nil
}

// Bodies lists the bodies actor sits in, or administers.
func (s *Service) Bodies(ctx context.Context, actor *identity.Account) ([]Body, error) {
	if actor == nil || actor.Kind != identity.KindOfficial {
		return []Body{}, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM cabinet_bodies b WHERE EXISTS (SELECT 1 FROM cabinet_members m
		WHERE m.body_id = b.id AND m.account_id = $1) OR b.agency_code = $2 OR $3 ORDER BY name, id`,
		actor.ID, actor.AgencyCode, actor.IsSystemAdmin())
	if err != nil {
		return nil, fmt.Errorf("bodies: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("bodies: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bodies: %w", err)
	}
	out := []Body{}
	for _, id := range ids {
		b, err := s.body(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		if roleIn(b, actor) != "" || actor.ActsFor(b.AgencyCode, identity.RoleAgencyAdmin) {
			out = append(out, b)
		}
	}
	return out, nil
}

// storeFile puts an uploaded file into the blob store: PDF, Word, Excel
// or images, checked by content.
func (s *Service) storeFile(ctx context.Context, r io.Reader) (blob.Ref, error) {
	ref, err := s.blobs.Put(ctx, r, blob.Limits{MaxBytes: 20 << 20})
	if err != nil {
		return ref, fmt.Errorf("document: %w", err)
	}
	return ref, nil
}

func scanDocuments(rows *sql.Rows) ([]Document, error) {
	defer rows.Close()
	out := []Document{}
	for rows.Next() {
		var d Document
		var item sql.NullInt64
		if err := rows.Scan(&d.ID, &item, &d.Name, &d.Hash, &d.Size, &d.ContentType, &d.AddedAt); err != nil {
			return nil, fmt.Errorf("documents: %w", err)
		}
		d.ItemID, d.AddedAt = item.Int64, d.AddedAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// OpenDocument returns a document of a meeting or a ballot to someone
// invited to it or asked, and its content.
func (s *Service) OpenDocument(ctx context.Context, actor *identity.Account, id int64) (Document, io.ReadSeekCloser, error) {
	var d Document
	var meeting, ballot sql.NullInt64
	var item sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, meeting_id, ballot_id, item_id, name, blob_hash, size, content_type, added_at
		FROM cabinet_documents WHERE id = $1`, id).Scan(&d.ID, &meeting, &ballot, &item, &d.Name, &d.Hash, &d.Size, &d.ContentType, &d.AddedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil, notFound("document", id)
	}
	if err != nil {
		return d, nil, fmt.Errorf("document %d: %w", id, err)
	}
	d.ItemID = item.Int64
	switch {
	case meeting.Valid:
		_, err = s.Meeting(ctx, actor, meeting.Int64)
	case ballot.Valid:
		_, err = s.Ballot(ctx, actor, ballot.Int64)
	}
	if err != nil {
		return Document{}, nil, notFound("document", id)
	}
	f, err := s.blobs.Open(ctx, d.Hash)
	if err != nil {
		return d, nil, fmt.Errorf("document %d: %w", id, err)
	}
	return d, f, nil
}

func containsID(ids []int64, id int64) bool { return slices.Contains(ids, id) }
