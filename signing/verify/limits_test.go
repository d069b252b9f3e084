package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// hostileCases are the hostile files the verifier itself must refuse.
func hostileCases() []testpdf.HostileCase {
	var out []testpdf.HostileCase
	for _, c := range testpdf.Hostile(DefaultLimits.MaxSections) {
		if !c.ReaderOnly {
			out = append(out, c)
		}
	}
	return out
}

// maxAlloc bounds the memory reading a file may cost: the largest decoded
// stream, twice (buffer growth), plus the per-object view, linear in the
// size of the file. (Allocations in all, so a bound on the peak.)
func maxAlloc(pdf []byte) uint64 { return 3*64<<20 + 48*uint64(len(pdf)) }

// TestVerifyHostile runs Verify on files past each limit, each in a child
// process (a stack overflow or an out-of-memory abort would otherwise end
// the whole test run): the answer must be a report, indeterminate with
// the reason, for bounded memory.
func TestVerifyHostile(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.Name, func(t *testing.T) {
			out, parent := testpdf.RunIsolated(t, func() string {
				pdf := tc.PDF()
				var rep *Report
				var err error
				alloc := testpdf.Allocated(func() { rep, err = Verify(context.Background(), pdf, Options{}) })
				if err != nil {
					return "error: " + err.Error()
				}
				js, _ := json.Marshal(rep)
				return fmt.Sprintf("%d %s", int64(alloc)-int64(maxAlloc(pdf)), js)
			})
			if !parent {
				return
			}
			var over int64
			var js string
			if _, err := fmt.Sscanf(out, "%d", &over); err != nil {
				t.Fatalf("child answered %q", out)
			}
			js = out[strings.Index(out, " ")+1:]
			var rep Report
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				t.Fatalf("child answered %q", out)
			}
			if rep.Verdict != Indeterminate || len(rep.Reasons) == 0 || !strings.Contains(rep.Reasons[0], tc.Reason) {
				t.Errorf("verdict %s, reasons %q; want indeterminate, %q", rep.Verdict, rep.Reasons, tc.Reason)
			}
			if over > 0 {
				t.Errorf("Verify allocated %d MB more than its bound", over>>20)
			}
		})
	}
}

// TestVerifyWorkBudget: a walk that takes exponential time (an update
// that swaps a shared structure of references for an equal copy) is cut
// off by the work budget, and the file reported indeterminate.
func TestVerifyWorkBudget(t *testing.T) {
	fx := newFixture(t)
	const fanout, depth = 8, 12
	chain := func(first int) map[int]string {
		m := map[int]string{}
		for d := range depth {
			m[first+d] = "[" + strings.Repeat(fmt.Sprintf("%d 0 R ", first+d+1), fanout) + "]"
		}
		m[first+depth] = "(leaf)"
		return m
	}
	// The original: page 3 carries /X, a chain of shared arrays.
	base := basePDF()
	num, pg, _ := page(t, base, 1)
	pg["X"] = ref{100, 0}
	objs := chain(100)
	objs[num] = serialize(pg)
	base = appendUpdate(t, base, objs)
	signed := signApproval(t, base, fx.officer, "Nguyễn Văn A", 2, false)
	// After the signature: the same page with /X pointing to an equal copy.
	_, pg2, _ := page(t, signed, 1)
	pg2["X"] = ref{200, 0}
	objs = chain(200)
	objs[num] = serialize(pg2)
	forged := appendUpdate(t, signed, objs)

	rep, err := Verify(context.Background(), forged, Options{Roots: fx.ca.pool})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Indeterminate || !strings.Contains(strings.Join(rep.Reasons, " "), "more work") {
		t.Errorf("verdict %s, reasons %q; want indeterminate for the work budget", rep.Verdict, rep.Reasons)
	}

	// The budget is per file size: the signed file alone is fine.
	rep, err = Verify(context.Background(), signed, Options{Roots: fx.ca.pool})
	if err != nil || rep.Verdict != Valid {
		t.Errorf("signed file: %v %v %q", err, rep.Verdict, rep.Reasons)
	}
	// And a small budget stops an ordinary file.
	lim := DefaultLimits
	lim.WorkBase, lim.WorkPerByte = 100, 0
	rep, err = Verify(context.Background(), signed, Options{Roots: fx.ca.pool, Limits: &lim})
	if err != nil || rep.Verdict != Indeterminate {
		t.Errorf("tiny budget: %v %v %q", err, rep.Verdict, rep.Reasons)
	}
}

// TestPrecheck: Precheck refuses each hostile file (and the cases only a
// general reader meets: cycles, shared nodes), and accepts ordinary files.
func TestPrecheck(t *testing.T) {
	cases := testpdf.Hostile(DefaultLimits.MaxSections)
	for _, tc := range cases {
		if tc.VerifierOnly {
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			out, parent := testpdf.RunIsolated(t, func() string {
				pdf := tc.PDF()
				var err error
				alloc := testpdf.Allocated(func() { err = Precheck(pdf, DefaultLimits) })
				return fmt.Sprintf("%d %t %v", int64(alloc)-int64(maxAlloc(pdf)), errors.Is(err, ErrLimit), err)
			})
			if !parent {
				return
			}
			var over int64
			var isLimit bool
			if _, err := fmt.Sscanf(out, "%d %t", &over, &isLimit); err != nil {
				t.Fatalf("child answered %q", out)
			}
			if !isLimit || !strings.Contains(out, tc.Reason) {
				t.Errorf("Precheck: %s; want a limit error with %q", out, tc.Reason)
			}
			if over > 0 {
				t.Errorf("Precheck allocated %d MB more than its bound", over>>20)
			}
		})
	}
	t.Run("ordinary files", func(t *testing.T) {
		fx := newFixture(t)
		objstm, err := os.ReadFile("testdata/objstm.pdf")
		if err != nil {
			t.Fatal(err)
		}
		for i, pdf := range [][]byte{basePDF(), fx.twoLayers, fx.objStmTwoLayers, objstm, testpdf.Make(3, "x")} {
			if err := Precheck(pdf, DefaultLimits); err != nil {
				t.Errorf("file %d: %v", i, err)
			}
		}
	})
}

