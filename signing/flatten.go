package signing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/digitorus/pdf"
)

// A draft with fillable form fields cannot be signed as it is: pdfsign
// writes the form again with its signature field and drops what else the
// form dictionary holds (/DR, /DA, /NeedAppearances, /XFA), and a signed
// document whose fields can still be typed into is no final text either.
// flattenForm puts each field's appearance, as the draft shows it, into its
// page's content, and takes the fields out of the pages and the form (an
// incremental update of our own, before layer 1): the document reads and
// prints as before, with nothing left to fill in. Signature fields stay.
//
// A text or choice field whose appearance is missing, stale
// (/NeedAppearances) or borrows the form's fonts is drawn with the
// appearance a viewer makes for it (fieldap.go). Refused (the caller's
// message: flatten it yourself): a check box or radio button with a value
// but no appearance to show it by, and what fieldAppearance refuses.

// flattenForm returns the incremental update to doc (read by rdr) that
// flattens its form, or an error saying why it cannot.
func flattenForm(doc docParts, rdr *pdf.Reader) (upd []byte, err error) {
	defer func() {
		if p := recover(); p != nil { // pdfValue's bound: a value inside itself
			err = fmt.Errorf("%v", p)
		}
	}()
	root := rdr.Trailer().Key("Root")
	form := root.Key("AcroForm")
	widgets, sigFields := formWidgets(form)
	u, err := newIncUpdate(doc, doc.size(), rdr)
	if err != nil {
		return nil, err
	}
	fp := &fieldPainter{u: u}
	err = eachPage(root.Key("Pages"), func(page pdf.Value) error { return flattenPage(fp, page, form, widgets) })
	if err == nil {
		err = fp.finish()
	}
	if err != nil {
		return nil, err
	}
	formEntry := ""
	if len(sigFields) > 0 {
		formEntry = "<< /Fields [" + strings.Join(sigFields, " ") + "] >>"
	}
	set := map[string]string{"AcroForm": formEntry}
	if perms, ok := withoutUsageRights(root.Key("Perms")); ok {
		set["Perms"] = perms
	}
	putDict(u, root, set)
	if err := u.finish(); err != nil {
		return nil, err
	}
	return u.buf.Bytes(), nil
}

// withoutUsageRights is the catalog's /Perms p without usage rights
// (/UR3, /UR: the signature with which a form's author enabled Reader's
// form features; flattened, the form has no features to enable, and the
// change would make Reader report that signature broken), "" when nothing
// is left; false when p has none.
func withoutUsageRights(p pdf.Value) (string, bool) {
	if p.Key("UR3").IsNull() && p.Key("UR").IsNull() {
		return "", false
	}
	var keep []string
	for _, k := range p.Keys() {
		if k != "UR3" && k != "UR" {
			if r := p.Key(k).GetPtr(); r.GetID() != p.GetPtr().GetID() {
				keep = append(keep, fmt.Sprintf("%s %d %d R", pdfName(k), r.GetID(), r.GetGen()))
			}
		}
	}
	if len(keep) == 0 {
		return "", true
	}
	return "<< " + strings.Join(keep, " ") + " >>", true
}

// formWidgets returns the widget annotations of the form's fields other
// than signature fields (by object number), and the references of its
// top-level signature fields.
func formWidgets(form pdf.Value) (map[uint32]bool, []string) {
	widgets := map[uint32]bool{}
	var sigs []string
	fields := form.Key("Fields")
	for i := 0; i < fields.Len(); i++ {
		f := fields.Index(i)
		if f.Key("FT").Name() == "Sig" {
			if p := f.GetPtr(); p.GetID() != form.GetPtr().GetID() {
				sigs = append(sigs, fmt.Sprintf("%d %d R", p.GetID(), p.GetGen()))
			}
			continue
		}
		collectWidgets(f, widgets, 0)
	}
	return widgets, sigs
}

// collectWidgets adds the widget annotations of field f's subtree.
func collectWidgets(f pdf.Value, widgets map[uint32]bool, depth int) {
	if depth > maxFieldDepth || f.Kind() != pdf.Dict {
		return
	}
	if f.Key("Subtype").Name() == "Widget" {
		widgets[f.GetPtr().GetID()] = true
	}
	kids := f.Key("Kids")
	for i := 0; i < kids.Len(); i++ {
		collectWidgets(kids.Index(i), widgets, depth+1)
	}
}

