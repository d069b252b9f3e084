package verify

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// analyzer classifies what each incremental update changed. Results per
// update are cached: every signature shares the updates after it.
type analyzer struct {
	f     *pdfFile
	cache map[int][]Change // by section index
}

func newAnalyzer(f *pdfFile) *analyzer { return &analyzer{f: f, cache: map[int][]Change{}} }

// laterChanges lists the changes made by the updates written after byte
// offset end (the end of a signature's byte range), oldest update first.
func (a *analyzer) laterChanges(end int64) []Change {
	f := a.f
	out := []Change{}
	if f.damaged != "" {
		out = append(out, Change{Object: "cross-reference data", Kind: KindStructure, Allowed: false,
			Detail: "the cross-reference data is damaged (" + f.damaged + "); later updates cannot be analysed"})
		return out
	}
	// The revision this signature covers ends with the last startxref
	// before end; a reader must still see it through the /Prev chain,
	// otherwise a later update has replaced the signed revision wholesale.
	if x, err := lastStartxref(f.b[:end]); err == nil {
		found := false
		for _, s := range f.sections {
			if s.off == x || s.off == x+int64(f.hdr) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, Change{Object: "cross-reference chain", Kind: KindStructure, Allowed: false,
				Detail: "the signed revision is no longer part of the document's cross-reference chain"})
		}
	}
	later := 0
	for k := len(f.sections) - 1; k >= 0; k-- {
		s := f.sections[k]
		if s.off < end {
			continue
		}
		later++
		if k == len(f.sections)-1 {
			// The oldest section in the chain lies after the signed
			// bytes: the signed revision is not an ancestor at all.
			out = append(out, Change{Object: "cross-reference chain", Kind: KindStructure, Allowed: false,
				Detail: "an update after the signature does not build on the signed revision"})
			continue
		}
		ch, ok := a.cache[k]
		if !ok {
			ch = a.section(k)
			a.cache[k] = ch
		}
		out = append(out, ch...)
	}
	if later == 0 && end < int64(len(f.b)) {
		if tail := bytes.TrimSpace(bytes.ReplaceAll(f.b[end:], []byte("%%EOF"), nil)); len(tail) > 0 {
			out = append(out, Change{Object: fmt.Sprintf("bytes %d-%d", end, len(f.b)), Kind: KindOther, Allowed: false,
				Detail: fmt.Sprintf("%d bytes follow the signed range without being a readable incremental update", len(f.b)-int(end))})
		}
	}
	return out
}

// updateCtx holds what classification of one update needs.
type updateCtx struct {
	oldS, newS         *state
	sec                *section
	oldPages, newPages []int
	oldPageSet         map[int]bool
	newPageSet         map[int]bool
	treeNodes          map[int]bool // /Pages nodes, old or new
	contents           map[int]bool // content streams (and indirect content arrays), old or new
	annotsArrays       map[int]bool // indirect /Annots arrays in the new state
	fieldsArrays       map[int]bool
	acroForms          map[int]bool
	oldRoot, newRoot   int
	apReach, dssReach  map[int]bool
	infoNum            int
	changed            map[int]bool
}

