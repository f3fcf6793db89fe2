package edxml

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.xml from the current output")

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// at is a time of day in Vietnam, as a UTC time (as Parse returns it).
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, vietnam).UTC()
}

// sampleEnvelope is a document with every part filled in.
func sampleEnvelope() *Envelope {
	return &Envelope{
		DocumentID: "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT",
		MessageID:  "6f1c1a52-3c1e-4d63-9a6b-2f4b8f0e7a10",
		From: Organ{
			OrganID:              "000.00.00.G22",
			OrganizationInCharge: "Chính phủ",
			OrganName:            "Văn phòng Chính phủ",
			OrganAdd:             "Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
			Email:                "vanthu@vpcp.example.vn",
			Telephone:            "024 3800 0000",
			Fax:                  "024 3800 0001",
			Website:              "https://vpcp.example.vn",
		},
		To: []Organ{
			{OrganID: "000.00.12.H29", OrganizationInCharge: "Ủy ban nhân dân Thành phố Hà Nội", OrganName: "Văn phòng Ủy ban nhân dân Thành phố Hà Nội"},
			{OrganID: "000.00.00.G12", OrganName: "Bộ Nội vụ", Email: "vanthu@bnv.example.vn"},
		},
		Code:         Code{CodeNumber: "7816", CodeNotation: "VPCP-TTĐT"},
		Promulgation: Promulgation{Place: "Hà Nội", Date: date(2018, 9, 20)},
		DocumentType: DocumentType{Type: 18, TypeDetail: 0, TypeName: "Công văn"},
		Subject:      "V/v triển khai kết nối liên thông văn bản điện tử",
		Content:      "Văn phòng Chính phủ đề nghị các cơ quan kết nối với Trục liên thông văn bản quốc gia.\nTrân trọng & cảm ơn <các đơn vị>.",
		Signer:       Signer{Competence: "KT. Bộ trưởng, Chủ nhiệm", Position: "Phó Chủ nhiệm", FullName: "Nguyễn Văn An"},
		DueDate:      date(2018, 9, 30),
		ToPlaces:     []string{"Như trên", "Lưu: VT, TTĐT"},

		Priority:             1,
		SphereOfPromulgation: "Toàn quốc",
		TyperNotation:        "TTĐT",
		PromulgationAmount:   2,
		PageAmount:           3,
		Appendixes:           []string{"Phụ lục I: Danh sách cơ quan"},

		ResponseFor: []ResponseFor{{
			OrganID:          "000.00.12.H29",
			Code:             "123/UBND-KGVX",
			PromulgationDate: date(2018, 9, 1),
			DocumentID:       "000.00.12.H29,2018/09/01,123/UBND-KGVX",
		}},
		SteeringType: 0,
		Traces:       []Trace{{OrganID: "000.00.00.G22", Timestamp: at(2018, 9, 20, 8, 30)}},
		Business: Business{
			DocType: BusinessNew,
			Staff:   StaffInfo{Department: "Phòng Hành chính", Staff: "Trần Thị Bình", Mobile: "0900000000", Email: "binh@vpcp.example.vn"},
			Paper:   1,
		},
		Attachments: []Attachment{
			{ContentID: "a3f5c2e0-1b2d-4c5e-8f90-123456789abc", ContentType: "application/pdf", Name: "7816-VPCP-TTĐT.pdf", Description: "Văn bản chính", Data: []byte("%PDF-1.4 văn bản")},
			{ContentID: "b7e1d9a4-2c3f-4a5b-9c8d-abcdef012345", ContentType: "application/zip", Name: "phu-luc.zip", Description: "Phụ lục", Data: []byte{0x50, 0x4b, 0x03, 0x04, 0x00, 0xff}},
		},
	}
}

// replacementEnvelope replaces an earlier document, without attachments.
func replacementEnvelope() *Envelope {
	e := sampleEnvelope()
	e.MessageID = "0d9e4b7c-5a61-4f0b-8e2d-3c4b5a697880"
	e.DueDate, e.ToPlaces, e.Appendixes, e.ResponseFor, e.Attachments = time.Time{}, nil, nil, nil, nil
	e.Business = Business{
		DocType:             BusinessReplacement,
		Reason:              "Thay thế văn bản ghi sai ngày ban hành",
		Staff:               StaffInfo{Staff: "Trần Thị Bình"},
		ReplacedDocumentID:  "000.00.00.G22,2018/09/19,7815/VPCP-TTĐT",
		ReplacementOrganIDs: []string{"000.00.12.H29", "000.00.00.G12"},
	}
	return e
}

