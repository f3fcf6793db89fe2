package dossier

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/payment"
	"github.com/egov-vn/egov/store"
)

// PaperRef names a document of the applicant's store handed in for a
// component of the dossier.
type PaperRef struct {
	Component  string `json:"component"`
	DocumentID int64  `json:"document_id"`
}

// Application is what an applicant fills in.
type Application struct {
	ProcedureCode string         `json:"procedure_code"`
	AgencyCode    string         `json:"agency_code"`
	Data          map[string]any `json:"data"`
	Papers        []PaperRef     `json:"papers"`
}

// Hash is a digest of the application, to recognise the retry of a request
// under the same idempotency key.
func (a Application) Hash() string {
	b, _ := json.Marshal(a) // maps marshal with sorted keys: stable
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CreateOptions are the circumstances of a new dossier.
type CreateOptions struct {
	Submit         bool    // submit at once rather than keep a draft
	Channel        Channel // online (pages) or api
	IdempotencyKey string  // the client's key; a retry returns the first dossier
}

const maxIdempotencyKey = 200

// checked is an application validated against the catalog.
type checked struct {
	proc   egov.Procedure
	agency egov.Agency
	data   map[string]any
	papers []PaperRef
	fee    *payment.Bill // nil when nothing is due online
}

// check validates app for actor. complete asks for everything a submission
// needs; a draft may lack required values but not hold invalid ones.
func (s *Service) check(ctx context.Context, actor *identity.Account, app Application, complete bool) (checked, error) {
	var c checked
	fe := egov.FieldErrors{}
	p, err := s.catalog.Procedure(ctx, strings.TrimSpace(app.ProcedureCode))
	if errors.Is(err, egov.ErrNotFound) {
		fe["procedure_code"] = "Không có thủ tục hành chính mã " + quote(app.ProcedureCode) + " trong cơ sở dữ liệu quốc gia."
		return c, fe
	}
	if err != nil {
		return c, fmt.Errorf("procedure: %w", err)
	}
	c.proc = p
	if p.Status != "" && p.Status != "active" {
		return c, refuse(egov.ErrInvalid, "Thủ tục "+p.Name+" đã bãi bỏ, không nhận hồ sơ mới.")
	}
	if !p.AllowsOnline() {
		return c, refuse(egov.ErrInvalid, "Thủ tục "+p.Name+" chưa cung cấp dịch vụ công trực tuyến: vui lòng nộp hồ sơ trực tiếp hoặc qua bưu chính tại cơ quan giải quyết.")
	}
	if !targets(&p, actor) {
		return c, refuse(egov.ErrInvalid, "Thủ tục "+p.Name+" không dành cho loại tài khoản của bạn.")
	}
	if strings.TrimSpace(app.AgencyCode) == "" {
		if complete {
			fe["agency_code"] = "Vui lòng chọn cơ quan tiếp nhận hồ sơ."
		}
	} else if a, err := s.catalog.Agency(ctx, strings.TrimSpace(app.AgencyCode)); err != nil {
		if !errors.Is(err, egov.ErrNotFound) {
			return c, fmt.Errorf("agency: %w", err)
		}
		fe["agency_code"] = "Không có cơ quan mã " + quote(app.AgencyCode) + "."
	} else if !Receives(&p, a) {
		fe["agency_code"] = a.Name + " không giải quyết thủ tục này; vui lòng chọn " + agencyHint(&p) + "."
	} else {
		c.agency = a
	}
	// A copy: the prefilled values must not leak into the caller's map.
	data := make(map[string]any, len(app.Data)+4)
	maps.Copy(data, app.Data)
	// Once-only: what the state knows comes from the account, whatever the
	// client sent.
	for k, v := range Prefilled(p.FormFields, actor) {
		data[k] = v
	}
	clean, dfe := CleanForm(ctx, s.catalog, p.FormFields, data, complete)
	c.data = clean
	for k, v := range dfe {
		fe[k] = v
	}
	if len(dfe) == 0 {
		bill, err := payment.Due(&p, clean, s.now())
		var bfe egov.FieldErrors
		switch {
		case errors.As(err, &bfe):
			maps.Copy(fe, bfe)
		case err != nil:
			return c, fmt.Errorf("fee: %w", err)
		case bill.Subtotal > 0:
			c.fee = &bill
		}
	}
	components := map[string]egov.Component{}
	for _, comp := range p.Components {
		components[comp.Code] = comp
	}
	seen := map[PaperRef]bool{}
	for i, pr := range app.Papers {
		if _, ok := components[pr.Component]; !ok {
			fe[fmt.Sprintf("papers[%d].component", i)] = "Thủ tục không có thành phần hồ sơ mã " + quote(pr.Component) + "."
			continue
		}
		if pr.DocumentID <= 0 {
			fe[fmt.Sprintf("papers[%d].document_id", i)] = "Thiếu mã giấy tờ trong kho dữ liệu cá nhân."
			continue
		}
		if !seen[pr] {
			seen[pr] = true
			c.papers = append(c.papers, pr)
		}
	}
	if complete {
		for _, comp := range p.Components {
			if !comp.Required || comp.Case != "" {
				continue // a paper for a case is the applicant's to judge
			}
			if !slices.ContainsFunc(c.papers, func(pr PaperRef) bool { return pr.Component == comp.Code }) {
				fe["papers."+comp.Code] = "Thiếu giấy tờ bắt buộc: " + comp.Name + "."
			}
		}
	}
	if len(fe) > 0 {
		return c, fe
	}
	return c, nil
}

func quote(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return "«" + s + "»"
}

func targets(p *egov.Procedure, a *identity.Account) bool {
	if len(p.TargetUsers) == 0 {
		return true
	}
	want := egov.TargetCitizen
	if a.Kind == identity.KindBusiness {
		want = egov.TargetBusiness
	}
	return slices.Contains(p.TargetUsers, want)
}

// Receives reports whether agency a takes dossiers of procedure p: one of
// the agencies the record names, or, when it names kinds of agencies only,
// any agency of one of its levels.
func Receives(p *egov.Procedure, a egov.Agency) bool {
	coded := false
	for _, ia := range p.ImplementingAgencies {
		if ia.Code != "" {
			coded = true
			if ia.Code == a.Code {
				return true
			}
		}
	}
	return !coded && slices.Contains(p.Levels, a.Level)
}

func agencyHint(p *egov.Procedure) string {
	var names []string
	for _, ia := range p.ImplementingAgencies {
		names = append(names, ia.Name)
	}
	if len(names) == 0 {
		return "cơ quan có thẩm quyền"
	}
	return strings.Join(names, " hoặc ")
}

func applicantOf(a *identity.Account) Applicant {
	return Applicant{AccountID: a.ID, Kind: string(a.Kind), Name: a.FullName, IDNumber: a.Username,
		Email: a.Email, Phone: a.Phone, Address: a.Address}
}

// Create makes a dossier for actor: a draft, or a submitted dossier when
// opts.Submit is set. With an idempotency key, a repeated request returns
// the dossier of the first one and replayed is true; the same key with a
// different application is refused.
func (s *Service) Create(ctx context.Context, actor *identity.Account, app Application, opts CreateOptions, req Request) (d Dossier, replayed bool, err error) {
	if actor == nil || (actor.Kind != identity.KindCitizen && actor.Kind != identity.KindBusiness) {
		return d, false, refuse(egov.ErrForbidden, "Chỉ công dân và doanh nghiệp nộp hồ sơ trực tuyến; cán bộ tiếp nhận hồ sơ tại quầy dùng chức năng tiếp nhận.")
	}
	key := strings.TrimSpace(opts.IdempotencyKey)
	if len(key) > maxIdempotencyKey {
		return d, false, egov.FieldErrors{"Idempotency-Key": fmt.Sprintf("Khóa quá dài: tối đa %d ký tự.", maxIdempotencyKey)}
	}
	reqHash := app.Hash()
	if key != "" {
		if d, ok, err := s.replay(ctx, s.db, actor, key, reqHash); ok || err != nil {
			return d, ok, err
		}
	}
	c, err := s.check(ctx, actor, app, opts.Submit)
	if err != nil {
		return d, false, err
	}
	cal, err := s.calendar.Calendar(ctx)
	if err != nil {
		return d, false, err
	}
	channel := opts.Channel
	if channel == "" {
		channel = ChannelOnline
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		d = Dossier{ProcedureCode: c.proc.Code, ProcedureName: c.proc.Name, FieldCode: c.proc.Field.Code,
			AgencyCode: c.agency.Code, AgencyName: c.agency.Name, Channel: channel, Applicant: applicantOf(actor),
			Status: StatusDraft, Data: c.data, Papers: []Paper{}, Version: 1, CreatedAt: now, UpdatedAt: now, Fee: c.fee}
		var proc Process
		if opts.Submit {
			// Submitted in one request: the row is written once, submitted.
			if d.Code, err = s.nextCode(ctx, tx, d.AgencyCode, now); err != nil {
				return err
			}
			if proc, d.ProcessID, err = activeProcess(ctx, tx, &c.proc, d.AgencyCode); err != nil {
				return err
			}
			due := appointment(cal, &c.proc, now)
			d.Status, d.Step, d.StepRole = StatusSubmitted, proc.Steps[0].Name, string(proc.Steps[0].Role)
			d.SubmittedAt, d.DueAt, d.HandlerAgency, d.StepStartedAt = &now, &due, d.AgencyCode, &now
		}
		data, err := json.Marshal(d.Data)
		if err != nil {
			return fmt.Errorf("form data: %w", err)
		}
		var code, agency, handler, processID any
		if d.Code != "" {
			code = d.Code
		}
		if d.AgencyCode != "" {
			agency = d.AgencyCode
		}
		if d.HandlerAgency != "" {
			handler = d.HandlerAgency
		}
		if d.ProcessID != 0 {
			processID = d.ProcessID
		}
		fee, bill, err := feeColumns(&d)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO dossiers (fee_total, fee_bill, code, procedure_code, procedure_name, field_code, agency_code,
			channel, applicant_id, applicant_kind, applicant_name, applicant_id_number, applicant_email, applicant_phone,
			applicant_address, status, step, step_role, form_data, version, created_at, updated_at, submitted_at, due_at,
			process_id, handler_agency, step_started_at, search_text)
			VALUES ($25, $26, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, $18, $18, $19, $20, $21, $22, $23, $24)
			RETURNING id`,
			code, d.ProcedureCode, d.ProcedureName, d.FieldCode, agency, string(channel), actor.ID, d.Applicant.Kind,
			d.Applicant.Name, d.Applicant.IDNumber, d.Applicant.Email, d.Applicant.Phone, d.Applicant.Address,
			string(d.Status), d.Step, d.StepRole, string(data), now, tp(d.SubmittedAt), tp(d.DueAt), processID, handler,
			tp(d.StepStartedAt), searchText(&d), fee, bill).Scan(&d.ID); err != nil {
			return fmt.Errorf("create dossier: %w", err)
		}
		if err := s.figures.Record(ctx, tx, nil, facts(&d)); err != nil {
			return err
		}
		if key != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (account_id, key, request_hash, dossier_id, created_at)
				VALUES ($1, $2, $3, $4, $5)`, actor.ID, key, reqHash, d.ID, now); err != nil {
				return fmt.Errorf("idempotency key: %w", err)
			}
		}
		if err := s.setPapers(ctx, tx, &d, actor, c.papers, 0, now); err != nil {
			return err
		}
		created := event{actor: actor, role: "applicant", action: "created", from: StatusDraft}
		if !opts.Submit {
			return s.record(ctx, tx, &d, created, req)
		}
		// The history keeps both moments; the audit log and the e-mail
		// have one entry for the one request.
		if err := s.writeHistory(ctx, tx, &d, created, StatusDraft, ""); err != nil {
			return err
		}
		return s.record(ctx, tx, &d, event{actor: actor, role: "applicant", action: "submitted", from: StatusDraft, mail: true,
			details: map[string]any{"due_at": d.DueAt.Format(time.RFC3339), "created": true}}, req)
	})
	if err != nil {
		// Two retries of one request may race: the loser finds the
		// winner's dossier under the key.
		if key != "" && store.IsUniqueViolation(err) {
			if d, ok, rerr := s.replay(ctx, s.db, actor, key, reqHash); ok || rerr != nil {
				return d, ok, rerr
			}
		}
		return Dossier{}, false, err
	}
	return d, false, nil // as written: no need to read it back
}

