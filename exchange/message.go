package exchange

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/exchange/edxml"
)

// Kinds of message.
const (
	KindDocument = "document" // an official document (edXML envelope)
	KindStatus   = "status"   // a status receipt about a document
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryRecalled  = "recalled"
	DeliveryGivenUp   = "given_up"
)

// Message is a message the axis accepted, with its deliveries.
type Message struct {
	ID           int64      `json:"id"`
	MessageID    string     `json:"message_id"`
	Kind         string     `json:"kind"`
	Sender       string     `json:"sender"`
	DocumentID   string     `json:"document_id,omitempty"`
	CodeNumber   string     `json:"code_number,omitempty"`
	CodeNotation string     `json:"code_notation,omitempty"`
	Subject      string     `json:"subject,omitempty"`
	Promulgated  string     `json:"promulgated,omitempty"` // YYYY-MM-DD
	StatusCode   string     `json:"status_code,omitempty"`
	ResponseFor  string     `json:"response_for,omitempty"`
	Signer       string     `json:"signer"`
	Size         int64      `json:"size"`
	ReceivedAt   time.Time  `json:"received_at"`
	RecalledAt   *time.Time `json:"recalled_at,omitempty"`
	Deliveries   []Delivery `json:"deliveries"`
}

// Delivery is a message's journey to one recipient.
type Delivery struct {
	ID            int64      `json:"id"`
	Recipient     string     `json:"recipient"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	StatusCode    string     `json:"status_code,omitempty"` // the recipient's last receipt
}

// parsed is a submitted message, read and checked.
type parsed struct {
	kind       string
	messageID  string
	from       string
	recipients []string
	env        *edxml.Envelope
	status     *edxml.Status
}

// rootName is the local name of the document's first element.
func rootName(b []byte) string {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}

// maxElements bounds the elements of a message. A real edXML document has
// a few hundred (its files are base64 text, not elements); millions of
// empty elements in a few megabytes would cost the signature check
// gigabytes of memory.
const maxElements = 20_000

// countElements counts b's elements up to limit+1, cheaply: a token scan,
// no tree.
func countElements(b []byte, limit int) int {
	d := xml.NewDecoder(bytes.NewReader(b))
	n := 0
	for n <= limit {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		if _, ok := tok.(xml.StartElement); ok {
			n++
		}
	}
	return n
}

func parse(b []byte) (parsed, error) {
	var p parsed
	if countElements(b, maxElements) > maxElements {
		return p, refuse(egov.ErrInvalid, "Thông điệp có quá nhiều phần tử XML (tối đa %d): không phải một văn bản edXML thông thường.", maxElements)
	}
	switch rootName(b) {
	case "edXML":
		env, err := edxml.Parse(b)
		if err != nil {
			return p, refuse(egov.ErrInvalid, "Văn bản điện tử không đúng định dạng edXML: %v", err)
		}
		if err := env.Validate(); err != nil {
			return p, refuse(egov.ErrInvalid, "Văn bản điện tử thiếu thông tin: %v", err)
		}
		p.kind, p.env, p.messageID, p.from = KindDocument, env, env.MessageID, env.From.OrganID
		for _, to := range env.To {
			if !slices.Contains(p.recipients, to.OrganID) {
				p.recipients = append(p.recipients, to.OrganID)
			}
		}
	case "Status":
		st, err := edxml.ParseStatus(b)
		if err != nil {
			return p, refuse(egov.ErrInvalid, "Thông điệp trạng thái không đúng định dạng edXML: %v", err)
		}
		if err := st.Validate(); err != nil {
			return p, refuse(egov.ErrInvalid, "Thông điệp trạng thái thiếu hoặc sai thông tin: %v", err)
		}
		p.kind, p.status, p.from = KindStatus, st, st.From.OrganID
		p.messageID = statusMessageID(b)
	default:
		return p, refuse(egov.ErrInvalid, "Không phải văn bản edXML (phần tử gốc edXML) hay thông điệp trạng thái (Status).")
	}
	if p.messageID == "" {
		return p, refuse(egov.ErrInvalid, "Thông điệp không có mã thông điệp (MessageID).")
	}
	return p, nil
}

// statusMessageID names a receipt, which edXML gives no ID of its own, by
// the SHA-256 of what its sender signed: the same receipt sent again (a
// retry) is one message, two receipts are two however close in time.
func statusMessageID(body []byte) string {
	sum := sha256.Sum256(body)
	return "status-" + hex.EncodeToString(sum[:])
}

// Submit accepts a signed message from the member sender: a document for
// its recipients, or a receipt about a document sent to sender. The
// signature must be one of the sender's certificates that are not revoked
// or expired. A message whose ID the axis already has is that message:
// duplicate is true and nothing changes (delivery at least once, the
// effect exactly once).
func (s *Service) Submit(ctx context.Context, sender string, body []byte, ip string) (m Message, duplicate bool, err error) {
	if int64(len(body)) > s.cfg.MaxMessageBytes {
		return m, false, refuse(egov.ErrInvalid, "Thông điệp quá lớn: tối đa %d MB.", s.cfg.MaxMessageBytes>>20)
	}
	p, err := parse(body)
	if err != nil {
		s.refused(ctx, sender, "", ip, err)
		return m, false, err
	}
	if p.from != sender {
		err := refuse(egov.ErrForbidden, "Thông điệp ghi cơ quan gửi %s nhưng được gửi bằng tài khoản của %s.", p.from, sender)
		s.refused(ctx, sender, p.messageID, ip, err)
		return m, false, err
	}
	certs, err := s.activeCertificates(ctx, s.db, sender)
	if err != nil {
		return m, false, err
	}
	cert, err := edxml.Verify(body, certs)
	if err != nil {
		var reason error
		switch {
		case errors.Is(err, edxml.ErrUnsigned):
			reason = refuse(egov.ErrInvalid, "Thông điệp chưa được ký số; hãy ký bằng chứng thư số đã đăng ký của cơ quan.")
		case errors.Is(err, edxml.ErrUnknownKey):
			reason = refuse(egov.ErrForbidden, "Chữ ký số không thuộc chứng thư số còn hiệu lực nào của cơ quan %s (chứng thư đã thu hồi, hết hạn hoặc chưa đăng ký).", sender)
		default:
			reason = refuse(egov.ErrInvalid, "Chữ ký số không hợp lệ: nội dung đã bị thay đổi sau khi ký.")
		}
		s.refused(ctx, sender, p.messageID, ip, fmt.Errorf("%w (%v)", reason, err))
		return m, false, reason
	}
	if m, dup, err := s.repeat(ctx, sender, p.messageID); dup || err != nil {
		return m, dup, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.accept(ctx, tx, &m, p, body, Fingerprint(cert), ip)
	})
	var xe *Error
	if errors.As(err, &xe) {
		s.refused(ctx, sender, p.messageID, ip, err)
		return Message{}, false, err
	}
	if err != nil {
		// The same message submitted twice at once: the loser finds the
		// winner's.
		if m, dup, rerr := s.repeat(ctx, sender, p.messageID); dup || rerr != nil {
			return m, dup, rerr
		}
		return Message{}, false, err
	}
	m, err = s.messageByID(ctx, s.db, p.messageID)
	return m, false, err
}

// repeat finds a message already accepted under messageID. The message ID
// is the sender's key for a retry, which may be signed anew: the same
// sender under the same ID is a repeat (dup is true), whatever the bytes.
// Another sender's ID is refused without saying whose it is.
func (s *Service) repeat(ctx context.Context, sender, messageID string) (Message, bool, error) {
	var owner string
	err := s.db.QueryRowContext(ctx, `SELECT sender FROM exchange_messages WHERE message_id = $1`, messageID).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, fmt.Errorf("message %s: %w", messageID, err)
	}
	if owner != sender {
		return Message{}, false, refuse(egov.ErrConflict, "Mã thông điệp %q đã được dùng cho một thông điệp khác; mỗi thông điệp cần một mã mới.", messageID)
	}
	m, err := s.messageByID(ctx, s.db, messageID)
	return m, err == nil, err
}

// refused records a refused submission in the message log. Its subject is
// not the message's: the ID is the submitter's word, and the refusal must
// not enter the trail of someone else's message.
func (s *Service) refused(ctx context.Context, sender, messageID, ip string, reason error) {
	var j journal
	j.add(sender, ip, "refused", "", sender, map[string]any{"message_id": messageID, "reason": reason.Error()})
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error { return s.write(ctx, tx, j) }); err != nil {
		s.log.Error("message log", "err", err)
	}
}

// journal gathers a transaction's entries of the message log, which are
// written last (write): the log's head is then the last lock the
// transaction takes, after the rows of messages and deliveries, in the
// same order in every transaction, so that two of them cannot deadlock.
type journal []audit.Entry

func (j *journal) add(actor, ip, action, messageID, agency string, details map[string]any) {
	subject := ""
	if messageID != "" {
		subject = "message:" + messageID
	}
	*j = append(*j, audit.Entry{Actor: "member:" + actor, ActorIP: ip, Action: action, Subject: subject, AgencyCode: agency, Details: details})
}

func (s *Service) write(ctx context.Context, tx *sql.Tx, j journal) error {
	for _, e := range j {
		if _, err := s.trail.Append(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// accept stores a checked message and what it causes, in tx.
func (s *Service) accept(ctx context.Context, tx *sql.Tx, m *Message, p parsed, body []byte, signer, ip string) error {
	now := s.now()
	var j journal
	*m = Message{MessageID: p.messageID, Kind: p.kind, Sender: p.from, Signer: signer, Size: int64(len(body)), ReceivedAt: now}
	recipients := p.recipients
	if p.env != nil {
		m.DocumentID, m.CodeNumber, m.CodeNotation = p.env.DocumentID, p.env.Code.CodeNumber, p.env.Code.CodeNotation
		m.Subject = p.env.Subject
		if !p.env.Promulgation.Date.IsZero() {
			m.Promulgated = p.env.Promulgation.Date.Format("2006-01-02")
		}
		for _, r := range recipients {
			if ok, err := isMember(ctx, tx, r); err != nil {
				return err
			} else if !ok {
				return refuse(egov.ErrInvalid, "Cơ quan nhận %s không phải thành viên trục liên thông.", r)
			}
		}
	}
	if p.env != nil && (p.env.Business.DocType == edxml.BusinessRevocation || p.env.Business.DocType == edxml.BusinessReplacement) {
		// A revocation or a replacement takes back what the earlier
		// document's recipients do not have yet. (An update does not: the
		// document stands, with what changed.)
		ref := p.env.Business.ReplacedDocumentID
		if p.env.Business.DocType == edxml.BusinessRevocation {
			ref = p.env.Business.DocumentID
		}
		if ref != "" {
			doc, err := s.documentOf(ctx, tx, ref, p.from)
			if err != nil {
				return err
			}
			if err := s.takeBack(ctx, tx, &doc, p.from, p.messageID, &j); err != nil {
				return err
			}
		}
	}
	var answered *Message
	if p.status != nil {
		m.StatusCode, m.ResponseFor = p.status.StatusCode, p.status.ResponseFor.DocumentID
		var doc Message
		var err error
		if m.StatusCode == edxml.StatusRecallRequested {
			doc, err = s.documentOf(ctx, tx, m.ResponseFor, p.from) // only the sender recalls
		} else {
			doc, err = s.documentTo(ctx, tx, m.ResponseFor, p.status.ResponseFor.OrganID, p.from) // only a recipient answers
		}
		if err != nil {
			return err
		}
		answered = &doc
		recipients = []string{doc.Sender}
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO exchange_messages (message_id, kind, sender, document_id, code_number, code_notation,
		subject, promulgated, status_code, response_for, signer, body, size, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		m.MessageID, m.Kind, m.Sender, m.DocumentID, m.CodeNumber, m.CodeNotation, m.Subject, m.Promulgated,
		m.StatusCode, m.ResponseFor, m.Signer, string(body), m.Size, now).Scan(&m.ID); err != nil {
		return fmt.Errorf("message %s: %w", m.MessageID, err)
	}
	j.add(p.from, ip, "received", m.MessageID, p.from, map[string]any{"kind": m.Kind,
		"number": strings.Trim(m.CodeNumber+"/"+m.CodeNotation, "/"), "status_code": m.StatusCode, "response_for": m.ResponseFor,
		"recipients": recipients, "signer": signer})
	if answered != nil {
		if err := s.applyStatus(ctx, tx, answered, p, m, &j); err != nil {
			return err
		}
		if m.StatusCode == edxml.StatusRecallRequested {
			// The recall travels to the recipients that already have the
			// document; it goes to the sender's recipients, not back.
			recipients = nil
			for _, d := range answered.Deliveries {
				if d.State == DeliveryDelivered {
					recipients = append(recipients, d.Recipient)
				}
			}
		}
	}
	for _, r := range recipients {
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_deliveries (message_id, recipient, state, created_at) VALUES ($1, $2, 'pending', $3)`,
			m.ID, r, now); err != nil {
			return fmt.Errorf("delivery of %s to %s: %w", m.MessageID, r, err)
		}
		if err := s.queuePush(ctx, tx, r); err != nil {
			return err
		}
	}
	return s.write(ctx, tx, j)
}

