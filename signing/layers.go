package signing

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"hash"
	"image"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/extract"
	pverify "github.com/digitorus/pdfsign/verify"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// Rect is a box on a page in PDF points, origin at the lower-left corner of
// the page as a reader sees it: its crop box (media box when there is
// none), turned by the page's /Rotate. On a page with /Rotate 90 the box is
// therefore measured on the landscape view; the signing code maps it into
// the page's own coordinates and turns the stamp with the page so that it
// reads upright. Page is 1-based; 0 means the layer's default page (the
// last page for the official's signature, page 1 for the number and date).
type Rect struct {
	Page       int
	X, Y, W, H float64
}

// OfficerLayer is layer 1: the official's personal approval signature.
type OfficerLayer struct {
	Key            keys.Key
	Name, Title    string
	SignatureImage []byte // PNG (blue, transparent); nil = the name rendered in blue
	Box            *Rect  // nil = default signature block: last page, right half, lower part
	Time           time.Time
	TSAURL         string // set = PAdES B-T
	// TSA, when set, answers the signature time-stamp's query in process
	// (the built-in TSA) instead of a POST to TSAURL, which still names
	// the TSA and turns B-T on.
	TSA TimeStamper
	// Unsigned refuses a PDF that carries a signature already
	// (EUNPROCESSABLE): an outgoing document's layer 2 follows exactly one
	// signature, so a draft signed elsewhere could be signed by the
	// official but never issued.
	Unsigned bool
}

// AgencyLayer is layer 2: the agency signature with its seal, and the
// number and date of issue on page 1.
type AgencyLayer struct {
	Key                keys.Key
	AgencyName, Place  string
	Seal               []byte // PNG (red, transparent); nil = a generated round seal
	Notation           string // "15/QĐ-UBND"
	IssueDate          time.Time
	NumberPos, DatePos *Rect // nil = defaults on page 1
	// NumberOnly: NumberPos is the template's blank between "Số:" and
	// "/QĐ-UBND"; only the number is written, against the slash.
	NumberOnly bool
	// DateBlanks: DatePos is the template's date line and these are the
	// centres (points from its left edge) of the day, month and year
	// blanks, where only those are written (0 = not written).
	DateBlanks []float64
	// DateBlanksBelow: how far below DatePos's line each blank's line is
	// (a date line wrapped after "ngày"); nil: all on it.
	DateBlanksBelow []float64
	// DateShortYear: the year's blank follows "20" ("năm 20…"); only the
	// year's last two digits are written.
	DateShortYear bool
	// VerifyCode and VerifyURL, when set, print "Mã xác thực: CODE — URL"
	// in the top margin of page 1, in the same update as the number (so
	// layer 2 covers it); the code and the URL are also real text.
	VerifyCode, VerifyURL string
	Time                  time.Time
	TSAURL                string      // set = PAdES B-T
	TSA                   TimeStamper // as OfficerLayer.TSA

	// own says that the input is this system's layer 1 as stored: bytes
	// whose SHA-256 is that of the document's layer-1 file, made of
	// SignOfficial's output (Service.SignAgencyOwn, which checks the
	// hash). Their intake's precheck is not run again (inspectOwn); only
	// this package sets it, never for bytes from elsewhere.
	own bool
}

// Vietnam's time zone, for the times printed on stamps.
var ict = time.FixedZone("+07", 7*3600)

// StampTime formats t as the stamps print it: 2026-11-25T10:15:30+07:00.
func StampTime(t time.Time) string { return t.In(ict).Format(time.RFC3339) }

// DateLine is the place and date line of Decree 30 (Appendix I): days below
// 10 and the months January and February take a leading zero.
// "Bình Thủy, ngày 25 tháng 11 năm 2026".
func DateLine(place string, d time.Time) string {
	d = d.In(ict)
	month := fmt.Sprint(int(d.Month()))
	if d.Month() <= 2 {
		month = "0" + month
	}
	s := fmt.Sprintf("ngày %02d tháng %s năm %d", d.Day(), month, d.Year())
	if place == "" {
		return s
	}
	return place + ", " + s
}

// Default boxes (points). The signature block sits in the right half of the
// last page, above the lower margin; the number and the date line are where
// the Decree 30 template puts them, under the agency name and the motto.
const (
	sigBoxW, sigBoxH = 170.0, 60.0
	lineH            = 18.0
)

// SignOfficer applies layer 1. The input must be a PDF that signing does not
// damage: encrypted files, interactive forms (AcroForm fields, XFA) and
// unparsable files are refused with EUNPROCESSABLE before anything is
// written. A header below 1.5 is raised to 1.5 in place (same length, no
// offsets move) and junk before the header is cut, both before signing.
func SignOfficer(ctx context.Context, in []byte, l OfficerLayer) ([]byte, error) {
	return bytesOf(signOfficer(ctx, in, l))
}

// bytesOf assembles a signed document in memory.
func bytesOf(s *signedDoc, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return s.Bytes(), nil
}