// replay returns the dossier made under key by an earlier request.
func (s *Service) replay(ctx context.Context, q querier, actor *identity.Account, key, reqHash string) (Dossier, bool, error) {
	var id int64
	var hash string
	err := q.QueryRowContext(ctx, `SELECT dossier_id, request_hash FROM idempotency_keys WHERE account_id = $1 AND key = $2`,
		actor.ID, key).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Dossier{}, false, nil
	}
	if err != nil {
		return Dossier{}, false, fmt.Errorf("idempotency key: %w", err)
	}
	if hash != reqHash {
		return Dossier{}, false, refuse(egov.ErrConflict, "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới cho mỗi hồ sơ.")
	}
	d, err := s.load(ctx, q, id)
	return d, err == nil, err
}

// setPapers replaces the papers of round on d with refs, each a document
// of the applicant's store, and keeps d.Papers in step. The dossier's
// total size is summed from d.Papers, so no query reads it back.
func (s *Service) setPapers(ctx context.Context, tx *sql.Tx, d *Dossier, actor *identity.Account, refs []PaperRef, round int, now time.Time) error {
	kept := d.Papers[:0:0]
	var total int64
	replaced := false
	for _, p := range d.Papers {
		if p.Round == round {
			replaced = true
			continue
		}
		kept = append(kept, p)
		total += p.Size
	}
	if replaced {
		if _, err := tx.ExecContext(ctx, `DELETE FROM dossier_papers WHERE dossier_id = $1 AND round = $2`, d.ID, round); err != nil {
			return fmt.Errorf("papers: %w", err)
		}
	}
	for i, pr := range refs {
		p := Paper{Component: pr.Component, DocumentID: pr.DocumentID, Round: round, AddedAt: now}
		err := tx.QueryRowContext(ctx, `SELECT name, blob_hash, size, content_type FROM documents WHERE id = $1 AND owner_id = $2`,
			pr.DocumentID, actor.ID).Scan(&p.Name, &p.Hash, &p.Size, &p.ContentType)
		if errors.Is(err, sql.ErrNoRows) {
			return egov.FieldErrors{fmt.Sprintf("papers[%d].document_id", i): "Không có giấy tờ này trong kho dữ liệu cá nhân của bạn."}
		}
		if err != nil {
			return fmt.Errorf("papers: %w", err)
		}
		total += p.Size
		if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_papers (dossier_id, component_code, document_id, round, added_at)
			VALUES ($1, $2, $3, $4, $5)`, d.ID, pr.Component, pr.DocumentID, round, now); err != nil {
			return fmt.Errorf("papers: %w", err)
		}
		kept = append(kept, p)
	}
	if total > s.cfg.MaxDossierBytes {
		return egov.FieldErrors{"papers": fmt.Sprintf("Tổng dung lượng giấy tờ của hồ sơ vượt quá %d MB; hãy giảm kích thước các tệp.", s.cfg.MaxDossierBytes>>20)}
	}
	d.Papers = kept
	return nil
}

// submitTx gives the draft d its code, status and appointment date.
func (s *Service) submitTx(ctx context.Context, tx *sql.Tx, d *Dossier, p *egov.Procedure, cal *calendar.Calendar, actor *identity.Account, req Request) error {
	now := s.now()
	code, err := s.nextCode(ctx, tx, d.AgencyCode, now)
	if err != nil {
		return err
	}
	due := appointment(cal, p, now)
	pr, processID, err := activeProcess(ctx, tx, p, d.AgencyCode)
	if err != nil {
		return err
	}
	from := d.Status
	d.Code, d.Status, d.Step, d.StepRole = code, StatusSubmitted, pr.Steps[0].Name, string(pr.Steps[0].Role)
	d.SubmittedAt, d.DueAt, d.ProcessID, d.HandlerAgency = &now, &due, processID, d.AgencyCode
	d.StepStartedAt = &now
	if err := s.update(ctx, tx, d, now); err != nil {
		return err
	}
	return s.record(ctx, tx, d, event{actor: actor, role: "applicant", action: "submitted", from: from, mail: true,
		details: map[string]any{"due_at": due.Format(time.RFC3339)}}, req)
}

// nextCode allocates the next national dossier code of agency for the day
// of now in Vietnam. The sequence row is locked until the transaction ends,
// so two submissions never get one number.
func (s *Service) nextCode(ctx context.Context, tx *sql.Tx, agency string, now time.Time) (string, error) {
	local := now.In(calendar.Vietnam)
	day := local.Format("20060102")
	var n int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO dossier_sequences (agency_code, day, last) VALUES ($1, $2, 1)
		ON CONFLICT (agency_code, day) DO UPDATE SET last = dossier_sequences.last + 1 RETURNING last`,
		agency, day).Scan(&n); err != nil {
		return "", fmt.Errorf("dossier code: %w", err)
	}
	return FormatCode(s.cfg.CodeLayout, agency, local, n)
}

