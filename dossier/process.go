package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/identity"
)

// Step is one step of a process: who acts, how long they have, and where
// each action leads.
type Step struct {
	Name    string        `json:"name"`
	Title   string        `json:"title"`
	Role    identity.Role `json:"role"`
	Time    float64       `json:"time"`           // time allowed
	Unit    egov.TimeUnit `json:"unit,omitempty"` // working_days (default) or working_hours
	Actions []Transition  `json:"actions"`
}

// Hours is the time allowed at the step in working hours.
func (s Step) Hours() float64 {
	if s.Unit == egov.UnitHours {
		return s.Time
	}
	return s.Time * 8
}

// Transition is an action allowed at a step and the step it leads to
// (empty when the action keeps the dossier where it is or ends it).
type Transition struct {
	Action Action `json:"action"`
	To     string `json:"to,omitempty"`
}

// Process is the way an agency handles a procedure's dossiers: a state
// machine over steps. Dossiers enter at the first step when submitted.
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

// StepPartner is where a dossier waits while a partner agency processes
// its part (liên thông); it is the same in every process.
const StepPartner = "partner"

// partnerStep is the step of the partner agency: its specialists process
// their part and send the dossier back to the step it came from.
func partnerStep(from string) Step {
	return Step{Name: StepPartner, Title: "Cơ quan phối hợp xử lý", Role: identity.RoleSpecialist,
		Actions: []Transition{{ActReturnTransfer, from}}}
}

// Moves reports whether an action takes the dossier to another step, so
// that a transition of it must name one.
func Moves(a Action) bool {
	switch a {
	case ActReceive, ActForward, ActSendBack, ActProposeRefusal, ActApprove:
		return true
	}
	return false
}

// ends reports whether an action closes the dossier.
func ends(a Action) bool { return a == ActRefuse || a == ActReturnResult }

// ProcessActions are the actions a step of a process may allow, in the
// order editors show them: those that take the dossier forward first and
// refusal last.
var ProcessActions = []Action{ActReceive, ActAssign, ActForward, ActApprove, ActReturnResult, ActRequestSupplement,
	ActSendBack, ActProposeRefusal, ActTransfer, ActApologize, ActRefuse}

// MaxSteps is the most steps a process may have.
const MaxSteps = 20

var stepName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// DefaultProcess is the process of a procedure that has no process of its
// own: reception, appraisal, approval and return, with the legal time
// shared out (reception and return take no time of their own; the leader
// gets a fifth of it, at least half a day, the specialist the rest).
func DefaultProcess(p *egov.Procedure) Process {
	total := LegalDays(p)
	approval := total / 5
	if approval < 0.5 && total >= 1 {
		approval = 0.5
	}
	return Process{Steps: []Step{
		{Name: StepReception, Title: "Tiếp nhận hồ sơ", Role: identity.RoleReceiver, Actions: []Transition{
			{ActReceive, StepAppraisal}, {ActRequestSupplement, ""}, {ActRefuse, ""}}},
		{Name: StepAppraisal, Title: "Thẩm định hồ sơ", Role: identity.RoleSpecialist, Time: total - approval, Actions: []Transition{
			{ActAssign, ""}, {ActForward, StepApproval}, {ActRequestSupplement, ""}, {ActProposeRefusal, StepApproval},
			{ActTransfer, ""}, {ActApologize, ""}}},
		{Name: StepApproval, Title: "Phê duyệt", Role: identity.RoleLeader, Time: approval, Actions: []Transition{
			{ActApprove, StepResult}, {ActSendBack, StepAppraisal}, {ActRefuse, ""}, {ActApologize, ""}}},
		{Name: StepResult, Title: "Trả kết quả", Role: identity.RoleReceiver, Actions: []Transition{
			{ActReturnResult, ""}}},
	}}
}

// LegalDays is the legal processing time of a procedure in working days,
// from its online way when it has one.
func LegalDays(p *egov.Procedure) float64 {
	for _, w := range p.Ways {
		if w.Channel == egov.ChannelOnline {
			if w.Unit == egov.UnitHours {
				return w.ProcessingTime / 8
			}
			return w.ProcessingTime
		}
	}
	return float64(p.ProcessingDays)
}

