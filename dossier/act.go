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
)

// Step is one step of a process: who acts, how long they have, and where
// each action leads.
type Step struct {
	Name    string        `json:"name"`
	Title   string        `json:"title"`
	Role    identity.Role `json:"role"`
	Days    float64       `json:"days"` // working days allowed
	Actions []Transition  `json:"actions"`
}

// Transition is an action allowed at a step and the step it leads to
// (empty when the dossier leaves the process or waits where it is).
type Transition struct {
	Action Action `json:"action"`
	To     string `json:"to,omitempty"`
}

// Process is the way an agency handles a procedure's dossiers.
type Process struct {
	Steps []Step `json:"steps"`
}

// Step returns the step named name.
func (p Process) Step(name string) (Step, bool) {
	for _, s := range p.Steps {
		if s.Name == name {
			return s, true
		}
	}
	return Step{}, false
}

// DefaultProcess is the process of a procedure that has no process of its
// own: reception, appraisal, approval and return, with the legal time
// shared out (reception and return take no time of their own; the leader
// gets a fifth of it, at least half a day, the specialist the rest).
func DefaultProcess(p *egov.Procedure) Process {
	total := float64(p.ProcessingDays)
	approval := total / 5
	if approval < 0.5 && total >= 1 {
		approval = 0.5
	}
	return Process{Steps: []Step{
		{Name: StepReception, Title: "Tiếp nhận hồ sơ", Role: identity.RoleReceiver, Actions: []Transition{
			{ActReceive, StepAppraisal}, {ActRequestSupplement, ""}, {ActRefuse, ""}}},
		{Name: StepAppraisal, Title: "Thẩm định hồ sơ", Role: identity.RoleSpecialist, Days: total - approval, Actions: []Transition{
			{ActAssign, ""}, {ActForward, StepApproval}, {ActRequestSupplement, ""}, {ActProposeRefusal, StepApproval}}},
		{Name: StepApproval, Title: "Phê duyệt", Role: identity.RoleLeader, Days: approval, Actions: []Transition{
			{ActApprove, StepResult}, {ActSendBack, StepAppraisal}, {ActRefuse, ""}}},
		{Name: StepResult, Title: "Trả kết quả", Role: identity.RoleReceiver, Actions: []Transition{
			{ActReturnResult, ""}}},
	}}
}

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
}

// Allowed lists the actions actor may take on d now.
func (s *Service) Allowed(ctx context.Context, actor *identity.Account, d *Dossier) []Action {
	proc, err := s.catalog.Procedure(ctx, d.ProcedureCode)
	if err != nil {
		return nil
	}
	step, ok := DefaultProcess(&proc).Step(d.Step)
	if !ok || !actor.ActsFor(d.AgencyCode, step.Role) {
		return nil
	}
	var out []Action
	for _, t := range step.Actions {
		if statusAllows(d, t.Action) {
			out = append(out, t.Action)
		}
	}
	return out
}

// statusAllows reports whether the dossier's status lets action happen at
// its step.
func statusAllows(d *Dossier, _ Action) bool {
	switch d.Step {
	case StepReception:
		return d.Status == StatusSubmitted
	case StepResult:
		return d.Status == StatusDone
	default:
		return d.Status == StatusProcessing
	}
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
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		rid, err := lookupRef(ctx, tx, ref)
		if err != nil {
			return err
		}
		d, err := s.load(ctx, tx, rid)
		if err != nil {
			return err
		}
		if d.Status == StatusDraft || !actor.ActsFor(d.AgencyCode, identity.RoleReceiver, identity.RoleSpecialist, identity.RoleLeader) {
			return fmt.Errorf("dossier %s: %w", ref, egov.ErrNotFound)
		}
		if err := checkVersion(&d, in.Version); err != nil {
			return err
		}
		proc, err := s.catalog.Procedure(ctx, d.ProcedureCode)
		if err != nil {
			return fmt.Errorf("procedure: %w", err)
		}
		step, ok := DefaultProcess(&proc).Step(d.Step)
		if !ok {
			return refuse(egov.ErrConflict, "Hồ sơ không ở bước nào của quy trình.")
		}
		i := slices.IndexFunc(step.Actions, func(t Transition) bool { return t.Action == in.Action })
		if i < 0 || !statusAllows(&d, in.Action) {
			return refuse(egov.ErrConflict, fmt.Sprintf("Không thể %s khi hồ sơ đang %s (bước %s).",
				ActionName(in.Action), strings.ToLower(StatusName(d.Status)), strings.ToLower(step.Title)))
		}
		if !actor.ActsFor(d.AgencyCode, step.Role) {
			return refuse(egov.ErrForbidden, fmt.Sprintf("Bước %s do %s thực hiện.", strings.ToLower(step.Title), roleName(step.Role)))
		}
		now := s.now()
		e, err := s.apply(ctx, tx, actor, &d, &proc, in, step.Actions[i].To, now)
		if err != nil {
			return err
		}
		if err := update(ctx, tx, &d, now); err != nil {
			return err
		}
		id = d.ID
		return s.record(ctx, tx, &d, e, req)
	})
	if err != nil {
		return Dossier{}, err
	}
	return s.load(ctx, s.db, id)
}

// apply changes d for the action; the caller writes it.
func (s *Service) apply(ctx context.Context, tx *sql.Tx, actor *identity.Account, d *Dossier, proc *egov.Procedure, in ActionRequest, to string, now time.Time) (event, error) {
	e := event{actor: actor, role: roleOf(actor, d), action: string(in.Action), from: d.Status, comment: in.Comment, mail: true}
	needComment := func(what string) error {
		if in.Comment == "" {
			return egov.FieldErrors{"comment": "Vui lòng ghi " + what + "."}
		}
		return nil
	}
	switch in.Action {
	case ActReceive:
		due, err := s.appointment(ctx, proc, now)
		if err != nil {
			return e, err
		}
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
		if in.AssigneeID == 0 {
			return e, egov.FieldErrors{"assignee_id": "Vui lòng chọn chuyên viên thụ lý."}
		}
		var agency string
		var disabled bool
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(a.agency_code, ''), a.disabled_at IS NOT NULL FROM accounts a
			JOIN account_roles r ON r.account_id = a.id AND r.role = $2 WHERE a.id = $1`,
			in.AssigneeID, string(identity.RoleSpecialist)).Scan(&agency, &disabled)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (agency != d.AgencyCode || disabled)) {
			return e, egov.FieldErrors{"assignee_id": "Người được giao phải là chuyên viên đang làm việc tại cơ quan giải quyết hồ sơ."}
		}
		if err != nil {
			return e, fmt.Errorf("assignee: %w", err)
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
	case ActApprove:
		doc, err := s.resultFor(ctx, tx, actor, d, in.ResultDocumentID, now)
		if err != nil {
			return e, err
		}
		d.Status, d.Step, d.FinishedAt, d.ResultDocument = StatusDone, to, &now, &doc
		e.details = map[string]any{"result_document_id": doc.ID, "result_hash": doc.Hash}
	case ActReturnResult:
		d.Status, d.ReturnedAt = StatusReturned, &now
	default:
		return e, refuse(egov.ErrInvalid, "Thao tác không có trong quy trình: "+string(in.Action)+".")
	}
	return e, nil
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
		return Document{}, refuse(egov.ErrInvalid, "Hồ sơ không có tài khoản người nộp để nhận kết quả điện tử.")
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
	}
	return string(a)
}
