package slip

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov"
	qrcode "github.com/skip2/go-qrcode"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// at is a moment in Vietnam's time.
func at(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, vietnam)
}

var (
	heading = Heading{
		ParentAgencyName: "UBND thành phố Hà Nội",
		AgencyName:       "Bộ phận Một cửa UBND phường Hoàn Kiếm",
		Place:            "Hà Nội",
	}
	applicant = Applicant{
		Name:     "Nguyễn Thị Ánh Tuyết",
		IDNumber: "001190012345",
		Address:  "Số 12 ngõ 34 phố Hàng Bạc, phường Hoàn Kiếm, thành phố Hà Nội",
		Phone:    "0912345678",
		Email:    "tuyet.nguyen@example.vn",
	}
	procedure = Procedure{Code: "1.001193", Name: "Đăng ký khai sinh"}
	code      = "000.00.40.H26-261128-0007"
)

func receiptData() ReceiptData {
	return ReceiptData{
		Heading:     heading,
		DossierCode: code,
		Applicant:   applicant,
		Procedure:   procedure,
		Papers: []Paper{
			{Name: "Tờ khai đăng ký khai sinh theo mẫu", Originals: 1},
			{Name: "Giấy chứng sinh do cơ sở y tế nơi trẻ em sinh ra cấp", Originals: 1},
			{Name: "Giấy tờ tùy thân của người đi đăng ký khai sinh (Căn cước công dân, hộ chiếu hoặc giấy tờ khác có ảnh và thông tin cá nhân do cơ quan có thẩm quyền cấp còn giá trị sử dụng)", Copies: 1},
		},
		ReceivedAt:     at(2026, time.November, 28, 9, 15),
		ProcessingTime: "01 ngày làm việc",
		AppointmentAt:  at(2026, time.November, 30, 14, 0),
		Channel:        egov.ChannelInPerson,
		ResultDelivery: "Nhận trực tiếp tại Bộ phận Một cửa",
		TrackingURL:    "https://dichvucong.hanoi.gov.vn/tra-cuu?ma=000.00.40.H26-261128-0007",
		ReceiverName:   "Trần Văn Đức",
	}
}

// onlineReceipt is received by the system alone, without an official.
func onlineReceipt() ReceiptData {
	r := receiptData()
	r.Channel = egov.ChannelOnline
	r.SubmittedAt = at(2026, time.November, 27, 22, 41)
	r.ReceivedAt = at(2026, time.November, 28, 7, 30)
	r.ReceiverName = ""
	r.ResultDelivery = "Nhận bản điện tử trên Cổng Dịch vụ công"
	r.Applicant.Email, r.Applicant.Phone = "", ""
	return r
}

func supplementData() SupplementData {
	return SupplementData{
		Heading:     heading,
		DossierCode: code,
		Applicant:   applicant,
		Procedure:   procedure,
		ReceivedAt:  at(2026, time.November, 28, 9, 15),
		Date:        at(2026, time.November, 28, 10, 0),
		Items: []string{
			"Bản sao Giấy chứng nhận kết hôn của cha, mẹ trẻ em.",
			"Tờ khai ghi thiếu ngày, tháng, năm sinh của mẹ; đề nghị ghi đầy đủ và ký, ghi rõ họ tên người đi đăng ký khai sinh ở cuối tờ khai.",
		},
		Reason:   "Hồ sơ chưa đủ thành phần theo quy định và tờ khai chưa ghi đủ thông tin.",
		Contact:  "Bộ phận Một cửa, điện thoại 024 3825 3536",
		Official: Signer{Name: "Trần Văn Đức"},
	}
}

