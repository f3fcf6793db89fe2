package demo

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
)

// The members of the demo document axis, agencies of agencies.json.
const (
	exchangeCommune  = "000.00.40.H26" // Phường Hoàn Kiếm: receives, the commune of the officials' demo path
	exchangeOffice   = "000.00.00.G22" // Văn phòng Chính phủ: sends
	exchangeProvince = "000.00.00.H26" // Thành phố Hà Nội: sends
)

// vietnam is the time zone of the documents' dates.
var vietnam = time.FixedZone("ICT", 7*60*60)

// LoadExchange puts sample documents on the document interconnection axis
// (trục liên thông văn bản): it registers the Government Office, Hà Nội
// and its commune Phường Hoàn Kiếm as members, each with a fresh ECDSA
// P-256 self-signed certificate whose private key signs the samples and is
// then dropped, and submits three signed documents to the commune (two
// from the Government Office, one from Hà Nội). The commune's document
// system takes the first one from its inbox and answers it with a receipt
// "01" (arrived); the other two wait in its inbox. So the clerk's pages
// (/lien-thong) of the commune show an inbox, a trail and a receipt, and
// the Government Office's an outbox.
//
// admin must be a system administrator. It returns how many messages
// (documents and receipts) it added: 0 when the commune is already a
// member with a certificate, which means the samples were loaded before,
// so that loading twice adds nothing twice. A load cut short is completed
// by the next one: a sample already on the axis is found by its message ID
// and not added again.
func LoadExchange(ctx context.Context, axis *exchange.Service, admin *identity.Account) (int, error) {
	switch m, err := axis.Member(ctx, exchangeCommune); {
	case err == nil && len(m.Keys) > 0:
		return 0, nil
	case err != nil && !errors.Is(err, egov.ErrNotFound):
		return 0, fmt.Errorf("demo documents: %w", err)
	}
	all, err := Agencies()
	if err != nil {
		return 0, err
	}
	organs := map[string]edxml.Organ{}
	for _, a := range all {
		organs[a.Code] = edxml.Organ{OrganID: a.Code, OrganName: a.Name, OrganAdd: a.Address, Website: a.Website}
	}
	for _, code := range []string{exchangeOffice, exchangeProvince, exchangeCommune} {
		o, ok := organs[code]
		if !ok {
			return 0, fmt.Errorf("demo documents: agency %s is not in the demo agencies", code)
		}
		if _, err := axis.SaveMember(ctx, admin, exchange.Member{AgencyCode: code, Name: o.OrganName}, identity.Request{}); err != nil {
			return 0, fmt.Errorf("demo documents: member %s: %w", code, err)
		}
	}
	office, err := demoSigner(ctx, axis, admin, organs[exchangeOffice])
	if err != nil {
		return 0, err
	}
	province, err := demoSigner(ctx, axis, admin, organs[exchangeProvince])
	if err != nil {
		return 0, err
	}
	signers := map[string]signer{exchangeOffice: office, exchangeProvince: province}

	now := time.Now()
	docs := sampleDocuments(now, organs)
	added := 0
	for _, e := range docs {
		body, err := edxml.Marshal(e)
		if err != nil {
			return added, fmt.Errorf("demo document %s: %w", e.Code, err)
		}
		n, err := signers[e.From.OrganID].submit(ctx, axis, e.From.OrganID, body)
		if err != nil {
			return added, fmt.Errorf("demo document %s: %w", e.Code, err)
		}
		added += n
	}

	// The commune's document system takes the first document from its
	// inbox...
	first := docs[0]
	inbox, err := axis.Inbox(ctx, exchangeCommune, 0, 100)
	if err != nil {
		return added, fmt.Errorf("demo documents: %w", err)
	}
	for _, it := range inbox {
		if it.MessageID == first.MessageID {
			if err := axis.Ack(ctx, exchangeCommune, it.DeliveryID, ""); err != nil {
				return added, fmt.Errorf("demo document %s: %w", first.Code, err)
			}
		}
	}
	// ...and answers that it arrived. The commune's certificate comes
	// last: it is what tells a later load that this one was done.
	commune, err := demoSigner(ctx, axis, admin, organs[exchangeCommune])
	if err != nil {
		return added, err
	}
	receipt, err := edxml.MarshalStatus(&edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganID: first.From.OrganID, Code: first.Code.String(),
			PromulgationDate: first.Promulgation.Date, DocumentID: first.DocumentID},
		From:        organs[exchangeCommune],
		StatusCode:  edxml.StatusArrived,
		Description: "Văn thư Ủy ban nhân dân Phường Hoàn Kiếm đã nhận văn bản qua trục liên thông.",
		Timestamp:   now,
		Staff:       "Lê Thị Tiếp Nhận",
		Department:  "Văn phòng HĐND và UBND phường",
	})
	if err != nil {
		return added, fmt.Errorf("demo receipt: %w", err)
	}
	n, err := commune.submit(ctx, axis, exchangeCommune, receipt)
	if err != nil {
		return added, fmt.Errorf("demo receipt of %s: %w", first.Code, err)
	}
	return added + n, nil
}

