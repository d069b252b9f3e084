package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
)

// Page 6's correction: the stamp layout of an outgoing document over a
// preview of its pages. The boxes (number, date, signature) are SVG
// rectangles over a server-rendered PNG of the page; static/layout.js
// lets them be dragged (pointer) or moved with the arrow keys, writing the
// numeric fields of a plain form — which works on its own without script,
// and without the preview when poppler's pdftoppm is not installed (an
// optional runtime dependency, in the Docker image).

// LayoutEditor corrects a stamp layout (workflow.Service).
type LayoutEditor interface {
	SetLayout(ctx context.Context, actor *workflow.User, id string, version int, l *workflow.Layout) (*workflow.Document, error)
}

// layoutRoutes registers the signature layout's pages.
func (u *UI) layoutRoutes(mux *http.ServeMux) {
	mux.Handle("GET /documents/{id}/layout", u.auth(u.handleLayout))
	mux.Handle("POST /documents/{id}/layout", u.auth(u.handleLayout))
	mux.Handle("GET /documents/{id}/page/{n}", u.auth(u.handlePageImage))
	mux.Handle("GET /documents/{id}/read", u.auth(u.handleRead))
}

// pdftoppm is poppler's renderer, found once on PATH ("" = no previews).
var pdftoppm, _ = exec.LookPath("pdftoppm")

type stampBox struct {
	Field      string // "number", "date", "signature"
	Label      string
	Page       int
	X, Y, W, H float64 // PDF points, lower-left origin
	SVGY       float64 // top edge in SVG (y down)
}

type layoutPage struct {
	N      int
	W, H   float64
	Boxes  []stampBox
	Render bool
}

type layoutView struct {
	Doc    *workflow.Document
	Pages  []layoutPage
	Boxes  []stampBox // all three, for the numeric fields
	Blanks dateBlanks // the blanks of the date line, in the date's fieldset
	// BlankParts names them (ngày, tháng, năm).
	BlankParts [3]string
	CanSig     bool
	CanND      bool
	Notes      []string
	Source     string
	Problem    string
	Invalid    Invalid // the box (its fieldset) at fault, with Problem
	NumPages   int
}

// layoutInput is the fieldset of the layout form that err concerns: a
// box ("box-signature"), or the date line's blanks ("date-blanks").
func layoutInput(err error) string {
	f := strings.TrimPrefix(workflow.ErrorField(err), "layout.")
	if strings.HasPrefix(f, "date_blanks") || f == "date_short_year" {
		return "date-blanks"
	}
	for _, b := range []string{"number", "date", "signature"} {
		if f == b || strings.HasPrefix(f, b+".") || strings.HasPrefix(f, b+"_") {
			return "box-" + b
		}
	}
	return ""
}

func (u *UI) currentPDF(r *http.Request, s *Session, id string) ([]byte, error) {
	rc, _, _, err := u.cfg.Docs.OpenFile(r.Context(), s.User, id, "")
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, u.cfg.MaxUpload+1))
}

// defaultBoxes are where signing puts the stamps without a layout
// (signing/layers.go), to show them when the layout leaves a box nil.
func defaultBoxes(pages [][2]float64) map[string]workflow.Box {
	w1, h1 := pages[0][0], pages[0][1]
	wl := pages[len(pages)-1][0]
	return map[string]workflow.Box{
		"number":    {Page: 1, X: 0.08 * w1, Y: h1 - 150, W: 0.36 * w1, H: 18},
		"date":      {Page: 1, X: 0.48 * w1, Y: h1 - 150, W: 0.46 * w1, H: 18},
		"signature": {Page: len(pages), X: wl*0.75 - 85, Y: 150, W: 170, H: 60},
	}
}