// isMember reports whether agency is a member that is not disabled.
func isMember(ctx context.Context, q querier, agency string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM exchange_members WHERE agency_code = $1 AND disabled_at IS NULL`, agency).Scan(&n); err != nil {
		return false, fmt.Errorf("member %s: %w", agency, err)
	}
	return n > 0, nil
}

// SendTx sends e, in tx, as egov itself for the agency e.From names,
// signed with Config.Key: what the back office sends, such as a dossier
// transferred to a partner agency. It sends nothing, and says why in the
// log, when egov has no key, when the sender or a recipient is not a
// member, or when egov's certificate is not registered for the sender: the
// change it goes with stands either way.
func (s *Service) SendTx(ctx context.Context, tx *sql.Tx, e *edxml.Envelope) (bool, error) {
	if s.cfg.Key == nil || s.cfg.Certificate == nil {
		return false, nil
	}
	for _, code := range append([]string{e.From.OrganID}, organIDs(e.To)...) {
		if ok, err := isMember(ctx, tx, code); err != nil || !ok {
			if err == nil {
				s.log.Info("exchange: not sent, an agency is not on the axis", "message_id", e.MessageID, "agency", code)
			}
			return false, err
		}
	}
	fp := Fingerprint(s.cfg.Certificate)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM exchange_keys WHERE agency_code = $1 AND fingerprint = $2 AND revoked_at IS NULL AND not_after > $3`,
		e.From.OrganID, fp, s.now()).Scan(&n); err != nil {
		return false, fmt.Errorf("key of %s: %w", e.From.OrganID, err)
	}
	if n == 0 {
		s.log.Warn("exchange: not sent, egov's certificate is not registered (or revoked) for the sender", "message_id", e.MessageID,
			"agency", e.From.OrganID, "fingerprint", fp)
		return false, nil
	}
	b, err := edxml.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("message %s: %w", e.MessageID, err)
	}
	if b, err = edxml.Sign(b, s.cfg.Key, s.cfg.Certificate); err != nil {
		return false, fmt.Errorf("sign %s: %w", e.MessageID, err)
	}
	p, err := parse(b)
	if err != nil {
		return false, err
	}
	var m Message
	if err := s.accept(ctx, tx, &m, p, b, fp, ""); err != nil {
		return false, err
	}
	return true, nil
}