func (a *analyzer) section(k int) []Change {
	f := a.f
	c := &updateCtx{oldS: f.states[k+1], newS: f.states[k], sec: f.sections[k]}
	c.oldRoot = refNum(c.oldS.trailer["Root"])
	c.newRoot = refNum(c.newS.trailer["Root"])
	c.infoNum = refNum(c.newS.trailer["Info"])
	c.treeNodes = map[int]bool{}
	c.contents = map[int]bool{}
	c.annotsArrays = map[int]bool{}
	c.fieldsArrays = map[int]bool{}
	c.acroForms = map[int]bool{}
	c.oldPages = pageList(c.oldS, c.treeNodes, c.contents, nil)
	c.newPages = pageList(c.newS, c.treeNodes, c.contents, c.annotsArrays)
	c.oldPageSet = setOf(c.oldPages)
	c.newPageSet = setOf(c.newPages)
	for _, st := range []*state{c.oldS, c.newS} {
		if r, ok := st.root()["AcroForm"].(ref); ok {
			c.acroForms[r.Num] = true
		}
		if r, ok := st.dictOf(st.root()["AcroForm"])["Fields"].(ref); ok {
			c.fieldsArrays[r.Num] = true
		}
	}

	// The objects this update writes that differ from the previous state.
	var nums []int
	for num, e := range c.sec.entries {
		if num == 0 {
			continue
		}
		if old, ok := c.oldS.entries[num]; ok && old == e {
			continue
		}
		nums = append(nums, num)
	}
	sort.Ints(nums)
	c.changed = setOf(nums)

	// Objects reachable from the appearance streams of annotations this
	// update adds or changes, and from the DSS.
	c.apReach = map[int]bool{}
	c.dssReach = map[int]bool{}
	for _, num := range nums {
		o, _ := c.newS.get(num)
		if d := asDict(o); d != nil && isAnnot(d) && d["AP"] != nil {
			reach(c.newS, d["AP"], c.apReach, 0)
		}
	}
	if dss := c.newS.root()["DSS"]; dss != nil {
		reach(c.newS, dss, c.dssReach, 0)
	}

	var out []Change
	for _, num := range nums {
		if ch, ok := c.classify(num); ok {
			out = append(out, ch)
		}
	}
	if !slices.Equal(c.oldPages, c.newPages) {
		out = append(out, Change{Object: "page tree", Kind: KindPage, Allowed: false,
			Detail: fmt.Sprintf("pages were added, removed or reordered (%d pages before, %d after)", len(c.oldPages), len(c.newPages))})
	}
	return out
}

func refNum(o object) int {
	if r, ok := o.(ref); ok {
		return r.Num
	}
	return -1
}

func setOf(nums []int) map[int]bool {
	m := make(map[int]bool, len(nums))
	for _, n := range nums {
		m[n] = true
	}
	return m
}

// pageList returns the page object numbers in order, recording the page
// tree nodes and content streams it meets.
func pageList(st *state, nodes, contents, annots map[int]bool) []int {
	var pages []int
	seen := map[int]bool{}
	var walk func(o object, depth int)
	walk = func(o object, depth int) {
		r, ok := o.(ref)
		if !ok || seen[r.Num] || depth > 64 {
			return
		}
		seen[r.Num] = true
		d := st.dictOf(r)
		if d == nil {
			return
		}
		if kids, ok := st.resolve(d["Kids"]).([]object); ok && asName(d["Type"]) != "Page" {
			nodes[r.Num] = true
			for _, k := range kids {
				walk(k, depth+1)
			}
			return
		}
		pages = append(pages, r.Num)
		cs := d["Contents"]
		if cr, ok := cs.(ref); ok {
			contents[cr.Num] = true
		}
		if arr, ok := st.resolve(cs).([]object); ok {
			for _, e := range arr {
				if er, ok := e.(ref); ok {
					contents[er.Num] = true
				}
			}
		}
		if annots != nil {
			if ar, ok := d["Annots"].(ref); ok {
				annots[ar.Num] = true
			}
		}
	}
	walk(st.root()["Pages"], 0)
	return pages
}

// reach records every object reachable from o.
func reach(st *state, o object, seen map[int]bool, depth int) {
	if depth > 64 {
		return
	}
	switch v := o.(type) {
	case ref:
		if seen[v.Num] {
			return
		}
		seen[v.Num] = true
		obj, err := st.get(v.Num)
		if err == nil {
			reach(st, obj, seen, depth+1)
		}
	case []object:
		for _, e := range v {
			reach(st, e, seen, depth+1)
		}
	case dict:
		for k, e := range v {
			if k == "Parent" || k == "P" {
				continue // back-pointers into the page tree
			}
			reach(st, e, seen, depth+1)
		}
	case *stream:
		reach(st, v.Dict, seen, depth+1)
	}
}

