package workflow_test

import (
	"context"
	"io"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestLayoutMisfit: a layout fits a PDF when each of its boxes lies
// wholly inside its page (the signature's page 0: the last; the number
// and the date on page 1, whatever their Page says); else the first box that
// does not says why — its page is gone, or it leaves the page.
func TestLayoutMisfit(t *testing.T) {
	a4 := workflow.PageSize{W: 595, H: 842}
	a4l := workflow.PageSize{W: 842, H: 595}
	a5 := workflow.PageSize{W: 420, H: 595}
	sig := func(page int, x, y float64) *workflow.Box {
		return &workflow.Box{Page: page, X: x, Y: y, W: 180, H: 90}
	}
	num := &workflow.Box{Page: 1, X: 60, Y: 700, W: 150, H: 20}
	for _, tc := range []struct {
		name   string
		layout *workflow.Layout
		pages  []workflow.PageSize
		want   *workflow.LayoutMisfit
	}{
		{"OK/no layout", nil, []workflow.PageSize{a4}, nil},
		{"OK/same pages", &workflow.Layout{Signature: sig(2, 350, 150), Number: num}, []workflow.PageSize{a4, a4}, nil},
		{"OK/last page, more pages", &workflow.Layout{Signature: sig(0, 350, 150)}, []workflow.PageSize{a4, a4, a4}, nil},
		{"OK/number and date on page 1, the last page landscape", &workflow.Layout{Number: &workflow.Box{Page: 0, X: 60, Y: 700, W: 150, H: 20},
			Date: &workflow.Box{Page: 0, X: 300, Y: 700, W: 200, H: 20}}, []workflow.PageSize{a4, a4l}, nil},
		{"OK/touching the edges", &workflow.Layout{Signature: &workflow.Box{Page: 1, X: 0, Y: 0, W: 595, H: 842}}, []workflow.PageSize{a4}, nil},
		{"Misfit/page gone", &workflow.Layout{Signature: sig(3, 350, 150)}, []workflow.PageSize{a4, a4},
			&workflow.LayoutMisfit{Part: "signature", Page: 3, Pages: 2, Missing: true}},
		{"Misfit/no pages", &workflow.Layout{Signature: sig(0, 350, 150)}, nil,
			&workflow.LayoutMisfit{Part: "signature", Page: 0, Pages: 0, Missing: true}},
		{"Misfit/smaller paper", &workflow.Layout{Signature: sig(1, 350, 150)}, []workflow.PageSize{a5},
			&workflow.LayoutMisfit{Part: "signature", Page: 1, Pages: 1}},
		{"Misfit/landscape, box above the top", &workflow.Layout{Number: num}, []workflow.PageSize{a4l},
			&workflow.LayoutMisfit{Part: "number", Page: 1, Pages: 1}},
		{"Misfit/the first part that does not fit", &workflow.Layout{Signature: sig(1, 350, 150), Date: &workflow.Box{Page: 1, X: 300, Y: 830, W: 200, H: 20}},
			[]workflow.PageSize{a4}, &workflow.LayoutMisfit{Part: "date", Page: 1, Pages: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.layout.Misfit(tc.pages)
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("Misfit = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// sizedInspector is reviseInspector that reads every PDF as the pages
// it names: a PDF's size in bytes picks them (pages).
type sizedInspector struct {
	reviseInspector
	pages map[int64][]workflow.PageSize
}

func (i sizedInspector) PageSizes(_ context.Context, _ io.ReaderAt, size int64) ([]workflow.PageSize, error) {
	return i.pages[size], nil
}

// TestReviseKeepsAFittingLayout: a draft's new PDF keeps the layout its
// drafter set by hand when it still fits the new pages, else gets the
// layout found in the new PDF and the revision's event says why the hand-
// set one was dropped; a detected layout is always found again.
func TestReviseKeepsAFittingLayout(t *testing.T) {
	ctx := context.Background()
	two := []byte("%PDF-1.4\n% two A4 pages\n%%EOF\n")
	one := []byte("%PDF-1.4\n% one page only\n%%EOF\n")
	a5 := []byte("%PDF-1.4\n% two A5 pages, smaller\n%%EOF\n")
	a4 := workflow.PageSize{W: 595, H: 842}
	insp := sizedInspector{pages: map[int64][]workflow.PageSize{
		int64(len(two)): {a4, a4}, int64(len(one)): {a4}, int64(len(a5)): {{W: 420, H: 595}, {W: 420, H: 595}}}}
	manual := &workflow.Layout{Signature: &workflow.Box{Page: 2, X: 350, Y: 150, W: 180, H: 90}}
	for _, tc := range []struct {
		name   string
		set    bool // the drafter set the layout by hand before
		pdf    []byte
		kept   bool
		reason map[string]string
	}{
		{"kept/same pages", true, two, true, nil},
		{"reset/page gone", true, one, false, map[string]string{"layout_reset": "signature", "layout_reset_page": "2", "layout_reset_pages": "1", "layout_reset_missing": "true"}},
		{"reset/smaller paper", true, a5, false, map[string]string{"layout_reset": "signature", "layout_reset_page": "2", "layout_reset_pages": "2"}},
		{"detected/found again", false, two, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.svc.Inspector = insp
			h := e.users[workflow.RoleHandler]
			d := e.create(t, workflow.Outgoing, workflow.Public)
			if tc.set {
				var err error
				if d, err = e.svc.SetLayout(ctx, h, d.ID, d.Version, manual); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.svc.Revise(ctx, h, d.ID, workflow.ReviseInput{Version: d.Version, File: upload("b.pdf", tc.pdf)})
			if err != nil {
				t.Fatal(err)
			}
			sig := got.Layout.Signature
			if kept := got.Layout.Source == workflow.LayoutManual && *sig == *manual.Signature; kept != tc.kept {
				t.Errorf("layout %+v (signature %+v): kept %v, want %v", got.Layout, sig, kept, tc.kept)
			}
			if !tc.kept && (got.Layout.Source != workflow.LayoutDetected || sig.X != float64(len(tc.pdf))) {
				t.Errorf("layout %+v: not the one found in the new PDF", got.Layout)
			}
			events, _ := e.svc.Events(ctx, h, d.ID)
			ev := events[len(events)-1]
			for _, k := range []string{"layout_reset", "layout_reset_page", "layout_reset_pages", "layout_reset_missing"} {
				if ev.Data[k] != tc.reason[k] {
					t.Errorf("event %s = %q, want %q", k, ev.Data[k], tc.reason[k])
				}
			}
		})
	}
}
