package verify

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// embeddedPDF is a sound file whose last object is an unfiltered stream
// holding another PDF's objects (an attachment): a scan that does not step
// over stream data takes them for the file's own.
func embeddedPDF() []byte {
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>")
	w.Obj(4, testpdf.Stream("", []byte("BT /F1 12 Tf 72 700 Td (x) Tj ET")))
	inner := "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\n3 0 obj\n<< /Type /Page >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
	w.Obj(5, testpdf.Stream("/Type /EmbeddedFile", []byte(inner)))
	return w.Table("/Root 1 0 R", -1)
}

// TestRebuildXref: for each damage to the cross-reference data of sound
// files (tables, streams with the catalog in an object stream, a file
// that carries another PDF), the precheck finds the damage, the rebuilt
// file reads every object as the sound file does, is found sound, and
// extends the damaged one byte for byte.
func TestRebuildXref(t *testing.T) {
	sources := map[string][]byte{
		"table":    basePDF(),
		"fpdf":     testpdf.Make(2, "rebuild"),
		"objstm":   testpdf.ObjStm("/N 1", "", 10),
		"embedded": embeddedPDF(),
	}
	for sname, sound := range sources {
		want, err := parseFile(sound)
		if err != nil || want.damaged != "" {
			t.Fatalf("%s: the sound file: %v %s", sname, err, want.damaged)
		}
		for _, d := range testpdf.Damages() {
			bad := d.Apply(sound)
			if bad == nil {
				continue
			}
			t.Run(sname+"/"+d.Name, func(t *testing.T) {
				found, err := PrecheckFindings(bad, DefaultLimits)
				if err != nil || found.Damaged == "" {
					t.Fatalf("precheck: %v, damage %q; want the damage found", err, found.Damaged)
				}
				doc, err := RebuildXref(bad, DefaultLimits)
				if err != nil {
					t.Fatal(err)
				}
				if hdr := headerOffset(bad); !bytes.HasPrefix(doc, bad[hdr:]) {
					t.Fatal("the rebuilt file does not extend the damaged one from its header")
				}
				if found, err := PrecheckFindings(doc, DefaultLimits); err != nil || found.Damaged != "" {
					t.Fatalf("rebuilt: precheck %v, damage %q", err, found.Damaged)
				}
				got, err := parseFile(doc)
				if err != nil || got.damaged != "" || len(got.sections) != 1 {
					t.Fatalf("rebuilt: %v, damaged %q, %d sections", err, got.damaged, len(got.sections))
				}
				ws, gs := want.states[0], got.states[0]
				if !reflect.DeepEqual(gs.trailer["Root"], ws.trailer["Root"]) {
					t.Fatalf("rebuilt /Root %v, want %v", gs.trailer["Root"], ws.trailer["Root"])
				}
				for num, e := range ws.entries {
					if e.kind == 0 || asName(asDict(must(ws.get(num)))["Type"]) == "XRef" {
						continue
					}
					if w, g := must(ws.get(num)), must(gs.get(num)); !reflect.DeepEqual(w, g) {
						t.Errorf("object %d: %v, want %v", num, g, w)
					}
				}
			})
		}
	}
}

func must(o object, err error) object {
	if err != nil {
		return err
	}
	return o
}

// TestRebuildXrefRefuses: what a scan cannot stand for is refused with a
// reason, never rebuilt into a document that lacks something.
func TestRebuildXrefRefuses(t *testing.T) {
	tests := []struct {
		name, want string
		pdf        []byte
	}{
		{"cut short in a page's content", "cannot be read", testpdf.Truncated(basePDF())},
		{"no catalog", "no document catalog", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Size 2 >>\n%%EOF\n")},
		{"a page that is not there", "object 3, which the document uses, is not in the file", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n%%EOF\n")},
		{"encrypted", "encrypted", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R /Encrypt 2 0 R >>\n%%EOF\n")},
		{"not a PDF", "no %PDF- header", []byte("hello")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RebuildXref(tt.pdf, DefaultLimits)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}