func signOfficer(ctx context.Context, in []byte, l OfficerLayer) (*signedDoc, error) {
	doc, rdr, err := normalizeFor(in, l.Unsigned)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(l.Name) == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "the official's name is required")
	}
	box := Rect{Page: rdr.NumPage()}
	if l.Box != nil {
		box = *l.Box
		if box.Page == 0 {
			box.Page = rdr.NumPage()
		}
	}
	if box.Page < 1 || box.Page > rdr.NumPage() {
		return nil, workflow.Errorf(workflow.EINVALID, "signature box %+v is not on the document's %d pages", box, rdr.NumPage())
	}
	geom, err := pageGeometry(rdr, box.Page)
	if err != nil {
		return nil, unparsable(err)
	}
	if l.Box == nil {
		box = defaultOfficerBox(geom, box.Page)
	}
	if box.W <= 0 || box.H <= 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "signature box %+v has no area", box)
	}
	if err := onPage("signature", box, geom); err != nil {
		return nil, err
	}
	sig, err := officerImage(l)
	if err != nil {
		return nil, err
	}
	// Fit the image into the box, centred, aspect kept.
	w, h := fit(sig.WidthPt, sig.HeightPt, box.W, box.H)
	t := orNow(l.Time)
	return signStream(ctx, doc, signParams{
		key:    l.Key,
		name:   l.Name,
		reason: strings.TrimSpace("Phê duyệt: " + l.Title + " " + l.Name),
		page:   box.Page,
		geom:   geom,
		rect:   box.box(),
		images: []placedImage{{img: sig, x: (box.W - w) / 2, y: (box.H - h) / 2, w: w, h: h}},
		tsaURL: l.TSAURL,
		tsa:    l.TSA,
		time:   t,
		rdr:    rdr,
	})
}

func officerImage(l OfficerLayer) (*preparedImage, error) {
	if len(l.SignatureImage) > 0 {
		p, err := pngImage(l.SignatureImage)
		if err != nil {
			return nil, workflow.Wrap(workflow.EINVALID, err, "the signature image is not a PNG or JPEG image")
		}
		return p, nil
	}
	return cachedImage([]byte("signature-from-name:"+l.Name), func() (image.Image, error) {
		return signatureFromName(l.Name)
	})
}

// onPage refuses (EINVALID) a box, in displayed points from the lower
// left of page g, that lies wholly outside the page: a stamp there is
// drawn where no reader shows it. A box the page cuts is kept (a person
// may set one close to the edge).
func onPage(what string, r Rect, g pageGeom) error {
	w, h := g.size()
	if r.X >= w || r.Y >= h || r.X+r.W <= 0 || r.Y+r.H <= 0 {
		return workflow.Errorf(workflow.EINVALID, "the %s box (x %.0f, y %.0f, %.0f × %.0f pt) lies outside its page (%.0f × %.0f pt), where it would not be seen: move it onto the page", what, r.X, r.Y, r.W, r.H, w, h)
	}
	return nil
}

// defaultOfficerBox is the signature block of the Decree 30 template: the
// right half of the page, above the lower margin and the "Nơi nhận" list.
// On a page smaller than the template's layout needs, the block is that of
// a page scaled down to it (layoutScale), so that it stays on the page.
func defaultOfficerBox(g pageGeom, page int) Rect {
	w, _ := g.size()
	s := layoutScale(g)
	return Rect{Page: page, X: w*0.75 - s*sigBoxW/2, Y: s * 150, W: s * sigBoxW, H: s * sigBoxH}
}

// The least displayed page size on which the default layout is drawn at
// its own size: the signature block centred at three quarters of the
// width, 150 pt up (its seal and signing time reach 231 pt up), and the
// number and date line 150 pt below the top, above the seal.
const layoutMinW, layoutMinH = 2 * sigBoxW, 381.0

// layoutScale is the factor (at most 1) by which the default layout (the
// officer's box, the number and date line) and the seal with its text are
// drawn on page g: 1 on any ordinary page (A6 landscape and up), less on a
// smaller one (a label, a card, a figure), whose displayed page would
// otherwise cut them off or not show them at all.
func layoutScale(g pageGeom) float64 {
	w, h := g.size()
	return max(0.01, min(1, w/layoutMinW, h/layoutMinH))
}

// SignAgency writes the number and date line on page 1 and applies layer 2
// in one incremental update. The seal covers the left third of the
// official's signature (layer 1's widget), with the agency name and the
// signing time below it. A PDF without a cryptographically intact layer 1 is
// refused with EINVALID; a PDF that already carries layer 2 with ECONFLICT.
func SignAgency(ctx context.Context, in []byte, l AgencyLayer) ([]byte, error) {
	return bytesOf(signAgency(ctx, in, l))
}

func signAgency(ctx context.Context, in []byte, l AgencyLayer) (*signedDoc, error) {
	rdr, sigs, check, err := requireAgencyLayer(in, l)
	if err != nil {
		return nil, err
	}
	t := orNow(l.Time)
	issue := l.IssueDate
	if issue.IsZero() {
		issue = t
	}
	// The number and date are drawn on another goroutine while the seal
	// and its text are prepared here.
	g1, err := pageGeometry(rdr, 1)
	if err != nil {
		return nil, unparsable(err)
	}
	numberDate := make(chan stampResult, 1)
	go func() {
		st, err := numberDateStampAt(g1, l, issue)
		numberDate <- stampResult{st, err}
	}()
	seal, err := sealAppearance(rdr, sigs[0], l, t)
	nd := <-numberDate
	if err != nil {
		return nil, err
	}
	if nd.err != nil {
		return nil, nd.err
	}
	tap, wait := check.during(in)
	out, err := signStream(ctx, docParts{in}, signParams{
		key:      l.Key,
		name:     l.AgencyName,
		reason:   fmt.Sprintf("Ban hành văn bản số %s; %s", l.Notation, StampTime(t)),
		location: l.Place,
		page:     sigs[0].page,
		geom:     seal.geom,
		rect:     seal.rect,
		images:   seal.images,
		stamp:    nd.st,
		tsaURL:   l.TSAURL,
		tsa:      l.TSA,
		time:     t,
		tap:      tap,
		rdr:      rdr,
	})
	if cerr := wait(); cerr != nil {
		return nil, cerr
	}
	if err == nil && out.sig != nil {
		// The file's signatures: those of in (requireLayer1For read them
		// all) and this one.
		for _, f := range check.sigs {
			out.sigs = append(out.sigs, f.r.Contents)
		}
		out.sigs = append(out.sigs, out.sig)
	}
	return out, err
}

