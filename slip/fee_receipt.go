package slip

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// FeeReceiptData is what the electronic receipt for fees and charges
// (biên lai thu phí, lệ phí điện tử) shows: the agency issues it when the
// payer has paid a dossier's fees, online or at the counter.
type FeeReceiptData struct {
	// Heading is the collecting agency, as on the other slips.
	Heading
	Series string `json:"series"` // required: ký hiệu biên lai, such as "BL26-H26"
	Number string `json:"number"` // required: số biên lai in the agency's series, such as "0000012"
	// IssuedAt is when the payment was confirmed. Required: it is also the
	// receipt's date.
	IssuedAt time.Time `json:"issued_at"`
	// Payer is who paid: Name required; IDNumber and Address are printed
	// when given. Phone and Email are not printed: a receipt is passed on
	// to others (an employer, an accountant) more than the other slips are.
	Payer       Applicant `json:"payer"`
	DossierCode string    `json:"dossier_code"` // required
	// Procedure is printed when given; the lines name what was paid for.
	Procedure Procedure `json:"procedure,omitzero"`
	// Lines are the fees collected, at least one, each with a name.
	Lines []FeeLine `json:"lines"`
	// Exemption is the reduction granted to the payer, if any.
	Exemption *FeeExemption `json:"exemption,omitempty"`
	// Total is the amount collected in đồng: the sum of the lines, less
	// the exemption's amount when there is one.
	Total int64 `json:"total"`
	// Method is how the payer paid, such as "Thanh toán trực tuyến qua
	// VNPay (NCB, ATM)".
	Method string `json:"method,omitempty"`
	// TransactionNo is the payment gateway's number for the transaction.
	TransactionNo string `json:"transaction_no,omitempty"`
	// Collector is the agency that collects the money (đơn vị thu), named
	// in the closing block. Empty means Heading.AgencyName.
	Collector string `json:"collector,omitempty"`
	// TrackingURL is where the payer follows the dossier, printed as a QR
	// code and as text. Must be an absolute http or https URL.
	TrackingURL string `json:"tracking_url,omitempty"`
}

// FeeLine is one fee on a receipt.
type FeeLine struct {
	Name string `json:"name"` // required, such as "Lệ phí đăng ký kết hôn"
	// Quantity is printed as given, such as "01 bản"; may be empty.
	Quantity string `json:"quantity,omitempty"`
	Amount   int64  `json:"amount"` // đồng, zero or more
}

// FeeExemption is a reduction of the fees (miễn, giảm) for a group of
// payers, taken off the sum of the lines.
type FeeExemption struct {
	// Name says who is exempted and how much, such as "Người từ đủ 60
	// tuổi trở lên, giảm 50%". Required.
	Name string `json:"name"`
	// Amount is the đồng taken off: more than zero and at most the sum of
	// the lines.
	Amount int64 `json:"amount"`
}

// maxFeeAmount is the largest amount, in đồng, of a fee line or a total:
// 9.999.999.999 đồng, the most amountInWords spells and the most VNPay's
// vnp_Amount carries (payment.MaxAmount).
const maxFeeAmount int64 = 9_999_999_999

