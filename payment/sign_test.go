package payment

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// testSecret is a made-up hash secret of VNPay's usual length (32).
const testSecret = "EGOVTESTSECRET000000000000000000"

// The payment URL of VNPay's integration guide
// (sandbox.vnpayment.vn/apis/docs/thanh-toan-pay/pay.html and
// .../huong-dan-tich-hop/): its query string, without vnp_SecureHash, is the
// canonical string of its parameters. Its own hash was made with DEMOV210's
// secret, which is not published, so the golden hash below is ours, computed
// outside Go (Python's hmac) over the same string.
const (
	docCanonical = "vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate=20210801153333&vnp_CurrCode=VND" +
		"&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+%3A5&vnp_OrderType=other" +
		"&vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl&vnp_TmnCode=DEMOV210&vnp_TxnRef=5&vnp_Version=2.1.0"
	docGolden = "0bb153d4fa3d6f221261d317d6560c6d8e002e912dec8312f54f3d688e8dabf4" +
		"9163039854163ed47a39a523becfb2b735e8daf64525d21723042258f7d54d72"
)

// docParams are the documented example's parameters, decoded, in the
// order the guide's table lists them rather than sorted.
func docParams() url.Values {
	return url.Values{
		"vnp_Version":    {"2.1.0"},
		"vnp_Command":    {"pay"},
		"vnp_TmnCode":    {"DEMOV210"},
		"vnp_Amount":     {"1806000"},
		"vnp_CreateDate": {"20210801153333"},
		"vnp_CurrCode":   {"VND"},
		"vnp_IpAddr":     {"127.0.0.1"},
		"vnp_Locale":     {"vn"},
		"vnp_OrderInfo":  {"Thanh toan don hang :5"},
		"vnp_OrderType":  {"other"},
		"vnp_ReturnUrl":  {"https://domainmerchant.vn/ReturnUrl"},
		"vnp_TxnRef":     {"5"},
	}
}

func TestSignDocumentedExample(t *testing.T) {
	p := docParams()
	if got := canonicalString(p); got != docCanonical {
		t.Fatalf("canonical string\n got %s\nwant %s", got, docCanonical)
	}
	mac := hmac.New(sha512.New, []byte(testSecret))
	mac.Write([]byte(docCanonical))
	independent := hex.EncodeToString(mac.Sum(nil))
	got := Sign(p, testSecret)
	if got != independent {
		t.Errorf("Sign = %s, HMAC-SHA512 of the documented string = %s", got, independent)
	}
	if got != docGolden {
		t.Errorf("Sign = %s, golden = %s", got, docGolden)
	}
	// The hash of what came over the wire is the same.
	wire, err := url.ParseQuery(docCanonical)
	if err != nil {
		t.Fatal(err)
	}
	if Sign(wire, testSecret) != docGolden {
		t.Error("the parsed documented query string signs differently")
	}
}