func refusalData() RefusalData {
	return RefusalData{
		Heading:     heading,
		DossierCode: code,
		Applicant:   applicant,
		Procedure:   procedure,
		ReceivedAt:  at(2026, time.November, 28, 9, 15),
		Date:        at(2026, time.November, 28, 9, 40),
		Reason:      "Trẻ em sinh ra và cư trú tại tỉnh Nghệ An; việc đăng ký khai sinh thuộc thẩm quyền của UBND cấp xã nơi cư trú của người cha hoặc người mẹ, không thuộc thẩm quyền của UBND phường Hoàn Kiếm.",
		Official:    Signer{Name: "Trần Văn Đức", Title: "CÔNG CHỨC TƯ PHÁP - HỘ TỊCH"},
	}
}

func apologyData() ApologyData {
	return ApologyData{
		Heading: Heading{
			ParentAgencyName: "UBND thành phố Hà Nội",
			AgencyName:       "UBND phường Hoàn Kiếm",
			Place:            "Hà Nội",
		},
		DossierCode:      code,
		Applicant:        applicant,
		Procedure:        procedure,
		ReceivedAt:       at(2026, time.November, 28, 9, 15),
		Date:             at(2026, time.November, 30, 8, 0),
		OldAppointmentAt: at(2026, time.November, 30, 14, 0),
		Reason:           "Cần xác minh thông tin về nơi cư trú của người mẹ với Công an phường.",
		NewAppointmentAt: at(2026, time.December, 3, 14, 0),
		Signer:           Signer{Title: "CHỦ TỊCH", Name: "Lê Thị Hồng Nhung"},
	}
}

func resultData() ResultData {
	return ResultData{
		Heading: Heading{
			ParentAgencyName: "UBND thành phố Hà Nội",
			AgencyName:       "UBND phường Hoàn Kiếm",
			Place:            "Hà Nội",
		},
		Title:       "GIẤY KHAI SINH",
		Number:      "125/2026",
		DossierCode: code,
		Lines: []Line{
			{Label: "Họ, chữ đệm, tên", Value: "NGUYỄN MINH KHÔI"},
			{Label: "Ngày, tháng, năm sinh", Value: "21/11/2026"},
			{Label: "Giới tính", Value: "Nam"},
			{Label: "Dân tộc", Value: "Kinh"},
			{Label: "Quốc tịch", Value: "Việt Nam"},
			{Label: "Nơi sinh", Value: "Bệnh viện Phụ sản Hà Nội"},
			{Label: "Quê quán", Value: "Xã Hưng Nguyên, tỉnh Nghệ An"},
			{Label: "Số định danh cá nhân", Value: "001226012345"},
			{Label: "Họ, chữ đệm, tên người mẹ", Value: "Nguyễn Thị Ánh Tuyết"},
			{Label: "Họ, chữ đệm, tên người cha", Value: "Phạm Quốc Việt"},
			{Label: "Ghi chú", Value: ""}, // left off the page
			{Value: "Nơi đăng ký khai sinh: UBND phường Hoàn Kiếm, thành phố Hà Nội."},
		},
		Date:      at(2026, time.November, 30, 15, 30),
		Signer:    Signer{Title: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", Name: "Đỗ Quang Vũ"},
		VerifyURL: "https://egov.example.vn/xac-thuc/KS-125-2026-7Q4M",
	}
}

// longReceipt has more papers than one page holds.
func longReceipt() ReceiptData {
	r := receiptData()
	r.Papers = nil
	for i := 1; i <= 45; i++ {
		r.Papers = append(r.Papers, Paper{Name: fmt.Sprintf("Giấy tờ số %d: bản kê khai tài sản, thu nhập và các giấy tờ chứng minh kèm theo", i), Originals: 1, Copies: i % 3})
	}
	return r
}

// forms is every form, with the data the golden files were made from.
var forms = []struct {
	name  string
	write func(*bytes.Buffer) error
	pages int
}{
	{"receipt", func(b *bytes.Buffer) error { return Receipt(b, receiptData()) }, 1},
	{"receipt_online", func(b *bytes.Buffer) error { return Receipt(b, onlineReceipt()) }, 1},
	{"receipt_long", func(b *bytes.Buffer) error { return Receipt(b, longReceipt()) }, 3},
	{"supplement", func(b *bytes.Buffer) error { return SupplementRequest(b, supplementData()) }, 1},
	{"refusal", func(b *bytes.Buffer) error { return Refusal(b, refusalData()) }, 1},
	{"apology", func(b *bytes.Buffer) error { return Apology(b, apologyData()) }, 1},
	{"result", func(b *bytes.Buffer) error { return Result(b, resultData()) }, 1},
}

func TestForms(t *testing.T) {
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := f.write(&out); err != nil {
				t.Fatal(err)
			}
			data := out.Bytes()
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Errorf("does not start with %%PDF-: %q", data[:min(len(data), 16)])
			}
			if !bytes.HasSuffix(bytes.TrimRight(data, "\r\n"), []byte("%%EOF")) {
				t.Errorf("does not end with %%%%EOF")
			}
			// The whole font is 1.4 MB; fpdf must have embedded a subset.
			if len(data) > 100_000 {
				t.Errorf("PDF is %d bytes, want under 100 kB", len(data))
			}
			t.Logf("%d bytes", len(data))
			if dir := os.Getenv("SLIP_PDF_DIR"); dir != "" {
				// To look at the slips: SLIP_PDF_DIR=/tmp/slips go test ./slip
				if err := os.WriteFile(filepath.Join(dir, f.name+".pdf"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}

			var again bytes.Buffer
			if err := f.write(&again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, again.Bytes()) {
				t.Error("the same data gave different bytes")
			}

			pages, _ := readPDF(t, data)
			if len(pages) != f.pages {
				t.Errorf("%d pages, want %d", len(pages), f.pages)
			}
			// Nothing is drawn in the margins: text that did not flow onto
			// the next page would be there, or off the page.
			for i, p := range pages {
				for _, it := range p.items {
					yMM := 297 - it.y*25.4/72
					if yMM < marginTop-7 || yMM > 297-marginBottom+1 {
						t.Errorf("page %d: %q at %.1f mm from the top, outside the text area", i+1, it.s, yMM)
					}
				}
			}

			got := pdfText(t, data)
			golden := filepath.Join("testdata", f.name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./slip -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("text differs from %s (go test ./slip -update rewrites it after a deliberate change)\n--- got:\n%s\n--- want:\n%s", golden, got, want)
			}
		})
	}
}