// FeeReceipt writes the electronic receipt for fees and charges (biên lai
// thu phí, lệ phí điện tử) to w.
//
// The PDF carries no digital signature: the receipt says that it needs no
// hand signature or stamp, and whoever issues it as a legal e-receipt
// signs the file digitally.
func FeeReceipt(w io.Writer, r FeeReceiptData) error {
	fe := fieldErrors{}
	r.Heading.check(fe)
	fe.required("series", r.Series)
	fe.required("number", r.Number)
	fe.requiredTime("issued_at", r.IssuedAt)
	r.Payer.check(fe, "payer")
	fe.required("dossier_code", r.DossierCode)
	fe.url("tracking_url", r.TrackingURL)
	if len(r.Lines) == 0 {
		fe["lines"] = "cần ít nhất một khoản thu"
	}
	// The total is checked against the lines only when every amount is
	// sound: a sum with a wrong amount in it would only add confusion.
	amountsOK := true
	var sum int64 // at most len(r.Lines) × maxFeeAmount: no overflow for any slice that fits in memory
	for i, l := range r.Lines {
		fe.required(fmt.Sprintf("lines[%d].name", i), l.Name)
		if msg := checkAmount(l.Amount); msg != "" {
			fe[fmt.Sprintf("lines[%d].amount", i)] = msg
			amountsOK = false
			continue
		}
		sum += l.Amount
	}
	due, because := sum, fmt.Sprintf("tổng các khoản thu %s đồng", formatAmount(sum))
	if ex := r.Exemption; ex != nil {
		fe.required("exemption.name", ex.Name)
		switch {
		case ex.Amount <= 0:
			fe["exemption.amount"] = "số tiền miễn, giảm phải lớn hơn 0"
			amountsOK = false
		case amountsOK && ex.Amount > sum:
			fe["exemption.amount"] = fmt.Sprintf("số tiền miễn, giảm vượt quá %s", because)
			amountsOK = false
		default:
			due -= ex.Amount
			because += fmt.Sprintf(" trừ số tiền miễn, giảm %s đồng", formatAmount(ex.Amount))
		}
	}
	if msg := checkAmount(r.Total); msg != "" {
		fe["total"] = msg
	} else if amountsOK && len(r.Lines) > 0 && r.Total != due {
		fe["total"] = fmt.Sprintf("tổng số tiền %s đồng không bằng %s", formatAmount(r.Total), because)
	}
	if err := fe.err("fee receipt"); err != nil {
		return err
	}
	words, err := amountInWords(r.Total)
	if err != nil {
		return err // checked above; kept so that a change to the bounds cannot print a wrong amount
	}
	qr, err := optionalQR("Quét mã để tra cứu tình trạng hồ sơ", r.TrackingURL)
	if err != nil {
		return err
	}

	const title = "BIÊN LAI THU PHÍ, LỆ PHÍ"
	series, number := oneLine(r.Series), oneLine(r.Number)
	ref := fmt.Sprintf("ký hiệu %s số %s", series, number)
	d := newDoc(meta{
		title:   title + " " + ref,
		subject: "Mã hồ sơ: " + oneLine(r.DossierCode),
		author:  oneLine(r.AgencyName),
		date:    r.IssuedAt,
	}, "Biên lai "+ref)
	d.heading(r.Heading, "", r.IssuedAt)
	feeTitle(d, title, "(Biên lai điện tử)", series, number)

	d.fields(
		"Người nộp tiền", oneLine(r.Payer.Name),
		"Số định danh cá nhân", oneLine(r.Payer.IDNumber),
		"Địa chỉ", r.Payer.Address,
		"Mã hồ sơ", oneLine(r.DossierCode),
		"Thủ tục hành chính", r.Procedure.String(),
	)
	d.gap(2)
	rows := make([][]string, 0, len(r.Lines)+1)
	for i, l := range r.Lines {
		rows = append(rows, []string{fmt.Sprint(i + 1), clean(strings.TrimSpace(l.Name)), clean(strings.TrimSpace(l.Quantity)), formatAmount(l.Amount)})
	}
	if ex := r.Exemption; ex != nil {
		rows = append(rows,
			[]string{"", "Cộng", "", formatAmount(r.Total + ex.Amount)},
			[]string{"", "Miễn, giảm: " + clean(strings.TrimSpace(ex.Name)), "", "-" + formatAmount(ex.Amount)})
	}
	rows = append(rows, []string{"", "Tổng cộng", "", formatAmount(r.Total)})
	const stt, qty, amount = 12.0, 28.0, 32.0
	d.table([]column{
		{head: "STT", width: stt, align: "C"},
		{head: "Nội dung", width: d.width - stt - qty - amount, align: "L"},
		{head: "Số lượng", width: qty, align: "C"},
		{head: "Số tiền (đồng)", width: amount, align: "R"},
	}, rows)
	d.gap(2)
	d.fields(
		"Bằng chữ", words,
		"Hình thức thanh toán", r.Method,
		"Mã giao dịch", oneLine(r.TransactionNo),
		"Thời gian thanh toán", formatDateTime(r.IssuedAt),
	)

	collector := oneLine(r.Collector)
	if collector == "" {
		collector = oneLine(r.AgencyName)
	}
	d.row(qr, signature{role: "ĐƠN VỊ THU", hint: "(Biên lai điện tử, không cần chữ ký tay, đóng dấu)", name: collector, room: 3})
	return d.output(w)
}

