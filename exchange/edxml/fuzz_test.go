package edxml

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// seeds are the samples in testdata, and signed messages.
func seeds(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	st, err := MarshalStatus(sampleStatus())
	if err != nil {
		f.Fatal(err)
	}
	// ECDSA goes through goxmldsig, Ed25519 through this package's own
	// path (the golden files in testdata are signed with Ed25519 too).
	for _, alg := range []string{"ECDSA", "Ed25519"} {
		id := testIdentities(f)[alg]
		f.Add(signedEnvelope(f, id))
		if signed, err := Sign(st, id.key, id.cert); err == nil {
			f.Add(signed)
		}
	}
	f.Add([]byte(`<edXML><edXMLEnvelope><edXMLHeader><MessageHeader/></edXMLHeader></edXMLEnvelope></edXML>`))
}

func FuzzParse(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			return
		}
		// Whatever reads and validates must write, and read back the same.
		if e.Validate() != nil {
			return
		}
		out, err := Marshal(e)
		if err != nil {
			t.Fatalf("Marshal of a valid envelope: %v", err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("Parse of Marshal's output: %v\n%s", err, out)
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStatus(b)
		if err != nil || s.Validate() != nil {
			return
		}
		out, err := MarshalStatus(s)
		if err != nil {
			t.Fatalf("MarshalStatus of a valid status: %v", err)
		}
		if _, err := ParseStatus(out); err != nil {
			t.Fatalf("ParseStatus of MarshalStatus's output: %v\n%s", err, out)
		}
	})
}

// FuzzVerify: no input makes Verify panic, and what it accepts is signed
// by a trusted certificate, in the one place of the one signature.
func FuzzVerify(f *testing.F) {
	seeds(f)
	_, goldenCert := goldenEd25519(f)
	trusted := []*x509.Certificate{testIdentities(f)["ECDSA"].cert, testIdentities(f)["Ed25519"].cert, goldenCert}
	v := Verifier{Trusted: trusted}
	f.Fuzz(func(t *testing.T, b []byte) {
		cert, err := v.Verify(b)
		if err != nil {
			return
		}
		if !slices.Contains(trusted, cert) {
			t.Fatalf("Verify accepted a certificate it does not trust: %v", cert.Subject)
		}
		_, root, err := Limits{}.read(b)
		if err != nil {
			t.Fatalf("Verify accepted what does not read: %v", err)
		}
		if sigs := signatures(root, nil); len(sigs) != 1 || sigs[0].Parent() != signaturePlace(root) {
			t.Fatalf("Verify accepted %d signatures, or one out of its place", len(sigs))
		}
	})
}