// signer is a member's signing key and its certificate, for one load.
type signer struct {
	key  crypto.Signer
	cert *x509.Certificate
}

// demoSigner makes a key and a self-signed certificate for the agency and
// registers the certificate with the axis.
func demoSigner(ctx context.Context, axis *exchange.Service, admin *identity.Account, o edxml.Organ) (signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return signer{}, fmt.Errorf("demo key of %s: %w", o.OrganID, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return signer{}, fmt.Errorf("demo key of %s: %w", o.OrganID, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: serial,
		Subject:   pkix.Name{CommonName: o.OrganName + " (demo)", Organization: []string{o.OrganName}, SerialNumber: o.OrganID, Country: []string{"VN"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(3, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return signer{}, fmt.Errorf("demo certificate of %s: %w", o.OrganID, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return signer{}, fmt.Errorf("demo certificate of %s: %w", o.OrganID, err)
	}
	if _, err := axis.AddKey(ctx, admin, o.OrganID, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), identity.Request{}); err != nil {
		return signer{}, fmt.Errorf("demo certificate of %s: %w", o.OrganID, err)
	}
	return signer{key, cert}, nil
}

// submit signs the message and submits it as member: 1 if the axis took
// it, 0 if it had it already.
func (s signer) submit(ctx context.Context, axis *exchange.Service, member string, body []byte) (int, error) {
	signed, err := edxml.Sign(body, s.key, s.cert)
	if err != nil {
		return 0, err
	}
	_, dup, err := axis.Submit(ctx, member, signed, "")
	if err != nil || dup {
		return 0, err
	}
	return 1, nil
}

// day is the calendar date n days before now in Vietnam, as edXML keeps
// dates: midnight UTC.
func day(now time.Time, n int) time.Time {
	y, m, d := now.In(vietnam).AddDate(0, 0, -n).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// sampleDocuments are the demo's documents to the commune, oldest first.
// Their message IDs are fixed, so that a second load finds them.
func sampleDocuments(now time.Time, organs map[string]edxml.Organ) []*edxml.Envelope {
	office, province, commune := organs[exchangeOffice], organs[exchangeProvince], organs[exchangeCommune]
	office.OrganizationInCharge, office.Email = "Chính phủ", "vanthu@vpcp.example.vn"
	province.OrganizationInCharge, province.Email = "Ủy ban nhân dân Thành phố Hà Nội", "vanthu@hanoi.example.vn"
	commune.OrganizationInCharge = "Ủy ban nhân dân Thành phố Hà Nội"
	doc := func(messageID string, from edxml.Organ, number, notation string, daysAgo int, typ int, typeName, subject, content string,
		sgn edxml.Signer, file string) *edxml.Envelope {
		date := day(now, daysAgo)
		code := edxml.Code{CodeNumber: number, CodeNotation: notation}
		return &edxml.Envelope{
			MessageID:    messageID,
			DocumentID:   from.OrganID + "," + date.Format("2006/01/02") + "," + code.String(),
			From:         from,
			To:           []edxml.Organ{commune},
			Code:         code,
			Promulgation: edxml.Promulgation{Place: "Hà Nội", Date: date},
			DocumentType: edxml.DocumentType{Type: typ, TypeName: typeName},
			Subject:      subject,
			Content:      content,
			Signer:       sgn,
			ToPlaces:     []string{"Như trên", "Lưu: VT"},
			PageAmount:   2,
			Traces:       []edxml.Trace{{OrganID: from.OrganID, Timestamp: now}},
			Attachments: []edxml.Attachment{{ContentID: "vanban", ContentType: "application/pdf", Name: file,
				Description: typeName + " số " + code.String(), Data: samplePDF(from.OrganName, code.String(), subject)}},
		}
	}
	// Types as numbered in Decree 30/2020/NĐ-CP, Appendix III: 7 Thông
	// báo, 10 Kế hoạch, 18 Công văn.
	first := doc("demo-lienthong-000.00.00.G22-1234-VPCP-KSTT", office, "1234", "VPCP-KSTT", 6, 18, "Công văn",
		"V/v đẩy mạnh cung cấp dịch vụ công trực tuyến toàn trình và số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
		"Văn phòng Chính phủ đề nghị Ủy ban nhân dân các cấp rà soát, cung cấp dịch vụ công trực tuyến toàn trình trên Cổng Dịch vụ công quốc gia và số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Bộ phận Một cửa.",
		edxml.Signer{Competence: "KT. BỘ TRƯỞNG, CHỦ NHIỆM", Position: "Phó Chủ nhiệm", FullName: "Nguyễn Văn Minh"}, "1234-VPCP-KSTT.pdf")
	first.DueDate = day(now, -24)
	first.SphereOfPromulgation = "Toàn quốc"
	second := doc("demo-lienthong-000.00.00.G22-56-TB-VPCP", office, "56", "TB-VPCP", 3, 7, "Thông báo",
		"Thông báo kết luận của Phó Thủ tướng Chính phủ tại Hội nghị trực tuyến về cải cách thủ tục hành chính gắn với chuyển đổi số",
		"Văn phòng Chính phủ thông báo kết luận của Phó Thủ tướng Chính phủ tại Hội nghị trực tuyến với các địa phương về cải cách thủ tục hành chính gắn với chuyển đổi số.",
		edxml.Signer{Competence: "KT. BỘ TRƯỞNG, CHỦ NHIỆM", Position: "Phó Chủ nhiệm", FullName: "Trần Thị Hòa"}, "56-TB-VPCP.pdf")
	second.Priority = 1 // khẩn
	third := doc("demo-lienthong-000.00.00.H26-245-KH-UBND", province, "245", "KH-UBND", 1, 10, "Kế hoạch",
		"Kế hoạch rà soát, đơn giản hóa thủ tục hành chính và giấy tờ công dân tại Bộ phận Một cửa cấp xã trên địa bàn Thành phố",
		"Ủy ban nhân dân Thành phố ban hành Kế hoạch rà soát, đơn giản hóa thủ tục hành chính; Ủy ban nhân dân các xã, phường báo cáo kết quả trước ngày 25 của tháng cuối quý.",
		edxml.Signer{Competence: "TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH", Position: "Phó Chủ tịch", FullName: "Lê Quang Huy"}, "245-KH-UBND.pdf")
	return []*edxml.Envelope{first, second, third}
}

// samplePDF is a one-page PDF that names the document, in the base-14
// Helvetica (so in ASCII: the diacritics dropped).
func samplePDF(agency, number, subject string) []byte {
	lines := []string{identity.FoldVietnamese(agency), "So: " + identity.FoldVietnamese(number), identity.FoldVietnamese(subject), "Van ban mau cua du lieu trinh dien (demo) - khong co gia tri phap ly."}
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 56 780 Td 16 TL\n")
	for _, l := range lines {
		if len(l) > 90 {
			l = l[:87] + "..."
		}
		fmt.Fprintf(&content, "(%s) '\n", strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l))
	}
	content.WriteString("ET\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