func organIDs(os []edxml.Organ) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.OrganID
	}
	return out
}

// applyStatus records a receipt on the document it answers: the
// recipient's status, or for a recall asked by the sender the end of the
// deliveries not made yet.
func (s *Service) applyStatus(ctx context.Context, tx *sql.Tx, doc *Message, p parsed, m *Message, j *journal) error {
	if m.StatusCode == edxml.StatusRecallRequested {
		return s.takeBack(ctx, tx, doc, p.from, m.MessageID, j)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE exchange_deliveries SET status_code = $1 WHERE message_id = $2 AND recipient = $3`,
		m.StatusCode, doc.ID, p.from); err != nil {
		return fmt.Errorf("receipt of %s: %w", doc.MessageID, err)
	}
	j.add(p.from, "", "status", doc.MessageID, doc.Sender, map[string]any{"status_code": m.StatusCode,
		"recipient": p.from, "description": p.status.Description})
	return nil
}

// takeBack ends the deliveries of doc not made yet, for a recall, a
// revocation or a replacement sent by message by.
func (s *Service) takeBack(ctx context.Context, tx *sql.Tx, doc *Message, sender, by string, j *journal) error {
	res, err := tx.ExecContext(ctx, `UPDATE exchange_deliveries SET state = 'recalled' WHERE message_id = $1 AND state = 'pending'`, doc.ID)
	if err != nil {
		return fmt.Errorf("recall of %s: %w", doc.MessageID, err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE exchange_messages SET recalled_at = $1 WHERE id = $2`, s.now(), doc.ID); err != nil {
		return fmt.Errorf("recall of %s: %w", doc.MessageID, err)
	}
	// What the recall found delivered, it asks back; read again after the
	// update, which waited for any push or acknowledgement of these rows.
	if doc.Deliveries, err = deliveries(ctx, tx, doc.ID); err != nil {
		return err
	}
	j.add(sender, "", "recalled", doc.MessageID, doc.Sender, map[string]any{"undelivered": n, "by": by})
	return nil
}

