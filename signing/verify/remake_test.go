package verify

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestRebuildXrefRemakesObjects: for each damage inside an object of sound
// files (a stream's /Length short, long, missing or naming nothing, no
// endstream, no endobj, a word in a dictionary), the precheck finds the
// damage, and the rebuilt file extends the damaged one, is found sound,
// and reads every object as the sound file does: a stream's data with, at
// most, the end-of-line marker before "endstream" (qpdf's recovery).
func TestRebuildXrefRemakesObjects(t *testing.T) {
	chromium, err := os.ReadFile("../testdata/decision-chromium.pdf")
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]byte{
		"table":    basePDF(),
		"fpdf":     testpdf.Make(2, "remake"),
		"chromium": chromium, // compressed content: a byte lost shows
	}
	for sname, sound := range sources {
		found, err := PrecheckFindings(sound, DefaultLimits)
		if err != nil || found.Damaged+found.DamagedObject != "" {
			t.Fatalf("%s: the sound file: %v %q %q", sname, err, found.Damaged, found.DamagedObject)
		}
		want, _ := parseFile(sound)
		for _, d := range testpdf.ObjectDamages() {
			bad := d.Apply(sound)
			if bad == nil {
				t.Fatalf("%s/%s does not apply", sname, d.Name)
			}
			t.Run(sname+"/"+d.Name, func(t *testing.T) {
				doc := rebuiltSound(t, bad)
				if !bytes.HasPrefix(doc, bad) {
					t.Fatal("the rebuilt file does not extend the damaged one")
				}
				got, err := parseFile(doc)
				if err != nil {
					t.Fatal(err)
				}
				ws, gs := want.states[0], got.states[0]
				for num, e := range ws.entries {
					if e.kind != 0 {
						sameObject(t, num, must(gs.get(num)), must(ws.get(num)))
					}
				}
			})
		}
	}
}

// sameObject fails unless got is want, a stream's /Length aside and its
// data with, at most, an end-of-line marker more.
func sameObject(t *testing.T, num int, got, want object) {
	t.Helper()
	gs, ok1 := got.(*stream)
	ws, ok2 := want.(*stream)
	if !ok1 || !ok2 {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("object %d: %v, want %v", num, got, want)
		}
		return
	}
	gd, wd := maps.Clone(gs.Dict), maps.Clone(ws.Dict)
	delete(gd, "Length")
	delete(wd, "Length")
	extra, found := bytes.CutPrefix(gs.Raw, ws.Raw)
	if !reflect.DeepEqual(gd, wd) || !found || len(bytes.Trim(extra, "\r\n")) > 0 || len(extra) > 2 {
		t.Errorf("object %d: stream %v with %d bytes, want %v with %d", num, gd, len(gs.Raw), wd, len(ws.Raw))
	}
}

// TestObjectDamageUnrecovered: a stream with neither endstream nor a
// /Length that ends at endobj is not written again (readers differ); the
// file is rebuilt with the object as it is, and still found damaged.
func TestObjectDamageUnrecovered(t *testing.T) {
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>")
	w.Obj(4, "<< /Length 3 >>\nstream\nBT ET\nendobj") // no endstream, a wrong /Length
	w.Obj(5, testpdf.Stream("", []byte("q Q")))
	bad := w.Table("/Root 1 0 R", -1)
	found, err := PrecheckFindings(bad, DefaultLimits)
	if err != nil || found.DamagedObject == "" {
		t.Fatalf("precheck: %v, %q; want the damage found", err, found.DamagedObject)
	}
	doc, err := RebuildXref(bad, DefaultLimits)
	if err != nil {
		return // refused: as good
	}
	if again, _ := PrecheckFindings(doc, DefaultLimits); again.DamagedObject == "" {
		t.Fatal("the rebuilt file is found sound; object 4 was made up")
	}
}

// TestPageTreeFixes: for each page tree readers read otherwise than it is
// written (testpdf.PageTreeDamages), the precheck finds it, and the
// rebuilt file is found sound and holds the sound file's pages in order,
// each typed, under the node that lists it, with the root's /Count their
// number and a /MediaBox (its own, inherited, or Letter's).
func TestPageTreeFixes(t *testing.T) {
	chromium, err := os.ReadFile("../testdata/decision-chromium.pdf")
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]byte{"table": basePDF(), "fpdf": testpdf.Make(3, "pages"), "chromium": chromium}
	for sname, sound := range sources {
		want := pagesOf(t, sound)
		for _, d := range testpdf.PageTreeDamages() {
			bad := d.Apply(sound)
			if bad == nil {
				continue
			}
			t.Run(sname+"/"+d.Name, func(t *testing.T) {
				doc := rebuiltSound(t, bad)
				if got := pagesOf(t, doc); !reflect.DeepEqual(got, want) {
					t.Fatalf("pages %v, want %v", got, want)
				}
			})
		}
	}
}