type stampResult struct {
	st  *pageStamp
	err error
}

// requireAgencyLayer is SignAgency's precondition: an intact layer 1
// (requireLayer1For), no layer 2 yet, an agency name and a notation.
func requireAgencyLayer(in []byte, l AgencyLayer) (*pdf.Reader, []existingSignature, *layer1Check, error) {
	rdr, sigs, check, err := requireLayer1For(in, l.own)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(sigs) > 1 {
		return nil, nil, nil, workflow.Errorf(workflow.ECONFLICT, "the document already carries %d signatures; layer 2 is applied once, after layer 1", len(sigs))
	}
	if strings.TrimSpace(l.AgencyName) == "" || strings.TrimSpace(l.Notation) == "" {
		return nil, nil, nil, workflow.Errorf(workflow.EINVALID, "agency name and number/notation are required")
	}
	return rdr, sigs, check, nil
}

// agencyWidget is layer 2's visible signature: where it goes and what it
// shows.
type agencyWidget struct {
	geom   pageGeom
	rect   [4]float64
	images []placedImage
}

// sealAppearance places the seal over the left third of the official's
// signature off, as displayed, with the agency name and the signing time t
// below it.
func sealAppearance(rdr *pdf.Reader, off existingSignature, l AgencyLayer, t time.Time) (*agencyWidget, error) {
	seal, err := sealImage(l)
	if err != nil {
		return nil, err
	}
	geom, err := pageGeometry(rdr, off.page)
	if err != nil {
		return nil, unparsable(err)
	}
	s := layoutScale(geom)
	sw := s * sealDiameterPt
	sh := sw * seal.HeightPt / seal.WidthPt
	r := off.rect
	if r[0] > r[2] {
		r[0], r[2] = r[2], r[0]
	}
	if r[1] > r[3] {
		r[1], r[3] = r[3], r[1]
	}
	r = geom.rectFromUser(r)
	sealX := r[0] + (r[2]-r[0])/3 - sw*0.62
	sealY := (r[1]+r[3])/2 - sh/2
	// Two lines in one box: the agency's name (the same on every
	// document, drawn once) and below it the signing time (an empty first
	// line of the name's font and size keeps it where it goes), drawn once
	// for all the signatures of the same second.
	textW, textH := s*200, s*22
	name := textLine{Text: l.AgencyName, Size: min(fitSize(l.AgencyName, true, 8, textW), s*8), Bold: true, Color: sealRed}
	nameImg, err := sharedTextImage(textW, textH, []textLine{name})
	if err != nil {
		return nil, err
	}
	name.Text = ""
	timeImg, err := recentTextImage(textW, textH, []textLine{name, {Text: StampTime(t), Size: s * 8, Color: sealRed}})
	if err != nil {
		return nil, err
	}
	return &agencyWidget{
		geom: geom,
		rect: [4]float64{sealX, sealY - textH, sealX + max(sw, textW), sealY + sh},
		images: []placedImage{
			{img: seal, x: 0, y: textH, w: sw, h: sh},
			{img: nameImg, x: 0, y: 0, w: textW, h: textH},
			{img: timeImg, x: 0, y: 0, w: textW, h: textH},
		},
	}, nil
}

// during sets up the check of layer 1 to run while layer 2 is signed over
// in: nothing is returned unless it holds. The last signature's first
// range is a prefix of the bytes layer 2 signs, so the streaming signer
// hashes it once for both: the returned tap hands the check a copy of the
// hash state, from which it finishes that signature's digest. wait, called
// once the signing has ended, returns the check's result.
func (c *layer1Check) during(in []byte) (tap *hashTap, wait func() error) {
	last := len(c.sigs) - 1
	lr := c.sigs[last].r.ByteRange
	tapped := make(chan []byte, 1)
	tap = &hashTap{at: lr[1], fn: func(h hash.Hash) {
		h.Write(in[lr[2]:lr.End()])
		tapped <- h.Sum(nil)
	}}
	signed := make(chan struct{})
	checked := make(chan error, 1)
	go func() {
		known := map[int][]byte{}
		select {
		case d := <-tapped:
			known[last] = d
		case <-signed: // signing ended without hashing (another key type, an early error)
			select {
			case d := <-tapped:
				known[last] = d
			default:
			}
		}
		checked <- c.run(known)
	}()
	return tap, func() error {
		close(signed)
		return <-checked
	}
}

func sealImage(l AgencyLayer) (*preparedImage, error) {
	if len(l.Seal) > 0 {
		p, err := pngImage(l.Seal)
		if err != nil {
			return nil, workflow.Wrap(workflow.EINVALID, err, "the seal image is not a PNG image")
		}
		return p, nil
	}
	return cachedImage([]byte("generated-seal:"+l.AgencyName), func() (image.Image, error) {
		return generateSeal(l.AgencyName)
	})
}

