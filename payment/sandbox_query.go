package payment

import (
	"encoding/json"
	"net/http"
	"time"
)

// Messages of the querydr answers, worded as VNPay's documentation words its
// codes.
var queryMessages = map[string]string{
	"00": "QueryDR Success",
	"02": "Invalid merchant (TmnCode)",
	"03": "Invalid data format",
	"91": "Transaction not found",
	"94": "Duplicate request",
	"97": "Invalid checksum",
}

// serveQuery is the querydr API: it checks the request's '|'-joined checksum
// and answers from the sandbox's state in VNPay's JSON format, with HTTP 200
// whatever the code, as VNPay does.
func (s *Sandbox) serveQuery(w http.ResponseWriter, r *http.Request) {
	if s.down() {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	req, err := decodeFlatJSON(http.MaxBytesReader(w, r.Body, maxAnswer))
	if err != nil {
		s.writeQueryAnswer(w, "", "03", nil)
		return
	}
	reqHash := req[paramSecureHash]
	switch {
	case !equalHash(reqHash, signFields(s.cfg.HashSecret, fieldsOf(req, queryRequestFields)...)):
		s.writeQueryAnswer(w, req["vnp_TxnRef"], "97", nil)
		return
	case req["vnp_TmnCode"] != s.cfg.TmnCode:
		s.writeQueryAnswer(w, req["vnp_TxnRef"], "02", nil)
		return
	case req["vnp_Version"] != Version || req["vnp_Command"] != "querydr" || req["vnp_TxnRef"] == "" ||
		req["vnp_RequestId"] == "" || len(req["vnp_RequestId"]) > 32:
		s.writeQueryAnswer(w, req["vnp_TxnRef"], "03", nil)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if seen, ok := s.requestIDs[req["vnp_RequestId"]]; ok && now.Sub(seen) < sandboxIDMaxAge {
		s.writeQueryAnswer(w, req["vnp_TxnRef"], "94", nil)
		return
	}
	s.rememberRequestID(req["vnp_RequestId"], now)
	t := s.txns[s.key(s.cfg.TmnCode, req["vnp_TxnRef"])]
	// VNPay finds a payment by reference and date; a wrong date is "not
	// found" there too, and catching it here keeps the egov side honest.
	if t == nil || t.createRaw != req["vnp_TransactionDate"] {
		s.writeQueryAnswer(w, req["vnp_TxnRef"], "91", nil)
		return
	}
	payment := map[string]string{
		"vnp_Amount":            t.request.Get("vnp_Amount"),
		"vnp_OrderInfo":         t.order.OrderInfo,
		"vnp_TransactionType":   "01", // a payment, not a refund
		"vnp_TransactionStatus": StatusPending,
	}
	if t.decided {
		for _, k := range []string{"vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionStatus"} {
			payment[k] = t.signed.Get(k)
		}
	}
	s.writeQueryAnswer(w, req["vnp_TxnRef"], "00", payment)
}

// rememberRequestID records a querydr request ID, forgetting the ones older
// than a day when there are many, so that a long demo does not grow forever.
// s.mu is held.
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

// writeQueryAnswer answers about txnRef with code and, for 00, the payment's
// fields. Answers are signed like VNPay's, except 97 and 02: the asker's
// secret or merchant is not ours, so it could not check them.
func (s *Sandbox) writeQueryAnswer(w http.ResponseWriter, txnRef, code string, payment map[string]string) {
	a := map[string]string{
		"vnp_ResponseId":   newToken(),
		"vnp_Command":      "querydr",
		"vnp_ResponseCode": code,
		"vnp_Message":      queryMessages[code],
		"vnp_TmnCode":      s.cfg.TmnCode,
		"vnp_TxnRef":       txnRef,
	}
	for k, v := range payment {
		a[k] = v
	}
	if code != "97" && code != "02" {
		a[paramSecureHash] = signFields(s.cfg.HashSecret, fieldsOf(a, queryResponseFields)...)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(a) // the asker has hung up if this fails
}
