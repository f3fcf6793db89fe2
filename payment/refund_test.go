package payment

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov"
)

// testRefund is a valid full refund of the payment HS1 of 18 060 đồng that
// signedAnswer describes; tests change one thing at a time.
func testRefund() Refund {
	return Refund{
		TxnRef:        "HS1",
		Amount:        18060,
		Full:          true,
		TransactionNo: "14000001",
		OrderDate:     time.Date(2021, 8, 1, 15, 33, 33, 0, ICT),
		CreatedBy:     "canbo01",
		IPAddr:        "10.0.0.1",
		OrderInfo:     "Hoan le phi ho so HS1",
	}
}

// signedRefundAnswer is the gateway's acceptance of the refund req, signed
// with secret over the given checksum fields.
func signedRefundAnswer(req map[string]string, secret string, fields []string, edit func(map[string]string)) string {
	a := map[string]string{
		"vnp_ResponseId": "r1", "vnp_Command": "refund", "vnp_ResponseCode": "00", "vnp_Message": "Refund success",
		"vnp_TmnCode": testTmnCode, "vnp_TxnRef": req["vnp_TxnRef"], "vnp_Amount": req["vnp_Amount"],
		"vnp_BankCode": "NCB", "vnp_PayDate": "20210802090000", "vnp_TransactionNo": "14000002",
		"vnp_TransactionType": req["vnp_TransactionType"], "vnp_TransactionStatus": StatusRefundProcessing,
		"vnp_OrderInfo": req["vnp_OrderInfo"],
	}
	if edit != nil {
		edit(a)
	}
	a[paramSecureHash] = signFields(secret, fieldsOf(a, fields)...)
	b, _ := json.Marshal(a)
	return string(b)
}

