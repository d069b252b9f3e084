package verify

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
)

// analyzer classifies what each incremental update changed. Results per
// update are cached: every signature shares the updates after it.
type analyzer struct {
	f      *pdfFile
	cache  map[int][]Change // by section index
	roles  map[int]*roles   // by state index; only the two in use are kept
	budget int              // object visits left for the role walks
}

func newAnalyzer(f *pdfFile) *analyzer {
	return &analyzer{f: f, cache: map[int][]Change{}, roles: map[int]*roles{}, budget: f.lim.MaxRoleVisits}
}

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
	for i := range out {
		if !out[i].Allowed && out[i].Verdict == "" {
			out[i].Verdict = Invalid
		}
	}
	return out
}

// roles says what each object is in one revision. It is found by walking
// the document from its catalog — which page uses an object, through which
// entry — and never from the type an object claims for itself: an image or
// a content stream relabelled /Type /Annot, or given /FT, is still what the
// page draws.
type roles struct {
	root         int
	pages        []int
	pageSet      map[int]bool
	treeNodes    map[int]bool // /Pages nodes
	contents     map[int]bool // content streams (and indirect content arrays)
	annotsArrays map[int]bool // indirect /Annots arrays
	annots       map[int]int  // annotations listed in a page's /Annots -> page (1-based)
	acroForm     int
	fieldsArray  int
	fields       map[int]bool // nodes of the field tree (fields and widgets)
	sigFields    map[int]bool // nodes of signature fields -> signed (a /V on the node or an ancestor)
	sigDicts     map[int]int  // signature dictionaries (the /V of signature fields) -> field node
	rendering    map[int]string
	annotUse     map[int]int // objects reached from an annotation (its appearance...) -> annotation
	dss          map[int]bool
	formRes      map[int]bool // reached from /AcroForm other than /Fields and /XFA (/DR fonts...)
	meta         map[int]bool // document information, XMP metadata, structure tree
	info         int
	truncated    bool // the walk ran out of budget: the roles are incomplete
}

// renderingCatalogSkip are the catalog entries that do not change how a
// page is drawn (or are judged on their own: the page tree, the form, the
// DSS). Every other catalog entry (/OCProperties, /Names, /OpenAction,
// /Outlines, ...) is protected like page content.
var renderingCatalogSkip = map[string]bool{
	"Type": true, "Pages": true, "AcroForm": true, "DSS": true, "Perms": true, "Version": true,
	"Metadata": true, "StructTreeRoot": true, "MarkInfo": true, "Lang": true, "Extensions": true,
}

func newRoles(st *state, budget *int) *roles {
	r := &roles{
		root: refNum(st.trailer["Root"]), info: refNum(st.trailer["Info"]),
		treeNodes: map[int]bool{}, contents: map[int]bool{}, annotsArrays: map[int]bool{},
		annots: map[int]int{}, fields: map[int]bool{}, sigFields: map[int]bool{}, sigDicts: map[int]int{},
		rendering: map[int]string{}, annotUse: map[int]int{}, dss: map[int]bool{}, meta: map[int]bool{}, formRes: map[int]bool{},
		acroForm: -1, fieldsArray: -1,
	}
	r.pages = pageList(st, r.treeNodes, r.contents, r.annotsArrays)
	r.pageSet = setOf(r.pages)
	r.listAnnots(st)
	root := st.root()
	if ar, ok := root["AcroForm"].(ref); ok {
		r.acroForm = ar.Num
	}
	af := st.dictOf(root["AcroForm"])
	if fr, ok := af["Fields"].(ref); ok {
		r.fieldsArray = fr.Num
	}
	r.walkFields(st, af["Fields"], budget)
	r.walkFields(st, r.pageSigWidgets(st), budget)

	boundary := r.boundary()
	r.walkRendering(st, root, af, boundary, budget)
	r.walkAnnotUse(st, boundary, budget)
	r.walk(st, root["DSS"], boundary, map[int]bool{}, budget, func(n int) { r.dss[n] = true })
	seenF := map[int]bool{}
	for _, k := range sortedKeys(af) {
		if k != "Fields" && k != "XFA" {
			r.walk(st, af[k], boundary, seenF, budget, func(n int) { r.formRes[n] = true })
		}
	}
	seenM := map[int]bool{}
	for _, k := range []string{"Metadata", "StructTreeRoot"} {
		r.walk(st, root[k], boundary, seenM, budget, func(n int) { r.meta[n] = true })
	}
	r.walk(st, st.trailer["Info"], boundary, seenM, budget, func(n int) { r.meta[n] = true })
	return r
}