// numberDateStamp builds the page-1 annotation with "Số: ..." and the date
// line. Both lines share one annotation whose box spans both positions.
func numberDateStamp(r *pdf.Reader, l AgencyLayer, issue time.Time) (*pageStamp, error) {
	g, err := pageGeometry(r, 1)
	if err != nil {
		return nil, unparsable(err)
	}
	return numberDateStampAt(g, l, issue)
}

// numberDateStampAt is numberDateStamp on a page 1 of geometry g.
func numberDateStampAt(g pageGeom, l AgencyLayer, issue time.Time) (*pageStamp, error) {
	num, date, err := numberDateBoxes(g, l)
	if err != nil {
		return nil, err
	}
	if err := onPage("number", num, g); err != nil {
		return nil, err
	}
	if err := onPage("date", date, g); err != nil {
		return nil, err
	}
	numText := "Số: " + l.Notation
	dateText := DateLine(l.Place, issue)
	var b stampBuilder
	if err := b.number(num, l, numText); err != nil {
		return nil, err
	}
	if err := b.date(date, l, issue, dateText); err != nil {
		return nil, err
	}
	contents := numText + "\n" + dateText
	if l.VerifyCode != "" {
		line, err := b.verifyCode(g, l)
		if err != nil {
			return nil, err
		}
		contents += "\n" + line
	}
	return b.stamp(g, contents), nil
}

// numberDateBoxes are the boxes of the number and the date line on page 1:
// the layer's, or where the Decree 30 template puts them (under the agency
// name and the motto).
func numberDateBoxes(g pageGeom, l AgencyLayer) (num, date Rect, err error) {
	w, h := g.size()
	s := layoutScale(g)
	num = Rect{Page: 1, X: 0.08 * w, Y: h - s*150, W: 0.36 * w, H: s * lineH}
	date = Rect{Page: 1, X: 0.48 * w, Y: h - s*150, W: 0.46 * w, H: s * lineH}
	if l.NumberPos != nil {
		num = *l.NumberPos
	}
	if l.DatePos != nil {
		date = *l.DatePos
	}
	if (num.Page != 0 && num.Page != 1) || (date.Page != 0 && date.Page != 1) {
		return num, date, workflow.Errorf(workflow.EINVALID, "the number and the date go on page 1")
	}
	return num, date, nil
}

// stampBuilder collects the text images, vector text (and invisible
// text) of a page stamp, in page coordinates.
type stampBuilder struct {
	images  []placedImage
	vectors []placedVector
	texts   []placedText
	boxes   [][4]float64
}

// place draws lines into the box r as vector outlines (vectorText): text
// of this document only, which an image would be drawn and deflated for.
func (b *stampBuilder) place(r Rect, lines []textLine) error {
	ops, err := vectorText(r.W, r.H, lines)
	if err != nil {
		return err
	}
	b.vectors = append(b.vectors, placedVector{x: r.X, y: r.Y, ops: ops})
	b.boxes = append(b.boxes, r.box())
	return nil
}

// placeShared is place for text that repeats across documents (the
// day's date line), drawn once (sharedTextImage).
func (b *stampBuilder) placeShared(r Rect, lines []textLine) error {
	img, err := sharedTextImage(r.W, r.H, lines)
	return b.add(r, img, err)
}

// add places img, drawn for the box r, unless drawing it failed.
func (b *stampBuilder) add(r Rect, img *preparedImage, err error) error {
	if err != nil {
		return err
	}
	b.images = append(b.images, placedImage{img: img, x: r.X, y: r.Y, w: r.W, h: r.H})
	b.boxes = append(b.boxes, r.box())
	return nil
}

// number writes "Số: <notation>" centred in num or, with NumberOnly, only
// the number against the template's slash.
func (b *stampBuilder) number(num Rect, l AgencyLayer, numText string) error {
	if l.NumberOnly && l.NumberPos != nil {
		n, _, _ := strings.Cut(l.Notation, "/")
		size := min(14, num.H/1.35)
		return b.place(num, []textLine{{Text: n, Size: fitSize(n, false, size, num.W), Color: textDark, Align: 2}})
	}
	return b.place(num, []textLine{{Text: numText, Size: min(fitSize(numText, false, 13, num.W), num.H/1.35), Color: textDark, Align: 1}})
}

// date writes the date line centred in date or, with DateBlanks, only the
// day, month and year in the template's blanks.
func (b *stampBuilder) date(date Rect, l AgencyLayer, issue time.Time, dateText string) error {
	if len(l.DateBlanks) != 3 || l.DatePos == nil {
		return b.placeShared(date, []textLine{{Text: dateText, Size: min(fitSize(dateText, false, 13, date.W), date.H/1.35), Color: textDark, Align: 1}})
	}
	d := issue.In(ict)
	month := fmt.Sprint(int(d.Month()))
	if d.Month() <= 2 {
		month = "0" + month
	}
	parts := []string{fmt.Sprintf("%02d", d.Day()), month, fmt.Sprint(d.Year())}
	if l.DateShortYear {
		parts[2] = fmt.Sprintf("%02d", d.Year()%100)
	}
	size := min(14, date.H/1.35)
	for i, c := range l.DateBlanks {
		if c <= 0 {
			continue
		}
		w, y := 2.6*size, date.Y
		if len(l.DateBlanksBelow) == len(l.DateBlanks) {
			y -= l.DateBlanksBelow[i]
		}
		if err := b.place(Rect{X: date.X + c - w/2, Y: y, W: w, H: date.H},
			[]textLine{{Text: parts[i], Size: size, Color: textDark, Align: 1}}); err != nil {
			return err
		}
	}
	return nil
}

