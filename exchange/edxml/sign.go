package edxml

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Sign adds the sender's signature to an edXML document or status message
// (as written by [Marshal] or [MarshalStatus]) and returns the signed
// message. The signature is an enveloped XML-DSig signature over the whole
// message, with exclusive canonicalization and SHA-256, made with key and
// carrying cert in its X509Data; it goes in edXMLHeader (in the Status
// element for a status message).
//
// key must be an RSA, ECDSA or Ed25519 key (any crypto.Signer, such as a
// key in a token or an HSM) and the key of cert; Sign returns
// ErrUnsupportedKey for other keys. An ECDSA signature value is written in
// XML-DSig's r||s form (see ecdsa.go), as other verifiers expect. An Ed25519
// signature uses RFC 9231's eddsa-ed25519 method and is made without
// goxmldsig, which has no EdDSA (see ed25519.go), in the same form.
func Sign(doc []byte, key crypto.Signer, cert *x509.Certificate) ([]byte, error) {
	if key == nil || cert == nil {
		return nil, errors.New("edxml: Sign needs a key and its certificate")
	}
	switch key.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("%w: %T (RSA, ECDSA and Ed25519 keys only)", ErrUnsupportedKey, key.Public())
	}
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key.Public()) {
		return nil, errors.New("edxml: the key is not the key of the certificate")
	}
	tree, root, err := Limits{}.read(doc)
	if err != nil {
		return nil, err
	}
	if sigs := signatures(root, nil); len(sigs) > 0 {
		return nil, errors.New("edxml: the message is already signed")
	}
	place := signaturePlace(root)
	if place == nil {
		return nil, malformed("no edXMLHeader (or Status root element) to put the signature in")
	}

	// The signature goes after the last element of its place, on a line of
	// its own when the message is indented. The whitespace is added before
	// signing, since the signature covers everything but itself.
	at := len(place.Child)
	if last := lastElement(place); last != nil {
		at = last.Index() + 1
		if i := last.Index(); i > 0 {
			if cd, ok := place.Child[i-1].(*etree.CharData); ok && cd.IsWhitespace() {
				place.InsertChildAt(at, etree.NewText(cd.Data))
				at++
			}
		}
	}

	tree.WriteSettings = writeSettings
	if pub, ok := key.Public().(ed25519.PublicKey); ok {
		if err := signEd25519(root, place, at, key, pub, cert); err != nil {
			return nil, err
		}
		return tree.WriteToBytes()
	}
	signer := key
	if pub, ok := key.Public().(*ecdsa.PublicKey); ok {
		signer = newRawECDSA(key, pub)
	}
	ctx, err := dsig.NewSigningContext(signer, [][]byte{cert.Raw})
	if err != nil {
		return nil, fmt.Errorf("edxml: %w", err)
	}
	ctx.Hash = crypto.SHA256
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	// The canonicalizer rewrites the tree it is given: give it a copy.
	sig, err := ctx.ConstructSignature(root.Copy(), true)
	if err != nil {
		return nil, fmt.Errorf("edxml: signing: %w", err)
	}
	if ref := sig.FindElement("./SignedInfo/Reference"); ref == nil || ref.SelectAttrValue("URI", "-") != "" {
		// goxmldsig refers to the root's ID attribute when it has one.
		return nil, errors.New("edxml: the root element has an ID attribute; the signature must cover the whole message")
	}
	place.InsertChildAt(at, sig)
	return tree.WriteToBytes()
}

// Verifier checks signatures against a set of trusted certificates.
type Verifier struct {
	// Trusted are the certificates whose signatures are accepted: a
	// signature is accepted if the certificate it carries is one of them
	// (byte for byte) and valid at the time of checking. No chain is built.
	Trusted []*x509.Certificate
	Limits  Limits
	// Now gives the time at which certificates must be valid; time.Now if
	// nil.
	Now func() time.Time
}

// Verify checks the signature of an edXML message with the default limits.
// See [Verifier.Verify].
func Verify(doc []byte, trusted []*x509.Certificate) (*x509.Certificate, error) {
	v := Verifier{Trusted: trusted}
	return v.Verify(doc)
}