// FormatCode writes a dossier code in layout.
func FormatCode(layout CodeLayout, agency string, day time.Time, n int64) (string, error) {
	switch layout {
	case LayoutPortal:
		if n > 9999999 {
			return "", fmt.Errorf("dossier code: more than 9,999,999 dossiers in a day at %s", agency)
		}
		return fmt.Sprintf("%s-%s-%07d", agency, day.Format("20060102"), n), nil
	default:
		if n > 9999 {
			// The classic layout has four digits; a busier agency needs
			// the portal layout. Five digits keep codes unique meanwhile.
			return fmt.Sprintf("%s-%s-%d", agency, day.Format("060102"), n), nil
		}
		return fmt.Sprintf("%s-%s-%04d", agency, day.Format("060102"), n), nil
	}
}

// ownDossier loads the dossier ref for its applicant, inside tx.
func (s *Service) ownDossier(ctx context.Context, q querier, actor *identity.Account, ref string) (Dossier, error) {
	if actor == nil {
		return Dossier{}, refuse(egov.ErrForbidden, "Vui lòng đăng nhập.")
	}
	id, err := lookupRef(ctx, q, ref)
	if err != nil {
		return Dossier{}, err
	}
	d, err := s.load(ctx, q, id)
	if err != nil {
		return d, err
	}
	if d.Applicant.AccountID != actor.ID {
		return Dossier{}, fmt.Errorf("dossier %s: %w", ref, egov.ErrNotFound)
	}
	return d, nil
}

