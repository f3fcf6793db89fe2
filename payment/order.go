package payment

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Version is the protocol version this package speaks: the one that signs
// with HMAC-SHA512 and sends no vnp_SecureHashType.
const Version = "2.1.0"

// Limits of the protocol's fields, from VNPay's parameter tables.
const (
	// MaxAmount is the largest amount in đồng: vnp_Amount is Numeric[1,12]
	// and carries the amount times 100.
	MaxAmount int64 = 9_999_999_999

	// DefaultExpiry is how long the payer has when Order.ExpiresAt is zero.
	// Fifteen minutes is what VNPay's demos use; the payer page's session is
	// about as long.
	DefaultExpiry = 15 * time.Minute

	maxTxnRef    = 100
	maxOrderInfo = 255
	maxOrderType = 100
)

// ICT is Indochina Time, UTC+7, the zone of every date in the protocol
// (vnp_CreateDate, vnp_ExpireDate, vnp_PayDate are "GMT+7"). A fixed zone,
// not time.LoadLocation("Asia/Ho_Chi_Minh"), so that it works on machines
// without the time zone database; Việt Nam has no daylight saving time.
var ICT = time.FixedZone("ICT", 7*3600)

// dateLayout is yyyyMMddHHmmss.
const dateLayout = "20060102150405"

// formatDate writes t as the protocol does: yyyyMMddHHmmss in ICT.
func formatDate(t time.Time) string { return t.In(ICT).Format(dateLayout) }

// parseDate reads a yyyyMMddHHmmss date in ICT.
func parseDate(s string) (time.Time, error) { return time.ParseInLocation(dateLayout, s, ICT) }

// Order is one payment request: what PayURL turns into a signed payment URL.
// The caller keeps TxnRef, Amount and CreatedAt with its own record of the
// payment, because the IPN is matched by TxnRef and checked against Amount,
// and Query needs CreatedAt.
type Order struct {
	// TxnRef is the merchant's reference, unique among this merchant's
	// payments: 1 to 100 letters or digits (VNPay's "Alphanumeric[1,100]").
	// A payer who retries needs a new TxnRef; the gateway refuses one it has
	// already seen.
	TxnRef string
	// Amount is in đồng, from 1 to MaxAmount. PayURL multiplies it by 100.
	Amount int64
	// OrderInfo is the payment's description, shown to the payer and in
	// the gateway's reports. VNPay wants Vietnamese without diacritics and
	// without special characters: PlainText makes such a text from any
	// string, and PayURL refuses anything else.
	OrderInfo string
	// OrderType is VNPay's category of goods; "other" when empty.
	OrderType string
	// Locale is the payment page's language: "vn" (the default) or "en".
	Locale string
	// IPAddr is the payer's IP address, as the merchant saw it. Required.
	IPAddr string
	// CreatedAt becomes vnp_CreateDate. Required, not defaulted to now,
	// because Query must send the same instant back as vnp_TransactionDate
	// and the caller has to have stored it.
	CreatedAt time.Time
	// ExpiresAt becomes vnp_ExpireDate; CreatedAt+DefaultExpiry when zero.
	ExpiresAt time.Time
	// BankCode preselects a payment method or bank (e.g. "VNPAYQR",
	// "VNBANK", "INTCARD", "NCB"); empty lets the payer choose.
	BankCode string
	// ReturnURL is where the gateway sends the payer's browser back, with
	// the signed result appended. Absolute http or https.
	ReturnURL string
}

