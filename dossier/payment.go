package dossier

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/payment"
	"github.com/egov-vn/egov/slip"
)

// PaymentStatus is where one payment attempt stands.
type PaymentStatus string

// Statuses of a payment. Only the IPN or a query of the gateway moves a
// payment out of pending; the payer's return to the portal never does.
const (
	PaymentPending   PaymentStatus = "pending"   // sent to the gateway, no answer yet
	PaymentPaid      PaymentStatus = "paid"      // the gateway took the money
	PaymentFailed    PaymentStatus = "failed"    // refused, expired or never reached the gateway
	PaymentCancelled PaymentStatus = "cancelled" // the payer cancelled on the gateway's page
	PaymentRefunded  PaymentStatus = "refunded"  // paid, then given back
)

// Payment is one attempt to pay a dossier's fee at the gateway.
type Payment struct {
	ID                  int64         `json:"id"`
	DossierID           int64         `json:"-"`
	DossierCode         string        `json:"dossier_code"`
	AgencyCode          string        `json:"agency_code"`
	TxnRef              string        `json:"txn_ref"`
	Amount              int64         `json:"amount"` // đồng
	Status              PaymentStatus `json:"status"`
	PayerID             int64         `json:"-"`
	OrderDate           time.Time     `json:"order_date"`
	ExpiresAt           time.Time     `json:"expires_at"`
	ResponseCode        string        `json:"response_code,omitempty"`
	TransactionNo       string        `json:"transaction_no,omitempty"`
	BankCode            string        `json:"bank_code,omitempty"`
	CardType            string        `json:"card_type,omitempty"`
	ConfirmedBy         string        `json:"confirmed_by,omitempty"` // ipn or query
	ConfirmedAt         *time.Time    `json:"confirmed_at,omitempty"`
	PaidAt              *time.Time    `json:"paid_at,omitempty"`
	Duplicate           bool          `json:"duplicate,omitempty"`
	ReceiptSeries       string        `json:"receipt_series,omitempty"`
	ReceiptNumber       string        `json:"receipt_number,omitempty"`
	ReceiptDocumentID   int64         `json:"receipt_document_id,omitempty"`
	RefundReason        string        `json:"refund_reason,omitempty"`
	RefundTransactionNo string        `json:"refund_transaction_no,omitempty"`
	RefundedAt          *time.Time    `json:"refunded_at,omitempty"`
	CreatedAt           time.Time     `json:"created_at"`
}

// PaymentStatusName is the Vietnamese name of a payment's status.
func PaymentStatusName(st PaymentStatus) string {
	switch st {
	case PaymentPending:
		return "Đang chờ xác nhận"
	case PaymentPaid:
		return "Đã thanh toán"
	case PaymentFailed:
		return "Không thành công"
	case PaymentCancelled:
		return "Đã hủy"
	case PaymentRefunded:
		return "Đã hoàn tiền"
	}
	return string(st)
}

// FeeDue is what the dossier owes in đồng, paid or not.
func (d *Dossier) FeeDue() int64 {
	if d.Fee == nil {
		return 0
	}
	return d.Fee.Total
}

// AwaitingPayment reports whether the dossier has a fee that is not paid.
func (d *Dossier) AwaitingPayment() bool { return d.FeeDue() > 0 && d.PaidAt == nil }

// FeeStatus is what the public tracking says of the fee: "paid", "unpaid",
// or "" when there is nothing to pay online.
func (d *Dossier) FeeStatus() string {
	switch {
	case d.FeeDue() == 0:
		return ""
	case d.PaidAt != nil:
		return "paid"
	}
	return "unpaid"
}

// PaymentsEnabled reports whether dossiers are paid online here.
func (s *Service) PaymentsEnabled() bool { return s.cfg.Gateway != nil }

// paymentHolds reports whether an unpaid fee stops action on d: receiving
// a dossier whose procedure collects at submission, returning the result
// of any. Dossiers entered at the counter pay there.
func (s *Service) paymentHolds(d *Dossier, p *egov.Procedure, a Action) bool {
	if !s.PaymentsEnabled() || d.Channel == ChannelCounter || !d.AwaitingPayment() {
		return false
	}
	timing := p.FeeTiming()
	if d.Fee != nil && d.Fee.Timing != "" {
		timing = d.Fee.Timing // as fixed at submission
	}
	return a == ActReturnResult || a == ActReceive && timing == egov.PayAtSubmission
}