// listAnnots records the annotations the pages list, each with the first
// page that lists it.
func (r *roles) listAnnots(st *state) {
	for i, p := range r.pages {
		pd := st.dictOf(ref{p, 0})
		if arr, ok := st.resolve(pd["Annots"]).([]object); ok {
			for _, a := range arr {
				if ar, ok := a.(ref); ok {
					if _, dup := r.annots[ar.Num]; !dup {
						r.annots[ar.Num] = i + 1
					}
				}
			}
		}
	}
}

// boundary is the set of objects judged by their own rules, never swept
// into another object's reach: the catalog, the form and its fields, the
// pages and the page tree, annotations and signature dictionaries.
func (r *roles) boundary() map[int]bool {
	boundary := map[int]bool{r.root: true, r.acroForm: true, r.fieldsArray: true}
	for _, m := range []map[int]bool{r.pageSet, r.treeNodes, r.annotsArrays, r.fields} {
		for n := range m {
			boundary[n] = true
		}
	}
	for n := range r.annots {
		boundary[n] = true
	}
	for n := range r.sigDicts {
		boundary[n] = true
	}
	return boundary
}

// walkRendering labels every object that changes how a page is drawn:
// what the pages, the page tree nodes and the catalog (root) reach, and
// the XFA form of the interactive form af. The first label an object gets
// wins.
func (r *roles) walkRendering(st *state, root, af dict, boundary map[int]bool, budget *int) {
	seen := map[int]bool{} // shared by the rendering walks
	label := func(what string) func(int) {
		return func(n int) {
			if _, ok := r.rendering[n]; !ok {
				r.rendering[n] = what
			}
		}
	}
	// Pages: every entry but /Annots and /Parent — content streams,
	// resources (fonts and font files, images, form XObjects and their own
	// resources, patterns, shadings, ExtGState, colour spaces), boxes,
	// /Rotate, /Group...
	for _, p := range r.pages {
		pd := st.dictOf(ref{p, 0})
		for _, k := range sortedKeys(pd) {
			switch k {
			case "Annots", "Parent", "Type":
				continue
			case "Contents":
				r.walk(st, pd[k], boundary, seen, budget, label("page content stream"))
			case "Resources":
				r.walk(st, pd[k], boundary, seen, budget, label("page resource (font, image, form XObject...)"))
			default:
				r.walk(st, pd[k], boundary, seen, budget, label("page /"+k))
			}
		}
	}
	// Page tree nodes: inherited /Resources, /MediaBox, /CropBox, /Rotate.
	for _, n := range sortedNums(r.treeNodes) {
		nd := st.dictOf(ref{n, 0})
		for _, k := range sortedKeys(nd) {
			if k == "Kids" || k == "Parent" || k == "Type" || k == "Count" {
				continue
			}
			r.walk(st, nd[k], boundary, seen, budget, label("page tree /"+k))
		}
	}
	for _, k := range sortedKeys(root) {
		if !renderingCatalogSkip[k] {
			r.walk(st, root[k], boundary, seen, budget, label("document catalog /"+k))
		}
	}
	// An XFA form is what an XFA reader draws.
	r.walk(st, af["XFA"], boundary, seen, budget, label("interactive form /XFA"))
}

// walkAnnotUse records, for every object an annotation reaches (its
// appearance streams, their fonts and images...), the first annotation
// that reaches it. A field widget that no page lists (PDFBox 2 writes the
// invisible widget of a signature added to a signed file so: the page is
// not part of its update) has its appearance reached through the form.
func (r *roles) walkAnnotUse(st *state, boundary map[int]bool, budget *int) {
	seen := map[int]bool{}
	use := func(a int) func(int) {
		return func(n int) {
			if _, ok := r.annotUse[n]; !ok {
				r.annotUse[n] = a
			}
		}
	}
	for _, a := range sortedNums(r.annots) {
		ad := st.dictOf(ref{a, 0})
		for _, k := range sortedKeys(ad) {
			if k == "P" || k == "Parent" {
				continue
			}
			r.walk(st, ad[k], boundary, seen, budget, use(a))
		}
	}
	for _, fl := range sortedNums(r.fields) {
		if _, listed := r.annots[fl]; !listed {
			r.walk(st, st.dictOf(ref{fl, 0})["AP"], boundary, seen, budget, use(fl))
		}
	}
}

