package dossier

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/egov-vn/egov"
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
