package signing

import (
	"fmt"
	"strings"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/workflow"
)

// A visible signature makes pdfsign's engine write its page again, from
// the parsed values (createIncPageUpdate): /Parent, /Contents and /Annots
// as "N 0 R" from each value's object number, every other entry as the
// parser prints it (Value.String). Written so, some pages come out
// damaged, and the damage is signed: a page, parent or content stream
// whose generation is not 0 is lost from the page tree; an /Annots entry
// that is not a reference (null, a direct dictionary) becomes a reference
// to the page itself, and one to a missing object "0 0 R"; a stream the
// page refers to (/Metadata, /Thumb) is printed as "<<...>>@offset"; a
// string inside a dictionary is printed between parentheses unescaped, a
// name with delimiters as its raw bytes, and a string of non-ASCII bytes
// re-encoded as UTF-16. Layer 2 then could not read the page (or, on a
// page that names itself, recursed until the worker's stack overflowed).
// Which page carries the signature can change until the official signs
// (the layout), so every page of a draft is checked before layer 1.

// The engine writes the catalog again too (createCatalog): every entry but
// /Type and /AcroForm as it parses it, references by object number and
// generation, a string between parentheses unescaped, a name as its raw
// bytes, a value that refers to the catalog itself over and over until the
// stack overflows (a fatal error: the signing worker dies); and the form's
// /Fields as "N 0 R", leaving out a field that is not a reference.

// normalized puts right what it can of what these checks find with an
// update of its own (repair.go) and runs them again on the result: what
// they still find is refused.

// maxPageDepth bounds the walk of the page tree and of a page's direct
// values (a value that refers to its own object would never end).
const maxPageDepth = 32

// checkPagesRewritable refuses (EUNPROCESSABLE) a document with a page that
// the engine would write back damaged.
func checkPagesRewritable(rdr *pdf.Reader) error {
	pg := 0
	return eachPage(rdr.Trailer().Key("Root").Key("Pages"), func(page pdf.Value) error {
		pg++
		if why := pageRewriteProblem(page); why != "" {
			return workflow.Errorf(workflow.EUNPROCESSABLE,
				"PDF page %d cannot be signed without damaging it (%s); print it to PDF (or export it again) and upload the result", pg, why)
		}
		return nil
	})
}

// checkCatalogRewritable refuses (EUNPROCESSABLE) a document whose catalog
// the engine would write back damaged.
func checkCatalogRewritable(rdr *pdf.Reader) error {
	root := rdr.Trailer().Key("Root")
	rid := root.GetPtr().GetID()
	why := ""
	for _, k := range root.Keys() {
		switch k {
		case "Type":
		case "AcroForm":
			if f := root.Key(k).Key("Fields"); f.Kind() == pdf.Array {
				why = refList("AcroForm /Fields", f, rid)
			}
		default:
			if pdfName(k) != "/"+k {
				why = fmt.Sprintf("its key %s has delimiters", pdfName(k))
			} else if w := printedProblem(root.Key(k), &holder{id: rid}, 1); w != "" {
				why = fmt.Sprintf("its %s %s", pdfName(k), w)
			}
		}
		if why != "" {
			return workflow.Errorf(workflow.EUNPROCESSABLE,
				"PDF document catalog cannot be signed without damaging it (%s); print it to PDF (or export it again) and upload the result", why)
		}
	}
	return nil
}

