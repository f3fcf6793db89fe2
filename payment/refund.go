package payment

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/egov-vn/egov"
)

// Codes of vnp_TransactionType, which the refund API takes and querydr
// reports, and the vnp_TransactionStatus values of a refund.
const (
	// TypePayment is vnp_TransactionType of a payment nobody has refunded.
	TypePayment = "01"
	// TypeFullRefund is a refund of the whole amount (Refund.Full).
	TypeFullRefund = "02"
	// TypePartialRefund is a refund of part of the amount.
	TypePartialRefund = "03"

	// StatusRefundProcessing is vnp_TransactionStatus of a refund VNPay has
	// accepted and is working on ("đang xử lý giao dịch hoàn tiền").
	StatusRefundProcessing = "05"
	// StatusRefundSent is vnp_TransactionStatus of a refund VNPay has sent
	// to the payer's bank; the bank credits the payer in its own time.
	StatusRefundSent = "06"
)

// maxCreatedBy is vnp_CreateBy's limit, from VNPay's refund parameter table.
const maxCreatedBy = 250

// createdByChars are the characters besides ASCII letters and digits that
// Refund.CreatedBy may hold: enough for account names and e-mail addresses,
// and none of them '|', which would shift the checksum's fields.
const createdByChars = "._-@"

// Errors of Refund, besides those it shares with Query.
var (
	// ErrAlreadyRefunded: the gateway refuses the refund as a duplicate
	// (code 94): the payment has already been refunded in full, or in parts
	// that add up to all of it. A caller that asked before, crashed and asks
	// again treats it as done. It matches egov.ErrConflict.
	ErrAlreadyRefunded = fmt.Errorf("payment: already refunded: %w", egov.ErrConflict)

	// ErrNotRefundable: the payment did not succeed at the gateway (code
	// 95): cancelled, expired, refused, or the payer is still on the payment
	// page. No money was taken, so there is none to give back. It matches
	// egov.ErrConflict.
	ErrNotRefundable = fmt.Errorf("payment: transaction not refundable: %w", egov.ErrConflict)
)

// refundRequestFields are the refund request's fields in the order of its
// checksum, as VNPay's refund documentation and its demos join them.
var refundRequestFields = []string{
	"vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType",
	"vnp_TxnRef", "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy",
	"vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo",
}

// refundResponseFields are the refund answer's fields in the order of its
// checksum: querydr's without the promotion pair.
var refundResponseFields = []string{
	"vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message",
	"vnp_TmnCode", "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate",
	"vnp_TransactionNo", "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo",
}

// refundAPI is the refund command. A 94 is trusted as much as a success:
// the caller records the money as refunded on it, so a forged or garbled
// one must not pass for the gateway's word.
var refundAPI = merchantAPI{
	command:  "refund",
	request:  refundRequestFields,
	response: refundResponseFields,
	trusted:  []string{ResponseSuccess, "94"},
}

// Refund is a request to give a paid payment's money back, in full or in
// part: what VNPay.Refund sends. The caller takes TxnRef, OrderDate and
// TransactionNo from its record of the payment.
type Refund struct {
	// TxnRef is the payment's Order.TxnRef.
	TxnRef string
	// Amount is what to give back, in đồng, from 1 to MaxAmount. For a full
	// refund it is the payment's whole amount, which VNPay checks.
	Amount int64
	// Full chooses a full refund (vnp_TransactionType 02) rather than a
	// partial one (03). After a partial refund, the rest goes back with
	// another partial one: a full refund is for the whole amount only.
	Full bool
	// TransactionNo is the gateway's number of the payment
	// (Result.TransactionNo): 1 to 15 digits, or empty when unknown, in
	// which case the gateway finds the payment by TxnRef and OrderDate.
	TransactionNo string
	// OrderDate is the payment's Order.CreatedAt, its vnp_CreateDate, by
	// which the gateway finds it. Required.
	OrderDate time.Time
	// CreatedBy is who asks for the refund, as the gateway records it: the
	// official's account name or ID, 1 to 250 ASCII letters, digits and
	// "._-@". Required.
	CreatedBy string
	// IPAddr is the address of the server asking, which VNPay records.
	IPAddr string
	// OrderInfo is the refund's description, in the form PlainText makes;
	// "Hoan tien giao dich <TxnRef>" when empty.
	OrderInfo string
}

