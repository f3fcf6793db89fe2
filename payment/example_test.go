package payment_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/egov-vn/egov/payment"
)

// An IPN handler checks, in VNPay's order, the signature, the order, the
// amount and the state, and confirms each result once.
func ExampleVNPay_ParseCallback() {
	gw := &payment.VNPay{TmnCode: "EGOVTEST", HashSecret: "EGOVTESTSECRET000000000000000000"}

	var mu sync.Mutex
	amounts := map[string]int64{"HS1": 50_000} // the payments awaiting a result
	done := map[string]bool{}

	ipn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := gw.ParseCallback(r.URL.Query())
		if err != nil {
			payment.WriteIPNAnswer(w, payment.IPNAnswerFor(err))
			return
		}
		mu.Lock() // in egov: one database transaction
		defer mu.Unlock()
		amount, ok := amounts[res.TxnRef]
		switch {
		case !ok:
			payment.WriteIPNAnswer(w, payment.IPNOrderNotFound())
		case amount != res.Amount:
			payment.WriteIPNAnswer(w, payment.IPNInvalidAmount())
		case done[res.TxnRef]:
			payment.WriteIPNAnswer(w, payment.IPNAlreadyConfirmed())
		default:
			done[res.TxnRef] = true // record res.Success, res.TransactionNo, res.PayDate
			payment.WriteIPNAnswer(w, payment.IPNConfirmed())
		}
	})

	// What the gateway sends, twice, and once tampered with.
	q := url.Values{
		"vnp_TmnCode": {"EGOVTEST"}, "vnp_TxnRef": {"HS1"}, "vnp_Amount": {"5000000"},
		"vnp_ResponseCode": {"00"}, "vnp_TransactionStatus": {"00"}, "vnp_TransactionNo": {"14000001"},
	}
	q.Set("vnp_SecureHash", payment.Sign(q, gw.HashSecret))
	tampered := strings.Replace(q.Encode(), "vnp_Amount=5000000", "vnp_Amount=500", 1)
	for _, raw := range []string{q.Encode(), q.Encode(), tampered} {
		rec := httptest.NewRecorder()
		ipn.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ipn?"+raw, nil))
		fmt.Print(rec.Body.String())
	}
	// Output:
	// {"RspCode":"00","Message":"Confirm Success"}
	// {"RspCode":"02","Message":"Order already confirmed"}
	// {"RspCode":"97","Message":"Invalid signature"}
}

// A demo server mounts the sandbox under a prefix and points the egov side
// at it with Sandbox.VNPay.
func ExampleNewSandbox() {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()

	sb, err := payment.NewSandbox(payment.SandboxConfig{
		Prefix:     "/sandbox/vnpay",
		TmnCode:    "EGOVTEST",
		HashSecret: "EGOVTESTSECRET000000000000000000",
		IPNURL:     srv.URL + "/payment/vnpay/ipn",
	})
	if err != nil {
		panic(err)
	}
	defer sb.Close()
	mux.Handle("/sandbox/vnpay/", sb)
	mux.HandleFunc("/payment/vnpay/ipn", func(w http.ResponseWriter, r *http.Request) {
		payment.WriteIPNAnswer(w, payment.IPNConfirmed())
	})

	var gw payment.Gateway = sb.VNPay(srv.URL)
	created := time.Now()
	u, err := gw.PayURL(payment.Order{
		TxnRef: "HS2", Amount: 25_000, OrderInfo: payment.PlainText("Lệ phí chứng thực"),
		IPAddr: "203.0.113.7", CreatedAt: created, ReturnURL: srv.URL + "/payment/vnpay/return",
	})
	if err != nil {
		panic(err)
	}
	res, err := http.Get(u) // the payer's browser opens the payment page
	if err != nil {
		panic(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	st, err := gw.Query(context.Background(), "HS2", created, "127.0.0.1")
	fmt.Println(res.StatusCode, st.TransactionStatus, st.Amount, err)
	// Output: 200 01 25000 <nil>
}
