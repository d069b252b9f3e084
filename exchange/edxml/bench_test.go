package edxml

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"testing"
)

// benchDocument is the sample document with one attachment of size bytes
// (random, so incompressible like a signed PDF).
func benchDocument(tb testing.TB, size int) Document {
	tb.Helper()
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		tb.Fatal(err)
	}
	doc := sampleDocument()
	doc.Attachments = []Attachment{{ContentID: "cid:1", Name: "van-ban.signed.pdf", ContentType: "application/pdf", Data: data}}
	return doc
}

var benchSizes = []struct {
	name string
	size int
}{{"1MB", 1 << 20}, {"20MB", 20 << 20}}

// BenchmarkBuildSign: envelope build + RSA-2048 XML signature. MB/s counts
// attachment bytes.
func BenchmarkBuildSign(b *testing.B) {
	rk, _, _ := testKeys(b)
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			doc := benchDocument(b, bs.size)
			b.SetBytes(int64(bs.size))
			b.ReportAllocs()
			for b.Loop() {
				out, err := Build(doc)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Sign(out, rk.key, []*x509.Certificate{rk.cert}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuildSigned: Build + Sign against BuildSigned, ECDSA P-256 (the
// development PKI's agency key), at the size of an issued document (100KB)
// too.
func BenchmarkBuildSigned(b *testing.B) {
	_, _, ek := testKeys(b)
	for _, bs := range append([]struct {
		name string
		size int
	}{{"100KB", 100 << 10}}, benchSizes...) {
		for _, fn := range []struct {
			name string
			f    func(Document) error
		}{
			{"BuildSign", func(doc Document) error {
				out, err := Build(doc)
				if err == nil {
					_, err = Sign(out, ek.key, []*x509.Certificate{ek.cert})
				}
				return err
			}},
			{"BuildSigned", func(doc Document) error {
				_, err := BuildSigned(doc, ek.key, []*x509.Certificate{ek.cert})
				return err
			}},
		} {
			b.Run(fn.name+"/"+bs.name, func(b *testing.B) {
				doc := benchDocument(b, bs.size)
				b.SetBytes(int64(bs.size))
				b.ReportAllocs()
				for b.Loop() {
					if err := fn.f(doc); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkParseVerify: signature verification + parse of a signed package.
func BenchmarkParseVerify(b *testing.B) {
	rk, _, _ := testKeys(b)
	trusted := []*x509.Certificate{rk.cert}
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			out, err := Build(benchDocument(b, bs.size))
			if err != nil {
				b.Fatal(err)
			}
			signed, err := Sign(out, rk.key, trusted)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(bs.size))
			b.ReportAllocs()
			for b.Loop() {
				if err := Verify(signed, trusted); err != nil {
					b.Fatal(err)
				}
				m, err := Parse(bytes.NewReader(signed), Limits{})
				if err != nil {
					b.Fatal(err)
				}
				if len(m.Document.Attachments[0].Data) != bs.size {
					b.Fatal("attachment size")
				}
			}
		})
	}
}

// The parts on their own, to see where the time goes.
func BenchmarkParts(b *testing.B) {
	rk, _, _ := testKeys(b)
	trusted := []*x509.Certificate{rk.cert}
	const size = 20 << 20
	doc := benchDocument(b, size)
	out, _ := Build(doc)
	signed, _ := Sign(out, rk.key, trusted)
	for _, p := range []struct {
		name string
		fn   func() error
	}{
		{"Build", func() error { _, err := Build(doc); return err }},
		{"Sign", func() error { _, err := Sign(out, rk.key, trusted); return err }},
		{"Parse", func() error { _, err := Parse(bytes.NewReader(signed), Limits{}); return err }},
		{"Verify", func() error { return Verify(signed, trusted) }},
	} {
		b.Run(fmt.Sprintf("%s/20MB", p.name), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if err := p.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
