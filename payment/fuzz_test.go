package payment

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseCallback feeds raw query strings, as a return URL or an IPN
// request brings them, to ParseCallback. It must never panic, and must
// accept only what Verify accepts.
func FuzzParseCallback(f *testing.F) {
	valid := callback(testSecret, nil)
	f.Add(valid.Encode())
	f.Add(docCanonical + "&vnp_SecureHash=" + docGolden)
	f.Add(callback(testSecret, func(p url.Values) { p.Set("vnp_Amount", "99") }).Encode())
	f.Add(callback(testSecret, func(p url.Values) { p.Set("vnp_PayDate", "99999999999999") }).Encode())
	f.Add(callback(testSecret, func(p url.Values) { p.Set("vnp_Amount", "99999999999999999999") }).Encode())
	f.Add(valid.Encode() + "&vnp_Amount=1")
	f.Add("")
	f.Add("vnp_SecureHash=")
	f.Add("vnp_SecureHash=zz&vnp_TxnRef=%")
	f.Add("%zz=1&;&&==")
	v := testVNPay()
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // keeps what parsed, as net/http does
		res, err := v.ParseCallback(q)
		verr := Verify(q, testSecret)
		if err == nil {
			if verr != nil {
				t.Fatalf("ParseCallback accepted %q that Verify refuses: %v", raw, verr)
			}
			if res.Amount < 0 || res.TxnRef == "" {
				t.Fatalf("accepted %q as %+v", raw, res)
			}
			if res.Success != (res.ResponseCode == "00" && res.TransactionStatus == "00") {
				t.Fatalf("Success %v for %+v", res.Success, res)
			}
		}
		if verr != nil && !errors.Is(verr, ErrBadSignature) && !errors.Is(verr, ErrMissingSignature) {
			t.Fatalf("Verify(%q) = %v, not a signature error", raw, verr)
		}
		_ = IPNAnswerFor(err)
	})
}

// FuzzSignVerify checks that whatever a value holds, what Sign signs
// survives the trip through a URL and Verify, and that changing it is seen.
func FuzzSignVerify(f *testing.F) {
	f.Add("OrderInfo", "Thanh toan don hang :5")
	f.Add("ReturnUrl", "https://a.vn/r?x=1&y=~2")
	f.Add("OrderInfo", "Lệ phí + 100% (gấp)!*'~")
	f.Add("X", "\x00\xff")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, key, value string) {
		key = "vnp_" + key
		if !signed(key) {
			return
		}
		p := url.Values{"vnp_TxnRef": {"HS1"}, key: {value}}
		hash := Sign(p, testSecret)
		wire := canonicalString(p) + "&vnp_SecureHash=" + hash
		back, err := url.ParseQuery(wire)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", wire, err)
		}
		if err := Verify(back, testSecret); err != nil {
			t.Fatalf("Verify after a trip through %q: %v", wire, err)
		}
		back.Set(key, value+"x")
		if err := Verify(back, testSecret); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("changed %s verified: %v", key, err)
		}
		if strings.ContainsAny(canonicalString(p), " ~!'()*") {
			t.Fatalf("canonical string %q keeps a character implementations escape differently", canonicalString(p))
		}
	})
}
