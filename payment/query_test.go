package payment

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/egov-vn/egov"
)

// fakeQueryAPI answers merchant API requests (querydr or refund) with
// answer(request), after checking the request the way VNPay would.
func fakeQueryAPI(t *testing.T, answer func(req map[string]string) (status int, body string)) *VNPay {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("querydr sent as %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		req, err := decodeFlatJSON(r.Body)
		if err != nil {
			t.Errorf("querydr body: %v", err)
		}
		api := sandboxAPIFor(req["vnp_Command"])
		if got, want := req["vnp_SecureHash"], signFields(testSecret, fieldsOf(req, api.request)...); got != want {
			t.Errorf("%s request checksum %s, want %s", api.command, got, want)
		}
		status, body := answer(req)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	v := testVNPay()
	v.QueryURL = srv.URL
	return v
}

// signedAnswer is a querydr answer about req's TxnRef, signed with secret.
func signedAnswer(req map[string]string, secret string, edit func(map[string]string)) string {
	a := map[string]string{
		"vnp_ResponseId": "r1", "vnp_Command": "querydr", "vnp_ResponseCode": "00", "vnp_Message": "QueryDR Success",
		"vnp_TmnCode": testTmnCode, "vnp_TxnRef": req["vnp_TxnRef"], "vnp_Amount": "1806000", "vnp_OrderInfo": "Le phi",
		"vnp_BankCode": "NCB", "vnp_PayDate": "20210801153500", "vnp_TransactionNo": "14000001",
		"vnp_TransactionType": "01", "vnp_TransactionStatus": "00",
	}
	if edit != nil {
		edit(a)
	}
	a["vnp_SecureHash"] = signFields(secret, fieldsOf(a, queryResponseFields)...)
	b, _ := json.Marshal(a)
	return string(b)
}

func TestQuery(t *testing.T) {
	orderDate := time.Date(2021, 8, 1, 15, 33, 33, 0, ICT)
	ok := func(edit func(map[string]string)) func(map[string]string) (int, string) {
		return func(req map[string]string) (int, string) { return 200, signedAnswer(req, testSecret, edit) }
	}
	tests := []struct {
		name    string
		answer  func(map[string]string) (int, string)
		wantErr []error
		success bool
	}{
		{"paid", ok(nil), nil, true},
		{"still on the payment page", ok(func(a map[string]string) {
			a["vnp_TransactionStatus"] = "01"
			a["vnp_PayDate"], a["vnp_TransactionNo"] = "", ""
		}), nil, false},
		{"amount as a JSON number", func(req map[string]string) (int, string) {
			var a map[string]any
			_ = json.Unmarshal([]byte(signedAnswer(req, testSecret, nil)), &a)
			a["vnp_Amount"] = 1806000
			b, _ := json.Marshal(a)
			return 200, string(b)
		}, nil, true},
		{"not found", func(map[string]string) (int, string) {
			return 200, `{"vnp_ResponseCode":"91","vnp_Message":"Transaction not found"}`
		}, []error{ErrTransactionNotFound, egov.ErrNotFound}, false},
		{"duplicate request", func(map[string]string) (int, string) {
			return 200, `{"vnp_ResponseCode":"94","vnp_Message":"Duplicate request"}`
		}, []error{ErrGatewayUnavailable}, false},
		{"HTTP 503", func(map[string]string) (int, string) { return 503, "down" }, []error{ErrGatewayUnavailable}, false},
		{"HTTP 200 with a web page", func(map[string]string) (int, string) {
			return 200, "<html>Bảo trì hệ thống</html>"
		}, []error{ErrGatewayUnavailable}, false},
		{"JSON array", func(map[string]string) (int, string) { return 200, "[]" }, []error{ErrGatewayUnavailable}, false},
		{"JSON null", func(map[string]string) (int, string) { return 200, "null" }, []error{ErrGatewayUnavailable}, false},
		{"nested object", func(map[string]string) (int, string) {
			return 200, `{"vnp_ResponseCode":{"a":1}}`
		}, []error{ErrGatewayUnavailable}, false},
		{"tampered status", func(req map[string]string) (int, string) {
			var a map[string]string
			_ = json.Unmarshal([]byte(signedAnswer(req, testSecret, func(a map[string]string) { a["vnp_TransactionStatus"] = "02" })), &a)
			a["vnp_TransactionStatus"] = "00"
			b, _ := json.Marshal(a)
			return 200, string(b)
		}, []error{ErrGatewayUnavailable, ErrBadSignature}, false},
		{"signed with another secret", func(req map[string]string) (int, string) {
			return 200, signedAnswer(req, "OTHER", nil)
		}, []error{ErrGatewayUnavailable, ErrBadSignature}, false},
		{"unsigned success", func(map[string]string) (int, string) {
			return 200, `{"vnp_ResponseCode":"00","vnp_TransactionStatus":"00","vnp_Amount":"1806000"}`
		}, []error{ErrGatewayUnavailable, ErrBadSignature}, false},
		{"answer about another payment", ok(func(a map[string]string) { a["vnp_TxnRef"] = "OTHER" }), []error{ErrGatewayUnavailable, ErrMalformed}, false},
		{"bad amount", ok(func(a map[string]string) { a["vnp_Amount"] = "12.5" }), []error{ErrGatewayUnavailable, ErrMalformed}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := fakeQueryAPI(t, tt.answer)
			res, err := v.Query(context.Background(), "HS1", orderDate, "10.0.0.1")
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want it to match %v", err, want)
				}
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if res.Success != tt.success || res.TxnRef != "HS1" || res.Amount != 18060 {
					t.Errorf("Result = %+v, want Success %v for HS1, 18060 đồng", res, tt.success)
				}
			}
		})
	}
}

