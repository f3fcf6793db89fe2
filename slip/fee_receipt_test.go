package slip

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov"
)

func feeReceiptData() FeeReceiptData {
	return FeeReceiptData{
		Heading:     heading,
		Series:      "BL26-H26",
		Number:      "0000012",
		IssuedAt:    at(2026, time.November, 28, 9, 42),
		Payer:       applicant,
		DossierCode: code,
		Procedure:   Procedure{Name: "Cấp bản sao Trích lục hộ tịch"},
		Lines: []FeeLine{
			{Name: "Phí cấp bản sao Trích lục khai sinh", Quantity: "03 bản", Amount: 24_000},
			{Name: "Phí cấp bản sao Trích lục kết hôn", Quantity: "01 bản", Amount: 8_000},
			{Name: "Phí gửi kết quả qua dịch vụ bưu chính công ích", Amount: 23_000},
		},
		Total:         55_000,
		Method:        "Thanh toán trực tuyến qua VNPay (NCB, ATM)",
		TransactionNo: "14839572",
		Collector:     "UBND phường Hoàn Kiếm",
		TrackingURL:   "https://dichvucong.hanoi.gov.vn/tra-cuu?ma=000.00.40.H26-261128-0007",
	}
}

// The fee receipt joins the table of forms in slip_test.go, so that
// TestForms gives it the checks every form gets: a PDF, the same bytes
// twice, the page count, nothing in the margins, and its golden text
// (testdata/fee_receipt.txt, rewritten by go test ./slip -update).
func init() {
	forms = append(forms, struct {
		name  string
		write func(*bytes.Buffer) error
		pages int
	}{"fee_receipt", func(b *bytes.Buffer) error { return FeeReceipt(b, feeReceiptData()) }, 1})
}