// verifyCode writes "Mã xác thực: CODE — URL" in the top margin of page 1,
// with the code and the URL also as real (invisible) text; it returns the
// line.
func (b *stampBuilder) verifyCode(g pageGeom, l AgencyLayer) (string, error) {
	w, h := g.size()
	code := FormatVerifyCode(l.VerifyCode)
	line := "Mã xác thực: " + code
	plain := code
	if l.VerifyURL != "" {
		line += " — " + l.VerifyURL
		plain += " " + l.VerifyURL
	}
	r := Rect{X: 0.08 * w, Y: h - 34, W: 0.84 * w, H: 12}
	if err := b.place(r, []textLine{{Text: line, Size: fitSize(line, false, 8, r.W), Color: textDark, Align: 0}}); err != nil {
		return "", err
	}
	b.texts = append(b.texts, placedText{x: r.X, y: r.Y + 3, size: 6, text: plain})
	return line, nil
}

// stamp is one page-1 annotation whose box spans everything placed, with
// the images and texts relative to it.
func (b *stampBuilder) stamp(g pageGeom, contents string) *pageStamp {
	x0, y0, x1, y1 := b.boxes[0][0], b.boxes[0][1], b.boxes[0][2], b.boxes[0][3]
	for _, r := range b.boxes[1:] {
		x0, y0, x1, y1 = min(x0, r[0]), min(y0, r[1]), max(x1, r[2]), max(y1, r[3])
	}
	for i := range b.images {
		b.images[i].x -= x0
		b.images[i].y -= y0
	}
	for i := range b.vectors {
		b.vectors[i].x -= x0
		b.vectors[i].y -= y0
	}
	for i := range b.texts {
		b.texts[i].x -= x0
		b.texts[i].y -= y0
	}
	return &pageStamp{
		page:     1,
		geom:     g,
		rect:     [4]float64{x0, y0, x1, y1},
		images:   b.images,
		vectors:  b.vectors,
		texts:    b.texts,
		contents: contents,
	}
}

// FormatVerifyCode groups a verification code for printing: "ABCDE-FGHJK".
func FormatVerifyCode(c string) string {
	if len(c) == 10 {
		return c[:5] + "-" + c[5:]
	}
	return c
}

// SignAttachment applies the agency signature to an attachment file: no
// image, the number/notation, the time and the agency name as text at the
// top right of page 1 (Tinos, the Times New Roman metric twin, 10 pt, black).
func SignAttachment(ctx context.Context, in []byte, l AgencyLayer) ([]byte, error) {
	return bytesOf(signAttachment(ctx, in, l))
}

func signAttachment(ctx context.Context, in []byte, l AgencyLayer) (*signedDoc, error) {
	if strings.TrimSpace(l.AgencyName) == "" || strings.TrimSpace(l.Notation) == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "agency name and number/notation are required")
	}
	stamp := StampTime(orNow(l.Time))
	return signTopRight(ctx, in, l, []string{l.Notation, stamp, l.AgencyName},
		fmt.Sprintf("Ban hành kèm văn bản số %s; %s", l.Notation, stamp))
}

// signTopRight applies l's agency signature to in with no image: lines
// of text at the top right of page 1 (Tinos 10 pt, black), as an
// incremental update (the signatures in carries stay intact).
func signTopRight(ctx context.Context, in []byte, l AgencyLayer, lines []string, reason string) (*signedDoc, error) {
	doc, rdr, err := normalize(in)
	if err != nil {
		return nil, err
	}
	g, err := pageGeometry(rdr, 1)
	if err != nil {
		return nil, unparsable(err)
	}
	pw, ph := g.size()
	t := orNow(l.Time)
	w, h := 210.0, 10*float64(len(lines))+10
	var tl []textLine
	for _, s := range lines {
		tl = append(tl, textLine{Text: s, Size: fitSize(s, false, 10, w), Color: textDark, Align: 2})
	}
	img, err := textImage(w, h, tl)
	if err != nil {
		return nil, err
	}
	x, y := pw-28-w, ph-20-h
	return signStream(ctx, doc, signParams{
		key:      l.Key,
		name:     l.AgencyName,
		reason:   reason,
		location: l.Place,
		page:     1,
		geom:     g,
		rect:     [4]float64{x, y, x + w, y + h},
		images:   []placedImage{{img: img, w: w, h: h}},
		tsaURL:   l.TSAURL,
		tsa:      l.TSA,
		time:     t,
		rdr:      rdr,
	})
}

