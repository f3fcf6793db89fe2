package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const sandboxPrefix = "/sandbox/vnpay"

// clock is a settable clock shared by the sandbox and the merchant.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// ipnCall is one IPN the test merchant received.
type ipnCall struct {
	Result    Result
	Err       error
	Answer    IPNAnswer
	ReturnsAt int // how many returns the merchant had seen when it came
}

// merchant is the egov side in miniature: an IPN handler that does what
// the package documentation says, and a return handler that records.
type merchant struct {
	gw *VNPay // set once the sandbox's server exists

	mu      sync.Mutex
	orders  map[string]int64 // TxnRef → amount
	final   map[string]bool  // TxnRef → has its result
	ipns    []ipnCall
	returns []url.Values
	ipnSeen chan struct{} // one send per IPN, for tests that wait
}

func (m *merchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ipn":
		res, err := m.gw.ParseCallback(r.URL.Query())
		m.mu.Lock()
		var a IPNAnswer
		amount, known := m.orders[res.TxnRef]
		switch {
		case err != nil:
			a = IPNAnswerFor(err)
		case !known:
			a = IPNOrderNotFound()
		case amount != res.Amount:
			a = IPNInvalidAmount()
		case m.final[res.TxnRef]:
			a = IPNAlreadyConfirmed()
		default:
			m.final[res.TxnRef] = true
			a = IPNConfirmed()
		}
		m.ipns = append(m.ipns, ipnCall{Result: res, Err: err, Answer: a, ReturnsAt: len(m.returns)})
		m.mu.Unlock()
		WriteIPNAnswer(w, a)
		select {
		case m.ipnSeen <- struct{}{}:
		default:
		}
	case "/return":
		m.mu.Lock()
		m.returns = append(m.returns, r.URL.Query())
		m.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	default:
		http.NotFound(w, r)
	}
}

func (m *merchant) IPNs() []ipnCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]ipnCall(nil), m.ipns...)
}

