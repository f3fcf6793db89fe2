// Package payment is the protocol layer of online fee payment: the VNPay
// gateway protocol (version 2.1.0), which the public service portals'
// payment platforms speak, and a sandbox gateway that speaks it too, for
// demos and tests. Fees, payment records and receipts are built on top of
// it elsewhere; this package stores nothing.
//
// # The flow
//
//  1. The merchant (egov) records a payment with a fresh TxnRef, its amount
//     and its CreatedAt, then sends the payer's browser to Gateway.PayURL.
//  2. The payer pays or cancels on the gateway's page.
//  3. The gateway calls the merchant's IPN URL, server to server, with the
//     signed result. This is the authoritative message: the IPN handler
//     records the result and answers with an IPNAnswer.
//  4. The gateway redirects the payer's browser to the order's ReturnURL
//     with the same signed result. The return handler only shows the
//     outcome: it may run before the IPN (or without one, if it is lost),
//     so when it finds the payment still unconfirmed it asks Gateway.Query
//     or shows "being confirmed" rather than "failed".
//  5. Payments left unconfirmed are settled later with Gateway.Query.
//
// # Refunds
//
// Gateway.Refund gives back a paid payment's money, all of it (Refund.Full)
// or a part, through the merchant API that also answers Query. The gateway
// refuses a refund of a payment that did not succeed (ErrNotRefundable) and
// one it has already made in full (code 94, ErrAlreadyRefunded): a caller
// that crashed between asking and recording a full refund asks again and
// records it on either answer. A partial refund has no such guard, since
// the next part is a refund too: when one's outcome is unknown, look it up
// before asking again. Once refunded, a payment's Query answers with the
// refund's TransactionType (TypeFullRefund, TypePartialRefund) and status
// (StatusRefundProcessing, then StatusRefundSent), hence Success false: the
// payer did pay, and the money is on its way back.
//
// # The IPN handler
//
// VNPay expects these checks, in this order, each with its answer:
//
//	res, err := gw.ParseCallback(r.URL.Query())
//	signature or format error           → IPNAnswerFor(err) (97 or 99)
//	no payment with res.TxnRef          → IPNOrderNotFound (01)
//	res.Amount differs from the record  → IPNInvalidAmount (04)
//	the payment already has its result  → IPNAlreadyConfirmed (02)
//	record res (success or failure)     → IPNConfirmed (00)
//	the database failed                 → IPNOther (99), so the gateway retries
//
// and writes the answer with WriteIPNAnswer. The IPN comes more than once
// (the gateway retries until it gets 00 or 02), so recording must be
// idempotent: a TxnRef moves out of "pending" once, in one transaction.
//
// # Signatures
//
// Every message is signed with HMAC-SHA512 under the merchant's hash secret.
// Redirect and callback parameters are signed over their canonical string
// (see Sign); the querydr and refund APIs over their fields joined with '|'
// in a fixed order. The rules follow VNPay's documentation and its demo code
// (sandbox.vnpayment.vn/apis/docs), and the tests pin them to VNPay's
// documented example.
//
// # The sandbox
//
// Sandbox is an http.Handler that plays the gateway: a payer page with
// "Thanh toán" and "Hủy giao dịch", the IPN call, the redirect, and the
// querydr and refund API, all signed with the same functions, plus faults on
// demand (a lost or late IPN, a gateway that is down) and SendIPN for
// duplicates. Sandbox.VNPay gives the *VNPay that talks to it, so the code
// under test is the production adapter; Sandbox.Transaction shows what it
// recorded, refunds included.
package payment