// requireLayer1For checks that in carries at least one signature with a
// visible widget and returns the signed fields, and a function that checks
// that every signature is cryptographically intact (trust is the
// verifier's business, not a precondition of layer 2). The check hashes
// the signed byte ranges in place; SignAgency runs it concurrently with
// the signing of layer 2 and discards the result when it fails. own reads
// in as this system's layer 1 (AgencyLayer.own: inspectOwn, without the
// precheck); false for bytes from anywhere else.
func requireLayer1For(in []byte, own bool) (*pdf.Reader, []existingSignature, *layer1Check, error) {
	// One parse for the intake's checks, the signatures' extraction, the
	// widgets and the engine: the intake's reader reads in itself (from
	// its header, which a signed file has at 0).
	inspect := inspectParsed
	if own {
		inspect = func(b []byte, _ bool) (Info, *pdf.Reader, error) { return inspectOwn(b) }
	}
	info, rdr, err := inspect(in, true)
	if err != nil {
		return nil, nil, nil, err
	}
	if info.XrefRebuilt {
		// Its signatures cover the damaged data; an update on top of it
		// would be read from data that is not there.
		return nil, nil, nil, workflow.Errorf(workflow.EINVALID, "the signed document's cross-reference data is damaged; the agency cannot sign on top of it")
	}
	if info.Signatures == 0 {
		return nil, nil, nil, workflow.Errorf(workflow.EINVALID, "the document has no official's signature (layer 1); the agency signs only after the official")
	}
	if info.HeaderOffset != 0 {
		if rdr, err = pdf.NewReader(bytes.NewReader(in), int64(len(in))); err != nil {
			return nil, nil, nil, unparsable(err)
		}
	}
	check := &layer1Check{in: in}
	for s, err := range extract.Iter(rdr, bytes.NewReader(in)) {
		if err != nil {
			return nil, nil, nil, workflow.Wrap(workflow.EINVALID, err, "the official's signature cannot be read")
		}
		// The signature must cover everything up to its own revision.
		r, err := verify.CheckByteRange(in, s.ByteRange())
		if err != nil {
			return nil, nil, nil, workflow.Wrap(workflow.EINVALID, err, "signature %d has an unusual byte range: %v", len(check.sigs)+1, err)
		}
		check.sigs = append(check.sigs, foundSig{r: r})
	}
	sigs := signedFields(rdr)
	if len(check.sigs) == 0 || len(sigs) == 0 {
		return nil, nil, nil, workflow.Errorf(workflow.EINVALID, "the document has no official's signature (layer 1)")
	}
	if sigs[0].page == 0 {
		return nil, nil, nil, workflow.Errorf(workflow.EINVALID, "the official's signature has no visible widget on a page")
	}
	return rdr, sigs, check, nil
}

// layer1Check checks that every signature of in is cryptographically
// intact (trust is the verifier's business, not a precondition of layer 2).
type layer1Check struct {
	in   []byte
	sigs []foundSig
}

type foundSig struct {
	r verify.SignedRange
}

// signatureObject is the signature dictionary of the i-th signature of
// in, from a parse of its own: the check runs while the engine reads the
// parse requireLayer1For made, and a reader is not safe for concurrent use.
func signatureObject(in []byte, i int) (pdf.Value, error) {
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return pdf.Value{}, err
	}
	n := 0
	for s, err := range extract.Iter(rdr, bytes.NewReader(in)) {
		if err != nil {
			return pdf.Value{}, err
		}
		if n == i {
			return s.Object(), nil
		}
		n++
	}
	return pdf.Value{}, fmt.Errorf("signature %d not found", i+1)
}

// run checks the signatures; known holds the SHA-256 digests of some
// signatures' byte ranges already computed (by index), the others are
// hashed in place.
func (c *layer1Check) run(known map[int][]byte) error {
	for i, f := range c.sigs {
		err := cmsIntact(f.r.Contents, func(h crypto.Hash) []byte {
			if d, ok := known[i]; ok && h == crypto.SHA256 {
				return d
			}
			return f.r.Digest(c.in, h)
		})
		if err == nil {
			continue
		}
		if !errors.Is(err, verify.ErrUnsupportedCMS) {
			return workflow.Wrap(workflow.EINVALID, err, "signature %d is not intact; the document was changed after it was signed", i+1)
		}
		// Algorithms cmsIntact does not handle: pdfsign's verifier.
		opts := pverify.DefaultVerifyOptions()
		opts.AllowUntrustedRoots = true
		opts.SkipRevocationCheck = true
		opts.EnableExternalRevocationCheck = false
		obj, err := signatureObject(c.in, i)
		if err != nil {
			return workflow.Wrap(workflow.EINVALID, err, "signature %d is not intact; the document was changed after it was signed", i+1)
		}
		res, err := pverify.VerifySignature(obj, bytes.NewReader(c.in), int64(len(c.in)), opts)
		if err != nil || res == nil || !res.ValidSignature {
			return workflow.Wrap(workflow.EINVALID, err, "signature %d is not intact; the document was changed after it was signed", i+1)
		}
	}
	return nil
}

// normalize prepares an input for layer 1, before anything is signed. The
// result reads in in place: a cut is a subslice, a raised header a
// replaced byte. rdr is the intake's parse of the result, handed on to the
// checks and the engine so that the file is parsed once (a new one when
// the header was raised, which changes what the parser reads).
func normalize(in []byte) (doc docParts, rdr *pdf.Reader, err error) {
	return normalizeFor(in, false)
}

