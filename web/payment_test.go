package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/payment"
	"github.com/egov-vn/egov/store"
	"github.com/egov-vn/egov/store/storetest"
)

// Procedures of the demo catalog with an online fee, both done at a
// commune: permanent residence registration (10.000 đ, paid at
// submission, refunded on refusal) and copies of a civil status extract
// (8.000 đ a copy, paid before the result).
const (
	residenceProc = "1.004222"
	copiesProc    = "2.000635"
)

type apiPayment struct {
	ID                int64  `json:"id"`
	TxnRef            string `json:"txn_ref"`
	Amount            int64  `json:"amount"`
	Status            string `json:"status"`
	ConfirmedBy       string `json:"confirmed_by"`
	Duplicate         bool   `json:"duplicate"`
	ReceiptNumber     string `json:"receipt_number"`
	ReceiptDocumentID int64  `json:"receipt_document_id"`
}

type feeDossier struct {
	Code   string `json:"code"`
	Status string `json:"status"`
	PaidAt string `json:"paid_at"`
	Fee    *struct {
		Total int64 `json:"total"`
		Lines []struct {
			Quantity int64 `json:"quantity"`
			Amount   int64 `json:"amount"`
		} `json:"lines"`
		Timing string `json:"timing"`
	} `json:"fee"`
	Actions []string `json:"actions"`
	History []struct {
		Action string `json:"action"`
	} `json:"history"`
}

// submitFee submits an application for proc at agency X as citizen A,
// with data over the form's defaults.
func (w *world) submitFee(t *testing.T, proc string, data map[string]any) feeDossier {
	t.Helper()
	app := fillForm(t, w, proc, agencyX)
	for k, v := range data {
		app["data"].(map[string]any)[k] = v
	}
	app["submit"] = true
	b, _ := json.Marshal(app)
	parts := []part{{field: "dossier", content: b}, {field: "file.TP1", name: "to-khai.pdf", content: testPDF("to khai " + proc)}}
	if proc == residenceProc {
		parts = append(parts, part{field: "file.TP2", name: "giay-to-cho-o.pdf", content: testPDF("cho o")})
	}
	res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers", nil, "", parts...)
	if res.StatusCode != 201 {
		t.Fatalf("submit %s: %d %s", proc, res.StatusCode, body)
	}
	return w.feeDossier(t, citizenA, decodeDossier(t, body).Code)
}

func (w *world) feeDossier(t *testing.T, who, code string) feeDossier {
	t.Helper()
	res, body := w.send(t, who, "GET", "/api/v1/dossiers/"+code, nil, "")
	if res.StatusCode != 200 {
		t.Fatalf("dossier %s: %d %s", code, res.StatusCode, body)
	}
	var d feeDossier
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (w *world) payments(t *testing.T, code string) []apiPayment {
	t.Helper()
	res, body := w.send(t, citizenA, "GET", "/api/v1/dossiers/"+code+"/payments", nil, "")
	if res.StatusCode != 200 {
		t.Fatalf("payments of %s: %d %s", code, res.StatusCode, body)
	}
	var out struct {
		Payments []apiPayment `json:"payments"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Payments
}

// browse is a browser of who: the session cookie, no redirect followed.
func (w *world) browse(t *testing.T, who, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	if strings.HasPrefix(u, "/") {
		u = w.ts.URL + u
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c := w.cookies[who]; c != "" {
		req.AddCookie(&http.Cookie{Name: "egov_session", Value: c})
	}
	res, b := w.roundTrip(t, req)
	return res, string(b)
}

// startPay presses "Thanh toán trực tuyến" on the dossier page and returns
// where the browser is sent: the gateway's payment page.
func (w *world) startPay(t *testing.T, code string) string {
	t.Helper()
	res, body := w.browse(t, citizenA, "POST", "/ho-so/"+code+"/thanh-toan", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d %s", res.StatusCode, body)
	}
	return res.Header.Get("Location")
}

var (
	payFormAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	payFormToken  = regexp.MustCompile(`<input type="hidden" name="token" value="([^"]+)">`)
)

