package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdfsign"
	"github.com/digitorus/pdfsign/initials"
)

// testCA is a throwaway PKI built for one test.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pool *x509.CertPool
}

var serial int64 = 100

func newCA(tb testing.TB, cn string) *testCA {
	tb.Helper()
	return makeCA(tb, cn, elliptic.P256(), 10, nil)
}

// makeCA makes a CA certificate valid years before and after now, with a
// key on curve, certified by parent (nil: self-signed, a root of its own
// pool; else in parent's pool).
func makeCA(tb testing.TB, cn string, curve elliptic.Curve, years int, parent *testCA) *testCA {
	tb.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	serial++
	span := time.Duration(years) * 365 * 24 * time.Hour
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"vanthu test"}},
		NotBefore:             time.Now().Add(-span),
		NotAfter:              time.Now().Add(span),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	issuer, signer := tmpl, crypto.Signer(key)
	if parent != nil {
		issuer, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	if parent != nil {
		return &testCA{cert: cert, key: key, pool: parent.pool}
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

type leafOpts struct {
	notBefore, notAfter time.Time
	keyUsage            x509.KeyUsage
	rsa                 bool
	extKeyUsage         []x509.ExtKeyUsage
	extKeyUsageOIDs     []asn1.ObjectIdentifier
	crlDP               []string      // CRL distribution points
	key                 crypto.Signer // the key to certify (nil: made here)
}

func (ca *testCA) leaf(tb testing.TB, cn string, o leafOpts) (crypto.Signer, *x509.Certificate) {
	tb.Helper()
	var key crypto.Signer
	var err error
	switch {
	case o.key != nil:
		key = o.key
	case o.rsa:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		tb.Fatal(err)
	}
	if o.notBefore.IsZero() {
		o.notBefore = time.Now().Add(-24 * time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	if o.keyUsage == 0 {
		o.keyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"UBND Quận 1"}},
		NotBefore:             o.notBefore,
		NotAfter:              o.notAfter,
		KeyUsage:              o.keyUsage,
		ExtKeyUsage:           o.extKeyUsage,
		UnknownExtKeyUsage:    o.extKeyUsageOIDs,
		CRLDistributionPoints: o.crlDP,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return key, cert
}

// basePDF writes a small two-page PDF 1.7 with a classic xref table.
func basePDF() []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(body string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	stream := func(data string) string {
		return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(data), data)
	}
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")                                                                                    // 1
	obj("<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>")                                                                      // 2
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>") // 3
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources << /Font << /F1 5 0 R >> >> /Contents 7 0 R >>") // 4
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")                                                               // 5
	obj(stream("BT /F1 14 Tf 72 760 Td (QUYET DINH ve viec phe duyet ke hoach nam 2026) Tj ET"))                                // 6
	obj(stream("BT /F1 12 Tf 72 400 Td (Noi nhan: nhu tren. CHU TICH) Tj ET"))                                                  // 7
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

type signer struct {
	key   crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
}

// signApproval adds one PAdES B-B approval signature with a visible
// appearance on page, the way the app's layers do; withInitials also
// writes the number/date initials on page 1 (layer 2).
func signApproval(tb testing.TB, in []byte, s signer, name string, page int, withInitials bool) []byte {
	tb.Helper()
	out, err := trySign(in, s, name, page, withInitials)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func trySign(in []byte, s signer, name string, page int, withInitials bool) ([]byte, error) {
	doc, err := pdfsign.Open(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	app := pdfsign.NewAppearance(200, 80)
	app.Text(name).Position(10, 40)
	doc.Sign(s.key, s.cert, s.chain...).
		Type(pdfsign.ApprovalSignature).
		Format(pdfsign.PAdES_B).
		SignerName(name).
		Reason("Phê duyệt").
		Location("Quận 1").
		Appearance(app, 350, 100).
		Page(page)
	if withInitials {
		num := pdfsign.NewAppearance(150, 20)
		num.Text("So: 15/QD-UBND").Position(2, 5)
		doc.AddInitials(num).Position(initials.TopLeft, 60, 80).ExcludePages(pagesFrom(2, doc.Reader().NumPage())...)
	}
	var out bytes.Buffer
	if _, err := doc.Write(&out); err != nil {
		return nil, fmt.Errorf("sign %s: %w", name, err)
	}
	return out.Bytes(), nil
}

func pagesFrom(a, b int) []int {
	var p []int
	for i := a; i <= b; i++ {
		p = append(p, i)
	}
	return p
}

// twoLayers returns a PDF signed by an officer (page 2) then by the agency
// with initials on page 1.
func twoLayers(tb testing.TB, officer, agency signer) []byte {
	tb.Helper()
	l1 := signApproval(tb, basePDF(), officer, "Nguyễn Văn A", 2, false)
	return signApproval(tb, l1, agency, "UBND Quận 1", 2, true)
}

// appendUpdate appends an incremental update (classic xref table) that
// writes objs (object number -> body text) on top of pdf.
func appendUpdate(tb testing.TB, pdf []byte, objs map[int]string) []byte {
	tb.Helper()
	f, err := parseFile(pdf)
	if err != nil {
		tb.Fatal(err)
	}
	st := f.states[0]
	size, _ := asInt(st.trailer["Size"])
	var nums []int
	for n := range objs {
		nums = append(nums, n)
		if int64(n) >= size {
			size = int64(n) + 1
		}
	}
	sort.Ints(nums)
	var b bytes.Buffer
	b.Write(pdf)
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		b.WriteString("\n")
	}
	offs := map[int]int{}
	for _, n := range nums {
		offs[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	x := b.Len()
	b.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for _, n := range nums {
		fmt.Fprintf(&b, "%d 1\n%010d 00000 n \n", n, offs[n])
	}
	tr := dict{"Size": size, "Root": st.trailer["Root"], "Prev": f.sections[0].off}
	for _, k := range []string{"Info", "ID"} {
		if v, ok := st.trailer[k]; ok {
			tr[k] = v
		}
	}
	fmt.Fprintf(&b, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", serialize(tr), x)
	return b.Bytes()
}

// page returns page n (1-based) of the final revision: number and dict.
func page(tb testing.TB, pdf []byte, n int) (int, dict, int) {
	tb.Helper()
	f, err := parseFile(pdf)
	if err != nil {
		tb.Fatal(err)
	}
	st := f.states[0]
	pages := pageList(st, map[int]bool{}, map[int]bool{}, nil)
	size, _ := asInt(st.trailer["Size"])
	return pages[n-1], st.dictOf(ref{pages[n-1], 0}), int(size)
}

// serialize writes an object back as PDF syntax (tests only).
func serialize(o object) string {
	switch v := o.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprint(v)
	case int64:
		return fmt.Sprint(v)
	case float64:
		return fmt.Sprintf("%g", v)
	case pdfString:
		return fmt.Sprintf("<%x>", string(v))
	case name:
		return "/" + string(v)
	case ref:
		return fmt.Sprintf("%d %d R", v.Num, v.Gen)
	case []object:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = serialize(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var sb strings.Builder
		sb.WriteString("<<")
		for _, k := range keys {
			sb.WriteString(" /" + k + " " + serialize(v[k]))
		}
		sb.WriteString(" >>")
		return sb.String()
	}
	panic(fmt.Sprintf("serialize %T", o))
}

func streamObj(extra, data string) string {
	return fmt.Sprintf("<< /Length %d %s >>\nstream\n%s\nendstream", len(data), extra, data)
}

// forgeContent appends a content stream to page 1 in a hand-written
// incremental update: a new object and a new page dict with /Contents
// [old new].
func forgeContent(tb testing.TB, pdf []byte) []byte {
	tb.Helper()
	pnum, pd, size := page(tb, pdf, 1)
	newNum := size
	pd2 := dict{}
	for k, v := range pd {
		pd2[k] = v
	}
	old := pd["Contents"]
	if arr, ok := old.([]object); ok {
		pd2["Contents"] = append(append([]object{}, arr...), ref{newNum, 0})
	} else {
		pd2["Contents"] = []object{old, ref{newNum, 0}}
	}
	return appendUpdate(tb, pdf, map[int]string{
		newNum: streamObj("", "q 1 1 1 rg 60 700 480 80 re f Q BT /F1 14 Tf 72 760 Td (QUYET DINH huy bo ke hoach nam 2026) Tj ET"),
		pnum:   serialize(pd2),
	})
}

// addAnnotation appends an update that only adds a Square annotation with
// its own appearance stream to page 1.
func addAnnotation(tb testing.TB, pdf []byte) []byte {
	tb.Helper()
	pnum, pd, size := page(tb, pdf, 1)
	ap, an := size, size+1
	pd2 := dict{}
	for k, v := range pd {
		pd2[k] = v
	}
	annots, _ := pd["Annots"].([]object)
	pd2["Annots"] = append(append([]object{}, annots...), ref{an, 0})
	return appendUpdate(tb, pdf, map[int]string{
		ap:   streamObj("/Type /XObject /Subtype /Form /BBox [0 0 50 20]", "1 0 0 RG 0 0 50 20 re S"),
		an:   fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect [400 700 450 720] /F 4 /P %d 0 R /AP << /N %d 0 R >> >>", pnum, ap),
		pnum: serialize(pd2),
	})
}

// listField sets root's /AcroForm (read in st) to a copy whose /Fields
// also lists field.
func listField(st *state, root dict, field ref) {
	af := st.dictOf(root["AcroForm"])
	af2 := dict{}
	for k, v := range af {
		af2[k] = v
	}
	af2["Fields"] = append(append([]object{}, st.resolve(af["Fields"]).([]object)...), field)
	root["AcroForm"] = af2
}