// TestVietnameseRoundTrip checks, independently of the golden files, that
// text with every tone mark comes back out of the PDF as it went in.
func TestVietnameseRoundTrip(t *testing.T) {
	r := resultData()
	r.Lines = []Line{
		{Label: "Chữ thường", Value: vietnameseLetters},
		{Label: "CHỮ HOA", Value: strings.ToUpper(vietnameseLetters)},
	}
	var out bytes.Buffer
	if err := Result(&out, r); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdfText(t, out.Bytes())), "")
	for _, want := range []string{vietnameseLetters, strings.ToUpper(vietnameseLetters), "CỘNGHÒAXÃHỘICHỦNGHĨAVIỆTNAM", "Độclập-Tựdo-Hạnhphúc"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q did not come back out of the PDF", want)
		}
	}
}

func TestLongListFlowsOntoNextPages(t *testing.T) {
	var out bytes.Buffer
	if err := Receipt(&out, longReceipt()); err != nil {
		t.Fatal(err)
	}
	pages, _ := readPDF(t, out.Bytes())
	if len(pages) < 2 {
		t.Fatalf("%d page(s), want the list to flow onto a second", len(pages))
	}
	// Every paper once, in order, and the table's header on every page
	// that the table reaches.
	next := 1
	for i, p := range pages {
		text := strings.Join(p.lines(), "\n")
		for strings.Contains(text, fmt.Sprintf("Giấy tờ số %d:", next)) {
			next++
		}
		if next > 1 && next <= 46 && !strings.Contains(text, "STT Tên giấy tờ Bản chính Bản sao") {
			t.Errorf("page %d has papers but no table header", i+1)
		}
		if i > 0 && !strings.Contains(text, "Mã hồ sơ: "+code+" (trang "+fmt.Sprint(i+1)+")") {
			t.Errorf("page %d does not say which dossier it continues", i+1)
		}
	}
	if next != 46 {
		t.Errorf("found papers 1 to %d in order, want 1 to 45", next-1)
	}
	last := strings.Join(pages[len(pages)-1].lines(), "\n")
	if !strings.Contains(last, "NGƯỜI TIẾP NHẬN HỒ SƠ") || !strings.Contains(last, "Thời gian hẹn trả kết quả") {
		t.Error("the slip does not end after the list on the last page")
	}
}