// pagesOf lists the pages of pdf in order, failing unless each is typed,
// names the node that lists it, has a /MediaBox to hand, and the root's
// /Count is their number.
func pagesOf(t *testing.T, pdf []byte) []ref {
	t.Helper()
	f, err := parseFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	st := f.states[0]
	var out []ref
	var walk func(r ref, boxed bool)
	walk = func(r ref, boxed bool) {
		d := st.dictOf(r)
		boxed = boxed || d["MediaBox"] != nil
		if asName(d["Type"]) == "Page" {
			if !boxed {
				t.Errorf("page %v has no /MediaBox", r)
			}
			out = append(out, r)
			return
		}
		if asName(d["Type"]) != "Pages" {
			t.Errorf("node %v: /Type %v", r, d["Type"])
		}
		for _, k := range st.resolve(d["Kids"]).([]object) {
			kr, ok := k.(ref)
			if !ok || st.dictOf(kr)["Parent"] != r {
				t.Errorf("node %v: kid %v (its /Parent %v)", r, k, st.dictOf(kr)["Parent"])
				continue
			}
			walk(kr, boxed)
		}
	}
	root := st.root()["Pages"].(ref)
	walk(root, false)
	if n, _ := asInt(st.dictOf(root)["Count"]); int(n) != len(out) {
		t.Errorf("/Count %d, %d pages", n, len(out))
	}
	return out
}

// TestPageTreeDirectKid: a /Kids entry that is a dictionary, not a
// reference (readers differ), leaves the tree as it is.
func TestPageTreeDirectKid(t *testing.T) {
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R << /Type /Page /MediaBox [0 0 10 10] >>] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	found, err := PrecheckFindings(w.Table("/Root 1 0 R", -1), DefaultLimits)
	if err != nil || found.DamagedObject != "" {
		t.Fatalf("precheck: %v, %q; want nothing to write again", err, found.DamagedObject)
	}
}

// TestRemakeNamesAndHexStrings: a name with a '#' not followed by two
// hexadecimal digits (the signing engine cannot read the object; qpdf
// keeps the '#') and a hexadecimal string with other characters (poppler
// steps over them) are found, and written again as readers take them.
func TestRemakeNamesAndHexStrings(t *testing.T) {
	for _, c := range []struct {
		name, entry, key string
		want             object
	}{
		{"name", "/X#ZZy 1", "X#ZZy", int64(1)},
		{"name as a value", "/X /A#4", "X", name("A#4")},
		{"hex string", "/Y <4142zz43>", "Y", pdfString("ABC")},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := testpdf.NewWriter("1.7")
			w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
			w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "+c.entry+" >>")
			bad := w.Table("/Root 1 0 R", -1)
			doc := rebuiltSound(t, bad)
			f, err := parseFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.states[0].dictOf(ref{3, 0})[c.key]; !reflect.DeepEqual(got, c.want) {
				t.Fatalf("/%s %#v, want %#v", c.key, got, c.want)
			}
		})
	}
}

