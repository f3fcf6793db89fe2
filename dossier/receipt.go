package dossier

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/slip"
)

// heading is the top of the slips an agency issues: its parent, its name
// and the place of the date line (its province).
func (s *Service) heading(ctx context.Context, agencyCode string) (slip.Heading, error) {
	a, err := s.catalog.Agency(ctx, agencyCode)
	if err != nil {
		return slip.Heading{}, fmt.Errorf("heading: %w", err)
	}
	h := slip.Heading{AgencyName: a.Name, Place: "Hà Nội"}
	cur := a
	for depth := 0; depth < 6; depth++ {
		if cur.Level == egov.LevelProvince {
			h.Place = placeName(cur.Name)
			break
		}
		if cur.ParentCode == "" {
			break
		}
		parent, err := s.catalog.Agency(ctx, cur.ParentCode)
		if err != nil {
			break
		}
		if depth == 0 {
			h.ParentAgencyName = parent.Name
		}
		cur = parent
	}
	return h, nil
}

// placeName turns "Ủy ban nhân dân tỉnh Nghệ An" into "Nghệ An".
func placeName(agency string) string {
	name := unitName(agency)
	for _, p := range []string{"thành phố ", "Thành phố ", "tỉnh ", "Tỉnh ", "TP. "} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest
		}
	}
	return name
}

// Receipt renders the receipt and appointment slip (Mẫu 01) of a submitted
// dossier as a PDF.
func (s *Service) Receipt(ctx context.Context, d *Dossier) ([]byte, error) {
	if d.Code == "" || d.SubmittedAt == nil || d.DueAt == nil {
		return nil, refuse(egov.ErrNotFound, "Hồ sơ chưa nộp nên chưa có giấy tiếp nhận.")
	}
	h, err := s.heading(ctx, d.AgencyCode)
	if err != nil {
		return nil, err
	}
	p, err := s.catalog.Procedure(ctx, d.ProcedureCode)
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	names := map[string]egov.Component{}
	for _, c := range p.Components {
		names[c.Code] = c
	}
	var papers []slip.Paper
	for _, pp := range d.Papers {
		c := names[pp.Component]
		name := c.Name
		if name == "" {
			name = pp.Component
		}
		if pp.Round > 0 {
			name += fmt.Sprintf(" (bổ sung lần %d)", pp.Round)
		}
		papers = append(papers, slip.Paper{Name: name + " — tệp " + pp.Name, Originals: 1})
	}
	received := *d.SubmittedAt
	if d.ReceivedAt != nil {
		received = *d.ReceivedAt
	}
	channel := egov.ChannelOnline
	if d.Channel == ChannelCounter {
		channel = egov.ChannelInPerson
	}
	processing := ""
	if p.ProcessingDays > 0 {
		processing = fmt.Sprintf("%02d ngày làm việc", p.ProcessingDays)
	} else {
		processing = "Trong ngày làm việc"
	}
	delivery := "Nhận kết quả điện tử trên Cổng dịch vụ công (kho dữ liệu cá nhân)"
	if p.OnlineLevel != egov.OnlineFull {
		delivery = "Nhận trực tiếp tại Bộ phận Một cửa của " + d.AgencyName
	}
	receiver := ""
	for _, e := range d.History {
		if e.Action == string(ActReceive) {
			receiver = e.ActorName
		}
	}
	var buf bytes.Buffer
	err = slip.Receipt(&buf, slip.ReceiptData{
		Heading:     h,
		DossierCode: d.Code,
		Applicant: slip.Applicant{Name: d.Applicant.Name, IDNumber: d.Applicant.IDNumber, Address: d.Applicant.Address,
			Phone: d.Applicant.Phone, Email: d.Applicant.Email},
		Procedure:      slip.Procedure{Code: d.ProcedureCode, Name: d.ProcedureName},
		Papers:         papers,
		SubmittedAt:    *d.SubmittedAt,
		ReceivedAt:     received,
		ProcessingTime: processing,
		AppointmentAt:  *d.DueAt,
		Channel:        channel,
		ResultDelivery: delivery,
		TrackingURL:    s.absoluteTrackingURL(d.Code),
		ReceiverName:   receiver,
	})
	if err != nil {
		return nil, fmt.Errorf("receipt of %s: %w", d.Code, err)
	}
	return buf.Bytes(), nil
}

// absoluteTrackingURL is the tracking URL; without a configured public URL
// it points at the local default so the QR code still holds a valid link.
func (s *Service) absoluteTrackingURL(code string) string {
	base := s.cfg.PublicURL
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		base = "http://localhost:8080"
	}
	return base + "/tra-cuu?ma=" + code
}