func checkVersion(d *Dossier, version int) error {
	if version != 0 && version != d.Version {
		return ErrChanged
	}
	return nil
}

// Save changes a draft; with submit it then submits it, in one transaction.
// version, when not zero, is the version the applicant saw.
func (s *Service) Save(ctx context.Context, actor *identity.Account, ref string, app Application, submit bool, version int, req Request) (Dossier, error) {
	// Validation reads the catalog, so it runs before the transaction, on
	// the draft as it is now; the transaction then checks that nobody
	// changed the draft meanwhile.
	cur, err := s.ownDossier(ctx, s.db, actor, ref)
	if err != nil {
		return Dossier{}, err
	}
	if cur.Status != StatusDraft {
		return Dossier{}, refuse(egov.ErrConflict, "Hồ sơ đã nộp, không sửa được nữa. Khi cơ quan yêu cầu, bạn bổ sung giấy tờ trong trang hồ sơ.")
	}
	if err := checkVersion(&cur, version); err != nil {
		return Dossier{}, err
	}
	app.ProcedureCode = cur.ProcedureCode
	c, err := s.check(ctx, actor, app, submit)
	if err != nil {
		return Dossier{}, err
	}
	cal, err := s.calendar.Calendar(ctx)
	if err != nil {
		return Dossier{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.ownDossier(ctx, tx, actor, ref)
		if err != nil {
			return err
		}
		if d.Version != cur.Version {
			return ErrChanged
		}
		now := s.now()
		d.AgencyCode, d.AgencyName, d.Data, d.Fee = c.agency.Code, c.agency.Name, c.data, c.fee
		if err := s.update(ctx, tx, &d, now); err != nil {
			return err
		}
		if err := s.setPapers(ctx, tx, &d, actor, c.papers, 0, now); err != nil {
			return err
		}
		if submit {
			if err := s.submitTx(ctx, tx, &d, &c.proc, cal, actor, req); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Dossier{}, err
	}
	return s.load(ctx, s.db, cur.ID)
}

// Submit submits a complete draft.
func (s *Service) Submit(ctx context.Context, actor *identity.Account, ref string, version int, req Request) (Dossier, error) {
	d, err := s.ownDossier(ctx, s.db, actor, ref)
	if err != nil {
		return d, err
	}
	if d.Status != StatusDraft {
		return Dossier{}, refuse(egov.ErrConflict, "Hồ sơ này đã được nộp ("+d.Code+").")
	}
	app := Application{ProcedureCode: d.ProcedureCode, AgencyCode: d.AgencyCode, Data: d.Data}
	for _, p := range d.Papers {
		app.Papers = append(app.Papers, PaperRef{Component: p.Component, DocumentID: p.DocumentID})
	}
	if version == 0 {
		version = d.Version
	}
	return s.Save(ctx, actor, ref, app, true, version, req)
}

// DeleteDraft removes a draft that was never submitted.
func (s *Service) DeleteDraft(ctx context.Context, actor *identity.Account, ref string, req Request) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.ownDossier(ctx, tx, actor, ref)
		if err != nil {
			return err
		}
		if d.Status != StatusDraft {
			return refuse(egov.ErrConflict, "Chỉ xóa được bản nháp; hồ sơ đã nộp thì rút hồ sơ.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dossiers WHERE id = $1`, d.ID); err != nil {
			return fmt.Errorf("delete draft %d: %w", d.ID, err)
		}
		return nil
	})
}

