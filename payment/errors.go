package payment

import (
	"errors"
	"fmt"

	"github.com/egov-vn/egov"
)

// Errors that callers test with errors.Is. The functions of this package wrap
// them with the detail (which field, which code), so log the error itself and
// branch on these.
var (
	// ErrBadSignature: the vnp_SecureHash does not match the parameters under
	// our hash secret, or a signed parameter was given twice, which makes the
	// signature ambiguous. An IPN answers it with 97 (IPNBadChecksum).
	ErrBadSignature = errors.New("payment: bad signature")

	// ErrMissingSignature: there is no vnp_SecureHash at all. Kept apart from
	// ErrBadSignature because it usually means a request that never came from
	// the gateway (a bookmark, a crawler) rather than tampering; an IPN
	// answers both with 97.
	ErrMissingSignature = errors.New("payment: missing signature")

	// ErrNoSecret: the hash secret is empty. Signing with an empty key would
	// "work", and anybody could then forge payments, so it is refused.
	ErrNoSecret = errors.New("payment: no hash secret configured")

	// ErrInvalidOrder: PayURL or Query was given arguments the gateway would
	// refuse or could sign differently. It is a programming or configuration
	// error on our side, not the payer's; it matches egov.ErrInvalid.
	ErrInvalidOrder = fmt.Errorf("payment: invalid order: %w", egov.ErrInvalid)

	// ErrMalformed: correctly signed data from the gateway that does not make
	// sense (an amount that is not a number, another merchant's TmnCode).
	ErrMalformed = errors.New("payment: malformed gateway data")

	// ErrGatewayUnavailable: the gateway could not be reached, answered with
	// an HTTP error, answered something that is not its protocol, or said it
	// failed for a passing reason. The payment's state is unknown: retry
	// later, never treat it as "not paid".
	ErrGatewayUnavailable = errors.New("payment: gateway unavailable")

	// ErrTransactionNotFound: the gateway has no transaction with that
	// reference and date (querydr code 91). The payer never reached the
	// payment page, or vnp_TransactionDate is not the order's vnp_CreateDate.
	// It matches egov.ErrNotFound.
	ErrTransactionNotFound = fmt.Errorf("payment: transaction not found at the gateway: %w", egov.ErrNotFound)
)

// QueryError is a querydr answer whose vnp_ResponseCode is not 00: the
// gateway understood the question and refused to answer it. It unwraps to
// the sentinel error that says what to do, so most callers never need the
// type itself.
type QueryError struct {
	ResponseCode string // vnp_ResponseCode, e.g. "91"
	Message      string // vnp_Message, as the gateway worded it
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("payment: querydr refused: code %s: %s", e.ResponseCode, e.Message)
}

// Unwrap gives ErrTransactionNotFound for 91, and ErrGatewayUnavailable for
// 94 (a request ID seen twice) and 99 (unspecified), because asking again
// later is the right reaction to both. 02 (unknown merchant), 03 (bad format)
// and 97 (bad checksum) unwrap to nothing: they are our configuration errors
// and retrying cannot help.
func (e *QueryError) Unwrap() error {
	switch e.ResponseCode {
	case "91":
		return ErrTransactionNotFound
	case "94", "99":
		return ErrGatewayUnavailable
	}
	return nil
}
