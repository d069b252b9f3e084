package signing

import (
	"fmt"

	"github.com/digitorus/pdf"
)

// Bounds of activeContent's walk: a hostile file's chains and arrays are
// not followed further (what lies past them is not judged).
const (
	maxActionChain = 32   // actions followed through /Next
	maxAnnots      = 1000 // annotations looked at on a page
)

// activeContent says what in the document rdr reads (of pages pages)
// acts when it is opened rather than being read: JavaScript (the
// document's named scripts, or an action on opening it, on a page or on
// an annotation), a launch action (which runs a program), or an embedded
// or attached file; "" when there is none. The official's signature
// would vouch for it, and the agencies it is sent to would open it in
// readers that run it: an outgoing draft with any is refused (the
// drafter prints it to PDF, and a file it embeds to a PDF of its own,
// an attachment).
func activeContent(rdr *pdf.Reader, pages int) string {
	root := rdr.Trailer().Key("Root")
	names := root.Key("Names")
	switch {
	case nameTreeHolds(names.Key("JavaScript"), 0):
		return "JavaScript"
	case nameTreeHolds(names.Key("EmbeddedFiles"), 0):
		return "an embedded file"
	}
	if k := actionKind(root.Key("OpenAction")); k != "" {
		return k + " run on opening"
	}
	if k := triggersKind(root.Key("AA")); k != "" {
		return k
	}
	budget := 2*pages + 64 // nodes of the page tree visited: a cycle ends
	return pagesKind(root.Key("Pages"), 0, new(int), &budget)
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

// pagesKind is what acts in the pages under node of the page tree, walked
// once in order (rdr.Page for each page walks the tree from its root:
// quadratic in a large document); page counts the pages passed.
func pagesKind(node pdf.Value, depth int, page, budget *int) string {
	if *budget--; *budget < 0 || depth > 64 || node.Kind() != pdf.Dict {
		return ""
	}
	if node.Key("Type").Name() != "Pages" {
		*page++
		return pageKind(node, *page)
	}
	kids := node.Key("Kids")
	for i := range kids.Len() {
		if k := pagesKind(kids.Index(i), depth+1, page, budget); k != "" {
			return k
		}
	}
	return ""
}

// pageKind is what acts on page pg (number n): its own triggers, an
// annotation's action or triggers, an attached file.
func pageKind(pg pdf.Value, n int) string {
	if k := triggersKind(pg.Key("AA")); k != "" {
		return fmt.Sprintf("%s (page %d)", k, n)
	}
	annots := pg.Key("Annots")
	for j := range min(annots.Len(), maxAnnots) {
		a := annots.Index(j)
		k := actionKind(a.Key("A"))
		if k == "" {
			k = triggersKind(a.Key("AA"))
		}
		if k == "" && a.Key("Subtype").Name() == "FileAttachment" {
			k = "an attached file"
		}
		if k != "" {
			return fmt.Sprintf("%s (page %d)", k, n)
		}
	}
	return ""
}

// triggersKind is actionKind of each action of an additional-actions
// dictionary (/AA: on opening a page, on closing the document...).
func triggersKind(aa pdf.Value) string {
	for _, trigger := range aa.Keys() {
		if k := actionKind(aa.Key(trigger)); k != "" {
			return k
		}
	}
	return ""
}

// actionKind is "JavaScript" or "a launch action" when action a, or one
// that follows it (/Next: an action or an array of them), is one; ""
// otherwise (a link, going to a page...).
func actionKind(a pdf.Value) string {
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
				return "JavaScript"
			case "Launch":
				return "a launch action"
			}
			queue = append(queue, v.Key("Next"))
		}
	}
	return ""
}
