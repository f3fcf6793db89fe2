package payment

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Gateway is a payment gateway as the rest of egov sees it: it makes the URL
// that sends a payer to pay, reads the results the gateway sends back,
// answers questions about a payment later and refunds it. *VNPay implements
// it, against VNPay itself or against a Sandbox; tests of the dossier side
// may implement it with a fake.
type Gateway interface {
	// PayURL returns the signed URL of the gateway's payment page for o.
	PayURL(o Order) (string, error)
	// ParseCallback verifies and reads the query parameters of a return URL
	// or an IPN request.
	ParseCallback(q url.Values) (Result, error)
	// Query asks the gateway for the current state of the payment txnRef,
	// whose order was created at orderDate (Order.CreatedAt).
	Query(ctx context.Context, txnRef string, orderDate time.Time, ipAddr string) (Result, error)
	// Refund asks the gateway to give back all or part of a paid payment.
	Refund(ctx context.Context, r Refund) (RefundResult, error)
}

var _ Gateway = (*VNPay)(nil)

// VNPay is a merchant's connection to a VNPay-protocol gateway (version
// 2.1.0). The zero value is not usable: BaseURL, QueryURL, TmnCode and
// HashSecret come from the merchant's contract with VNPay (or from
// Sandbox.VNPay). A *VNPay is safe for concurrent use once set up.
type VNPay struct {
	// BaseURL is the payment page, e.g.
	// https://sandbox.vnpayment.vn/paymentv2/vpcpay.html.
	BaseURL string
	// QueryURL is the merchant API, which serves querydr and refund, e.g.
	// https://sandbox.vnpayment.vn/merchant_webapi/api/transaction.
	QueryURL string
	// TmnCode is the merchant's terminal code (vnp_TmnCode).
	TmnCode string
	// HashSecret is the key of every signature, both ways. Keep it out of
	// logs and source code.
	HashSecret string
	// Client makes the querydr and refund calls; nil means a client with a
	// 30-second timeout, because http.DefaultClient has none and a hung
	// gateway must not hold a worker forever.
	Client *http.Client
	// Now is the clock for vnp_CreateDate of queries and refunds; nil means
	// time.Now.
	Now func() time.Time
}

// defaultClient is used when VNPay.Client or SandboxConfig.Client is nil.
var defaultClient = &http.Client{Timeout: 30 * time.Second}

func (v *VNPay) client() *http.Client {
	if v.Client != nil {
		return v.Client
	}
	return defaultClient
}

func (v *VNPay) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// PayURL returns the URL to send the payer's browser to (with a 303 or a
// link): BaseURL with the order's parameters and their vnp_SecureHash. The
// query string is the canonical string itself, as in VNPay's examples.
//
// It returns an error wrapping ErrInvalidOrder when o breaks the protocol's
// rules (see Order), and ErrNoSecret when HashSecret is empty. It makes no
// network call: whether the gateway accepts the order shows on its page.
func (v *VNPay) PayURL(o Order) (string, error) {
	if v.HashSecret == "" {
		return "", ErrNoSecret
	}
	if v.BaseURL == "" || v.TmnCode == "" {
		return "", fmt.Errorf("%w: VNPay.BaseURL and VNPay.TmnCode must be set", ErrInvalidOrder)
	}
	params, err := o.params(v.TmnCode)
	if err != nil {
		return "", err
	}
	query := canonicalString(params)
	sep := "?"
	if strings.Contains(v.BaseURL, "?") {
		sep = "&"
	}
	return v.BaseURL + sep + query + "&" + paramSecureHash + "=" + signString(query, v.HashSecret), nil
}

// ParseCallback reads the parameters the gateway sends to the return URL (in
// the payer's browser) and to the IPN URL (server to server); both carry the
// same signed fields. It verifies the signature (ErrMissingSignature,
// ErrBadSignature), checks that the payment is for this merchant's TmnCode
// and that the fields are well formed (ErrMalformed).
//
// A nil error means the gateway really said this; it does not mean the
// payment succeeded (see Result.Success), nor that the order exists or that
// the amount is the one expected: the caller checks those against its own
// records before it confirms anything (see IPNAnswer).
func (v *VNPay) ParseCallback(q url.Values) (Result, error) {
	if err := Verify(q, v.HashSecret); err != nil {
		return Result{}, err
	}
	if tmn := q.Get("vnp_TmnCode"); tmn != v.TmnCode {
		return Result{}, fmt.Errorf("%w: vnp_TmnCode %q is not this merchant's %q", ErrMalformed, tmn, v.TmnCode)
	}
	return resultFromParams(q)
}