// openPayPage loads the gateway's page and reads its form.
func (w *world) openPayPage(t *testing.T, payURL string) (action, token string) {
	t.Helper()
	res, body := w.browse(t, citizenA, "GET", payURL, nil)
	if res.StatusCode != 200 {
		t.Fatalf("payment page: %d %s", res.StatusCode, body)
	}
	a, tk := payFormAction.FindStringSubmatch(body), payFormToken.FindStringSubmatch(body)
	if a == nil || tk == nil {
		t.Fatalf("no form on the payment page:\n%s", body)
	}
	return html.UnescapeString(a[1]), tk[1]
}

// decide presses a button of the gateway's page and returns the return URL
// the browser is sent back to.
func (w *world) decide(t *testing.T, action, token, button string) string {
	t.Helper()
	res, body := w.browse(t, citizenA, "POST", action, url.Values{"token": {token}, "action": {button}, "bank": {"NCB"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decision: %d %s", res.StatusCode, body)
	}
	return res.Header.Get("Location")
}

// payAll goes through the gateway with button and lands back on egov's
// return page, whose body it returns with the return URL.
func (w *world) payAll(t *testing.T, code, button string) (returnURL, page string) {
	t.Helper()
	action, token := w.openPayPage(t, w.startPay(t, code))
	returnURL = w.decide(t, action, token, button)
	res, page := w.browse(t, citizenA, "GET", returnURL, nil)
	if res.StatusCode != 200 {
		t.Fatalf("return page: %d %s", res.StatusCode, page)
	}
	return returnURL, page
}

func (w *world) act(t *testing.T, who, code, body string) (int, string) {
	t.Helper()
	res, b := w.send(t, who, "POST", "/api/v1/dossiers/"+code+"/actions", nil, body)
	return res.StatusCode, string(b)
}

// ipn calls egov's IPN endpoint with q as the gateway would.
func (w *world) ipn(t *testing.T, q url.Values) payment.IPNAnswer {
	t.Helper()
	res, body := w.browse(t, anonymous, "GET", "/api/v1/payments/vnpay/ipn?"+q.Encode(), nil)
	var a payment.IPNAnswer
	if res.StatusCode != 200 || json.Unmarshal([]byte(body), &a) != nil {
		t.Fatalf("IPN: %d %s", res.StatusCode, body)
	}
	return a
}

// TestPaymentCitizenPath is the citizen's whole path with an online fee on
// both databases: the fee computed and shown, the agency unable to receive
// the unpaid dossier, the payment through the gateway's page with its IPN,
// the e-receipt, the officials' queue and the public tracking saying paid.
func TestPaymentCitizenPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		// Before applying, the form says what is due and when.
		if code, page := w.do(t, citizenA, "GET", "/nop-ho-so/"+residenceProc, ""); code != 200 ||
			!strings.Contains(page, "10.000 đ") || !strings.Contains(page, "sau khi nộp hồ sơ") {
			t.Fatalf("apply form: %d, want the fee and when it is paid", code)
		}
		d := w.submitFee(t, residenceProc, nil)
		if d.Fee == nil || d.Fee.Total != 10000 || d.Fee.Timing != "submission" || d.PaidAt != "" {
			t.Fatalf("fee = %+v, paid_at %q; want 10000 due at submission, unpaid", d.Fee, d.PaidAt)
		}
		if code, body := w.do(t, anonymous, "GET", "/api/v1/tracking/"+d.Code, ""); code != 200 || !strings.Contains(body, `"fee_status":"unpaid"`) {
			t.Fatalf("tracking: %d %s", code, body)
		}
		// The receiver cannot receive a dossier whose fee is due at
		// submission, and is told why.
		recv := w.feeDossier(t, receiverX, d.Code)
		for _, a := range recv.Actions {
			if a == "receive" {
				t.Errorf("receive offered on an unpaid dossier: %v", recv.Actions)
			}
		}
		if code, body := w.act(t, receiverX, d.Code, `{"action":"receive"}`); code != 409 || !strings.Contains(body, "chưa nộp phí") {
			t.Fatalf("receive unpaid: %d %s", code, body)
		}
		if code, page := w.do(t, receiverX, "GET", "/mot-cua?queue=all", ""); code != 200 || !strings.Contains(page, "Chưa nộp phí") {
			t.Errorf("queue: %d, want the dossier marked unpaid", code)
		}
		// The dossier page shows the bill and the button.
		if code, page := w.do(t, citizenA, "GET", "/ho-so/"+d.Code, ""); code != 200 || !strings.Contains(page, "Thanh toán trực tuyến 10.000 đ") {
			t.Fatalf("dossier page: %d, want the pay button", code)
		}

		// The gateway calls the IPN before it sends the payer back, so the
		// return page already knows.
		_, page := w.payAll(t, d.Code, "pay")
		if !strings.Contains(page, "Thanh toán thành công") || !strings.Contains(page, "0000001") {
			t.Fatalf("return page:\n%s", page)
		}
		ps := w.payments(t, d.Code)
		if len(ps) != 1 || ps[0].Status != "paid" || ps[0].ConfirmedBy != "ipn" || ps[0].Amount != 10000 || ps[0].ReceiptNumber != "0000001" {
			t.Fatalf("payments = %+v", ps)
		}
		res, pdf := w.browse(t, citizenA, "GET", fmt.Sprintf("/giay-to/%d", ps[0].ReceiptDocumentID), nil)
		if res.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF") {
			t.Fatalf("e-receipt: %d %q", res.StatusCode, pdf[:min(len(pdf), 40)])
		}
		if code, body := w.do(t, citizenA, "GET", "/api/v1/documents", ""); code != 200 || !strings.Contains(body, `"kind":"receipt"`) {
			t.Errorf("document store: %d %s, want the receipt", code, body)
		}
		if code, body := w.do(t, anonymous, "GET", "/api/v1/tracking/"+d.Code, ""); code != 200 || !strings.Contains(body, `"fee_status":"paid"`) {
			t.Errorf("tracking after payment: %d %s", code, body)
		}
		if code, page := w.do(t, receiverX, "GET", "/mot-cua?queue=all", ""); code != 200 || !strings.Contains(page, "Đã nộp phí") {
			t.Errorf("queue after payment: %d, want the dossier marked paid", code)
		}
		if code, body := w.act(t, receiverX, d.Code, `{"action":"receive"}`); code != 200 {
			t.Fatalf("receive paid: %d %s", code, body)
		}
		// Paying again is refused in words.
		if res, page := w.browse(t, citizenA, "POST", "/ho-so/"+d.Code+"/thanh-toan", url.Values{}); res.StatusCode != 409 || !strings.Contains(page, "đã được thanh toán") {
			t.Errorf("second payment: %d", res.StatusCode)
		}
		// The agency's leader reconciles the day: everything matches.
		today := time.Now().In(calendar.Vietnam).Format("2006-01-02")
		if res, body := w.browse(t, leaderX, "POST", "/mot-cua/doi-soat", url.Values{"ngay": {today}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reconcile: %d %s", res.StatusCode, body)
		} else if res, page := w.browse(t, leaderX, "GET", res.Header.Get("Location"), nil); res.StatusCode != 200 ||
			!strings.Contains(page, "Mọi giao dịch đều khớp") || !strings.Contains(page, "10.000 đ") {
			t.Errorf("reconciliation page: %d\n%s", res.StatusCode, page)
		}
		var paid, audits int
		db.QueryRow(`SELECT COUNT(*) FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id WHERE d.code = $1 AND h.action = 'paid'`, d.Code).Scan(&paid)
		db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE subject = $1`, "payment:"+ps[0].TxnRef).Scan(&audits)
		if paid != 1 || audits != 2 {
			t.Errorf("history 'paid' entries = %d, audit entries of the payment = %d; want 1 and 2 (started, paid)", paid, audits)
		}
	}, jobs.Migrate)
}

// TestPaymentFaults: what the gateway and the payer do on a bad day.
func TestPaymentFaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		secret := "test-hash-secret"

		t.Run("tampered signature", func(t *testing.T) {
			w.pay.SetFaults(payment.SandboxFaults{SkipIPN: true})
			defer w.pay.SetFaults(payment.SandboxFaults{})
			d := w.submitFee(t, residenceProc, nil)
			ret, _ := w.payAll(t, d.Code, "pay")
			u, _ := url.Parse(ret)
			q := u.Query()
			q.Set("vnp_Amount", "100") // one đồng, signature left as it was
			if a := w.ipn(t, q); a.RspCode != "97" {
				t.Errorf("tampered IPN answered %+v, want 97", a)
			}
			res, page := w.browse(t, citizenA, "GET", "/thanh-toan/ket-qua?"+q.Encode(), nil)
			if res.StatusCode != 400 || !strings.Contains(page, "chữ ký không đúng") {
				t.Errorf("tampered return: %d", res.StatusCode)
			}
			if ps := w.payments(t, d.Code); ps[0].Status != "pending" || w.feeDossier(t, citizenA, d.Code).PaidAt != "" {
				t.Errorf("a tampered message moved the payment: %+v", ps)
			}
		})

		t.Run("wrong amount", func(t *testing.T) {
			w.pay.SetFaults(payment.SandboxFaults{SkipIPN: true})
			defer w.pay.SetFaults(payment.SandboxFaults{})
			d := w.submitFee(t, residenceProc, nil)
			ret, _ := w.payAll(t, d.Code, "pay")
			u, _ := url.Parse(ret)
			q := u.Query()
			q.Del("vnp_SecureHash")
			q.Set("vnp_Amount", "100000") // 1.000 đ, correctly signed
			q.Set("vnp_SecureHash", payment.Sign(q, secret))
			if a := w.ipn(t, q); a.RspCode != "04" {
				t.Errorf("wrong amount answered %+v, want 04", a)
			}
			if ps := w.payments(t, d.Code); ps[0].Status != "pending" {
				t.Errorf("payment %+v after a wrong amount", ps[0])
			}
		})

		t.Run("same IPN twice", func(t *testing.T) {
			d := w.submitFee(t, residenceProc, nil)
			w.payAll(t, d.Code, "pay")
			ps := w.payments(t, d.Code)
			a, err := w.pay.SendIPN(ctx, ps[0].TxnRef)
			if err != nil || a.RspCode != "02" {
				t.Fatalf("second IPN: %+v %v, want 02", a, err)
			}
			var receipts, paid int
			db.QueryRow(`SELECT COUNT(*) FROM payments WHERE txn_ref = $1 AND receipt_number <> ''`, ps[0].TxnRef).Scan(&receipts)
			db.QueryRow(`SELECT COUNT(*) FROM dossier_history h JOIN dossiers d ON d.id = h.dossier_id WHERE d.code = $1 AND h.action = 'paid'`, d.Code).Scan(&paid)
			if ps2 := w.payments(t, d.Code); len(ps2) != 1 || ps2[0].Status != "paid" || receipts != 1 || paid != 1 {
				t.Errorf("after two IPNs: %+v, %d receipts, %d 'paid' entries", ps2, receipts, paid)
			}
		})

		t.Run("IPN after the return", func(t *testing.T) {
			w.pay.SetFaults(payment.SandboxFaults{DelayIPN: 300 * time.Millisecond})
			defer w.pay.SetFaults(payment.SandboxFaults{})
			d := w.submitFee(t, residenceProc, nil)
			_, page := w.payAll(t, d.Code, "pay")
			if !strings.Contains(page, "Đang xác nhận thanh toán") || !strings.Contains(page, "không cần thanh toán lại") {
				t.Fatalf("return before the IPN:\n%s", page)
			}
			deadline := time.Now().Add(10 * time.Second)
			for w.payments(t, d.Code)[0].Status == "pending" && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if p := w.payments(t, d.Code)[0]; p.Status != "paid" || p.ConfirmedBy != "ipn" {
				t.Errorf("late IPN: %+v", p)
			}
		})

		t.Run("return with no IPN", func(t *testing.T) {
			w.pay.SetFaults(payment.SandboxFaults{SkipIPN: true})
			defer w.pay.SetFaults(payment.SandboxFaults{})
			jobsBefore := countJobs(t, db, "payment_settle")
			d := w.submitFee(t, copiesProc, map[string]any{"so_ban_sao": 3})
			if d.Fee == nil || d.Fee.Total != 24000 || d.Fee.Lines[0].Quantity != 3 || d.Fee.Timing != "result" {
				t.Fatalf("fee of 3 copies = %+v, want 24000 due before the result", d.Fee)
			}
			ret, page := w.payAll(t, d.Code, "pay")
			if !strings.Contains(page, "Đang xác nhận") {
				t.Fatalf("return with no IPN:\n%s", page)
			}
			// Reloading the page asks the gateway no more often.
			jobsAfterReturn := countJobs(t, db, "payment_settle")
			w.browse(t, citizenA, "GET", ret, nil)
			if n := countJobs(t, db, "payment_settle"); n != jobsAfterReturn {
				t.Errorf("a reload queued another settle job: %d, was %d", n, jobsAfterReturn)
			}
			p := w.payments(t, d.Code)[0]
			if p.Status != "pending" {
				t.Fatalf("a return alone settled the payment: %+v", p)
			}
			// The return queued a job that asks the gateway; its worker
			// does this.
			if n := countJobs(t, db, "payment_settle"); n <= jobsBefore+1 {
				t.Errorf("settle jobs = %d, was %d: want one at start and one from the return", n, jobsBefore)
			}
			got, err := w.svc.SettlePayment(ctx, p.ID)
			if err != nil || got.Status != dossier.PaymentPaid || got.ConfirmedBy != "query" {
				t.Fatalf("settled by query: %+v %v", got, err)
			}
			if w.feeDossier(t, citizenA, d.Code).PaidAt == "" {
				t.Error("the dossier is not paid after the query")
			}
		})

		t.Run("gateway down", func(t *testing.T) {
			d := w.submitFee(t, residenceProc, nil)
			w.pay.SetFaults(payment.SandboxFaults{Down: true})
			if res, _ := w.browse(t, citizenA, "GET", w.startPay(t, d.Code), nil); res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("payment page of a gateway that is down: %d", res.StatusCode)
			}
			p := w.payments(t, d.Code)[0]
			if _, err := w.svc.SettlePayment(ctx, p.ID); !errors.Is(err, payment.ErrGatewayUnavailable) {
				t.Errorf("settle while down: %v, want gateway unavailable (the job retries)", err)
			}
			_, page := w.browse(t, citizenA, "GET", "/ho-so/"+d.Code, nil)
			if !strings.Contains(page, "Thanh toán trực tuyến 10.000 đ") || !strings.Contains(page, "cổng thanh toán gián đoạn") ||
				w.feeDossier(t, citizenA, d.Code).PaidAt != "" {
				t.Fatalf("dossier page while the gateway is down: want unpaid, the button and the explanation")
			}
			w.pay.SetFaults(payment.SandboxFaults{})
			if _, page := w.payAll(t, d.Code, "pay"); !strings.Contains(page, "Thanh toán thành công") {
				t.Fatalf("paying again once the gateway is back:\n%s", page)
			}
			ps := w.payments(t, d.Code)
			if len(ps) != 2 || ps[0].Status != "paid" || ps[1].Status != "pending" {
				t.Errorf("payments = %+v, want the new one paid and the first still pending", ps)
			}
		})

		t.Run("two tabs", func(t *testing.T) {
			d := w.submitFee(t, residenceProc, nil)
			a1, t1 := w.openPayPage(t, w.startPay(t, d.Code))
			a2, t2 := w.openPayPage(t, w.startPay(t, d.Code))
			w.decide(t, a1, t1, "pay")
			w.decide(t, a2, t2, "pay")
			ps := w.payments(t, d.Code)
			if len(ps) != 2 || ps[0].Status != "paid" || ps[1].Status != "paid" || !ps[0].Duplicate || ps[1].Duplicate {
				t.Fatalf("payments = %+v, want the first paid and the second paid as a duplicate", ps)
			}
			var receipts int
			db.QueryRow(`SELECT COUNT(*) FROM payments p JOIN dossiers d ON d.id = p.dossier_id WHERE d.code = $1 AND p.receipt_number <> ''`, d.Code).Scan(&receipts)
			if receipts != 1 {
				t.Errorf("receipts = %d, want 1", receipts)
			}
			got, err := w.svc.RefundPayment(ctx, ps[0].ID, "Thanh toán trùng")
			if err != nil || got.Status != dossier.PaymentRefunded {
				t.Fatalf("refund of the duplicate: %+v %v", got, err)
			}
			if tx, _ := w.pay.Transaction(ps[0].TxnRef); tx.Refunded() != 10000 {
				t.Errorf("refunded at the gateway: %d, want 10000", tx.Refunded())
			}
			if w.feeDossier(t, citizenA, d.Code).PaidAt == "" {
				t.Error("the refund of the duplicate unpaid the dossier")
			}
		})

		t.Run("refused dossier refunded", func(t *testing.T) {
			d := w.submitFee(t, residenceProc, nil)
			w.payAll(t, d.Code, "pay")
			jobsBefore := countJobs(t, db, "payment_refund")
			if code, body := w.act(t, receiverX, d.Code, `{"action":"refuse","comment":"Chỗ ở không hợp pháp"}`); code != 200 {
				t.Fatalf("refuse: %d %s", code, body)
			}
			if n := countJobs(t, db, "payment_refund"); n != jobsBefore+1 {
				t.Fatalf("refund jobs = %d, want %d", n, jobsBefore+1)
			}
			p := w.payments(t, d.Code)[0]
			got, err := w.svc.RefundPayment(ctx, p.ID, "Hồ sơ bị từ chối giải quyết")
			if err != nil || got.Status != dossier.PaymentRefunded {
				t.Fatalf("refund: %+v %v", got, err)
			}
			if again, err := w.svc.RefundPayment(ctx, p.ID, "again"); err != nil || again.Status != dossier.PaymentRefunded {
				t.Errorf("refunding twice: %+v %v", again, err)
			}
			h := w.feeDossier(t, citizenA, d.Code).History
			if h[len(h)-1].Action != "refunded" {
				t.Errorf("last history entry %q, want refunded", h[len(h)-1].Action)
			}
		})

		t.Run("paid after the refusal", func(t *testing.T) {
			d := w.submitFee(t, residenceProc, nil)
			action, token := w.openPayPage(t, w.startPay(t, d.Code))
			if code, body := w.act(t, receiverX, d.Code, `{"action":"refuse","comment":"Thiếu giấy tờ chỗ ở"}`); code != 200 {
				t.Fatalf("refuse: %d %s", code, body)
			}
			jobsBefore := countJobs(t, db, "payment_refund")
			w.decide(t, action, token, "pay") // the payer was still on the gateway's page
			p := w.payments(t, d.Code)[0]
			if p.Status != "paid" || countJobs(t, db, "payment_refund") != jobsBefore+1 {
				t.Fatalf("money for a refused dossier: %+v, refund jobs %d (was %d)", p, countJobs(t, db, "payment_refund"), jobsBefore)
			}
			if got, err := w.svc.RefundPayment(ctx, p.ID, "Hồ sơ đã kết thúc"); err != nil || got.Status != dossier.PaymentRefunded {
				t.Errorf("refund: %+v %v", got, err)
			}
		})

		t.Run("withdrawn after paying", func(t *testing.T) {
			d := w.submitFee(t, copiesProc, map[string]any{"so_ban_sao": 1})
			w.payAll(t, d.Code, "pay")
			jobsBefore := countJobs(t, db, "payment_refund")
			res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/withdraw", nil, `{"reason":"Nộp nhầm"}`)
			if res.StatusCode != 200 || countJobs(t, db, "payment_refund") != jobsBefore+1 {
				t.Fatalf("withdraw: %d %s; refund jobs %d (was %d)", res.StatusCode, body, countJobs(t, db, "payment_refund"), jobsBefore)
			}
		})

		t.Run("result held until paid", func(t *testing.T) {
			d := w.submitFee(t, copiesProc, map[string]any{"so_ban_sao": 2})
			// Paid before the result: the dossier is received unpaid.
			for _, step := range []struct{ who, body string }{
				{receiverX, `{"action":"receive"}`}, {specialistX, `{"action":"forward"}`},
				{leaderX, `{"action":"approve","generate_result":true}`},
			} {
				if code, body := w.act(t, step.who, d.Code, step.body); code != 200 {
					t.Fatalf("%s: %d %s", step.body, code, body)
				}
			}
			var resultID int64
			db.QueryRow(`SELECT result_document_id FROM dossiers WHERE code = $1`, d.Code).Scan(&resultID)
			if res, page := w.browse(t, citizenA, "GET", fmt.Sprintf("/giay-to/%d", resultID), nil); res.StatusCode != 403 || !strings.Contains(page, "sau khi bạn nộp phí") {
				t.Errorf("result before paying: %d", res.StatusCode)
			}
			if res, _ := w.send(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code+"/result", nil, ""); res.StatusCode != 404 {
				t.Errorf("result API before paying: %d", res.StatusCode)
			}
			if code, body := w.act(t, receiverX, d.Code, `{"action":"return_result"}`); code != 409 || !strings.Contains(body, "chưa nộp phí") {
				t.Errorf("return unpaid: %d %s", code, body)
			}
			w.payAll(t, d.Code, "pay")
			if res, pdf := w.browse(t, citizenA, "GET", fmt.Sprintf("/giay-to/%d", resultID), nil); res.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF") {
				t.Errorf("result once paid: %d", res.StatusCode)
			}
			if code, body := w.act(t, receiverX, d.Code, `{"action":"return_result"}`); code != 200 {
				t.Errorf("return paid: %d %s", code, body)
			}
		})

		t.Run("a supplement does not change the fee", func(t *testing.T) {
			d := w.submitFee(t, copiesProc, map[string]any{"so_ban_sao": 1})
			if code, body := w.act(t, receiverX, d.Code, `{"action":"request_supplement","comment":"Ghi rõ nơi đã đăng ký"}`); code != 200 {
				t.Fatalf("request supplement: %d %s", code, body)
			}
			res, body := w.send(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/supplement", nil,
				`{"comment":"Bổ sung","data":{"so_ban_sao":10,"noi_da_dang_ky":"UBND phường Hàng Bạc"}}`)
			if res.StatusCode != 400 || !strings.Contains(string(body), "data.so_ban_sao") {
				t.Fatalf("supplement changing the fee: %d %s", res.StatusCode, body)
			}
			if got := w.feeDossier(t, citizenA, d.Code); got.Fee.Total != 8000 || got.Status != "supplement_requested" {
				t.Errorf("after the refused supplement: fee %d, status %s", got.Fee.Total, got.Status)
			}
		})

		t.Run("cancelled, then paid", func(t *testing.T) {
			d := w.submitFee(t, copiesProc, map[string]any{"so_ban_sao": 1})
			_, page := w.payAll(t, d.Code, "cancel")
			if !strings.Contains(page, "Bạn đã hủy thanh toán") || !strings.Contains(page, "Thanh toán lại 8.000 đ") {
				t.Fatalf("cancelled return:\n%s", page)
			}
			if _, page := w.payAll(t, d.Code, "pay"); !strings.Contains(page, "Thanh toán thành công") {
				t.Fatalf("second try:\n%s", page)
			}
		})
	}, jobs.Migrate)
}

// TestPaymentAnswersMatchOpenAPI holds the payment routes' answers, and a
// dossier and its tracking with a fee, against the OpenAPI document.
func TestPaymentAnswersMatchOpenAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		doc, router := openAPI(t)
		c := openAPIChecker{doc: doc, router: router}
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/procedures/"+residenceProc, nil, ""), 200)
		d := w.submitFee(t, copiesProc, map[string]any{"so_ban_sao": 2})
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code, nil, ""), 200)
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/tracking/"+d.Code, nil, ""), 200)
		started := w.exchange(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/payments", nil, "{}")
		c.check(t, started, 201)
		var s struct {
			PayURL string `json:"pay_url"`
		}
		json.Unmarshal(started.body, &s)
		action, token := w.openPayPage(t, s.PayURL)
		ret, _ := url.Parse(w.decide(t, action, token, "pay"))
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code+"/payments", nil, ""), 200)
		c.check(t, w.exchange(t, citizenA, "POST", "/api/v1/dossiers/"+d.Code+"/payments", nil, "{}"), 409)
		c.check(t, w.exchange(t, anonymous, "GET", "/api/v1/payments/vnpay/ipn?"+ret.RawQuery, nil, ""), 200)
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/dossiers/"+d.Code, nil, ""), 200)
		c.check(t, w.exchange(t, receiverX, "GET", "/api/v1/agencies/"+agencyX+"/dossiers?queue=all", nil, ""), 200)
		c.check(t, w.exchange(t, citizenA, "GET", "/api/v1/dossiers", nil, ""), 200)
	}, jobs.Migrate)
}