// params validates the order and returns the parameters of its payment
// request, unsigned. It is the single place that decides what PayURL sends,
// so that the sandbox, which reads the same names back, cannot drift from it.
func (o Order) params(tmnCode string) (url.Values, error) {
	if o.OrderType == "" {
		o.OrderType = "other"
	}
	if o.Locale == "" {
		o.Locale = "vn"
	}
	if o.ExpiresAt.IsZero() {
		o.ExpiresAt = o.CreatedAt.Add(DefaultExpiry)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	p := url.Values{
		"vnp_Version":    {Version},
		"vnp_Command":    {"pay"},
		"vnp_TmnCode":    {tmnCode},
		"vnp_Amount":     {strconv.FormatInt(o.Amount*100, 10)},
		"vnp_CurrCode":   {"VND"},
		"vnp_TxnRef":     {o.TxnRef},
		"vnp_OrderInfo":  {o.OrderInfo},
		"vnp_OrderType":  {o.OrderType},
		"vnp_Locale":     {o.Locale},
		"vnp_ReturnUrl":  {o.ReturnURL},
		"vnp_IpAddr":     {o.IPAddr},
		"vnp_CreateDate": {formatDate(o.CreatedAt)},
		"vnp_ExpireDate": {formatDate(o.ExpiresAt)},
	}
	if o.BankCode != "" {
		p.Set("vnp_BankCode", o.BankCode)
	}
	return p, nil
}

func (o Order) validate() error {
	invalid := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidOrder, field, fmt.Sprintf(format, args...))
	}
	switch {
	case o.TxnRef == "" || len(o.TxnRef) > maxTxnRef || !isAlnum(o.TxnRef):
		return invalid("TxnRef", "%q is not 1 to %d letters or digits", o.TxnRef, maxTxnRef)
	case o.Amount < 1 || o.Amount > MaxAmount:
		return invalid("Amount", "%d đồng is not between 1 and %d", o.Amount, MaxAmount)
	case o.OrderInfo == "" || len(o.OrderInfo) > maxOrderInfo || PlainText(o.OrderInfo) != o.OrderInfo:
		return invalid("OrderInfo", "%q is not 1 to %d plain characters (see PlainText)", o.OrderInfo, maxOrderInfo)
	case len(o.OrderType) > maxOrderType || !isAlnumOr(o.OrderType, "_"):
		return invalid("OrderType", "%q is not letters, digits and '_'", o.OrderType)
	case o.Locale != "vn" && o.Locale != "en":
		return invalid("Locale", "%q is neither vn nor en", o.Locale)
	case !validIP(o.IPAddr):
		return invalid("IPAddr", "%q is not an IP address", o.IPAddr)
	case o.CreatedAt.IsZero():
		return invalid("CreatedAt", "is required, and must be kept for Query")
	case !o.ExpiresAt.After(o.CreatedAt):
		return invalid("ExpiresAt", "%s is not after CreatedAt %s", formatDate(o.ExpiresAt), formatDate(o.CreatedAt))
	case o.BankCode != "" && (len(o.BankCode) < 3 || len(o.BankCode) > 20 || !isAlnum(o.BankCode)):
		return invalid("BankCode", "%q is not 3 to 20 letters or digits", o.BankCode)
	}
	if err := validReturnURL(o.ReturnURL); err != nil {
		return invalid("ReturnURL", "%v", err)
	}
	return nil
}

// validReturnURL accepts absolute http(s) URLs without a fragment (the
// gateway appends a query string, which a fragment would swallow) and
// without the characters whose escaping the implementations disagree on.
func validReturnURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("%q is not an absolute http or https URL", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("%q has a fragment", s)
	case strings.ContainsAny(s, ambiguousChars):
		return fmt.Errorf("%q contains one of %s, which gateways escape differently", s, ambiguousChars)
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("%q has a space, control or non-ASCII character", s)
		}
	}
	return nil
}

func validIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func isAlnum(s string) bool { return isAlnumOr(s, "") }

// isAlnumOr reports whether s has only ASCII letters, digits and the bytes
// of extra.
func isAlnumOr(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

// orderInfoPunct is the punctuation PlainText keeps: characters that VNPay's
// documented example uses (':') or that are harmless in bank statements, and
// that every reference implementation escapes the same way.
const orderInfoPunct = ".,:;-_/#"

// PlainText turns s into an OrderInfo the gateway accepts: Vietnamese
// diacritics removed ("Lệ phí hộ tịch" → "Le phi ho tich", "đ" → "d"), any
// other character than ASCII letters, digits, spaces and ".,:;-_/#" turned
// into a space, runs of spaces collapsed, and the result cut to 255 bytes.
// VNPay asks for text "không dấu, không ký tự đặc biệt" because banks print
// it on statements that cannot show more.
func PlainText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ':
			r = 'd'
		case r == 'Đ':
			r = 'D'
		}
		ok := r < 0x80 && (isAlnum(string(r)) || strings.ContainsRune(orderInfoPunct, r))
		if !ok {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > maxOrderInfo {
		out = strings.TrimRight(out[:maxOrderInfo], " ")
	}
	return out
}