// walkFields records the field tree under /Fields: which nodes belong to
// signature fields, whether they are signed, and their signature
// dictionaries.
// pageSigWidgets are the signature widgets the pages list that the
// form's field tree does not reach (poppler's pdfsig writes its field so
// when /Fields is an indirect array: sigWalker.pageWidgets): they are
// signature fields all the same.
func (r *roles) pageSigWidgets(st *state) []object {
	var out []object
	for _, num := range slices.Sorted(maps.Keys(r.annots)) {
		if !r.fields[num] && asName(st.dictOf(ref{num, 0})["FT"]) == "Sig" {
			out = append(out, ref{num, 0})
		}
	}
	return out
}

func (r *roles) walkFields(st *state, fields object, budget *int) {
	type item struct {
		o      object
		ft     string
		signed bool
	}
	var work []item
	if arr, ok := st.resolve(fields).([]object); ok {
		for i := len(arr) - 1; i >= 0; i-- {
			work = append(work, item{o: arr[i]})
		}
	}
	for len(work) > 0 {
		if *budget--; *budget < 0 {
			r.truncated = true
			return
		}
		it := work[len(work)-1]
		work = work[:len(work)-1]
		fr, ok := it.o.(ref)
		if !ok || r.fields[fr.Num] {
			continue
		}
		r.fields[fr.Num] = true
		d := st.dictOf(fr)
		if d == nil {
			continue
		}
		ft, signed := it.ft, it.signed
		if v := asName(d["FT"]); v != "" {
			ft = v
		}
		if ft == "Sig" {
			if vr, ok := d["V"].(ref); ok {
				signed = true
				if _, dup := r.sigDicts[vr.Num]; !dup {
					r.sigDicts[vr.Num] = fr.Num
				}
			} else if d["V"] != nil {
				signed = true
			}
			r.sigFields[fr.Num] = signed
		}
		if kids, ok := st.resolve(d["Kids"]).([]object); ok {
			for i := len(kids) - 1; i >= 0; i-- {
				work = append(work, item{o: kids[i], ft: ft, signed: signed})
			}
		}
	}
}

// walkRefs calls mark for every indirect object reachable from o, without
// entering the boundary objects or following back-pointers (/Parent, /P),
// nor objects already in seen (walks that share seen visit each object
// once: a font used by every page is walked once). It keeps its own work
// list: no recursion. It returns false when the budget runs out.
func walkRefs(st *state, o object, boundary, seen map[int]bool, budget *int, mark func(int)) bool {
	work := []object{o}
	for len(work) > 0 {
		if *budget--; *budget < 0 {
			return false
		}
		o := work[len(work)-1]
		work = work[:len(work)-1]
		switch v := o.(type) {
		case ref:
			if seen[v.Num] || boundary[v.Num] {
				continue
			}
			seen[v.Num] = true
			mark(v.Num)
			if obj, err := st.get(v.Num); err == nil && obj != nil {
				work = append(work, obj)
			}
		case []object:
			work = append(work, v...)
		case dict:
			for k, e := range v {
				if k != "Parent" && k != "P" {
					work = append(work, e)
				}
			}
		case *stream:
			work = append(work, v.Dict)
		}
	}
	return true
}

