package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/payment"
)

// Mismatch is one payment whose record here and the gateway's disagree.
type Mismatch struct {
	// Payment is as recorded here (after any settlement this run did).
	Payment Payment `json:"payment"`
	// GatewayStatus is the vnp_TransactionStatus the gateway reported, or
	// "" when it does not know the payment.
	GatewayStatus string `json:"gateway_status"`
	// GatewayAmount is the amount the gateway reported, in đồng; 0 when
	// it does not know the payment.
	GatewayAmount int64 `json:"gateway_amount"`
	// Problem is a Vietnamese sentence for the official: what differs and
	// what to do.
	Problem string `json:"problem"`
}

// Reconciliation is one agency's payments of one day (Vietnam time)
// checked against the gateway (đối soát).
//
// Every payment created that day is counted in Checked, and is either
// Matched, one of the Mismatches, or still open: pending and within its
// time, which only happens when the day is not long over (see Open).
type Reconciliation struct {
	ID         int64     `json:"id"`
	AgencyCode string    `json:"agency_code"`
	Day        time.Time `json:"day"` // midnight in Vietnam (calendar.Vietnam) of the day reconciled
	Checked    int       `json:"checked"`
	Matched    int       `json:"matched"`
	// RecordedTotal is what the agency's records say was collected that
	// day, in đồng: payments paid, not refunded.
	RecordedTotal int64 `json:"recorded_total"`
	// GatewayTotal is what the gateway says was collected, in đồng:
	// payments that succeeded and were not refunded.
	GatewayTotal int64 `json:"gateway_total"`
	// Settled are the pending payments this run found settled at the
	// gateway and recorded (as the IPN would have).
	Settled    []Payment  `json:"settled"`
	Mismatches []Mismatch `json:"mismatches"`
	RanAt      time.Time  `json:"ran_at"`
}

// Open is the number of payments neither matched nor mismatched: still
// pending at the gateway, within their time.
func (r *Reconciliation) Open() int { return r.Checked - r.Matched - len(r.Mismatches) }

// dayLayout is how a day is written in the database and in job arguments.
const dayLayout = "2006-01-02"

// openGrace is how long after a payment's expiry the gateway may still
// not have settled it before the reconciliation calls that a mismatch:
// the settle job asks a minute after expiry, and again every minute.
const openGrace = time.Hour

// vietnamDay is midnight in Vietnam of the day t falls on there.
func vietnamDay(t time.Time) time.Time {
	y, m, d := t.In(calendar.Vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Vietnam)
}

// dayClosed is when every payment created on the day starting at start is
// past its time and its grace, so that a reconciliation from then on has
// nothing open.
func dayClosed(start time.Time) time.Time {
	return start.AddDate(0, 0, 1).Add(payment.DefaultExpiry + openGrace)
}

// gatewayAnswer is what the gateway said about one payment.
type gatewayAnswer struct {
	found bool // false: the gateway knows no such payment
	res   payment.Result
}

// gatewayState is what a gatewayAnswer means for the money.
type gatewayState int

const (
	gwUnknown  gatewayState = iota // no such payment at the gateway
	gwSuccess                      // paid, not refunded
	gwPending                      // the payer has not finished
	gwFailed                       // ended without money taken
	gwRefunded                     // paid, then refunded (being or already)
	gwOther                        // a status egov does not act on: reversal, fraud check, refused refund...
)

func (a gatewayAnswer) state() gatewayState {
	if !a.found {
		return gwUnknown
	}
	r := a.res
	refund := r.TransactionType == payment.TypeFullRefund || r.TransactionType == payment.TypePartialRefund
	switch {
	case r.TransactionStatus == payment.StatusRefundProcessing || r.TransactionStatus == payment.StatusRefundSent:
		return gwRefunded
	case refund:
		return gwOther // a refund in another state, such as refused (09)
	case r.TransactionStatus == payment.StatusSuccess:
		return gwSuccess
	case r.TransactionStatus == payment.StatusPending:
		return gwPending
	case r.TransactionStatus == payment.StatusFailed:
		return gwFailed
	}
	return gwOther
}