// documentOf finds a document sent by sender, by its edXML DocumentId or
// the axis's message ID: what a recall, a revocation or a replacement may
// name.
func (s *Service) documentOf(ctx context.Context, q querier, ref, sender string) (Message, error) {
	return s.findDocument(ctx, q, ref, `AND sender = $2`, sender)
}

// documentTo finds a document sent to recipient, by sender when the
// receipt names it (ResponseFor/OrganId): what the recipient's receipts
// may answer. Naming the sender keeps another member's document with the
// same DocumentId from catching the receipt.
func (s *Service) documentTo(ctx context.Context, q querier, ref, sender, recipient string) (Message, error) {
	cond := `AND EXISTS (SELECT 1 FROM exchange_deliveries d WHERE d.message_id = exchange_messages.id AND d.recipient = $2)`
	if sender != "" {
		return s.findDocument(ctx, q, ref, cond+` AND sender = $3`, recipient, sender)
	}
	return s.findDocument(ctx, q, ref, cond, recipient)
}

func (s *Service) findDocument(ctx context.Context, q querier, ref, cond string, args ...string) (Message, error) {
	var id string
	params := []any{ref}
	for _, a := range args {
		params = append(params, a)
	}
	agency := args[0]
	err := q.QueryRowContext(ctx, `SELECT message_id FROM exchange_messages WHERE kind = 'document' AND (document_id = $1 OR message_id = $1) `+
		cond+` ORDER BY id DESC LIMIT 1`, params...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, refuse(egov.ErrForbidden, "Cơ quan %s không có văn bản %q nào trên trục liên thông để trả lời, thu hồi hay thay thế.", agency, ref)
	}
	if err != nil {
		return Message{}, fmt.Errorf("document %s: %w", ref, err)
	}
	return s.messageByID(ctx, q, id)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const messageColumns = `id, message_id, kind, sender, document_id, code_number, code_notation, subject, promulgated,
	status_code, response_for, signer, size, received_at, recalled_at FROM exchange_messages`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var recalled sql.NullTime
	err := row.Scan(&m.ID, &m.MessageID, &m.Kind, &m.Sender, &m.DocumentID, &m.CodeNumber, &m.CodeNotation, &m.Subject,
		&m.Promulgated, &m.StatusCode, &m.ResponseFor, &m.Signer, &m.Size, &m.ReceivedAt, &recalled)
	m.ReceivedAt = m.ReceivedAt.UTC()
	if recalled.Valid {
		t := recalled.Time.UTC()
		m.RecalledAt = &t
	}
	return m, err
}