func TestCanonicalString(t *testing.T) {
	tests := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"sorted by byte order, upper case first",
			url.Values{"vnp_b": {"1"}, "vnp_TxnRef": {"2"}, "vnp_Amount": {"3"}},
			"vnp_Amount=3&vnp_TxnRef=2&vnp_b=1"},
		{"signature fields left out",
			url.Values{"vnp_TxnRef": {"1"}, "vnp_SecureHash": {"ab"}, "vnp_SecureHashType": {"HmacSHA512"}},
			"vnp_TxnRef=1"},
		{"foreign parameters of the return URL left out",
			url.Values{"vnp_TxnRef": {"1"}, "lang": {"en"}, "dossier": {"X"}},
			"vnp_TxnRef=1"},
		{"empty values left out",
			url.Values{"vnp_TxnRef": {"1"}, "vnp_BankCode": {""}, "vnp_CardType": {}},
			"vnp_TxnRef=1"},
		{"PHP urlencode: space, tilde, Vietnamese, reserved characters",
			url.Values{"vnp_OrderInfo": {"Lệ phí ~ a+b&c=d/e?f#g%h"}},
			"vnp_OrderInfo=L%E1%BB%87+ph%C3%AD+%7E+a%2Bb%26c%3Dd%2Fe%3Ff%23g%25h"},
		{"the characters other implementations keep are escaped",
			url.Values{"vnp_OrderInfo": {"!'()*-_."}},
			"vnp_OrderInfo=%21%27%28%29%2A-_."},
		{"first of repeated values", url.Values{"vnp_TxnRef": {"1", "2"}}, "vnp_TxnRef=1"},
		{"nothing", url.Values{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := canonicalString(tt.params); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	signedDoc := func(edit func(url.Values)) url.Values {
		p := docParams()
		p.Set("vnp_SecureHash", Sign(p, testSecret))
		if edit != nil {
			edit(p)
		}
		return p
	}
	tests := []struct {
		name   string
		params url.Values
		secret string
		want   error
	}{
		{"valid", signedDoc(nil), testSecret, nil},
		{"upper-case hex", signedDoc(func(p url.Values) { p.Set("vnp_SecureHash", strings.ToUpper(p.Get("vnp_SecureHash"))) }), testSecret, nil},
		{"hash type ignored", signedDoc(func(p url.Values) { p.Set("vnp_SecureHashType", "HmacSHA512") }), testSecret, nil},
		{"foreign parameter ignored", signedDoc(func(p url.Values) { p.Set("lang", "en") }), testSecret, nil},
		{"tampered amount", signedDoc(func(p url.Values) { p.Set("vnp_Amount", "100") }), testSecret, ErrBadSignature},
		{"added parameter", signedDoc(func(p url.Values) { p.Set("vnp_BankCode", "NCB") }), testSecret, ErrBadSignature},
		{"removed parameter", signedDoc(func(p url.Values) { p.Del("vnp_OrderInfo") }), testSecret, ErrBadSignature},
		{"wrong secret", signedDoc(nil), "ANOTHERSECRET", ErrBadSignature},
		{"missing hash", signedDoc(func(p url.Values) { p.Del("vnp_SecureHash") }), testSecret, ErrMissingSignature},
		{"empty hash", signedDoc(func(p url.Values) { p.Set("vnp_SecureHash", "") }), testSecret, ErrMissingSignature},
		{"truncated hash", signedDoc(func(p url.Values) { p.Set("vnp_SecureHash", p.Get("vnp_SecureHash")[:64]) }), testSecret, ErrBadSignature},
		{"repeated signed parameter", signedDoc(func(p url.Values) { p.Add("vnp_Amount", "1806000") }), testSecret, ErrBadSignature},
		{"repeated hash", signedDoc(func(p url.Values) { p.Add("vnp_SecureHash", p.Get("vnp_SecureHash")) }), testSecret, ErrBadSignature},
		{"no secret configured", signedDoc(nil), "", ErrNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.params, tt.secret)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// The querydr checksum joins its fields with '|' in VNPay's order; the golden
// value is Python's hmac over the same joined string.
func TestSignFieldsQueryDR(t *testing.T) {
	req := map[string]string{
		"vnp_RequestId": "req1", "vnp_Version": "2.1.0", "vnp_Command": "querydr", "vnp_TmnCode": "DEMOV210",
		"vnp_TxnRef": "5", "vnp_TransactionDate": "20210801153333", "vnp_CreateDate": "20210801160000",
		"vnp_IpAddr": "127.0.0.1", "vnp_OrderInfo": "Truy van giao dich 5",
	}
	fields := fieldsOf(req, queryRequestFields)
	if got, want := strings.Join(fields, "|"),
		"req1|2.1.0|querydr|DEMOV210|5|20210801153333|20210801160000|127.0.0.1|Truy van giao dich 5"; got != want {
		t.Fatalf("joined fields\n got %s\nwant %s", got, want)
	}
	const golden = "7f5bfe73ec0ea2b2d8f2b259fff561311b2515225e3337927e231c1a9e19ab4c" +
		"492f8b0e69bb90393a94971d22bd66c552e0b13c1a475ce2dc8fc81f09ec857f"
	if got := signFields(testSecret, fields...); got != golden {
		t.Errorf("signFields = %s, want %s", got, golden)
	}
	// The answer's fields: missing ones are empty, the promotion pair included.
	answer := fieldsOf(map[string]string{"vnp_ResponseId": "r", "vnp_OrderInfo": "x"}, queryResponseFields)
	if got, want := strings.Join(answer, "|"), "r||||||||||||x||"; got != want {
		t.Errorf("answer fields %q, want %q", got, want)
	}
}