// Verify checks the signature of an edXML document or status message and
// returns the trusted certificate that signed it. Errors wrap ErrMalformed
// (not readable), ErrUnsigned (no signature), ErrUnknownKey (a certificate
// that is not trusted, or not valid now) or ErrBadSignature (the message was
// changed after signing, or the signature is not the one signature of the
// form that [Sign] makes, in the place where Sign puts it: a second
// signature, a signature moved elsewhere, a reference to a part of the
// message, or another algorithm are all refused).
func (v *Verifier) Verify(doc []byte) (*x509.Certificate, error) {
	_, root, err := v.Limits.read(doc)
	if err != nil {
		return nil, err
	}
	sigs := signatures(root, nil)
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no ds:Signature element", ErrUnsigned)
	}
	if len(sigs) > 1 {
		return nil, fmt.Errorf("%w: %d Signature elements, one expected", ErrBadSignature, len(sigs))
	}
	sig := sigs[0]
	if place := signaturePlace(root); place == nil || sig.Parent() != place {
		return nil, fmt.Errorf("%w: the signature is in %s, not in edXMLHeader", ErrBadSignature, path(sig.Parent()))
	}
	method, err := checkForm(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	cert, err := signingCertificate(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnknownKey, err)
	}
	var trusted *x509.Certificate
	for _, c := range v.Trusted {
		if c != nil && c.Equal(cert) {
			trusted = c
			break
		}
	}
	if trusted == nil {
		return nil, fmt.Errorf("%w: certificate %q (serial %s) is not trusted", ErrUnknownKey, cert.Subject, cert.SerialNumber)
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if now.Before(trusted.NotBefore) || now.After(trusted.NotAfter) {
		return nil, fmt.Errorf("%w: certificate %q is valid from %s to %s", ErrUnknownKey, trusted.Subject,
			trusted.NotBefore.Format(time.RFC3339), trusted.NotAfter.Format(time.RFC3339))
	}
	// The method must fit the certificate's key. (goxmldsig, knowing no
	// eddsa-ed25519, would refuse it with an RSA or ECDSA key too, but
	// without saying why.)
	edPub, isEd := trusted.PublicKey.(ed25519.PublicKey)
	if isEd != (method == ed25519SignatureMethod) {
		return nil, fmt.Errorf("%w: signature method %q, but the certificate's key is %s", ErrBadSignature, method, trusted.PublicKeyAlgorithm)
	}
	if isEd {
		if err := verifyEd25519(root, sig, edPub); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
		return trusted, nil
	}
	if pub, ok := trusted.PublicKey.(*ecdsa.PublicKey); ok {
		if err := derSignatureValue(sig, pub); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{trusted}})
	ctx.Clock = dsig.NewFakeClockAt(now)
	if _, err := ctx.Validate(root); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return trusted, nil
}

// signaturePlace returns the element that holds the signature: the Status
// root of a status message, or the edXMLHeader of a document.
func signaturePlace(root *etree.Element) *etree.Element {
	if strings.EqualFold(root.Tag, "Status") {
		return root
	}
	env := root
	if !strings.EqualFold(root.Tag, "edXMLEnvelope") {
		env = child(root, "edXMLEnvelope")
	}
	return child(env, "edXMLHeader")
}

// signatures collects every element named Signature, in any namespace.
func signatures(el *etree.Element, out []*etree.Element) []*etree.Element {
	for _, c := range el.ChildElements() {
		if isSignature(c) {
			out = append(out, c)
		}
		out = signatures(c, out)
	}
	return out
}

func lastElement(el *etree.Element) *etree.Element {
	for i := len(el.Child) - 1; i >= 0; i-- {
		if c, ok := el.Child[i].(*etree.Element); ok {
			return c
		}
	}
	return nil
}

// sha256Method is the XML-DSig identifier of SHA-256 digests, which Sign
// uses.
const sha256Method = "http://www.w3.org/2001/04/xmlenc#sha256"

// Algorithms accepted in a signature: the ones Sign uses, and stronger
// hashes. SHA-1 is refused.
var (
	signatureMethods = map[string]bool{
		dsig.RSASHA256SignatureMethod:   true,
		dsig.RSASHA384SignatureMethod:   true,
		dsig.RSASHA512SignatureMethod:   true,
		dsig.ECDSASHA256SignatureMethod: true,
		dsig.ECDSASHA384SignatureMethod: true,
		dsig.ECDSASHA512SignatureMethod: true,
		ed25519SignatureMethod:          true,
	}
	// digestMethods gives each digest's hash; goxmldsig uses its own for
	// RSA and ECDSA signatures, and these the same for Ed25519 ones.
	digestMethods = map[string]func() hash.Hash{
		sha256Method: sha256.New,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": sha512.New384,
		"http://www.w3.org/2001/04/xmlenc#sha512":       sha512.New,
	}
)