// feeTitle draws the name of the receipt, the line under it and the series
// and number side by side, as e-invoices print them.
func feeTitle(d *doc, title, sub, series, number string) {
	p := d.pdf
	d.font(true, 13)
	p.MultiCell(0, 6.5, title, "", "C", false)
	d.font(false, bodySize)
	p.MultiCell(0, lineH, sub, "", "C", false)
	left, right := "Ký hiệu: "+series, "Số: "+number
	const apart = 12.0
	m := 2 * p.GetCellMargin()
	wl, wr := p.GetStringWidth(left)+m, p.GetStringWidth(right)+m
	if wl+apart+wr > d.width {
		// A series or number too long to share a line wraps as text.
		p.SetX(marginLeft)
		p.MultiCell(0, lineH, left+" "+right, "", "C", false)
	} else {
		p.SetX(marginLeft + (d.width-wl-apart-wr)/2)
		p.CellFormat(wl+apart, lineH, left, "", 0, "L", false, 0, "")
		p.CellFormat(wr, lineH, right, "", 1, "L", false, 0, "")
	}
	d.gap(4)
}

// checkAmount is what is wrong with an amount of đồng, or "".
func checkAmount(n int64) string {
	switch {
	case n < 0:
		return "số tiền không được âm"
	case n > maxFeeAmount:
		return fmt.Sprintf("vượt quá %s đồng", formatAmount(maxFeeAmount))
	}
	return ""
}

// formatAmount writes an amount with Vietnamese thousands separators:
// 1215000 is "1.215.000".
func formatAmount(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

var digitWords = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// amountInWords spells an amount of đồng from 0 to maxFeeAmount the way
// Vietnamese invoices and receipts write it: "Một triệu hai trăm mười lăm
// nghìn đồng".
//
// The number is read in groups of three digits (tỷ, triệu, nghìn, then
// units). A group that is all zeros is left unsaid; every group after the
// first is read with its hundreds, "không trăm" included, so 1.000.001 is
// "Một triệu không trăm linh một đồng". A missing ten is "linh" (not
// "lẻ"); one after a ten above ten is "mốt", five after any ten is "lăm",
// and four is always "bốn" (not "tư").
func amountInWords(n int64) (string, error) {
	if n < 0 || n > maxFeeAmount {
		return "", fmt.Errorf("slip: amount %d đồng outside 0 to %d", n, maxFeeAmount)
	}
	if n == 0 {
		return "Không đồng", nil
	}
	groups := [...]struct {
		value int
		unit  string
	}{
		{int(n / 1_000_000_000), "tỷ"}, // a single digit, by maxFeeAmount
		{int(n / 1_000_000 % 1000), "triệu"},
		{int(n / 1000 % 1000), "nghìn"},
		{int(n % 1000), ""},
	}
	var words []string
	for _, g := range groups {
		if g.value == 0 {
			continue
		}
		words = readThree(words, g.value, len(words) > 0)
		if g.unit != "" {
			words = append(words, g.unit)
		}
	}
	s := strings.Join(append(words, "đồng"), " ")
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:], nil
}

// readThree appends the words of a group of three digits, 1 to 999. full
// reads the hundreds even when they are zero, for a group that follows
// another.
func readThree(words []string, n int, full bool) []string {
	h, t, u := n/100, n/10%10, n%10
	if h > 0 || full {
		words = append(words, digitWords[h], "trăm")
		full = true
	}
	switch {
	case t == 0 && u == 0:
		return words
	case t == 0:
		if full {
			words = append(words, "linh")
		}
	case t == 1:
		words = append(words, "mười")
	default:
		words = append(words, digitWords[t], "mươi")
	}
	switch {
	case u == 0:
	case u == 1 && t >= 2:
		words = append(words, "mốt")
	case u == 5 && t >= 1:
		words = append(words, "lăm")
	default:
		words = append(words, digitWords[u])
	}
	return words
}
