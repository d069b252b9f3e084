package workflow

import (
	"context"
	"io"
	"strconv"
)

// PageSize is a page's displayed width and height in points (its crop
// box, turned by its /Rotate), the space a Box is measured in.
type PageSize struct{ W, H float64 }

// PageSizer is implemented by inspectors that can read the displayed
// size of each page of a PDF (signing.Service); EUNPROCESSABLE when the
// PDF cannot be read.
type PageSizer interface {
	PageSizes(ctx context.Context, r io.ReaderAt, size int64) ([]PageSize, error)
}

// LayoutMisfit says why a layout does not fit the pages of a PDF: the
// first of its boxes (signature, number, date) that lies on a page the
// PDF does not have (Missing), or not wholly inside its page.
type LayoutMisfit struct {
	Part    string // "signature", "number" or "date"
	Page    int    // the box's page: the signature's (0, the last, as the PDF's last), 1 for the number and date
	Pages   int    // how many pages the PDF has
	Missing bool   // the page is not in the PDF; else the box leaves it
}

// Misfit is nil when every box of l lies wholly inside its page of
// pages (the signature's Page, 0 being the last; page 1 for the number
// and the date, where they are always stamped: Layout). A hand-set
// layout kept for a draft's new PDF must put the stamps where the drafter
// placed them, on paper that has room for them.
func (l *Layout) Misfit(pages []PageSize) *LayoutMisfit {
	if l == nil {
		return nil
	}
	for _, b := range []struct {
		part string
		box  *Box
	}{{"signature", l.Signature}, {"number", l.Number}, {"date", l.Date}} {
		if b.box == nil {
			continue
		}
		x, page := b.box, 1
		if b.part == "signature" {
			if page = x.Page; page == 0 {
				page = len(pages)
			}
		}
		if page < 1 || page > len(pages) {
			return &LayoutMisfit{Part: b.part, Page: page, Pages: len(pages), Missing: true}
		}
		p := pages[page-1]
		if x.X < 0 || x.Y < 0 || x.X+x.W > p.W || x.Y+x.H > p.H {
			return &LayoutMisfit{Part: b.part, Page: page, Pages: len(pages)}
		}
	}
	return nil
}

// keepLayoutFor decides the layout of a draft's new PDF when the
// revision gives none: the draft's hand-set layout (LayoutManual) when
// it still fits the new pages (Misfit), else nil (the layout is found in
// the new PDF, as for a new draft) with why the hand-set one was dropped.
// A detected layout, or none, is never kept: it was found in the old PDF.
// Without a PageSizer the hand-set layout is dropped (it cannot be
// checked), saying nothing more.
func (s *Service) keepLayoutFor(ctx context.Context, cur *Layout, f *Upload) (*Layout, *LayoutMisfit) {
	if cur == nil || cur.Source != LayoutManual {
		return nil, nil
	}
	ps, ok := s.Inspector.(PageSizer)
	if !ok {
		return nil, nil
	}
	pages, err := ps.PageSizes(ctx, f.Content, f.Size)
	if err != nil {
		// The new PDF is checked next (storeMain) and refused if it
		// cannot be read: the hand-set layout is not kept on a guess.
		return nil, &LayoutMisfit{}
	}
	if m := cur.Misfit(pages); m != nil {
		return nil, m
	}
	return cur, nil
}

// eventData writes m into a draft_revised event's data: "layout_reset"
// the part that did not fit ("unreadable" when the pages could not be
// read), "layout_reset_page", "layout_reset_pages", and
// "layout_reset_missing" ("true" when the page is not in the new PDF).
func (m *LayoutMisfit) eventData(data map[string]string) {
	if m == nil {
		return
	}
	if m.Part == "" {
		data["layout_reset"] = "unreadable"
		return
	}
	data["layout_reset"] = m.Part
	data["layout_reset_page"] = strconv.Itoa(m.Page)
	data["layout_reset_pages"] = strconv.Itoa(m.Pages)
	if m.Missing {
		data["layout_reset_missing"] = "true"
	}
}
