package payment

import (
	"encoding/json"
	"net/http"
	"time"
)

// Messages of the merchant API's answers, worded as VNPay's documentation
// words its codes; a success's message is its command's (sandboxAPI.success).
var queryMessages = map[string]string{
	"02": "Invalid merchant (TmnCode)",
	"03": "Invalid data format",
	"91": "Transaction not found",
	"94": "Duplicate request",
	"95": "Transaction is not successful at VNPAY, request refused",
	"97": "Invalid checksum",
	"99": "Unknown error",
}

// sandboxAPI is how the sandbox serves one command of the merchant API.
type sandboxAPI struct {
	merchantAPI
	success string // vnp_Message of a 00 answer
	// valid checks the command's own fields, after the common ones.
	valid func(req map[string]string) bool
	// answer answers a verified request about t, with s.mu held: its code
	// and, for 00, the fields to add to the answer.
	answer func(s *Sandbox, t *sandboxTxn, req map[string]string, now time.Time) (string, map[string]string)
}

var sandboxQuery = sandboxAPI{
	merchantAPI: queryAPI,
	success:     "QueryDR Success",
	valid:       func(map[string]string) bool { return true },
	answer:      (*Sandbox).answerQuery,
}

// sandboxAPIFor is the command a request asks for. An unknown command is
// checked as a querydr request, which refuses it with 03.
func sandboxAPIFor(command string) sandboxAPI {
	if command == refundAPI.command {
		return sandboxRefund
	}
	return sandboxQuery
}

// serveQuery is the merchant API (querydr and refund, told apart by
// vnp_Command): it checks the request's '|'-joined checksum and answers from
// the sandbox's state in VNPay's JSON format, with HTTP 200 whatever the
// code, as VNPay does.
func (s *Sandbox) serveQuery(w http.ResponseWriter, r *http.Request) {
	if s.down() {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	req, err := decodeFlatJSON(http.MaxBytesReader(w, r.Body, maxAnswer))
	api := sandboxAPIFor(req["vnp_Command"]) // req is nil after an error, which reads as ""
	if err != nil {
		s.writeQueryAnswer(w, api, "", "03", nil)
		return
	}
	txnRef, id := req["vnp_TxnRef"], req["vnp_RequestId"]
	switch {
	case !equalHash(req[paramSecureHash], signFields(s.cfg.HashSecret, fieldsOf(req, api.request)...)):
		s.writeQueryAnswer(w, api, txnRef, "97", nil)
		return
	case req["vnp_TmnCode"] != s.cfg.TmnCode:
		s.writeQueryAnswer(w, api, txnRef, "02", nil)
		return
	case req["vnp_Version"] != Version || req["vnp_Command"] != api.command || txnRef == "" ||
		id == "" || len(id) > 32 || !api.valid(req):
		s.writeQueryAnswer(w, api, txnRef, "03", nil)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if seen, ok := s.requestIDs[id]; ok && now.Sub(seen) < sandboxIDMaxAge {
		s.writeQueryAnswer(w, api, txnRef, "94", nil)
		return
	}
	s.rememberRequestID(id, now)
	t := s.txns[s.key(s.cfg.TmnCode, txnRef)]
	// VNPay finds a payment by reference and date; a wrong date is "not
	// found" there too, and catching it here keeps the egov side honest.
	if t == nil || t.createRaw != req["vnp_TransactionDate"] {
		s.writeQueryAnswer(w, api, txnRef, "91", nil)
		return
	}
	code, fields := api.answer(s, t, req, now)
	s.writeQueryAnswer(w, api, txnRef, code, fields)
}

// answerQuery is querydr's answer about t. s.mu is held.
func (s *Sandbox) answerQuery(t *sandboxTxn, _ map[string]string, now time.Time) (string, map[string]string) {
	payment := map[string]string{
		"vnp_Amount":            t.request.Get("vnp_Amount"),
		"vnp_OrderInfo":         t.order.OrderInfo,
		"vnp_TransactionType":   TypePayment,
		"vnp_TransactionStatus": StatusPending,
	}
	if t.decided {
		for _, k := range []string{"vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionStatus"} {
			payment[k] = t.signed.Get(k)
		}
	}
	// A refunded payment is reported with its last refund's type and state,
	// as VNPay reports it.
	if n := len(t.refunds); n > 0 {
		last := t.refunds[n-1]
		payment["vnp_TransactionType"] = last.transactionType()
		payment["vnp_TransactionStatus"] = last.status(now)
	}
	return "00", payment
}

// rememberRequestID records a merchant API request ID, forgetting the ones
// older than a day when there are many, so that a long demo does not grow
// forever. s.mu is held.
func (s *Sandbox) rememberRequestID(id string, now time.Time) {
	if len(s.requestIDs) >= sandboxMaxIDs {
		for k, at := range s.requestIDs {
			if now.Sub(at) >= sandboxIDMaxAge {
				delete(s.requestIDs, k)
			}
		}
	}
	s.requestIDs[id] = now
}

// writeQueryAnswer answers a request of api about txnRef with code and, for
// 00, the transaction's fields. Answers are signed like VNPay's, except 97
// and 02: the asker's secret or merchant is not ours, so it could not check
// them.
func (s *Sandbox) writeQueryAnswer(w http.ResponseWriter, api sandboxAPI, txnRef, code string, fields map[string]string) {
	message := queryMessages[code]
	if code == "00" {
		message = api.success
	}
	a := map[string]string{
		"vnp_ResponseId":   newToken(),
		"vnp_Command":      api.command,
		"vnp_ResponseCode": code,
		"vnp_Message":      message,
		"vnp_TmnCode":      s.cfg.TmnCode,
		"vnp_TxnRef":       txnRef,
	}
	for k, v := range fields {
		a[k] = v
	}
	if code != "97" && code != "02" {
		a[paramSecureHash] = signFields(s.cfg.HashSecret, fieldsOf(a, api.response)...)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(a) // the asker has hung up if this fails
}
