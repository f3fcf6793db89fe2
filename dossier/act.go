package dossier

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
)

// Steps of the default one-stop process (Decree 61/2018 and its successors:
// reception, appraisal, approval, return of the result).
const (
	StepReception = "reception"
	StepAppraisal = "appraisal"
	StepApproval  = "approval"
	StepResult    = "result"
)

// Action is what an official does to a dossier.
type Action string

// Actions of the one-stop workflow.
const (
	ActReceive           Action = "receive"            // accept at the desk: the clock starts
	ActRequestSupplement Action = "request_supplement" // ask for more papers: the clock stops
	ActRefuse            Action = "refuse"             // refuse, with a reason
	ActAssign            Action = "assign"             // give the dossier to a specialist
	ActForward           Action = "forward"            // appraisal done: to the leader
	ActSendBack          Action = "send_back"          // back to the step before, with a comment
	ActProposeRefusal    Action = "propose_refusal"    // appraisal finds it must be refused
	ActApprove           Action = "approve"            // the leader signs: the result is ready
	ActReturnResult      Action = "return_result"      // the result is handed to the applicant
	ActTransfer          Action = "transfer"           // send to a partner agency for its part
	ActReturnTransfer    Action = "return_transfer"    // the partner sends it back
	ActApologize         Action = "apologize"          // apology letter and a new appointment
)

// ActionRequest is an official's action on a dossier.
type ActionRequest struct {
	Action  Action `json:"action"`
	Comment string `json:"comment,omitempty"`
	// Version is the version of the dossier the official saw; when set, an
	// action on a dossier someone changed since is refused with ErrChanged.
	Version int `json:"version,omitempty"`
	// AssigneeID is the specialist for assign.
	AssigneeID int64 `json:"assignee_id,omitempty"`
	// ResultDocumentID is, for approve, a document of the official's store
	// holding the signed result.
	ResultDocumentID int64 `json:"result_document_id,omitempty"`
	// GenerateResult asks approve to issue the result from the
	// procedure's template, signed by the approving leader.
	GenerateResult bool `json:"generate_result,omitempty"`
	// ToAgency is the partner agency of a transfer.
	ToAgency string `json:"to_agency,omitempty"`
	// NewDueDate is the new appointment (YYYY-MM-DD) of an apology.
	NewDueDate string `json:"new_due_date,omitempty"`
	// AtCounter says, for return_result, that the applicant collected the
	// result at the desk rather than online.
	AtCounter bool `json:"at_counter,omitempty"`
}

// handler is the agency that holds the dossier now.
func handler(d *Dossier) string {
	if d.HandlerAgency != "" {
		return d.HandlerAgency
	}
	return d.AgencyCode
}

// mayView reports whether an official may see a dossier: one of the
// agency that received it or of the agency that holds it now.
func mayView(a *identity.Account, d *Dossier) bool {
	roles := []identity.Role{identity.RoleReceiver, identity.RoleSpecialist, identity.RoleLeader}
	return d.Status != StatusDraft && (a.ActsFor(d.AgencyCode, roles...) || a.ActsFor(handler(d), roles...))
}

// Allowed lists the actions actor may take on d now.
func (s *Service) Allowed(ctx context.Context, actor *identity.Account, d *Dossier) []Action {
	if actor == nil || d.Status.Closed() || d.Status == StatusDraft {
		return nil
	}
	proc, err := s.catalog.Procedure(ctx, d.ProcedureCode)
	if err != nil {
		return nil
	}
	step, _, err := stepOf(ctx, s.db, d, &proc)
	if err != nil {
		return nil
	}
	var out []Action
	for _, t := range step.Actions {
		takenByOther := d.AssigneeID != 0 && d.AssigneeID != actor.ID && step.Role == identity.RoleSpecialist &&
			t.Action != ActAssign && !actor.IsSystemAdmin()
		if statusAllows(d, t.Action) && !takenByOther && !s.paymentHolds(d, &proc, t.Action) &&
			actor.ActsFor(handler(d), actingRoles(step, t.Action)...) {
			out = append(out, t.Action)
		}
	}
	return out
}

// actingRoles are the roles that may take action at step: the step's
// role, and for an assignment also the leader, who shares out the work.
func actingRoles(step Step, a Action) []identity.Role {
	if a == ActAssign {
		return []identity.Role{step.Role, identity.RoleLeader}
	}
	return []identity.Role{step.Role}
}