// flattenPage draws the page's widgets of form's fields (those in
// widgets) into its content and leaves them out of its /Annots.
func flattenPage(fp *fieldPainter, page, form pdf.Value, widgets map[uint32]bool) error {
	u := fp.u
	annots := page.Key("Annots")
	var keep, draw []string
	xobjects := map[string]string{}
	for i := 0; i < annots.Len(); i++ {
		a := annots.Index(i)
		if a.Kind() != pdf.Dict || !widgets[a.GetPtr().GetID()] || a.GetPtr().GetID() == page.GetPtr().GetID() {
			var w strings.Builder
			pdfValueIn(&w, a, page)
			keep = append(keep, w.String())
			continue
		}
		name := fmt.Sprintf("VanthuField%d", len(xobjects)+1)
		op, ap, err := widgetDrawing(fp, a, form, name)
		if err != nil {
			return fmt.Errorf("page object %d: %w", page.GetPtr().GetID(), err)
		}
		if op != "" {
			xobjects[name], draw = ap, append(draw, op)
		}
	}
	if len(keep) == annots.Len() {
		return nil // no field on this page
	}
	set := map[string]string{"Annots": ""}
	if len(keep) > 0 {
		set["Annots"] = "[" + strings.Join(keep, " ") + "]"
	}
	if len(draw) > 0 {
		q := u.addStream([]byte("q\n"))
		fields := u.addStream([]byte("Q\n" + strings.Join(draw, "\n") + "\n"))
		set["Contents"] = contentsAround(page, q, fields)
		res, err := resourcesWith(page, xobjects)
		if err != nil {
			return err
		}
		set["Resources"] = res
	}
	putDict(u, page, set)
	return nil
}

// widgetDrawing returns the operators that draw widget a's appearance
// (the one a viewer makes for a text or choice field whose appearance is
// missing or stale: made, an object of u) where a sits, as the page's form
// XObject name, and a reference to that appearance; "" for a widget that
// shows nothing.
func widgetDrawing(fp *fieldPainter, a, form pdf.Value, name string) (op, ref string, err error) {
	if f := a.Key("F").Int64(); f&2 != 0 || f&32 != 0 { // hidden, no view
		return "", "", nil
	}
	ap := a.Key("AP").Key("N")
	if ap.Kind() == pdf.Dict {
		ap = ap.Key(a.Key("AS").Name())
	}
	if f := inheritedField(a, form); f.variableText() && appearanceToMake(a, ap, form) {
		return madeDrawing(fp, a, f, name)
	}
	if ap.Kind() != pdf.Stream {
		if hasValue(a) {
			return "", "", errors.New("a form field has a value but no appearance to show it by")
		}
		return "", "", nil
	}
	if ap.Key("Resources").Kind() != pdf.Dict && usesFont(ap) {
		// Viewers lend such an appearance the form's /DR fonts; drawn
		// from the page it would find the page's, or none.
		return "", "", errors.New("a form field's appearance sets a font but has no resources of its own")
	}
	r := a.Key("Rect")
	if r.Len() != 4 {
		return "", "", errors.New("a form field has no rectangle")
	}
	x1, y1, x2, y2 := r.Index(0).Float64(), r.Index(1).Float64(), r.Index(2).Float64(), r.Index(3).Float64()
	rect := [4]float64{min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)}
	box, ok := transformedBBox(ap)
	if !ok || rect[2] <= rect[0] || rect[3] <= rect[1] {
		return "", "", nil // nothing a viewer would draw either
	}
	// ISO 32000 12.5.5: the appearance's box, through its /Matrix, is
	// mapped onto the annotation's rectangle; Do applies /Matrix itself.
	sx, sy := (rect[2]-rect[0])/(box[2]-box[0]), (rect[3]-rect[1])/(box[3]-box[1])
	m := []float64{sx, 0, 0, sy, rect[0] - box[0]*sx, rect[1] - box[1]*sy}
	var nums []string
	for _, v := range m {
		nums = append(nums, fmtNum(v))
	}
	p := ap.GetPtr()
	return fmt.Sprintf("q %s cm /%s Do Q", strings.Join(nums, " "), name), fmt.Sprintf("%d %d R", p.GetID(), p.GetGen()), nil
}

// appearanceToMake says whether widget a of a text or choice field is
// drawn with the appearance a viewer makes rather than its stored one ap:
// the form says the stored ones are stale, a has a value but none, or its
// own sets a font it has no resources for.
func appearanceToMake(a, ap, form pdf.Value) bool {
	switch {
	case form.Key("NeedAppearances").Bool():
		return true
	case ap.Kind() != pdf.Stream:
		return hasValue(a)
	}
	return ap.Key("Resources").Kind() != pdf.Dict && usesFont(ap)
}