var annotSubtypes = map[string]bool{
	"Text": true, "Link": true, "FreeText": true, "Line": true, "Square": true, "Circle": true,
	"Polygon": true, "PolyLine": true, "Highlight": true, "Underline": true, "Squiggly": true,
	"StrikeOut": true, "Stamp": true, "Caret": true, "Ink": true, "Popup": true, "FileAttachment": true,
	"Sound": true, "Movie": true, "Widget": true, "Screen": true, "PrinterMark": true, "TrapNet": true,
	"Watermark": true, "3D": true, "Redact": true, "Projection": true, "RichMedia": true,
}

func isAnnot(d dict) bool {
	if asName(d["Type"]) == "Annot" {
		return true
	}
	return annotSubtypes[asName(d["Subtype"])] && d["Rect"] != nil && asName(d["Type"]) == ""
}

func isSigDict(d dict) bool {
	t := asName(d["Type"])
	if t == "Sig" || t == "DocTimeStamp" {
		return true
	}
	return t == "" && d["ByteRange"] != nil && d["Contents"] != nil && d["Filter"] != nil
}

func (c *updateCtx) classify(num int) (Change, bool) {
	id := fmt.Sprintf("%d %d", num, c.sec.entries[num].gen)
	if e := c.sec.entries[num]; e.kind == 2 {
		id = fmt.Sprintf("%d 0", num)
	}
	ch := Change{Object: id}
	newO, err := c.newS.get(num)
	if err != nil {
		ch.Kind, ch.Detail = KindOther, "unreadable object: "+err.Error()
		return ch, true
	}
	oldE, existed := c.oldS.entries[num]
	existed = existed && oldE.kind != 0
	var oldO object
	if existed {
		oldO, _ = c.oldS.get(num)
	}
	if c.sec.entries[num].kind == 0 || newO == nil {
		if !existed {
			return ch, false // freeing what was already free
		}
		ch.Kind = c.kindOf(num, oldO)
		ch.Detail = "object deleted"
		return ch, true
	}
	if existed && equalObj(c.oldS, oldO, c.newS, newO, 0) {
		return ch, false // rewritten unchanged
	}
	nd := asDict(newO)
	od := asDict(oldO)
	verb := "added"
	if existed {
		verb = "changed"
	}
	switch {
	case num == c.sec.xrefStm || asName(nd["Type"]) == "XRef" || asName(nd["Type"]) == "ObjStm":
		ch.Kind, ch.Allowed = KindStructure, true
	case c.contents[num]:
		ch.Kind, ch.Detail = KindPageContent, "page content stream "+verb
	case num == c.newRoot || num == c.oldRoot:
		ch.Kind = KindCatalog
		ch.Allowed, ch.Detail = c.checkCatalog()
	case c.treeNodes[num] || asName(nd["Type"]) == "Pages":
		ch.Kind, ch.Detail = KindPage, "page tree node "+verb
	case c.oldPageSet[num] || c.newPageSet[num] || asName(nd["Type"]) == "Page":
		ch.Kind = KindPage
		ch.Allowed, ch.Detail = c.checkPage(num, od, nd)
		if strings.HasPrefix(ch.Detail, "page content changed") {
			ch.Kind = KindPageContent
		}
	case nd != nil && isSigDict(nd):
		ch.Kind = KindSignature
		ch.Allowed = !existed
		if existed {
			ch.Detail = "an existing signature dictionary was changed"
		}
	case nd != nil && (isAnnot(nd) || nd["FT"] != nil || nd["Kids"] != nil && nd["T"] != nil):
		ch.Kind = KindAnnotation
		if asName(nd["Subtype"]) == "Widget" || nd["FT"] != nil {
			ch.Kind = KindWidget
		}
		ch.Allowed = true
		if existed && od != nil && asName(od["FT"]) == "Sig" && od["V"] != nil {
			ch.Allowed, ch.Detail = false, "a signed signature field was changed"
		}
	case c.annotsArrays[num]:
		ch.Kind = KindAnnotation
		ch.Allowed, ch.Detail = superset(oldO, newO, "annotations removed from a page")
	case c.acroForms[num]:
		ch.Kind = KindAcroForm
		ch.Allowed, ch.Detail = c.checkAcroForm(asDict(c.oldS.resolve(c.oldS.root()["AcroForm"])), asDict(c.newS.resolve(c.newS.root()["AcroForm"])))
	case c.fieldsArrays[num]:
		ch.Kind = KindAcroForm
		ch.Allowed, ch.Detail = superset(oldO, newO, "form fields removed")
	case c.apReach[num]:
		ch.Kind, ch.Allowed = KindAppearance, !existed
		if existed {
			ch.Detail = "an existing object used by an appearance was changed"
		}
	case c.dssReach[num]:
		ch.Kind, ch.Allowed = KindDSS, true
	case num == c.infoNum:
		ch.Kind, ch.Allowed = KindMetadata, true
	default:
		ch.Kind = KindOther
		if t := asName(nd["Type"]); t != "" {
			ch.Detail = "/" + t + " object " + verb
		} else {
			ch.Detail = "object " + verb
		}
	}
	return ch, true
}