// words says in Vietnamese what the gateway reported.
func (a gatewayAnswer) words() string {
	if !a.found {
		return "không có giao dịch này"
	}
	r := a.res
	switch r.TransactionStatus {
	case payment.StatusRefundProcessing:
		return "đang hoàn tiền"
	case payment.StatusRefundSent:
		return "đã chuyển tiền hoàn trả cho ngân hàng của người nộp"
	case "09":
		return "yêu cầu hoàn tiền bị từ chối"
	}
	if r.TransactionType == payment.TypeFullRefund || r.TransactionType == payment.TypePartialRefund {
		return "giao dịch hoàn tiền ở trạng thái " + r.TransactionStatus
	}
	switch r.TransactionStatus {
	case payment.StatusSuccess:
		return "thanh toán thành công"
	case payment.StatusPending:
		return "giao dịch chưa hoàn tất"
	case payment.StatusFailed:
		return "giao dịch không thành công"
	case "04":
		return "giao dịch đảo (ngân hàng đã trừ tiền nhưng giao dịch chưa thành công tại cổng thanh toán)"
	case "07":
		return "giao dịch bị nghi ngờ gian lận"
	}
	return "trạng thái " + r.TransactionStatus
}

func dong(n int64) string { return payment.FormatDong(n) + " đồng" }

func recordedWords(st PaymentStatus) string { return strings.ToLower(PaymentStatusName(st)) }

// verdict is how a payment's record compares with the gateway's.
type verdict int

const (
	verdictMatch verdict = iota
	verdictOpen
	verdictMismatch
)

// judge compares the record p with the gateway's answer a at now, and for
// a mismatch says what is wrong and what to do.
func judge(p Payment, a gatewayAnswer, now time.Time) (verdict, string) {
	st, gwAmount := a.state(), a.res.Amount
	ref := p.TxnRef
	other := func() (verdict, string) {
		return verdictMismatch, fmt.Sprintf("Hệ thống ghi nhận giao dịch %s (%s) nhưng cổng thanh toán báo %s. Liên hệ cổng thanh toán với mã giao dịch %s để xác minh rồi cập nhật hồ sơ %s.",
			recordedWords(p.Status), dong(p.Amount), a.words(), ref, p.DossierCode)
	}
	switch p.Status {
	case PaymentPaid:
		switch st {
		case gwSuccess:
			if gwAmount == p.Amount && p.Duplicate {
				// A second payment of a dossier already paid is refunded
				// by a job at once; still taken, it is owed to the payer.
				return verdictMismatch, fmt.Sprintf("Giao dịch %s là khoản thanh toán trùng (hồ sơ %s đã được thanh toán bằng giao dịch khác) nhưng chưa được hoàn trả %s cho người nộp. Yêu cầu hoàn tiền qua cổng thanh toán.",
					ref, p.DossierCode, dong(p.Amount))
			}
			if gwAmount == p.Amount {
				return verdictMatch, ""
			}
			return verdictMismatch, fmt.Sprintf("Số tiền không khớp: hệ thống ghi nhận đã thu %s nhưng cổng thanh toán báo %s. Đối chiếu với sao kê của cổng thanh toán và xử lý khoản chênh lệch với cổng thanh toán (mã giao dịch %s).",
				dong(p.Amount), dong(gwAmount), ref)
		case gwRefunded:
			return verdictMismatch, fmt.Sprintf("Cổng thanh toán báo giao dịch đã được hoàn tiền (%s) nhưng hệ thống vẫn ghi nhận đã thu %s. Xác minh ai đã yêu cầu hoàn tiền; nếu người nộp đã nhận lại tiền thì hồ sơ %s chưa được nộp phí.",
				a.words(), dong(p.Amount), p.DossierCode)
		case gwUnknown, gwFailed, gwPending:
			return verdictMismatch, fmt.Sprintf("Hệ thống ghi nhận đã thu %s nhưng cổng thanh toán %s: tiền có thể chưa về tài khoản. Liên hệ cổng thanh toán với mã giao dịch %s để xác minh trước khi trả kết quả hồ sơ %s.",
				dong(p.Amount), gatewayVerb(a), ref, p.DossierCode)
		}
	case PaymentRefunded:
		switch st {
		case gwRefunded:
			if gwAmount == p.Amount {
				return verdictMatch, ""
			}
			return verdictMismatch, fmt.Sprintf("Số tiền không khớp: hệ thống ghi nhận đã hoàn trả %s nhưng cổng thanh toán báo %s. Đối chiếu với cổng thanh toán (mã giao dịch %s).",
				dong(p.Amount), dong(gwAmount), ref)
		case gwSuccess:
			return verdictMismatch, fmt.Sprintf("Hệ thống ghi nhận đã hoàn trả %s nhưng cổng thanh toán chưa có giao dịch hoàn tiền: người nộp chưa nhận lại tiền. Yêu cầu hoàn tiền lại qua cổng thanh toán (mã giao dịch %s).",
				dong(p.Amount), ref)
		}
	case PaymentFailed, PaymentCancelled:
		switch st {
		case gwUnknown, gwFailed:
			return verdictMatch, ""
		case gwSuccess:
			return verdictMismatch, fmt.Sprintf("Người nộp đã bị trừ %s (cổng thanh toán báo thanh toán thành công, số giao dịch %s) nhưng hệ thống ghi nhận %s. Xác minh với cổng thanh toán, rồi ghi nhận khoản đã thu cho hồ sơ %s hoặc hoàn tiền cho người nộp.",
				dong(gwAmount), a.res.TransactionNo, recordedWords(p.Status), p.DossierCode)
		case gwRefunded:
			return verdictMismatch, fmt.Sprintf("Cổng thanh toán báo giao dịch đã thu tiền rồi hoàn tiền (%s) nhưng hệ thống ghi nhận %s. Xác minh với cổng thanh toán rằng người nộp đã nhận lại đủ %s (mã giao dịch %s).",
				a.words(), recordedWords(p.Status), dong(gwAmount), ref)
		case gwPending:
			return verdictMismatch, fmt.Sprintf("Hệ thống ghi nhận %s nhưng cổng thanh toán vẫn để giao dịch chờ thanh toán: người nộp có thể vẫn bị trừ tiền. Liên hệ cổng thanh toán để hủy giao dịch %s.",
				recordedWords(p.Status), ref)
		}
	case PaymentPending:
		if a.found && gwAmount != p.Amount {
			return verdictMismatch, fmt.Sprintf("Số tiền không khớp: hệ thống chờ thu %s nhưng cổng thanh toán báo %s (%s), nên giao dịch chưa được ghi nhận. Liên hệ cổng thanh toán với mã giao dịch %s để xác minh.",
				dong(p.Amount), dong(gwAmount), a.words(), ref)
		}
		if now.Before(p.ExpiresAt.Add(openGrace)) {
			return verdictOpen, ""
		}
		return verdictMismatch, fmt.Sprintf("Giao dịch vẫn chờ xác nhận dù đã hết hạn thanh toán lúc %s: cổng thanh toán %s. Liên hệ cổng thanh toán với mã giao dịch %s để xác minh kết quả.",
			p.ExpiresAt.In(calendar.Vietnam).Format("15:04 02/01/2006"), gatewayVerb(a), ref)
	}
	return other()
}

