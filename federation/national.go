package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/dossier"
)

// Stored is the national instance's answer to a push.
type Stored struct {
	Code string `json:"MaHoSo"`
	// Seq is the last progress entry stored for the dossier.
	Seq int `json:"SoThuTu"`
	// Added counts the progress entries this push added; 0 for a push
	// repeated.
	Added     int  `json:"SoBuocMoi"`
	Duplicate bool `json:"TrungLap"`
}

// agencyOfCode is the receiving agency's code at the start of a dossier
// code: 000.00.12.H29 in 000.00.12.H29-200415-0001.
func agencyOfCode(code string) string {
	agency, _, ok := strings.Cut(code, "-")
	if !ok {
		return ""
	}
	return agency
}

// check finds what is wrong with p before anything is read.
func check(p *Push) error {
	fe := egov.FieldErrors{}
	d := &p.Dossier
	d.Code, d.ProcedureCode = strings.TrimSpace(d.Code), strings.TrimSpace(d.ProcedureCode)
	switch {
	case d.Code == "":
		fe["HoSo.MaHoSo"] = "Thiếu mã hồ sơ (MaHoSo), ví dụ 000.00.12.H29-200415-0001."
	case len(d.Code) > 64 || agencyOfCode(d.Code) == "":
		fe["HoSo.MaHoSo"] = "Mã hồ sơ phải có dạng <mã cơ quan>-<ngày>-<số thứ tự>, ví dụ 000.00.12.H29-200415-0001."
	}
	if d.ProcedureCode == "" {
		fe["HoSo.MaTTHC"] = "Thiếu mã thủ tục hành chính (MaTTHC), ví dụ 1.001193."
	}
	if d.Status < 1 || d.Status > 10 {
		fe["HoSo.TrangThaiHoSo"] = "Trạng thái hồ sơ (TrangThaiHoSo) phải từ 1 đến 10."
	}
	if d.ApplicantKind < 0 || d.ApplicantKind > 2 {
		fe["HoSo.LoaiDoiTuong"] = "Loại đối tượng (LoaiDoiTuong) là 0 công dân, 1 doanh nghiệp hoặc 2 hộ kinh doanh."
	}
	if len(p.Progress) == 0 {
		fe["QuaTrinhXuLy"] = "Cần ít nhất một bước xử lý (QuaTrinhXuLy)."
	}
	for i, e := range p.Progress {
		key := fmt.Sprintf("QuaTrinhXuLy[%d]", i)
		switch {
		case e.Seq < 1:
			fe[key+".SoThuTu"] = "Số thứ tự (SoThuTu) bắt đầu từ 1."
		case i > 0 && e.Seq != p.Progress[i-1].Seq+1:
			fe[key+".SoThuTu"] = fmt.Sprintf("Các bước phải liền nhau theo thứ tự: sau bước %d là bước %d.", p.Progress[i-1].Seq, p.Progress[i-1].Seq+1)
		}
		if e.Status < 1 || e.Status > 10 {
			fe[key+".TrangThai"] = "Trạng thái (TrangThai) phải từ 1 đến 10."
		}
		if e.At.IsZero() {
			fe[key+".ThoiDiemXuLy"] = "Thiếu thời điểm xử lý (ThoiDiemXuLy), dạng yyyyMMddHHmmss."
		}
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// Accept stores a push of the connected system: the dossier, and the
// progress entries the national instance does not have yet. It refuses,
// and logs, a push from a system that does not speak for the dossier's
// agency, one naming a procedure outside the national catalog or outside
// the system's procedures, a dossier that another system pushed, and a push
// older than what is stored.
func (s *Service) Accept(ctx context.Context, system string, p Push, ip string) (Stored, error) {
	st, err := s.accept(ctx, system, p, ip)
	if err != nil {
		var fe egov.FieldErrors
		var re *Error
		if errors.As(err, &fe) || errors.As(err, &re) {
			s.refused(ctx, system, p.Dossier.Code, err, ip)
		}
	}
	return st, err
}

func (s *Service) accept(ctx context.Context, system string, p Push, ip string) (Stored, error) {
	if err := check(&p); err != nil {
		return Stored{}, err
	}
	d := &p.Dossier
	sys, err := s.System(ctx, system)
	if err != nil {
		return Stored{}, err
	}
	agency := agencyOfCode(d.Code)
	ok, err := speaksFor(ctx, s.db, &sys, agency)
	if err != nil {
		return Stored{}, err
	}
	if !ok {
		return Stored{}, refuse(egov.ErrForbidden, "not_your_agency",
			"Hệ thống %s không được đăng ký giải quyết hồ sơ của cơ quan %s (mã hồ sơ %s); chỉ gửi hồ sơ của các cơ quan: %s.",
			sys.ID, agency, d.Code, strings.Join(sys.Agencies, ", "))
	}
	var known int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM procedures WHERE code = $1`, d.ProcedureCode).Scan(&known); err != nil {
		return Stored{}, fmt.Errorf("procedure %s: %w", d.ProcedureCode, err)
	}
	if known == 0 {
		e := refuse(egov.ErrInvalid, "unknown_procedure", "Thủ tục mã %s không có trong Cơ sở dữ liệu quốc gia về thủ tục hành chính; hãy dùng mã thủ tục của danh mục quốc gia.", d.ProcedureCode)
		e.Fields = map[string]string{"HoSo.MaTTHC": e.Msg}
		return Stored{}, e
	}
	if len(sys.Procedures) > 0 && !slices.Contains(sys.Procedures, d.ProcedureCode) {
		e := refuse(egov.ErrInvalid, "unknown_procedure", "Hệ thống %s không được đăng ký giải quyết thủ tục %s.", sys.ID, d.ProcedureCode)
		e.Fields = map[string]string{"HoSo.MaTTHC": e.Msg}
		return Stored{}, e
	}
	record, err := json.Marshal(d)
	if err != nil {
		return Stored{}, fmt.Errorf("dossier %s: %w", d.Code, err)
	}
	seq := p.Seq()
	out := Stored{Code: d.Code, Seq: seq}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var owner, storedRecord string
		stored := 0
		err := tx.QueryRowContext(ctx, `SELECT system_id, seq, record FROM federated_dossiers WHERE code = $1`, d.Code).Scan(&owner, &stored, &storedRecord)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("dossier %s: %w", d.Code, err)
		case owner != system:
			return refuse(egov.ErrConflict, "other_system", "Hồ sơ %s đã được hệ thống %s gửi lên; hệ thống %s không được ghi đè.", d.Code, owner, system)
		}
		switch {
		case seq < stored:
			return refuse(egov.ErrConflict, "stale",
				"Hồ sơ %s đã có tiến trình đến bước %d; bản gửi chỉ đến bước %d (trạng thái %d) nên cũ hơn bản đã lưu và không được ghi.",
				d.Code, stored, seq, d.Status)
		case seq == stored:
			out.Duplicate = true
			return nil
		case p.Progress[0].Seq > stored+1:
			return refuse(egov.ErrConflict, "gap",
				"Hồ sơ %s mới có tiến trình đến bước %d; hãy gửi từ bước %d (bản gửi bắt đầu từ bước %d).", d.Code, stored, stored+1, p.Progress[0].Seq)
		}
		now := s.now()
		if stored == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO federated_dossiers (code, system_id, agency_code, procedure_code, status,
				applicant_id_number, seq, record, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
				d.Code, system, agency, d.ProcedureCode, d.Status, d.ApplicantID, seq, string(record), now); err != nil {
				return fmt.Errorf("dossier %s: %w", d.Code, err)
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE federated_dossiers SET procedure_code = $1, status = $2, applicant_id_number = $3,
				seq = $4, record = $5, updated_at = $6 WHERE code = $7 AND seq = $8`,
				d.ProcedureCode, d.Status, d.ApplicantID, seq, string(record), now, d.Code, stored)
			if err != nil {
				return fmt.Errorf("dossier %s: %w", d.Code, err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				// Another push of the dossier committed meanwhile: this one
				// fails whole, and its sender tries again.
				return fmt.Errorf("dossier %s: pushed twice at once (%d rows, %v)", d.Code, n, err)
			}
		}
		for _, e := range p.Progress {
			if e.Seq <= stored {
				continue
			}
			b, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("progress of %s: %w", d.Code, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO federated_progress (dossier_code, seq, at, status, record) VALUES ($1, $2, $3, $4, $5)`,
				d.Code, e.Seq, e.At.Time, e.Status, string(b)); err != nil {
				return fmt.Errorf("progress %d of %s: %w", e.Seq, d.Code, err)
			}
			out.Added++
		}
		before, err := storedFacts(storedRecord)
		if err != nil {
			return err
		}
		if err := s.figures.Record(ctx, tx, before, factsOf(d)); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: "system:" + system, ActorIP: ip, Action: "federation.dossier_synced",
			Subject: "dossier:" + d.Code, AgencyCode: agency, Details: map[string]any{"seq": seq, "status": d.Status, "added": out.Added}})
		return err
	})
	return out, err
}

// refused logs a refused push, in the log and in the audit log.
func (s *Service) refused(ctx context.Context, system, code string, reason error, ip string) {
	s.log.WarnContext(ctx, "federation: push refused", "system", system, "dossier", code, "reason", reason.Error())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: "system:" + system, ActorIP: ip, Action: "federation.push_refused",
			Subject: "dossier:" + code, AgencyCode: agencyOfCode(code), Details: map[string]any{"reason": reason.Error()}})
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "federation: recording a refused push", "err", err)
	}
}

// Federated is a dossier a connected system pushed, with its processing.
type Federated struct {
	System    string    `json:"system"`
	UpdatedAt time.Time `json:"updated_at"`
	Push
}

// Dossier returns a dossier a connected system pushed.
func (s *Service) Dossier(ctx context.Context, code string) (Federated, error) {
	var f Federated
	var record string
	err := s.db.QueryRowContext(ctx, `SELECT system_id, record, updated_at FROM federated_dossiers WHERE code = $1`, code).
		Scan(&f.System, &record, &f.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("federated dossier %q: %w", code, egov.ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("federated dossier %q: %w", code, err)
	}
	f.UpdatedAt = f.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(record), &f.Dossier); err != nil {
		return f, fmt.Errorf("federated dossier %q: %w", code, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT record FROM federated_progress WHERE dossier_code = $1 ORDER BY seq`, code)
	if err != nil {
		return f, fmt.Errorf("progress of %q: %w", code, err)
	}
	defer rows.Close()
	f.Progress = []Progress{}
	for rows.Next() {
		var r string
		var e Progress
		if err := rows.Scan(&r); err != nil {
			return f, fmt.Errorf("progress of %q: %w", code, err)
		}
		if err := json.Unmarshal([]byte(r), &e); err != nil {
			return f, fmt.Errorf("progress of %q: %w", code, err)
		}
		f.Progress = append(f.Progress, e)
	}
	return f, rows.Err()
}

// Track is what anyone may know of a federated dossier by its code, as
// dossier.Service.Track tells of the instance's own: no personal data.
func (s *Service) Track(ctx context.Context, code string, now time.Time) (dossier.Tracking, error) {
	f, err := s.Dossier(ctx, code)
	if err != nil {
		return dossier.Tracking{}, err
	}
	d := &f.Dossier
	var agencyName string
	if err := s.db.QueryRowContext(ctx, `SELECT name FROM agencies WHERE code = $1`, agencyOfCode(d.Code)).Scan(&agencyName); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return dossier.Tracking{}, fmt.Errorf("agency of %s: %w", d.Code, err)
	}
	local := localOf(&f)
	t := dossier.Tracking{Code: d.Code, ProcedureCode: d.ProcedureCode, ProcedureName: d.ProcedureName,
		AgencyCode: agencyOfCode(d.Code), AgencyName: agencyName, Status: statusOf(d.Status), NationalCode: d.Status,
		SubmittedAt: d.SubmittedAt.ptr(), ReceivedAt: d.ReceivedAt.ptr(), DueAt: d.DueAt.ptr(), FinishedAt: d.FinishedAt.ptr(),
		ReturnedAt: d.ReturnedAt.ptr(), Timeliness: dossier.Timeliness(&local, now), Steps: []dossier.TrackingEvent{}}
	for _, e := range f.Progress {
		if e.Action == "created" || e.Action == string(dossier.ActAssign) || e.Action == "rated" {
			continue
		}
		action := e.Action
		if action == "" {
			action = e.Content
		}
		t.Steps = append(t.Steps, dossier.TrackingEvent{At: e.At.Time, Action: action, Status: statusOf(e.Status)})
	}
	return t, nil
}

// localOf is a federated dossier in egov's own type, for what works on
// those: timeliness, the lists of "my dossiers".
func localOf(f *Federated) dossier.Dossier {
	d := &f.Dossier
	kind := "citizen"
	if d.ApplicantKind != KindCitizen {
		kind = "business"
	}
	return dossier.Dossier{Code: d.Code, ProcedureCode: d.ProcedureCode, ProcedureName: d.ProcedureName, FieldCode: d.FieldCode,
		AgencyCode: agencyOfCode(d.Code), Applicant: dossier.Applicant{Kind: kind, Name: d.Applicant, IDNumber: d.ApplicantID},
		Status: statusOf(d.Status), SubmittedAt: d.SubmittedAt.ptr(), ReceivedAt: d.ReceivedAt.ptr(), DueAt: d.DueAt.ptr(),
		FirstDueAt: d.FirstDueAt.ptr(), FinishedAt: d.FinishedAt.ptr(), ReturnedAt: d.ReturnedAt.ptr(), UpdatedAt: f.UpdatedAt,
		HandlerAgency: d.Handler, Data: map[string]any{}, Papers: []dossier.Paper{}, Origin: f.System}
}

// Mine lists the federated dossiers of the person with the ID number (or
// tax code), the latest change first: "my dossiers" at the national portal
// shows the dossiers of every connected system.
func (s *Service) Mine(ctx context.Context, idNumber string, limit int) ([]dossier.Dossier, error) {
	out := []dossier.Dossier{}
	if idNumber == "" {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT code FROM federated_dossiers WHERE applicant_id_number = $1
		ORDER BY updated_at DESC, code LIMIT $2`, idNumber, limit)
	if err != nil {
		return nil, fmt.Errorf("federated dossiers: %w", err)
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("federated dossiers: %w", err)
		}
		codes = append(codes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("federated dossiers: %w", err)
	}
	for _, c := range codes {
		f, err := s.Dossier(ctx, c)
		if err != nil {
			return nil, err
		}
		d := localOf(&f)
		if err := s.db.QueryRowContext(ctx, `SELECT name FROM agencies WHERE code = $1`, d.AgencyCode).Scan(&d.AgencyName); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("agency of %s: %w", c, err)
		}
		out = append(out, d)
	}
	return out, nil
}
