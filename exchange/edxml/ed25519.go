package edxml

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// goxmldsig signs and checks RSA and ECDSA only, and has no way to add a
// signature method: it picks the method's URI from the key's type in a
// table of its own, hands a crypto.Signer a digest of SignedInfo (Ed25519,
// being PureEdDSA, signs the message itself, not a digest), and checks
// through another unexported table that has no EdDSA. (A signer passing
// for an ECDSA key would get goxmldsig to build SignedInfo, to be rewritten
// afterwards, but that leans on its internals.) So the Ed25519 signature is
// assembled and checked here, in the same form as the others, from library
// parts only: goxmldsig's exclusive canonicalizer and its namespace
// handling (etreeutils) for both canonicalizations, crypto/sha256 (or the
// stronger hash a signature names) for the digest, and crypto/ed25519 (or
// the caller's crypto.Signer) for the signature.

// ed25519SignatureMethod is RFC 9231's identifier of Ed25519 (PureEdDSA on
// edwards25519, RFC 8032) signing the canonical SignedInfo itself.
const ed25519SignatureMethod = "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519"

// excC14NNamespace is the namespace of exclusive canonicalization's
// InclusiveNamespaces parameter.
const excC14NNamespace = string(dsig.CanonicalXML10ExclusiveAlgorithmId)

// signEd25519 builds the signature of root with an Ed25519 key and puts it
// in place, at index at. It makes what goxmldsig makes for the
// other keys: one reference to the whole message (URI=""), the
// enveloped-signature and exclusive canonicalization transforms, a SHA-256
// digest, and cert in X509Data.
func signEd25519(root, place *etree.Element, at int, key crypto.Signer, pub ed25519.PublicKey, cert *x509.Certificate) error {
	c14n := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	// The signature is not in the tree yet: what is digested is the message
	// as the enveloped-signature transform will give it back. The
	// canonicalizer rewrites the tree it is given: give it a copy.
	canonical, err := c14n.Canonicalize(root.Copy())
	if err != nil {
		return fmt.Errorf("edxml: canonicalizing the message: %w", err)
	}
	digest := sha256.Sum256(canonical)

	sig := &etree.Element{Space: dsig.DefaultPrefix, Tag: dsig.SignatureTag}
	sig.CreateAttr("xmlns:"+dsig.DefaultPrefix, dsig.Namespace)
	info := dsElement(sig, dsig.SignedInfoTag)
	dsElement(info, dsig.CanonicalizationMethodTag).CreateAttr(dsig.AlgorithmAttr, string(c14n.Algorithm()))
	dsElement(info, dsig.SignatureMethodTag).CreateAttr(dsig.AlgorithmAttr, ed25519SignatureMethod)
	ref := dsElement(info, dsig.ReferenceTag)
	ref.CreateAttr(dsig.URIAttr, "")
	transforms := dsElement(ref, dsig.TransformsTag)
	dsElement(transforms, dsig.TransformTag).CreateAttr(dsig.AlgorithmAttr, string(dsig.EnvelopedSignatureAltorithmId))
	dsElement(transforms, dsig.TransformTag).CreateAttr(dsig.AlgorithmAttr, string(c14n.Algorithm()))
	dsElement(ref, dsig.DigestMethodTag).CreateAttr(dsig.AlgorithmAttr, sha256Method)
	dsElement(ref, dsig.DigestValueTag).SetText(base64.StdEncoding.EncodeToString(digest[:]))

	// SignedInfo is canonicalized in its place, with the namespaces in scope
	// there, exactly as Verify will canonicalize it.
	place.InsertChildAt(at, sig)
	signed, err := canonicalSignedInfo(sig, info)
	if err != nil {
		return fmt.Errorf("edxml: %w", err)
	}
	// crypto.Hash(0): PureEdDSA, the message itself is signed.
	value, err := key.Sign(rand.Reader, signed, crypto.Hash(0))
	if err != nil {
		return fmt.Errorf("edxml: signing: %w", err)
	}
	// A signer in a token or an HSM is checked too: a bad signature would
	// otherwise be found only by the receiver.
	if len(value) != ed25519.SignatureSize || !ed25519.Verify(pub, signed, value) {
		return errors.New("edxml: signing: the key's signer gave no valid Ed25519 signature")
	}
	dsElement(sig, dsig.SignatureValueTag).SetText(base64.StdEncoding.EncodeToString(value))
	data := dsElement(dsElement(sig, dsig.KeyInfoTag), dsig.X509DataTag)
	dsElement(data, dsig.X509CertificateTag).SetText(base64.StdEncoding.EncodeToString(cert.Raw))
	return nil
}