// gatewayVerb is a.words() as the predicate of "cổng thanh toán ...".
func gatewayVerb(a gatewayAnswer) string {
	if !a.found {
		return "không có giao dịch này"
	}
	return "báo " + a.words()
}

// Reconcile checks the payments the agency recorded on day (the day in
// Vietnam that the instant day falls on) against the gateway, and stores
// the run, with its audit entry "payment.reconciled".
//
// Every payment created that day is asked about. A pending one is first
// settled (SettlePayment), as a lost IPN would have; it stays open, and is
// no mismatch, while the payer may still pay. Then a record matches when
// it says what the gateway says: paid and a success of the same amount;
// refunded and a refund; failed or cancelled and a failure or a payment
// the gateway never saw. Anything else is a Mismatch, whose Problem tells
// the official what to do.
//
// The gateway is asked about every payment before anything is changed:
// when it cannot be reached, Reconcile returns an error wrapping
// payment.ErrGatewayUnavailable and stores nothing. A day may be
// reconciled again: each run is kept (see Reconciliations).
func (s *Service) Reconcile(ctx context.Context, agency string, day time.Time) (Reconciliation, error) {
	start := vietnamDay(day)
	end := start.AddDate(0, 0, 1)
	label := agency + " " + start.Format(dayLayout)
	if !s.PaymentsEnabled() {
		return Reconciliation{}, refuse(egov.ErrInvalid, "Cổng dịch vụ công chưa kết nối cổng thanh toán trực tuyến: không có giao dịch nào để đối soát.")
	}
	if start.After(s.now()) {
		return Reconciliation{}, refuse(egov.ErrInvalid, fmt.Sprintf("Ngày %s chưa đến: chỉ đối soát được hôm nay hoặc những ngày đã qua.", start.Format("02/01/2006")))
	}
	if _, err := s.catalog.Agency(ctx, agency); errors.Is(err, egov.ErrNotFound) {
		return Reconciliation{}, refuse(egov.ErrNotFound, "Không có cơ quan mã "+quote(agency)+".")
	} else if err != nil {
		return Reconciliation{}, fmt.Errorf("reconcile %s: %w", label, err)
	}
	payments, err := s.paymentsCreated(ctx, agency, start, end)
	if err != nil {
		return Reconciliation{}, fmt.Errorf("reconcile %s: %w", label, err)
	}
	answers := make([]gatewayAnswer, len(payments))
	for i := range payments {
		if answers[i], err = s.askGateway(ctx, &payments[i]); err != nil {
			return Reconciliation{}, fmt.Errorf("reconcile %s: %w", label, err)
		}
	}

	rec := Reconciliation{AgencyCode: agency, Day: start, Checked: len(payments), Settled: []Payment{}, Mismatches: []Mismatch{}}
	for i, p := range payments {
		a := answers[i]
		// A pending payment whose amount differs at the gateway is not
		// settled: SettlePayment refuses it, and it is a mismatch anyway.
		if p.Status == PaymentPending && (!a.found || a.res.Amount == p.Amount) {
			settled, err := s.SettlePayment(ctx, p.ID)
			switch {
			case errors.Is(err, errStillOpen):
			case err != nil:
				return Reconciliation{}, fmt.Errorf("reconcile %s: %w", label, err)
			case settled.Status != PaymentPending:
				rec.Settled = append(rec.Settled, settled)
				p = settled
				// The gateway's state may have moved since it was asked
				// (the payer finished meanwhile): compare with its latest.
				if a, err = s.askGateway(ctx, &p); err != nil {
					return Reconciliation{}, fmt.Errorf("reconcile %s: %w", label, err)
				}
			}
		}
		if p.Status == PaymentPaid {
			rec.RecordedTotal += p.Amount
		}
		if a.state() == gwSuccess {
			rec.GatewayTotal += a.res.Amount
		}
		switch v, problem := judge(p, a, s.now()); v {
		case verdictMatch:
			rec.Matched++
		case verdictMismatch:
			m := Mismatch{Payment: p, Problem: problem}
			if a.found {
				m.GatewayStatus, m.GatewayAmount = a.res.TransactionStatus, a.res.Amount
			}
			rec.Mismatches = append(rec.Mismatches, m)
		}
	}
	rec.RanAt = s.now()
	if err := s.saveReconciliation(ctx, &rec); err != nil {
		return Reconciliation{}, fmt.Errorf("reconcile %s: %w", label, err)
	}
	return rec, nil
}

