package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/store"
)

// Intake is a paper dossier entered at the one-stop desk for someone who
// came in person: who it is for, the form's values, and the papers the
// official scanned (documents of the official's store).
type Intake struct {
	ProcedureCode string         `json:"procedure_code"`
	Applicant     Applicant      `json:"applicant"`
	Data          map[string]any `json:"data"`
	Papers        []PaperRef     `json:"papers"`
}

// Hash is a digest of the intake, to recognise a retried request.
func (in Intake) Hash() string {
	return Application{ProcedureCode: in.ProcedureCode, AgencyCode: in.Applicant.Kind + "|" + in.Applicant.IDNumber,
		Data: in.Data, Papers: in.Papers}.Hash() + "-intake"
}

// cleanApplicant checks who a counter dossier is for.
func cleanApplicant(a Applicant) (Applicant, egov.FieldErrors) {
	fe := egov.FieldErrors{}
	a.Name = strings.Join(strings.Fields(a.Name), " ")
	if a.Name == "" || utf8.RuneCountInString(a.Name) > 200 {
		fe["applicant.name"] = "Nhập họ tên người nộp (hoặc tên tổ chức), tối đa 200 ký tự."
	}
	switch a.Kind {
	case "", string(identity.KindCitizen):
		a.Kind = string(identity.KindCitizen)
		a.IDNumber = identity.NormalizeIDNumber(a.IDNumber)
		if _, err := identity.ParseIDNumber(a.IDNumber); err != nil {
			fe["applicant.id_number"] = message(err, "Số định danh cá nhân gồm 12 chữ số.")
		}
	case string(identity.KindBusiness):
		a.IDNumber = identity.NormalizeTaxCode(a.IDNumber)
		if err := identity.ValidateTaxCode(a.IDNumber); err != nil {
			fe["applicant.id_number"] = message(err, "Mã số thuế gồm 10 chữ số, hoặc 13 với mã chi nhánh.")
		}
	default:
		fe["applicant.kind"] = "Người nộp là công dân (citizen) hoặc doanh nghiệp (business)."
	}
	if strings.TrimSpace(a.Phone) != "" {
		p, err := identity.NormalizePhone(a.Phone)
		if err != nil {
			fe["applicant.phone"] = message(err, "Số điện thoại di động gồm 10 chữ số.")
		}
		a.Phone = p
	}
	if a.Email = strings.TrimSpace(a.Email); a.Email != "" {
		if m, err := mail.ParseAddress(a.Email); err != nil || m.Address != a.Email {
			fe["applicant.email"] = "Địa chỉ thư điện tử không hợp lệ, ví dụ ten@example.vn."
		}
	}
	a.Address = strings.Join(strings.Fields(a.Address), " ")
	if utf8.RuneCountInString(a.Address) > 500 {
		fe["applicant.address"] = "Địa chỉ tối đa 500 ký tự."
	}
	if len(fe) > 0 {
		return a, fe
	}
	return a, nil
}

