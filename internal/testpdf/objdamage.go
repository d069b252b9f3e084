package testpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// ObjectDamages lists damage inside the objects of a file, which readers
// recover from (poppler silently, qpdf with a warning): each is applied
// to the first content stream or the first page of a sound file of one
// revision with a cross-reference table (Make, v13.pdf, Chromium's), whose
// table is then made again so that only the object is damaged. Apply
// returns nil when the damage does not apply to the file.
func ObjectDamages() []Damage {
	return []Damage{
		// A /Length short of the data, and one past "endstream" (a writer
		// that counted the data before it compressed it, or an editor
		// that changed the data and not its length).
		{"length-short", inContent(func(obj []byte, n int) []byte { return withLength(obj, strconv.Itoa(n-n/4)) })},
		{"length-long", inContent(func(obj []byte, n int) []byte { return withLength(obj, strconv.Itoa(n+40)) })},
		// No /Length, and one naming an object that is not there.
		{"length-missing", inContent(func(obj []byte, n int) []byte { return withLength(obj, "") })},
		{"length-dangling", inContent(func(obj []byte, n int) []byte { return withLength(obj, "9999 0 R") })},
		// No "endstream" after the data: the next keyword is "endobj".
		{"no-endstream", inContent(func(obj []byte, n int) []byte {
			return bytes.Replace(obj, []byte("endstream"), nil, 1)
		})},
		// "stream" followed by a carriage return only (classic Mac OS).
		{"stream-cr", inContent(func(obj []byte, n int) []byte {
			if !bytes.Contains(obj, []byte("stream\n")) {
				return nil
			}
			return bytes.Replace(obj, []byte("stream\n"), []byte("stream\r"), 1)
		})},
		// "stream" followed by a space before the end of the line.
		{"stream-space", inContent(func(obj []byte, n int) []byte {
			return bytes.Replace(obj, []byte("stream\n"), []byte("stream \n"), 1)
		})},
		// No "endobj" after the first page.
		{"no-endobj", inPage(func(obj []byte) []byte { return bytes.Replace(obj, []byte("endobj"), nil, 1) })},
		// A word in the page's dictionary that is no key and no value.
		{"dict-junk", inPage(func(obj []byte) []byte {
			return typePage.ReplaceAll(obj, []byte("/Type /Page junk "))
		})},
	}
}

var (
	objHeader  = regexp.MustCompile(`(?m)(^|[\r\n])(\d+) (\d+) obj\b`)
	contentRef = regexp.MustCompile(`/Contents\s*(\d+) 0 R`)
	typePage   = regexp.MustCompile(`/Type\s*/Page\b\s*`)
	lengthKey  = regexp.MustCompile(`/Length\s+\d+(\s+\d+\s+R)?`)
)

// objects returns the start of each object's header in pdf, by number,
// and where the last object ends (the cross-reference table).
func objects(pdf []byte) (map[int][2]int, bool) {
	x := bytes.LastIndex(pdf, []byte("\nxref"))
	if x < 0 || bytes.Contains(pdf, []byte("/Type /XRef")) || bytes.Count(pdf, []byte("%%EOF")) != 1 {
		return nil, false
	}
	locs := objHeader.FindAllSubmatchIndex(pdf[:x], -1)
	out := map[int][2]int{}
	for i, m := range locs {
		n, _ := strconv.Atoi(string(pdf[m[4]:m[5]]))
		end := x + 1
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out[n] = [2]int{m[4], end}
	}
	return out, len(out) > 0
}

// inContent applies f to the first page's content stream (f is given the
// length of its data).
func inContent(f func(obj []byte, n int) []byte) func([]byte) []byte {
	return func(pdf []byte) []byte {
		objs, page, ok := firstPage(pdf)
		if !ok {
			return nil
		}
		m := contentRef.FindSubmatch(pdf[page[0]:page[1]])
		if m == nil {
			return nil
		}
		c, _ := strconv.Atoi(string(m[1]))
		at, ok := objs[c]
		obj := pdf[at[0]:at[1]]
		s, e := bytes.Index(obj, []byte("stream")), bytes.LastIndex(obj, []byte("endstream"))
		if !ok || s < 0 || e < s {
			return nil
		}
		bad := f(obj, e-s-len("stream")-1)
		if bad == nil {
			return nil
		}
		return replaced(pdf, at, bad)
	}
}

// inPage applies f to the first page object.
func inPage(f func(obj []byte) []byte) func([]byte) []byte {
	return func(pdf []byte) []byte {
		_, page, ok := firstPage(pdf)
		if !ok {
			return nil
		}
		return replaced(pdf, page, f(pdf[page[0]:page[1]]))
	}
}

