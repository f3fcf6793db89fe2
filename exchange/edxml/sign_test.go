package edxml

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// identity is a key and its self-signed certificate, as an agency's signing
// certificate would be (issued by a CA in real life).
type identity struct {
	key  crypto.Signer
	cert *x509.Certificate
}

var (
	identitiesOnce sync.Once
	identities     map[string]identity
)

// testIdentities makes the keys once per test binary: RSA key generation is
// slow. "other" and "otherEd25519" are keys of no one the tests trust.
func testIdentities(t testing.TB) map[string]identity {
	t.Helper()
	identitiesOnce.Do(func() {
		identities = map[string]identity{}
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		_, edKey, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		_, otherEdKey, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		for name, k := range map[string]crypto.Signer{"RSA": rsaKey, "ECDSA": ecKey, "other": otherKey, "Ed25519": edKey, "otherEd25519": otherEdKey} {
			identities[name] = identity{k, selfSigned(k, "Văn phòng Chính phủ ("+name+")", time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))}
		}
	})
	return identities
}

func selfSigned(key crypto.Signer, cn string, from, to time.Time) *x509.Certificate {
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"000.00.00.G22"}, Country: []string{"VN"}},
		NotBefore:    from,
		NotAfter:     to,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return cert
}

func signedEnvelope(t testing.TB, id identity) []byte {
	t.Helper()
	b, err := Marshal(sampleEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	signed, err := Sign(b, id.key, id.cert)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// algorithms are the kinds of key that Sign signs with, by their names in
// testIdentities, with their signature methods.
var algorithms = []struct{ name, method string }{
	{"RSA", dsig.RSASHA256SignatureMethod},
	{"ECDSA", dsig.ECDSASHA256SignatureMethod},
	{"Ed25519", "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519"},
}

func TestSignVerify(t *testing.T) {
	ids := testIdentities(t)
	for _, a := range algorithms {
		alg := a.name
		id := ids[alg]
		trusted := []*x509.Certificate{ids["other"].cert, id.cert}
		t.Run(alg+"/envelope", func(t *testing.T) {
			signed := signedEnvelope(t, id)
			cert, err := Verify(signed, trusted)
			if err != nil {
				t.Fatal(err)
			}
			if cert != id.cert {
				t.Errorf("Verify returned %v, want the signer's certificate", cert.Subject)
			}
			if !bytes.Contains(signed, []byte("</edXML:TraceHeaderList>\n      <ds:Signature xmlns:ds=")) {
				t.Errorf("signature not after TraceHeaderList in edXMLHeader:\n%s", signed)
			}
			for _, want := range []string{
				`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`,
				`<ds:SignatureMethod Algorithm="` + a.method + `"/>`,
				`<ds:Reference URI="">`,
				`<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>`,
				`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>`,
				`<ds:X509Certificate>`,
			} {
				if !bytes.Contains(signed, []byte(want)) {
					t.Errorf("signed message lacks %s", want)
				}
			}
			// The signature does not disturb reading.
			got, err := Parse(signed)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, sampleEnvelope()) {
				t.Errorf("signed message reads differently:\n%+v", got)
			}
		})
		t.Run(alg+"/status", func(t *testing.T) {
			b, err := MarshalStatus(sampleStatus())
			if err != nil {
				t.Fatal(err)
			}
			signed, err := Sign(b, id.key, id.cert)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(signed, trusted); err != nil {
				t.Fatal(err)
			}
			got, err := ParseStatus(signed)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, sampleStatus()) {
				t.Errorf("signed status reads differently:\n%+v", got)
			}
			tampered := bytes.Replace(signed, []byte(">03<"), []byte(">02<"), 1)
			if _, err := Verify(tampered, trusted); !errors.Is(err, ErrBadSignature) {
				t.Errorf("status with a changed code: %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestSignAwkwardText(t *testing.T) {
	id := testIdentities(t)["RSA"]
	e := sampleEnvelope()
	e.Subject = "Dòng 1\r\nDòng 2\ttab \"ngoặc\" 'đơn' ]]> & <thẻ>"
	e.Attachments[0].Name = "tên\ttệp\r\n\"lạ\".pdf" // in an attribute too
	b, err := Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := Sign(b, id.key, id.cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(signed, []*x509.Certificate{id.cert}); err != nil {
		t.Fatal(err)
	}
	got, err := Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != e.Subject {
		t.Errorf("subject %q, want %q", got.Subject, e.Subject)
	}
}

func TestVerifyRefuses(t *testing.T) {
	ids := testIdentities(t)
	// others are, for each kind of key, a key of the same kind (or of
	// another kind, as generating RSA keys is slow) that no one trusts.
	others := map[string]identity{"RSA": ids["other"], "ECDSA": ids["other"], "Ed25519": ids["otherEd25519"]}
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) { testVerifyRefuses(t, ids[a.name], others[a.name], a.method) })
	}
}

func testVerifyRefuses(t *testing.T, id, other identity, method string) {
	ids := testIdentities(t)
	trusted := []*x509.Certificate{id.cert}
	var untrusted []*x509.Certificate // everyone else
	for _, other := range ids {
		if other.cert != id.cert {
			untrusted = append(untrusted, other.cert)
		}
	}
	signed := signedEnvelope(t, id)
	sigRE := regexp.MustCompile(`(?s)<ds:Signature .*</ds:Signature>`)
	sig := sigRE.Find(signed)
	if sig == nil {
		t.Fatal("no signature in the signed message")
	}
	replace := func(old, new string) []byte {
		t.Helper()
		if !bytes.Contains(signed, []byte(old)) {
			t.Fatalf("signed message has no %q", old)
		}
		return bytes.Replace(signed, []byte(old), []byte(new), 1)
	}
	b64 := regexp.MustCompile(`<edXML:ContentTransferEncoded>([^<]*)</edXML:ContentTransferEncoded>`)
	tamperedAttachment := b64.ReplaceAllFunc(signed, func(m []byte) []byte {
		m = bytes.Clone(m)
		i := len("<edXML:ContentTransferEncoded>")
		if m[i] == 'A' {
			m[i] = 'B'
		} else {
			m[i] = 'A'
		}
		return m
	})
	withoutSig := sigRE.ReplaceAll(signed, nil)
	moved := bytes.Replace(withoutSig, []byte("<edXML:edXMLManifest"), append(append([]byte{}, sig...), "<edXML:edXMLManifest"...), 1)
	doubled := replace("<edXML:edXMLBody>", "<edXML:edXMLBody><edXML:Extra Id=\"copy\">"+string(sig)+"</edXML:Extra>")
	sigValue := regexp.MustCompile(`<ds:SignatureValue>([^<]*)</ds:SignatureValue>`)
	badValue := sigValue.ReplaceAll(signed, []byte("<ds:SignatureValue>AAAA</ds:SignatureValue>"))
	// A value of the right length with one bit changed.
	value, err := base64.StdEncoding.DecodeString(string(sigValue.FindSubmatch(signed)[1]))
	if err != nil {
		t.Fatal(err)
	}
	value[len(value)/2] ^= 1
	flippedValue := sigValue.ReplaceAll(signed, []byte("<ds:SignatureValue>"+base64.StdEncoding.EncodeToString(value)+"</ds:SignatureValue>"))
	// SignedInfo changed: another digest value, of the right length.
	digestValue := regexp.MustCompile(`<ds:DigestValue>([^<]*)</ds:DigestValue>`)
	digest, err := base64.StdEncoding.DecodeString(string(digestValue.FindSubmatch(signed)[1]))
	if err != nil {
		t.Fatal(err)
	}
	digest[0] ^= 1
	otherDigest := digestValue.ReplaceAll(signed, []byte("<ds:DigestValue>"+base64.StdEncoding.EncodeToString(digest)+"</ds:DigestValue>"))
	// Signed with another key, but carrying the trusted certificate.
	certRE := regexp.MustCompile(`<ds:X509Certificate>[^<]*</ds:X509Certificate>`)
	wrongKey := certRE.ReplaceAll(signedEnvelope(t, other), []byte("<ds:X509Certificate>"+base64.StdEncoding.EncodeToString(id.cert.Raw)+"</ds:X509Certificate>"))
	// The signature method of another kind of key.
	otherMethod := dsig.ECDSASHA256SignatureMethod
	if method == dsig.ECDSASHA256SignatureMethod {
		otherMethod = "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519"
	}
	swappedMethod := replace(`<ds:SignatureMethod Algorithm="`+method+`"/>`, `<ds:SignatureMethod Algorithm="`+otherMethod+`"/>`)

	// goxmldsig alone accepts the moved signature, whose digest still
	// matches once it is removed: only the check of its place refuses it.
	// (goxmldsig does not check Ed25519 signatures at all.)
	if method != "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519" {
		movedDoc := etree.NewDocument()
		if err := movedDoc.ReadFromBytes(moved); err != nil {
			t.Fatal(err)
		}
		if pub, ok := trusted[0].PublicKey.(*ecdsa.PublicKey); ok {
			// goxmldsig reads ECDSA values in DER, as Verify gives them to it.
			for _, el := range signatures(movedDoc.Root(), nil) {
				if err := derSignatureValue(el, pub); err != nil {
					t.Fatal(err)
				}
			}
		}
		vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: trusted})
		if _, err := vctx.Validate(movedDoc.Root()); err != nil {
			t.Errorf("goxmldsig now refuses a moved signature (%v): the test no longer shows why the place is checked", err)
		}
	}

	for _, c := range []struct {
		name    string
		doc     []byte
		trusted []*x509.Certificate
		want    error
	}{
		{"tampered subject", replace("V/v triển khai kết nối", "V/v tạm dừng kết nối"), trusted, ErrBadSignature},
		{"tampered sender", replace("<edXML:OrganId>000.00.00.G22</edXML:OrganId>", "<edXML:OrganId>000.00.00.G01</edXML:OrganId>"), trusted, ErrBadSignature},
		{"tampered attachment", tamperedAttachment, trusted, ErrBadSignature},
		{"tampered attachment name", replace("<edXML:AttachmentName>phu-luc.zip<", "<edXML:AttachmentName>phu-luc.exe<"), trusted, ErrBadSignature},
		{"added element", replace("</edXML:MessageHeader>", "<edXML:Extra>x</edXML:Extra></edXML:MessageHeader>"), trusted, ErrBadSignature},
		{"tampered signature value", badValue, trusted, ErrBadSignature},
		{"one bit of the signature value", flippedValue, trusted, ErrBadSignature},
		{"tampered SignedInfo", otherDigest, trusted, ErrBadSignature},
		{"signed with another key", wrongKey, trusted, ErrBadSignature},
		{"signature method of another key", swappedMethod, trusted, ErrBadSignature},
		{"removed signature", withoutSig, trusted, ErrUnsigned},
		{"untrusted certificate", signed, untrusted, ErrUnknownKey},
		{"no trusted certificate", signed, nil, ErrUnknownKey},
		{"signature moved into the body", moved, trusted, ErrBadSignature},
		{"second signature in an element with another Id", doubled, trusted, ErrBadSignature},
		{"sha1 digest", replace("xmlenc#sha256", "xmldsig#sha1"), trusted, ErrBadSignature},
		{"other canonicalization", replace(`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`,
			`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>`), trusted, ErrBadSignature},
		{"not XML", signed[:100], trusted, ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.doc, c.trusted)
			t.Log(err)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify: %v, want %v", err, c.want)
			}
			for _, other := range []error{ErrBadSignature, ErrUnsigned, ErrUnknownKey} {
				if other != c.want && errors.Is(err, other) {
					t.Errorf("Verify: %v is also %v", err, other)
				}
			}
		})
	}
}

