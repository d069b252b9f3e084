package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// damagedSources are sound drafts of each kind of cross-reference data:
// a table (a page draft, an fpdf decision), a stream with the catalog in
// an object stream, a table after junk before the header, and a form
// (flattened before layer 1).
func damagedSources(t *testing.T) map[string][]byte {
	reg, bold := Fonts()
	decision, _ := makeDraft(t, testpdf.Draft{Producer: testpdf.FPDFUnicode, Regular: reg, Bold: bold, Pages: 2, SigTitleY: 330})
	return map[string][]byte{
		"page-draft": pageDraft("", 0, 0),
		"decision":   decision,
		"objstm":     readFile(t, "testdata/objstm.pdf"),
		"junk-first": append([]byte("junk before the header\n"), readFile(t, "testdata/v13.pdf")...),
		"form":       formDraft("", nil),
	}
}

// TestDamagedXrefSigned: a draft whose cross-reference data is damaged
// (startxref or offsets that miss, the table gone, entries swapped, no
// table at all) is read by intake, found by layout detection and signed
// with both layers as the sound draft is, from cross-reference data made
// again by a scan (verify.RebuildXref): the signed file holds the same
// catalog and pages as the sound one, its signatures are intact, and it is
// sound itself. Before, the engine refused most of these ("cross-reference
// table not found") and signed the others on top of the damage. So too a
// draft with damage inside an object (testpdf.ObjectDamages: a stream's
// /Length wrong or missing, no endobj, a word in a dictionary), which
// was signed with the damage in it (qpdf reported the signed file) or
// refused (a page the engine could not read), and a page tree readers
// read otherwise than it is written (testpdf.PageTreeDamages: a /Count
// wrong or missing, a null kid, a page untyped or without /Parent), which
// the engine refused or stamped on another page.
func TestDamagedXrefSigned(t *testing.T) {
	p := newTestPKI(t, "ec")
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	for sname, sound := range damagedSources(t) {
		want, werr := DetectLayout(sound)
		wantSizes, err := PageSizes(sound)
		if err != nil {
			t.Fatal(err)
		}
		inside := map[string]bool{}
		for _, d := range testpdf.ObjectDamages() {
			inside[d.Name] = true
		}
		for _, d := range slices.Concat(testpdf.Damages(), testpdf.ObjectDamages(), testpdf.PageTreeDamages()) {
			bad := d.Apply(sound)
			if bad == nil || d.Name == "page-no-mediabox" { // Letter: not the sound page (TwoLayers)
				continue
			}
			t.Run(sname+"/"+d.Name, func(t *testing.T) {
				info, err := inspectBytes(bad)
				if err != nil || !info.XrefRebuilt {
					t.Fatalf("intake: %+v, %v; want it read from rebuilt data", info, err)
				}
				if got, err := DetectLayout(bad); werr == nil && (err != nil || !reflect.DeepEqual(got, want)) {
					t.Errorf("layout %+v, %v; want %+v as for the sound file", got.Layout, err, want.Layout)
				}
				l2 := bothLayersOrRefusal(t, p, bad, "")
				if sname != "form" { // flattened: its pages change
					sameDocument(t, fromHeader(sound), l2, inside[d.Name])
				}
				if sizes, err := PageSizes(bad); err != nil || !reflect.DeepEqual(sizes, wantSizes) {
					t.Errorf("page sizes %v, %v; want %v", sizes, err, wantSizes)
				}
				if found, err := verify.PrecheckFindings(l2, verify.DefaultLimits); err != nil || found.Damaged+found.DamagedObject != "" {
					t.Errorf("signed file: %v, damage %q %q", err, found.Damaged, found.DamagedObject)
				}
				rep, err := verify.Verify(context.Background(), l2, verify.Options{Roots: roots})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Verdict == verify.Invalid || len(rep.Signatures) != 2 || strings.Contains(strings.Join(rep.Reasons, " "), "damaged") {
					t.Fatalf("verdict %s, %d signatures: %v", rep.Verdict, len(rep.Signatures), rep.Reasons)
				}
			})
		}
	}
}