// updateEnvelope updates an earlier document and its list of receivers.
func updateEnvelope() *Envelope {
	e := replacementEnvelope()
	e.MessageID = "9a8b7c6d-1111-4222-8333-444455556666"
	e.Business = Business{
		DocType:    BusinessUpdate,
		Reason:     "Bổ sung cơ quan nhận",
		DocumentID: "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT",
		DocumentInfo: &BusinessDocumentInfo{
			DocumentInfo:     0,
			DocumentReceiver: 1,
			Receivers:        []UpdateReceiver{{ReceiverType: 1, OrganID: "000.00.00.G09"}},
		},
	}
	return e
}

func sampleStatus() *Status {
	return &Status{
		ResponseFor: ResponseFor{
			OrganID:          "000.00.00.G22",
			Code:             "7816/VPCP-TTĐT",
			PromulgationDate: date(2018, 9, 20),
			DocumentID:       "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT",
		},
		From:        Organ{OrganID: "000.00.12.H29", OrganName: "Văn phòng Ủy ban nhân dân Thành phố Hà Nội"},
		StatusCode:  StatusAccepted,
		Description: "Đã tiếp nhận văn bản",
		Timestamp:   at(2018, 9, 20, 9, 15),
		Staff:       "Lê Văn Cường",
		Department:  "Văn thư",
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.xml")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./exchange/edxml -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update if the change is intended):\n%s", path, got)
	}
}

func TestMarshalGolden(t *testing.T) {
	for name, e := range map[string]*Envelope{
		"envelope":             sampleEnvelope(),
		"envelope_replacement": replacementEnvelope(),
		"envelope_update":      updateEnvelope(),
	} {
		t.Run(name, func(t *testing.T) {
			b, err := Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, b)
		})
	}
	t.Run("status", func(t *testing.T) {
		b, err := MarshalStatus(sampleStatus())
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "status", b)
	})
}

func TestMarshalIsStrict(t *testing.T) {
	b, err := Marshal(sampleEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, `<edXML:edXML xmlns:edXML="`+Namespace+`"`) {
		t.Errorf("root element does not declare the edXML prefix:\n%.300s", s)
	}
	// Every element has the edXML prefix.
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "<") && !strings.HasPrefix(line, "<?") &&
			!strings.HasPrefix(line, "<edXML:") && !strings.HasPrefix(line, "</edXML:") {
			t.Errorf("element without the edXML prefix: %s", line)
		}
	}
	order := []string{"<edXML:MessageHeader>", "<edXML:From>", "<edXML:To>", "<edXML:Code>", "<edXML:PromulgationInfo>",
		"<edXML:DocumentType>", "<edXML:Subject>", "<edXML:Content>", "<edXML:SignerInfo>", "<edXML:DueDate>",
		"<edXML:ToPlaces>", "<edXML:OtherInfo>", "<edXML:MessageId>", "<edXML:ResponseFor>", "<edXML:SteeringType>",
		"<edXML:DocumentId>", "<edXML:TraceHeaderList>", "<edXML:TraceHeader>", "<edXML:Bussiness>",
		"<edXML:edXMLBody>", "<edXML:edXMLManifest", "<edXML:Reference", "<edXML:AttachmentEncoded>",
		"<edXML:ContentTransferEncoded>"}
	rest := s
	for _, o := range order {
		i := strings.Index(rest, o)
		if i < 0 {
			t.Fatalf("%s missing or out of order", o)
		}
		rest = rest[i+len(o):]
	}
}

func TestRoundTrip(t *testing.T) {
	for name, e := range map[string]*Envelope{
		"full":        sampleEnvelope(),
		"replacement": replacementEnvelope(),
		"update":      updateEnvelope(),
	} {
		t.Run(name, func(t *testing.T) {
			b, err := Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("round trip changed the envelope:\n got %+v\nwant %+v", got, e)
			}
		})
	}
	t.Run("status", func(t *testing.T) {
		s := sampleStatus()
		b, err := MarshalStatus(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseStatus(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip changed the status:\n got %+v\nwant %+v", got, s)
		}
	})
	t.Run("awkward text", func(t *testing.T) {
		e := sampleEnvelope()
		e.Subject = "Dòng 1\r\nDòng 2\ttab \"ngoặc\" 'đơn' ]]> & <thẻ> \u00a0🇻🇳"
		e.Attachments[0].Name = "tên\ttệp \"lạ\".pdf"
		b, err := Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != e.Subject || got.Attachments[0].Name != e.Attachments[0].Name {
			t.Errorf("text changed: %q, %q", got.Subject, got.Attachments[0].Name)
		}
	})
}