// The gateway's answers, good and bad, as Refund reads them.
func TestRefundAnswers(t *testing.T) {
	answer := func(secret string, fields []string, edit func(map[string]string)) func(map[string]string) (int, string) {
		return func(req map[string]string) (int, string) {
			return 200, signedRefundAnswer(req, secret, fields, edit)
		}
	}
	ok := func(edit func(map[string]string)) func(map[string]string) (int, string) {
		return answer(testSecret, refundResponseFields, edit)
	}
	refused := func(code string) func(map[string]string) {
		return func(a map[string]string) { a["vnp_ResponseCode"], a["vnp_Message"] = code, "refused" }
	}
	unsigned := func(body string) func(map[string]string) (int, string) {
		return func(map[string]string) (int, string) { return 200, body }
	}
	tests := []struct {
		name    string
		answer  func(map[string]string) (int, string)
		wantErr []error // all must match
		notErr  []error // none may match
		code    string  // the *RefundError's code, if one is wanted
	}{
		{name: "accepted", answer: ok(nil)},
		{name: "already refunded", answer: ok(refused("94")),
			wantErr: []error{ErrAlreadyRefunded, egov.ErrConflict}, notErr: []error{ErrGatewayUnavailable}, code: "94"},
		{name: "unsigned already refunded", answer: unsigned(`{"vnp_ResponseCode":"94","vnp_Message":"Duplicate request"}`),
			wantErr: []error{ErrGatewayUnavailable, ErrBadSignature}, notErr: []error{ErrAlreadyRefunded}},
		{name: "not refundable", answer: unsigned(`{"vnp_ResponseCode":"95","vnp_Message":"Giao dich khong thanh cong"}`),
			wantErr: []error{ErrNotRefundable, egov.ErrConflict}, notErr: []error{ErrAlreadyRefunded}, code: "95"},
		{name: "not found", answer: ok(refused("91")),
			wantErr: []error{ErrTransactionNotFound, egov.ErrNotFound}, code: "91"},
		{name: "other error", answer: unsigned(`{"vnp_ResponseCode":"99"}`),
			wantErr: []error{ErrGatewayUnavailable}, code: "99"},
		{name: "bad format", answer: ok(refused("03")),
			notErr: []error{ErrGatewayUnavailable, ErrAlreadyRefunded, ErrNotRefundable, ErrTransactionNotFound}, code: "03"},
		{name: "HTTP 503", answer: func(map[string]string) (int, string) { return 503, "down" },
			wantErr: []error{ErrGatewayUnavailable}},
		{name: "HTTP 200 with a web page", answer: unsigned("<html>Bảo trì hệ thống</html>"),
			wantErr: []error{ErrGatewayUnavailable}},
		{name: "tampered amount", answer: func(req map[string]string) (int, string) {
			var a map[string]string
			_ = json.Unmarshal([]byte(signedRefundAnswer(req, testSecret, refundResponseFields, nil)), &a)
			a["vnp_Amount"] = "100"
			b, _ := json.Marshal(a)
			return 200, string(b)
		}, wantErr: []error{ErrGatewayUnavailable, ErrBadSignature}},
		{name: "signed with another secret", answer: answer("OTHER", refundResponseFields, nil),
			wantErr: []error{ErrGatewayUnavailable, ErrBadSignature}},
		{name: "signed over querydr's fields", answer: answer(testSecret, queryResponseFields, nil),
			wantErr: []error{ErrGatewayUnavailable, ErrBadSignature}},
		{name: "unsigned success", answer: unsigned(`{"vnp_ResponseCode":"00","vnp_TxnRef":"HS1","vnp_TransactionStatus":"05"}`),
			wantErr: []error{ErrGatewayUnavailable, ErrBadSignature}},
		{name: "answer about another payment", answer: ok(func(a map[string]string) { a["vnp_TxnRef"] = "HS2" }),
			wantErr: []error{ErrGatewayUnavailable, ErrMalformed}},
		{name: "no status", answer: ok(func(a map[string]string) { a["vnp_TransactionStatus"] = "" }),
			wantErr: []error{ErrGatewayUnavailable, ErrMalformed}},
		{name: "bad pay date", answer: ok(func(a map[string]string) { a["vnp_PayDate"] = "02/08/2021" }),
			wantErr: []error{ErrGatewayUnavailable, ErrMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := fakeQueryAPI(t, tt.answer)
			res, err := v.Refund(context.Background(), testRefund())
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want it to match %v", err, want)
				}
			}
			for _, not := range tt.notErr {
				if errors.Is(err, not) {
					t.Errorf("err = %v, must not match %v", err, not)
				}
			}
			var re *RefundError
			if got := errors.As(err, &re); got != (tt.code != "") || got && (re.ResponseCode != tt.code || re.TxnRef != "HS1") {
				t.Errorf("err = %#v, want a RefundError with code %q about HS1", err, tt.code)
			}
			if tt.wantErr != nil || tt.code != "" {
				if err == nil {
					t.Errorf("no error, Result %+v", res)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			want := RefundResult{
				TxnRef: "HS1", Amount: 18060, TransactionType: TypeFullRefund, TransactionStatus: StatusRefundProcessing,
				TransactionNo: "14000002", BankCode: "NCB", OrderInfo: "Hoan le phi ho so HS1",
				At: time.Date(2021, 8, 2, 9, 0, 0, 0, ICT),
			}
			if !res.At.Equal(want.At) {
				t.Errorf("At = %v, want %v", res.At, want.At)
			}
			res.At = want.At
			if res != want {
				t.Errorf("RefundResult\n got %+v\nwant %+v", res, want)
			}
		})
	}
}