func TestAmountInWords(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "Không đồng"},
		{1, "Một đồng"},
		{5, "Năm đồng"},
		{10, "Mười đồng"},
		{11, "Mười một đồng"}, // một, not mốt, after mười
		{14, "Mười bốn đồng"},
		{15, "Mười lăm đồng"}, // lăm after any ten
		{20, "Hai mươi đồng"},
		{21, "Hai mươi mốt đồng"}, // mốt after a ten above mười
		{24, "Hai mươi bốn đồng"}, // bốn, not tư
		{25, "Hai mươi lăm đồng"},
		{55, "Năm mươi lăm đồng"},
		{100, "Một trăm đồng"},
		{101, "Một trăm linh một đồng"}, // một, not mốt, after linh
		{104, "Một trăm linh bốn đồng"},
		{105, "Một trăm linh năm đồng"}, // năm, not lăm, after linh
		{110, "Một trăm mười đồng"},
		{111, "Một trăm mười một đồng"},
		{115, "Một trăm mười lăm đồng"},
		{121, "Một trăm hai mươi mốt đồng"},
		{1_000, "Một nghìn đồng"},
		{5_000, "Năm nghìn đồng"},
		{8_000, "Tám nghìn đồng"},
		{15_000, "Mười lăm nghìn đồng"},
		{21_000, "Hai mươi mốt nghìn đồng"},
		{50_000, "Năm mươi nghìn đồng"},
		{105_000, "Một trăm linh năm nghìn đồng"},
		{1_005, "Một nghìn không trăm linh năm đồng"},
		{1_050, "Một nghìn không trăm năm mươi đồng"},
		{1_000_000, "Một triệu đồng"},
		{1_000_001, "Một triệu không trăm linh một đồng"}, // the empty nghìn group is left unsaid
		{1_001_000, "Một triệu không trăm linh một nghìn đồng"},
		{1_215_000, "Một triệu hai trăm mười lăm nghìn đồng"},
		{10_000_000, "Mười triệu đồng"},
		{35_500_000, "Ba mươi lăm triệu năm trăm nghìn đồng"},
		{1_000_000_000, "Một tỷ đồng"},
		{2_000_050_000, "Hai tỷ không trăm năm mươi nghìn đồng"},
		{7_000_000_004, "Bảy tỷ không trăm linh bốn đồng"},
		{maxFeeAmount, "Chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng"},
	}
	for _, tt := range tests {
		got, err := amountInWords(tt.n)
		if err != nil {
			t.Errorf("amountInWords(%d): %v", tt.n, err)
			continue
		}
		if got != tt.want {
			t.Errorf("amountInWords(%d) = %q, want %q", tt.n, got, tt.want)
		}
		// The chosen forms, and nothing but them.
		for _, w := range []string{" lẻ ", " tư ", " ngàn ", "  "} {
			if strings.Contains(" "+got+" ", w) {
				t.Errorf("amountInWords(%d) = %q contains %q", tt.n, got, strings.TrimSpace(w))
			}
		}
	}
	for _, n := range []int64{-1, maxFeeAmount + 1} {
		if got, err := amountInWords(n); err == nil {
			t.Errorf("amountInWords(%d) = %q, want an error", n, got)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 5: "5", 999: "999", 1_000: "1.000", 50_000: "50.000", 105_000: "105.000",
		1_215_000: "1.215.000", maxFeeAmount: "9.999.999.999", -1_500: "-1.500",
	} {
		if got := formatAmount(n); got != want {
			t.Errorf("formatAmount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFeeReceiptInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*FeeReceiptData)
		fields []string
	}{
		{"no heading", func(r *FeeReceiptData) { r.Heading = Heading{} }, []string{"agency_name", "place"}},
		{"no series", func(r *FeeReceiptData) { r.Series = " " }, []string{"series"}},
		{"no number", func(r *FeeReceiptData) { r.Number = "" }, []string{"number"}},
		{"no date", func(r *FeeReceiptData) { r.IssuedAt = time.Time{} }, []string{"issued_at"}},
		{"no payer name", func(r *FeeReceiptData) { r.Payer.Name = "\t" }, []string{"payer.name"}},
		{"no dossier code", func(r *FeeReceiptData) { r.DossierCode = "" }, []string{"dossier_code"}},
		{"no lines", func(r *FeeReceiptData) { r.Lines, r.Total = nil, 0 }, []string{"lines"}},
		{"unnamed line", func(r *FeeReceiptData) { r.Lines[2].Name = "" }, []string{"lines[2].name"}},
		{"negative amount", func(r *FeeReceiptData) {
			r.Lines[1].Amount = -8_000
			r.Total = 24_000 - 8_000 + 23_000 // adding up does not make it right
		}, []string{"lines[1].amount"}},
		{"amount too large", func(r *FeeReceiptData) { r.Lines[0].Amount = maxFeeAmount + 1 }, []string{"lines[0].amount"}},
		{"total not the sum", func(r *FeeReceiptData) { r.Total = 50_000 }, []string{"total"}},
		{"negative total", func(r *FeeReceiptData) { r.Total = -55_000 }, []string{"total"}},
		{"exemption without name", func(r *FeeReceiptData) {
			r.Exemption = &FeeExemption{Amount: 5_000}
			r.Total = 50_000
		}, []string{"exemption.name"}},
		{"exemption of nothing", func(r *FeeReceiptData) { r.Exemption = &FeeExemption{Name: "Hộ nghèo"} }, []string{"exemption.amount"}},
		{"exemption above the sum", func(r *FeeReceiptData) {
			r.Exemption = &FeeExemption{Name: "Hộ nghèo", Amount: 55_001}
			r.Total = 0
		}, []string{"exemption.amount"}},
		{"total not the sum less the exemption", func(r *FeeReceiptData) {
			r.Exemption = &FeeExemption{Name: "Hộ nghèo", Amount: 27_500}
		}, []string{"total"}},
		{"relative tracking URL", func(r *FeeReceiptData) { r.TrackingURL = "/tra-cuu?ma=1" }, []string{"tracking_url"}},
		{"everything missing", func(r *FeeReceiptData) { *r = FeeReceiptData{} }, []string{
			"agency_name", "place", "series", "number", "issued_at", "payer.name", "dossier_code", "lines",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := feeReceiptData()
			tt.change(&r)
			var out bytes.Buffer
			err := FeeReceipt(&out, r)
			if !errors.Is(err, egov.ErrInvalid) {
				t.Fatalf("error %v, want one matching egov.ErrInvalid", err)
			}
			var fe egov.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("error %v carries no egov.FieldErrors", err)
			}
			for _, f := range tt.fields {
				if fe[f] == "" {
					t.Errorf("error %v does not name field %q", err, f)
				}
			}
			if len(fe) != len(tt.fields) {
				t.Errorf("error names %d fields (%v), want %d", len(fe), fe, len(tt.fields))
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", out.Len())
			}
		})
	}
}

func TestFeeReceiptText(t *testing.T) {
	t.Run("full", func(t *testing.T) {
		var out bytes.Buffer
		if err := FeeReceipt(&out, feeReceiptData()); err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, out.Bytes())
		for _, want := range []string{
			"Title: BIÊN LAI THU PHÍ, LỆ PHÍ ký hiệu BL26-H26 số 0000012\n",
			"CreationDate: D:20261128094200\n",
			"Độc lập - Tự do - Hạnh phúc",
			"BIÊN LAI THU PHÍ, LỆ PHÍ\n(Biên lai điện tử)\nKý hiệu: BL26-H26 Số: 0000012\n",
			"Hà Nội, ngày 28 tháng 11 năm 2026",
			"Người nộp tiền: Nguyễn Thị Ánh Tuyết\n",
			"Mã hồ sơ: " + code + "\n",
			"STT Nội dung Số lượng Số tiền (đồng)\n",
			"1 Phí cấp bản sao Trích lục khai sinh 03 bản 24.000\n",
			"Tổng cộng 55.000\n",
			"Bằng chữ: Năm mươi lăm nghìn đồng\n",
			"Mã giao dịch: 14839572\n",
			"Thời gian thanh toán: 09 giờ 42 phút, ngày 28/11/2026\n",
			"ĐƠN VỊ THU",
			"(Biên lai điện tử, không cần chữ ký tay, đóng dấu)",
			"UBND phường Hoàn Kiếm\n",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%q not in the text:\n%s", want, text)
			}
		}
		// A receipt travels further than the other slips: no phone, no e-mail.
		for _, absent := range []string{applicant.Phone, applicant.Email} {
			if strings.Contains(text, absent) {
				t.Errorf("%q printed on the receipt", absent)
			}
		}
	})
	t.Run("exemption", func(t *testing.T) {
		r := feeReceiptData()
		r.Exemption = &FeeExemption{Name: "Người từ đủ 60 tuổi trở lên, giảm 50%", Amount: 27_500}
		r.Total = 27_500
		var out bytes.Buffer
		if err := FeeReceipt(&out, r); err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, out.Bytes())
		want := "3 Phí gửi kết quả qua dịch vụ bưu chính công ích 23.000\n" +
			"Cộng 55.000\n" +
			"Miễn, giảm: Người từ đủ 60 tuổi trở lên, giảm 50% -27.500\n" +
			"Tổng cộng 27.500\n" +
			"Bằng chữ: Hai mươi bảy nghìn năm trăm đồng\n"
		if !strings.Contains(text, want) {
			t.Errorf("%q not in the text:\n%s", want, text)
		}
	})
	t.Run("optional fields empty", func(t *testing.T) {
		r := feeReceiptData()
		r.Payer = Applicant{Name: "Phạm Quốc Việt"}
		r.Procedure = Procedure{}
		r.Lines = []FeeLine{{Name: "Lệ phí đăng ký kết hôn", Amount: 0}}
		r.Total = 0
		r.Method, r.TransactionNo, r.Collector, r.TrackingURL = "", "", "", ""
		var out bytes.Buffer
		if err := FeeReceipt(&out, r); err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, out.Bytes())
		for _, absent := range []string{"Số định danh", "Địa chỉ", "Thủ tục hành chính", "Hình thức thanh toán", "Mã giao dịch", "Quét mã"} {
			if strings.Contains(text, absent) {
				t.Errorf("%q printed although its data is empty", absent)
			}
		}
		// Without a collector the heading's agency collects.
		for _, want := range []string{"Bằng chữ: Không đồng\n", "Tổng cộng 0\n", "ĐƠN VỊ THU", heading.AgencyName + "\n"} {
			if !strings.Contains(text, want) {
				t.Errorf("%q not in the text:\n%s", want, text)
			}
		}
		pages, _ := readPDF(t, out.Bytes())
		if len(pages[0].rects) != 0 {
			t.Errorf("%d filled rectangles drawn without a tracking URL", len(pages[0].rects))
		}
	})
}

// TestFeeReceiptQRCode checks the drawn QR code module by module, as
// TestQRCode does for the other slips.
func TestFeeReceiptQRCode(t *testing.T) {
	r := feeReceiptData()
	var out bytes.Buffer
	if err := FeeReceipt(&out, r); err != nil {
		t.Fatal(err)
	}
	pages, _ := readPDF(t, out.Bytes())
	rects := pages[len(pages)-1].rects
	if len(rects) == 0 {
		t.Fatal("no QR code drawn")
	}
	want := qrBitmap(t, r.TrackingURL)
	got := matrixFromRects(t, rects, len(want))
	for y := range want {
		for x := range want[y] {
			if got[y][x] != want[y][x] {
				t.Fatalf("module (%d, %d) is %v, want %v", x, y, got[y][x], want[y][x])
			}
		}
	}
}