func (u *UI) handleLayout(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("id")
	d, err := u.cfg.Docs.Get(r.Context(), s.User, id)
	if err != nil {
		return err
	}
	le, ok := u.cfg.Docs.(LayoutEditor)
	if !ok || d.Direction != workflow.Outgoing {
		return workflow.Errorf(workflow.ENOTFOUND, "no stamp layout for this document")
	}
	b, err := u.currentPDF(r, s, id)
	if err != nil {
		return err
	}
	sizes, err := signing.PageSizes(b)
	if err != nil || len(sizes) == 0 {
		return workflow.Errorf(workflow.EUNPROCESSABLE, "the document's pages cannot be read")
	}
	v := layoutView{Doc: d, NumPages: len(sizes)}
	v.CanSig, v.CanND = workflow.CanEditLayout(d, s.User)
	if r.Method == http.MethodPost {
		l, err := layoutFromForm(r, d.Layout, len(sizes))
		if err == nil {
			ver, _ := strconv.Atoi(r.PostFormValue("version"))
			if _, err = le.SetLayout(r.Context(), s.User, id, ver, l); err == nil {
				http.Redirect(w, r, "/documents/"+id+"?ok=layout", http.StatusSeeOther)
				return nil
			}
		}
		if code := workflow.ErrorCode(err); code != workflow.EINVALID && code != workflow.ECONFLICT {
			return err
		}
		v.Problem, v.Invalid = formProblems(err, layoutInput, layoutProblem)
	}
	def := defaultBoxes(sizes)
	cur := map[string]*workflow.Box{}
	if d.Layout != nil {
		cur["number"], cur["date"], cur["signature"] = d.Layout.Number, d.Layout.Date, d.Layout.Signature
		v.Notes, v.Source = mapStrings(d.Layout.Notes, layoutNoteVI), d.Layout.Source
	}
	v.Blanks, v.BlankParts = blanksOf(d.Layout), blankParts
	if r.Method == http.MethodPost {
		v.Blanks = postedBlanks(r, v.Blanks) // as typed, beside the problem
	}
	byPage := map[int]*layoutPage{}
	for _, f := range []struct{ field, label string }{{"number", "Số"}, {"date", "Ngày tháng"}, {"signature", "Chữ ký, dấu"}} {
		bx := def[f.field]
		if c := cur[f.field]; c != nil {
			bx = *c
		}
		if r.Method == http.MethodPost {
			bx = postedBox(r, f.field, bx) // as typed, beside the problem
		}
		if bx.Page == 0 {
			bx.Page = len(sizes)
		}
		if bx.Page > len(sizes) {
			bx.Page = len(sizes)
		}
		ph := sizes[bx.Page-1][1]
		lb := stampBox{Field: f.field, Label: f.label, Page: bx.Page, X: bx.X, Y: bx.Y, W: bx.W, H: bx.H, SVGY: ph - bx.Y - bx.H}
		v.Boxes = append(v.Boxes, lb)
		p := byPage[bx.Page]
		if p == nil {
			p = &layoutPage{N: bx.Page, W: sizes[bx.Page-1][0], H: ph, Render: pdftoppm != ""}
			byPage[bx.Page] = p
		}
		p.Boxes = append(p.Boxes, lb)
	}
	for n := 1; n <= len(sizes); n++ {
		if p := byPage[n]; p != nil {
			v.Pages = append(v.Pages, *p)
		}
	}
	u.render(w, r, s, http.StatusOK, "stamp_layout", "Vị trí số, ngày tháng và chữ ký", v)
	return nil
}

// postedBox is box field as posted: each number that reads replaces
// bx's.
func postedBox(r *http.Request, field string, bx workflow.Box) workflow.Box {
	for k, dst := range map[string]*float64{"x": &bx.X, "y": &bx.Y, "w": &bx.W, "h": &bx.H} {
		if x, err := strconv.ParseFloat(r.PostFormValue(field+"_"+k), 64); err == nil {
			*dst = x
		}
	}
	if p, err := strconv.Atoi(r.PostFormValue(field + "_page")); err == nil && field == "signature" {
		bx.Page = p
	}
	return bx
}

// layoutFromForm reads the numeric fields (points, lower-left origin);
// the detected blanks (number only, date parts) stay with their boxes.
func layoutFromForm(r *http.Request, prev *workflow.Layout, pages int) (*workflow.Layout, error) {
	l := &workflow.Layout{}
	if prev != nil {
		l.NumberOnly, l.DateBlanks, l.DateBlanksBelow, l.DateShortYear = prev.NumberOnly, prev.DateBlanks, prev.DateBlanksBelow, prev.DateShortYear
	}
	if err := dateBlanksFromForm(r, l); err != nil {
		return nil, err
	}
	num := func(name string) (float64, error) {
		v, err := strconv.ParseFloat(r.PostFormValue(name), 64)
		if err != nil {
			return 0, workflow.Errorf(workflow.EINVALID, "%s must be a number of points", name).On(name)
		}
		return v, nil
	}
	for _, f := range []string{"number", "date", "signature"} {
		var vals [4]float64
		for i, k := range []string{"x", "y", "w", "h"} {
			x, err := num(f + "_" + k)
			if err != nil {
				return nil, err
			}
			vals[i] = x
		}
		page := 1
		if f == "signature" {
			p, err := strconv.Atoi(r.PostFormValue("signature_page"))
			if err != nil || p < 0 || p > pages {
				return nil, workflow.Errorf(workflow.EINVALID, "signature_page must be a page of the document").On("signature_page")
			}
			page = p
		}
		b := &workflow.Box{Page: page, X: vals[0], Y: vals[1], W: vals[2], H: vals[3]}
		switch f {
		case "number":
			l.Number = b
		case "date":
			l.Date = b
		case "signature":
			l.Signature = b
		}
	}
	return l, nil
}