// askGateway queries the gateway about p. A payment it does not know is
// an answer, not an error; every other refusal is an error.
func (s *Service) askGateway(ctx context.Context, p *Payment) (gatewayAnswer, error) {
	res, err := s.cfg.Gateway.Query(ctx, p.TxnRef, p.OrderDate, s.serverIP())
	switch {
	case errors.Is(err, payment.ErrTransactionNotFound):
		return gatewayAnswer{}, nil
	case err != nil:
		return gatewayAnswer{}, fmt.Errorf("query payment %s: %w", p.TxnRef, err)
	}
	return gatewayAnswer{found: true, res: res}, nil
}

// paymentsCreated lists the agency's payments created in [start, end).
func (s *Service) paymentsCreated(ctx context.Context, agency string, start, end time.Time) ([]Payment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+paymentColumns+`
		WHERE p.agency_code = $1 AND p.created_at >= $2 AND p.created_at < $3 ORDER BY p.id`,
		agency, start.UTC(), end.UTC())
	if err != nil {
		return nil, fmt.Errorf("payments: %w", err)
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, fmt.Errorf("payments: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("payments: %w", err)
	}
	return out, nil
}

// ReconciliationAgencies lists, by code, the agencies that have payments
// created on day (in Vietnam): those a daily reconciliation checks.
func (s *Service) ReconciliationAgencies(ctx context.Context, day time.Time) ([]string, error) {
	start := vietnamDay(day)
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT agency_code FROM payments
		WHERE created_at >= $1 AND created_at < $2 ORDER BY agency_code`, start.UTC(), start.AddDate(0, 0, 1).UTC())
	if err != nil {
		return nil, fmt.Errorf("agencies with payments on %s: %w", start.Format(dayLayout), err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, fmt.Errorf("agencies with payments on %s: %w", start.Format(dayLayout), err)
		}
		out = append(out, code)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agencies with payments on %s: %w", start.Format(dayLayout), err)
	}
	return out, nil
}

// saveReconciliation stores rec and its audit entry in one transaction,
// and sets rec.ID.
func (s *Service) saveReconciliation(ctx context.Context, rec *Reconciliation) error {
	settled, err := json.Marshal(rec.Settled)
	if err != nil {
		return err
	}
	mismatches, err := json.Marshal(rec.Mismatches)
	if err != nil {
		return err
	}
	day := rec.Day.Format(dayLayout)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO payment_reconciliations (agency_code, day, ran_at, checked, matched,
			recorded_total, gateway_total, settled, mismatches) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			rec.AgencyCode, day, rec.RanAt, rec.Checked, rec.Matched, rec.RecordedTotal, rec.GatewayTotal,
			string(settled), string(mismatches)).Scan(&rec.ID); err != nil {
			return fmt.Errorf("store reconciliation: %w", err)
		}
		refs := make([]string, len(rec.Mismatches))
		for i, m := range rec.Mismatches {
			refs[i] = m.Payment.TxnRef
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: (*identity.Account)(nil).Actor(), Action: "payment.reconciled",
			Subject: fmt.Sprintf("reconciliation:%d", rec.ID), AgencyCode: rec.AgencyCode, Details: map[string]any{
				"day": day, "checked": rec.Checked, "matched": rec.Matched, "settled": len(rec.Settled),
				"mismatches": refs, "recorded_total": rec.RecordedTotal, "gateway_total": rec.GatewayTotal,
			}})
		return err
	})
}

// maxReconciliations bounds what Reconciliations returns at once.
const maxReconciliations = 1000

// Reconciliations lists the stored runs of the agency's reconciliation,
// newest first, at most limit of them (30 when limit is not positive). An
// empty agency lists every agency's.
func (s *Service) Reconciliations(ctx context.Context, agency string, limit int) ([]Reconciliation, error) {
	if limit <= 0 {
		limit = 30
	}
	limit = min(limit, maxReconciliations)
	q := `SELECT id, agency_code, day, ran_at, checked, matched, recorded_total, gateway_total, settled, mismatches
		FROM payment_reconciliations`
	args := []any{limit}
	if agency != "" {
		q += ` WHERE agency_code = $2`
		args = append(args, agency)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY ran_at DESC, id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("reconciliations of %q: %w", agency, err)
	}
	defer rows.Close()
	out := []Reconciliation{}
	for rows.Next() {
		var r Reconciliation
		var day string
		var settled, mismatches []byte
		if err := rows.Scan(&r.ID, &r.AgencyCode, &day, &r.RanAt, &r.Checked, &r.Matched, &r.RecordedTotal, &r.GatewayTotal,
			&settled, &mismatches); err != nil {
			return nil, fmt.Errorf("reconciliations of %q: %w", agency, err)
		}
		if r.Day, err = time.ParseInLocation(dayLayout, day, calendar.Vietnam); err != nil {
			return nil, fmt.Errorf("reconciliation %d: day %q: %w", r.ID, day, err)
		}
		if err := json.Unmarshal(settled, &r.Settled); err != nil {
			return nil, fmt.Errorf("reconciliation %d: settled: %w", r.ID, err)
		}
		if err := json.Unmarshal(mismatches, &r.Mismatches); err != nil {
			return nil, fmt.Errorf("reconciliation %d: mismatches: %w", r.ID, err)
		}
		r.RanAt = r.RanAt.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reconciliations of %q: %w", agency, err)
	}
	return out, nil
}

// reconciledAfterClose reports whether the agency's day has a stored run
// made once the day was closed (dayClosed), whose answers are final.
func (s *Service) reconciledAfterClose(ctx context.Context, agency string, start time.Time) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_reconciliations
		WHERE agency_code = $1 AND day = $2 AND ran_at >= $3`, agency, start.Format(dayLayout), dayClosed(start).UTC()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("reconciliations of %s %s: %w", agency, start.Format(dayLayout), err)
	}
	return n > 0, nil
}

