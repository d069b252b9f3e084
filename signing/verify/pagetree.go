package verify

import (
	"fmt"
	"maps"
	"slices"
)

// A page tree that readers read otherwise than it is written, which
// RebuildXref writes again as they read it (pageTreeFixes):
//   - a node's /Count other than the number of pages below it, or none:
//     viewers count the pages (poppler trusts /Count and shows pages that
//     are not there, or none at all; qpdf and mupdf count), and the signing
//     engine, which trusts it, puts the stamps on another page;
//   - a /Kids entry that is not a reference (null, a number): readers
//     step over it (poppler: "Kid object is not an indirect reference");
//     the engine counts it as a page. (A reference to an object that is
//     not in the file stays: RebuildXref refuses a file missing a page.)
//   - a page without /Type /Page (a node without /Kids: poppler and mupdf
//     take it for a page, qpdf warns, the engine finds no page), a node
//     without /Type /Pages;
//   - a page or node whose /Parent is not the node that lists it, or that
//     has none (pdfcpu refuses the file; a viewer walking up for inherited
//     values reads another node's);
//   - a page without a /MediaBox, its own or inherited: readers take US
//     Letter (poppler, mupdf, pdf.js), which is written.

// letter is the page box readers take when a page has none.
var letter = []object{int64(0), int64(0), int64(612), int64(792)}

// pageTreeFixes walks st's page tree as readers take it and returns the
// nodes to write again, by number, and what the first of them gets wrong;
// none when the tree is sound (or not a tree the walk can follow: the
// precheck refuses cycles and sharing).
func (st *state) pageTreeFixes() (fixes map[int]dict, why string) {
	root, ok := st.root()["Pages"].(ref)
	if !ok {
		return nil, ""
	}
	w := pageWalk{st: st}
	w.node(root, ref{}, false, 0)
	// Every node read spends the file's work budget (state.get): a tree
	// that shares nodes, which a scan may find in a damaged file (the
	// precheck refuses it in the file's own), ends the walk there.
	if len(w.fixes) == 0 || w.direct || st.f.bud.err != nil {
		return nil, ""
	}
	return w.fixes, w.why
}

type pageWalk struct {
	st    *state
	fixes map[int]dict
	why   string
	// direct says that a /Kids entry is a dictionary, not a reference
	// (readers differ: poppler steps over it): the tree is left as it is.
	direct bool
}

// fix sets key to v in a copy of object r's dictionary d.
func (w *pageWalk) fix(r ref, d dict, key string, v object, why string) {
	f, ok := w.fixes[r.Num]
	if !ok {
		if w.fixes == nil {
			w.fixes = map[int]dict{}
		}
		f = maps.Clone(d)
		w.fixes[r.Num] = f
	}
	if w.why == "" {
		w.why = fmt.Sprintf("the page tree: object %d %s", r.Num, why)
	}
	f[key] = v
}

// node walks the node or page r under parent (none, number 0, for the
// root), boxed when it inherits a /MediaBox, and returns the number of
// pages it holds.
func (w *pageWalk) node(r ref, parent ref, boxed bool, depth int) int {
	o, _ := w.st.get(r.Num) // not resolve(r): a reference boxed is an allocation
	d, ok := o.(dict)
	if !ok || depth > w.st.f.lim.MaxDepth {
		return 0
	}
	if pr, ok := d["Parent"].(ref); parent.Num > 0 && (!ok || pr != parent) {
		w.fix(r, d, "Parent", parent, fmt.Sprintf("is listed by object %d, and its /Parent is %s", parent.Num, countText(d["Parent"])))
	}
	boxed = boxed || d["MediaBox"] != nil
	kids, isNode := w.st.resolve(d["Kids"]).([]object)
	typ := asName(w.st.resolve(d["Type"]))
	if typ == "Page" || (!isNode && d["Kids"] == nil) {
		if typ != "Page" {
			w.fix(r, d, "Type", name("Page"), "is a page without /Type /Page")
		}
		if !boxed {
			w.fix(r, d, "MediaBox", slices.Clone(letter), "is a page without a /MediaBox")
		}
		return 1
	}
	if typ != "Pages" {
		w.fix(r, d, "Type", name("Pages"), "is a node without /Type /Pages")
	}
	var kept []object // the references, when kids holds anything else
	count := 0
	for i, k := range kids {
		if _, isDict := k.(dict); isDict {
			w.direct = true
		}
		kr, isRef := k.(ref)
		if !isRef && kept == nil {
			kept = slices.Clone(kids[:i])
		}
		if !isRef {
			continue // null, a number: names no page
		}
		if kept != nil {
			kept = append(kept, kr)
		}
		count += w.node(kr, r, boxed, depth+1)
	}
	if kept != nil {
		w.fix(r, d, "Kids", kept, fmt.Sprintf("has %d /Kids entries that are no reference to a page or node", len(kids)-len(kept)))
	}
	if n, ok := w.st.resolve(d["Count"]).(int64); !ok || n != int64(count) {
		w.fix(r, d, "Count", int64(count), fmt.Sprintf("has /Count %s, and %d pages below it", countText(d["Count"]), count))
	}
	return count
}

// countText is a value as a damage message quotes it.
func countText(o object) string {
	switch v := o.(type) {
	case nil:
		return "missing"
	case ref:
		return v.String() + " R"
	}
	return fmt.Sprintf("%v", o)
}