// Withdraw takes back a dossier the agency has not received yet.
func (s *Service) Withdraw(ctx context.Context, actor *identity.Account, ref, reason string, version int, req Request) (Dossier, error) {
	return s.applicantChange(ctx, actor, ref, version, req, func(tx *sql.Tx, d *Dossier, now time.Time) (event, error) {
		if d.Status == StatusDraft {
			return event{}, refuse(egov.ErrConflict, "Hồ sơ chưa nộp: bạn có thể xóa bản nháp.")
		}
		if d.ReceivedAt != nil || (d.Status != StatusSubmitted && d.Status != StatusSupplement) {
			return event{}, refuse(egov.ErrConflict, "Cơ quan đã tiếp nhận hồ sơ nên không rút trực tuyến được nữa; vui lòng liên hệ bộ phận một cửa.")
		}
		reason = strings.TrimSpace(reason)
		if utf8.RuneCountInString(reason) > 1000 {
			return event{}, egov.FieldErrors{"reason": "Lý do quá dài: tối đa 1000 ký tự."}
		}
		from := d.Status
		d.Status, d.FinishedAt, d.PausedAt = StatusWithdrawn, &now, nil
		return event{actor: actor, role: "applicant", action: "withdrawn", from: from, comment: reason, mail: true}, nil
	})
}