func (s *Service) paymentHoldError(d *Dossier, a Action) error {
	if a == ActReceive {
		return refuse(egov.ErrConflict, fmt.Sprintf("Hồ sơ chưa nộp phí, lệ phí (%s đồng): thủ tục này thu khi nộp hồ sơ, nên chỉ tiếp nhận sau khi người nộp thanh toán trực tuyến.", payment.FormatDong(d.FeeDue())))
	}
	return refuse(egov.ErrConflict, fmt.Sprintf("Hồ sơ chưa nộp phí, lệ phí (%s đồng): kết quả chỉ được trả sau khi người nộp thanh toán.", payment.FormatDong(d.FeeDue())))
}

const paymentColumns = `p.id, p.dossier_id, COALESCE(d.code, ''), p.agency_code, p.txn_ref, p.amount, p.status,
	COALESCE(p.payer_id, 0), p.order_date, p.expires_at, p.response_code, p.transaction_no, p.bank_code, p.card_type,
	p.confirmed_by, p.confirmed_at, p.paid_at, p.duplicate, p.receipt_series, p.receipt_number,
	COALESCE(p.receipt_document_id, 0), p.refund_reason, p.refund_transaction_no, p.refunded_at, p.created_at
	FROM payments p JOIN dossiers d ON d.id = p.dossier_id`

func scanPayment(row interface{ Scan(...any) error }) (Payment, error) {
	var p Payment
	var confirmed, paid, refunded nullTime
	err := row.Scan(&p.ID, &p.DossierID, &p.DossierCode, &p.AgencyCode, &p.TxnRef, &p.Amount, &p.Status,
		&p.PayerID, &p.OrderDate, &p.ExpiresAt, &p.ResponseCode, &p.TransactionNo, &p.BankCode, &p.CardType,
		&p.ConfirmedBy, &confirmed, &paid, &p.Duplicate, &p.ReceiptSeries, &p.ReceiptNumber,
		&p.ReceiptDocumentID, &p.RefundReason, &p.RefundTransactionNo, &refunded, &p.CreatedAt)
	p.OrderDate, p.ExpiresAt, p.CreatedAt = p.OrderDate.UTC(), p.ExpiresAt.UTC(), p.CreatedAt.UTC()
	p.ConfirmedAt, p.PaidAt, p.RefundedAt = confirmed.ptr(), paid.ptr(), refunded.ptr()
	return p, err
}