// Validate checks a process against the procedure it is for: every step
// reachable from the first, every step with a way out, known roles and
// actions, and times that fit in the legal processing time. The messages
// say what to change.
func (pr Process) Validate(p *egov.Procedure) egov.FieldErrors {
	fe := egov.FieldErrors{}
	if len(pr.Steps) == 0 {
		fe["steps"] = "Quy trình cần ít nhất một bước."
		return fe
	}
	if len(pr.Steps) > MaxSteps {
		fe["steps"] = fmt.Sprintf("Quy trình có tối đa %d bước.", MaxSteps)
		return fe
	}
	names := map[string]int{}
	for i, s := range pr.Steps {
		key := fmt.Sprintf("steps[%d]", i)
		switch {
		case !stepName.MatchString(s.Name) || s.Name == StepPartner:
			fe[key+".name"] = "Tên bước gồm chữ thường không dấu, số và dấu gạch dưới, ví dụ tham_dinh."
		case names[s.Name] > 0:
			fe[key+".name"] = "Hai bước trùng tên " + s.Name + "."
		}
		names[s.Name] = i + 1
		if t := strings.TrimSpace(s.Title); t == "" || utf8.RuneCountInString(t) > 200 {
			fe[key+".title"] = "Nhập tên bước để cán bộ nhận ra, tối đa 200 ký tự."
		}
		if s.Role != identity.RoleReceiver && s.Role != identity.RoleSpecialist && s.Role != identity.RoleLeader {
			fe[key+".role"] = "Người thực hiện là cán bộ tiếp nhận, chuyên viên hoặc lãnh đạo."
		}
		if s.Unit != "" && s.Unit != egov.UnitWorkingDays && s.Unit != egov.UnitHours {
			fe[key+".unit"] = "Đơn vị thời gian là ngày làm việc hoặc giờ làm việc."
		}
		if s.Time < 0 || math.IsNaN(s.Time) || math.IsInf(s.Time, 0) {
			fe[key+".time"] = "Thời gian không được âm."
		}
		if len(s.Actions) == 0 {
			fe[key+".actions"] = fmt.Sprintf("Bước %d chưa có thao tác nào: hồ sơ sẽ không ra khỏi bước này.", i+1)
		}
	}
	if len(fe) > 0 {
		return fe
	}
	if first := pr.Steps[0]; !slices.ContainsFunc(first.Actions, func(t Transition) bool { return t.Action == ActReceive }) {
		fe["steps[0].actions"] = "Bước đầu tiên phải có thao tác tiếp nhận hồ sơ."
	}
	finishes := false
	for i, s := range pr.Steps {
		out := false
		seen := map[Action]bool{}
		for j, t := range s.Actions {
			key := fmt.Sprintf("steps[%d].actions[%d]", i, j)
			switch {
			case !slices.Contains(ProcessActions, t.Action):
				fe[key+".action"] = "Thao tác không được hỗ trợ: " + string(t.Action) + "."
				continue
			case seen[t.Action]:
				fe[key+".action"] = "Thao tác " + ActionName(t.Action) + " lặp lại trong một bước."
			}
			seen[t.Action] = true
			switch {
			case Moves(t.Action) && t.To == "":
				fe[key+".to"] = "Chọn bước mà thao tác " + ActionName(t.Action) + " chuyển hồ sơ tới."
			case Moves(t.Action) && names[t.To] == 0:
				fe[key+".to"] = "Không có bước " + t.To + " trong quy trình."
			case Moves(t.Action) && t.To == s.Name:
				fe[key+".to"] = "Thao tác " + ActionName(t.Action) + " phải chuyển hồ sơ sang bước khác."
			case !Moves(t.Action) && t.To != "":
				fe[key+".to"] = "Thao tác " + ActionName(t.Action) + " không chuyển bước."
			}
			if Moves(t.Action) || ends(t.Action) || t.Action == ActTransfer {
				out = true
			}
			if t.Action == ActApprove {
				if next, ok := pr.Step(t.To); ok && !slices.ContainsFunc(next.Actions, func(t Transition) bool { return t.Action == ActReturnResult }) {
					fe[key+".to"] = "Sau khi phê duyệt, bước " + next.Title + " phải có thao tác trả kết quả."
				}
				finishes = true
			}
		}
		if !out {
			fe[fmt.Sprintf("steps[%d].actions", i)] = "Bước " + s.Title + " không có lối ra: thêm thao tác chuyển bước, từ chối hoặc trả kết quả."
		}
	}
	if !finishes {
		addMessage(fe, "steps", "Quy trình cần một bước có thao tác phê duyệt.")
	}
	// Every step must be reachable from the first.
	reached := map[string]bool{pr.Steps[0].Name: true}
	queue := []string{pr.Steps[0].Name}
	for len(queue) > 0 {
		s, _ := pr.Step(queue[0])
		queue = queue[1:]
		for _, t := range s.Actions {
			if t.To != "" && !reached[t.To] {
				reached[t.To] = true
				queue = append(queue, t.To)
			}
		}
	}
	for i, s := range pr.Steps {
		if !reached[s.Name] {
			fe[fmt.Sprintf("steps[%d].name", i)] = "Không bước nào chuyển hồ sơ tới bước " + s.Title + "."
		}
	}
	var hours float64
	for _, s := range pr.Steps {
		hours += s.Hours()
	}
	legal := LegalDays(p) * 8
	if legal == 0 {
		legal = 8 // "within the working day"
	}
	if hours > legal+1e-9 {
		addMessage(fe, "steps", fmt.Sprintf("Tổng thời gian các bước (%s giờ làm việc) vượt thời hạn giải quyết theo quy định (%s giờ, tức %s ngày làm việc).",
			trimFloat(hours), trimFloat(legal), trimFloat(legal/8)))
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// addMessage adds msg to the errors of key, after those already there.
func addMessage(fe egov.FieldErrors, key, msg string) {
	if prev := fe[key]; prev != "" {
		msg = prev + " " + msg
	}
	fe[key] = msg
}

func trimFloat(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

// Process returns the process in force for a procedure at an agency: the
// agency's own, else the one set for every agency, else the default; id is
// 0 for the default.
func (s *Service) Process(ctx context.Context, procedureCode, agencyCode string) (Process, int64, error) {
	p, err := s.catalog.Procedure(ctx, procedureCode)
	if err != nil {
		return Process{}, 0, fmt.Errorf("process of %s: %w", procedureCode, err)
	}
	return activeProcess(ctx, s.db, &p, agencyCode)
}

func activeProcess(ctx context.Context, q querier, p *egov.Procedure, agencyCode string) (Process, int64, error) {
	procedureCode := p.Code
	var id int64
	var def string
	err := q.QueryRowContext(ctx, `SELECT id, definition FROM processes WHERE procedure_code = $1 AND active
		AND (agency_code = $2 OR agency_code = '') ORDER BY agency_code DESC LIMIT 1`, procedureCode, agencyCode).Scan(&id, &def)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultProcess(p), 0, nil
	}
	if err != nil {
		return Process{}, 0, fmt.Errorf("process of %s: %w", procedureCode, err)
	}
	var pr Process
	if err := json.Unmarshal([]byte(def), &pr); err != nil {
		return Process{}, 0, fmt.Errorf("process %d: %w", id, err)
	}
	return pr, id, nil
}

// processOf returns the process a dossier follows: the version it started
// with, so that editing a process does not strand dossiers on the way.
func processOf(ctx context.Context, q querier, d *Dossier, p *egov.Procedure) (Process, error) {
	if d.ProcessID == 0 {
		return DefaultProcess(p), nil
	}
	var def string
	if err := q.QueryRowContext(ctx, `SELECT definition FROM processes WHERE id = $1`, d.ProcessID).Scan(&def); err != nil {
		return Process{}, fmt.Errorf("process %d: %w", d.ProcessID, err)
	}
	var pr Process
	if err := json.Unmarshal([]byte(def), &pr); err != nil {
		return Process{}, fmt.Errorf("process %d: %w", d.ProcessID, err)
	}
	return pr, nil
}

// stepOf returns the step the dossier is at.
func stepOf(ctx context.Context, q querier, d *Dossier, p *egov.Procedure) (Step, Process, error) {
	pr, err := processOf(ctx, q, d, p)
	if err != nil {
		return Step{}, pr, err
	}
	if d.Step == StepPartner {
		return partnerStep(d.TransferFromStep), pr, nil
	}
	st, ok := pr.Step(d.Step)
	if !ok {
		return Step{}, pr, refuse(egov.ErrConflict, "Hồ sơ không ở bước nào của quy trình.")
	}
	return st, pr, nil
}

// SaveProcess sets the process of a procedure at an agency (agencyCode ""
// for every agency, which only the system administrator may do). The old
// version stays for the dossiers that follow it.
func (s *Service) SaveProcess(ctx context.Context, actor *identity.Account, procedureCode, agencyCode string, pr Process, req Request) (int64, error) {
	if !mayEditProcess(actor, agencyCode) {
		return 0, refuse(egov.ErrForbidden, "Chỉ quản trị của cơ quan sửa được quy trình của cơ quan.")
	}
	p, err := s.catalog.Procedure(ctx, procedureCode)
	if err != nil {
		return 0, err
	}
	if agencyCode != "" {
		a, err := s.catalog.Agency(ctx, agencyCode)
		if err != nil {
			return 0, err
		}
		if !Receives(&p, a) {
			return 0, egov.FieldErrors{"agency_code": a.Name + " không giải quyết thủ tục này."}
		}
	}
	pr.Steps = slices.Clone(pr.Steps) // the caller's slice stays as it was
	for i := range pr.Steps {
		pr.Steps[i].Title = strings.TrimSpace(pr.Steps[i].Title)
		if pr.Steps[i].Unit == "" {
			pr.Steps[i].Unit = egov.UnitWorkingDays
		}
	}
	if fe := pr.Validate(&p); fe != nil {
		return 0, fe
	}
	def, err := json.Marshal(pr)
	if err != nil {
		return 0, fmt.Errorf("process: %w", err)
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE processes SET active = $1 WHERE procedure_code = $2 AND agency_code = $3 AND active`,
			false, procedureCode, agencyCode); err != nil {
			return fmt.Errorf("save process: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO processes (procedure_code, agency_code, definition, active, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, procedureCode, agencyCode, string(def), true, actor.Actor(), s.now()).Scan(&id); err != nil {
			return fmt.Errorf("save process: %w", err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "process.saved",
			Subject: "process:" + itoa(id), AgencyCode: agencyCode, Details: map[string]any{"procedure_code": procedureCode, "steps": len(pr.Steps)}})
		return err
	})
	return id, err
}

// ResetProcess goes back to the default process for new dossiers.
func (s *Service) ResetProcess(ctx context.Context, actor *identity.Account, procedureCode, agencyCode string, req Request) error {
	if !mayEditProcess(actor, agencyCode) {
		return refuse(egov.ErrForbidden, "Chỉ quản trị của cơ quan sửa được quy trình của cơ quan.")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE processes SET active = $1 WHERE procedure_code = $2 AND agency_code = $3 AND active`,
			false, procedureCode, agencyCode)
		if err != nil {
			return fmt.Errorf("reset process: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // nothing was in force: nothing to record
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "process.reset",
			Subject: "procedure:" + procedureCode, AgencyCode: agencyCode})
		return err
	})
}

func mayEditProcess(a *identity.Account, agency string) bool {
	if a.IsSystemAdmin() {
		return true
	}
	return agency != "" && a.ActsFor(agency, identity.RoleAgencyAdmin)
}
