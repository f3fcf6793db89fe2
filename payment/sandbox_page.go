package payment

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
)

// The sandbox's pages imitate a third party's, so their text lives here and
// not in the web layer's message catalog: like VNPay's page, they follow
// vnp_Locale ("vn" by default, or "en").

// sandboxText is the wording of the pages in one language.
type sandboxText struct {
	Lang, Title, Notice, Heading, Merchant, TxnRef, Amount, OrderInfo, Expires,
	Bank, BankChosen, Pay, Cancel, ErrorTitle, ErrorCode, Field string
}

var sandboxTexts = map[string]sandboxText{
	"vn": {
		Lang:       "vi",
		Title:      "Cổng thanh toán VNPAY – môi trường thử nghiệm",
		Notice:     "Đây là cổng thanh toán giả lập để thử nghiệm: không có tiền thật nào được chuyển.",
		Heading:    "Thông tin thanh toán",
		Merchant:   "Đơn vị nhận thanh toán",
		TxnRef:     "Mã giao dịch",
		Amount:     "Số tiền",
		OrderInfo:  "Nội dung thanh toán",
		Expires:    "Hạn thanh toán",
		Bank:       "Ngân hàng hoặc phương thức thanh toán",
		BankChosen: "Ngân hàng",
		Pay:        "Thanh toán",
		Cancel:     "Hủy giao dịch",
		ErrorTitle: "Giao dịch không thực hiện được",
		ErrorCode:  "Mã lỗi",
		Field:      "Trường dữ liệu",
	},
	"en": {
		Lang:       "en",
		Title:      "VNPAY payment gateway – sandbox",
		Notice:     "This is a simulated payment gateway for testing: no real money moves.",
		Heading:    "Payment details",
		Merchant:   "Merchant",
		TxnRef:     "Transaction reference",
		Amount:     "Amount",
		OrderInfo:  "Description",
		Expires:    "Pay before",
		Bank:       "Bank or payment method",
		BankChosen: "Bank",
		Pay:        "Pay",
		Cancel:     "Cancel payment",
		ErrorTitle: "The payment cannot be made",
		ErrorCode:  "Error code",
		Field:      "Field",
	},
}

func textsFor(locale string) sandboxText {
	if t, ok := sandboxTexts[locale]; ok {
		return t
	}
	return sandboxTexts["vn"]
}

// sandboxError is a refusal shown on the sandbox's error page. The codes are
// those of VNPay's payment-page errors where one exists.
type sandboxError struct {
	Code   string
	VN, EN string
	Field  string // the offending parameter, for format errors
}

var (
	errSignature = sandboxError{Code: "70",
		VN: "Sai chữ ký: dữ liệu gửi sang không khớp chữ ký (vnp_SecureHash). Giao dịch không được thực hiện.",
		EN: "Invalid signature: the data does not match its vnp_SecureHash. No payment was made."}
	errFormat = sandboxError{Code: "03",
		VN: "Dữ liệu gửi sang không đúng định dạng.",
		EN: "The data sent is not in the right format."}
	errMerchant = sandboxError{Code: "02",
		VN: "Đơn vị nhận thanh toán không hợp lệ (vnp_TmnCode).",
		EN: "Unknown merchant (vnp_TmnCode)."}
	errExpired = sandboxError{Code: "11",
		VN: "Giao dịch đã quá thời gian chờ thanh toán. Xin quý khách vui lòng thực hiện lại giao dịch.",
		EN: "The time to pay has run out. Please start the payment again."}
	errDuplicate = sandboxError{Code: "01",
		VN: "Giao dịch đã tồn tại: mã giao dịch (vnp_TxnRef) này đã được sử dụng.",
		EN: "This transaction already exists: its reference (vnp_TxnRef) has been used."}
	errNoSuchPayment = sandboxError{Code: "91",
		VN: "Không tìm thấy giao dịch. Xin quý khách vui lòng thực hiện lại từ trang của đơn vị nhận thanh toán.",
		EN: "Transaction not found. Please start again from the merchant's site."}
	errUnavailable = sandboxError{Code: "99",
		VN: "Hệ thống thanh toán đang tạm ngừng phục vụ. Xin quý khách vui lòng thử lại sau.",
		EN: "The payment system is temporarily unavailable. Please try again later."}
)

// sandboxPage is what the templates are given.
type sandboxPage struct {
	T       sandboxText
	CSS     string
	Error   string
	Code    string
	Field   string
	Order   sandboxOrder
	Amount  string
	Expires string
	TmnCode string
	Action  string
	Token   string
	Banks   []string
}

var sandboxPages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="{{.T.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.T.Title}}</title>
<link rel="stylesheet" href="{{.CSS}}">
</head>
<body>
<header><p class="brand">VNPAY <span>sandbox</span></p></header>
<main>
<p class="notice">{{.T.Notice}}</p>
{{end}}

{{define "foot"}}</main>
</body>
</html>
{{end}}

