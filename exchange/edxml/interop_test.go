package edxml

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestInteropXmlsec checks what Sign writes with xmlsec1, the reference
// XML-DSig implementation (libxmlsec) that other agencies' systems are
// likely to build on, for each kind of key: the axis must not only check
// its own signatures. .ci/run installs xmlsec1.
func TestInteropXmlsec(t *testing.T) {
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Skip("xmlsec1 is not installed (apt-get install xmlsec1): the interoperability check did not run")
	}
	dir := t.TempDir()
	for _, name := range []string{"ECDSA", "RSA"} {
		t.Run(name, func(t *testing.T) {
			id := testIdentities(t)[name]
			for kind, doc := range map[string][]byte{"envelope": mustMarshal(t, sampleEnvelope()), "status": mustMarshalStatus(t, sampleStatus())} {
				signed, err := Sign(doc, id.key, id.cert)
				if err != nil {
					t.Fatal(err)
				}
				docPath, certPath := filepath.Join(dir, name+kind+".xml"), filepath.Join(dir, name+".pem")
				if err := os.WriteFile(docPath, signed, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.cert.Raw}), 0o600); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(bin, "--verify", "--pubkey-cert-pem", certPath, docPath).CombinedOutput(); err != nil {
					t.Errorf("xmlsec1 refuses the %s signed with %s: %v\n%s", kind, name, err, out)
				}
			}
		})
	}
}

func mustMarshal(t *testing.T, e *Envelope) []byte {
	t.Helper()
	b, err := Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustMarshalStatus(t *testing.T, s *Status) []byte {
	t.Helper()
	b, err := MarshalStatus(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