func paymentWhere(ctx context.Context, q querier, where string, arg any) (Payment, error) {
	p, err := scanPayment(q.QueryRowContext(ctx, `SELECT `+paymentColumns+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("payment %v: %w", arg, egov.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("payment %v: %w", arg, err)
	}
	return p, nil
}

// Payments lists the payment attempts of a dossier the actor may see,
// newest first.
func (s *Service) Payments(ctx context.Context, actor *identity.Account, ref string) ([]Payment, error) {
	d, err := s.Get(ctx, actor, ref)
	if err != nil {
		return nil, err
	}
	return s.PaymentsOf(ctx, &d)
}

// PaymentsOf lists the payment attempts of d, which the caller has already
// been allowed to see, newest first.
func (s *Service) PaymentsOf(ctx context.Context, d *Dossier) ([]Payment, error) {
	dossierID := d.ID
	rows, err := s.db.QueryContext(ctx, `SELECT `+paymentColumns+` WHERE p.dossier_id = $1 ORDER BY p.id DESC`, dossierID)
	if err != nil {
		return nil, fmt.Errorf("payments of dossier %d: %w", dossierID, err)
	}
	defer rows.Close()
	out := []Payment{}
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, fmt.Errorf("payments of dossier %d: %w", dossierID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ipAddr is the payer's address as the gateway wants it: an IP address,
// the server's own when the request's cannot be read.
func ipAddr(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().String()
	}
	return "127.0.0.1"
}

// StartPayment records a new payment attempt of the dossier ref for its
// applicant and returns it with the gateway's URL to send the payer to.
// Every attempt has its own reference: a payer who comes back after a
// failure, or pays in a second tab, starts another, and the one the gateway
// confirms first pays the dossier (a second success is refunded).
func (s *Service) StartPayment(ctx context.Context, actor *identity.Account, ref string, req Request) (Payment, string, error) {
	if !s.PaymentsEnabled() {
		return Payment{}, "", refuse(egov.ErrInvalid, "Cổng dịch vụ công chưa kết nối cổng thanh toán trực tuyến: vui lòng nộp phí, lệ phí tại bộ phận một cửa.")
	}
	d, err := s.ownDossier(ctx, s.db, actor, ref)
	if err != nil {
		return Payment{}, "", err
	}
	switch {
	case d.Status == StatusDraft:
		return Payment{}, "", refuse(egov.ErrConflict, "Vui lòng nộp hồ sơ trước khi thanh toán phí, lệ phí.")
	case d.Status == StatusRefused || d.Status == StatusWithdrawn:
		return Payment{}, "", refuse(egov.ErrConflict, "Hồ sơ đã kết thúc ("+strings.ToLower(StatusName(d.Status))+"): không cần thanh toán.")
	case d.FeeDue() == 0:
		return Payment{}, "", refuse(egov.ErrConflict, "Hồ sơ này không phải nộp phí, lệ phí trực tuyến.")
	case d.PaidAt != nil:
		return Payment{}, "", refuse(egov.ErrConflict, "Hồ sơ đã được thanh toán; không cần thanh toán lại.")
	}
	now := s.now()
	p := Payment{DossierID: d.ID, DossierCode: d.Code, AgencyCode: d.AgencyCode, TxnRef: rand.Text(), Amount: d.FeeDue(),
		Status: PaymentPending, PayerID: actor.ID, OrderDate: now.Truncate(time.Second), CreatedAt: now}
	p.ExpiresAt = p.OrderDate.Add(payment.DefaultExpiry)
	payURL, err := s.cfg.Gateway.PayURL(payment.Order{TxnRef: p.TxnRef, Amount: p.Amount,
		OrderInfo: payment.PlainText("Thanh toan phi, le phi ho so " + d.Code), IPAddr: ipAddr(req.IP),
		CreatedAt: p.OrderDate, ExpiresAt: p.ExpiresAt, ReturnURL: s.paymentReturnURL()})
	if err != nil {
		return Payment{}, "", fmt.Errorf("payment of %s: %w", d.Code, err)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO payments (dossier_id, agency_code, txn_ref, amount, status, payer_id,
			payer_ip, order_date, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $9)
			RETURNING id`, d.ID, d.AgencyCode, p.TxnRef, p.Amount, actor.ID, ipAddr(req.IP), p.OrderDate, p.ExpiresAt, now).Scan(&p.ID); err != nil {
			return fmt.Errorf("payment of %s: %w", d.Code, err)
		}
		if err := s.auditPayment(ctx, tx, actor, req, &p, "payment.started"); err != nil {
			return err
		}
		// If neither the IPN nor the payer's return settles it, the gateway
		// is asked once the payer's time is up.
		return s.queueSettle(ctx, tx, SettlePaymentArgs{PaymentID: p.ID, After: "expiry"}, p.ExpiresAt.Add(time.Minute))
	})
	if err != nil {
		return Payment{}, "", err
	}
	return p, payURL, nil
}

func (s *Service) paymentReturnURL() string {
	if s.cfg.PaymentReturnURL != "" {
		return s.cfg.PaymentReturnURL
	}
	base := s.cfg.PublicURL
	if base == "" {
		base = "http://localhost:8080"
	}
	return base + "/thanh-toan/ket-qua"
}

func (s *Service) serverIP() string {
	if s.cfg.ServerIP != "" {
		return s.cfg.ServerIP
	}
	return "127.0.0.1"
}

func (s *Service) auditPayment(ctx context.Context, tx *sql.Tx, actor *identity.Account, req Request, p *Payment, action string) error {
	details := map[string]any{"dossier": p.DossierCode, "amount": p.Amount, "status": string(p.Status)}
	if p.TransactionNo != "" {
		details["transaction_no"] = p.TransactionNo
	}
	if p.ResponseCode != "" {
		details["response_code"] = p.ResponseCode
	}
	if p.RefundReason != "" {
		details["refund_reason"] = p.RefundReason
	}
	_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: action,
		Subject: "payment:" + p.TxnRef, AgencyCode: p.AgencyCode, Details: details})
	return err
}

// HandleIPN records the gateway's server-to-server notice of a payment's
// outcome and returns the answer the gateway expects, in the protocol's
// order of checks (see package payment). The same notice twice changes
// nothing the second time.
func (s *Service) HandleIPN(ctx context.Context, q url.Values) payment.IPNAnswer {
	if !s.PaymentsEnabled() {
		return payment.IPNOther()
	}
	res, err := s.cfg.Gateway.ParseCallback(q)
	if err != nil {
		s.log.Warn("payment IPN refused", "err", err)
		return payment.IPNAnswerFor(err)
	}
	p, err := paymentWhere(ctx, s.db, "p.txn_ref = $1", res.TxnRef)
	if errors.Is(err, egov.ErrNotFound) {
		s.log.Warn("payment IPN for an unknown order", "txn_ref", res.TxnRef)
		return payment.IPNOrderNotFound()
	}
	if err != nil {
		s.log.Error("payment IPN", "txn_ref", res.TxnRef, "err", err)
		return payment.IPNOther()
	}
	if res.Amount != p.Amount {
		s.log.Warn("payment IPN with a wrong amount", "txn_ref", p.TxnRef, "amount", res.Amount, "want", p.Amount)
		return payment.IPNInvalidAmount()
	}
	if p.Status != PaymentPending {
		if res.Success && p.Status != PaymentPaid && p.Status != PaymentRefunded {
			// Money taken for a payment recorded as not paid: the
			// reconciliation lists it; an official must settle it by hand.
			s.log.Error("payment IPN: the gateway took money for a payment recorded as not paid",
				"txn_ref", p.TxnRef, "status", string(p.Status), "amount", res.Amount, "transaction_no", res.TransactionNo)
		}
		return payment.IPNAlreadyConfirmed()
	}
	switch _, err := s.settle(ctx, p, res, "ipn"); {
	case errors.Is(err, errSettled):
		return payment.IPNAlreadyConfirmed()
	case err != nil:
		s.log.Error("payment IPN", "txn_ref", p.TxnRef, "err", err)
		return payment.IPNOther() // the gateway calls again
	}
	return payment.IPNConfirmed()
}

// PaymentReturn reads the signed result the gateway appended to the
// payer's return URL and gives the payment as recorded, with the dossier's
// code for the page. The return is only shown, never recorded: if the
// payment is still pending, the IPN has not come (yet), and a job asks the
// gateway.
func (s *Service) PaymentReturn(ctx context.Context, q url.Values) (Payment, payment.Result, error) {
	if !s.PaymentsEnabled() {
		return Payment{}, payment.Result{}, refuse(egov.ErrNotFound, "Cổng dịch vụ công chưa kết nối cổng thanh toán trực tuyến.")
	}
	res, err := s.cfg.Gateway.ParseCallback(q)
	if err != nil {
		return Payment{}, res, refuse(egov.ErrInvalid, "Kết quả thanh toán không hợp lệ (chữ ký không đúng). Không có khoản tiền nào được ghi nhận từ đường dẫn này; vui lòng mở hồ sơ để xem trạng thái thanh toán.")
	}
	p, err := paymentWhere(ctx, s.db, "p.txn_ref = $1", res.TxnRef)
	if err != nil {
		return p, res, err
	}
	if p.Status == PaymentPending {
		if err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			return s.queueSettle(ctx, tx, SettlePaymentArgs{PaymentID: p.ID, After: "return"}, time.Time{})
		}); err != nil {
			return p, res, err
		}
	}
	return p, res, nil
}

// errSettled: the payment left pending in the meantime.
var errSettled = errors.New("payment already settled")

// errStillOpen: the gateway cannot say yet; ask again later.
var errStillOpen = errors.New("payment not settled at the gateway yet")

func outcome(res payment.Result) PaymentStatus {
	switch {
	case res.Success:
		return PaymentPaid
	case res.ResponseCode == payment.ResponseCancelled:
		return PaymentCancelled
	}
	return PaymentFailed
}

// settle records the gateway's word on the pending payment p, in one
// transaction: the payment's status, its audit entry, and for a success the
// dossier paid, its history, the e-receipt in the payer's document store
// and the e-mail. A success for a dossier that another payment already paid
// is recorded, marked duplicate, and refunded by a job.
func (s *Service) settle(ctx context.Context, p Payment, res payment.Result, by string) (Payment, error) {
	var heading slip.Heading
	if res.Success {
		var err error
		if heading, err = s.heading(ctx, p.AgencyCode); err != nil {
			return p, err
		}
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The dossier's row first, as an official's action takes it, and
		// before the audit log's head: the other order deadlocks with an
		// action on the same dossier, and d read unlocked could be older
		// than the row the payment's figures are counted against.
		if _, err := storedFacts(ctx, tx, s.db.Dialect, p.DossierID); err != nil {
			return err
		}
		d, err := s.load(ctx, tx, p.DossierID)
		if err != nil {
			return err
		}
		now := s.now()
		p.Status, p.ResponseCode, p.TransactionNo = outcome(res), res.ResponseCode, res.TransactionNo
		p.BankCode, p.CardType, p.ConfirmedBy, p.ConfirmedAt = res.BankCode, res.CardType, by, &now
		if res.Success {
			paid := res.PayDate
			if paid.IsZero() {
				paid = now
			}
			paid = paid.UTC()
			p.PaidAt = &paid
		}
		r, err := tx.ExecContext(ctx, `UPDATE payments SET status = $1, response_code = $2, transaction_no = $3, bank_code = $4,
			card_type = $5, confirmed_by = $6, confirmed_at = $7, paid_at = $8, updated_at = $7 WHERE id = $9 AND status = 'pending'`,
			string(p.Status), p.ResponseCode, p.TransactionNo, p.BankCode, p.CardType, by, now, tp(p.PaidAt), p.ID)
		if err != nil {
			return fmt.Errorf("settle payment %s: %w", p.TxnRef, err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return fmt.Errorf("settle payment %s: %w", p.TxnRef, err)
		} else if n != 1 {
			return errSettled
		}
		if err := s.auditPayment(ctx, tx, nil, Request{}, &p, "payment."+string(p.Status)); err != nil {
			return err
		}
		if !res.Success {
			return nil
		}
		r, err = tx.ExecContext(ctx, `UPDATE dossiers SET paid_at = $1 WHERE id = $2 AND paid_at IS NULL`, *p.PaidAt, d.ID)
		if err != nil {
			return fmt.Errorf("dossier %s paid: %w", d.Code, err)
		}
		if n, err := r.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return fmt.Errorf("dossier %s paid: %w", d.Code, err)
			}
			p.Duplicate = true
			if _, err := tx.ExecContext(ctx, `UPDATE payments SET duplicate = $1 WHERE id = $2`, true, p.ID); err != nil {
				return fmt.Errorf("payment %s duplicate: %w", p.TxnRef, err)
			}
			return s.queueRefund(ctx, tx, p.ID, "Thanh toán trùng: hồ sơ đã được thanh toán bằng giao dịch khác")
		}
		before := facts(&d)
		d.PaidAt = p.PaidAt
		if err := s.figures.Record(ctx, tx, before, facts(&d)); err != nil {
			return err
		}
		if err := s.issueFeeReceipt(ctx, tx, &d, &p, heading, now); err != nil {
			return err
		}
		// Read again now that the update holds the dossier's row: an
		// official or the applicant who closed it meanwhile has committed.
		// Money for a dossier refused or withdrawn before it arrived pays
		// for nothing and goes back.
		var status Status
		if err := tx.QueryRowContext(ctx, `SELECT status FROM dossiers WHERE id = $1`, d.ID).Scan(&status); err != nil {
			return fmt.Errorf("dossier %s paid: %w", d.Code, err)
		}
		if status == StatusRefused || status == StatusWithdrawn {
			d.Status = status
			if err := s.queueRefund(ctx, tx, p.ID, "Hồ sơ đã kết thúc ("+strings.ToLower(StatusName(status))+") trước khi nhận được tiền"); err != nil {
				return err
			}
		}
		d.UpdatedAt = now
		details := map[string]any{"amount": p.Amount, "txn_ref": p.TxnRef, "receipt": p.ReceiptSeries + " " + p.ReceiptNumber}
		if err := s.writeHistory(ctx, tx, &d, event{role: "system", action: "paid", from: d.Status, details: details}, d.Status, d.Step); err != nil {
			return err
		}
		return s.mailApplicant(ctx, tx, &d, fmt.Sprintf("Hồ sơ %s: đã thanh toán phí, lệ phí", d.Code),
			fmt.Sprintf("Hồ sơ %s (%s) đã được thanh toán %s đồng (giao dịch %s). Biên lai điện tử ký hiệu %s số %s đã được lưu trong kho dữ liệu cá nhân của bạn.",
				d.Code, d.ProcedureName, payment.FormatDong(p.Amount), p.TransactionNo, p.ReceiptSeries, p.ReceiptNumber))
	})
	return p, err
}

// mailApplicant queues an e-mail to the applicant of d in tx.
func (s *Service) mailApplicant(ctx context.Context, tx *sql.Tx, d *Dossier, subject, body string) error {
	if s.queue == nil || d.Applicant.Email == "" {
		return nil
	}
	text := fmt.Sprintf("Kính gửi %s,\n\n%s\n\nTheo dõi hồ sơ: %s\n\nThư này được gửi tự động, vui lòng không trả lời.\n",
		d.Applicant.Name, body, s.TrackingURL(d.Code))
	return s.queue.InsertTx(ctx, tx, notify.EmailArgs{Email: notify.Email{To: d.Applicant.Email, Subject: subject, Text: text}}, nil)
}

// issueFeeReceipt numbers the e-receipt of the paid payment p in the
// collecting agency's series of the year, renders it and keeps it in the
// payer's document store.
func (s *Service) issueFeeReceipt(ctx context.Context, tx *sql.Tx, d *Dossier, p *Payment, h slip.Heading, now time.Time) error {
	// The series is the year of the payment, the date the receipt bears,
	// even when the gateway confirms it after New Year.
	year := p.PaidAt.In(calendar.Vietnam).Year()
	var n int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO receipt_series (agency_code, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (agency_code, year) DO UPDATE SET last = receipt_series.last + 1 RETURNING last`,
		p.AgencyCode, year).Scan(&n); err != nil {
		return fmt.Errorf("receipt number: %w", err)
	}
	p.ReceiptSeries, p.ReceiptNumber = fmt.Sprintf("BL%02dE", year%100), fmt.Sprintf("%07d", n)
	data := slip.FeeReceiptData{Heading: h, Series: p.ReceiptSeries, Number: p.ReceiptNumber, IssuedAt: *p.PaidAt,
		Payer:       slip.Applicant{Name: d.Applicant.Name, IDNumber: d.Applicant.IDNumber, Address: d.Applicant.Address},
		DossierCode: d.Code, Procedure: slip.Procedure{Code: d.ProcedureCode, Name: d.ProcedureName},
		Total: p.Amount, Method: paymentMethod(p), TransactionNo: p.TransactionNo, Collector: h.AgencyName,
		TrackingURL: s.absoluteTrackingURL(d.Code)}
	if d.Fee != nil {
		for _, l := range d.Fee.Lines {
			data.Lines = append(data.Lines, slip.FeeLine{Name: l.Name, Quantity: quantityText(l), Amount: l.Amount})
		}
		if ex := d.Fee.Exemption; ex != nil && d.Fee.Subtotal > d.Fee.Total {
			data.Exemption = &slip.FeeExemption{Name: ex.Name, Amount: d.Fee.Subtotal - d.Fee.Total}
		}
	}
	if len(data.Lines) == 0 || d.Fee == nil || d.Fee.Total != p.Amount {
		// The bill changed under the payment (it cannot once submitted);
		// the receipt still says what was paid.
		data.Lines, data.Exemption = []slip.FeeLine{{Name: "Phí, lệ phí hồ sơ " + d.Code, Quantity: "1", Amount: p.Amount}}, nil
	}
	var buf bytes.Buffer
	if err := slip.FeeReceipt(&buf, data); err != nil {
		return fmt.Errorf("receipt of %s: %w", p.TxnRef, err)
	}
	if d.Applicant.AccountID != 0 {
		doc, err := s.putIssued(ctx, tx, d, DocumentReceipt, fmt.Sprintf("bien-lai-%s-%s.pdf", p.ReceiptSeries, p.ReceiptNumber), &buf, now)
		if err != nil {
			return err
		}
		p.ReceiptDocumentID = doc.ID
	}
	var docID any
	if p.ReceiptDocumentID != 0 {
		docID = p.ReceiptDocumentID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE payments SET receipt_series = $1, receipt_number = $2, receipt_document_id = $3 WHERE id = $4`,
		p.ReceiptSeries, p.ReceiptNumber, docID, p.ID); err != nil {
		return fmt.Errorf("receipt of %s: %w", p.TxnRef, err)
	}
	return nil
}

func paymentMethod(p *Payment) string {
	m := "Thanh toán trực tuyến qua cổng thanh toán VNPay"
	if p.BankCode != "" {
		m += " (" + p.BankCode
		if p.CardType != "" {
			m += ", " + p.CardType
		}
		m += ")"
	}
	return m
}

func quantityText(l payment.BillLine) string {
	q := fmt.Sprint(l.Quantity)
	if l.Unit != "" {
		q += " × " + payment.FormatDong(l.UnitAmount) + " đồng/" + strings.TrimPrefix(l.Unit, "đồng/")
	}
	return q
}

// SettlePayment asks the gateway about a payment still pending and records
// its answer. It returns errStillOpen while the payer may still pay, and
// the gateway's error when it cannot be reached: the job asks again later.
func (s *Service) SettlePayment(ctx context.Context, id int64) (Payment, error) {
	p, err := paymentWhere(ctx, s.db, "p.id = $1", id)
	if err != nil || p.Status != PaymentPending || !s.PaymentsEnabled() {
		return p, err
	}
	res, err := s.cfg.Gateway.Query(ctx, p.TxnRef, p.OrderDate, s.serverIP())
	expired := s.now().After(p.ExpiresAt)
	switch {
	case errors.Is(err, payment.ErrTransactionNotFound) && expired:
		// The payer never reached the gateway's page, or the gateway was
		// down: nothing was taken.
		res = payment.Result{TxnRef: p.TxnRef, Amount: p.Amount, ResponseCode: "91", TransactionStatus: payment.StatusFailed}
	case errors.Is(err, payment.ErrTransactionNotFound):
		return p, errStillOpen
	case err != nil:
		return p, fmt.Errorf("query payment %s: %w", p.TxnRef, err)
	case res.Amount != p.Amount && res.Amount != 0:
		return p, fmt.Errorf("query payment %s: the gateway says %d đồng, we asked %d", p.TxnRef, res.Amount, p.Amount)
	case res.TransactionStatus == payment.StatusPending:
		return p, errStillOpen
	}
	res.Success = res.TransactionStatus == payment.StatusSuccess
	p, err = s.settle(ctx, p, res, "query")
	if errors.Is(err, errSettled) {
		return paymentWhere(ctx, s.db, "p.id = $1", id)
	}
	return p, err
}

// refundClosed queues the refund of the fee paid online for d, which tx
// has just refused or withdrawn: always for a withdrawal (nothing was
// done), for a refusal when the procedure's law gives the fee back. It
// runs after the dossier's update, which holds its row: a payment settled
// concurrently has committed by then, or will see the closed status and
// refund itself (see settle).
func (s *Service) refundClosed(ctx context.Context, tx *sql.Tx, d *Dossier, p *egov.Procedure) error {
	if !s.PaymentsEnabled() {
		return nil
	}
	reason := "Hồ sơ đã được rút"
	if d.Status == StatusRefused {
		if p.FeePolicy == nil || !p.FeePolicy.RefundOnRefusal {
			return nil
		}
		reason = "Hồ sơ bị từ chối giải quyết"
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM payments WHERE dossier_id = $1 AND status = 'paid' AND duplicate = $2`, d.ID, false).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not paid, or paid at the counter: refunded there
	}
	if err != nil {
		return fmt.Errorf("refund of %s: %w", d.Code, err)
	}
	return s.queueRefund(ctx, tx, id, reason)
}

// RefundPayment gives back a paid payment through the gateway and records
// it. A payment refunded already is left as it is; the row is never
// deleted.
func (s *Service) RefundPayment(ctx context.Context, id int64, reason string) (Payment, error) {
	p, err := paymentWhere(ctx, s.db, "p.id = $1", id)
	if err != nil || p.Status != PaymentPaid || !s.PaymentsEnabled() {
		return p, err
	}
	rr, err := s.cfg.Gateway.Refund(ctx, payment.Refund{TxnRef: p.TxnRef, Amount: p.Amount, Full: true,
		TransactionNo: p.TransactionNo, OrderDate: p.OrderDate, CreatedBy: "egov", IPAddr: s.serverIP(),
		OrderInfo: payment.PlainText("Hoan phi ho so " + p.DossierCode)})
	if err != nil && !errors.Is(err, payment.ErrAlreadyRefunded) {
		return p, fmt.Errorf("refund payment %s: %w", p.TxnRef, err)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.load(ctx, tx, p.DossierID)
		if err != nil {
			return err
		}
		now := s.now()
		p.Status, p.RefundReason, p.RefundTransactionNo, p.RefundedAt = PaymentRefunded, reason, rr.TransactionNo, &now
		r, err := tx.ExecContext(ctx, `UPDATE payments SET status = 'refunded', refund_reason = $1, refund_transaction_no = $2,
			refunded_at = $3, updated_at = $3 WHERE id = $4 AND status = 'paid'`, reason, rr.TransactionNo, now, p.ID)
		if err != nil {
			return fmt.Errorf("refund payment %s: %w", p.TxnRef, err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return fmt.Errorf("refund payment %s: %w", p.TxnRef, err)
		} else if n != 1 {
			return errSettled
		}
		if err := s.auditPayment(ctx, tx, nil, Request{}, &p, "payment.refunded"); err != nil {
			return err
		}
		d.UpdatedAt = now
		if err := s.writeHistory(ctx, tx, &d, event{role: "system", action: "refunded", from: d.Status, comment: reason,
			details: map[string]any{"amount": p.Amount, "txn_ref": p.TxnRef}}, d.Status, d.Step); err != nil {
			return err
		}
		return s.mailApplicant(ctx, tx, &d, fmt.Sprintf("Hồ sơ %s: hoàn trả phí, lệ phí", d.Code),
			fmt.Sprintf("%s đồng đã thanh toán cho hồ sơ %s (giao dịch %s) được hoàn trả. Lý do: %s. Tiền về tài khoản của bạn theo thời gian xử lý của ngân hàng.",
				payment.FormatDong(p.Amount), d.Code, p.TransactionNo, reason))
	})
	if errors.Is(err, errSettled) {
		return paymentWhere(ctx, s.db, "p.id = $1", id)
	}
	return p, err
}

// SettlePaymentArgs is the job that asks the gateway about a pending
// payment: after the payer's return without an IPN, and when the payer's
// time is up.
type SettlePaymentArgs struct {
	PaymentID int64 `json:"payment_id"`
	// After is what the job follows: "expiry" (the payer's time is up)
	// or "return" (the payer came back before the IPN).
	After string `json:"after"`
}

// Kind is River's name of the job.
func (SettlePaymentArgs) Kind() string { return "payment_settle" }

// RefundPaymentArgs is the job that refunds a paid payment.
type RefundPaymentArgs struct {
	PaymentID int64  `json:"payment_id"`
	Reason    string `json:"reason"`
}

// Kind is River's name of the job.
func (RefundPaymentArgs) Kind() string { return "payment_refund" }

// queueSettle queues a settle job in tx. A payer reloading the return page
// makes at most one job a minute.
func (s *Service) queueSettle(ctx context.Context, tx *sql.Tx, args SettlePaymentArgs, at time.Time) error {
	if s.queue == nil {
		return nil
	}
	return s.queue.InsertTx(ctx, tx, args, &river.InsertOpts{ScheduledAt: at, MaxAttempts: 25,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}})
}

func (s *Service) queueRefund(ctx context.Context, tx *sql.Tx, id int64, reason string) error {
	if s.queue == nil {
		return nil
	}
	return s.queue.InsertTx(ctx, tx, RefundPaymentArgs{PaymentID: id, Reason: reason}, &river.InsertOpts{MaxAttempts: 25})
}

type settleWorker struct {
	river.WorkerDefaults[SettlePaymentArgs]
	svc *Service
}

// settleRetry is how long a payment the gateway cannot settle yet waits.
const settleRetry = time.Minute

func (w *settleWorker) Work(ctx context.Context, job *river.Job[SettlePaymentArgs]) error {
	p, err := w.svc.SettlePayment(ctx, job.Args.PaymentID)
	if errors.Is(err, errStillOpen) {
		return river.JobSnooze(settleRetry)
	}
	if err != nil {
		w.svc.log.Warn("payment not settled; will ask again", "payment", job.Args.PaymentID, "err", err)
		return err
	}
	w.svc.log.Info("payment settled", "txn_ref", p.TxnRef, "status", string(p.Status))
	return nil
}

type refundWorker struct {
	river.WorkerDefaults[RefundPaymentArgs]
	svc *Service
}

func (w *refundWorker) Work(ctx context.Context, job *river.Job[RefundPaymentArgs]) error {
	p, err := w.svc.RefundPayment(ctx, job.Args.PaymentID, job.Args.Reason)
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.svc.log.Error("refund given up: refund this payment by hand at the gateway", "payment", job.Args.PaymentID,
			"reason", job.Args.Reason, "err", err)
		return err
	}
	if err != nil {
		w.svc.log.Warn("refund failed; will try again", "payment", job.Args.PaymentID, "err", err)
		return err
	}
	w.svc.log.Info("payment refunded", slog.String("txn_ref", p.TxnRef), slog.String("status", string(p.Status)))
	return nil
}