// statusAllows reports whether the dossier's status lets action happen at
// its step: a dossier waiting for reception can only be received, asked
// for papers or refused; one with its result ready can only be returned.
func statusAllows(d *Dossier, a Action) bool {
	switch d.Status {
	case StatusSubmitted:
		return a == ActReceive || a == ActRequestSupplement || a == ActRefuse
	case StatusProcessing:
		return a != ActReceive && a != ActReturnResult
	case StatusDone:
		return a == ActReturnResult
	}
	return false
}

// Act carries out an official's action on the dossier ref, in one
// transaction with its history, audit entry and the applicant's e-mail.
func (s *Service) Act(ctx context.Context, actor *identity.Account, ref string, in ActionRequest, req Request) (Dossier, error) {
	if actor == nil || actor.Kind != identity.KindOfficial {
		return Dossier{}, refuse(egov.ErrForbidden, "Chỉ cán bộ của cơ quan giải quyết xử lý hồ sơ.")
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(in.Comment) > 2000 {
		return Dossier{}, egov.FieldErrors{"comment": "Nội dung quá dài: tối đa 2000 ký tự."}
	}
	if in.Action == "" {
		return Dossier{}, egov.FieldErrors{"action": "Chọn một thao tác."}
	}
	if !slices.Contains(ProcessActions, in.Action) && in.Action != ActReturnTransfer {
		return Dossier{}, egov.FieldErrors{"action": "Thao tác không được hỗ trợ: " + quote(string(in.Action)) + "."}
	}
	rid, err := lookupRef(ctx, s.db, ref)
	if err != nil {
		return Dossier{}, err
	}
	cur, err := s.load(ctx, s.db, rid)
	if err != nil {
		return Dossier{}, err
	}
	if !mayView(actor, &cur) {
		return Dossier{}, fmt.Errorf("dossier %s: %w", ref, egov.ErrNotFound)
	}
	o, err := s.fetch(ctx, cur.ProcedureCode)
	if err != nil {
		return Dossier{}, err
	}
	if in.Action == ActApprove && in.GenerateResult {
		h, err := s.heading(ctx, cur.AgencyCode)
		if err != nil {
			return Dossier{}, err
		}
		o.heading = &h
	}
	if in.Action == ActTransfer && strings.TrimSpace(in.ToAgency) != "" {
		a, err := s.catalog.Agency(ctx, strings.TrimSpace(in.ToAgency))
		if err != nil && !errors.Is(err, egov.ErrNotFound) {
			return Dossier{}, fmt.Errorf("transfer: %w", err)
		}
		if err == nil {
			o.partner = &a
		}
	}
	proc := o.proc
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.load(ctx, tx, rid)
		if err != nil {
			return err
		}
		if !mayView(actor, &d) {
			return fmt.Errorf("dossier %s: %w", ref, egov.ErrNotFound)
		}
		if err := checkVersion(&d, in.Version); err != nil {
			return err
		}
		step, pr, err := stepOf(ctx, tx, &d, &proc)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(step.Actions, func(t Transition) bool { return t.Action == in.Action })
		if i < 0 || !statusAllows(&d, in.Action) {
			return refuse(egov.ErrConflict, fmt.Sprintf("Không thể %s khi hồ sơ đang %s (bước %s).",
				ActionName(in.Action), strings.ToLower(StatusName(d.Status)), strings.ToLower(step.Title)))
		}
		if !actor.ActsFor(handler(&d), actingRoles(step, in.Action)...) {
			return refuse(egov.ErrForbidden, fmt.Sprintf("Bước %s do %s thực hiện.", strings.ToLower(step.Title), roleName(step.Role)))
		}
		if d.AssigneeID != 0 && step.Role == identity.RoleSpecialist && in.Action != ActAssign &&
			d.AssigneeID != actor.ID && !actor.IsSystemAdmin() {
			return refuse(egov.ErrForbidden, "Hồ sơ đã được phân công cho chuyên viên khác thụ lý.")
		}
		if s.paymentHolds(&d, &proc, in.Action) {
			return s.paymentHoldError(&d, in.Action)
		}
		now := s.now()
		holder := egov.Agency{Code: handler(&d), Name: d.HandlerAgencyName}
		if holder.Name == "" {
			holder.Name = d.AgencyName
		}
		e, err := s.apply(ctx, tx, actor, &d, &o, in, step.Actions[i].To, now)
		if err != nil {
			return err
		}
		if to := step.Actions[i].To; to != "" && to != step.Name || in.Action == ActTransfer || in.Action == ActReturnTransfer {
			enterStep(o.cal, &d, pr, now)
		}
		if err := s.update(ctx, tx, &d, now); err != nil {
			return err
		}
		if d.Status == StatusRefused {
			if err := s.refundClosed(ctx, tx, &d, &proc); err != nil {
				return err
			}
		}
		if in.Action == ActTransfer || in.Action == ActReturnTransfer {
			to := egov.Agency{Code: d.AgencyCode, Name: d.AgencyName}
			if in.Action == ActTransfer {
				to = *o.partner
			}
			if err := s.sendTransfer(ctx, tx, actor, &d, in, holder, to, &e, now); err != nil {
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

// enterStep starts the clock of the step the dossier has just reached.
func enterStep(cal *calendar.Calendar, d *Dossier, pr Process, now time.Time) {
	d.StepStartedAt, d.StepWarnedAt = &now, nil
	if d.Step == StepPartner {
		// The partner has the time the step it came from had left.
		d.StepRole = string(identity.RoleSpecialist)
		return
	}
	step, ok := pr.Step(d.Step)
	if !ok {
		return
	}
	d.StepRole = string(step.Role)
	unit := string(step.Unit)
	if unit == "" {
		unit = string(egov.UnitWorkingDays)
	}
	due := cal.Deadline(now, step.Time, unit).UTC()
	d.StepDueAt = &due
}

// apply changes d for the action; the caller writes it.
func (s *Service) apply(ctx context.Context, tx *sql.Tx, actor *identity.Account, d *Dossier, o *outside, in ActionRequest, to string, now time.Time) (event, error) {
	proc := &o.proc
	e := event{actor: actor, role: roleOf(actor, d), action: string(in.Action), from: d.Status, comment: in.Comment, mail: true}
	needComment := func(what string) error {
		if in.Comment == "" {
			return egov.FieldErrors{"comment": "Vui lòng ghi " + what + "."}
		}
		return nil
	}
	switch in.Action {
	case ActReceive:
		due := appointment(o.cal, proc, now)
		d.Status, d.Step, d.ReceivedAt, d.DueAt = StatusProcessing, to, &now, &due
		e.details = map[string]any{"due_at": due.Format(time.RFC3339)}
	case ActRequestSupplement:
		if err := needComment("những giấy tờ cần bổ sung, hoàn thiện và lý do"); err != nil {
			return e, err
		}
		d.Status, d.PausedAt = StatusSupplement, &now
	case ActRefuse:
		if err := needComment("lý do từ chối"); err != nil {
			return e, err
		}
		d.Status, d.FinishedAt, d.PausedAt = StatusRefused, &now, nil
	case ActAssign:
		if err := s.checkAssignee(ctx, tx, d, in.AssigneeID); err != nil {
			return e, err
		}
		d.AssigneeID = in.AssigneeID
		e.mail = false
		e.details = map[string]any{"assignee_id": in.AssigneeID}
	case ActForward:
		d.Step = to
		e.mail = false
	case ActProposeRefusal:
		if err := needComment("lý do đề xuất từ chối"); err != nil {
			return e, err
		}
		d.Step = to
		e.mail = false
		e.details = map[string]any{"proposal": "refuse"}
	case ActSendBack:
		if err := needComment("nội dung cần xem lại"); err != nil {
			return e, err
		}
		d.Step = to
		e.mail = false
	case ActTransfer:
		if err := transfer(d, in.ToAgency, o.partner); err != nil {
			return e, err
		}
		e.details = map[string]any{"to_agency": d.HandlerAgency}
		e.mail = false
	case ActReturnTransfer:
		e.details = map[string]any{"from_agency": d.HandlerAgency}
		d.Step, d.HandlerAgency, d.TransferFromStep = to, d.AgencyCode, ""
		e.mail = false
	case ActApologize:
		if err := apologize(o.cal, d, in, now); err != nil {
			return e, err
		}
		e.details = map[string]any{"first_due_at": d.FirstDueAt.Format(time.RFC3339), "due_at": d.DueAt.Format(time.RFC3339)}
	case ActApprove:
		if d.DueAt != nil && now.After(*d.DueAt) && d.ApologyAt == nil {
			return e, refuse(egov.ErrConflict, "Hồ sơ đã quá hạn hẹn trả: lập phiếu xin lỗi và hẹn lại ngày trả kết quả trước khi phê duyệt.")
		}
		var doc Document
		var err error
		if in.GenerateResult && in.ResultDocumentID == 0 {
			doc, err = s.generateResult(ctx, tx, actor, d, proc, o.heading, now)
		} else {
			doc, err = s.resultFor(ctx, tx, actor, d, in.ResultDocumentID, now)
		}
		if err != nil {
			return e, err
		}
		d.Status, d.Step, d.FinishedAt, d.ResultDocument = StatusDone, to, &now, &doc
		e.details = map[string]any{"result_document_id": doc.ID, "result_hash": doc.Hash}
	case ActReturnResult:
		d.Status, d.ReturnedAt = StatusReturned, &now
		if in.AtCounter {
			e.details = map[string]any{"at_counter": true}
		}
	}
	return e, nil
}

// checkAssignee makes sure the assignee is a working specialist of the
// agency that holds the dossier.
func (s *Service) checkAssignee(ctx context.Context, tx querier, d *Dossier, id int64) error {
	if id == 0 {
		return egov.FieldErrors{"assignee_id": "Vui lòng chọn chuyên viên thụ lý."}
	}
	var agency string
	var disabled bool
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(a.agency_code, ''), a.disabled_at IS NOT NULL FROM accounts a
		JOIN account_roles r ON r.account_id = a.id AND r.role = $2 WHERE a.id = $1`,
		id, string(identity.RoleSpecialist)).Scan(&agency, &disabled)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (agency != handler(d) || disabled)) {
		return egov.FieldErrors{"assignee_id": "Người được giao phải là chuyên viên đang làm việc tại cơ quan giải quyết hồ sơ."}
	}
	if err != nil {
		return fmt.Errorf("assignee: %w", err)
	}
	return nil
}

// transfer sends the dossier to a partner agency for its part of an
// inter-agency procedure (liên thông). The clock runs on. partner is the
// agency named by to, nil when there is none.
func transfer(d *Dossier, to string, partner *egov.Agency) error {
	to = strings.TrimSpace(to)
	switch {
	case to == "":
		return egov.FieldErrors{"to_agency": "Chọn cơ quan phối hợp nhận hồ sơ."}
	case partner == nil:
		return egov.FieldErrors{"to_agency": "Không có cơ quan mã " + quote(to) + "."}
	case partner.Code == handler(d):
		return egov.FieldErrors{"to_agency": "Chọn một cơ quan khác với cơ quan đang giữ hồ sơ."}
	}
	d.TransferFromStep, d.Step, d.HandlerAgency, d.AssigneeID = d.Step, StepPartner, partner.Code, 0
	return nil
}

// apologize records the apology letter (Mẫu 04) and the new appointment;
// the first appointment is kept for the statistics.
func apologize(cal *calendar.Calendar, d *Dossier, in ActionRequest, now time.Time) error {
	fe := egov.FieldErrors{}
	if in.Comment == "" {
		fe["comment"] = "Vui lòng ghi lý do chậm trả kết quả."
	}
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(in.NewDueDate), calendar.Vietnam)
	if err != nil {
		fe["new_due_date"] = "Ngày hẹn mới theo dạng YYYY-MM-DD."
	} else {
		switch {
		case d.DueAt != nil && !day.After(dayStart(*d.DueAt)):
			fe["new_due_date"] = "Ngày hẹn mới phải sau ngày hẹn cũ " + Vietnam(*d.DueAt) + "."
		case !cal.IsWorkingDay(calendar.DateOf(day)):
			fe["new_due_date"] = "Ngày hẹn mới phải là ngày làm việc."
		case day.Before(dayStart(now)):
			fe["new_due_date"] = "Ngày hẹn mới không được ở quá khứ."
		}
	}
	if len(fe) > 0 {
		return fe
	}
	if d.FirstDueAt == nil {
		d.FirstDueAt = d.DueAt
	}
	due := day.Add(17 * time.Hour).UTC() // end of office hours
	d.DueAt, d.ApologyAt = &due, &now
	return nil
}

// resultFor puts the signed result that the official uploaded into the
// applicant's document store, where it stays after the dossier is closed.
func (s *Service) resultFor(ctx context.Context, tx *sql.Tx, actor *identity.Account, d *Dossier, docID int64, now time.Time) (Document, error) {
	if docID == 0 {
		return Document{}, egov.FieldErrors{"result_document_id": "Vui lòng tải lên văn bản kết quả đã ký số."}
	}
	var src Document
	err := tx.QueryRowContext(ctx, `SELECT name, blob_hash, size, content_type FROM documents WHERE id = $1 AND owner_id = $2`,
		docID, actor.ID).Scan(&src.Name, &src.Hash, &src.Size, &src.ContentType)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, egov.FieldErrors{"result_document_id": "Không có tệp kết quả này trong các tệp bạn đã tải lên."}
	}
	if err != nil {
		return Document{}, fmt.Errorf("result: %w", err)
	}
	if d.Applicant.AccountID == 0 {
		// Someone without an account collects the result at the desk;
		// the file stays with the official who uploaded it.
		src.ID, src.OwnerID, src.Kind, src.DossierCode, src.CreatedAt = docID, actor.ID, DocumentUpload, d.Code, now
		return src, nil
	}
	doc := Document{OwnerID: d.Applicant.AccountID, Kind: DocumentResult, Name: src.Name, Hash: src.Hash, Size: src.Size,
		ContentType: src.ContentType, DossierCode: d.Code, CreatedAt: now}
	err = tx.QueryRowContext(ctx, `SELECT id FROM documents WHERE owner_id = $1 AND kind = $2 AND blob_hash = $3`,
		doc.OwnerID, string(DocumentResult), doc.Hash).Scan(&doc.ID)
	if err == nil {
		_, err = tx.ExecContext(ctx, `UPDATE documents SET dossier_id = $1 WHERE id = $2`, d.ID, doc.ID)
		return doc, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return doc, fmt.Errorf("result: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO documents (owner_id, kind, name, blob_hash, size, content_type, dossier_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, doc.OwnerID, string(DocumentResult), doc.Name, doc.Hash,
		doc.Size, doc.ContentType, d.ID, now).Scan(&doc.ID); err != nil {
		return doc, fmt.Errorf("result: %w", err)
	}
	return doc, nil
}

func roleOf(a *identity.Account, d *Dossier) string {
	for _, r := range []identity.Role{identity.RoleLeader, identity.RoleSpecialist, identity.RoleReceiver} {
		if a.HasRole(r) {
			return string(r)
		}
	}
	if a.IsSystemAdmin() {
		return string(identity.RoleSystemAdmin)
	}
	return "official"
}

func roleName(r identity.Role) string {
	switch r {
	case identity.RoleReceiver:
		return "cán bộ tiếp nhận"
	case identity.RoleSpecialist:
		return "chuyên viên thụ lý"
	case identity.RoleLeader:
		return "lãnh đạo"
	}
	return string(r)
}

// ActionName is the Vietnamese name of an action or history entry.
func ActionName(a Action) string {
	switch a {
	case "created":
		return "tạo hồ sơ"
	case "submitted":
		return "nộp hồ sơ"
	case "withdrawn":
		return "rút hồ sơ"
	case "supplemented":
		return "bổ sung hồ sơ"
	case "rated":
		return "đánh giá"
	case ActReceive:
		return "tiếp nhận hồ sơ"
	case ActRequestSupplement:
		return "yêu cầu bổ sung"
	case ActRefuse:
		return "từ chối"
	case ActAssign:
		return "phân công"
	case ActForward:
		return "chuyển trình"
	case ActSendBack:
		return "trả lại"
	case ActProposeRefusal:
		return "đề xuất từ chối"
	case ActApprove:
		return "phê duyệt"
	case ActReturnResult:
		return "trả kết quả"
	case ActTransfer:
		return "chuyển cơ quan phối hợp"
	case ActReturnTransfer:
		return "trả lại cơ quan chủ trì"
	case ActApologize:
		return "xin lỗi và hẹn lại"
	case "paid":
		return "nộp phí, lệ phí trực tuyến"
	case "refunded":
		return "hoàn trả phí, lệ phí"
	case "received_at_counter":
		return "tiếp nhận hồ sơ tại quầy"
	}
	return string(a)
}