// params validates r and returns the fields of its request that are not
// common to every merchant API request, unsigned.
func (r Refund) params() (map[string]string, error) {
	if r.OrderInfo == "" {
		r.OrderInfo = "Hoan tien giao dich " + r.TxnRef
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	kind := TypePartialRefund
	if r.Full {
		kind = TypeFullRefund
	}
	return map[string]string{
		"vnp_TransactionType": kind,
		"vnp_TxnRef":          r.TxnRef,
		"vnp_Amount":          strconv.FormatInt(r.Amount*100, 10),
		"vnp_TransactionNo":   r.TransactionNo,
		"vnp_TransactionDate": formatDate(r.OrderDate),
		"vnp_CreateBy":        r.CreatedBy,
		"vnp_IpAddr":          r.IPAddr,
		"vnp_OrderInfo":       r.OrderInfo,
	}, nil
}

// validate applies the refund API's rules. The free-text fields are held to
// characters without '|', since the checksum joins the fields with it and
// a '|' inside one would let two different requests sign alike.
func (r Refund) validate() error {
	invalid := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: refund: %s: %s", ErrInvalidOrder, field, fmt.Sprintf(format, args...))
	}
	switch {
	case r.TxnRef == "" || len(r.TxnRef) > maxTxnRef || !isAlnum(r.TxnRef):
		return invalid("TxnRef", "%q is not 1 to %d letters or digits", r.TxnRef, maxTxnRef)
	case r.Amount < 1 || r.Amount > MaxAmount:
		return invalid("Amount", "%d đồng is not between 1 and %d", r.Amount, MaxAmount)
	case r.TransactionNo != "" && (len(r.TransactionNo) > 15 || !isDigits(r.TransactionNo)):
		return invalid("TransactionNo", "%q is not empty or 1 to 15 digits", r.TransactionNo)
	case r.OrderDate.IsZero():
		return invalid("OrderDate", "is required: the payment's Order.CreatedAt")
	case r.CreatedBy == "" || len(r.CreatedBy) > maxCreatedBy || !isAlnumOr(r.CreatedBy, createdByChars):
		return invalid("CreatedBy", "%q is not 1 to %d letters, digits and %q", r.CreatedBy, maxCreatedBy, createdByChars)
	case !validIP(r.IPAddr):
		return invalid("IPAddr", "%q is not an IP address", r.IPAddr)
	case len(r.OrderInfo) > maxOrderInfo || PlainText(r.OrderInfo) != r.OrderInfo:
		return invalid("OrderInfo", "%q is not 1 to %d plain characters (see PlainText)", r.OrderInfo, maxOrderInfo)
	}
	return nil
}

// RefundResult is the gateway's acceptance of a refund. The money is not
// back with the payer yet: VNPay sends it to the bank later, which Query
// shows as StatusRefundProcessing, then StatusRefundSent.
type RefundResult struct {
	TxnRef string // the payment's reference, as in Refund.TxnRef
	Amount int64  // what the gateway says it refunds, in đồng
	// TransactionType is TypeFullRefund or TypePartialRefund.
	TransactionType string
	// TransactionStatus is the refund's state at the gateway, usually
	// StatusRefundProcessing.
	TransactionStatus string
	// TransactionNo is the gateway's number of the transaction, to quote to
	// it about the refund.
	TransactionNo string
	BankCode      string    // the bank the money goes back through
	OrderInfo     string    // vnp_OrderInfo, echoed by the gateway
	At            time.Time // when the gateway recorded the refund (vnp_PayDate); zero when not sent
}

// Refund asks the gateway's refund API to give back r.Amount of the paid
// payment r.TxnRef. It goes to VNPay.QueryURL, the merchant API that also
// serves Query, and makes one call: the caller records the refund, with
// the RefundResult, once it returns without error.
//
// Errors: ErrInvalidOrder naming the field for bad arguments;
// ErrAlreadyRefunded when the payment has been refunded already (record it
// as refunded: it is how a retried full refund ends);
// ErrNotRefundable when the payment never succeeded; ErrTransactionNotFound
// when the gateway knows no such payment (check OrderDate and
// TransactionNo); ErrGatewayUnavailable when it cannot be reached, answers
// with an HTTP error, or with something that is not a signed refund answer.
// All the gateway's refusals are a *RefundError, which unwraps to these.
//
// A partial refund is not idempotent: asking twice refunds twice, as long
// as the amount remains. When one's outcome is unknown (an
// ErrGatewayUnavailable), check the gateway's records before asking again.
func (v *VNPay) Refund(ctx context.Context, r Refund) (RefundResult, error) {
	req, err := r.params()
	if err != nil {
		return RefundResult{}, err
	}
	ans, err := v.call(ctx, refundAPI, req)
	if err != nil {
		return RefundResult{}, err
	}
	if ans.code != ResponseSuccess {
		return RefundResult{}, &RefundError{TxnRef: r.TxnRef, ResponseCode: ans.code, Message: ans.message}
	}
	res := ans.result
	return RefundResult{
		TxnRef:            res.TxnRef,
		Amount:            res.Amount,
		TransactionType:   res.TransactionType,
		TransactionStatus: res.TransactionStatus,
		TransactionNo:     res.TransactionNo,
		BankCode:          res.BankCode,
		OrderInfo:         res.OrderInfo,
		At:                res.PayDate,
	}, nil
}

// RefundError is a refund answer whose vnp_ResponseCode is not 00: the
// gateway understood the request and refused it. It unwraps to the
// sentinel error that says what to do, so most callers never need the type
// itself.
type RefundError struct {
	TxnRef       string // the payment the refund was for
	ResponseCode string // vnp_ResponseCode, e.g. "95"
	Message      string // vnp_Message, as the gateway worded it
}

func (e *RefundError) Error() string {
	return fmt.Sprintf("payment: refund of %s refused: code %s: %s", e.TxnRef, e.ResponseCode, e.Message)
}

// Unwrap gives ErrTransactionNotFound for 91, ErrAlreadyRefunded for 94,
// ErrNotRefundable for 95 and ErrGatewayUnavailable for 99 (unspecified),
// since asking again later is the answer to that one. 02 (unknown
// merchant), 03 (bad format, or an amount above what remains to refund)
// and 97 (bad checksum) unwrap to nothing: they are errors of our request
// or configuration, and asking again cannot help.
func (e *RefundError) Unwrap() error {
	switch e.ResponseCode {
	case "91":
		return ErrTransactionNotFound
	case "94":
		return ErrAlreadyRefunded
	case "95":
		return ErrNotRefundable
	case "99":
		return ErrGatewayUnavailable
	}
	return nil
}