// ReconcileInterval is the period of the daily reconciliation job.
const ReconcileInterval = 24 * time.Hour

// ReconcileArgs is the job that reconciles one day's payments of every
// agency that has some (see AddReconciliation).
type ReconcileArgs struct {
	Day string `json:"day"` // YYYY-MM-DD, in Vietnam
}

// Kind implements river.JobArgs.
func (ReconcileArgs) Kind() string { return "payment_reconcile" }

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	svc *Service
}

func (w *reconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	s := w.svc
	if !s.PaymentsEnabled() {
		return nil
	}
	start, err := time.ParseInLocation(dayLayout, job.Args.Day, calendar.Vietnam)
	if err != nil {
		return river.JobCancel(fmt.Errorf("reconcile: day %q: %w", job.Args.Day, err))
	}
	// Payments of the day's last minutes are still open until a while
	// after midnight: wait for them rather than report them open.
	if wait := dayClosed(start).Sub(s.now()); wait > 0 {
		return river.JobSnooze(wait)
	}
	agencies, err := s.ReconciliationAgencies(ctx, start)
	if err != nil {
		return err
	}
	var errs []error
	for _, agency := range agencies {
		// Another period's job (a restart, another replica's leader) or a
		// retry of this one may have done it already.
		done, err := s.reconciledAfterClose(ctx, agency, start)
		if err != nil {
			return err
		}
		if done {
			continue
		}
		rec, err := s.Reconcile(ctx, agency, start)
		if errors.Is(err, payment.ErrGatewayUnavailable) {
			// Retried with River's backoff; agencies done are not redone.
			s.log.WarnContext(ctx, "payment reconciliation: gateway unavailable; will try again", "agency", agency, "day", job.Args.Day, "err", err)
			return err
		}
		if err != nil {
			s.log.ErrorContext(ctx, "payment reconciliation", "agency", agency, "day", job.Args.Day, "err", err)
			errs = append(errs, err)
			continue
		}
		for _, m := range rec.Mismatches {
			s.log.WarnContext(ctx, "payment mismatch", "agency", agency, "day", job.Args.Day, "dossier", m.Payment.DossierCode,
				"txn_ref", m.Payment.TxnRef, "status", string(m.Payment.Status), "amount", m.Payment.Amount,
				"gateway_status", m.GatewayStatus, "gateway_amount", m.GatewayAmount, "problem", m.Problem)
		}
		s.log.InfoContext(ctx, "payments reconciled", "agency", agency, "day", job.Args.Day, "checked", rec.Checked,
			"matched", rec.Matched, "settled", len(rec.Settled), "mismatches", len(rec.Mismatches),
			"recorded_total", rec.RecordedTotal, "gateway_total", rec.GatewayTotal)
	}
	return errors.Join(errs...)
}