// pageRewriteProblem says what of page the engine would write wrongly, or
// "" when it would write the page faithfully.
func pageRewriteProblem(page pdf.Value) string {
	pp := page.GetPtr()
	if pp.GetGen() != 0 {
		return fmt.Sprintf("the page is object %d of generation %d", pp.GetID(), pp.GetGen())
	}
	for _, k := range page.Keys() {
		v := page.Key(k)
		if pdfName(k) != "/"+k {
			// The engine prints a key as it is: written so, the page
			// would not read (a '#' not followed by two hexadecimal
			// digits: the agency's signature could not go on it).
			return fmt.Sprintf("its key %s has delimiters", pdfName(k))
		}
		switch k {
		case "Parent":
			if g := v.GetPtr().GetGen(); g != 0 {
				return fmt.Sprintf("its /Parent is of generation %d", g)
			}
		case "Contents", "Annots":
			if why := refList(k, v, pp.GetID()); why != "" {
				return why
			}
		default:
			if v.Kind() == pdf.String {
				if !printableASCII(v.RawString()) {
					return fmt.Sprintf("its /%s is a string of bytes other than ASCII", k)
				}
				continue
			}
			if why := printedProblem(v, pageValueHolder(page, v), 0); why != "" {
				return fmt.Sprintf("its %s %s", pdfName(k), why)
			}
		}
	}
	return ""
}

// refList checks /Contents or /Annots (key), which the engine writes as
// references only: an object of generation 0, or an array of them.
func refList(key string, v pdf.Value, page uint32) string {
	if v.Kind() != pdf.Array {
		if key == "Annots" && v.IsNull() {
			return ""
		}
		return refProblem(key, v, page, page)
	}
	for i := 0; i < v.Len(); i++ {
		if why := refProblem(key, v.Index(i), page, v.GetPtr().GetID()); why != "" {
			return why
		}
	}
	return ""
}

func refProblem(key string, e pdf.Value, page, container uint32) string {
	p := e.GetPtr()
	switch {
	case p.GetID() == 0:
		return fmt.Sprintf("its /%s refers to an object that does not exist", key)
	case p.GetID() == page || p.GetID() == container:
		return fmt.Sprintf("its /%s holds a %s where a reference belongs", key, kindName(e))
	case p.GetGen() != 0:
		return fmt.Sprintf("its /%s refers to object %d of generation %d", key, p.GetID(), p.GetGen())
	}
	return ""
}

// pageValueHolder is the holder of v, a page's value as the engine prints
// it (Value.String, which resolves v itself and prints the references in
// it as references, the page's own included): the page when v is direct,
// else v's own object.
func pageValueHolder(page, v pdf.Value) *holder {
	if v.GetPtr().GetID() == page.GetPtr().GetID() {
		return &holder{id: page.GetPtr().GetID(), self: page}
	}
	return &holder{id: v.GetPtr().GetID(), self: v}
}

// printedProblem checks what the engine would print for v, a value held
// in h (references are printed as such, with their generation). A
// reference to h itself is one only when h knows itself (a page's values:
// Value.String prints it as such); the catalog's writer follows it, for
// ever.
func printedProblem(v pdf.Value, h *holder, depth int) string {
	if p := v.GetPtr(); depth > 0 && (p.GetID() != h.id || h.refersToSelf(v)) {
		return ""
	}
	if depth > maxPageDepth {
		return "nests too deep, or refers to its own object"
	}
	switch v.Kind() {
	case pdf.Stream:
		return "is a stream"
	case pdf.String:
		if strings.ContainsAny(v.RawString(), "()\\\r") {
			return "holds a string with parentheses or backslashes"
		}
	case pdf.Name:
		if pdfName(v.Name()) != "/"+v.Name() {
			return fmt.Sprintf("holds the name %s, with delimiters", pdfName(v.Name()))
		}
	case pdf.Array:
		for i := 0; i < v.Len(); i++ {
			if why := printedProblem(v.Index(i), h, depth+1); why != "" {
				return why
			}
		}
	case pdf.Dict:
		for _, k := range v.Keys() {
			if pdfName(k) != "/"+k {
				return fmt.Sprintf("holds the key %s, with delimiters", pdfName(k))
			}
			if why := printedProblem(v.Key(k), h, depth+1); why != "" {
				return why
			}
		}
	}
	return ""
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func kindName(v pdf.Value) string {
	switch v.Kind() {
	case pdf.Null:
		return "null"
	case pdf.Dict:
		return "dictionary"
	case pdf.Array:
		return "array"
	}
	return "direct value"
}