func (c *updateCtx) kindOf(num int, o object) string {
	d := asDict(o)
	switch {
	case c.contents[num]:
		return KindPageContent
	case c.oldPageSet[num] || c.treeNodes[num]:
		return KindPage
	case num == c.oldRoot:
		return KindCatalog
	case d != nil && isSigDict(d):
		return KindSignature
	case d != nil && isAnnot(d):
		return KindAnnotation
	}
	return KindOther
}

// checkPage allows a page dictionary change only in /Annots, and only
// additions there.
func (c *updateCtx) checkPage(num int, od, nd dict) (bool, string) {
	if !c.oldPageSet[num] {
		return false, "page added"
	}
	if !c.newPageSet[num] {
		return false, "page removed"
	}
	if od == nil || nd == nil {
		return false, "page dictionary replaced by a non-dictionary"
	}
	var diff []string
	for _, k := range unionKeys(od, nd) {
		switch k {
		case "Annots":
			continue
		case "Type":
			if t := asName(nd["Type"]); t != "" && t != "Page" {
				diff = append(diff, "/Type")
			}
			continue
		}
		if !equalObj(c.oldS, od[k], c.newS, nd[k], 0) {
			diff = append(diff, "/"+k)
		}
	}
	if len(diff) > 0 {
		sort.Strings(diff)
		what := "page dictionary entries changed: " + strings.Join(diff, ", ")
		if slices.Contains(diff, "/Contents") {
			what = "page content changed (/Contents of the page replaced); " + what
		}
		return false, what
	}
	return superset(c.oldS.resolve(od["Annots"]), c.newS.resolve(nd["Annots"]), "annotations removed from a page")
}

// checkCatalog allows catalog changes only in /AcroForm (fields added),
// /DSS, /Version and /Perms.
func (c *updateCtx) checkCatalog() (bool, string) {
	od, nd := c.oldS.root(), c.newS.root()
	if od == nil || nd == nil {
		return false, "document catalog missing"
	}
	var diff []string
	for _, k := range unionKeys(od, nd) {
		switch k {
		case "DSS", "Version", "Perms":
			continue
		case "AcroForm":
			if ok, why := c.checkAcroForm(asDict(c.oldS.resolve(od[k])), asDict(c.newS.resolve(nd[k]))); !ok {
				return false, why
			}
			continue
		}
		if !equalObj(c.oldS, od[k], c.newS, nd[k], 0) {
			diff = append(diff, "/"+k)
		}
	}
	if len(diff) > 0 {
		sort.Strings(diff)
		return false, "document catalog entries changed: " + strings.Join(diff, ", ")
	}
	return true, ""
}