func TestRequiredFields(t *testing.T) {
	tests := []struct {
		name  string
		field string
		write func(*bytes.Buffer) error
	}{
		{"receipt without dossier code", "dossier_code", func(b *bytes.Buffer) error {
			r := receiptData()
			r.DossierCode = "  "
			return Receipt(b, r)
		}},
		{"receipt without agency", "agency_name", func(b *bytes.Buffer) error {
			r := receiptData()
			r.AgencyName = ""
			return Receipt(b, r)
		}},
		{"receipt without appointment", "appointment_at", func(b *bytes.Buffer) error {
			r := receiptData()
			r.AppointmentAt = time.Time{}
			return Receipt(b, r)
		}},
		{"receipt due before it was received", "appointment_at", func(b *bytes.Buffer) error {
			r := receiptData()
			r.AppointmentAt = r.ReceivedAt.Add(-time.Minute)
			return Receipt(b, r)
		}},
		{"receipt with unknown channel", "channel", func(b *bytes.Buffer) error {
			r := receiptData()
			r.Channel = "fax"
			return Receipt(b, r)
		}},
		{"receipt with relative tracking URL", "tracking_url", func(b *bytes.Buffer) error {
			r := receiptData()
			r.TrackingURL = "/tra-cuu?ma=1"
			return Receipt(b, r)
		}},
		{"receipt with unnamed paper", "papers[1].name", func(b *bytes.Buffer) error {
			r := receiptData()
			r.Papers[1].Name = ""
			return Receipt(b, r)
		}},
		{"supplement without items", "items", func(b *bytes.Buffer) error {
			s := supplementData()
			s.Items = []string{" ", ""}
			return SupplementRequest(b, s)
		}},
		{"supplement without applicant", "applicant.name", func(b *bytes.Buffer) error {
			s := supplementData()
			s.Applicant.Name = ""
			return SupplementRequest(b, s)
		}},
		{"refusal without reason", "reason", func(b *bytes.Buffer) error {
			r := refusalData()
			r.Reason = ""
			return Refusal(b, r)
		}},
		{"apology with new date before old", "new_appointment_at", func(b *bytes.Buffer) error {
			a := apologyData()
			a.NewAppointmentAt = a.OldAppointmentAt.Add(-time.Hour)
			return Apology(b, a)
		}},
		{"result without signer", "signer.name", func(b *bytes.Buffer) error {
			r := resultData()
			r.Signer.Name = ""
			return Result(b, r)
		}},
		{"result without place", "place", func(b *bytes.Buffer) error {
			r := resultData()
			r.Place = ""
			return Result(b, r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := tt.write(&out)
			if !errors.Is(err, egov.ErrInvalid) {
				t.Fatalf("error %v, want one matching egov.ErrInvalid", err)
			}
			var fe egov.FieldErrors
			if !errors.As(err, &fe) || fe[tt.field] == "" {
				t.Errorf("error %v does not name field %q", err, tt.field)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", out.Len())
			}
		})
	}
}

func TestEmptyOptionalFieldsAreLeftOut(t *testing.T) {
	r := receiptData()
	r.Applicant = Applicant{Name: "Phạm Quốc Việt"}
	r.Procedure.Code = ""
	r.Papers, r.ProcessingTime, r.ResultDelivery, r.TrackingURL = nil, "", "", ""
	r.Heading.ParentAgencyName = ""
	var out bytes.Buffer
	if err := Receipt(&out, r); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, out.Bytes())
	for _, absent := range []string{"Số định danh", "Địa chỉ", "Số điện thoại", "Thư điện tử", "Thành phần hồ sơ", "Thời hạn giải quyết", "Hình thức nhận kết quả", "Quét mã", "1.001193", "UBND THÀNH PHỐ"} {
		if strings.Contains(text, absent) {
			t.Errorf("%q printed although its data is empty", absent)
		}
	}
	pages, _ := readPDF(t, out.Bytes())
	if len(pages[0].rects) != 0 {
		t.Errorf("%d filled rectangles drawn without a tracking URL", len(pages[0].rects))
	}
	if !strings.Contains(text, "Thủ tục hành chính: Đăng ký khai sinh\n") {
		t.Error("procedure without its code not printed as its name alone")
	}
}