// TestDamagedXrefRefused: what a scan cannot stand for stays refused at
// intake with EUNPROCESSABLE — a file cut short, one whose catalog names
// a page that is not in it — and a signed document whose data is damaged
// gets no agency signature on top (EINVALID).
func TestDamagedXrefRefused(t *testing.T) {
	p := newTestPKI(t, "ec")
	sound := pageDraft("", 0, 0)
	cut := testpdf.Truncated(sound)
	noPage := bytes.Replace(testpdf.Damages()[0].Apply(sound), []byte("3 0 obj"), []byte("9 0 obj"), 1)
	for name, in := range map[string][]byte{"cut short": cut, "page not there": noPage} {
		t.Run(name, func(t *testing.T) {
			if _, err := inspectBytes(in); workflow.ErrorCode(err) != workflow.EUNPROCESSABLE {
				t.Fatalf("intake: %v; want EUNPROCESSABLE", err)
			}
			bothLayersOrRefusal(t, p, in, "PDF cannot be parsed")
		})
	}
	l1, err := SignOfficer(context.Background(), sound, OfficerLayer{Key: p.Officer, Name: "A", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	damaged := testpdf.Damages()[0].Apply(l1)
	_, err = SignAgency(context.Background(), damaged, AgencyLayer{Key: p.Agency, AgencyName: "UBND", Notation: "1/QĐ-UBND", IssueDate: at})
	if workflow.ErrorCode(err) != workflow.EINVALID || !strings.Contains(err.Error(), "cross-reference data is damaged") {
		t.Fatalf("layer 2 on a damaged layer 1: %v; want EINVALID", err)
	}
}

// TestWordHybridSigned: a tagged draft laid out as Microsoft Word's "Save
// as PDF" writes one (hybrid cross-reference data: the structure tree in
// an object stream that only a cross-reference stream named by /XRefStm
// lists) is signed with both layers from cross-reference data made again
// (verify.RebuildXref), and keeps its structure tree, for the engine as
// for every reader. Before, the engine, which reads tables alone, found
// the tree free and wrote the catalog with /StructTreeRoot null: the
// signed document lost its tags (its accessibility).
func TestWordHybridSigned(t *testing.T) {
	p := newTestPKI(t, "ec")
	text := "BT /F1 14 Tf 72 760 Td (QUYET DINH) Tj ET"
	for name, in := range map[string][]byte{"update": testpdf.WordHybrid(text), "one table": testpdf.WordHybridOneTable(text)} {
		t.Run(name, func(t *testing.T) { wordHybridSigned(t, p, in) })
	}
}

func wordHybridSigned(t *testing.T, p *testPKI, in []byte) {
	info, err := inspectBytes(in)
	if err != nil || !info.XrefRebuilt {
		t.Fatalf("intake: %+v, %v; want it read from rebuilt data", info, err)
	}
	l2 := bothLayersOrRefusal(t, p, in, "")
	rdr, err := pdf.NewReader(bytes.NewReader(l2), int64(len(l2)))
	if err != nil {
		t.Fatal(err)
	}
	tree := rdr.Trailer().Key("Root").Key("StructTreeRoot")
	if tree.Kind() != pdf.Dict || tree.Key("ParentTree").Key("Nums").Len() != 2 || tree.Key("K").Index(0).Key("S").Name() != "P" {
		t.Fatalf("signed file's structure tree: %v", tree)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	rep, err := verify.Verify(context.Background(), l2, verify.Options{Roots: roots})
	if err != nil || rep.Verdict == verify.Invalid || len(rep.Signatures) != 2 {
		t.Fatalf("verify: %v, %s, %d signatures: %v", err, rep.Verdict, len(rep.Signatures), rep.Reasons)
	}
}