// Supplement is the applicant's answer to a request for more papers: new
// papers (a new round, next to the earlier ones) and corrected form values.
type Supplement struct {
	Comment string         `json:"comment"`
	Papers  []PaperRef     `json:"papers"`
	Data    map[string]any `json:"data,omitempty"` // corrected values, merged over the old ones
}

// Supplement hands in what the agency asked for; the clock runs again.
func (s *Service) Supplement(ctx context.Context, actor *identity.Account, ref string, in Supplement, version int, req Request) (Dossier, error) {
	// What reads the catalog runs before the transaction, on the dossier as
	// it is now; the transaction checks that it did not change meanwhile.
	cur, err := s.ownDossier(ctx, s.db, actor, ref)
	if err != nil {
		return Dossier{}, err
	}
	if cur.Status != StatusSupplement {
		return Dossier{}, refuse(egov.ErrConflict, "Cơ quan không yêu cầu bổ sung hồ sơ này.")
	}
	if err := checkVersion(&cur, version); err != nil {
		return Dossier{}, err
	}
	o, err := s.fetch(ctx, cur.ProcedureCode)
	if err != nil {
		return Dossier{}, err
	}
	p := &o.proc
	fe := egov.FieldErrors{}
	comment := strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(comment) > 2000 {
		fe["comment"] = "Ghi chú quá dài: tối đa 2000 ký tự."
	}
	if len(in.Papers) == 0 && len(in.Data) == 0 {
		fe["papers"] = "Vui lòng đính kèm giấy tờ được yêu cầu bổ sung."
	}
	components := map[string]bool{}
	for _, c := range p.Components {
		components[c.Code] = true
	}
	for i, pr := range in.Papers {
		if !components[pr.Component] {
			fe[fmt.Sprintf("papers[%d].component", i)] = "Thủ tục không có thành phần hồ sơ mã " + quote(pr.Component) + "."
		}
		if slices.ContainsFunc(cur.Papers, func(p Paper) bool { return p.Component == pr.Component && p.DocumentID == pr.DocumentID }) {
			fe[fmt.Sprintf("papers[%d].document_id", i)] = "Giấy tờ này đã có trong hồ sơ; hãy gửi bản mới theo yêu cầu của cơ quan."
		}
	}
	merged := map[string]any{}
	for k, v := range cur.Data {
		merged[k] = v
	}
	for k, v := range in.Data {
		merged[k] = v
	}
	for k, v := range Prefilled(p.FormFields, actor) {
		merged[k] = v
	}
	clean, dfe := CleanForm(ctx, s.catalog, p.FormFields, merged, true)
	for k, v := range dfe {
		fe[k] = v
	}
	for _, name := range feeFields(p) {
		if fmt.Sprint(cur.Data[name]) != fmt.Sprint(clean[name]) {
			fe["data."+name] = "Thông tin này dùng để tính phí, lệ phí đã chốt khi nộp hồ sơ nên không sửa khi bổ sung được. Nếu cần thay đổi, vui lòng liên hệ cơ quan giải quyết."
		}
	}
	if len(fe) > 0 {
		return Dossier{}, fe
	}
	return s.applicantChange(ctx, actor, ref, cur.Version, req, func(tx *sql.Tx, d *Dossier, now time.Time) (event, error) {
		if d.Status != StatusSupplement {
			return event{}, refuse(egov.ErrConflict, "Cơ quan không yêu cầu bổ sung hồ sơ này.")
		}
		round := 1
		for _, pp := range d.Papers {
			if pp.Round >= round {
				round = pp.Round + 1
			}
		}
		if err := s.setPapers(ctx, tx, d, actor, in.Papers, round, now); err != nil {
			return event{}, err
		}
		from := d.Status
		d.Data = clean
		d.Status = StatusProcessing
		if d.ReceivedAt == nil {
			d.Status = StatusSubmitted
		}
		details := map[string]any{"round": round, "papers": len(in.Papers)}
		if d.PausedAt != nil && d.DueAt != nil && d.ReceivedAt != nil {
			// The clock stopped while the agency waited: the appointment
			// and the step's deadline move by the working days the
			// applicant took.
			waited := o.cal.WorkingDaysBetween(*d.PausedAt, now)
			if waited > 0 {
				due := moveByWorkingDays(o.cal, *d.DueAt, waited)
				d.DueAt = &due
				if d.StepDueAt != nil {
					stepDue := moveByWorkingDays(o.cal, *d.StepDueAt, waited)
					d.StepDueAt = &stepDue
					d.StepWarnedAt = nil // the warning was about the old deadline
				}
				details["due_at"] = due.Format(time.RFC3339)
				details["waited_days"] = waited
			}
		}
		d.PausedAt = nil
		return event{actor: actor, role: "applicant", action: "supplemented", from: from, comment: comment, mail: true, details: details}, nil
	})
}