// TestQRCode rebuilds the module matrix from the rectangles in the PDF and
// compares it with the QR code of the URL: the drawing is neither shifted,
// mirrored nor missing modules. It does not decode the code with a reader.
func TestQRCode(t *testing.T) {
	for _, tt := range []struct {
		name string
		url  string
		pdf  func(*bytes.Buffer) error
	}{
		{"receipt", receiptData().TrackingURL, func(b *bytes.Buffer) error { return Receipt(b, receiptData()) }},
		{"receipt_online", onlineReceipt().TrackingURL, func(b *bytes.Buffer) error { return Receipt(b, onlineReceipt()) }},
		{"result", resultData().VerifyURL, func(b *bytes.Buffer) error { return Result(b, resultData()) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := tt.pdf(&out); err != nil {
				t.Fatal(err)
			}
			pages, _ := readPDF(t, out.Bytes())
			rects := pages[len(pages)-1].rects
			if len(rects) == 0 {
				t.Fatal("no QR code drawn")
			}
			want := qrBitmap(t, tt.url)
			n := len(want)
			got := matrixFromRects(t, rects, n)
			for y := range n {
				for x := range n {
					if got[y][x] != want[y][x] {
						t.Fatalf("module (%d, %d) is %v, want %v", x, y, got[y][x], want[y][x])
					}
				}
			}
			// The URL is printed too, for whoever has no camera.
			if !strings.Contains(strings.Join(strings.Fields(pdfText(t, out.Bytes())), ""), tt.url) {
				t.Errorf("URL %s not printed", tt.url)
			}
		})
	}
}

func qrBitmap(t *testing.T, url string) [][]bool {
	t.Helper()
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	q.DisableBorder = true
	return q.Bitmap()
}

// matrixFromRects maps filled rectangles (PDF points, origin bottom left)
// onto an n×n grid of modules, checking that each is on the grid.
func matrixFromRects(t *testing.T, rects []rect, n int) [][]bool {
	t.Helper()
	left, top := math.Inf(1), math.Inf(-1)
	right := math.Inf(-1)
	for _, r := range rects {
		// fpdf writes a negative height: the rectangle hangs down from y.
		left, right, top = min(left, r.x), max(right, r.x+r.w), max(top, r.y)
	}
	m := (right - left) / float64(n)
	if got := m * float64(n) * 25.4 / 72; math.Abs(got-qrSize) > 0.05 {
		t.Errorf("QR code is %.2f mm wide, want %.0f", got, qrSize)
	}
	grid := make([][]bool, n)
	for i := range grid {
		grid[i] = make([]bool, n)
	}
	onGrid := func(v float64) int {
		f := v / m
		if math.Abs(f-math.Round(f)) > 0.01 {
			t.Fatalf("rectangle edge %.3f is off the module grid", v)
		}
		return int(math.Round(f))
	}
	for _, r := range rects {
		if math.Abs(math.Abs(r.h)-m) > 0.01 {
			t.Fatalf("rectangle height %.3f, want one module (%.3f)", r.h, m)
		}
		row := onGrid(top - r.y)
		for col := onGrid(r.x - left); col < onGrid(r.x+r.w-left); col++ {
			grid[row][col] = true
		}
	}
	return grid
}