func dsElement(parent *etree.Element, tag string) *etree.Element {
	el := parent.CreateElement(tag)
	el.Space = dsig.DefaultPrefix
	return el
}

// verifyEd25519 checks sig, the one signature of root in its place and of
// the form checkForm accepts, against pub. It verifies the signature value
// over the canonical SignedInfo first, and then takes the digest to expect
// from those verified bytes only (not from the tree, which holds what was
// read, comments and all), as goxmldsig does. It removes sig from root.
func verifyEd25519(root, sig *etree.Element, pub ed25519.PublicKey) error {
	els, err := dsigChildren(sig, "SignedInfo", "SignatureValue", "KeyInfo")
	if err != nil {
		return err
	}
	signed, err := canonicalSignedInfo(sig, els[0])
	if err != nil {
		return err
	}
	value, err := decodeBase64(textOf(els[1]))
	if err != nil {
		return fmt.Errorf("SignatureValue is not base64: %w", err)
	}
	if len(value) != ed25519.SignatureSize {
		return fmt.Errorf("SignatureValue has %d bytes; an Ed25519 signature has %d", len(value), ed25519.SignatureSize)
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("the certificate's Ed25519 key has %d bytes", len(pub))
	}
	if !ed25519.Verify(pub, signed, value) {
		return errors.New("the signature value does not match SignedInfo")
	}

	// From here on, only what was signed.
	// It is shallower than the message, which was read within the limits.
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{MaxDepth: DefaultMaxDepth}
	if err := doc.ReadFromBytes(signed); err != nil || doc.Root() == nil {
		return fmt.Errorf("the canonical SignedInfo does not read back: %v", err)
	}
	ref, err := checkSignedInfo(doc.Root())
	if err != nil {
		return fmt.Errorf("canonical SignedInfo: %w", err)
	}
	refParts, err := dsigChildren(ref.element, "Transforms", "DigestMethod", "DigestValue")
	if err != nil {
		return err
	}
	want, err := decodeBase64(textOf(refParts[2]))
	if err != nil {
		return fmt.Errorf("DigestValue is not base64: %w", err)
	}
	// The enveloped-signature transform, then exclusive canonicalization
	// with the prefix list the reference names, if any.
	sig.Parent().RemoveChild(sig)
	canonical, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(ref.prefixList).Canonicalize(root.Copy())
	if err != nil {
		return fmt.Errorf("canonicalizing the message: %w", err)
	}
	h := ref.hash()
	h.Write(canonical)
	if !bytes.Equal(h.Sum(nil), want) {
		return errors.New("the digest of the message does not match: the message was changed after signing")
	}
	return nil
}

// canonicalSignedInfo is SignedInfo (info, a child of sig) canonicalized
// by goxmldsig's exclusive canonicalizer, with the namespaces in scope at
// sig and the prefix list of its CanonicalizationMethod, if any: the bytes
// that the signature value signs. goxmldsig makes and reads them the same
// way (NSDetatch, then the canonicalizer).
func canonicalSignedInfo(sig, info *etree.Element) ([]byte, error) {
	ctx, err := etreeutils.NSBuildParentContext(sig)
	if err != nil {
		return nil, fmt.Errorf("namespaces of the signature: %w", err)
	}
	if ctx, err = ctx.SubContext(sig); err != nil {
		return nil, fmt.Errorf("namespaces of the signature: %w", err)
	}
	detached, err := etreeutils.NSDetatch(ctx, info)
	if err != nil {
		return nil, fmt.Errorf("SignedInfo: %w", err)
	}
	var method *etree.Element
	for _, c := range info.ChildElements() {
		if c.Tag == dsig.CanonicalizationMethodTag {
			method = c
			break
		}
	}
	if method == nil {
		return nil, errors.New("SignedInfo has no CanonicalizationMethod")
	}
	canonical, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixList(method)).Canonicalize(detached)
	if err != nil {
		return nil, fmt.Errorf("canonicalizing SignedInfo: %w", err)
	}
	return canonical, nil
}

// prefixList is the InclusiveNamespaces PrefixList parameter of an
// exclusive canonicalization (a CanonicalizationMethod or a Transform), or
// "" if it has none. Sign writes none; other signers may.
func prefixList(method *etree.Element) string {
	for _, c := range method.ChildElements() {
		if c.Tag == "InclusiveNamespaces" && c.NamespaceURI() == excC14NNamespace {
			return c.SelectAttrValue(dsig.PrefixListAttr, "")
		}
	}
	return ""
}
