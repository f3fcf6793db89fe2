package payment

import (
	"encoding/json"
	"errors"
	"net/http"
)

// IPNAnswer is the merchant's answer to an IPN call, the JSON object
// {"RspCode":"00","Message":"Confirm Success"}. The gateway reads RspCode:
// on 00 and 02 it stops; on anything else, or no answer, it calls again
// later. Answer 00 only once the result is durably recorded.
type IPNAnswer struct {
	RspCode string `json:"RspCode"`
	Message string `json:"Message"`
}

// The answers of the protocol, in the order in which an IPN handler checks
// them: signature (97), order (01), amount (04), state (02), then 00; 99 for
// anything that went wrong on our side, such as the database being down, so
// that the gateway calls again. The messages are those of VNPay's demos.

// IPNConfirmed (00): the result, success or failure, is recorded now.
func IPNConfirmed() IPNAnswer { return IPNAnswer{RspCode: "00", Message: "Confirm Success"} }

// IPNOrderNotFound (01): no order has this TxnRef.
func IPNOrderNotFound() IPNAnswer { return IPNAnswer{RspCode: "01", Message: "Order not found"} }

// IPNAlreadyConfirmed (02): the order already has its final result; this
// is a repeated IPN and changes nothing.
func IPNAlreadyConfirmed() IPNAnswer {
	return IPNAnswer{RspCode: "02", Message: "Order already confirmed"}
}

// IPNInvalidAmount (04): vnp_Amount is not the order's amount.
func IPNInvalidAmount() IPNAnswer { return IPNAnswer{RspCode: "04", Message: "Invalid amount"} }

// IPNBadChecksum (97): the signature is missing or wrong.
func IPNBadChecksum() IPNAnswer { return IPNAnswer{RspCode: "97", Message: "Invalid signature"} }

// IPNOther (99): any other failure, on either side.
func IPNOther() IPNAnswer { return IPNAnswer{RspCode: "99", Message: "Unknown error"} }

// IPNAnswerFor is the answer to an IPN whose ParseCallback failed with err:
// IPNBadChecksum for a signature error, IPNOther for anything else
// (including ErrNoSecret: our misconfiguration, which the gateway's retries
// will outlive once fixed).
func IPNAnswerFor(err error) IPNAnswer {
	if errors.Is(err, ErrBadSignature) || errors.Is(err, ErrMissingSignature) {
		return IPNBadChecksum()
	}
	return IPNOther()
}

// WriteIPNAnswer writes a as the IPN's HTTP response: status 200 (the
// gateway reads the code from the body, not from the status) and a JSON body.
func WriteIPNAnswer(w http.ResponseWriter, a IPNAnswer) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(a) // the gateway has hung up if this fails; it will call again
}