func (s *Service) messageByID(ctx context.Context, q querier, messageID string) (Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+` WHERE message_id = $1`, messageID))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("message %s: %w", messageID, egov.ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("message %s: %w", messageID, err)
	}
	m.Deliveries, err = deliveries(ctx, q, m.ID)
	return m, err
}

func deliveries(ctx context.Context, q querier, id int64) ([]Delivery, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, recipient, state, attempts, last_error, last_attempt_at, delivered_at, status_code
		FROM exchange_deliveries WHERE message_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %d: %w", id, err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var last, delivered sql.NullTime
		if err := rows.Scan(&d.ID, &d.Recipient, &d.State, &d.Attempts, &d.LastError, &last, &delivered, &d.StatusCode); err != nil {
			return nil, fmt.Errorf("deliveries of %d: %w", id, err)
		}
		if last.Valid {
			t := last.Time.UTC()
			d.LastAttemptAt = &t
		}
		if delivered.Valid {
			t := delivered.Time.UTC()
			d.DeliveredAt = &t
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Message returns a message that the member agency sent or receives.
func (s *Service) Message(ctx context.Context, agency, messageID string) (Message, error) {
	m, err := s.messageByID(ctx, s.db, messageID)
	if err != nil {
		return m, err
	}
	if m.Sender != agency && !slices.ContainsFunc(m.Deliveries, func(d Delivery) bool { return d.Recipient == agency }) {
		return Message{}, fmt.Errorf("message %s: %w", messageID, egov.ErrNotFound)
	}
	return m, nil
}

// Body returns the signed XML of a message the agency sent or receives.
func (s *Service) Body(ctx context.Context, agency, messageID string) ([]byte, error) {
	if _, err := s.Message(ctx, agency, messageID); err != nil {
		return nil, err
	}
	var body string
	if err := s.db.QueryRowContext(ctx, `SELECT body FROM exchange_messages WHERE message_id = $1`, messageID).Scan(&body); err != nil {
		return nil, fmt.Errorf("message %s: %w", messageID, err)
	}
	return []byte(body), nil
}

// Trail is a message's entries of the message log, oldest first.
func (s *Service) Trail(ctx context.Context, agency, messageID string) ([]audit.Entry, error) {
	if _, err := s.Message(ctx, agency, messageID); err != nil {
		return nil, err
	}
	list, err := s.trail.List(ctx, audit.Filter{Subject: "message:" + messageID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	slices.Reverse(list)
	return list, nil
}

// VerifyLog checks the message log's hash chain.
func (s *Service) VerifyLog(ctx context.Context) (audit.Report, error) { return s.trail.Verify(ctx) }

// Filter selects messages for List.
type Filter struct {
	Agency string    // sent or received by this member; required
	Box    string    // "inbox", "outbox" or "" for both
	Number string    // số or ký hiệu, a part of it
	Since  time.Time // received at or after
	Until  time.Time // received before
	State  string    // a delivery state of one of its deliveries
	Limit  int       // 50 by default, at most 500
}

// List returns the documents (not the receipts) that match f, newest
// first.
func (s *Service) List(ctx context.Context, f Filter) ([]Message, error) {
	args := []any{f.Agency}
	where := []string{"m.kind = 'document'"}
	switch f.Box {
	case "inbox":
		where = append(where, "EXISTS (SELECT 1 FROM exchange_deliveries d WHERE d.message_id = m.id AND d.recipient = $1)")
	case "outbox":
		where = append(where, "m.sender = $1")
	default:
		where = append(where, "(m.sender = $1 OR EXISTS (SELECT 1 FROM exchange_deliveries d WHERE d.message_id = m.id AND d.recipient = $1))")
	}
	if f.Number != "" {
		args = append(args, "%"+strings.ToLower(f.Number)+"%")
		where = append(where, fmt.Sprintf("LOWER(m.code_number || '/' || m.code_notation) LIKE $%d", len(args)))
	}
	if !f.Since.IsZero() {
		args = append(args, f.Since)
		where = append(where, fmt.Sprintf("m.received_at >= $%d", len(args)))
	}
	if !f.Until.IsZero() {
		args = append(args, f.Until)
		where = append(where, fmt.Sprintf("m.received_at < $%d", len(args)))
	}
	if f.State != "" {
		args = append(args, f.State)
		where = append(where, fmt.Sprintf("EXISTS (SELECT 1 FROM exchange_deliveries d WHERE d.message_id = m.id AND d.state = $%d)", len(args)))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	args = append(args, min(limit, 500))
	rows, err := s.db.QueryContext(ctx, `SELECT m.`+strings.ReplaceAll(messageColumns, ", ", ", m.")+` m WHERE `+
		strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY m.id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("messages of %s: %w", f.Agency, err)
	}
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("messages of %s: %w", f.Agency, err)
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("messages of %s: %w", f.Agency, err)
	}
	for i := range out {
		if out[i].Deliveries, err = deliveries(ctx, s.db, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// InboxItem is a message waiting for a member that pulls.
type InboxItem struct {
	DeliveryID int64     `json:"delivery_id"`
	MessageID  string    `json:"message_id"`
	Kind       string    `json:"kind"`
	Sender     string    `json:"sender"`
	ReceivedAt time.Time `json:"received_at"`
	Body       []byte    `json:"body"` // the signed XML, base64 in JSON
}

// maxInboxBytes bounds the bodies of one page of an inbox.
const maxInboxBytes = 16 << 20

// Inbox lists the messages waiting for agency, oldest first: in the order
// the axis received them, so in each sender's order. after is a cursor, the
// last DeliveryID the caller has seen (0 for the start), so that messages
// the caller cannot take (and does not acknowledge) do not hide the rest.
func (s *Service) Inbox(ctx context.Context, agency string, after int64, limit int) ([]InboxItem, error) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, m.message_id, m.kind, m.sender, m.received_at, m.body
		FROM exchange_deliveries d JOIN exchange_messages m ON m.id = d.message_id
		WHERE d.recipient = $1 AND d.state = 'pending' AND d.id > $2 ORDER BY d.id LIMIT $3`, agency, after, limit)
	if err != nil {
		return nil, fmt.Errorf("inbox of %s: %w", agency, err)
	}
	defer rows.Close()
	out := []InboxItem{}
	var total int
	for rows.Next() {
		var it InboxItem
		var body string
		if err := rows.Scan(&it.DeliveryID, &it.MessageID, &it.Kind, &it.Sender, &it.ReceivedAt, &body); err != nil {
			return nil, fmt.Errorf("inbox of %s: %w", agency, err)
		}
		it.ReceivedAt, it.Body = it.ReceivedAt.UTC(), []byte(body)
		out = append(out, it)
		// A page holds what fits in maxInboxBytes, and always one: the
		// caller asks again after the last one.
		if total += len(body); total >= maxInboxBytes {
			break
		}
	}
	return out, rows.Err()
}

// Ack records that agency has the message of its delivery. Acknowledging
// twice changes nothing.
func (s *Service) Ack(ctx context.Context, agency string, deliveryID int64, ip string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var messageID, state, sender string
		err := tx.QueryRowContext(ctx, `SELECT m.message_id, d.state, m.sender FROM exchange_deliveries d JOIN exchange_messages m ON m.id = d.message_id
			WHERE d.id = $1 AND d.recipient = $2`, deliveryID, agency).Scan(&messageID, &state, &sender)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delivery %d: %w", deliveryID, egov.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("delivery %d: %w", deliveryID, err)
		}
		if state != DeliveryPending && state != DeliveryRecalled {
			return nil
		}
		return s.delivered(ctx, tx, deliveryID, messageID, sender, agency, "pull", ip)
	})
}

// delivered records that recipient has the message of its delivery. A
// push or an acknowledgement that a recall overtook still delivered: the
// recipient has the document, so it is recorded as delivered and the
// recall's request to give it back goes to the recipient too.
func (s *Service) delivered(ctx context.Context, tx *sql.Tx, deliveryID int64, messageID, sender, recipient, how, ip string) error {
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE exchange_deliveries SET state = 'delivered', delivered_at = $1, last_error = ''
		WHERE id = $2 AND state IN ('pending', 'recalled')`, now, deliveryID)
	if err != nil {
		return fmt.Errorf("delivery %d: %w", deliveryID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delivery %d: %w", deliveryID, err)
	} else if n == 0 {
		return nil // delivered already, or given up
	}
	var j journal
	j.add(recipient, ip, "delivered", messageID, sender, map[string]any{"recipient": recipient, "by": how})
	// The latest recall of this document by its sender, if any.
	var recall int64
	err = tx.QueryRowContext(ctx, `SELECT r.id FROM exchange_messages r JOIN exchange_messages d ON d.message_id = $1
		WHERE r.kind = 'status' AND r.status_code = $2 AND r.sender = d.sender AND (r.response_for = d.document_id OR r.response_for = d.message_id)
		AND d.recalled_at IS NOT NULL ORDER BY r.id DESC LIMIT 1`, messageID, edxml.StatusRecallRequested).Scan(&recall)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("recall of %s: %w", messageID, err)
	default:
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_deliveries (message_id, recipient, state, created_at) VALUES ($1, $2, 'pending', $3)
			ON CONFLICT (message_id, recipient) DO NOTHING`, recall, recipient, now); err != nil {
			return fmt.Errorf("recall of %s to %s: %w", messageID, recipient, err)
		}
		if err := s.queuePush(ctx, tx, recipient); err != nil {
			return err
		}
	}
	return s.write(ctx, tx, j)
}

// keyAlgorithm names the certificate's key, refusing what the axis does
// not accept.
func keyAlgorithm(c *x509.Certificate) (string, error) {
	switch k := c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return "ecdsa", nil
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", errors.New("khóa RSA phải từ 2048 bit trở lên")
		}
		return "rsa", nil
	case ed25519.PublicKey:
		// edxml checks Ed25519 signatures (RFC 9231's eddsa-ed25519) on a
		// path of its own, goxmldsig having none.
		return "ed25519", nil
	}
	return "", errors.New("chỉ nhận khóa RSA, ECDSA hoặc Ed25519")
}

// PushArgs is the job that pushes the pending messages of one recipient
// with an endpoint, in order.
type PushArgs struct {
	Recipient string `json:"recipient"`
}

// Kind is River's name of the job.
func (PushArgs) Kind() string { return "exchange_push" }

func (s *Service) queuePush(ctx context.Context, tx *sql.Tx, recipient string) error {
	if s.queue == nil {
		return nil
	}
	var endpoint string
	if err := tx.QueryRowContext(ctx, `SELECT endpoint FROM exchange_members WHERE agency_code = $1`, recipient).Scan(&endpoint); err != nil {
		return fmt.Errorf("member %s: %w", recipient, err)
	}
	if endpoint == "" {
		return nil // it pulls
	}
	// One job per recipient at a time: it drains the queue in order.
	return s.queue.InsertTx(ctx, tx, PushArgs{Recipient: recipient}, &river.InsertOpts{MaxAttempts: 1000,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}}})
}