func sortedKeys(d dict) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedNums[V any](m map[int]V) []int {
	nums := make([]int, 0, len(m))
	for n := range m {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

// walk is walkRefs that records running out of budget.
func (r *roles) walk(st *state, o object, boundary, seen map[int]bool, budget *int, mark func(int)) {
	if !r.truncated && !walkRefs(st, o, boundary, seen, budget, mark) {
		r.truncated = true
	}
}

// rolesOf returns the roles of state i. Sections are analysed newest to
// oldest after a signature, each needing states k+1 and k: only the roles
// (and the object caches) of the two states next to i are kept.
func (a *analyzer) rolesOf(i int) *roles {
	if r, ok := a.roles[i]; ok {
		return r
	}
	for j := range a.roles {
		if j < i-1 || j > i+1 {
			delete(a.roles, j)
			if j > 0 {
				a.f.states[j].cache = map[int]object{}
			}
		}
	}
	r := newRoles(a.f.states[i], &a.budget)
	a.roles[i] = r
	return r
}

// updateCtx holds what classification of one update needs.
type updateCtx struct {
	f          *pdfFile
	oldS, newS *state
	sec        *section
	o, n       *roles // of the signed (older) revision and of the new one
	changed    map[int]bool
	objStms    map[int]bool // object streams this update's entries point into
	// signatures this update adds whose byte range covers the update: they
	// approve the annotations added with them (sig dict -> field).
	covering []int
	// docTS: document time-stamps this update adds. A time-stamp proves
	// when the bytes existed; it approves nothing, so it does not count
	// as covering: only its own invisible field may come with it.
	docTS    map[int]bool
	annotOK  map[int]bool // verdict on each annotation this update adds
	annotWhy map[int]string
}

func (a *analyzer) section(k int) []Change {
	f := a.f
	c := &updateCtx{f: f, oldS: f.states[k+1], newS: f.states[k], sec: f.sections[k],
		o: a.rolesOf(k + 1), n: a.rolesOf(k), objStms: map[int]bool{}, annotOK: map[int]bool{}, annotWhy: map[int]string{}}

	// The objects this update writes that differ from the previous state.
	var nums []int
	for num, e := range c.sec.entries {
		if e.kind == 2 {
			c.objStms[int(e.off)] = true
		}
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

	for _, sd := range sortedNums(c.n.sigDicts) {
		if !c.changed[sd] {
			continue
		}
		if _, was := c.o.sigDicts[sd]; was {
			continue
		}
		sdd := c.newS.dictOf(ref{sd, 0})
		br := intArray(c.newS.resolve(sdd["ByteRange"]))
		if len(br) == 4 && br[2]+br[3]+int64(f.hdr) > c.sec.off {
			if isDocTimestamp(c.newS, sdd) {
				if c.docTS == nil {
					c.docTS = map[int]bool{}
				}
				c.docTS[sd] = true
				continue
			}
			c.covering = append(c.covering, sd)
		}
	}

	if c.o.truncated || c.n.truncated {
		return []Change{{Object: "document", Kind: KindStructure, Verdict: Indeterminate,
			Detail: fmt.Sprintf("the updates after the signature are too large to analyse (more than %d object visits); what they change cannot be judged", c.f.lim.MaxRoleVisits)}}
	}
	var out []Change
	for _, num := range nums {
		if ch, ok := c.classify(num); ok {
			if !ch.Allowed && ch.Verdict == "" {
				ch.Verdict = Invalid
			}
			ch.mdpFree = c.mdpFree(num, ch)
			out = append(out, ch)
		}
	}
	if !slices.Equal(c.o.pages, c.n.pages) {
		out = append(out, Change{Object: "page tree", Kind: KindPage, Allowed: false, Verdict: Invalid,
			Detail: fmt.Sprintf("pages were added, removed or reordered (%d pages before, %d after)", len(c.o.pages), len(c.n.pages))})
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

// Annotation flags (PDF 32000-1, 12.5.3).
const (
	annotHidden = 1 << 1
	annotNoView = 1 << 5
)

// invisible reports whether an annotation draws nothing: no appearance, an
// empty rectangle, or hidden.
func invisible(st *state, d dict) bool {
	if f, ok := asInt(st.resolve(d["F"])); ok && f&(annotHidden|annotNoView) != 0 {
		return true
	}
	if d["AP"] == nil {
		return true
	}
	r, _ := st.resolve(d["Rect"]).([]object)
	if len(r) != 4 {
		return true
	}
	var v [4]float64
	for i := range r {
		v[i], _ = toFloat(st.resolve(r[i]))
	}
	return math.Abs(v[2]-v[0]) < 1e-3 || math.Abs(v[3]-v[1]) < 1e-3
}

// objChange is one object an update writes, as it was in the signed
// revision and as it is now.
type objChange struct {
	num        int
	existed    bool // the object was in use in the signed revision
	oldO, newO object
	od, nd     dict   // oldO and newO when they are dictionaries
	verb       string // "added" or "changed"
}

// classify says what the update did to object num and whether that is
// allowed; false when it did nothing (freed a free object, or rewrote it
// unchanged).
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
	x := &objChange{num: num, newO: newO, verb: "added"}
	oldE, existed := c.oldS.entries[num]
	x.existed = existed && oldE.kind != 0
	if x.existed {
		x.oldO, _ = c.oldS.get(num)
		x.verb = "changed"
	}
	if c.sec.entries[num].kind == 0 || newO == nil {
		if !x.existed {
			return ch, false // freeing what was already free
		}
		ch.Kind = c.kindOf(num)
		ch.Detail = "object deleted"
		return ch, true
	}
	if x.existed && equalObj(c.oldS, x.oldO, c.newS, newO, 0) {
		return ch, false // rewritten unchanged
	}
	x.od, x.nd = asDict(x.oldO), asDict(newO)
	switch {
	case c.classifyDocument(&ch, x):
	case c.classifyAnnotation(&ch, x):
	default:
		c.classifyOther(&ch, x)
	}
	return ch, true
}

// classifyDocument judges a change to the document's frame — catalog,
// pages, page tree, what a page draws, cross-reference and object
// streams, the /Annots arrays, the form and its /Fields — and reports
// whether x is one of those.
func (c *updateCtx) classifyDocument(ch *Change, x *objChange) bool {
	o, n, num := c.o, c.n, x.num
	switch {
	case num == n.root || num == o.root:
		ch.Kind = KindCatalog
		ch.Allowed, ch.Detail = c.checkCatalog()
	case o.pageSet[num] || n.pageSet[num]:
		ch.Kind = KindPage
		ch.Allowed, ch.Detail = c.checkPage(num, x.od, x.nd)
		if strings.HasPrefix(ch.Detail, "page content changed") {
			ch.Kind = KindPageContent
		}
	case o.treeNodes[num] || n.treeNodes[num]:
		ch.Kind, ch.Detail = KindPage, "page tree node "+x.verb
	case o.rendering[num] != "" || n.rendering[num] != "":
		// Whatever it now claims to be: the page draws it.
		what := o.rendering[num]
		if what == "" {
			what = n.rendering[num]
		}
		ch.Kind, ch.Detail = KindPageContent, what+" "+x.verb
		if t := claimed(x.nd); t != "" {
			ch.Detail += " (it now claims to be " + t + ")"
		}
		if strings.HasPrefix(what, "document catalog") {
			ch.Kind = KindCatalog
		}
	case num == c.sec.xrefStm || !x.existed && c.objStms[num]:
		ch.Kind, ch.Allowed = KindStructure, true
	case o.annotsArrays[num] || n.annotsArrays[num]:
		ch.Kind = KindAnnotation
		ch.Allowed, ch.Detail = superset(x.oldO, x.newO, "annotations removed from a page")
	case num == o.acroForm || num == n.acroForm:
		ch.Kind = KindAcroForm
		ch.Allowed, ch.Detail = c.checkAcroForm(c.oldS.dictOf(c.oldS.root()["AcroForm"]), c.newS.dictOf(c.newS.root()["AcroForm"]))
	case num == o.fieldsArray || num == n.fieldsArray:
		ch.Kind = KindAcroForm
		ch.Allowed, ch.Detail = superset(x.oldO, x.newO, "form fields removed")
	default:
		return false
	}
	return true
}

// classifyAnnotation judges a change to a signature dictionary, an
// annotation or form field, or an object an annotation's appearance uses,
// and reports whether x is one of those.
func (c *updateCtx) classifyAnnotation(ch *Change, x *objChange) bool {
	o, n, num := c.o, c.n, x.num
	_, oldAnnot := o.annots[num]
	_, newAnnot := n.annots[num]
	_, oldSig := o.sigDicts[num]
	_, newSig := n.sigDicts[num]
	oldUser, oldUsed := o.annotUse[num]
	newUser, newUsed := n.annotUse[num]
	switch {
	case oldSig:
		ch.Kind, ch.Detail = KindSignature, "an existing signature dictionary was changed"
	case newSig && !x.existed:
		ch.Kind, ch.Allowed = KindSignature, true
	case oldAnnot || o.fields[num]:
		c.judgeSignedAnnot(ch, x)
	case oldUsed:
		ch.Kind = KindAppearance
		ch.Detail = fmt.Sprintf("an object used by the appearance of annotation %d was changed", oldUser)
	case newAnnot:
		ch.Kind = KindAnnotation
		if asName(x.nd["Subtype"]) == "Widget" || n.fields[num] {
			ch.Kind = KindWidget
		}
		ch.Allowed, ch.Verdict, ch.Detail, ch.approvedBy = c.judgeNewAnnot(num, x.nd)
		ch.group = ch.Detail
	case n.fields[num]:
		// A field node that is not an annotation draws nothing itself.
		ch.Kind, ch.Allowed = KindWidget, true
	case newUsed:
		ch.Kind = KindAppearance
		ch.Allowed, ch.Verdict, ch.Detail, ch.approvedBy = c.judgeNewAnnot(newUser, c.newS.dictOf(ref{newUser, 0}))
		ch.group = ch.Detail
		if !ch.Allowed {
			ch.Detail = fmt.Sprintf("%s (this object is part of annotation %d)", ch.Detail, newUser)
		}
		if x.existed {
			// An object of the signed revision that nothing drew
			// (otherwise it would have a role above) reused by a new
			// annotation: judged with it.
			ch.Detail = strings.TrimPrefix(ch.Detail+"; an unused object of the signed revision was reused", "; ")
		}
	default:
		return false
	}
	return true
}

// judgeSignedAnnot judges a change to an annotation or form field that
// was there when the document was signed: only an empty signature field
// being signed (by a signature covering the update) is allowed.
func (c *updateCtx) judgeSignedAnnot(ch *Change, x *objChange) {
	o, num := c.o, x.num
	ch.Kind = KindAnnotation
	if o.fields[num] {
		ch.Kind = KindWidget
	}
	signed, isSig := o.sigFields[num]
	switch {
	case isSig && signed:
		ch.Detail = "a signed signature field was changed"
	case isSig && len(c.covering) > 0:
		ch.Allowed, ch.approvedBy = true, c.covering[0] // an empty signature field being signed
	case isSig:
		ch.Verdict, ch.Detail = Indeterminate, "annotations changed after signature: an empty signature field was changed by an update that no signature covers"
	default:
		ch.Verdict = Indeterminate
		ch.Detail = fmt.Sprintf("annotations changed after signature: %s present when the document was signed was changed", describeAnnot(c.oldS, x.od, o.annots[num]))
	}
}

// classifyOther judges the bookkeeping an update may write (validation
// data, form resources, metadata) and anything else: an object nothing
// uses.
func (c *updateCtx) classifyOther(ch *Change, x *objChange) {
	o, n, num := c.o, c.n, x.num
	switch {
	case o.dss[num] || n.dss[num]:
		ch.Kind, ch.Allowed = KindDSS, true
	case !x.existed && n.formRes[num]:
		// New form resources (/DR fonts for signature appearances).
		ch.Kind, ch.Allowed = KindAcroForm, true
	case num == n.info || num == o.info || o.meta[num] || n.meta[num]:
		ch.Kind, ch.Allowed = KindMetadata, true
	case !x.existed && infoShaped(x.newO):
		// A document information dictionary the trailer does not name
		// (EU DSS's B-LT and B-LTA updates write one): text only, it
		// can draw or run nothing.
		ch.Kind, ch.Allowed = KindMetadata, true
		ch.Detail = "document information that nothing in the document uses"
	case !x.existed && emptyForm(x.newO):
		// An empty form XObject nothing uses: poppler's pdfsig writes
		// two with the appearance of a signature it adds to a signed
		// file. Its content is empty: wherever it were drawn, it would
		// draw nothing.
		ch.Kind, ch.Allowed = KindAppearance, true
		ch.Detail = "an empty form XObject that nothing in the document uses"
	default:
		ch.Kind = KindOther
		if t := claimed(x.nd); t != "" {
			ch.Detail = "object " + x.verb + " that nothing in the document uses (it claims to be " + t + ")"
		} else {
			ch.Detail = "object " + x.verb + " that nothing in the document uses"
		}
	}
}

// judgeNewAnnot decides on an annotation this update adds (and, through
// it, on the objects its appearance uses). It is approved when a signature
// added in the same update covers it — our own layer 2 writes the number
// and date stamp that way, and every new signature widget is made so; an
// invisible empty signature field is harmless; anything else drawn on a
// page after a signature is a modification the signer did not see.
func (c *updateCtx) judgeNewAnnot(num int, d dict) (bool, string, string, int) {
	if ok, seen := c.annotOK[num]; seen {
		return ok, verdictIf(!ok), c.annotWhy[num], c.approvedBy(ok)
	}
	ok, why := false, ""
	page := c.n.annots[num]
	switch signed, isSig := c.n.sigFields[num]; {
	case len(c.covering) > 0:
		ok = true
	case isSig && !signed && invisible(c.newS, d):
		ok = true
	case isSig && c.docTS[refNum(d["V"])] && invisible(c.newS, d):
		ok = true // the field of a document time-stamp added here
	case page == 0:
		why = "object used only by an annotation that no page lists"
	default:
		why = fmt.Sprintf("annotations added after signature: %s was added to page %d by an update that no signature covers",
			describeAnnot(c.newS, d, 0), page)
	}
	c.annotOK[num], c.annotWhy[num] = ok, why
	return ok, verdictIf(!ok), why, c.approvedBy(ok)
}

func (c *updateCtx) approvedBy(ok bool) int {
	if ok && len(c.covering) > 0 {
		return c.covering[0]
	}
	return 0
}

func verdictIf(bad bool) string {
	if bad {
		return Indeterminate
	}
	return ""
}

// describeAnnot names an annotation for a reason: its claimed subtype is
// only a label here, never a permission.
func describeAnnot(st *state, d dict, page int) string {
	s := "an annotation"
	if t := asName(st.resolve(d["Subtype"])); t != "" {
		s = "a /" + t + " annotation"
	}
	if page > 0 {
		s += fmt.Sprintf(" on page %d", page)
	}
	return s
}

// claimed is what an object says it is (/Type, /Subtype, /FT), for reasons.
// infoKeys are the entries of a document information dictionary.
var infoKeys = map[string]bool{"Title": true, "Author": true, "Subject": true, "Keywords": true,
	"Creator": true, "Producer": true, "CreationDate": true, "ModDate": true, "Trapped": true}

// infoShaped says whether o is a dictionary of document information
// entries and nothing else: text strings, and the name /Trapped takes.
func infoShaped(o object) bool {
	d, ok := o.(dict)
	if !ok || len(d) == 0 {
		return false
	}
	for k, v := range d {
		switch v.(type) {
		case pdfString:
		case name:
			if k != "Trapped" {
				return false
			}
		default:
			return false
		}
		if !infoKeys[k] {
			return false
		}
	}
	return true
}

// emptyForm reports whether o is a form XObject stream with no data.
func emptyForm(o object) bool {
	st, ok := o.(*stream)
	return ok && len(st.Raw) == 0 && asName(st.Dict["Subtype"]) == "Form"
}

func claimed(d dict) string {
	var parts []string
	for _, k := range []string{"Type", "Subtype", "FT"} {
		if v := asName(d[k]); v != "" {
			parts = append(parts, "/"+k+" /"+v)
		}
	}
	return strings.Join(parts, " ")
}

func (c *updateCtx) kindOf(num int) string {
	o := c.o
	_, annot := o.annots[num]
	_, sig := o.sigDicts[num]
	switch {
	case o.contents[num] || o.rendering[num] != "":
		return KindPageContent
	case o.pageSet[num] || o.treeNodes[num]:
		return KindPage
	case num == o.root:
		return KindCatalog
	case sig:
		return KindSignature
	case o.fields[num]:
		return KindWidget
	case annot:
		return KindAnnotation
	}
	return KindOther
}

// checkPage allows a page dictionary change only in /Annots, and only
// additions there.
func (c *updateCtx) checkPage(num int, od, nd dict) (bool, string) {
	if !c.o.pageSet[num] {
		return false, "page added"
	}
	if !c.n.pageSet[num] {
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
// /DSS, /Version, /Perms and /Extensions: the developer extensions a
// validation-data update declares (iText's LtvVerification adds
// /ADBE << /BaseVersion /1.7 /ExtensionLevel 5 >> with its /DSS), which
// say what the file conforms to and draw nothing.
func (c *updateCtx) checkCatalog() (bool, string) {
	od, nd := c.oldS.root(), c.newS.root()
	if od == nil || nd == nil {
		return false, "document catalog missing"
	}
	var diff []string
	for _, k := range unionKeys(od, nd) {
		switch k {
		case "DSS", "Version", "Perms", "Extensions":
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
	if c.Verdict == Indeterminate {
		return fmt.Sprintf("%s (%s, object %s)", detail, c.Kind, c.Object)
	}
	return fmt.Sprintf("a forbidden change was made after signing: %s (%s, object %s)", detail, c.Kind, c.Object)
}

// isDocTimestamp reports whether the signature dictionary d is a document
// time-stamp (/Type /DocTimeStamp or /SubFilter /ETSI.RFC3161).
func isDocTimestamp(st *state, d dict) bool {
	return asName(st.resolve(d["Type"])) == "DocTimeStamp" || asName(st.resolve(d["SubFilter"])) == "ETSI.RFC3161"
}