// maxPreviewSide is the longest side, in pixels, of a page preview: a
// page larger than maxPreviewSide points (A1 and up, a plan or a map
// scanned whole, a 200-inch page) is rendered at the resolution that
// fits it, not at 72 dpi — a 14,400-point page at 72 dpi is a 600 MB
// bitmap and seconds of work for one preview.
const maxPreviewSide = 2000

// pdfinfo is poppler's, beside pdftoppm: it says a page's size, so that
// the preview's resolution can be chosen ("" = not installed: every page
// is then scaled to fit maxPreviewSide).
var pdfinfo, _ = exec.LookPath("pdfinfo")

// handlePageImage renders one page of the document's current file with
// pdftoppm at 72 dpi (one pixel per point), or, with ?w=W (1 to
// maxPreviewSide), W pixels wide — the page images of a touch screen,
// whose srcset asks for the width its screen's pixels need; in any case
// smaller when the page's longest side would pass maxPreviewSide pixels.
// ENOTFOUND without pdftoppm, or for a page the file does not have;
// EINVALID for another width. The image comes from the cache of rendered
// pages, rendered once from the file in the cache of spooled files
// (pdfcache.go), copied from the store once; it is a PNG, or a JPEG for
// a photographic page (a scan: pageimage.go), its Content-Type says which.
//
// The image of a page is the file's (by its SHA-256), the page's and the
// width's: its ETag says them, and a browser that has it revalidates
// (Cache-Control no-cache) to a 304 — after the access check, which every
// request passes first, and without a render. A classified document's
// page (Mật and above) has no ETag and is never stored (no-store); its
// file and page stay in the server's cache only while requests read them
// (transientKey).
func (u *UI) handlePageImage(w http.ResponseWriter, r *http.Request, s *Session) error {
	if pdftoppm == "" {
		return workflow.Errorf(workflow.ENOTFOUND, "page previews need poppler's pdftoppm")
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return workflow.Errorf(workflow.ENOTFOUND, "no such page")
	}
	width := 0
	if q := r.URL.Query().Get("w"); q != "" {
		if width, err = strconv.Atoi(q); err != nil || width < 1 || width > maxPreviewSide {
			return workflow.Errorf(workflow.EINVALID, "w must be a width of 1 to %d pixels, not %q", maxPreviewSide, q)
		}
	}
	d, err := u.cfg.Docs.Get(r.Context(), s.User, r.PathValue("id")) // the access check
	if err != nil {
		return err
	}
	main, ok := d.MainFile()
	if !ok {
		return workflow.Errorf(workflow.ENOTFOUND, "document %s has no file", d.ID)
	}
	etag := ""
	if d.Confidentiality.Classified() {
		w.Header().Set("Cache-Control", "private, no-store")
	} else {
		etag = fmt.Sprintf(`"p2-%s-%d-%d"`, main.SHA256, n, width) // p2: PNG or JPEG (p1: poppler's PNG)
		w.Header().Set("Cache-Control", "private, no-cache")
		w.Header().Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
	}
	path, release, err := u.pageImage(r, s, d, main.SHA256, n, width)
	if err != nil {
		w.Header().Del("ETag")
		w.Header().Del("Cache-Control")
		return err
	}
	defer release()
	img, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read rendered page: %w", err)
	}
	w.Header().Set("Content-Type", pageImageType(img))
	_, err = w.Write(img)
	return err
}

// etagMatch reports whether an If-None-Match header names etag (weak or
// strong; not "*", which would say a page past the file's last exists).
func etagMatch(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		if t = strings.TrimPrefix(strings.TrimSpace(t), "W/"); t == etag {
			return true
		}
	}
	return false
}

// pageImage is the path of the image of page n of document id's file sha
// (width as handlePageImage's), from the cache or rendered into it, and the
// release to call when done reading it.
func (u *UI) pageImage(r *http.Request, s *Session, d *workflow.Document, sha string, n, width int) (string, func(), error) {
	key := transientKey(fmt.Sprintf("%s-%d-%d", sha, n, width), d.Confidentiality.Classified())
	return u.pdfs.acquire(r.Context(), key, func(w io.Writer) error {
		in, release, err := u.cachedPDF(r, s, d, sha)
		if err != nil {
			return err
		}
		defer release()
		scale, err := previewScale(r.Context(), in, n, width)
		if err != nil {
			return err
		}
		return u.renderPage(r.Context(), append(pageArgs(n, scale), in), w)
	})
}

