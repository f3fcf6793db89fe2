package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
)

// Axis carries what the back office sends to other agencies over the
// document interconnection axis (package exchange): SendTx sends e in tx,
// signed for the sending agency, and reports whether it did (an agency
// that is not on the axis gets nothing, and the change stands).
type Axis interface {
	SendTx(ctx context.Context, tx *sql.Tx, e *edxml.Envelope) (bool, error)
}

// transferNotice is the attachment of a transfer: the dossier as the
// partner needs it to take up its part, in the national portal's terms.
type transferNotice struct {
	Code          string     `json:"MaHoSo"`
	ProcedureCode string     `json:"MaTTHC"`
	ProcedureName string     `json:"TenTTHC"`
	Applicant     string     `json:"ChuHoSo"`
	ReceivedAt    *time.Time `json:"NgayTiepNhan,omitempty"`
	DueAt         *time.Time `json:"NgayHenTra,omitempty"`
	StepDueAt     *time.Time `json:"HanXuLyBuoc,omitempty"`
	From          string     `json:"DonViChuyen"`
	To            string     `json:"DonViNhan"`
	Comment       string     `json:"NoiDung,omitempty"`
	Back          bool       `json:"TraLai"`
}

// sendTransfer sends the transfer of d from one agency to another (or its
// return) over the axis, in the transaction of the transfer: the partner
// agency's document system gets a signed transfer slip with the dossier's
// data, and the slip's message ID goes into the history entry e.
func (s *Service) sendTransfer(ctx context.Context, tx *sql.Tx, actor *identity.Account, d *Dossier, in ActionRequest,
	from, to egov.Agency, e *event, now time.Time) error {
	if s.cfg.Axis == nil {
		return nil
	}
	back := in.Action == ActReturnTransfer
	subject := fmt.Sprintf("Chuyển hồ sơ %s (%s) để phối hợp giải quyết", d.Code, d.ProcedureName)
	if back {
		subject = fmt.Sprintf("Trả hồ sơ %s (%s) sau khi phối hợp giải quyết", d.Code, d.ProcedureName)
	}
	notice, err := json.Marshal(transferNotice{Code: d.Code, ProcedureCode: d.ProcedureCode, ProcedureName: d.ProcedureName,
		Applicant: d.Applicant.Name, ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, StepDueAt: d.StepDueAt, From: from.Code, To: to.Code,
		Comment: in.Comment, Back: back})
	if err != nil {
		return fmt.Errorf("transfer of %s: %w", d.Code, err)
	}
	position := roleName(identity.RoleSpecialist)
	if actor.HasRole(identity.RoleLeader) {
		position = roleName(identity.RoleLeader)
	}
	env := &edxml.Envelope{
		// One message per transfer: the dossier's version after it.
		MessageID:    fmt.Sprintf("hoso-%s-v%d", d.Code, d.Version),
		DocumentID:   fmt.Sprintf("%s,%s,%s/PCLT", from.Code, now.Format("2006/01/02"), d.Code),
		From:         edxml.Organ{OrganID: from.Code, OrganName: from.Name},
		To:           []edxml.Organ{{OrganID: to.Code, OrganName: to.Name}},
		Code:         edxml.Code{CodeNumber: d.Code, CodeNotation: "PCLT"},
		Promulgation: edxml.Promulgation{Place: "Hệ thống thông tin một cửa điện tử", Date: now},
		DocumentType: edxml.DocumentType{Type: 1, TypeName: "Phiếu chuyển hồ sơ liên thông"},
		Subject:      subject,
		Content:      in.Comment,
		Signer:       edxml.Signer{Position: position, FullName: actor.FullName},
		Traces:       []edxml.Trace{{OrganID: from.Code, Timestamp: now}},
		Attachments:  []edxml.Attachment{{ContentID: "hoso", ContentType: "application/json", Name: d.Code + ".json", Data: notice}},
	}
	if d.StepDueAt != nil {
		env.DueDate = *d.StepDueAt
	}
	sent, err := s.cfg.Axis.SendTx(ctx, tx, env)
	if err != nil {
		return fmt.Errorf("transfer of %s over the document axis: %w", d.Code, err)
	}
	if sent {
		if e.details == nil {
			e.details = map[string]any{}
		}
		e.details["axis_message_id"] = env.MessageID
	}
	return nil
}