// The request Refund sends, field by field and as its checksum joins them.
func TestRefundRequest(t *testing.T) {
	var got map[string]string
	v := fakeQueryAPI(t, func(req map[string]string) (int, string) {
		got = req
		return 200, signedRefundAnswer(req, testSecret, refundResponseFields, nil)
	})
	v.Now = func() time.Time { return time.Date(2021, 8, 2, 2, 0, 0, 0, time.UTC) }
	r := testRefund()
	r.Full, r.Amount, r.TransactionNo, r.OrderInfo = false, 8060, "", ""
	r.OrderDate = r.OrderDate.UTC() // the zone must not matter
	res, err := v.Refund(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if res.TransactionType != TypePartialRefund || res.Amount != 8060 {
		t.Errorf("RefundResult = %+v, want a partial refund of 8060 đồng", res)
	}
	if len(got["vnp_RequestId"]) != 32 {
		t.Errorf("vnp_RequestId %q is not 32 characters", got["vnp_RequestId"])
	}
	want := got["vnp_RequestId"] + "|2.1.0|refund|EGOVTEST|03|HS1|806000||20210801153333|canbo01|20210802090000" +
		"|10.0.0.1|Hoan tien giao dich HS1"
	if joined := strings.Join(fieldsOf(got, refundRequestFields), "|"); joined != want {
		t.Errorf("signed fields\n got %s\nwant %s", joined, want)
	}
	if len(got) != len(refundRequestFields)+1 {
		t.Errorf("request has %d fields, want the %d signed ones and vnp_SecureHash: %v", len(got), len(refundRequestFields), got)
	}
}

// The refund checksum joins its fields with '|' in VNPay's order; the golden
// value is Python's hmac over the same joined string.
func TestSignFieldsRefund(t *testing.T) {
	req := map[string]string{
		"vnp_RequestId": "req1", "vnp_Version": "2.1.0", "vnp_Command": "refund", "vnp_TmnCode": "DEMOV210",
		"vnp_TransactionType": "02", "vnp_TxnRef": "5", "vnp_Amount": "1806000", "vnp_TransactionNo": "14000001",
		"vnp_TransactionDate": "20210801153333", "vnp_CreateBy": "canbo01", "vnp_CreateDate": "20210801160000",
		"vnp_IpAddr": "127.0.0.1", "vnp_OrderInfo": "Hoan tien giao dich 5",
	}
	fields := fieldsOf(req, refundRequestFields)
	if got, want := strings.Join(fields, "|"),
		"req1|2.1.0|refund|DEMOV210|02|5|1806000|14000001|20210801153333|canbo01|20210801160000|127.0.0.1|Hoan tien giao dich 5"; got != want {
		t.Fatalf("joined fields\n got %s\nwant %s", got, want)
	}
	const golden = "a666a2779e67985ddfe2a08b01a926ec520dd7a73e95346ce9dd712ecfc558ef" +
		"9062266f4891cecdf97e8937819b5dd87967fff4c6b997a2570a097c1ae16744"
	if got := signFields(testSecret, fields...); got != golden {
		t.Errorf("signFields = %s, want %s", got, golden)
	}
	// The answer's fields: thirteen, without querydr's promotion pair.
	answer := fieldsOf(map[string]string{"vnp_ResponseId": "r", "vnp_OrderInfo": "x"}, refundResponseFields)
	if got, want := strings.Join(answer, "|"), "r||||||||||||x"; got != want {
		t.Errorf("answer fields %q, want %q", got, want)
	}
}

func TestRefundRefusesArguments(t *testing.T) {
	v := fakeQueryAPI(t, func(req map[string]string) (int, string) {
		t.Errorf("an invalid refund reached the gateway: %v", req)
		return 500, ""
	})
	tests := []struct {
		name  string
		edit  func(*Refund)
		field string
	}{
		{"no TxnRef", func(r *Refund) { r.TxnRef = "" }, "TxnRef"},
		{"TxnRef with punctuation", func(r *Refund) { r.TxnRef = "HS-1" }, "TxnRef"},
		{"TxnRef too long", func(r *Refund) { r.TxnRef = strings.Repeat("1", 101) }, "TxnRef"},
		{"zero amount", func(r *Refund) { r.Amount = 0 }, "Amount"},
		{"negative amount", func(r *Refund) { r.Amount = -18060 }, "Amount"},
		{"amount too large", func(r *Refund) { r.Amount = MaxAmount + 1 }, "Amount"},
		{"TransactionNo with letters", func(r *Refund) { r.TransactionNo = "VNP14000001" }, "TransactionNo"},
		{"TransactionNo too long", func(r *Refund) { r.TransactionNo = strings.Repeat("1", 16) }, "TransactionNo"},
		{"no OrderDate", func(r *Refund) { r.OrderDate = time.Time{} }, "OrderDate"},
		{"no CreatedBy", func(r *Refund) { r.CreatedBy = "" }, "CreatedBy"},
		{"CreatedBy with a bar", func(r *Refund) { r.CreatedBy = "canbo01|02" }, "CreatedBy"},
		{"CreatedBy with diacritics", func(r *Refund) { r.CreatedBy = "Nguyễn Văn A" }, "CreatedBy"},
		{"CreatedBy too long", func(r *Refund) { r.CreatedBy = strings.Repeat("a", 251) }, "CreatedBy"},
		{"no IPAddr", func(r *Refund) { r.IPAddr = "" }, "IPAddr"},
		{"bad IPAddr", func(r *Refund) { r.IPAddr = "localhost" }, "IPAddr"},
		{"OrderInfo with diacritics", func(r *Refund) { r.OrderInfo = "Hoàn lệ phí" }, "OrderInfo"},
		{"OrderInfo with a bar", func(r *Refund) { r.OrderInfo = "Hoan phi|HS2" }, "OrderInfo"},
		{"OrderInfo too long", func(r *Refund) { r.OrderInfo = strings.Repeat("a", 256) }, "OrderInfo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRefund()
			tt.edit(&r)
			_, err := v.Refund(context.Background(), r)
			if !errors.Is(err, ErrInvalidOrder) || !errors.Is(err, egov.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalidOrder", err)
			}
			if !strings.Contains(err.Error(), ": "+tt.field+": ") {
				t.Errorf("err = %v, want it to name %s", err, tt.field)
			}
		})
	}

	noSecret := *v
	noSecret.HashSecret = ""
	if _, err := noSecret.Refund(context.Background(), testRefund()); !errors.Is(err, ErrNoSecret) {
		t.Errorf("without a secret: err = %v, want ErrNoSecret", err)
	}
	noURL := *v
	noURL.QueryURL = ""
	if _, err := noURL.Refund(context.Background(), testRefund()); !errors.Is(err, ErrInvalidOrder) {
		t.Errorf("without QueryURL: err = %v, want ErrInvalidOrder", err)
	}
}

