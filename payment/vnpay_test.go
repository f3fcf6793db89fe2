package payment

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov"
)

const testTmnCode = "EGOVTEST"

// testOrder is a valid order; tests change one thing at a time.
func testOrder() Order {
	created := time.Date(2021, 8, 1, 15, 33, 33, 0, ICT)
	return Order{
		TxnRef:    "HS2021080100001",
		Amount:    18060,
		OrderInfo: "Thanh toan le phi ho so 000.00.01.H01-210801-0001",
		Locale:    "vn",
		IPAddr:    "127.0.0.1",
		CreatedAt: created,
		ReturnURL: "https://dichvucong.example.vn/thanh-toan/ket-qua",
	}
}

func testVNPay() *VNPay {
	return &VNPay{
		BaseURL:    "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
		QueryURL:   "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction",
		TmnCode:    testTmnCode,
		HashSecret: testSecret,
	}
}

func TestPayURL(t *testing.T) {
	o := testOrder()
	o.CreatedAt = time.Date(2021, 8, 1, 8, 33, 33, 0, time.UTC) // the zone must not matter
	o.BankCode = "NCB"
	got, err := testVNPay().PayURL(o)
	if err != nil {
		t.Fatal(err)
	}
	base, query, ok := strings.Cut(got, "?")
	if !ok || base != "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html" {
		t.Fatalf("PayURL = %s", got)
	}
	want := "vnp_Amount=1806000&vnp_BankCode=NCB&vnp_Command=pay&vnp_CreateDate=20210801153333&vnp_CurrCode=VND" +
		"&vnp_ExpireDate=20210801154833&vnp_IpAddr=127.0.0.1&vnp_Locale=vn" +
		"&vnp_OrderInfo=Thanh+toan+le+phi+ho+so+000.00.01.H01-210801-0001&vnp_OrderType=other" +
		"&vnp_ReturnUrl=https%3A%2F%2Fdichvucong.example.vn%2Fthanh-toan%2Fket-qua" +
		"&vnp_TmnCode=EGOVTEST&vnp_TxnRef=HS2021080100001&vnp_Version=2.1.0"
	unsigned, hash, _ := strings.Cut(query, "&vnp_SecureHash=")
	if unsigned != want {
		t.Errorf("query\n got %s\nwant %s", unsigned, want)
	}
	if hash != signString(want, testSecret) {
		t.Errorf("vnp_SecureHash = %s, want the HMAC of the query", hash)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(q, testSecret); err != nil {
		t.Errorf("the gateway's side cannot verify it: %v", err)
	}
}

func TestPayURLRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Order)
	}{
		{"no TxnRef", func(o *Order) { o.TxnRef = "" }},
		{"TxnRef with punctuation", func(o *Order) { o.TxnRef = "HS-1" }},
		{"TxnRef too long", func(o *Order) { o.TxnRef = strings.Repeat("1", 101) }},
		{"zero amount", func(o *Order) { o.Amount = 0 }},
		{"negative amount", func(o *Order) { o.Amount = -5 }},
		{"amount over 12 digits ×100", func(o *Order) { o.Amount = MaxAmount + 1 }},
		{"no OrderInfo", func(o *Order) { o.OrderInfo = "" }},
		{"OrderInfo with diacritics", func(o *Order) { o.OrderInfo = "Lệ phí" }},
		{"OrderInfo with a character gateways escape differently", func(o *Order) { o.OrderInfo = "Le phi (ho tich)" }},
		{"OrderInfo too long", func(o *Order) { o.OrderInfo = strings.Repeat("a", 256) }},
		{"OrderType with space", func(o *Order) { o.OrderType = "bill payment" }},
		{"locale vi", func(o *Order) { o.Locale = "vi" }},
		{"no IP", func(o *Order) { o.IPAddr = "" }},
		{"bad IP", func(o *Order) { o.IPAddr = "localhost" }},
		{"no CreatedAt", func(o *Order) { o.CreatedAt = time.Time{} }},
		{"expiry before creation", func(o *Order) { o.ExpiresAt = o.CreatedAt.Add(-time.Minute) }},
		{"bank code too short", func(o *Order) { o.BankCode = "NC" }},
		{"relative return URL", func(o *Order) { o.ReturnURL = "/thanh-toan/ket-qua" }},
		{"return URL with fragment", func(o *Order) { o.ReturnURL = "https://a.vn/r#x" }},
		{"return URL with tilde", func(o *Order) { o.ReturnURL = "https://a.vn/~egov/r" }},
		{"return URL not http", func(o *Order) { o.ReturnURL = "javascript:alert(1)" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder()
			tt.edit(&o)
			u, err := testVNPay().PayURL(o)
			if !errors.Is(err, ErrInvalidOrder) || !errors.Is(err, egov.ErrInvalid) {
				t.Errorf("PayURL = %q, %v; want ErrInvalidOrder", u, err)
			}
		})
	}
	t.Run("no secret", func(t *testing.T) {
		v := testVNPay()
		v.HashSecret = ""
		if _, err := v.PayURL(testOrder()); !errors.Is(err, ErrNoSecret) {
			t.Errorf("err = %v, want ErrNoSecret", err)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		o := testOrder()
		o.Locale, o.OrderType = "", ""
		u, err := testVNPay().PayURL(o)
		if err != nil || !strings.Contains(u, "vnp_Locale=vn&") || !strings.Contains(u, "vnp_OrderType=other&") {
			t.Errorf("PayURL = %s, %v; want vn and other", u, err)
		}
	})
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Lệ phí đăng ký khai sinh", "Le phi dang ky khai sinh"},
		{"ĐẤT ĐAI – Hồ sơ số 000.00.01.H01-240101-0001", "DAT DAI Ho so so 000.00.01.H01-240101-0001"},
		{"  nhiều   khoảng\ttrắng\n", "nhieu khoang trang"},
		{"Phí (thẩm định) *gấp*!", "Phi tham dinh gap"},
		{"a:b;c,d/e#f_g", "a:b;c,d/e#f_g"},
		{"", ""},
		{strings.Repeat("ắ", 300), strings.Repeat("a", 255)},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := PlainText(tt.in); got != "" {
			o := testOrder()
			o.OrderInfo = got
			if _, err := testVNPay().PayURL(o); err != nil {
				t.Errorf("PayURL refuses PlainText(%q): %v", tt.in, err)
			}
		}
	}
}