// pageArgs is pdftoppm's arguments for page n at scale, as raw pixels on
// its standard output (PPM; encoded by encodePageImage).
func pageArgs(n int, scale []string) []string {
	return append([]string{"-cropbox", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-singlefile"}, scale...)
}

// renderPage runs pdftoppm with args in its turn (two at a time; EUNAVAILABLE
// when ctx ends first), within Config.PreviewMemory of address space (a
// shell's ulimit -v), and writes the page it draws to w (encodePageImage).
// poppler decodes some images whole whatever the resolution of the
// preview: a JPEG 2000 scan of 10,000 × 14,000 pixels takes 580 MB, the
// page of a 720-byte JBIG2 image 200 MB. Within the bound such an image
// is left out of the preview (poppler says it cannot decode it and draws
// the rest of the page).
func (u *UI) renderPage(ctx context.Context, args []string, w io.Writer) error {
	select {
	case u.previewTurns <- struct{}{}:
		defer func() { <-u.previewTurns }()
	case <-ctx.Done():
		return workflow.Wrap(workflow.EUNAVAILABLE, ctx.Err(), "too many page previews at once; try again in a moment")
	}
	limit := "ulimit -v " + strconv.FormatInt(u.cfg.PreviewMemory>>10, 10) + ` && exec "$0" "$@"`
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", limit, pdftoppm}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return workflow.Errorf(workflow.EUNPROCESSABLE, "the page cannot be rendered: %v", err)
	}
	img, derr := decodePPM(out)
	ended := errors.Is(derr, io.EOF) || errors.Is(derr, io.ErrUnexpectedEOF) // it stopped writing
	if derr != nil && !ended {
		cmd.Process.Kill() // it writes no page we can read
	}
	io.Copy(io.Discard, out) // what is left (none), so that it can exit
	if err := cmd.Wait(); err != nil && (derr == nil || ended) {
		return workflow.Errorf(workflow.EUNPROCESSABLE, "the page cannot be rendered: %v %s", err, stderr.String())
	} else if derr != nil {
		return workflow.Errorf(workflow.EUNPROCESSABLE, "the page cannot be rendered: %v %s", derr, stderr.String())
	}
	return encodePageImage(w, img)
}

// cachedPDF is the path of document id's file sha, from the cache of
// spooled files or copied there from the store (as the request's user:
// the service checks the access again), and the release to call when done
// reading it. The caller has passed the access check of the document.
func (u *UI) cachedPDF(r *http.Request, s *Session, d *workflow.Document, sha string) (string, func(), error) {
	id := d.ID
	return u.pdfs.acquire(r.Context(), transientKey(sha, d.Confidentiality.Classified()), spoolChecked(sha, func(w io.Writer) error {
		rc, _, _, err := u.cfg.Docs.OpenFile(r.Context(), s.User, id, sha)
		if err != nil {
			return err
		}
		defer rc.Close()
		if _, err := io.Copy(w, rc); err != nil { // whole: a signed revision may pass the upload limit
			return fmt.Errorf("copy the file of %s: %w", id, err)
		}
		return nil
	}))
}

// pageSizeLine is pdfinfo's line of a page's (crop box) size, and
// pageRotLine its line of the page's rotation.
var (
	pageSizeLine = regexp.MustCompile(`(?m)^Page +(\d+) size: +([0-9.]+) x ([0-9.]+) pts`)
	pageRotLine  = regexp.MustCompile(`(?m)^Page +(\d+) rot: +(\d+)`)
)

// previewScale is pdftoppm's resolution arguments for page n of the file
// at path: 72 dpi, or width pixels wide when width is not 0 (the page as
// shown, turned by its /Rotate), and in either case what fits the page in
// maxPreviewSide pixels when that is less. ENOTFOUND when the file has no
// page n (pdfinfo lists none).
func previewScale(ctx context.Context, path string, n, width int) ([]string, error) {
	if pdfinfo == "" {
		return []string{"-scale-to", strconv.Itoa(maxPreviewSide)}, nil
	}
	out, err := exec.CommandContext(ctx, pdfinfo, "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), path).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 99 { // a page range past the last page
		return nil, workflow.Errorf(workflow.ENOTFOUND, "the document has no page %d", n)
	} else if err != nil {
		return nil, workflow.Errorf(workflow.EUNPROCESSABLE, "the page cannot be rendered: %v", err)
	}
	m := pageSizeLine.FindSubmatch(out)
	if m == nil || string(m[1]) != strconv.Itoa(n) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "the document has no page %d", n)
	}
	w, _ := strconv.ParseFloat(string(m[2]), 64)
	h, _ := strconv.ParseFloat(string(m[3]), 64)
	if r := pageRotLine.FindSubmatch(out); r != nil && (string(r[2]) == "90" || string(r[2]) == "270") {
		w, h = h, w
	}
	dpi := 72.0
	if width > 0 && w > 0 {
		dpi = 72 * float64(width) / w
	}
	if side := max(w, h) * dpi / 72; side > maxPreviewSide {
		dpi = 72 * maxPreviewSide / max(w, h)
	}
	return []string{"-r", strconv.FormatFloat(dpi, 'f', 3, 64)}, nil
}
