package edxml

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/beevik/etree"
)

// XML-DSig 1.1 (and RFC 4051, which defines ecdsa-sha256 for XML) writes an
// ECDSA signature value as the two integers r and s, each left-padded to
// the curve's size, one after the other. Go's ECDSA signers, and the
// goxmldsig library that signs and checks here, use the ASN.1 DER form that
// X.509 uses. Others' verifiers follow the standard, so the value is
// converted on the way out (rawECDSA) and back before goxmldsig checks it
// (derSignatureValue). Both are re-encodings of the same two integers; the
// signing and checking are Go's and goxmldsig's.

// ecdsaSignature is the DER form of an ECDSA signature.
type ecdsaSignature struct{ R, S *big.Int }

// rawECDSA is an ECDSA crypto.Signer that answers in XML-DSig's r||s form.
type rawECDSA struct {
	crypto.Signer
	size int // bytes of each integer: the curve's order length
}

func newRawECDSA(key crypto.Signer, pub *ecdsa.PublicKey) rawECDSA {
	return rawECDSA{Signer: key, size: (pub.Curve.Params().BitSize + 7) / 8}
}

func (k rawECDSA) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	der, err := k.Signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, err
	}
	var sig ecdsaSignature
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) > 0 || sig.R == nil || sig.S == nil {
		return nil, errors.New("edxml: the key's signer gave no DER ECDSA signature")
	}
	out := make([]byte, 2*k.size)
	sig.R.FillBytes(out[:k.size])
	sig.S.FillBytes(out[k.size:])
	return out, nil
}

// derSignatureValue turns sig's SignatureValue from XML-DSig's r||s form
// into DER, in place, for a key of pub's curve, so that goxmldsig can check
// it. A value already in DER (as goxmldsig alone writes it) is left as it
// is. The SignatureValue is not covered by the signature's digests: what
// was signed does not change.
func derSignatureValue(sig *etree.Element, pub *ecdsa.PublicKey) error {
	var value *etree.Element
	for _, c := range sig.ChildElements() {
		if strings.EqualFold(c.Tag, "SignatureValue") {
			value = c
		}
	}
	if value == nil {
		return errors.New("no SignatureValue")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value.Text()), ""))
	if err != nil {
		return fmt.Errorf("SignatureValue is not base64: %w", err)
	}
	size := (pub.Curve.Params().BitSize + 7) / 8
	if len(raw) != 2*size {
		return nil // DER, or wrong, which the check will say
	}
	der, err := asn1.Marshal(ecdsaSignature{R: new(big.Int).SetBytes(raw[:size]), S: new(big.Int).SetBytes(raw[size:])})
	if err != nil {
		return fmt.Errorf("SignatureValue: %w", err)
	}
	value.SetText(base64.StdEncoding.EncodeToString(der))
	return nil
}
