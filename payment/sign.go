package payment

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Names of the parameters that carry the signature itself and so are never
// part of what is signed.
const (
	paramSecureHash     = "vnp_SecureHash"
	paramSecureHashType = "vnp_SecureHashType"
)

// Sign returns the vnp_SecureHash of params under secret: the lowercase hex
// HMAC-SHA512 of their canonical string.
//
// The canonical string is built as VNPay's own integration code builds it
// (the PHP, .NET and Java demos of sandbox.vnpayment.vn/apis/docs):
//
//   - only keys starting with "vnp_" take part: the gateway appends its
//     parameters to the merchant's return URL, which may carry query
//     parameters of its own that VNPay did not sign;
//   - vnp_SecureHash and vnp_SecureHashType are left out;
//   - keys whose value is empty are left out, as the .NET and Java demos'
//     AddRequestData/length checks do (the gateway never sends one, since
//     the demos that drop them and the PHP demo that keeps them both verify);
//   - keys are sorted in byte order (ksort, or .NET's Ordinal comparer);
//   - each pair is written key=value, both escaped like PHP's urlencode
//     (space as '+', everything but letters, digits and "-_." as %XX in
//     upper case), and the pairs are joined with '&'.
//
// A key given more than once is signed with its first value only; Verify
// refuses such parameters, since gateways differ on which value counts.
func Sign(params url.Values, secret string) string {
	return signString(canonicalString(params), secret)
}

// Verify checks the vnp_SecureHash of params, as received on the return URL
// or the IPN. It recomputes the signature without vnp_SecureHash and
// vnp_SecureHashType and compares in constant time, ignoring the hex digits'
// case because some VNPay integrations send them in upper case.
//
// It returns nil, ErrMissingSignature, ErrBadSignature or ErrNoSecret.
func Verify(params url.Values, secret string) error {
	if secret == "" {
		return ErrNoSecret
	}
	hashes := params[paramSecureHash]
	if len(hashes) == 0 || hashes[0] == "" {
		return ErrMissingSignature
	}
	for key, values := range params {
		if (signed(key) || key == paramSecureHash) && len(values) > 1 {
			return fmt.Errorf("%w: %s is given %d times", ErrBadSignature, key, len(values))
		}
	}
	if !equalHash(hashes[0], Sign(params, secret)) {
		return ErrBadSignature
	}
	return nil
}

// signed reports whether key takes part in the canonical string.
func signed(key string) bool {
	return strings.HasPrefix(key, "vnp_") && key != paramSecureHash && key != paramSecureHashType
}

// canonicalString is the text that Sign signs; PayURL also uses it, verbatim,
// as the query string of the payment URL, which is what VNPay's examples do.
func canonicalString(params url.Values) string {
	keys := make([]string, 0, len(params))
	for key, values := range params {
		if signed(key) && len(values) > 0 && values[0] != "" {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, key := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(key))
		b.WriteByte('=')
		b.WriteString(escape(params[key][0]))
	}
	return b.String()
}

// escape is PHP's urlencode, which the protocol's "urlencode(value)" means.
// url.QueryEscape differs from it only in leaving '~' alone. The reference
// implementations disagree among themselves on "!'()*~" (.NET keeps "!()*",
// JavaScript keeps all six), so PayURL refuses those characters rather than
// bet on one; for every other character they all agree with this function.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "~", "%7E")
}

// ambiguousChars are the characters the reference implementations escape
// differently; a value containing one could be signed differently by the
// gateway, so PayURL refuses it.
const ambiguousChars = "!'()*~"

// signString is the HMAC-SHA512 of data under secret, in lowercase hex: the
// form of every VNPay checksum, whether over a canonical query string or over
// the '|'-joined fields of the querydr API.
func signString(data, secret string) string {
	mac := hmac.New(sha512.New, []byte(secret))
	mac.Write([]byte(data))
	return hex.EncodeToString(mac.Sum(nil))
}

// signFields signs fields joined with '|', the querydr and refund APIs'
// checksum. The order of the fields is the API's, not alphabetical.
func signFields(secret string, fields ...string) string {
	return signString(strings.Join(fields, "|"), secret)
}

// equalHash compares a received hex checksum with the expected one in
// constant time, ignoring case.
func equalHash(got, want string) bool {
	return hmac.Equal([]byte(strings.ToLower(got)), []byte(want))
}