func TestQueryRequest(t *testing.T) {
	orderDate := time.Date(2021, 8, 1, 15, 33, 33, 0, ICT)
	var got map[string]string
	v := fakeQueryAPI(t, func(req map[string]string) (int, string) {
		got = req
		return 200, signedAnswer(req, testSecret, nil)
	})
	v.Now = func() time.Time { return time.Date(2021, 8, 1, 9, 0, 0, 0, time.UTC) }
	if _, err := v.Query(context.Background(), "HS1", orderDate.UTC(), "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"vnp_Version": "2.1.0", "vnp_Command": "querydr", "vnp_TmnCode": testTmnCode, "vnp_TxnRef": "HS1",
		"vnp_TransactionDate": "20210801153333", "vnp_CreateDate": "20210801160000", "vnp_IpAddr": "10.0.0.1",
		"vnp_OrderInfo": "Truy van giao dich HS1",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if len(got["vnp_RequestId"]) != 32 {
		t.Errorf("vnp_RequestId %q is not 32 characters", got["vnp_RequestId"])
	}
}

func TestQueryRefusesArguments(t *testing.T) {
	v := testVNPay()
	ctx := context.Background()
	date := time.Now()
	for name, call := range map[string]func() error{
		"no TxnRef":   func() error { _, err := v.Query(ctx, "", date, "1.2.3.4"); return err },
		"no date":     func() error { _, err := v.Query(ctx, "HS1", time.Time{}, "1.2.3.4"); return err },
		"bad address": func() error { _, err := v.Query(ctx, "HS1", date, "here"); return err },
	} {
		if err := call(); !errors.Is(err, ErrInvalidOrder) {
			t.Errorf("%s: err = %v, want ErrInvalidOrder", name, err)
		}
	}
}

func TestQueryUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more
	v := testVNPay()
	v.QueryURL = srv.URL
	_, err := v.Query(context.Background(), "HS1", time.Now(), "1.2.3.4")
	if !errors.Is(err, ErrGatewayUnavailable) {
		t.Errorf("err = %v, want ErrGatewayUnavailable", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v = fakeQueryAPI(t, func(req map[string]string) (int, string) { return 200, signedAnswer(req, testSecret, nil) })
	_, err = v.Query(ctx, "HS1", time.Now(), "1.2.3.4")
	if !errors.Is(err, ErrGatewayUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want ErrGatewayUnavailable and context.Canceled", err)
	}
}