// callback builds a gateway callback's parameters, signed with secret.
func callback(secret string, edit func(url.Values)) url.Values {
	p := url.Values{
		"vnp_Amount":            {"1806000"},
		"vnp_BankCode":          {"NCB"},
		"vnp_BankTranNo":        {"VNP14226112"},
		"vnp_CardType":          {"ATM"},
		"vnp_OrderInfo":         {"Thanh toan le phi"},
		"vnp_PayDate":           {"20231207170112"},
		"vnp_ResponseCode":      {"00"},
		"vnp_TmnCode":           {testTmnCode},
		"vnp_TransactionNo":     {"14226112"},
		"vnp_TransactionStatus": {"00"},
		"vnp_TxnRef":            {"166117"},
	}
	if edit != nil {
		edit(p)
	}
	p.Set("vnp_SecureHash", Sign(p, secret))
	return p
}

func TestParseCallback(t *testing.T) {
	res, err := testVNPay().ParseCallback(callback(testSecret, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Result{
		TxnRef: "166117", Amount: 18060, ResponseCode: "00", TransactionStatus: "00",
		TransactionNo: "14226112", BankCode: "NCB", BankTranNo: "VNP14226112", CardType: "ATM",
		OrderInfo: "Thanh toan le phi", PayDate: time.Date(2023, 12, 7, 17, 1, 12, 0, ICT), Success: true,
	}
	if !res.PayDate.Equal(want.PayDate) {
		t.Errorf("PayDate = %v, want %v", res.PayDate, want.PayDate)
	}
	res.PayDate, want.PayDate = time.Time{}, time.Time{}
	if res != want {
		t.Errorf("Result\n got %+v\nwant %+v", res, want)
	}

	tests := []struct {
		name    string
		q       url.Values
		wantErr error
		success bool
	}{
		{"cancelled", callback(testSecret, func(p url.Values) {
			p.Set("vnp_ResponseCode", "24")
			p.Set("vnp_TransactionStatus", "02")
		}), nil, false},
		{"response 00 but status pending", callback(testSecret, func(p url.Values) { p.Set("vnp_TransactionStatus", "01") }), nil, false},
		{"no pay date", callback(testSecret, func(p url.Values) { p.Del("vnp_PayDate") }), nil, true},
		{"wrong secret", callback("OTHER", nil), ErrBadSignature, false},
		{"tampered amount", func() url.Values {
			p := callback(testSecret, nil)
			p.Set("vnp_Amount", "100")
			return p
		}(), ErrBadSignature, false},
		{"unsigned", func() url.Values {
			p := callback(testSecret, nil)
			p.Del("vnp_SecureHash")
			return p
		}(), ErrMissingSignature, false},
		{"another merchant", callback(testSecret, func(p url.Values) { p.Set("vnp_TmnCode", "OTHER123") }), ErrMalformed, false},
		{"amount not whole đồng", callback(testSecret, func(p url.Values) { p.Set("vnp_Amount", "1806050") }), ErrMalformed, false},
		{"amount with sign", callback(testSecret, func(p url.Values) { p.Set("vnp_Amount", "+1806000") }), ErrMalformed, false},
		{"amount not a number", callback(testSecret, func(p url.Values) { p.Set("vnp_Amount", "1e6") }), ErrMalformed, false},
		{"bad pay date", callback(testSecret, func(p url.Values) { p.Set("vnp_PayDate", "2023-12-07") }), ErrMalformed, false},
		{"no TxnRef", callback(testSecret, func(p url.Values) { p.Del("vnp_TxnRef") }), ErrMalformed, false},
		{"no status", callback(testSecret, func(p url.Values) { p.Del("vnp_TransactionStatus") }), ErrMalformed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := testVNPay().ParseCallback(tt.q)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && err != nil:
				t.Errorf("err = %v", err)
			case tt.wantErr == nil && res.Success != tt.success:
				t.Errorf("Success = %v, want %v (%+v)", res.Success, tt.success, res)
			}
		})
	}
}
