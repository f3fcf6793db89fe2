package edxml

import (
	"crypto/x509"
	"os"
	"path/filepath"
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
	id := testIdentities(f)["ECDSA"]
	f.Add(signedEnvelope(f, id))
	st, err := MarshalStatus(sampleStatus())
	if err != nil {
		f.Fatal(err)
	}
	if signed, err := Sign(st, id.key, id.cert); err == nil {
		f.Add(signed)
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

func FuzzVerify(f *testing.F) {
	seeds(f)
	trusted := []*x509.Certificate{testIdentities(f)["ECDSA"].cert}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Verify(b, trusted)
	})
}
