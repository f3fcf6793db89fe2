package edxml

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// goldenEd25519 is a fixed Ed25519 key, made from a seed, and its
// certificate, kept in testdata so that the golden files do not depend on
// how Go encodes certificates. Ed25519 signatures are deterministic: with
// a fixed key, a signed message is always the same bytes.
func goldenEd25519(t testing.TB) (ed25519.PrivateKey, *x509.Certificate) {
	t.Helper()
	seed := sha256.Sum256([]byte("egov edxml golden Ed25519 key: for tests only"))
	key := ed25519.NewKeyFromSeed(seed[:])
	b, err := os.ReadFile(filepath.Join("testdata", "ed25519_cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("testdata/ed25519_cert.pem: no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !key.Public().(ed25519.PublicKey).Equal(cert.PublicKey) {
		t.Fatal("testdata/ed25519_cert.pem is not the certificate of the golden key")
	}
	return key, cert
}

// goldenTime is within the golden certificate's validity (2018 to 2048).
var goldenTime = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func TestSignEd25519Golden(t *testing.T) {
	key, cert := goldenEd25519(t)
	for name, doc := range map[string][]byte{
		"envelope_ed25519": mustMarshal(t, sampleEnvelope()),
		"status_ed25519":   mustMarshalStatus(t, sampleStatus()),
	} {
		t.Run(name, func(t *testing.T) {
			signed, err := Sign(doc, key, cert)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, signed)
			again, err := Sign(doc, key, cert)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(signed, again) {
				t.Error("signing twice with the same Ed25519 key gave different bytes")
			}
			v := Verifier{Trusted: []*x509.Certificate{cert}, Now: func() time.Time { return goldenTime }}
			if _, err := v.Verify(signed); err != nil {
				t.Fatal(err)
			}
			// The golden file as stored checks too: what Sign wrote
			// yesterday still verifies today.
			stored, err := os.ReadFile(filepath.Join("testdata", name+".golden.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(stored); err != nil {
				t.Errorf("the stored golden file: %v", err)
			}
		})
	}
}

// TestVerifyEd25519OtherSigner: an Ed25519 signature of the accepted form
// written by another signer, with the parts that Sign does not write but
// XML-DSig allows (InclusiveNamespaces prefix lists on both exclusive
// canonicalizations, a SHA-512 digest), is checked as XML-DSig says. The
// prefix lists change the canonical bytes, so a verifier that left them out
// would refuse it.
func TestVerifyEd25519OtherSigner(t *testing.T) {
	id := testIdentities(t)["Ed25519"]
	const (
		infoPrefixes = "edXML"
		refPrefixes  = "xlink"
	)
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(mustMarshal(t, sampleEnvelope())); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	canonical := func(prefixes string, el *etree.Element) []byte {
		t.Helper()
		b, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes).Canonicalize(el.Copy())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	message := canonical(refPrefixes, root)
	if bytes.Equal(message, canonical("", root)) {
		t.Fatalf("the prefix list %q does not change the canonical message: choose another", refPrefixes)
	}
	digest := sha512.Sum512(message)

	sig := root.FindElement("./edXML:edXMLEnvelope/edXML:edXMLHeader").CreateElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", dsig.Namespace)
	info := sig.CreateElement("ds:SignedInfo")
	c14n := info.CreateElement("ds:CanonicalizationMethod")
	c14n.CreateAttr("Algorithm", string(dsig.CanonicalXML10ExclusiveAlgorithmId))
	inclusive := func(parent *etree.Element, prefixes string) {
		el := parent.CreateElement("ec:InclusiveNamespaces")
		el.CreateAttr("xmlns:ec", string(dsig.CanonicalXML10ExclusiveAlgorithmId))
		el.CreateAttr("PrefixList", prefixes)
	}
	inclusive(c14n, infoPrefixes)
	info.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519")
	ref := info.CreateElement("ds:Reference")
	ref.CreateAttr("URI", "")
	transforms := ref.CreateElement("ds:Transforms")
	transforms.CreateElement("ds:Transform").CreateAttr("Algorithm", string(dsig.EnvelopedSignatureAltorithmId))
	excl := transforms.CreateElement("ds:Transform")
	excl.CreateAttr("Algorithm", string(dsig.CanonicalXML10ExclusiveAlgorithmId))
	inclusive(excl, refPrefixes)
	ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmlenc#sha512")
	ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(digest[:]))

	ctx, err := etreeutils.NSBuildParentContext(sig)
	if err != nil {
		t.Fatal(err)
	}
	if ctx, err = ctx.SubContext(sig); err != nil {
		t.Fatal(err)
	}
	detached, err := etreeutils.NSDetatch(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	signedInfo := canonical(infoPrefixes, detached)
	if bytes.Equal(signedInfo, canonical("", detached)) {
		t.Fatalf("the prefix list %q does not change the canonical SignedInfo: choose another", infoPrefixes)
	}
	sig.CreateElement("ds:SignatureValue").SetText(base64.StdEncoding.EncodeToString(ed25519.Sign(id.key.(ed25519.PrivateKey), signedInfo)))
	sig.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(id.cert.Raw))
	signed, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}

	if _, err := Verify(signed, []*x509.Certificate{id.cert}); err != nil {
		t.Fatalf("Verify: %v\n%s", err, signed)
	}
	tampered := bytes.Replace(signed, []byte("V/v triển khai kết nối"), []byte("V/v tạm dừng kết nối"), 1)
	if bytes.Equal(tampered, signed) {
		t.Fatal("the subject to change is not in the message")
	}
	if _, err := Verify(tampered, []*x509.Certificate{id.cert}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered: %v, want ErrBadSignature", err)
	}
}