// moveByWorkingDays moves t by n working days, keeping its time of day.
func moveByWorkingDays(cal *calendar.Calendar, t time.Time, n int) time.Time {
	day := cal.AddWorkingDays(t, n)
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, calendar.Vietnam).
		Add(t.In(calendar.Vietnam).Sub(dayStart(t))).UTC()
}

// dayStart is midnight in Vietnam of t's day.
func dayStart(t time.Time) time.Time {
	l := t.In(calendar.Vietnam)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, calendar.Vietnam)
}

// Rate records the applicant's satisfaction once the dossier is finished.
// Rating again replaces the earlier score.
func (s *Service) Rate(ctx context.Context, actor *identity.Account, ref string, score int, comment string, req Request) (Dossier, error) {
	return s.applicantChange(ctx, actor, ref, 0, req, func(tx *sql.Tx, d *Dossier, now time.Time) (event, error) {
		if d.Status != StatusDone && d.Status != StatusReturned && d.Status != StatusRefused {
			return event{}, refuse(egov.ErrConflict, "Bạn đánh giá được khi hồ sơ đã có kết quả.")
		}
		fe := egov.FieldErrors{}
		if score < 1 || score > 5 {
			fe["score"] = "Chọn mức đánh giá từ 1 (rất không hài lòng) đến 5 (rất hài lòng)."
		}
		comment = strings.TrimSpace(comment)
		if utf8.RuneCountInString(comment) > 2000 {
			fe["comment"] = "Ý kiến quá dài: tối đa 2000 ký tự."
		}
		if len(fe) > 0 {
			return event{}, fe
		}
		d.Rating = &Rating{Score: score, Comment: comment, At: now}
		return event{actor: actor, role: "applicant", action: "rated", from: d.Status, comment: comment,
			details: map[string]any{"score": score}}, nil
	})
}

// applicantChange runs change on the applicant's dossier in a transaction
// and records it.
func (s *Service) applicantChange(ctx context.Context, actor *identity.Account, ref string, version int, req Request,
	change func(tx *sql.Tx, d *Dossier, now time.Time) (event, error)) (Dossier, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.ownDossier(ctx, tx, actor, ref)
		if err != nil {
			return err
		}
		if err := checkVersion(&d, version); err != nil {
			return err
		}
		now := s.now()
		e, err := change(tx, &d, now)
		if err != nil {
			return err
		}
		if err := s.update(ctx, tx, &d, now); err != nil {
			return err
		}
		if d.Status == StatusWithdrawn {
			if err := s.refundClosed(ctx, tx, &d, nil); err != nil {
				return err
			}
		}
		id = d.ID
		return s.record(ctx, tx, &d, e, req)
	})
	if err != nil {
		return Dossier{}, err
	}
	return s.load(ctx, s.db, id)
}