// checkAcroForm allows any change that keeps every existing field.
func (c *updateCtx) checkAcroForm(od, nd dict) (bool, string) {
	if od == nil {
		return true, ""
	}
	if nd == nil {
		return false, "the interactive form (with its signature fields) was removed"
	}
	ok, why := superset(c.oldS.resolve(od["Fields"]), c.newS.resolve(nd["Fields"]), "form fields removed")
	if !ok {
		return false, why
	}
	if _, had := od["XFA"]; had && !equalObj(c.oldS, od["XFA"], c.newS, nd["XFA"], 0) {
		return false, "XFA form data changed"
	}
	return true, ""
}

// superset reports whether every reference in old is still in new.
func superset(old, new object, what string) (bool, string) {
	oa, _ := old.([]object)
	na, _ := new.([]object)
	have := map[int]bool{}
	for _, v := range na {
		if r, ok := v.(ref); ok {
			have[r.Num] = true
		}
	}
	var missing []string
	for _, v := range oa {
		if r, ok := v.(ref); ok && !have[r.Num] {
			missing = append(missing, r.String())
		}
	}
	if len(missing) > 0 {
		return false, what + ": " + strings.Join(missing, ", ")
	}
	return true, ""
}

func unionKeys(a, b dict) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// equalObj compares an object from state sa with one from sb. References
// to the same object number are equal (a change to that object is
// reported on its own); other references are resolved and compared.
func equalObj(sa *state, a object, sb *state, b object, depth int) bool {
	if depth > 48 {
		return false
	}
	ra, aIsRef := a.(ref)
	rb, bIsRef := b.(ref)
	if aIsRef && bIsRef && ra.Num == rb.Num {
		return true
	}
	if aIsRef {
		a, _ = sa.get(ra.Num)
	}
	if bIsRef {
		b, _ = sb.get(rb.Num)
	}
	if aIsRef || bIsRef {
		depth++
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case int64, float64:
		xf, _ := toFloat(x)
		yf, ok := toFloat(b)
		return ok && math.Abs(xf-yf) <= 1e-6*math.Max(1, math.Abs(xf))
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case pdfString:
		y, ok := b.(pdfString)
		return ok && x == y
	case name:
		y, ok := b.(name)
		return ok && x == y
	case []object:
		y, ok := b.([]object)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalObj(sa, x[i], sb, y[i], depth+1) {
				return false
			}
		}
		return true
	case dict:
		y, ok := b.(dict)
		return ok && equalDict(sa, x, sb, y, depth, "")
	case *stream:
		y, ok := b.(*stream)
		return ok && bytes.Equal(x.Raw, y.Raw) && equalDict(sa, x.Dict, sb, y.Dict, depth, "Length")
	}
	return false
}

func equalDict(sa *state, x dict, sb *state, y dict, depth int, skip string) bool {
	for _, k := range unionKeys(x, y) {
		if k == skip {
			continue
		}
		if !equalObj(sa, x[k], sb, y[k], depth+1) {
			return false
		}
	}
	return true
}

func toFloat(o object) (float64, bool) {
	switch v := o.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func changeSentence(c Change) string {
	detail := c.Detail
	if detail == "" {
		detail = c.Kind + " object changed"
	}
	switch c.Kind {
	case KindPageContent:
		return fmt.Sprintf("page content was changed after signing: %s (object %s)", detail, c.Object)
	case KindPage:
		return fmt.Sprintf("pages were changed after signing: %s (object %s)", detail, c.Object)
	}
	return fmt.Sprintf("a forbidden change was made after signing: %s (%s, object %s)", detail, c.Kind, c.Object)
}