{{define "pay"}}{{template "head" .}}
<h1>{{.T.Heading}}</h1>
<dl>
<div><dt>{{.T.Amount}}</dt><dd class="amount">{{.Amount}}</dd></div>
<div><dt>{{.T.OrderInfo}}</dt><dd>{{.Order.OrderInfo}}</dd></div>
<div><dt>{{.T.Merchant}}</dt><dd>{{.TmnCode}}</dd></div>
<div><dt>{{.T.TxnRef}}</dt><dd>{{.Order.TxnRef}}</dd></div>
<div><dt>{{.T.Expires}}</dt><dd><time datetime="{{.Order.ExpiresAt.Format "2006-01-02T15:04:05Z07:00"}}">{{.Expires}}</time></dd></div>
{{if .Order.BankCode}}<div><dt>{{.T.BankChosen}}</dt><dd>{{.Order.BankCode}}</dd></div>{{end}}
</dl>
<form method="post" action="{{.Action}}">
<input type="hidden" name="token" value="{{.Token}}">
{{if not .Order.BankCode}}<p class="field">
<label for="bank">{{.T.Bank}}</label>
<select id="bank" name="bank">{{range .Banks}}
<option value="{{.}}">{{.}}</option>{{end}}
</select>
</p>{{end}}
<p class="actions">
<button type="submit" name="action" value="pay" class="pay">{{.T.Pay}}</button>
<button type="submit" name="action" value="cancel" class="cancel">{{.T.Cancel}}</button>
</p>
</form>
{{template "foot" .}}{{end}}

{{define "error"}}{{template "head" .}}
<h1>{{.T.ErrorTitle}}</h1>
<div class="error" role="alert">
<p>{{.Error}}</p>
<p>{{.T.ErrorCode}}: <strong>{{.Code}}</strong>{{if .Field}} – {{.T.Field}}: <code>{{.Field}}</code>{{end}}</p>
</div>
{{template "foot" .}}{{end}}
`))

// sandboxStyle is plain, large and high-contrast: the page must work on a
// small phone, with the keyboard, and without scripts.
const sandboxStyle = `*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;background:#f3f5f8}
header{background:#005baa;color:#fff;padding:.75rem 1rem}
.brand{margin:0;font-weight:700;font-size:1.25rem}
.brand span{font-weight:400;font-size:.9rem;margin-left:.25rem}
main{max-width:32rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:1rem 0}
.notice{background:#fff4ce;border-left:.3rem solid #8a6d00;padding:.5rem .75rem;margin:0}
dl{background:#fff;border:1px solid #c9d1db;border-radius:.5rem;padding:.5rem 1rem;margin:0 0 1rem}
dl div{padding:.5rem 0;border-bottom:1px solid #e4e8ee}
dl div:last-child{border-bottom:0}
dt{font-size:.875rem;color:#48515c}
dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.amount{font-size:1.5rem;color:#003f7d}
.field label{display:block;font-weight:600;margin-bottom:.25rem}
select{width:100%;font:inherit;padding:.6rem;border:1px solid #6b7580;border-radius:.3rem;background:#fff}
.actions{display:flex;flex-wrap:wrap;gap:.75rem}
button{flex:1 1 12rem;min-height:3rem;font:inherit;font-weight:700;border-radius:.4rem;padding:.6rem 1rem;cursor:pointer}
.pay{background:#005baa;color:#fff;border:2px solid #005baa}
.cancel{background:#fff;color:#a4001d;border:2px solid #a4001d}
button:focus-visible,select:focus-visible{outline:3px solid #ffbf47;outline-offset:2px;box-shadow:0 0 0 5px #1b1b1b}
.error{background:#fff;border-left:.3rem solid #a4001d;padding:.25rem 1rem}
`

func serveSandboxCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(sandboxStyle))
}

// renderPay shows the payer page of o.
func (s *Sandbox) renderPay(w http.ResponseWriter, o sandboxOrder, token string) {
	// The form posts to the sandbox and is then redirected to the merchant,
	// and browsers check both against form-action.
	formAction := "'self'"
	if u, err := url.Parse(o.ReturnURL); err == nil {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	s.render(w, http.StatusOK, "pay", formAction, sandboxPage{
		T:       textsFor(o.Locale),
		Order:   o,
		Amount:  formatDong(o.Amount, o.Locale),
		Expires: o.ExpiresAt.In(ICT).Format("15:04 02/01/2006") + " (GMT+7)",
		TmnCode: s.cfg.TmnCode,
		Action:  s.cfg.Prefix + sandboxDecide,
		Token:   token,
		Banks:   sandboxBanks,
	})
}

// renderError shows a refusal; nothing has been recorded.
func (s *Sandbox) renderError(w http.ResponseWriter, status int, locale string, e sandboxError) {
	text := e.VN
	if locale == "en" {
		text = e.EN
	}
	s.render(w, status, "error", "'none'", sandboxPage{T: textsFor(locale), Error: text, Code: e.Code, Field: e.Field})
}

func (s *Sandbox) render(w http.ResponseWriter, status int, name, formAction string, page sandboxPage) {
	page.CSS = s.cfg.Prefix + sandboxCSS
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, page); err != nil {
		s.cfg.Logger.Error("sandbox page", "template", name, "err", err)
		http.Error(w, "sandbox: page error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Set, not added: when mounted inside the web server, this replaces the
	// server's policy, whose form-action would block the redirect to the
	// merchant.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action "+formAction+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	// The page's URL carries the signed order; keep it to ourselves.
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// formatDong writes an amount as a payer reads it: "1.806.000 ₫" in
// Vietnamese, "1,806,000 VND" in English.
func formatDong(n int64, locale string) string {
	if locale == "en" {
		return groupDigits(n, ",") + " VND"
	}
	return groupDigits(n, ".") + " ₫"
}