// env is a sandbox gateway and a merchant, each on its own HTTP server, and
// a browser that does not follow redirects by itself.
type env struct {
	t        *testing.T
	clock    *clock
	merchant *merchant
	sandbox  *Sandbox
	gw       *VNPay
	gwURL    string
	mURL     string
	browser  *http.Client
	nextRef  int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Date(2025, 3, 14, 9, 30, 0, 0, ICT)}}
	e.merchant = &merchant{orders: map[string]int64{}, final: map[string]bool{}, ipnSeen: make(chan struct{}, 16)}
	msrv := httptest.NewServer(e.merchant)
	t.Cleanup(msrv.Close)
	e.mURL = msrv.URL
	sb, err := NewSandbox(SandboxConfig{
		Prefix:     sandboxPrefix,
		TmnCode:    testTmnCode,
		HashSecret: testSecret,
		IPNURL:     msrv.URL + "/ipn",
		Now:        e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.sandbox = sb
	mux := http.NewServeMux()
	mux.Handle(sandboxPrefix+"/", sb) // as the web layer mounts it
	gsrv := httptest.NewServer(mux)
	t.Cleanup(gsrv.Close)
	t.Cleanup(func() { _ = sb.Close() })
	e.gwURL = gsrv.URL
	e.gw = sb.VNPay(gsrv.URL)
	e.merchant.gw = e.gw
	e.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// order makes a new order the merchant knows about.
func (e *env) order() Order {
	e.nextRef++
	o := Order{
		TxnRef:    fmt.Sprintf("HS20250314%05d", e.nextRef),
		Amount:    1_806_000,
		OrderInfo: PlainText("Lệ phí cấp bản sao trích lục hộ tịch"),
		IPAddr:    "203.0.113.7",
		CreatedAt: e.clock.Now(),
		ReturnURL: e.mURL + "/return",
	}
	e.merchant.mu.Lock()
	e.merchant.orders[o.TxnRef] = o.Amount
	e.merchant.mu.Unlock()
	return o
}

func (e *env) get(u string) (*http.Response, string) {
	e.t.Helper()
	res, err := e.browser.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	formToken  = regexp.MustCompile(`<input type="hidden" name="token" value="([^"]+)">`)
)

// openPayPage follows the payment URL and reads the form off the page.
func (e *env) openPayPage(o Order) (action, token, page string) {
	e.t.Helper()
	u, err := e.gw.PayURL(o)
	if err != nil {
		e.t.Fatal(err)
	}
	res, body := e.get(u)
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("payment page: %s\n%s", res.Status, body)
	}
	a, tk := formAction.FindStringSubmatch(body), formToken.FindStringSubmatch(body)
	if a == nil || tk == nil {
		e.t.Fatalf("no form on the payment page:\n%s", body)
	}
	return html.UnescapeString(a[1]), tk[1], body
}

// decide presses a button on the page and returns the redirect's target.
func (e *env) decide(action, token, button string) *url.URL {
	e.t.Helper()
	res, err := e.browser.PostForm(e.gwURL+action, url.Values{"token": {token}, "action": {button}, "bank": {"VNPAYQR"}})
	if err != nil {
		e.t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("decision: %s, want 303", res.Status)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return loc
}

// pay goes through the whole payment as a payer and lands on the return URL.
func (e *env) pay(o Order, button string) *url.URL {
	e.t.Helper()
	action, token, _ := e.openPayPage(o)
	loc := e.decide(action, token, button)
	if res, _ := e.get(loc.String()); res.StatusCode != http.StatusOK {
		e.t.Fatalf("return URL: %s", res.Status)
	}
	return loc
}

func TestSandboxPayRoundTrip(t *testing.T) {
	e := newEnv(t)
	o := e.order()
	action, token, page := e.openPayPage(o)
	for _, want := range []string{
		`<html lang="vi">`, `name="viewport"`, "1.806.000 ₫", o.OrderInfo, o.TxnRef,
		">Thanh toán</button>", ">Hủy giao dịch</button>", `<label for="bank">`, `<select id="bank" name="bank">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("payment page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("payment page has a script; it must work without")
	}

	loc := e.decide(action, token, "pay")

	// The IPN came first, before the browser was redirected.
	ipns := e.merchant.IPNs()
	if len(ipns) != 1 {
		t.Fatalf("%d IPNs before the redirect, want 1", len(ipns))
	}
	ipn := ipns[0]
	if ipn.Err != nil || !ipn.Result.Success || ipn.Answer.RspCode != "00" ||
		ipn.Result.TxnRef != o.TxnRef || ipn.Result.Amount != o.Amount || ipn.Result.BankCode != "VNPAYQR" {
		t.Errorf("IPN = %+v", ipn)
	}
	if !ipn.Result.PayDate.Equal(e.clock.Now()) {
		t.Errorf("PayDate = %v, want %v", ipn.Result.PayDate, e.clock.Now())
	}
	txn, ok := e.sandbox.Transaction(o.TxnRef)
	if !ok || !txn.Decided || len(txn.IPNs) != 1 || txn.IPNs[0].Answer.RspCode != "00" || txn.IPNs[0].Err != nil {
		t.Errorf("sandbox record = %+v", txn)
	}

	// Then the return, with the same signed result.
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != o.ReturnURL {
		t.Errorf("redirected to %s, want %s", got, o.ReturnURL)
	}
	ret, err := e.gw.ParseCallback(loc.Query())
	if err != nil {
		t.Fatal(err)
	}
	if ret != ipn.Result {
		t.Errorf("return %+v differs from IPN %+v", ret, ipn.Result)
	}
	if ret.TransactionNo == "" || ret.TransactionNo == "0" {
		t.Errorf("TransactionNo = %q", ret.TransactionNo)
	}

	// A second press goes to the same result without a second IPN.
	again := e.decide(action, token, "cancel")
	if again.String() != loc.String() {
		t.Errorf("second submission went to %s, want %s", again, loc)
	}
	if n := len(e.merchant.IPNs()); n != 1 {
		t.Errorf("%d IPNs after a double submission, want 1", n)
	}
	// And the TxnRef cannot be paid twice.
	u, _ := e.gw.PayURL(o)
	if res, body := e.get(u); res.StatusCode != http.StatusConflict || !strings.Contains(body, "đã tồn tại") {
		t.Errorf("reused TxnRef: %s", res.Status)
	}
}

func TestSandboxCancel(t *testing.T) {
	e := newEnv(t)
	o := e.order()
	loc := e.pay(o, "cancel")
	ret, err := e.gw.ParseCallback(loc.Query())
	if err != nil {
		t.Fatal(err)
	}
	if ret.ResponseCode != ResponseCancelled || ret.TransactionStatus != StatusFailed || ret.Success {
		t.Errorf("return = %+v, want 24 and not Success", ret)
	}
	ipns := e.merchant.IPNs()
	if len(ipns) != 1 || ipns[0].Result.ResponseCode != "24" || ipns[0].Result.Success {
		t.Errorf("IPNs = %+v, want one with 24", ipns)
	}
	q, err := e.gw.Query(context.Background(), o.TxnRef, o.CreatedAt, "10.0.0.1")
	if err != nil || q.Success || q.TransactionStatus != StatusFailed {
		t.Errorf("Query = %+v, %v; want failed", q, err)
	}
}

func TestSandboxSkipIPNThenQuery(t *testing.T) {
	e := newEnv(t)
	e.sandbox.SetFaults(SandboxFaults{SkipIPN: true})
	o := e.order()

	action, token, _ := e.openPayPage(o)
	pending, err := e.gw.Query(context.Background(), o.TxnRef, o.CreatedAt, "10.0.0.1")
	if err != nil || pending.TransactionStatus != StatusPending || pending.Success {
		t.Errorf("Query before paying = %+v, %v; want pending", pending, err)
	}

	loc := e.decide(action, token, "pay")
	if _, body := e.get(loc.String()); body != "ok" {
		t.Fatalf("return page: %q", body)
	}
	if n := len(e.merchant.IPNs()); n != 0 {
		t.Fatalf("%d IPNs with SkipIPN", n)
	}
	ret, _ := e.gw.ParseCallback(loc.Query())

	e.clock.Advance(10 * time.Minute)
	q, err := e.gw.Query(context.Background(), o.TxnRef, o.CreatedAt, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !q.Success || q.TransactionStatus != StatusSuccess || q.TransactionNo != ret.TransactionNo ||
		q.Amount != o.Amount || q.TxnRef != o.TxnRef || !q.PayDate.Equal(ret.PayDate) {
		t.Errorf("Query = %+v, want the paid status of %+v", q, ret)
	}

	// The date is part of the key, as at VNPay.
	_, err = e.gw.Query(context.Background(), o.TxnRef, o.CreatedAt.Add(time.Second), "10.0.0.1")
	if !errors.Is(err, ErrTransactionNotFound) {
		t.Errorf("Query with another date: %v, want ErrTransactionNotFound", err)
	}
	_, err = e.gw.Query(context.Background(), "NOSUCHREF", o.CreatedAt, "10.0.0.1")
	if !errors.Is(err, ErrTransactionNotFound) {
		t.Errorf("Query of an unknown payment: %v, want ErrTransactionNotFound", err)
	}
}

func TestSandboxDown(t *testing.T) {
	e := newEnv(t)
	o := e.order()
	action, token, _ := e.openPayPage(o)
	e.sandbox.SetFaults(SandboxFaults{Down: true})

	u, _ := e.gw.PayURL(e.order())
	if res, _ := e.get(u); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("payment page while down: %s, want 503", res.Status)
	}
	res, err := e.browser.PostForm(e.gwURL+action, url.Values{"token": {token}, "action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("decision while down: %s, want 503", res.Status)
	}
	_, err = e.gw.Query(context.Background(), o.TxnRef, o.CreatedAt, "10.0.0.1")
	if !errors.Is(err, ErrGatewayUnavailable) {
		t.Errorf("Query while down: %v, want ErrGatewayUnavailable", err)
	}

	e.sandbox.SetFaults(SandboxFaults{})
	if q, err := e.gw.Query(context.Background(), o.TxnRef, o.CreatedAt, "10.0.0.1"); err != nil || q.TransactionStatus != StatusPending {
		t.Errorf("Query after recovery = %+v, %v; want pending", q, err)
	}
}

func TestSandboxSendIPNTwice(t *testing.T) {
	e := newEnv(t)
	e.sandbox.SetFaults(SandboxFaults{SkipIPN: true})
	o := e.order()
	if _, err := e.sandbox.SendIPN(context.Background(), o.TxnRef); !errors.Is(err, ErrTransactionNotFound) {
		t.Errorf("SendIPN before the page: %v", err)
	}
	loc := e.pay(o, "pay")
	ret, _ := e.gw.ParseCallback(loc.Query())

	var answers []string
	for range 2 {
		a, err := e.sandbox.SendIPN(context.Background(), o.TxnRef)
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, a.RspCode)
	}
	if strings.Join(answers, ",") != "00,02" {
		t.Errorf("answers %v, want 00 then 02 (already confirmed)", answers)
	}
	ipns := e.merchant.IPNs()
	if len(ipns) != 2 {
		t.Fatalf("%d IPNs, want 2", len(ipns))
	}
	for i, c := range ipns {
		if c.Err != nil || c.Result.TxnRef != o.TxnRef || c.Result.TransactionNo != ret.TransactionNo || !c.Result.Success {
			t.Errorf("IPN %d = %+v, want TxnRef %s and TransactionNo %s", i, c, o.TxnRef, ret.TransactionNo)
		}
		if c.ReturnsAt != 1 {
			t.Errorf("IPN %d came after %d returns, want after the return", i, c.ReturnsAt)
		}
	}
	txn, _ := e.sandbox.Transaction(o.TxnRef)
	if len(txn.IPNs) != 2 || txn.IPNs[0].Answer.RspCode != "00" || txn.IPNs[1].Answer.RspCode != "02" {
		t.Errorf("sandbox records %+v", txn.IPNs)
	}
}

func TestSandboxDelayIPN(t *testing.T) {
	t.Run("after the return", func(t *testing.T) {
		e := newEnv(t)
		e.sandbox.SetFaults(SandboxFaults{DelayIPN: 20 * time.Millisecond})
		o := e.order()
		e.pay(o, "pay")
		select {
		case <-e.merchant.ipnSeen:
		case <-time.After(10 * time.Second):
			t.Fatal("the delayed IPN never came")
		}
		ipns := e.merchant.IPNs()
		if len(ipns) != 1 || !ipns[0].Result.Success || ipns[0].ReturnsAt != 1 {
			t.Errorf("IPNs = %+v, want one, after the return", ipns)
		}
	})
	t.Run("stopped by Close", func(t *testing.T) {
		e := newEnv(t)
		e.sandbox.SetFaults(SandboxFaults{DelayIPN: time.Hour})
		e.pay(e.order(), "pay")
		if err := e.sandbox.Close(); err != nil {
			t.Fatal(err)
		}
		if n := len(e.merchant.IPNs()); n != 0 {
			t.Errorf("%d IPNs, want none", n)
		}
	})
}

func TestSandboxRefuses(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		url    func() string
		status int
		text   string
	}{
		{"tampered amount", func() string {
			u, _ := e.gw.PayURL(e.order())
			return strings.Replace(u, "vnp_Amount=180600000", "vnp_Amount=100", 1)
		}, http.StatusBadRequest, "Sai chữ ký"},
		{"unsigned", func() string {
			u, _ := e.gw.PayURL(e.order())
			return u[:strings.Index(u, "&vnp_SecureHash=")]
		}, http.StatusBadRequest, "Sai chữ ký"},
		{"signed with another secret", func() string {
			other := *e.gw
			other.HashSecret = "OTHER"
			u, _ := other.PayURL(e.order())
			return u
		}, http.StatusBadRequest, "Sai chữ ký"},
		{"another merchant", func() string {
			other := *e.gw
			other.TmnCode = "OTHER123"
			u, _ := other.PayURL(e.order())
			return u
		}, http.StatusBadRequest, "vnp_TmnCode"},
		{"expired before it is opened", func() string {
			o := e.order()
			o.CreatedAt = e.clock.Now().Add(-time.Hour)
			u, _ := e.gw.PayURL(o)
			return u
		}, http.StatusBadRequest, "quá thời gian"},
		{"English error page", func() string {
			o := e.order()
			o.Locale = "en"
			u, _ := e.gw.PayURL(o)
			return strings.Replace(u, "vnp_Amount=180600000", "vnp_Amount=100", 1)
		}, http.StatusBadRequest, "Invalid signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := e.get(tt.url())
			if res.StatusCode != tt.status || !strings.Contains(body, tt.text) {
				t.Errorf("%s, want %d with %q:\n%s", res.Status, tt.status, tt.text, body)
			}
			if strings.Contains(body, "<form") {
				t.Error("an error page offers to pay")
			}
		})
	}
	e.merchant.mu.Lock()
	defer e.merchant.mu.Unlock()
	for ref := range e.merchant.orders {
		if _, ok := e.sandbox.Transaction(ref); ok {
			t.Errorf("refused payment %s was recorded", ref)
		}
	}
	res, err := e.browser.PostForm(e.gwURL+sandboxPrefix+sandboxDecide, url.Values{"token": {"forged"}, "action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("decision with an unknown token: %s, want 404", res.Status)
	}
}

func TestSandboxPayAfterExpiry(t *testing.T) {
	e := newEnv(t)
	o := e.order()
	action, token, _ := e.openPayPage(o)
	e.clock.Advance(DefaultExpiry + time.Second)
	loc := e.decide(action, token, "pay")
	ret, err := e.gw.ParseCallback(loc.Query())
	if err != nil || ret.ResponseCode != ResponseExpired || ret.Success {
		t.Errorf("return = %+v, %v; want code 11, not paid", ret, err)
	}
}

func TestSandboxEnglishPage(t *testing.T) {
	e := newEnv(t)
	o := e.order()
	o.Locale, o.BankCode = "en", "NCB"
	_, _, page := e.openPayPage(o)
	for _, want := range []string{`<html lang="en">`, "1,806,000 VND", ">Pay</button>", ">Cancel payment</button>"} {
		if !strings.Contains(page, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	if strings.Contains(page, "<select") {
		t.Error("the page offers a bank choice although the order chose NCB")
	}
}

func TestSandboxPageHeaders(t *testing.T) {
	e := newEnv(t)
	u, _ := e.gw.PayURL(e.order())
	res, _ := e.get(u)
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' "+e.mURL) || !strings.Contains(csp, "style-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	css, body := e.get(e.gwURL + sandboxPrefix + sandboxCSS)
	if css.StatusCode != 200 || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") || body == "" {
		t.Errorf("style sheet: %s %s", css.Status, css.Header.Get("Content-Type"))
	}
}

// The querydr API refuses what VNPay refuses.
func TestSandboxQueryAPI(t *testing.T) {
	e := newEnv(t)
	o := e.order()
	e.openPayPage(o)
	post := func(req map[string]string) map[string]string {
		t.Helper()
		b, _ := json.Marshal(req)
		res, err := http.Post(e.gwURL+sandboxPrefix+sandboxQueryAPI, "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		a, err := decodeFlatJSON(res.Body)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("querydr answer: %s, %v", res.Status, err)
		}
		return a
	}
	request := func(edit func(map[string]string), secret string) map[string]string {
		r := map[string]string{
			"vnp_RequestId": "fixedrequestid", "vnp_Version": Version, "vnp_Command": "querydr",
			"vnp_TmnCode": testTmnCode, "vnp_TxnRef": o.TxnRef, "vnp_OrderInfo": "Truy van",
			"vnp_TransactionDate": formatDate(o.CreatedAt), "vnp_CreateDate": formatDate(e.clock.Now()),
			"vnp_IpAddr": "10.0.0.1",
		}
		if edit != nil {
			edit(r)
		}
		r["vnp_SecureHash"] = signFields(secret, fieldsOf(r, queryRequestFields)...)
		return r
	}
	tests := []struct {
		name string
		req  map[string]string
		code string
	}{
		{"answered", request(nil, testSecret), "00"},
		{"same request ID again", request(nil, testSecret), "94"},
		{"bad checksum", request(func(r map[string]string) { r["vnp_RequestId"] = "r2" }, "OTHER"), "97"},
		{"another merchant", request(func(r map[string]string) { r["vnp_RequestId"], r["vnp_TmnCode"] = "r3", "OTHER123" }, testSecret), "02"},
		{"wrong command", request(func(r map[string]string) { r["vnp_RequestId"], r["vnp_Command"] = "r4", "pay" }, testSecret), "03"},
		{"unknown payment", request(func(r map[string]string) { r["vnp_RequestId"], r["vnp_TxnRef"] = "r5", "NOPE" }, testSecret), "91"},
	}
	for _, tt := range tests {
		a := post(tt.req)
		if a["vnp_ResponseCode"] != tt.code {
			t.Errorf("%s: code %s, want %s (%v)", tt.name, a["vnp_ResponseCode"], tt.code, a)
		}
		if tt.code != "97" && tt.code != "02" &&
			a["vnp_SecureHash"] != signFields(testSecret, fieldsOf(a, queryResponseFields)...) {
			t.Errorf("%s: answer not signed: %v", tt.name, a)
		}
	}
	var qe *QueryError
	other := *e.gw
	other.HashSecret = "OTHER"
	if _, err := other.Query(context.Background(), o.TxnRef, o.CreatedAt, "10.0.0.1"); !errors.As(err, &qe) || qe.ResponseCode != "97" {
		t.Errorf("Query with the wrong secret: %v, want a QueryError 97", err)
	}
}

func TestNewSandboxRefuses(t *testing.T) {
	good := SandboxConfig{Prefix: "/sandbox/vnpay", TmnCode: testTmnCode, HashSecret: testSecret, IPNURL: "http://localhost/ipn"}
	for name, edit := range map[string]func(*SandboxConfig){
		"no TmnCode":         func(c *SandboxConfig) { c.TmnCode = "" },
		"no secret":          func(c *SandboxConfig) { c.HashSecret = "" },
		"relative prefix":    func(c *SandboxConfig) { c.Prefix = "sandbox" },
		"prefix with slash":  func(c *SandboxConfig) { c.Prefix = "/sandbox/" },
		"prefix with braces": func(c *SandboxConfig) { c.Prefix = "/{x}" },
		"relative IPN URL":   func(c *SandboxConfig) { c.IPNURL = "/ipn" },
	} {
		c := good
		edit(&c)
		if _, err := NewSandbox(c); err == nil {
			t.Errorf("%s: NewSandbox accepted %+v", name, c)
		}
	}
	sb, err := NewSandbox(SandboxConfig{TmnCode: testTmnCode, HashSecret: testSecret})
	if err != nil {
		t.Fatalf("at the root, without IPN: %v", err)
	}
	if got := sb.VNPay("http://gw.test/").BaseURL; got != "http://gw.test/paymentv2/vpcpay.html" {
		t.Errorf("BaseURL at the root = %s", got)
	}
}