// Receive enters a paper dossier at the desk of agency: it is received at
// once, gets its code, receipt and appointment like an online one, and is
// linked to the applicant's account when they have one, so that it shows
// in their dossiers and its result reaches their document store.
func (s *Service) Receive(ctx context.Context, actor *identity.Account, agency string, in Intake, idempotencyKey string, req Request) (d Dossier, replayed bool, err error) {
	if actor == nil || !actor.ActsFor(agency, identity.RoleReceiver) {
		return d, false, refuse(egov.ErrForbidden, "Chỉ cán bộ tiếp nhận của cơ quan tiếp nhận hồ sơ tại quầy.")
	}
	key := strings.TrimSpace(idempotencyKey)
	if len(key) > maxIdempotencyKey {
		return d, false, egov.FieldErrors{"Idempotency-Key": fmt.Sprintf("Khóa quá dài: tối đa %d ký tự.", maxIdempotencyKey)}
	}
	reqHash := in.Hash()
	if key != "" {
		if d, ok, err := s.replay(ctx, s.db, actor, key, reqHash); ok || err != nil {
			return d, ok, err
		}
	}
	fe := egov.FieldErrors{}
	p, err := s.catalog.Procedure(ctx, strings.TrimSpace(in.ProcedureCode))
	if errors.Is(err, egov.ErrNotFound) {
		return d, false, egov.FieldErrors{"procedure_code": "Không có thủ tục hành chính mã " + quote(in.ProcedureCode) + "."}
	}
	if err != nil {
		return d, false, fmt.Errorf("procedure: %w", err)
	}
	if p.Status != "" && p.Status != "active" {
		return d, false, refuse(egov.ErrInvalid, "Thủ tục "+p.Name+" đã bãi bỏ, không nhận hồ sơ mới.")
	}
	ag, err := s.catalog.Agency(ctx, agency)
	if err != nil {
		return d, false, err
	}
	if !Receives(&p, ag) {
		return d, false, refuse(egov.ErrInvalid, ag.Name+" không giải quyết thủ tục "+p.Name+".")
	}
	applicant, afe := cleanApplicant(in.Applicant)
	for k, v := range afe {
		fe[k] = v
	}
	data, dfe := CleanForm(ctx, s.catalog, p.FormFields, orEmpty(in.Data), true)
	for k, v := range dfe {
		fe[k] = v
	}
	for _, comp := range p.Components {
		if comp.Required && comp.Case == "" && !hasPaper(in.Papers, comp.Code) {
			fe["papers."+comp.Code] = "Thiếu bản quét giấy tờ bắt buộc: " + comp.Name + "."
		}
	}
	for i, pr := range in.Papers {
		if !hasComponent(&p, pr.Component) {
			fe[fmt.Sprintf("papers[%d].component", i)] = "Thủ tục không có thành phần hồ sơ mã " + quote(pr.Component) + "."
		}
	}
	if len(fe) > 0 {
		return d, false, fe
	}
	cal, err := s.calendar.Calendar(ctx)
	if err != nil {
		return d, false, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		// The applicant's account, if they have one, under their ID number.
		var accountID any
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE username = $1 AND kind = $2 AND disabled_at IS NULL`,
			applicant.IDNumber, applicant.Kind).Scan(&id)
		switch {
		case err == nil:
			accountID, applicant.AccountID = id, id
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("applicant account: %w", err)
		}
		code, err := s.nextCode(ctx, tx, agency, now)
		if err != nil {
			return err
		}
		pr, processID, err := activeProcess(ctx, tx, &p, agency)
		if err != nil {
			return err
		}
		first := pr.Steps[0]
		next := first.Name
		for _, t := range first.Actions {
			if t.Action == ActReceive {
				next = t.To
			}
		}
		due := appointment(cal, &p, now)
		d = Dossier{Code: code, ProcedureCode: p.Code, ProcedureName: p.Name, FieldCode: p.Field.Code, AgencyCode: agency,
			AgencyName: ag.Name, Channel: ChannelCounter, Applicant: applicant, Status: StatusProcessing, Step: next,
			Data: data, Version: 1, CreatedAt: now, UpdatedAt: now, SubmittedAt: &now, ReceivedAt: &now, DueAt: &due,
			ProcessID: processID, HandlerAgency: agency}
		enterStep(cal, &d, pr, now)
		body, err := json.Marshal(d.Data)
		if err != nil {
			return fmt.Errorf("form data: %w", err)
		}
		var process any
		if processID != 0 {
			process = processID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO dossiers (code, procedure_code, procedure_name, field_code, agency_code,
			channel, applicant_id, applicant_kind, applicant_name, applicant_id_number, applicant_email, applicant_phone,
			applicant_address, status, step, step_role, form_data, version, created_at, updated_at, submitted_at, received_at,
			due_at, process_id, handler_agency, step_started_at, step_due_at, search_text)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, $18, $18, $18, $18, $19, $20, $21, $18, $22, $23)
			RETURNING id`,
			code, p.Code, p.Name, p.Field.Code, agency, string(ChannelCounter), accountID, applicant.Kind, applicant.Name,
			applicant.IDNumber, applicant.Email, applicant.Phone, applicant.Address, string(d.Status), d.Step, d.StepRole,
			string(body), now, due, process, agency, tp(d.StepDueAt), searchText(&d)).Scan(&d.ID); err != nil {
			return fmt.Errorf("counter dossier: %w", err)
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
		if err := s.setPapers(ctx, tx, &d, actor, in.Papers, 0, now); err != nil {
			return err
		}
		return s.record(ctx, tx, &d, event{actor: actor, role: string(identity.RoleReceiver), action: "received_at_counter",
			from: StatusDraft, mail: true, details: map[string]any{"due_at": due.UTC().Format("2006-01-02T15:04:05Z07:00")}}, req)
	})
	if err != nil {
		if key != "" && store.IsUniqueViolation(err) {
			if d, ok, rerr := s.replay(ctx, s.db, actor, key, reqHash); ok || rerr != nil {
				return d, ok, rerr
			}
		}
		return Dossier{}, false, err
	}
	d, err = s.load(ctx, s.db, d.ID)
	return d, false, err
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func hasPaper(papers []PaperRef, component string) bool {
	for _, p := range papers {
		if p.Component == component {
			return true
		}
	}
	return false
}

func hasComponent(p *egov.Procedure, code string) bool {
	for _, c := range p.Components {
		if c.Code == code {
			return true
		}
	}
	return false
}