// AddReconciliation registers the daily reconciliation in cfg: its worker,
// and a periodic job, every ReconcileInterval and when the queue starts,
// that reconciles the previous day (in Vietnam) of every agency with
// payments that day. The job waits until the day's last payments are past
// their time (about an hour after midnight) and logs each mismatch at warn
// level. Call it before jobs.New(db, *cfg); without a gateway it registers
// the worker only.
//
// A day is reconciled once, whatever the replicas and restarts: River's
// leader alone inserts periodic jobs, the job is unique by day within its
// period, and an agency whose day already has a run made after the day
// closed is skipped.
func (s *Service) AddReconciliation(cfg *jobs.Config) {
	if cfg.Workers == nil {
		cfg.Workers = river.NewWorkers()
	}
	river.AddWorker(cfg.Workers, &reconcileWorker{svc: s})
	if !s.PaymentsEnabled() {
		return
	}
	cfg.Periodic = append(cfg.Periodic, river.NewPeriodicJob(
		river.PeriodicInterval(ReconcileInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			day := vietnamDay(s.now()).AddDate(0, 0, -1).Format(dayLayout)
			// An unreachable gateway is asked again with River's backoff
			// for some hours before the job gives up.
			return ReconcileArgs{Day: day}, &river.InsertOpts{MaxAttempts: 12,
				UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: ReconcileInterval}}
		},
		&river.PeriodicJobOpts{ID: ReconcileArgs{}.Kind(), RunOnStart: true},
	))
}