// firstPage returns the objects of pdf (objects) and where the first
// page object is.
func firstPage(pdf []byte) (map[int][2]int, [2]int, bool) {
	objs, ok := objects(pdf)
	if !ok {
		return nil, [2]int{}, false
	}
	best, found := [2]int{}, false
	for _, at := range objs {
		if typePage.Match(pdf[at[0]:at[1]]) && !bytes.Contains(pdf[at[0]:at[1]], []byte("/Pages")) && (!found || at[0] < best[0]) {
			best, found = at, true
		}
	}
	return objs, best, found
}

func withLength(obj []byte, v string) []byte {
	if v == "" {
		return lengthKey.ReplaceAll(obj, nil)
	}
	return lengthKey.ReplaceAll(obj, []byte("/Length "+v))
}

// replaced is pdf with the object at at replaced by obj, its table made
// again for the new offsets.
func replaced(pdf []byte, at [2]int, obj []byte) []byte {
	out := append(append(bytes.Clone(pdf[:at[0]]), obj...), pdf[at[1]:]...)
	return retabled(out)
}

// retabled is pdf (one revision, a table) with each entry in use giving
// its object's offset again, and startxref the table's.
func retabled(pdf []byte) []byte {
	objs, ok := objects(pdf)
	if !ok {
		return nil
	}
	x := bytes.LastIndex(pdf, []byte("\nxref")) + 1
	t := bytes.Index(pdf[x:], []byte("trailer"))
	s := bytes.LastIndex(pdf, []byte("startxref"))
	if t < 0 || s < 0 {
		return nil
	}
	high := 0
	for n := range objs {
		high = max(high, n)
	}
	var b bytes.Buffer
	b.Write(pdf[:x])
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", high+1)
	for n := 1; n <= high; n++ {
		if at, ok := objs[n]; ok {
			fmt.Fprintf(&b, "%010d 00000 n \n", at[0])
		} else {
			b.WriteString("0000000000 65535 f \n")
		}
	}
	b.Write(pdf[x+t : s])
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}

// PageTreeDamages lists page trees that readers read otherwise than they
// are written (verify's pageTreeFixes), applied as ObjectDamages are: the
// root node's /Count one too high, or missing; a null among its /Kids;
// the first page without /Type, without /Parent, or (when no node above
// it has one) without /MediaBox.
func PageTreeDamages() []Damage {
	return []Damage{
		{"count-high", inPages(func(obj []byte) []byte {
			return countKey.ReplaceAllFunc(obj, func(m []byte) []byte {
				n, _ := strconv.Atoi(string(countKey.FindSubmatch(m)[1]))
				return []byte(fmt.Sprintf("/Count %d", n+1))
			})
		})},
		{"count-missing", inPages(func(obj []byte) []byte { return countKey.ReplaceAll(obj, nil) })},
		{"kids-null", inPages(func(obj []byte) []byte { return kidsKey.ReplaceAll(obj, []byte("/Kids [null ")) })},
		{"page-no-type", inPage(func(obj []byte) []byte { return typePage.ReplaceAll(obj, nil) })},
		{"page-no-parent", inPage(func(obj []byte) []byte { return parentKey.ReplaceAll(obj, nil) })},
		{"page-no-mediabox", func(pdf []byte) []byte {
			objs, ok := objects(pdf)
			if !ok {
				return nil
			}
			for _, at := range objs {
				if pagesType.Match(pdf[at[0]:at[1]]) && mediaBox.Match(pdf[at[0]:at[1]]) {
					return nil // inherited
				}
			}
			return inPage(func(obj []byte) []byte { return mediaBox.ReplaceAll(obj, nil) })(pdf)
		}},
	}
}

var (
	pagesType = regexp.MustCompile(`/Type\s*/Pages\b`)
	countKey  = regexp.MustCompile(`/Count\s+(\d+)`)
	kidsKey   = regexp.MustCompile(`/Kids\s*\[\s*`)
	parentKey = regexp.MustCompile(`/Parent\s+\d+\s+\d+\s+R`)
	mediaBox  = regexp.MustCompile(`/MediaBox\s*\[[^\]]*\]`)
)

// inPages applies f to the root of the page tree (the node no /Parent
// names a parent of).
func inPages(f func(obj []byte) []byte) func([]byte) []byte {
	return func(pdf []byte) []byte {
		objs, ok := objects(pdf)
		if !ok {
			return nil
		}
		for _, at := range objs {
			obj := pdf[at[0]:at[1]]
			if pagesType.Match(obj) && !parentKey.Match(obj) {
				return replaced(pdf, at, f(obj))
			}
		}
		return nil
	}
}
