package edxml

import (
	"crypto/rand"
	"crypto/x509"
	"testing"
)

// benchEnvelope is the sample with one 100 KB attachment.
func benchEnvelope(b *testing.B) *Envelope {
	e := sampleEnvelope()
	data := make([]byte, 100<<10)
	if _, err := rand.Read(data); err != nil {
		b.Fatal(err)
	}
	e.Attachments = e.Attachments[:1]
	e.Attachments[0].Data = data
	return e
}

func BenchmarkMarshalSign(b *testing.B) {
	e := benchEnvelope(b)
	for _, alg := range []string{"RSA", "ECDSA", "Ed25519"} {
		id := testIdentities(b)[alg]
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				doc, err := Marshal(e)
				if err != nil {
					b.Fatal(err)
				}
				signed, err := Sign(doc, id.key, id.cert)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(signed)))
			}
		})
	}
}

func BenchmarkParseVerify(b *testing.B) {
	e := benchEnvelope(b)
	for _, alg := range []string{"RSA", "ECDSA", "Ed25519"} {
		id := testIdentities(b)[alg]
		doc, err := Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		signed, err := Sign(doc, id.key, id.cert)
		if err != nil {
			b.Fatal(err)
		}
		trusted := []*x509.Certificate{id.cert}
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(signed)))
			for b.Loop() {
				if _, err := Verify(signed, trusted); err != nil {
					b.Fatal(err)
				}
				if _, err := Parse(signed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