// lenientWant is what the hand-written samples in testdata, in the forms
// other systems write, must read as.
func lenientWant() *Envelope {
	return &Envelope{
		DocumentID:   "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT",
		MessageID:    "3b1f8c2a-0000-4000-8000-000000000001",
		From:         Organ{OrganID: "000.00.00.G22", OrganizationInCharge: "Chính phủ", OrganName: "Văn phòng Chính phủ"},
		To:           []Organ{{OrganID: "000.00.12.H29", OrganName: "Ủy ban nhân dân Thành phố Hà Nội"}},
		Code:         Code{CodeNumber: "7816", CodeNotation: "VPCP-TTĐT"},
		Promulgation: Promulgation{Place: "Hà Nội", Date: date(2018, 9, 20)},
		DocumentType: DocumentType{Type: 18, TypeName: "Công văn"},
		Subject:      "V/v triển khai kết nối liên thông văn bản điện tử",
		Content:      "Nội dung & chi tiết",
		Signer:       Signer{Competence: "Trực tiếp", Position: "Phó Chủ nhiệm", FullName: "Nguyễn Văn An"},
		DueDate:      date(2018, 9, 30),
		ToPlaces:     []string{"Như trên"},
		Priority:     2,
		PageAmount:   1,
		Traces:       []Trace{{OrganID: "000.00.00.G22", Timestamp: at(2018, 9, 20, 8, 30)}},
		Business: Business{
			DocType: BusinessNew,
			Reason:  "Văn bản mới",
			Staff:   StaffInfo{Department: "Văn thư", Staff: "Trần Thị Bình"},
		},
		Attachments: []Attachment{{
			ContentID:   "f0e1d2c3-b4a5-4697-8877-665544332211",
			ContentType: "application/pdf",
			Name:        "van-ban.pdf",
			Description: "Văn bản chính",
			Data:        []byte("Xin chào, đây là tệp đính kèm của văn bản 7816/VPCP-TTĐT"),
		}},
	}
}

func TestParseLenient(t *testing.T) {
	for _, name := range []string{"noprefix.xml", "otherprefix.xml"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if want := lenientWant(); !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %+v\nwant %+v", got, want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("sample does not validate: %v", err)
			}
		})
	}
	t.Run("status_soap.xml", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("testdata", "status_soap.xml"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseStatus(b)
		if err != nil {
			t.Fatal(err)
		}
		want := sampleStatus()
		want.From.OrganizationInCharge = "Ủy ban nhân dân Thành phố Hà Nội"
		want.StatusCode = StatusArrived
		want.Description = "Đã nhận văn bản"
		if !reflect.DeepEqual(got, want) {
			t.Errorf("\n got %+v\nwant %+v", got, want)
		}
	})
}

func TestValidateNamesEveryMissingField(t *testing.T) {
	err := (&Envelope{}).Validate()
	var fe egov.FieldErrors
	if !errors.As(err, &fe) || !errors.Is(err, egov.ErrInvalid) {
		t.Fatalf("Validate() = %v, want egov.FieldErrors", err)
	}
	want := []string{"code.code_notation", "code.code_number", "document_id", "document_type.type",
		"document_type.type_name", "from.organ_id", "from.organ_name", "message_id", "promulgation.date",
		"promulgation.place", "signer.full_name", "signer.position", "subject", "to", "traces"}
	if got := keys(fe); !reflect.DeepEqual(got, want) {
		t.Errorf("fields named:\n got %v\nwant %v", got, want)
	}
	for k, msg := range fe {
		if msg == "" || strings.ContainsAny(msg, "\n") {
			t.Errorf("%s: message %q", k, msg)
		}
	}

	e := sampleEnvelope()
	e.To = append(e.To, Organ{})
	e.Traces = append(e.Traces, Trace{})
	e.ResponseFor = append(e.ResponseFor, ResponseFor{})
	e.Business = Business{DocType: BusinessReplacement, Staff: StaffInfo{Staff: "x\x00"}}
	e.Subject = "Trích yếu "
	e.Priority = -1
	e.Attachments = append(e.Attachments, Attachment{ContentID: e.Attachments[0].ContentID}, Attachment{ContentID: "cid:x y"})
	fe = nil
	if !errors.As(e.Validate(), &fe) {
		t.Fatal("Validate() accepted a bad envelope")
	}
	want = []string{"attachments[2].content_id", "attachments[2].content_type", "attachments[2].name",
		"attachments[3].content_id", "attachments[3].content_type", "attachments[3].name",
		"business.reason", "business.replaced_document_id", "business.staff.staff", "priority",
		"response_for[1].document_id", "subject", "to[2].organ_id", "to[2].organ_name",
		"traces[1].organ_id", "traces[1].timestamp"}
	if got := keys(fe); !reflect.DeepEqual(got, want) {
		t.Errorf("fields named:\n got %v\nwant %v", got, want)
	}

	if _, err := Marshal(&Envelope{}); !errors.As(err, &fe) {
		t.Errorf("Marshal of an empty envelope: %v, want the FieldErrors", err)
	}

	fe = nil
	if !errors.As((&Status{}).Validate(), &fe) {
		t.Fatal("Validate() accepted an empty status")
	}
	want = []string{"from.organ_id", "from.organ_name", "response_for.document_id", "response_for.organ_id", "status_code", "timestamp"}
	if got := keys(fe); !reflect.DeepEqual(got, want) {
		t.Errorf("status fields named:\n got %v\nwant %v", got, want)
	}
	if _, err := MarshalStatus(&Status{}); !errors.As(err, &fe) {
		t.Errorf("MarshalStatus of an empty status: %v, want the FieldErrors", err)
	}
}

