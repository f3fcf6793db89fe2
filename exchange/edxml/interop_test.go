package edxml

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInteropXmlsec checks what Sign writes with xmlsec1, the reference
// XML-DSig implementation (libxmlsec) that other agencies' systems are
// likely to build on, for each kind of key: the axis must not only check
// its own signatures. .ci/run installs xmlsec1. Only recent xmlsec1 builds
// know EdDSA (Debian 12's 1.2.37 neither loads an Ed25519 key nor knows the
// eddsa-ed25519 method): without it the Ed25519 case is skipped, saying
// so, and TestInteropEd25519Libxml2 checks Ed25519 signatures with other
// tools.
func TestInteropXmlsec(t *testing.T) {
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Skip("xmlsec1 is not installed (apt-get install xmlsec1): the interoperability check did not run")
	}
	dir := t.TempDir()
	for _, name := range []string{"ECDSA", "RSA", "Ed25519"} {
		t.Run(name, func(t *testing.T) {
			if name == "Ed25519" {
				if ok, why := xmlsecHasEdDSA(bin); !ok {
					t.Skip(why)
				}
			}
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

// xmlsecHasEdDSA tells whether xmlsec1 lists an EdDSA signature transform,
// and if not, why the check is skipped.
func xmlsecHasEdDSA(bin string) (bool, string) {
	version, _ := exec.Command(bin, "--version").Output()
	list, err := exec.Command(bin, "--list-transforms").CombinedOutput()
	if err != nil {
		return false, "xmlsec1 --list-transforms failed (" + err.Error() + "): the Ed25519 interoperability check with xmlsec1 did not run"
	}
	if l := strings.ToLower(string(list)); strings.Contains(l, "eddsa") || strings.Contains(l, "ed25519") {
		return true, ""
	}
	return false, strings.TrimSpace(string(version)) + " lists no EdDSA transform (xmlsec1 --list-transforms): " +
		"the Ed25519 interoperability check with xmlsec1 did not run; TestInteropEd25519Libxml2 checks Ed25519 with libxml2 and OpenSSL"
}

// TestInteropEd25519Libxml2 checks an Ed25519 signature by Sign with tools
// other than the ones that made it, as XML-DSig says: libxml2's exclusive
// canonicalization (xmllint --exc-c14n) of the message without its
// signature must have the signed digest, and OpenSSL must verify the
// signature value over libxml2's canonical SignedInfo. It is the check
// xmlsec1 would make, for xmlsec1 builds without EdDSA.
func TestInteropEd25519Libxml2(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint is not installed (apt-get install libxml2-utils): the Ed25519 check with libxml2 and OpenSSL did not run")
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed: the Ed25519 check with libxml2 and OpenSSL did not run")
	}
	dir := t.TempDir()
	file := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(name string, args ...string) []byte {
		t.Helper()
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr)
		}
		return out
	}
	id := testIdentities(t)["Ed25519"]
	certPath := file("cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.cert.Raw}))
	pubPath := file("pub.pem", run(openssl, "x509", "-in", certPath, "-pubkey", "-noout"))
	sigRE := regexp.MustCompile(`(?s)<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">.*</ds:Signature>`)
	for kind, doc := range map[string][]byte{"envelope": mustMarshal(t, sampleEnvelope()), "status": mustMarshalStatus(t, sampleStatus())} {
		t.Run(kind, func(t *testing.T) {
			signed, err := Sign(doc, id.key, id.cert)
			if err != nil {
				t.Fatal(err)
			}
			loc := sigRE.FindIndex(signed)
			if loc == nil {
				t.Fatalf("no signature in\n%s", signed)
			}
			sig := signed[loc[0]:loc[1]]
			field := func(re string) []byte {
				t.Helper()
				m := regexp.MustCompile(re).FindSubmatch(sig)
				if m == nil {
					t.Fatalf("no %s in %s", re, sig)
				}
				return m[1]
			}
			// The enveloped-signature transform: the message without the
			// signature element.
			without := append(append([]byte{}, signed[:loc[0]]...), signed[loc[1]:]...)
			canonical := run(xmllint, "--exc-c14n", file(kind+"-without.xml", without))
			digest := sha256.Sum256(canonical)
			if got, want := base64.StdEncoding.EncodeToString(digest[:]), string(field(`<ds:DigestValue>([^<]*)</ds:DigestValue>`)); got != want {
				t.Errorf("libxml2's canonical message has digest %s; the signature says %s", got, want)
			}
			// SignedInfo on its own, with the one namespace it uses, as
			// exclusive canonicalization renders it in place.
			info := field(`(?s)(<ds:SignedInfo>.*</ds:SignedInfo>)`)
			info = bytes.Replace(info, []byte("<ds:SignedInfo>"), []byte(`<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">`), 1)
			canonicalInfo := file(kind+"-signedinfo.c14n", run(xmllint, "--exc-c14n", file(kind+"-signedinfo.xml", info)))
			value, err := base64.StdEncoding.DecodeString(string(field(`<ds:SignatureValue>([^<]*)</ds:SignatureValue>`)))
			if err != nil {
				t.Fatal(err)
			}
			out := run(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", pubPath, "-rawin", "-in", canonicalInfo, "-sigfile", file(kind+".sig", value))
			if !bytes.Contains(out, []byte("Signature Verified Successfully")) {
				t.Errorf("openssl: %s", out)
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
