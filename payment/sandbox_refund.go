package payment

import (
	"strconv"
	"time"
)

// sandboxRefundToBank is how long, on the sandbox's clock, a refund stays
// StatusRefundProcessing before it turns StatusRefundSent. VNPay sends its
// refunds to the banks in batches; a short delay lets a test see both.
const sandboxRefundToBank = 30 * time.Minute

// SandboxRefund is one refund the sandbox accepted, as
// SandboxTransaction.Refunds lists it.
type SandboxRefund struct {
	RequestID     string    // vnp_RequestId of the request
	TransactionNo string    // the number the sandbox gave the refund
	Full          bool      // a full refund (02) rather than a partial one (03)
	Amount        int64     // in đồng
	CreatedBy     string    // vnp_CreateBy: who asked
	IPAddr        string    // vnp_IpAddr
	OrderInfo     string    // vnp_OrderInfo
	At            time.Time // when the sandbox accepted it, on its clock
}

// transactionType is the refund's vnp_TransactionType.
func (r SandboxRefund) transactionType() string {
	if r.Full {
		return TypeFullRefund
	}
	return TypePartialRefund
}

// status is the refund's vnp_TransactionStatus at now.
func (r SandboxRefund) status(now time.Time) string {
	if now.Sub(r.At) >= sandboxRefundToBank {
		return StatusRefundSent
	}
	return StatusRefundProcessing
}

// Refunded is the amount refunded so far, in đồng.
func (t SandboxTransaction) Refunded() int64 { return refunded(t.Refunds) }

func refunded(refunds []SandboxRefund) int64 {
	var sum int64
	for _, r := range refunds {
		sum += r.Amount
	}
	return sum
}

var sandboxRefund = sandboxAPI{
	merchantAPI: refundAPI,
	success:     "Refund success",
	valid:       validSandboxRefund,
	answer:      (*Sandbox).answerRefund,
}

// validSandboxRefund checks the refund request's own fields, those the
// common checks of serveQuery do not cover.
func validSandboxRefund(req map[string]string) bool {
	amount, err := parseAmount(req["vnp_Amount"])
	kind := req["vnp_TransactionType"]
	no := req["vnp_TransactionNo"]
	return err == nil && amount >= 1 &&
		(kind == TypeFullRefund || kind == TypePartialRefund) &&
		(no == "" || isDigits(no)) &&
		req["vnp_CreateBy"] != "" && req["vnp_OrderInfo"] != "" && validIP(req["vnp_IpAddr"])
}

// answerRefund decides a verified refund request about t and records it
// when accepted. s.mu is held.
func (s *Sandbox) answerRefund(t *sandboxTxn, req map[string]string, now time.Time) (string, map[string]string) {
	amount, _ := parseAmount(req["vnp_Amount"]) // checked by validSandboxRefund
	full := req["vnp_TransactionType"] == TypeFullRefund
	remaining := t.order.Amount - refunded(t.refunds)
	switch {
	case req["vnp_TransactionNo"] != "" && (!t.decided || req["vnp_TransactionNo"] != t.result.TransactionNo):
		// The number is part of how VNPay finds the payment, like the date.
		return "91", nil
	case !t.decided || !t.result.Success:
		return "95", nil
	case remaining <= 0:
		// A second full refund, or any refund once the parts add up to the
		// whole: the refund has already been requested.
		return "94", nil
	case amount > remaining || full && amount != t.order.Amount:
		// 03 rather than 99: the merchant reads 99 as "ask again later"
		// (RefundError unwraps it to ErrGatewayUnavailable), and an amount
		// above what was paid, or above what remains after partial refunds,
		// never becomes right. A full refund is of the whole amount; after a
		// partial one, the rest goes back as another partial refund.
		return "03", nil
	}
	s.lastNo++
	r := SandboxRefund{
		RequestID:     req["vnp_RequestId"],
		TransactionNo: strconv.FormatInt(s.lastNo, 10),
		Full:          full,
		Amount:        amount,
		CreatedBy:     req["vnp_CreateBy"],
		IPAddr:        req["vnp_IpAddr"],
		OrderInfo:     req["vnp_OrderInfo"],
		At:            now,
	}
	t.refunds = append(t.refunds, r)
	return "00", map[string]string{
		"vnp_Amount":            req["vnp_Amount"],
		"vnp_BankCode":          t.result.BankCode,
		"vnp_PayDate":           formatDate(now),
		"vnp_TransactionNo":     r.TransactionNo,
		"vnp_TransactionType":   r.transactionType(),
		"vnp_TransactionStatus": r.status(now),
		"vnp_OrderInfo":         r.OrderInfo,
	}
}