// madeDrawing is widgetDrawing for the appearance a viewer makes for
// widget a of field f (fieldAppearance), written as a new object of u.
func madeDrawing(fp *fieldPainter, a pdf.Value, f fieldAttrs, name string) (op, ref string, err error) {
	ops, w, h, err := fp.fieldAppearance(a, f)
	if err != nil || w <= 0 || h <= 0 || len(ops) == 0 {
		return "", "", err
	}
	r := a.Key("Rect")
	x := min(r.Index(0).Float64(), r.Index(2).Float64())
	y := min(r.Index(1).Float64(), r.Index(3).Float64())
	n := fp.u.addStreamDict(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %s %s]%s", fmtNum(w), fmtNum(h), fp.resources()), ops)
	return fmt.Sprintf("q 1 0 0 1 %s %s cm /%s Do Q", fmtNum(x), fmtNum(y), name), fmt.Sprintf("%d 0 R", n), nil
}

// usesFont says whether appearance stream x sets a font (Tf), reading at
// most 1 MiB of it.
func usesFont(x pdf.Value) bool {
	rc := x.Reader()
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
	return bytes.Contains(b, []byte("Tf"))
}

// transformedBBox is the bounding box of form XObject x's /BBox through
// its /Matrix; false when it has no area.
func transformedBBox(x pdf.Value) ([4]float64, bool) {
	b := x.Key("BBox")
	if b.Len() != 4 {
		return [4]float64{}, false
	}
	m := mat{1, 0, 0, 1, 0, 0}
	if mm := x.Key("Matrix"); mm.Len() == 6 {
		for i := range m {
			m[i] = mm.Index(i).Float64()
		}
	}
	out := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, c := range [][2]int{{0, 1}, {0, 3}, {2, 1}, {2, 3}} {
		x, y := m.apply(b.Index(c[0]).Float64(), b.Index(c[1]).Float64())
		out = [4]float64{min(out[0], x), min(out[1], y), max(out[2], x), max(out[3], y)}
	}
	return out, out[2] > out[0] && out[3] > out[1]
}

// hasValue says whether widget a's field (a itself or a parent) holds a
// value a viewer would show.
func hasValue(a pdf.Value) bool {
	for f, d := a, 0; f.Kind() == pdf.Dict && d <= maxFieldDepth; f, d = f.Key("Parent"), d+1 {
		switch v := f.Key("V"); v.Kind() {
		case pdf.Null:
			continue
		case pdf.String:
			return v.RawString() != ""
		case pdf.Name:
			return v.Name() != "Off"
		default:
			return true
		}
	}
	return false
}

// contentsAround is page's /Contents with stream q first (it saves the
// graphics state) and stream fields last (it restores it, then draws the
// fields), so that what the page's own content leaves in the state does
// not move them.
func contentsAround(page pdf.Value, q, fields uint32) string {
	refs := []string{fmt.Sprintf("%d 0 R", q)}
	c := page.Key("Contents")
	if c.Kind() == pdf.Array {
		for i := 0; i < c.Len(); i++ {
			p := c.Index(i).GetPtr()
			refs = append(refs, fmt.Sprintf("%d %d R", p.GetID(), p.GetGen()))
		}
	} else if p := c.GetPtr(); c.Kind() == pdf.Stream {
		refs = append(refs, fmt.Sprintf("%d %d R", p.GetID(), p.GetGen()))
	}
	return "[" + strings.Join(append(refs, fmt.Sprintf("%d 0 R", fields)), " ") + "]"
}

// resourcesWith is the page's resources (its own, or those it inherits)
// written out with the form XObjects xobjects added.
func resourcesWith(page pdf.Value, xobjects map[string]string) (string, error) {
	res, holder := pdf.Value{}, page
	for n, d := page, 0; n.Kind() == pdf.Dict && d <= maxPageDepth; n, d = n.Key("Parent"), d+1 {
		if r := n.Key("Resources"); r.Kind() == pdf.Dict {
			res, holder = r, n
			break
		}
	}
	if r := res.GetPtr(); r.GetID() != holder.GetPtr().GetID() {
		holder = res // an object of its own
	}
	var w strings.Builder
	w.WriteString("<<")
	for _, k := range res.Keys() {
		if k == "XObject" {
			continue
		}
		w.WriteString(" " + pdfName(k) + " ")
		pdfValueIn(&w, res.Key(k), holder)
	}
	w.WriteString(" /XObject <<")
	x := res.Key("XObject")
	if p := x.GetPtr(); p.GetID() != holder.GetPtr().GetID() {
		holder = x // an object of its own
	}
	for _, k := range x.Keys() {
		if _, taken := xobjects[k]; taken {
			return "", fmt.Errorf("the page already names an XObject /%s", k)
		}
		w.WriteString(" " + pdfName(k) + " ")
		pdfValueIn(&w, x.Key(k), holder)
	}
	for _, k := range slices.Sorted(mapKeys(xobjects)) {
		w.WriteString(" /" + k + " " + xobjects[k])
	}
	w.WriteString(" >> >>")
	return w.String(), nil
}