// normalizeFor is normalize that, with unsigned, also refuses an input
// that carries a signature (OfficerLayer.Unsigned).
func normalizeFor(in []byte, unsigned bool) (doc docParts, rdr *pdf.Reader, err error) {
	x, err := inspectToSign(in)
	if err != nil {
		return nil, nil, err
	}
	if x.rebuilt != nil {
		in = x.rebuilt // signed from its rebuilt cross-reference data
	}
	if x.rebuilt == nil && x.info.Signatures == 0 {
		if in, x, err = xrefSound(in, x); err != nil {
			return nil, nil, err
		}
	}
	// A form with fields is flattened; an XFA form beside them (a static,
	// "hybrid" form, whose fields show what its XFA holds) goes with them.
	if x.info.HasAcroForm && !x.info.DynamicXFA && x.info.Signatures == 0 {
		if in, x, err = flattened(in, x); err != nil {
			return nil, nil, err
		}
	}
	if unsigned && x.info.Signatures > 0 {
		return nil, nil, workflow.Wrap(workflow.EUNPROCESSABLE, workflow.ErrPDFSigned, "PDF already carries %d signature(s); an outgoing document is signed here, by the official and then by the agency: upload it as it was before it was signed", x.info.Signatures)
	}
	if k := x.active.first; unsigned && k != "" {
		return nil, nil, workflow.Wrap(workflow.EUNPROCESSABLE, workflow.ErrPDFActive, "PDF contains %s, which readers act on when it is opened and the official's signature would vouch for; print it to PDF and upload the result (a file it embeds, printed to PDF, as an attachment)", k)
	}
	rdr = x.rdr
	doc, raised, err := normalized(in, x)
	if err != nil {
		return nil, nil, err
	}
	if raised {
		if rdr, err = pdf.NewReader(doc, doc.size()); err != nil {
			return nil, nil, unparsable(err)
		}
	}
	return doc, rdr, nil
}

// xrefSound is in (inspected: x), or, when its cross-reference data is
// damaged in a way the engine reads but other readers report (checkXref),
// in with that data made again (inspectRebuilt) and inspected; checkXref's
// error when that cannot be done.
func xrefSound(in []byte, x inspected) ([]byte, inspected, error) {
	xerr := checkXref(x.rdr)
	if xerr == nil {
		return in, x, nil
	}
	y, err := inspectRebuilt(in, true)
	if err != nil {
		return nil, x, xerr
	}
	return y.rebuilt, y, nil
}

// flattened is in (inspected: x) with its form flattened into its pages
// (flattenForm), inspected again; junk before the header is cut first (and
// the cut read again), so that the update's offsets count from the header
// as readers do.
func flattened(in []byte, x inspected) ([]byte, inspected, error) {
	rdr := x.rdr
	if off := x.info.HeaderOffset; off > 0 {
		in = in[off:]
		cut, err := inspectToSign(in)
		if err != nil {
			return nil, x, err
		}
		rdr = cut.rdr
	}
	upd, err := flattenForm(docParts{in}, rdr)
	if err != nil {
		return nil, x, workflow.Wrap(workflow.EUNPROCESSABLE, workflow.ErrPDFForm, "PDF contains fillable form fields that cannot be put into the page before signing (%v); flatten the form (print to PDF) and upload again", err)
	}
	out := append(slices.Clip(in), upd...)
	x, err = inspectToSign(out)
	return out, x, err
}

// normalized is normalize's result for in, inspected (x): the document
// and whether its header was raised.
func normalized(in []byte, x inspected) (docParts, bool, error) {
	info, rdr := x.info, x.rdr
	if info.DynamicXFA {
		return nil, false, workflow.Wrap(workflow.EUNPROCESSABLE, workflow.ErrPDFForm, "PDF is a dynamic XFA form: viewers draw its pages from the form, so its pages are not what they show; print it to PDF and upload the result")
	}
	if info.HasXFA {
		return nil, false, workflow.Wrap(workflow.EUNPROCESSABLE, workflow.ErrPDFForm, "PDF contains an XFA form, which signing would lose; flatten or print it to PDF and upload again")
	}
	if info.HasAcroForm {
		return nil, false, workflow.Wrap(workflow.EUNPROCESSABLE, workflow.ErrPDFForm, "PDF contains fillable form fields, which signing would lose; flatten the form (print to PDF) and upload again")
	}
	// problem is what the engine would write back damaged; repair says an
	// update of our own is to put it right (repair.go).
	var problem error
	repair := false
	if info.Signatures == 0 {
		if problem = checkCatalogRewritable(rdr); problem == nil {
			problem = checkPagesRewritable(rdr)
		}
		repair = problem != nil || sizeAboveHighest(rdr) || trailerUneditable(bytes.NewReader(in[info.HeaderOffset:]), rdr) ||
			len(x.unplaced) > 0 || len(x.reread) > 0 || len(x.empty) > 0
	}
	doc, changed, err := cutAndRaised(in, info)
	if err != nil || !repair {
		return doc, changed, err
	}
	doc, err = repaired(doc, problem, rereads{x.unplaced, x.reread, x.empty})
	return doc, true, err
}

// cutAndRaised is in without what comes before its header and with its
// header raised to 1.5 when it is lower, and whether either changed it.
func cutAndRaised(in []byte, info Info) (docParts, bool, error) {
	if info.HeaderOffset > 0 {
		if info.Signatures > 0 {
			return nil, false, workflow.Errorf(workflow.EUNPROCESSABLE, "signed PDF has data before its header and cannot be signed again")
		}
		in = in[info.HeaderOffset:]
	}
	if info.Signatures == 0 && len(in) > 8 && bytes.HasPrefix(in, []byte("%PDF-1.")) && in[7] < '5' {
		// pdfsign adds /Version /1.5 to the catalog of files whose header is
		// below 1.5, once per signature, beside the catalog's own /Version if
		// it has one: the catalog then has the key twice (qpdf warns). Raising
		// the header (same length) before layer 1 avoids it; the header alone
		// decides, whatever the catalog says (a 1.3 header with /Version /1.5
		// in the catalog is the case the catalog's version does not cover).
		return docParts{in[:7], []byte("5"), in[8:]}, true, nil
	}
	return docParts{in}, false, nil
}

// sizeAboveHighest says whether the trailer's /Size is above the highest
// object number the cross-reference data defines + 1.
func sizeAboveHighest(rdr *pdf.Reader) bool {
	return rdr.Trailer().Key("Size").Int64() > int64(highestObject(rdr))+1
}