// paid pays a new order through the sandbox's payer page and returns it
// with the signed result the merchant got back.
func (e *env) paid() (Order, Result) {
	e.t.Helper()
	o := e.order()
	loc := e.pay(o, "pay")
	res, err := e.gw.ParseCallback(loc.Query())
	if err != nil || !res.Success {
		e.t.Fatalf("payment: %+v, %v", res, err)
	}
	return o, res
}

// refundOf is a refund of amount đồng of the payment o, whose result is res,
// as an official would ask for it.
func refundOf(o Order, res Result, amount int64, full bool) Refund {
	return Refund{
		TxnRef:        o.TxnRef,
		Amount:        amount,
		Full:          full,
		TransactionNo: res.TransactionNo,
		OrderDate:     o.CreatedAt,
		CreatedBy:     "canbo.motcua@example.vn",
		IPAddr:        "10.0.0.1",
		OrderInfo:     PlainText("Hoàn lệ phí hồ sơ " + o.TxnRef),
	}
}

func TestSandboxRefundFull(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o, paid := e.paid()
	e.clock.Advance(time.Hour)
	r := refundOf(o, paid, o.Amount, true)

	got, err := e.gw.Refund(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if got.TxnRef != o.TxnRef || got.Amount != o.Amount || got.TransactionType != TypeFullRefund ||
		got.TransactionStatus != StatusRefundProcessing || got.BankCode != paid.BankCode ||
		got.OrderInfo != r.OrderInfo || !got.At.Equal(e.clock.Now()) {
		t.Errorf("RefundResult = %+v", got)
	}
	if got.TransactionNo == "" || got.TransactionNo == paid.TransactionNo {
		t.Errorf("the refund's TransactionNo %q, want one of its own (the payment's is %s)", got.TransactionNo, paid.TransactionNo)
	}

	txn, _ := e.sandbox.Transaction(o.TxnRef)
	want := SandboxRefund{
		TransactionNo: got.TransactionNo, Full: true, Amount: o.Amount, CreatedBy: r.CreatedBy,
		IPAddr: r.IPAddr, OrderInfo: r.OrderInfo, At: e.clock.Now(),
	}
	if len(txn.Refunds) != 1 || txn.Refunded() != o.Amount {
		t.Fatalf("sandbox refunds %+v, want one of %d đồng", txn.Refunds, o.Amount)
	}
	rec := txn.Refunds[0]
	if len(rec.RequestID) != 32 {
		t.Errorf("RequestID %q", rec.RequestID)
	}
	rec.RequestID = ""
	if rec != want {
		t.Errorf("sandbox refund\n got %+v\nwant %+v", rec, want)
	}

	// querydr now reports the refund, and then its being sent to the bank.
	for _, status := range []string{StatusRefundProcessing, StatusRefundSent} {
		q, err := e.gw.Query(ctx, o.TxnRef, o.CreatedAt, "10.0.0.1")
		if err != nil || q.TransactionType != TypeFullRefund || q.TransactionStatus != status || q.Success ||
			q.Amount != o.Amount || q.TransactionNo != paid.TransactionNo {
			t.Errorf("Query = %+v, %v; want the payment, refunded in full, status %s", q, err, status)
		}
		e.clock.Advance(sandboxRefundToBank)
	}

	// A second full refund, as after a crash between asking and recording,
	// is refused as done and refunds nothing more.
	_, err = e.gw.Refund(ctx, r)
	var re *RefundError
	if !errors.Is(err, ErrAlreadyRefunded) || !errors.Is(err, egov.ErrConflict) || !errors.As(err, &re) || re.ResponseCode != "94" {
		t.Errorf("second full refund: %v, want ErrAlreadyRefunded (94)", err)
	}
	if txn, _ := e.sandbox.Transaction(o.TxnRef); len(txn.Refunds) != 1 {
		t.Errorf("%d refunds after the second request, want 1", len(txn.Refunds))
	}
}

func TestSandboxRefundPartial(t *testing.T) {
	e := newEnv(t)
	o, paid := e.paid() // 1 806 000 đồng
	steps := []struct {
		name     string
		amount   int64
		full     bool
		wantErr  error
		code     string // the refusal's code, "" when accepted
		refunded int64  // the sandbox's total afterwards
	}{
		{"a part", 806_000, false, nil, "", 806_000},
		{"more than remains", 1_000_001, false, nil, "03", 806_000},
		{"full after a part", o.Amount, true, nil, "03", 806_000},
		{"the rest", 1_000_000, false, nil, "", o.Amount},
		{"a part once all is back", 1, false, ErrAlreadyRefunded, "94", o.Amount},
		{"full once all is back", o.Amount, true, ErrAlreadyRefunded, "94", o.Amount},
	}
	for _, st := range steps {
		got, err := e.gw.Refund(context.Background(), refundOf(o, paid, st.amount, st.full))
		var re *RefundError
		switch {
		case st.code == "" && (err != nil || got.Amount != st.amount || got.TransactionType != TypePartialRefund):
			t.Errorf("%s: %+v, %v; want a partial refund of %d đồng", st.name, got, err, st.amount)
		case st.code != "" && (!errors.As(err, &re) || re.ResponseCode != st.code):
			t.Errorf("%s: err = %v, want code %s", st.name, err, st.code)
		case st.wantErr != nil && !errors.Is(err, st.wantErr):
			t.Errorf("%s: err = %v, want %v", st.name, err, st.wantErr)
		}
		if txn, _ := e.sandbox.Transaction(o.TxnRef); txn.Refunded() != st.refunded {
			t.Errorf("%s: %d đồng refunded in all, want %d", st.name, txn.Refunded(), st.refunded)
		}
	}
	q, err := e.gw.Query(context.Background(), o.TxnRef, o.CreatedAt, "10.0.0.1")
	if err != nil || q.TransactionType != TypePartialRefund || q.TransactionStatus != StatusRefundProcessing {
		t.Errorf("Query = %+v, %v; want a partial refund being processed", q, err)
	}
}

func TestSandboxRefundRefused(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name    string
		refund  func() (*VNPay, Refund)
		wantErr error // nil: a refusal that unwraps to no sentinel
		code    string
	}{
		{"payer still on the page", func() (*VNPay, Refund) {
			o := e.order()
			e.openPayPage(o)
			return e.gw, refundOf(o, Result{}, o.Amount, true)
		}, ErrNotRefundable, "95"},
		{"cancelled", func() (*VNPay, Refund) {
			o := e.order()
			res, _ := e.gw.ParseCallback(e.pay(o, "cancel").Query())
			return e.gw, refundOf(o, res, o.Amount, true)
		}, ErrNotRefundable, "95"},
		{"expired", func() (*VNPay, Refund) {
			o := e.order()
			action, token, _ := e.openPayPage(o)
			e.clock.Advance(DefaultExpiry + time.Second)
			res, _ := e.gw.ParseCallback(e.decide(action, token, "pay").Query())
			return e.gw, refundOf(o, res, o.Amount, false)
		}, ErrNotRefundable, "95"},
		{"unknown payment", func() (*VNPay, Refund) {
			o := e.order() // never sent to the gateway
			return e.gw, refundOf(o, Result{}, o.Amount, true)
		}, ErrTransactionNotFound, "91"},
		{"another order date", func() (*VNPay, Refund) {
			o, res := e.paid()
			o.CreatedAt = o.CreatedAt.Add(time.Second)
			return e.gw, refundOf(o, res, o.Amount, true)
		}, ErrTransactionNotFound, "91"},
		{"another transaction number", func() (*VNPay, Refund) {
			o, res := e.paid()
			res.TransactionNo = "1"
			return e.gw, refundOf(o, res, o.Amount, true)
		}, ErrTransactionNotFound, "91"},
		{"full refund of less than was paid", func() (*VNPay, Refund) {
			o, res := e.paid()
			return e.gw, refundOf(o, res, o.Amount-1, true)
		}, nil, "03"},
		{"partial refund of more than was paid", func() (*VNPay, Refund) {
			o, res := e.paid()
			return e.gw, refundOf(o, res, o.Amount+1, false)
		}, nil, "03"},
		{"signed with another secret", func() (*VNPay, Refund) {
			o, res := e.paid()
			other := *e.gw
			other.HashSecret = "OTHER"
			return &other, refundOf(o, res, o.Amount, true)
		}, nil, "97"},
		{"another merchant", func() (*VNPay, Refund) {
			o, res := e.paid()
			other := *e.gw
			other.TmnCode = "OTHER123"
			return &other, refundOf(o, res, o.Amount, true)
		}, nil, "02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw, r := tt.refund()
			_, err := gw.Refund(context.Background(), r)
			var re *RefundError
			if !errors.As(err, &re) || re.ResponseCode != tt.code {
				t.Errorf("err = %v, want a RefundError with code %s", err, tt.code)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && errors.Unwrap(err) != nil {
				t.Errorf("err = %v unwraps to %v, want nothing: asking again cannot help", err, errors.Unwrap(err))
			}
			if txn, _ := e.sandbox.Transaction(r.TxnRef); len(txn.Refunds) != 0 {
				t.Errorf("the refused refund was recorded: %+v", txn.Refunds)
			}
		})
	}
}

