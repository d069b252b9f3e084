package signing

import (
	"errors"
	"fmt"
	"strings"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/signing/verify"
)

// What checkPagesRewritable and checkCatalogRewritable find is, most of
// the time, put right before layer 1 by an incremental update of our own
// (repairForEngine), written with pdfValue, which writes every value as
// it is: the engine then reads the repaired objects and writes them back
// faithfully. Nothing of the document's content changes:
//   - a direct value of the catalog that the engine would print wrongly
//     (a string with parentheses in /OutputIntents) moves to an object of
//     its own, which the engine writes as a reference;
//   - on a page, such a value keeps its place, with each of its entries
//     that the engine would print wrongly moved to an object of its own
//     (the engine prints a page's values one level deep);
//   - an /Annots entry that is a direct dictionary moves to an object of
//     its own; one that is null, or refers to no object, is left out (it
//     names no annotation);
//   - a page's thumbnail image (/Thumb, which viewers make again from the
//     page when it is missing) is left out: the engine cannot write a
//     stream in the page;
//   - a trailer /Size above the highest object number + 1 (a writer's
//     cross-reference stream that does not list itself) is made exact, so
//     that the signed file's is too;
//   - an object listed in use at offset 0 or past the end of the file,
//     which no reader finds (macOS's Quartz PDFContext lists numbers it
//     never wrote so: verify.PrecheckFindings), is listed free, so that
//     qpdf does not report the signed file for it;
//   - an object that readers take otherwise than it is written (a
//     dictionary with a key twice, an empty object: verify.Findings.Reread)
//     is written again as they take it (the last value of a repeated key;
//     null), for the same reason.
//
// A value that refers to the object holding it (a page's action going to
// the page, /SeparationInfo naming its page, a catalog entry naming the
// catalog) is written by pdfValueIn as the reference it is (holder).
//
// What stays refused: a page, parent or content stream whose generation is
// not 0 (objects other objects refer to by that generation), a key with
// delimiters, a page string of bytes other than ASCII, any other stream in
// the page (/Metadata), form fields that are not references.

// repairForEngine returns the incremental update to doc (read by rdr) that
// puts its catalog and pages in the form the engine writes back faithfully,
// or an error saying what cannot be put so.
// rereads are the objects repairForEngine lists free or writes again as
// readers take them (verify.Findings).
type rereads struct {
	unplaced, dupKeys, empty []verify.Unplaced
}