// generateResult issues the result from the procedure's template: the
// values of the form under the result's title, numbered in the agency's
// register of the year and signed by the approving leader. The PDF goes to
// the blob store and into the applicant's document store.
func (s *Service) generateResult(ctx context.Context, tx *sql.Tx, actor *identity.Account, d *Dossier, p *egov.Procedure, heading *slip.Heading, now time.Time) (Document, error) {
	if d.Applicant.AccountID == 0 {
		return Document{}, refuse(egov.ErrInvalid, "Hồ sơ không có tài khoản người nộp để nhận kết quả điện tử; hãy tải lên kết quả đã ký.")
	}
	title := "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
	if len(p.Results) > 0 {
		title = strings.ToUpper(p.Results[0].Name)
	}
	if heading == nil {
		return Document{}, fmt.Errorf("result of %s: no heading", d.Code)
	}
	h := *heading
	year := now.In(calendar.Vietnam).Year()
	var n int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO dossier_sequences (agency_code, day, last) VALUES ($1, $2, 1)
		ON CONFLICT (agency_code, day) DO UPDATE SET last = dossier_sequences.last + 1 RETURNING last`,
		d.AgencyCode, fmt.Sprintf("result-%d", year)).Scan(&n); err != nil {
		return Document{}, fmt.Errorf("result number: %w", err)
	}
	lines := append([]slip.Line{{Label: "Thủ tục", Value: d.ProcedureName}}, shownLines(p, d.Data)...)
	signer := slip.Signer{Title: "THỦ TRƯỞNG CƠ QUAN", Name: actor.FullName}
	if strings.HasPrefix(h.AgencyName, "Ủy ban nhân dân") {
		signer.Title = "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"
	}
	var buf bytes.Buffer
	if err := slip.Result(&buf, slip.ResultData{Heading: h, Title: title, Number: fmt.Sprintf("%d/%d", n, year),
		DossierCode: d.Code, Lines: lines, Date: now, Signer: signer, VerifyURL: s.absoluteTrackingURL(d.Code)}); err != nil {
		return Document{}, fmt.Errorf("result of %s: %w", d.Code, err)
	}
	return s.putIssued(ctx, tx, d, DocumentResult, "ket-qua-"+d.Code+".pdf", &buf, now)
}

// putIssued keeps a PDF the agency issued for dossier d (its result, an
// e-receipt) in the blob store and in the applicant's document store.
func (s *Service) putIssued(ctx context.Context, tx *sql.Tx, d *Dossier, kind DocumentKind, name string, pdf *bytes.Buffer, now time.Time) (Document, error) {
	ref, err := s.blobs.Put(ctx, pdf, blob.Limits{MaxBytes: s.cfg.MaxFileBytes, Allowed: []string{blob.TypePDF}})
	if err != nil {
		return Document{}, fmt.Errorf("%s of %s: %w", kind, d.Code, err)
	}
	doc := Document{OwnerID: d.Applicant.AccountID, Kind: kind, Name: name, Hash: ref.Hash,
		Size: ref.Size, ContentType: ref.ContentType, DossierCode: d.Code, CreatedAt: now}
	if err := tx.QueryRowContext(ctx, `INSERT INTO documents (owner_id, kind, name, blob_hash, size, content_type, dossier_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, doc.OwnerID, string(kind), doc.Name, doc.Hash,
		doc.Size, doc.ContentType, d.ID, now).Scan(&doc.ID); err != nil {
		return doc, fmt.Errorf("%s of %s: %w", kind, d.Code, err)
	}
	return doc, nil
}

// shownLines are the form's values as label and text, in the form's order.
func shownLines(p *egov.Procedure, data map[string]any) []slip.Line {
	var out []slip.Line
	for _, f := range p.FormFields {
		v, ok := data[f.Name]
		if !ok || f.Type == egov.FieldTable {
			continue
		}
		text := ""
		switch x := v.(type) {
		case string:
			text = x
			if f.Type == egov.FieldDate {
				if t, err := time.Parse("2006-01-02", x); err == nil {
					text = t.Format("02/01/2006")
				}
			}
		case map[string]any:
			text, _ = x["text"].(string)
		default:
			text = fmt.Sprint(x)
		}
		if text != "" {
			out = append(out, slip.Line{Label: f.Label, Value: text})
		}
	}
	return out
}

// Apology renders the apology and new appointment letter (Mẫu 04) of a
// dossier whose appointment was moved.
func (s *Service) Apology(ctx context.Context, d *Dossier) ([]byte, error) {
	if d.ApologyAt == nil || d.FirstDueAt == nil || d.DueAt == nil {
		return nil, refuse(egov.ErrNotFound, "Hồ sơ không có phiếu xin lỗi và hẹn lại.")
	}
	h, err := s.heading(ctx, d.AgencyCode)
	if err != nil {
		return nil, err
	}
	reason, signer := "", ""
	for _, e := range d.History {
		if e.Action == string(ActApologize) {
			reason, signer = e.Comment, e.ActorName
		}
	}
	var buf bytes.Buffer
	err = slip.Apology(&buf, slip.ApologyData{Heading: h, DossierCode: d.Code,
		Applicant: slip.Applicant{Name: d.Applicant.Name, IDNumber: d.Applicant.IDNumber, Address: d.Applicant.Address},
		Procedure: slip.Procedure{Code: d.ProcedureCode, Name: d.ProcedureName}, ReceivedAt: timeOr(d.ReceivedAt),
		Date: *d.ApologyAt, OldAppointmentAt: *d.FirstDueAt, Reason: reason, NewAppointmentAt: *d.DueAt,
		Signer: slip.Signer{Name: signer}})
	if err != nil {
		return nil, fmt.Errorf("apology of %s: %w", d.Code, err)
	}
	return buf.Bytes(), nil
}

func timeOr(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