// checkForm refuses any signature that is not of the form Sign makes: one
// reference, to the whole message, enveloped and exclusively canonicalized.
// goxmldsig would accept more (references by ID, other transforms), which is
// where wrapping attacks live. It returns the signature method.
func checkForm(sig *etree.Element) (string, error) {
	els, err := dsigChildren(sig, "SignedInfo", "SignatureValue", "KeyInfo")
	if err != nil {
		return "", err
	}
	ref, err := checkSignedInfo(els[0])
	if err != nil {
		return "", err
	}
	return ref.signatureMethod, nil
}

// signedReference is what checkSignedInfo found in a SignedInfo of the
// accepted form.
type signedReference struct {
	signatureMethod string
	element         *etree.Element   // the one Reference
	prefixList      string           // of its exclusive canonicalization
	hash            func() hash.Hash // of its DigestMethod
}

// checkSignedInfo is checkForm's check of SignedInfo (info).
func checkSignedInfo(info *etree.Element) (signedReference, error) {
	parts, err := dsigChildren(info, "CanonicalizationMethod", "SignatureMethod", "Reference")
	if err != nil {
		return signedReference{}, err
	}
	if alg := parts[0].SelectAttrValue("Algorithm", ""); alg != string(dsig.CanonicalXML10ExclusiveAlgorithmId) {
		return signedReference{}, fmt.Errorf("canonicalization %q; exclusive canonicalization expected", alg)
	}
	method := parts[1].SelectAttrValue("Algorithm", "")
	if !signatureMethods[method] {
		return signedReference{}, fmt.Errorf("signature method %q not accepted", method)
	}
	ref := parts[2]
	if uri := ref.SelectAttr("URI"); uri == nil || uri.Value != "" {
		return signedReference{}, errors.New(`the reference must be to the whole message (URI="")`)
	}
	refParts, err := dsigChildren(ref, "Transforms", "DigestMethod", "DigestValue")
	if err != nil {
		return signedReference{}, err
	}
	transforms := refParts[0].ChildElements()
	want := []string{string(dsig.EnvelopedSignatureAltorithmId), string(dsig.CanonicalXML10ExclusiveAlgorithmId)}
	if len(transforms) != len(want) {
		return signedReference{}, fmt.Errorf("%d transforms; enveloped-signature and exclusive canonicalization expected", len(transforms))
	}
	for i, t := range transforms {
		if t.Tag != "Transform" || t.NamespaceURI() != dsig.Namespace || t.SelectAttrValue("Algorithm", "") != want[i] {
			return signedReference{}, fmt.Errorf("transform %d is %q; %q expected", i+1, t.SelectAttrValue("Algorithm", ""), want[i])
		}
	}
	alg := refParts[1].SelectAttrValue("Algorithm", "")
	h := digestMethods[alg]
	if h == nil {
		return signedReference{}, fmt.Errorf("digest method %q not accepted", alg)
	}
	return signedReference{signatureMethod: method, element: ref, prefixList: prefixList(transforms[1]), hash: h}, nil
}

// dsigChildren checks that el's child elements are exactly the named
// XML-DSig elements, in order, and returns them.
func dsigChildren(el *etree.Element, names ...string) ([]*etree.Element, error) {
	cs := el.ChildElements()
	got := make([]string, len(cs))
	for i, c := range cs {
		got[i] = c.Tag
	}
	if len(cs) != len(names) {
		return nil, fmt.Errorf("%s has children %v; %v expected", el.Tag, got, names)
	}
	for i, c := range cs {
		if c.Tag != names[i] || c.NamespaceURI() != dsig.Namespace {
			return nil, fmt.Errorf("%s has children %v; %v in the XML-DSig namespace expected", el.Tag, got, names)
		}
	}
	return cs, nil
}

// signingCertificate returns the first certificate of the signature's
// X509Data.
func signingCertificate(sig *etree.Element) (*x509.Certificate, error) {
	var data *etree.Element
	if ki := child(sig, "KeyInfo"); ki != nil {
		if xd := child(ki, "X509Data"); xd != nil {
			data = child(xd, "X509Certificate")
		}
	}
	if data == nil {
		return nil, errors.New("the signature carries no X509Certificate")
	}
	der, err := decodeBase64(textOf(data))
	if err != nil {
		return nil, fmt.Errorf("X509Certificate is not valid base64: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("X509Certificate: %w", err)
	}
	return cert, nil
}
