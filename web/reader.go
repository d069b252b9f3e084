package web

import (
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// A phone's browser shows no PDF inside a page, and the page preview at
// 72 dpi is a blur on its screen of two or three pixels per CSS pixel.
// So a touch screen reads the document as page images (handlePageImage
// ?w=) in the widths its screen needs: the document page shows the first
// page, /documents/{id}/read every page, each an <img srcset> from which
// the browser takes the width of its screen's pixels (TestPageImageWidths,
// TestIntegrationBrowserPhonePageImage). "Mở tệp PDF để đọc" (the
// device's viewer) stays beside them.

// pageImageWidths are the widths, in pixels, a page image is offered in:
// a 360-px phone at 1×, 2× and 3×, and a tablet's column at 2×.
var pageImageWidths = []int{360, 720, 1080, 1440}

// pageImageSizes is the CSS width a page image takes: the page's column
// (the whole screen on a phone, at most the content's 52rem beside it).
const pageImageSizes = "(max-width: 900px) 100vw, 52rem"

// maxReaderPages bounds the pages /documents/{id}/read lists (the rest:
// "Mở tệp PDF để đọc").
const maxReaderPages = 500

// pageImage is the <img> of page N of a document: its src (the middle
// width, for browsers without srcset), srcset, sizes, and its size in
// points (the width and height attributes: the image's shape before it
// loads, so that lazy images below the screen are not all fetched).
type pageImage struct {
	N           int
	Src, Srcset string
	Sizes       string
	W, H        int
}

// pageImageOf is the image of page n of document id, w × h points (0:
// unknown).
func pageImageOf(id string, n int, w, h float64) pageImage {
	base := fmt.Sprintf("/documents/%s/page/%d?w=", id, n)
	set := make([]string, len(pageImageWidths))
	for i, pw := range pageImageWidths {
		set[i] = base + strconv.Itoa(pw) + " " + strconv.Itoa(pw) + "w"
	}
	return pageImage{N: n, Src: base + strconv.Itoa(pageImageWidths[1]), Srcset: strings.Join(set, ", "), Sizes: pageImageSizes,
		W: int(w + 0.5), H: int(h + 0.5)}
}

// firstPageImage is the image of the first page of d on its page, when
// pages can be rendered and d has a file.
func firstPageImage(d *workflow.Document) *pageImage {
	if _, ok := d.MainFile(); !ok || pdftoppm == "" {
		return nil
	}
	p := pageImageOf(d.ID, 1, 0, 0)
	return &p
}

type readView struct {
	Doc   *workflow.Document
	Main  workflow.File
	Pages []pageImage
	Count int // the file's pages (more than Pages when past maxReaderPages)
}

// handleRead is the document's pages as images, one under the other,
// for a screen that shows no PDF inside a page: the access of the file
// (a user who may not open the document's file sees no page of it).
func (u *UI) handleRead(w http.ResponseWriter, r *http.Request, s *Session) error {
	d, err := u.cfg.Docs.Get(r.Context(), s.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &readView{Doc: d}
	var ok bool
	if v.Main, ok = d.MainFile(); !ok || pdftoppm == "" || pdfinfo == "" {
		return workflow.Errorf(workflow.ENOTFOUND, "no page images of this document")
	}
	in, release, err := u.cachedPDF(r, s, d, v.Main.SHA256)
	if err != nil {
		return u.fileError(r, s, err)
	}
	defer release()
	out, err := exec.CommandContext(r.Context(), pdfinfo, "-f", "1", "-l", strconv.Itoa(maxReaderPages), in).Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 99) { // 99: fewer pages than the range
		return workflow.Errorf(workflow.EUNPROCESSABLE, "the pages cannot be read: %v", err)
	}
	v.Count, v.Pages = readerPages(d.ID, out)
	u.render(w, r, s, http.StatusOK, "read", d.Subject, v)
	return nil
}

var pagesLine = regexp.MustCompile(`(?m)^Pages: +(\d+)`)

// readerPages reads pdfinfo's report of a file's pages: how many, and the
// image of each listed (shown as turned by its /Rotate).
func readerPages(id string, info []byte) (int, []pageImage) {
	count := 0
	if m := pagesLine.FindSubmatch(info); m != nil {
		count, _ = strconv.Atoi(string(m[1]))
	}
	rot := map[string]bool{}
	for _, m := range pageRotLine.FindAllSubmatch(info, -1) {
		rot[string(m[1])] = string(m[2]) == "90" || string(m[2]) == "270"
	}
	var pages []pageImage
	for _, m := range pageSizeLine.FindAllSubmatch(info, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		w, _ := strconv.ParseFloat(string(m[2]), 64)
		h, _ := strconv.ParseFloat(string(m[3]), 64)
		if rot[string(m[1])] {
			w, h = h, w
		}
		pages = append(pages, pageImageOf(id, n, w, h))
	}
	return max(count, len(pages)), pages
}