func repairForEngine(doc docParts, rdr *pdf.Reader, fix rereads) (upd []byte, err error) {
	defer func() {
		if p := recover(); p != nil { // pdfValue's bound: a value inside itself
			err = fmt.Errorf("%v", p)
		}
	}()
	u, err := newIncUpdate(doc, doc.size(), rdr)
	if err != nil {
		return nil, err
	}
	if rdr.XrefInformation.Type != "stream" && sizeAboveHighest(rdr) {
		// A table lists only what it defines: define the object just below
		// /Size, which no object holds. (A stream lists itself, the update's
		// highest object.)
		u.put(u.next-1, 0, "null")
	}
	for _, o := range fix.unplaced {
		u.free(uint32(o.Num), o.Gen+1)
	}
	// Before the catalog's and the pages' repairs, which write theirs
	// again over these.
	for _, o := range fix.empty {
		u.put(uint32(o.Num), o.Gen, "null")
	}
	for _, o := range fix.dupKeys {
		if body, ok := asRead(rdr, uint32(o.Num)); ok {
			u.put(uint32(o.Num), o.Gen, body)
		}
	}
	root := rdr.Trailer().Key("Root")
	set, err := catalogRepairs(u, root)
	if err != nil {
		return nil, err
	}
	if len(set) > 0 {
		putDict(u, root, set)
	}
	err = eachPage(root.Key("Pages"), func(page pdf.Value) error {
		set, err := pageRepairs(u, page)
		if len(set) > 0 {
			putDict(u, page, set)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := u.finish(); err != nil {
		return nil, err
	}
	return u.buf.Bytes(), nil
}

// asRead is object num, a dictionary or an array with a dictionary in
// it, as rdr reads it, written out: each dictionary with each key once
// (the last value of a repeated one, as rdr and other readers keep). An
// object of another kind (a stream), or one rdr cannot read, is not
// written (false).
func asRead(rdr *pdf.Reader, num uint32) (body string, ok bool) {
	defer func() {
		if recover() != nil { // the parser's, or pdfValue's bound
			body, ok = "", false
		}
	}()
	v, err := rdr.GetObject(num)
	if err != nil {
		return "", false
	}
	var w strings.Builder
	switch v.Kind() {
	case pdf.Dict:
		pdfDict(&w, v, num, nil)
	case pdf.Array:
		pdfValue(&w, v, num)
	default:
		return "", false
	}
	return w.String(), true
}

// putDict writes dictionary object v again, with the entries of set.
func putDict(u *incUpdate, v pdf.Value, set map[string]string) {
	var w strings.Builder
	p := v.GetPtr()
	pdfDict(&w, v, p.GetID(), set)
	u.put(p.GetID(), int(p.GetGen()), w.String())
}

// eachPage calls fn with each page of the tree under node, in order.
func eachPage(node pdf.Value, fn func(pdf.Value) error) error {
	var walk func(node pdf.Value, depth int) error
	walk = func(node pdf.Value, depth int) error {
		if depth > maxPageDepth || node.Kind() != pdf.Dict {
			return nil
		}
		if node.Key("Type").Name() != "Pages" {
			return fn(node)
		}
		kids := node.Key("Kids")
		for i := 0; i < kids.Len(); i++ {
			if err := walk(kids.Index(i), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(node, 0)
}

// catalogRepairs moves each direct value of the catalog root that the
// engine would print wrongly to an object of u, and returns the entries to
// set.
func catalogRepairs(u *incUpdate, root pdf.Value) (map[string]string, error) {
	rid := root.GetPtr().GetID()
	set := map[string]string{}
	for _, k := range root.Keys() {
		if k == "Type" || k == "AcroForm" {
			continue // the engine writes its own
		}
		v := root.Key(k)
		if pdfName(k) != "/"+k {
			return nil, fmt.Errorf("the catalog's key %s has delimiters", pdfName(k))
		}
		if printedProblem(v, &holder{id: rid}, 1) != "" {
			set[k] = moved(u, v, root)
		}
	}
	return set, nil
}

// moved writes v, a direct value of object in, as an object of u and
// returns the reference to it.
func moved(u *incUpdate, v, in pdf.Value) string {
	var w strings.Builder
	pdfValueIn(&w, v, in)
	return fmt.Sprintf("%d 0 R", u.add(w.String()))
}

// pageRepairs returns the entries to set on page so that the engine
// writes it back faithfully, having written what moves to objects of u;
// nil when the page needs none.
func pageRepairs(u *incUpdate, page pdf.Value) (map[string]string, error) {
	pp := page.GetPtr()
	if pageRewriteProblem(page) == "" {
		return nil, nil
	}
	if pp.GetGen() != 0 {
		return nil, fmt.Errorf("the page is object %d of generation %d", pp.GetID(), pp.GetGen())
	}
	set := map[string]string{}
	for _, k := range page.Keys() {
		v := page.Key(k)
		switch {
		case k == "Parent" || k == "Contents":
			continue // a problem here stays: the check says what
		case k == "Annots":
			if refList(k, v, pp.GetID()) != "" {
				s, err := annotsRepaired(u, v, page)
				if err != nil {
					return nil, err
				}
				set[k] = s
			}
		case k == "Thumb" && v.Kind() == pdf.Stream:
			set[k] = "" // left out
		case v.Kind() == pdf.String || v.Kind() == pdf.Stream || pdfName(k) != "/"+k:
			continue // a problem here stays
		default:
			if h := pageValueHolder(page, v); printedProblem(v, h, 0) != "" {
				s, err := shallow(u, v, h)
				if err != nil {
					return nil, fmt.Errorf("its %s %w", pdfName(k), err)
				}
				set[k] = s
			}
		}
	}
	return set, nil
}

// annotsRepaired writes a page's /Annots (v) as references only: a direct
// dictionary moved to an object of u, null (or a reference to no object,
// or to the page itself, or a direct value that is no dictionary) left
// out.
func annotsRepaired(u *incUpdate, v, pageValue pdf.Value) (string, error) {
	if v.Kind() != pdf.Array {
		return "", errors.New("its /Annots is not an array")
	}
	page, container := pageValue.GetPtr().GetID(), v.GetPtr().GetID()
	self := &holder{id: page, self: pageValue}
	var refs []string
	for i := 0; i < v.Len(); i++ {
		e := v.Index(i)
		p := e.GetPtr()
		switch {
		case e.Kind() == pdf.Null || p.GetID() == page && self.refersToSelf(e):
		case p.GetID() != 0 && p.GetID() != page && p.GetID() != container:
			if p.GetGen() != 0 {
				return "", fmt.Errorf("its /Annots refers to object %d of generation %d", p.GetID(), p.GetGen())
			}
			refs = append(refs, fmt.Sprintf("%d 0 R", p.GetID()))
		case e.Kind() == pdf.Dict && p.GetID() == page:
			refs = append(refs, moved(u, e, pageValue))
		case e.Kind() == pdf.Dict:
			refs = append(refs, moved(u, e, v))
		case p.GetID() == 0 || p.GetID() == page || p.GetID() == container:
			// A direct number, name, string or array: it names no
			// annotation, and readers step over it.
		default:
			return "", fmt.Errorf("its /Annots holds a %s", kindName(e))
		}
	}
	return "[" + strings.Join(refs, " ") + "]", nil
}

// shallow writes v, a dictionary or an array the engine prints one level
// deep, held in h, with each direct entry it would print wrongly moved to
// an object of u.
func shallow(u *incUpdate, v pdf.Value, h *holder) (string, error) {
	var w strings.Builder
	entry := func(e pdf.Value) {
		if printedProblem(e, h, 1) != "" {
			w.WriteString(moved(u, e, h.self))
		} else {
			pdfValueIn(&w, e, h.self)
		}
	}
	switch v.Kind() {
	case pdf.Dict:
		w.WriteString("<<")
		for _, k := range v.Keys() {
			if pdfName(k) != "/"+k {
				return "", fmt.Errorf("holds the key %s, with delimiters", pdfName(k))
			}
			w.WriteString(" " + pdfName(k) + " ")
			entry(v.Key(k))
		}
		w.WriteString(" >>")
	case pdf.Array:
		w.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			w.WriteString(" ")
			entry(v.Index(i))
		}
		w.WriteString(" ]")
	default:
		return "", fmt.Errorf("is a %s", kindName(v))
	}
	return w.String(), nil
}

// highestObject is the highest object number the cross-reference data
// defines.
func highestObject(rdr *pdf.Reader) int {
	highest := 0
	for i, x := range rdr.Xref() {
		if x.Ptr().GetID() != 0 {
			highest = i
		}
	}
	return highest
}
