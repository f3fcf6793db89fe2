package payment

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Codes of vnp_ResponseCode on the return URL and the IPN, and of
// vnp_TransactionStatus, that the egov side has to tell apart. The gateway
// sends others (bank refusals, wrong OTP...); they all mean "not paid".
const (
	// ResponseSuccess is the only vnp_ResponseCode that, together with
	// StatusSuccess, means the money was taken.
	ResponseSuccess = "00"
	// ResponseExpired: the payer did not finish before vnp_ExpireDate
	// (VNPay's code table: "Đã hết hạn chờ thanh toán").
	ResponseExpired = "11"
	// ResponseTimedOut is the "timed out" code of the project's domain
	// notes; the sandbox reports an expired payment as ResponseExpired.
	ResponseTimedOut = "15"
	// ResponseCancelled: the payer pressed "Hủy giao dịch".
	ResponseCancelled = "24"

	// StatusSuccess is vnp_TransactionStatus of a completed payment.
	StatusSuccess = "00"
	// StatusPending is vnp_TransactionStatus of a payment the payer has not
	// finished yet; only Query sees it.
	StatusPending = "01"
	// StatusFailed is vnp_TransactionStatus of a payment that ended without
	// money taken (cancelled, refused, expired).
	StatusFailed = "02"
)

// Result is what the gateway says about one payment, from the return URL,
// the IPN (ParseCallback) or the querydr API (Query). Only a Result that
// came back without error is signed data; act on nothing else.
type Result struct {
	TxnRef string // the merchant's reference, as in Order.TxnRef
	Amount int64  // in đồng (vnp_Amount divided by 100)

	// ResponseCode is vnp_ResponseCode. For a callback it is the outcome of
	// the payment ("00", "24"...); for Query it is the outcome of the query
	// itself, which is always "00" in a Result (other codes are errors).
	ResponseCode string
	// TransactionStatus is vnp_TransactionStatus: StatusSuccess,
	// StatusPending, StatusFailed or another code of VNPay's table.
	TransactionStatus string
	// TransactionType is vnp_TransactionType, from Query only: TypePayment,
	// or TypeFullRefund or TypePartialRefund once the payment has been
	// refunded, in which case TransactionStatus is the refund's.
	TransactionType string
	// TransactionNo is the gateway's number for the transaction ("0" for
	// some failures); print it on the receipt, quote it to the gateway.
	TransactionNo string
	BankCode      string    // the bank or method used, e.g. "NCB", "VNPAYQR"
	BankTranNo    string    // the bank's own reference, when there is one
	CardType      string    // "ATM", "QRCODE"...; empty when not sent
	OrderInfo     string    // vnp_OrderInfo, echoed by the gateway
	PayDate       time.Time // when the gateway settled it; zero when not sent

	// Success is ResponseCode and TransactionStatus both "00": the only
	// case in which the payment is done and the money taken.
	Success bool
}

// resultFromParams reads a return URL's or an IPN's parameters, whose
// signature the caller has already checked.
func resultFromParams(q url.Values) (Result, error) {
	malformed := func(format string, args ...any) (Result, error) {
		return Result{}, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	r := Result{
		TxnRef:            q.Get("vnp_TxnRef"),
		ResponseCode:      q.Get("vnp_ResponseCode"),
		TransactionStatus: q.Get("vnp_TransactionStatus"),
		TransactionNo:     q.Get("vnp_TransactionNo"),
		BankCode:          q.Get("vnp_BankCode"),
		BankTranNo:        q.Get("vnp_BankTranNo"),
		CardType:          q.Get("vnp_CardType"),
		OrderInfo:         q.Get("vnp_OrderInfo"),
	}
	switch {
	case r.TxnRef == "":
		return malformed("no vnp_TxnRef")
	case r.ResponseCode == "":
		return malformed("no vnp_ResponseCode")
	case r.TransactionStatus == "":
		return malformed("no vnp_TransactionStatus")
	}
	amount, err := parseAmount(q.Get("vnp_Amount"))
	if err != nil {
		return malformed("%v", err)
	}
	r.Amount = amount
	if s := q.Get("vnp_PayDate"); s != "" {
		if r.PayDate, err = parseDate(s); err != nil {
			return malformed("vnp_PayDate %q is not yyyyMMddHHmmss", s)
		}
	}
	r.Success = r.ResponseCode == ResponseSuccess && r.TransactionStatus == StatusSuccess
	return r, nil
}

// parseAmount turns vnp_Amount (đồng × 100) into đồng. The đồng has no
// subunit in use, so an amount that is not a whole number of đồng is not
// ours and is refused rather than rounded.
func parseAmount(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil || len(s) > 12 || !isDigits(s):
		return 0, fmt.Errorf("vnp_Amount %q is not a number of 1 to 12 digits", s)
	case n%100 != 0:
		return 0, fmt.Errorf("vnp_Amount %q is not a whole number of đồng", s)
	}
	return n / 100, nil
}

// isDigits reports whether s is made of ASCII digits only; strconv would
// also take a sign, which no protocol number has.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