func TestSandboxRefundDown(t *testing.T) {
	e := newEnv(t)
	o, paid := e.paid()
	r := refundOf(o, paid, o.Amount, true)
	e.sandbox.SetFaults(SandboxFaults{Down: true})
	if _, err := e.gw.Refund(context.Background(), r); !errors.Is(err, ErrGatewayUnavailable) {
		t.Errorf("Refund while down: %v, want ErrGatewayUnavailable", err)
	}
	if txn, _ := e.sandbox.Transaction(o.TxnRef); len(txn.Refunds) != 0 {
		t.Errorf("refunded while down: %+v", txn.Refunds)
	}
	e.sandbox.SetFaults(SandboxFaults{})
	if _, err := e.gw.Refund(context.Background(), r); err != nil {
		t.Errorf("Refund after recovery: %v", err)
	}
}

// The refund API refuses the malformed requests that VNPay.Refund never
// sends, and signs its answers over the refund's fields.
func TestSandboxRefundAPI(t *testing.T) {
	e := newEnv(t)
	o, paid := e.paid()
	tests := []struct {
		name, id string
		edit     func(map[string]string) // of a valid full refund
		code     string
	}{
		{"payment type", "r1", func(r map[string]string) { r["vnp_TransactionType"] = TypePayment }, "03"},
		{"amount in xu", "r2", func(r map[string]string) { r["vnp_Amount"] = "180600050" }, "03"},
		{"no CreateBy", "r3", func(r map[string]string) { r["vnp_CreateBy"] = "" }, "03"},
		{"bad address", "r4", func(r map[string]string) { r["vnp_IpAddr"] = "here" }, "03"},
		{"accepted", "r5", func(map[string]string) {}, "00"},
		{"same request ID again", "r5", func(r map[string]string) { r["vnp_TransactionType"] = TypePartialRefund }, "94"},
	}
	for _, tt := range tests {
		req := map[string]string{
			"vnp_RequestId": tt.id, "vnp_Version": Version, "vnp_Command": "refund", "vnp_TmnCode": testTmnCode,
			"vnp_TransactionType": TypeFullRefund, "vnp_TxnRef": o.TxnRef, "vnp_Amount": "180600000",
			"vnp_TransactionNo": paid.TransactionNo, "vnp_TransactionDate": formatDate(o.CreatedAt),
			"vnp_CreateBy": "canbo01", "vnp_CreateDate": formatDate(e.clock.Now()), "vnp_IpAddr": "10.0.0.1",
			"vnp_OrderInfo": "Hoan phi",
		}
		tt.edit(req)
		req[paramSecureHash] = signFields(testSecret, fieldsOf(req, refundRequestFields)...)
		a, err := e.gw.post(context.Background(), "refund", req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if a["vnp_ResponseCode"] != tt.code || a["vnp_Command"] != "refund" {
			t.Errorf("%s: code %s, want %s (%v)", tt.name, a["vnp_ResponseCode"], tt.code, a)
		}
		if a[paramSecureHash] != signFields(testSecret, fieldsOf(a, refundResponseFields)...) {
			t.Errorf("%s: answer not signed over the refund's fields: %v", tt.name, a)
		}
	}
	if txn, _ := e.sandbox.Transaction(o.TxnRef); len(txn.Refunds) != 1 {
		t.Errorf("%d refunds, want the one accepted", len(txn.Refunds))
	}
}
