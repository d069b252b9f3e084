package signing

import (
	"fmt"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/workflow"
)

// Bounds of activeContent's walk: a hostile file's chains and arrays are
// not followed further (what lies past them is not judged).
const (
	maxActionChain = 32   // actions followed through /Next
	maxAnnots      = 1000 // annotations looked at on a page
)

// activeFound is what activeContent found: first, what was found first as
// a refusal names it ("JavaScript run on opening", "a launch action (page
// 1)"; "" when nothing), and kinds, every kind found.
type activeFound struct {
	first string
	kinds workflow.Active
}

// add records something of kind found, what saying it for people.
func (f *activeFound) add(kind workflow.Active, what string) {
	if f.first == "" {
		f.first = what
	}
	f.kinds |= kind
}

// activeContent says what in the document rdr reads (of pages pages)
// acts when it is opened rather than being read: JavaScript (the
// document's named scripts, or an action on opening it, on a page or on
// an annotation), a launch action (which runs a program), or an embedded
// or attached file. The walk goes through the catalog, the page tree once
// and each page's annotations, and reports all it finds.
//
// An outgoing draft with any is refused (normalizeFor): the official's
// signature would vouch for it, and the agencies it is sent to would open
// it in readers that run it (the drafter prints it to PDF, and a file it
// embeds to a PDF of its own, an attachment). An incoming document, the
// sender's record, is kept, and its file says what it carries
// (Info.Active, workflow.File.Active) for the page to warn of.
func activeContent(rdr *pdf.Reader, pages int) activeFound {
	var f activeFound
	root := rdr.Trailer().Key("Root")
	names := root.Key("Names")
	if nameTreeHolds(names.Key("JavaScript"), 0) {
		f.add(workflow.ActiveJavaScript, "JavaScript")
	}
	if nameTreeHolds(names.Key("EmbeddedFiles"), 0) {
		f.add(workflow.ActiveEmbeddedFile, "an embedded file")
	}
	actionKinds(root.Key("OpenAction"), &f, " run on opening")
	triggersKinds(root.Key("AA"), &f, "")
	budget := 2*pages + 64 // nodes of the page tree visited: a cycle ends
	pagesKinds(root.Key("Pages"), 0, new(int), &budget, &f)
	return f
}

// nameTreeHolds says whether the name tree under node has an entry: its
// /Names (key, value pairs) or a kid's, at depth at most 32. An empty
// tree (/EmbeddedFiles << /Names [] >>, which some producers write, as
// does internal/testpdf) holds nothing that acts.
func nameTreeHolds(node pdf.Value, depth int) bool {
	if depth > 32 || node.Kind() != pdf.Dict {
		return false
	}
	if node.Key("Names").Len() > 0 {
		return true
	}
	kids := node.Key("Kids")
	for i := range min(kids.Len(), maxAnnots) {
		if nameTreeHolds(kids.Index(i), depth+1) {
			return true
		}
	}
	return false
}

// pagesKinds adds to f what acts in the pages under node of the page
// tree, walked once in order (rdr.Page for each page walks the tree from
// its root: quadratic in a large document); page counts the pages passed.
func pagesKinds(node pdf.Value, depth int, page, budget *int, f *activeFound) {
	if *budget--; *budget < 0 || depth > 64 || node.Kind() != pdf.Dict {
		return
	}
	if node.Key("Type").Name() != "Pages" {
		*page++
		pageKinds(node, *page, f)
		return
	}
	kids := node.Key("Kids")
	for i := range kids.Len() {
		pagesKinds(kids.Index(i), depth+1, page, budget, f)
	}
}

// pageKinds adds to f what acts on page pg (number n): its own triggers,
// an annotation's action or triggers, an attached file.
func pageKinds(pg pdf.Value, n int, f *activeFound) {
	where := fmt.Sprintf(" (page %d)", n)
	triggersKinds(pg.Key("AA"), f, where)
	annots := pg.Key("Annots")
	for j := range min(annots.Len(), maxAnnots) {
		a := annots.Index(j)
		actionKinds(a.Key("A"), f, where)
		triggersKinds(a.Key("AA"), f, where)
		if a.Key("Subtype").Name() == "FileAttachment" {
			f.add(workflow.ActiveEmbeddedFile, "an attached file"+where)
		}
	}
}

// triggersKinds is actionKinds of each action of an additional-actions
// dictionary (/AA: on opening a page, on closing the document...).
func triggersKinds(aa pdf.Value, f *activeFound, where string) {
	for _, trigger := range aa.Keys() {
		actionKinds(aa.Key(trigger), f, where)
	}
}

// actionKinds adds to f JavaScript and launch actions (which run a
// program) among action a and those that follow it (/Next: an action or
// an array of them), where saying where they are; a link, going to a
// page... are not.
func actionKinds(a pdf.Value, f *activeFound, where string) {
	queue := []pdf.Value{a}
	for n := 0; len(queue) > 0 && n < maxActionChain; n++ {
		v := queue[0]
		queue = queue[1:]
		switch v.Kind() {
		case pdf.Array:
			for i := range min(v.Len(), maxActionChain) {
				queue = append(queue, v.Index(i))
			}
		case pdf.Dict:
			switch v.Key("S").Name() {
			case "JavaScript":
				f.add(workflow.ActiveJavaScript, "JavaScript"+where)
			case "Launch":
				f.add(workflow.ActiveLaunch, "a launch action"+where)
			}
			queue = append(queue, v.Key("Next"))
		}
	}
}