func TestMetadataAndTimeZone(t *testing.T) {
	r := receiptData()
	// The same moment in UTC prints in Vietnam's time.
	r.ReceivedAt = time.Date(2026, time.November, 28, 2, 15, 0, 0, time.UTC)
	var out bytes.Buffer
	if err := Receipt(&out, r); err != nil {
		t.Fatal(err)
	}
	_, info := readPDF(t, out.Bytes())
	if got := info.Key("Creator").Text(); got != "egov" {
		t.Errorf("Creator = %q, want egov", got)
	}
	if got, want := info.Key("Title").Text(), "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ "+code; got != want {
		t.Errorf("Title = %q, want %q", got, want)
	}
	if got := info.Key("CreationDate").Text(); got != "D:20261128091500" {
		t.Errorf("CreationDate = %q, want the receipt's time", got)
	}
	text := pdfText(t, out.Bytes())
	for _, want := range []string{"Thời gian tiếp nhận hồ sơ: 09 giờ 15 phút, ngày 28/11/2026", "Hà Nội, ngày 28 tháng 11 năm 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not in the text", want)
		}
	}
}

func TestHostileText(t *testing.T) {
	r := refusalData()
	// Decomposed letters as some keyboards send them, an emoji (outside
	// the range fpdf can index), control characters and a very long word.
	r.Applicant.Name = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh 😀\x00\x07"
	r.Reason = strings.Repeat("Không_có_dấu_cách_nào_", 40) + "\tcuối."
	var out bytes.Buffer
	if err := Refusal(&out, r); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, out.Bytes())
	if !strings.Contains(text, "Nguyễn Thị Ánh \uFFFD") {
		t.Errorf("decomposed name not printed composed:\n%s", text)
	}
}

func TestPlaceDate(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{at(2026, time.November, 28, 9, 0), "Hà Nội, ngày 28 tháng 11 năm 2026"},
		// Leading zeros on days below 10 and on January and February only.
		{at(2026, time.January, 5, 9, 0), "Hà Nội, ngày 05 tháng 01 năm 2026"},
		{at(2026, time.February, 14, 9, 0), "Hà Nội, ngày 14 tháng 02 năm 2026"},
		{at(2026, time.March, 3, 9, 0), "Hà Nội, ngày 03 tháng 3 năm 2026"},
		// 20:00 UTC on 31 December is already New Year's Day in Vietnam.
		{time.Date(2025, time.December, 31, 20, 0, 0, 0, time.UTC), "Hà Nội, ngày 01 tháng 01 năm 2026"},
	}
	for _, tt := range tests {
		if got := placeDate("Hà Nội", tt.at); got != tt.want {
			t.Errorf("placeDate(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
	if got, want := formatDateTime(time.Date(2026, time.November, 28, 2, 5, 0, 0, time.UTC)), "09 giờ 05 phút, ngày 28/11/2026"; got != want {
		t.Errorf("formatDateTime = %q, want %q", got, want)
	}
}

// TestConcurrentUse renders slips in parallel, as a server does; run with
// -race to check that the documents share no state.
func TestConcurrentUse(t *testing.T) {
	var want bytes.Buffer
	if err := Receipt(&want, receiptData()); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			var out bytes.Buffer
			err := Receipt(&out, receiptData())
			if err == nil && !bytes.Equal(out.Bytes(), want.Bytes()) {
				err = errors.New("concurrent rendering gave different bytes")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