// TestRemadeStreamKeepsItsLastLineFeed: a compressed stream whose data
// ends in a line feed, written with no end-of-line marker before
// "endstream" (qpdf writes none after such data), and a /Length that is
// wrong: the line feed is data, and the stream written again inflates.
// Before, it was taken for the marker and the stream was cut by a byte
// (qpdf: "input stream is complete but output may still be valid").
func TestRemadeStreamKeepsItsLastLineFeed(t *testing.T) {
	var data []byte
	for i := 0; ; i++ {
		data = testpdf.Deflate([]byte(fmt.Sprintf("BT /F1 12 Tf 72 700 Td (%d) Tj ET", i)))
		if data[len(data)-1] == '\n' {
			break
		}
	}
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>")
	w.Obj(4, fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>\nstream\n%sendstream", len(data)-5, data))
	doc, err := RebuildXref(w.Table("/Root 1 0 R", -1), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := must(f.states[0].get(4)).(*stream)
	if !ok || !bytes.Equal(s.Raw, data) {
		t.Fatalf("data %q, want %q", s.Raw, data)
	}
}

// TestRemakeObjectStreamMember: a member of an object stream damaged so
// that readers recover it (a junk word, a bad hexadecimal string, a name
// with a stray '#') is found, and written again, out of its stream, as
// they take it.
func TestRemakeObjectStreamMember(t *testing.T) {
	bad := testpdf.ObjStmCatalog("/N 1", "", 10, "<< /Type /Catalog junk /Pages 2 0 R /Lang <7669zz> /X#ZZ 1 >>")
	doc := rebuiltSound(t, bad)
	f, err := parseFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := dict{"Type": name("Catalog"), "Pages": ref{2, 0}, "Lang": pdfString("vi"), "X#ZZ": int64(1)}
	if got := f.states[0].root(); !reflect.DeepEqual(got, want) || f.states[0].entries[10].kind != 1 {
		t.Fatalf("catalog %v (entry %+v), want %v written again", got, f.states[0].entries[10], want)
	}
}

// TestHybridRebuilt: a hybrid-reference file laid out as Microsoft Word
// writes it (testpdf.WordHybrid) is found hybrid, and the rebuilt file
// lists every object in one cross-reference stream: the structure tree,
// which a reader of tables alone finds free, is there.
func TestHybridRebuilt(t *testing.T) {
	for name, hybrid := range map[string][]byte{
		"update naming the stream": testpdf.WordHybrid("BT /F1 12 Tf 72 700 Td (x) Tj ET"),
		// The table lists the tree free and names the stream in its own
		// trailer: the stream's entries are taken (before, the tree was
		// free to this parser too).
		"one table": testpdf.WordHybridOneTable("BT /F1 12 Tf 72 700 Td (x) Tj ET"),
	} {
		t.Run(name, func(t *testing.T) { hybridRebuilt(t, hybrid) })
	}
}

func hybridRebuilt(t *testing.T, hybrid []byte) {
	if f, err := parseFile(hybrid); err != nil || f.states[0].dictOf(f.states[0].root()["StructTreeRoot"]) == nil {
		t.Fatalf("the hybrid file: %v; its structure tree not found", err)
	}
	found, err := PrecheckFindings(hybrid, DefaultLimits)
	if err != nil || !found.Hybrid || found.Damaged+found.DamagedObject != "" {
		t.Fatalf("precheck: %+v, %v; want hybrid and nothing damaged", found, err)
	}
	if sound, _ := PrecheckFindings(basePDF(), DefaultLimits); sound.Hybrid {
		t.Fatal("a file with a table alone found hybrid")
	}
	doc, err := RebuildXref(hybrid, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := PrecheckFindings(doc, DefaultLimits); err != nil || again.Hybrid || again.Damaged+again.DamagedObject != "" {
		t.Fatalf("rebuilt: %+v, %v", again, err)
	}
	f, err := parseFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	st := f.states[0]
	tree := st.dictOf(st.root()["StructTreeRoot"])
	if nums, ok := st.dictOf(tree["ParentTree"])["Nums"].([]object); !ok || len(nums) != 2 || st.entries[7].kind != 2 || st.sec.xrefStm < 0 {
		t.Fatalf("structure tree %v, parent tree %v, entry %+v", tree, st.dictOf(tree["ParentTree"]), st.entries[7])
	}
}

// rebuiltSound checks that the precheck finds bad damaged inside (or its
// cross-reference data), rebuilds it, and checks that the rebuilt file is
// found sound; it returns the rebuilt file.
func rebuiltSound(t *testing.T, bad []byte) []byte {
	t.Helper()
	found, err := PrecheckFindings(bad, DefaultLimits)
	if err != nil || found.Damaged+found.DamagedObject == "" {
		t.Fatalf("precheck: %v; want the damage found", err)
	}
	t.Logf("found: %s%s", found.Damaged, found.DamagedObject)
	doc, err := RebuildXref(bad, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := PrecheckFindings(doc, DefaultLimits); err != nil || again.Damaged+again.DamagedObject != "" {
		t.Fatalf("rebuilt: precheck %v, damage %q %q", err, again.Damaged, again.DamagedObject)
	}
	return doc
}

// TestPageTreeSharedBounded: a page tree whose nodes are shared (each
// node lists the next twice: 2^60 paths), as a scan may find it in a
// damaged file, is walked within the file's work budget and left alone.
func TestPageTreeSharedBounded(t *testing.T) {
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	for n := 2; n < 62; n++ {
		w.Obj(n, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 1 >>", n+1, n+1))
	}
	w.Obj(62, "<< /Type /Page /Parent 61 0 R /MediaBox [0 0 595 842] >>")
	bad := w.Raw("%%EOF\n").Bytes() // no cross-reference data: rebuilt by a scan
	done := make(chan error, 1)
	go func() {
		_, err := RebuildXref(bad, DefaultLimits)
		done <- err
	}()
	select {
	case err := <-done:
		t.Logf("rebuild: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the walk of a shared page tree did not end")
	}
}

// TestRebuildXrefUnclosedString: an object with a literal string that is
// never closed — Ghostscript 10.00.0's -dFastWebView cuts UTF-16 titles
// right after their byte-order mark, the next object inside the string —
// is taken as null by qpdf and MuPDF, whether the string runs to the end
// of the file or a lone ')' in a later stream closes it; the rebuilt file
// writes it so, and reads as a sound file (before, the scan refused the
// file, which was then signed as it was: qpdf reported the signed file).
func TestRebuildXrefUnclosedString(t *testing.T) {
	for _, later := range []bool{false, true} {
		t.Run(fmt.Sprintf("closedLater=%v", later), func(t *testing.T) {
			doc := rebuiltSound(t, testpdf.UnclosedStrings(later))
			f, err := parseFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			st := f.states[0]
			for num := 1; num <= 8; num++ {
				o, err := st.get(num)
				switch {
				case err != nil:
					t.Errorf("object %d: %v", num, err)
				case (num == 5 || num == 8) != (o == nil):
					t.Errorf("object %d reads as %v; want null for 5 and 8 only", num, o)
				}
			}
			if later {
				if o, err := st.get(9); err != nil || o == nil {
					t.Errorf("the stream inside the string, object 9: %v, %v; want it kept", o, err)
				}
			}
			if r, ok := st.trailer["Info"].(ref); !ok || r.Num != 8 {
				t.Errorf("trailer /Info %v; want 8 0 R kept", st.trailer["Info"])
			}
		})
	}
}
