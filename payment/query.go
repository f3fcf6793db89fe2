package payment

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// maxAnswer bounds what is read from the gateway: a querydr answer is a few
// hundred bytes, and a broken proxy must not make us buffer a web page.
const maxAnswer = 64 << 10

// queryRequestFields are the querydr request's fields in the order of its
// checksum, as VNPay's querydr documentation and its demos join them.
var queryRequestFields = []string{
	"vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
	"vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo",
}

// queryResponseFields are the querydr answer's fields in the order of its
// checksum. It is not the order of the JSON keys: vnp_OrderInfo comes after
// vnp_TransactionStatus, and the two promotion fields are signed as empty
// strings when the answer leaves them out.
var queryResponseFields = []string{
	"vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
	"vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
	"vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo",
	"vnp_PromotionCode", "vnp_PromotionAmount",
}

// merchantAPI is one command of VNPay's merchant API (merchant_webapi), which
// serves querydr and refund at the same URL, with the same envelope: a
// signed JSON request, a JSON answer with a vnp_ResponseCode.
type merchantAPI struct {
	command  string   // vnp_Command
	request  []string // the request's checksum fields, in order
	response []string // the answer's checksum fields, in order
	// trusted are the answer codes the merchant acts on as facts. They must
	// be signed, even though VNPay may leave its refusals unsigned.
	trusted []string
}

var queryAPI = merchantAPI{
	command:  "querydr",
	request:  queryRequestFields,
	response: queryResponseFields,
	trusted:  []string{ResponseSuccess},
}

// apiAnswer is a checked answer of the merchant API.
type apiAnswer struct {
	code    string // vnp_ResponseCode: "00" or the refusal's code
	message string // vnp_Message, as the gateway worded it
	// result is what a "00" answer says about the transaction, without
	// Success, whose meaning depends on the command; zero for a refusal.
	result Result
}

// fieldsOf lists m's values for names, in that order, "" for missing ones.
func fieldsOf(m map[string]string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = m[n]
	}
	return out
}

// Query asks the gateway's querydr API for the state of the payment txnRef.
// orderDate must be the Order.CreatedAt the payment URL was made with: the
// gateway finds the transaction by reference and date. ipAddr is the
// address of the server asking, which VNPay records.
//
// Use it when the IPN did not come (the gateway retries, but not forever),
// before giving up on a payment, and in the daily reconciliation. In the
// Result, Success means the payment is done; TransactionStatus StatusPending
// means the payer may still be on the payment page. A payment that was
// refunded (see Refund) answers with TransactionType TypeFullRefund or
// TypePartialRefund and the refund's status (StatusRefundProcessing,
// StatusRefundSent), so Success is false although the payer did pay: do not
// read it as a failed payment.
//
// Errors: ErrInvalidOrder for bad arguments; ErrTransactionNotFound when the
// gateway knows no such payment; ErrGatewayUnavailable when it cannot be
// reached, answers with an HTTP error or with something that is not a signed
// querydr answer (such an answer also matches ErrBadSignature or
// ErrMalformed); a *QueryError for its other refusals.
func (v *VNPay) Query(ctx context.Context, txnRef string, orderDate time.Time, ipAddr string) (Result, error) {
	switch {
	case txnRef == "" || len(txnRef) > maxTxnRef || !isAlnum(txnRef):
		return Result{}, fmt.Errorf("%w: TxnRef %q is not 1 to %d letters or digits", ErrInvalidOrder, txnRef, maxTxnRef)
	case orderDate.IsZero():
		return Result{}, fmt.Errorf("%w: the order's date is required", ErrInvalidOrder)
	case !validIP(ipAddr):
		return Result{}, fmt.Errorf("%w: %q is not an IP address", ErrInvalidOrder, ipAddr)
	}
	ans, err := v.call(ctx, queryAPI, map[string]string{
		"vnp_TxnRef":          txnRef,
		"vnp_OrderInfo":       "Truy van giao dich " + txnRef,
		"vnp_TransactionDate": formatDate(orderDate),
		"vnp_IpAddr":          ipAddr,
	})
	if err != nil {
		return Result{}, err
	}
	if ans.code != ResponseSuccess {
		return Result{}, &QueryError{ResponseCode: ans.code, Message: ans.message}
	}
	r := ans.result
	r.Success = r.TransactionStatus == StatusSuccess
	return r, nil
}