// TestVerifyRefusesReferenceByID: a signature whose reference is an element
// with an Id, rather than the whole message, is refused even when its
// cryptography is sound, since the rest of the message would be unsigned.
// This is the shape of a wrapping attack: the signed element is kept
// somewhere the reader does not look, and a forged header put where it does.
func TestVerifyRefusesReferenceByID(t *testing.T) {
	id := testIdentities(t)["RSA"]
	b, err := Marshal(sampleEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	root.CreateAttr("ID", "signed-part")
	ctx, err := dsig.NewSigningContext(id.key, [][]byte{id.cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	sig, err := ctx.ConstructSignature(root.Copy(), true)
	if err != nil {
		t.Fatal(err)
	}
	header := root.FindElement("./edXML:edXMLEnvelope/edXML:edXMLHeader")
	header.AddChild(sig)

	// goxmldsig alone accepts it: the signature is sound.
	vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{id.cert}})
	if _, err := vctx.Validate(root); err != nil {
		t.Fatalf("goxmldsig refuses the test signature: %v", err)
	}
	signed, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(signed, []byte(`URI="#signed-part"`)) {
		t.Fatalf("test signature does not refer by Id:\n%s", signed)
	}
	if _, err := Verify(signed, []*x509.Certificate{id.cert}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify: %v, want ErrBadSignature", err)
	}

	// Now the wrapping itself: the signed element moved into an extra
	// element, a forged one in its place, the signature still in the header.
	forged := root.Copy()
	forged.RemoveAttr("ID")
	extra := forged.FindElement("./edXML:edXMLEnvelope/edXML:edXMLBody").CreateElement("edXML:Extra")
	extra.CreateAttr("Id", "wrapper")
	orig := root.Copy()
	orig.RemoveChild(orig.FindElement("./edXML:edXMLEnvelope/edXML:edXMLHeader/ds:Signature"))
	extra.AddChild(orig)
	forged.FindElement("./edXML:edXMLEnvelope/edXML:edXMLHeader/edXML:MessageHeader/edXML:Subject").SetText("Văn bản giả mạo")
	wrapped := etree.NewDocument()
	wrapped.SetRoot(forged)
	out, err := wrapped.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(out, []*x509.Certificate{id.cert}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("wrapped: Verify: %v, want ErrBadSignature", err)
	}
}

func TestVerifyCertificateValidity(t *testing.T) {
	id := testIdentities(t)["ECDSA"]
	signed := signedEnvelope(t, id)
	for name, now := range map[string]time.Time{
		"expired":       id.cert.NotAfter.Add(time.Minute),
		"not yet valid": id.cert.NotBefore.Add(-time.Minute),
	} {
		v := Verifier{Trusted: []*x509.Certificate{id.cert}, Now: func() time.Time { return now }}
		if _, err := v.Verify(signed); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("%s: %v, want ErrUnknownKey", name, err)
		}
	}
	v := Verifier{Trusted: []*x509.Certificate{id.cert}, Now: func() time.Time { return id.cert.NotAfter.Add(-time.Minute) }}
	if _, err := v.Verify(signed); err != nil {
		t.Errorf("within validity: %v", err)
	}
	v.Limits.MaxSize = 100
	if _, err := v.Verify(signed); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the size limit: %v, want ErrTooLarge", err)
	}
}