// TestPrecheckAfterHeader: with bytes before the header, every object a
// section lists is also read where a reader counting offsets from the
// header looks — here a harmless string at the listed offset, and an
// object nested beyond MaxDepth 8 bytes (the junk's length) further on;
// without the junk, that object is read once, at its offset.
func TestPrecheckAfterHeader(t *testing.T) {
	const junk = "JUNKJUNK"
	deep := "5 0 obj " + strings.Repeat("[", DefaultLimits.MaxDepth+10) + strings.Repeat("]", DefaultLimits.MaxDepth+10) + " endobj"
	build := func(prefix string) []byte {
		var b bytes.Buffer
		b.WriteString(prefix + "%PDF-1.7\n")
		var offs []int
		for _, body := range []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"} {
			offs = append(offs, b.Len())
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
		}
		// Object 4: at its offset a literal string holding the deep object
		// from its 9th byte on.
		offs = append(offs, b.Len())
		b.WriteString("(" + strings.Repeat("x", len(junk)-1) + deep + ")\n")
		x := b.Len()
		fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
		for _, o := range offs {
			fmt.Fprintf(&b, "%010d 00000 n \n", o)
		}
		fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
		return b.Bytes()
	}
	if err := Precheck(build(junk), DefaultLimits); !errors.Is(err, ErrLimit) {
		t.Errorf("with %d bytes before the header: %v, want the depth limit", len(junk), err)
	}
	if err := Precheck(build(""), DefaultLimits); err != nil {
		t.Errorf("header at 0: %v", err)
	}
}

// TestReconstructTrailerChoice: a damaged file (its startxref points
// nowhere) with several xref streams is read by scanning; the trailer is
// the last xref stream in the file and the catalog the last one, every
// time (they were picked in map order).
func TestReconstructTrailerChoice(t *testing.T) {
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	first := w.XrefStream(4, "/Root 1 0 R")
	w.Obj(5, "<< /Type /Catalog /Pages 2 0 R /Lang (vi) >>")
	second := w.XrefStream(6, fmt.Sprintf("/Root 5 0 R /Prev %d", first))
	w.Obj(7, "<< /Type /Catalog /Pages 2 0 R /Lang (en) >>")
	third := w.XrefStream(8, fmt.Sprintf("/Root 7 0 R /Prev %d", second))
	good := w.Bytes()
	damaged := bytes.Replace(good, fmt.Appendf(nil, "startxref\n%d\n", third), []byte("startxref\n999999\n"), 1)
	noRoot := bytes.ReplaceAll(damaged, []byte("/Root "), []byte("/Xoot "))

	f, err := parseFile(good)
	if err != nil || f.damaged != "" || len(f.sections) != 3 || refNum(f.states[0].trailer["Root"]) != 7 {
		t.Fatalf("intact file: %v, damaged %q, %d sections", err, f.damaged, len(f.sections))
	}
	for i := range 50 {
		f, err := parseFile(damaged)
		if err != nil || f.damaged == "" {
			t.Fatalf("damaged file: %v %q", err, f.damaged)
		}
		if got := refNum(f.states[0].trailer["Root"]); got != 7 {
			t.Fatalf("run %d: trailer /Root %d, want 7 (the last xref stream's)", i, got)
		}
		if off, _ := asInt(f.states[0].trailer["Prev"]); off != int64(second) {
			t.Fatalf("run %d: trailer /Prev %d, want %d", i, off, second)
		}
		f, err = parseFile(noRoot)
		if err != nil {
			t.Fatal(err)
		}
		if got := refNum(f.states[0].trailer["Root"]); got != 7 {
			t.Fatalf("run %d: catalog %d, want 7 (the last in the file)", i, got)
		}
	}
}

// TestVerifyLargeDocuments: the default limits leave real documents alone:
// a 100 MB scan and a 1,000-page document, both signed in two layers,
// verify as valid.
func TestVerifyLargeDocuments(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signs a 100 MB document")
	}
	fx := newFixture(t)
	for _, tc := range []struct {
		name string
		base func() []byte
	}{
		{"100 MB scan", func() []byte { return withScan(t, basePDF(), 100<<20) }},
		{"1000 pages", func() []byte { return testpdf.Make(1000, "large") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l1 := signApproval(t, tc.base(), fx.officer, "Nguyễn Văn A", 2, false)
			pdf := signApproval(t, l1, fx.agency, "UBND Quận 1", 2, true)
			rep, err := Verify(context.Background(), pdf, Options{Roots: fx.ca.pool})
			if err != nil || rep.Verdict != Valid {
				t.Fatalf("%v: %v %q", err, rep.Verdict, rep.Reasons)
			}
			if err := Precheck(pdf, DefaultLimits); err != nil {
				t.Errorf("Precheck: %v", err)
			}
		})
	}
}