// call sends one request of api: it adds the fields every request has
// (vnp_RequestId, vnp_Version, vnp_Command, vnp_TmnCode, vnp_CreateDate) to
// req, signs it, posts it and checks the answer with readAnswer.
func (v *VNPay) call(ctx context.Context, api merchantAPI, req map[string]string) (apiAnswer, error) {
	if v.HashSecret == "" {
		return apiAnswer{}, ErrNoSecret
	}
	if v.QueryURL == "" || v.TmnCode == "" {
		return apiAnswer{}, fmt.Errorf("%w: VNPay.QueryURL and VNPay.TmnCode must be set", ErrInvalidOrder)
	}
	req["vnp_RequestId"] = newRequestID()
	req["vnp_Version"] = Version
	req["vnp_Command"] = api.command
	req["vnp_TmnCode"] = v.TmnCode
	req["vnp_CreateDate"] = formatDate(v.now())
	req[paramSecureHash] = signFields(v.HashSecret, fieldsOf(req, api.request)...)
	answer, err := v.post(ctx, api.command, req)
	if err != nil {
		return apiAnswer{}, err
	}
	return v.readAnswer(api, answer, req["vnp_TxnRef"])
}

// post sends one request of the merchant API and decodes the answer's flat
// JSON object. Every failure here means "we do not know", hence
// ErrGatewayUnavailable.
func (v *VNPay) post(ctx context.Context, command string, req map[string]string) (map[string]string, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, v.QueryURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOrder, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	res, err := v.client().Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrGatewayUnavailable, command, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxAnswer))
		return nil, fmt.Errorf("%w: %s: HTTP %s", ErrGatewayUnavailable, command, res.Status)
	}
	answer, err := decodeFlatJSON(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("%w: %s answer: %w", ErrGatewayUnavailable, command, err)
	}
	return answer, nil
}

// readAnswer checks a decoded answer of api to a request about txnRef. A
// refusal comes back as its code and message; a success also with the
// Result it describes, once checked to be signed, about txnRef at this
// merchant, and well formed. Anything else is ErrGatewayUnavailable.
func (v *VNPay) readAnswer(api merchantAPI, a map[string]string, txnRef string) (apiAnswer, error) {
	unavailable := func(cause error, format string, args ...any) (apiAnswer, error) {
		return apiAnswer{}, fmt.Errorf("%w: %s answer: %w: %s", ErrGatewayUnavailable, api.command, cause, fmt.Sprintf(format, args...))
	}
	code := a["vnp_ResponseCode"]
	hash, signedAnswer := a[paramSecureHash]
	// A refusal carries no payment data to trust, and VNPay does not promise
	// to sign its error answers, so an unsigned refusal is taken as it is; a
	// signed one, and every answer the merchant acts on, must verify.
	if slices.Contains(api.trusted, code) || signedAnswer {
		if !equalHash(hash, signFields(v.HashSecret, fieldsOf(a, api.response)...)) {
			return unavailable(ErrBadSignature, "code %q", code)
		}
	}
	switch {
	case code == "":
		return unavailable(ErrMalformed, "no vnp_ResponseCode")
	case code != ResponseSuccess:
		return apiAnswer{code: code, message: a["vnp_Message"]}, nil
	case a["vnp_TxnRef"] != txnRef:
		return unavailable(ErrMalformed, "answer about %q, not %q", a["vnp_TxnRef"], txnRef)
	case a["vnp_TmnCode"] != v.TmnCode:
		return unavailable(ErrMalformed, "answer for merchant %q, not %q", a["vnp_TmnCode"], v.TmnCode)
	case a["vnp_TransactionStatus"] == "":
		return unavailable(ErrMalformed, "no vnp_TransactionStatus")
	}
	r := Result{
		TxnRef:            txnRef,
		ResponseCode:      code,
		TransactionType:   a["vnp_TransactionType"],
		TransactionStatus: a["vnp_TransactionStatus"],
		TransactionNo:     a["vnp_TransactionNo"],
		BankCode:          a["vnp_BankCode"],
		OrderInfo:         a["vnp_OrderInfo"],
	}
	var err error
	if r.Amount, err = parseAmount(a["vnp_Amount"]); err != nil {
		return unavailable(ErrMalformed, "%v", err)
	}
	if s := a["vnp_PayDate"]; s != "" {
		if r.PayDate, err = parseDate(s); err != nil {
			return unavailable(ErrMalformed, "vnp_PayDate %q", s)
		}
	}
	return apiAnswer{code: code, message: a["vnp_Message"], result: r}, nil
}

// decodeFlatJSON decodes a JSON object of strings, numbers and nulls into
// strings. VNPay's answers are strings, but some of its APIs have sent
// amounts as numbers; the number's literal text is what was signed either
// way.
func decodeFlatJSON(r io.Reader) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		var n json.Number
		switch {
		case bytes.Equal(v, []byte("null")):
			out[k] = ""
		case json.Unmarshal(v, &s) == nil:
			out[k] = s
		case json.Unmarshal(v, &n) == nil:
			out[k] = n.String()
		default:
			return nil, fmt.Errorf("field %s is neither a string nor a number", k)
		}
	}
	return out, nil
}

// newRequestID makes a vnp_RequestId: 32 hex digits, VNPay's maximum length,
// random so that two servers never send the same one on the same day.
func newRequestID() string {
	return newToken()
}

// newToken returns 128 random bits in hex.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return hex.EncodeToString(b[:])
}