func TestSignRefuses(t *testing.T) {
	ids := testIdentities(t)
	b, err := Marshal(sampleEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(b, otherKindSigner{x25519.PublicKey()}, ids["RSA"].cert); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("an X25519 key: %v, want ErrUnsupportedKey", err)
	}
	for _, c := range []struct{ key, cert string }{{"RSA", "ECDSA"}, {"Ed25519", "otherEd25519"}, {"Ed25519", "ECDSA"}} {
		if _, err := Sign(b, ids[c.key].key, ids[c.cert].cert); err == nil || !strings.Contains(err.Error(), "not the key of the certificate") {
			t.Errorf("%s key with the %s certificate: %v", c.key, c.cert, err)
		}
	}
	// A token's signer that answers with a wrong signature is caught.
	if _, err := Sign(b, flippingSigner{ids["Ed25519"].key}, ids["Ed25519"].cert); err == nil || !strings.Contains(err.Error(), "no valid Ed25519 signature") {
		t.Errorf("a faulty Ed25519 signer: %v", err)
	}
	signedEd, err := Sign(b, ids["Ed25519"].key, ids["Ed25519"].cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(signedEd, ids["Ed25519"].key, ids["Ed25519"].cert); err == nil {
		t.Error("signed a message signed with Ed25519 again")
	}
	signed, err := Sign(b, ids["RSA"].key, ids["RSA"].cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(signed, ids["RSA"].key, ids["RSA"].cert); err == nil {
		t.Error("signed a signed message again")
	}
	if _, err := Sign([]byte(`<edXML:edXML xmlns:edXML="`+Namespace+`"/>`), ids["RSA"].key, ids["RSA"].cert); !errors.Is(err, ErrMalformed) {
		t.Errorf("no header: %v, want ErrMalformed", err)
	}
	if _, err := Sign([]byte("<a"), ids["RSA"].key, ids["RSA"].cert); !errors.Is(err, ErrMalformed) {
		t.Errorf("not XML: %v, want ErrMalformed", err)
	}
}

// An ECDSA signature value is written as XML-DSig's r||s, and a value in
// DER (as goxmldsig alone, and earlier egov, wrote it) still checks.
func TestECDSASignatureValueForm(t *testing.T) {
	id := testIdentities(t)["ECDSA"]
	doc, err := Marshal(sampleEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	signed, err := Sign(doc, id.key, id.cert)
	if err != nil {
		t.Fatal(err)
	}
	value := regexp.MustCompile(`<ds:SignatureValue>([^<]*)</ds:SignatureValue>`)
	m := value.FindSubmatch(signed)
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(m[1])), ""))
	if err != nil || len(raw) != 64 {
		t.Fatalf("signature value: %d bytes, %v; want 64 (r||s on P-256)", len(raw), err)
	}
	if _, err := Verify(signed, []*x509.Certificate{id.cert}); err != nil {
		t.Fatalf("r||s form: %v", err)
	}
	var sig ecdsaSignature
	sig.R, sig.S = new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])
	der, _ := asn1.Marshal(sig)
	legacy := value.ReplaceAll(signed, []byte("<ds:SignatureValue>"+base64.StdEncoding.EncodeToString(der)+"</ds:SignatureValue>"))
	if _, err := Verify(legacy, []*x509.Certificate{id.cert}); err != nil {
		t.Errorf("DER form: %v", err)
	}
	raw[10] ^= 1
	bad := value.ReplaceAll(signed, []byte("<ds:SignatureValue>"+base64.StdEncoding.EncodeToString(raw)+"</ds:SignatureValue>"))
	if _, err := Verify(bad, []*x509.Certificate{id.cert}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("a changed r: %v", err)
	}
}

// otherKindSigner is a signer of a kind of key that Sign does not take.
type otherKindSigner struct{ pub crypto.PublicKey }

func (s otherKindSigner) Public() crypto.PublicKey { return s.pub }
func (s otherKindSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("not called")
}

// flippingSigner signs, then changes a bit of the signature.
type flippingSigner struct{ crypto.Signer }

func (s flippingSigner) Sign(rand io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := s.Signer.Sign(rand, msg, opts)
	if err == nil && len(sig) > 0 {
		sig[0] ^= 1
	}
	return sig, err
}