// AddPaymentWorkers registers the payment jobs' workers in cfg. Call it
// before jobs.New(db, *cfg).
func (s *Service) AddPaymentWorkers(cfg *jobs.Config) {
	river.AddWorker(cfg.Workers, &settleWorker{svc: s})
	river.AddWorker(cfg.Workers, &refundWorker{svc: s})
}

// ResultWithheld reports whether the applicant must pay before downloading
// the result of d: level 4 hands the result over online once it is paid.
func (s *Service) ResultWithheld(d *Dossier) bool {
	return s.PaymentsEnabled() && d.Channel != ChannelCounter && d.AwaitingPayment()
}

// feeFields are the form fields p's bill is computed from: quantities,
// cases and the exemptions' birth dates and groups. They are fixed once the
// dossier is submitted, with the bill.
func feeFields(p *egov.Procedure) []string {
	var out []string
	add := func(name string) {
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, f := range p.OnlineFees() {
		add(f.Per)
		if f.When != nil {
			add(f.When.Field)
		}
	}
	if p.FeePolicy != nil {
		for _, ex := range p.FeePolicy.Exemptions {
			add(ex.AgeField)
			if ex.When != nil {
				add(ex.When.Field)
			}
		}
	}
	return out
}

// resultReleased refuses the applicant the result of the dossier code
// while its fee is due online (see ResultWithheld): the result is in the
// applicant's store from approval, but handed over once paid.
func (s *Service) resultReleased(ctx context.Context, code string) error {
	if !s.PaymentsEnabled() {
		return nil
	}
	var d Dossier
	var fee int64
	var paid bool
	err := s.db.QueryRowContext(ctx, `SELECT channel, fee_total, paid_at IS NOT NULL FROM dossiers WHERE code = $1`, code).Scan(&d.Channel, &fee, &paid)
	if err != nil {
		return fmt.Errorf("result of %s: %w", code, err)
	}
	if d.Channel != ChannelCounter && fee > 0 && !paid {
		return refuse(egov.ErrForbidden, fmt.Sprintf("Kết quả của hồ sơ %s được trả sau khi bạn nộp phí, lệ phí (%s đồng): vui lòng thanh toán trên trang hồ sơ.", code, payment.FormatDong(fee)))
	}
	return nil
}