// trailerUneditable says whether the engine would write the signed
// update's trailer wrongly. It copies the newest classic trailer as written
// and edits it as text (pdfsign's writeTrailer): "Root n g R", "Size n" and
// "Prev n", each spelled with one space, are replaced, and nothing else
// is. A trailer that spells one otherwise (dvipdfmx, writing PDF 1.4,
// breaks "/Root" and "1 0 R" across lines) kept the old catalog as /Root,
// so that the new one, with the signature field, was unreachable (qpdf:
// "unable to find /Root dictionary"; layer 2 read the file as damaged),
// or kept the old /Size or a second /Prev. repairForEngine's update ends
// with a trailer of our own, spelled as the engine edits it. doc holds
// the bytes rdr reads.
func trailerUneditable(doc io.ReaderAt, rdr *pdf.Reader) bool {
	xi := rdr.XrefInformation
	n := xi.IncludingTrailerEndPos - xi.EndPos
	if xi.Type != "table" || n <= 0 || n > 1<<20 {
		return false
	}
	buf := make([]byte, n)
	if k, _ := doc.ReadAt(buf, xi.EndPos+1); k == 0 {
		return false
	}
	text := string(buf)
	tr := rdr.Trailer()
	root := tr.Key("Root").GetPtr()
	spelled := hasWord(text, fmt.Sprintf("Root %d %d R", root.GetID(), root.GetGen())) &&
		hasWord(text, fmt.Sprintf("Size %d", xi.ItemCount))
	if prev := tr.Key("Prev"); spelled && !prev.IsNull() {
		spelled = hasWord(text, "Prev "+prev.String())
	}
	return !spelled
}

// hasWord says whether w occurs in s not followed by a digit ("Size 27"
// is not in "/Size 270").
func hasWord(s, w string) bool {
	for i := strings.Index(s, w); i >= 0; {
		if end := i + len(w); end == len(s) || s[end] < '0' || s[end] > '9' {
			return true
		}
		next := strings.Index(s[i+1:], w)
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

// repaired is doc with repairForEngine's update appended (fix: the
// objects it lists free or writes again as read), checked again. When the update does not put
// everything right, the error is problem (what the engine would write back
// damaged), or else what is left.
func repaired(doc docParts, problem error, fix rereads) (docParts, error) {
	out, err := withRepair(doc, fix)
	switch {
	case err == nil:
		return out, nil
	case problem != nil:
		return nil, problem
	}
	return nil, workflow.Wrap(workflow.EUNPROCESSABLE, errors.Join(workflow.ErrPDFDamaged, err), "PDF cross-reference data cannot be put right before signing; open and save it again (or print it to PDF) and upload the result")
}

func withRepair(doc docParts, fix rereads) (docParts, error) {
	rdr, err := pdf.NewReader(doc, doc.size())
	if err != nil {
		return nil, unparsable(err)
	}
	upd, err := repairForEngine(doc, rdr, fix)
	if err != nil {
		return nil, err
	}
	out := append(slices.Clip(doc), upd)
	if rdr, err = pdf.NewReader(out, out.size()); err != nil {
		return nil, unparsable(err)
	}
	if err := checkXref(rdr); err != nil {
		return nil, err
	}
	if sizeAboveHighest(rdr) {
		return nil, errors.New("its /Size is still above the highest object number + 1")
	}
	if trailerUneditable(out, rdr) {
		return nil, errors.New("its trailer is still not spelled as the engine edits it")
	}
	if err := checkCatalogRewritable(rdr); err != nil {
		return nil, err
	}
	return out, checkPagesRewritable(rdr)
}

func fit(w, h, bw, bh float64) (float64, float64) {
	if w <= 0 || h <= 0 {
		return bw, bh
	}
	s := min(bw/w, bh/h)
	return w * s, h * s
}

func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// checkXref refuses cross-reference data that the parser tolerates but
// other readers report as damaged (qpdf warns), because the signed file
// would carry the damage: an xref stream whose data does not match its /W
// and /Index, or a trailer /Size below the highest object number + 1 (new
// objects would take the numbers of old ones). A /Size above it, which
// qpdf reports too, repairForEngine puts right.
func checkXref(rdr *pdf.Reader) error {
	damaged := func(format string, args ...any) error {
		return workflow.Errorf(workflow.EUNPROCESSABLE,
			"PDF cross-reference data is damaged (%s); open and save it again (or print it to PDF) and upload the result", fmt.Sprintf(format, args...))
	}
	tr := rdr.Trailer()
	size := tr.Key("Size").Int64()
	highest := highestObject(rdr)
	if size < int64(highest)+1 {
		return damaged("/Size %d, highest object number %d", size, highest)
	}
	if tr.Kind() != pdf.Stream {
		return nil
	}
	wsum := int64(0)
	w := tr.Key("W")
	for i := 0; i < w.Len(); i++ {
		wsum += w.Index(i).Int64()
	}
	entries := int64(0)
	if idx := tr.Key("Index"); idx.Len() > 0 {
		for i := 1; i < idx.Len(); i += 2 {
			entries += idx.Index(i).Int64()
		}
	} else {
		entries = size
	}
	rc := tr.Reader()
	n, _ := io.Copy(io.Discard, rc)
	_ = rc.Close()
	if n != wsum*entries {
		return damaged("xref stream has %d bytes, %d expected", n, wsum*entries)
	}
	return nil
}