func keys(fe egov.FieldErrors) []string {
	var ks []string
	for k := range fe {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestParseErrors(t *testing.T) {
	good, err := Marshal(sampleEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("sample has no %q", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	deep := strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200)
	for _, c := range []struct {
		name   string
		in     []byte
		limits Limits
		reason string
	}{
		{"empty", nil, Limits{}, "no root element"},
		{"not xml", []byte("PDF-1.4"), Limits{}, "text outside the root element"},
		{"unclosed", good[:len(good)/2], Limits{}, "not well-formed"},
		{"two roots", append(append([]byte{}, good...), good[bytes.Index(good, []byte("<edXML:edXML")):]...), Limits{}, "more than one root"},
		{"deep", []byte(deep), Limits{}, "nested deeper than 64"},
		{"too large", good, Limits{MaxSize: 1000}, "the limit is 1000"},
		{"entity", []byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><edXML>&a;</edXML>`), Limits{}, "not well-formed"},
		{"no envelope", []byte(`<edXML><Other/></edXML>`), Limits{}, "no edXMLEnvelope"},
		{"no header", []byte(`<edXML><edXMLEnvelope><edXMLHeader/></edXMLEnvelope></edXML>`), Limits{}, "no MessageHeader"},
		{"bad base64", replace("<edXML:ContentTransferEncoded>", "<edXML:ContentTransferEncoded>*"), Limits{}, "is not valid base64"},
		{"bad date", replace("2018-09-20</edXML:PromulgationDate>", "20 tháng 9</edXML:PromulgationDate>"), Limits{}, "PromulgationDate"},
		{"bad number", replace("<edXML:Type>18<", "<edXML:Type>mười tám<"), Limits{}, "DocumentType/Type"},
		{"bad timestamp", replace("2018-09-20T08:30:00+07:00", "sáng nay"), Limits{}, "TraceHeader/Timestamp"},
		{"duplicate attachment", replace("b7e1d9a4-2c3f-4a5b-9c8d-abcdef012345</edXML:ContentId>\n      <edXML:ContentType>application/zip", "a3f5c2e0-1b2d-4c5e-8f90-123456789abc</edXML:ContentId>\n      <edXML:ContentType>application/zip"), Limits{}, "two attachments"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.limits.Parse(c.in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse: %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), c.reason) {
				t.Errorf("Parse: %v, want the reason %q", err, c.reason)
			}
			if c.name == "too large" && !errors.Is(err, ErrTooLarge) {
				t.Errorf("Parse: %v, want ErrTooLarge", err)
			}
		})
	}
	if _, err := ParseStatus(good); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseStatus of a document: %v, want ErrMalformed", err)
	}
	st, _ := MarshalStatus(sampleStatus())
	if _, err := Parse(st); !errors.Is(err, ErrMalformed) {
		t.Errorf("Parse of a status: %v, want ErrMalformed", err)
	}
}

func TestParseLimitsAreConfigurable(t *testing.T) {
	b, err := Marshal(sampleEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Limits{MaxSize: len(b)}).Parse(b); err != nil {
		t.Errorf("a document of exactly MaxSize bytes: %v", err)
	}
	if _, err := (Limits{MaxSize: len(b) - 1}).Parse(b); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a document one byte over MaxSize: %v", err)
	}
	if _, err := (Limits{MaxDepth: 5}).Parse(b); !errors.Is(err, ErrMalformed) {
		t.Errorf("MaxDepth 5: %v", err)
	}
}
