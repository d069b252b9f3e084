package web

import (
	"fmt"
	"net/url"
	"strconv"
)

// Pager is the paging of a list read with a cursor (the documents lists,
// the archive search): its links and where the page lies in all that the
// list finds.
type Pager struct {
	Next  string // URL of the next page ("" on the last)
	First string // URL of the first page when not on it
	// Span says which rows the page shows of how many the list finds:
	// "Hiển thị 51–100 trong 187 văn bản" ("" when it finds none: the
	// page says so its own way).
	Span  string
	Total int
}

// pagerOf is the Pager of a page of shown rows read at path with query q
// (its cursor and start), total rows found in all, next the cursor of
// the next page ("" on the last); noun names the rows ("văn bản").
//
// The page's position is not known from a cursor: the "Trang sau" link
// carries it as start (the 1-based position of the next page's first
// row), for display only — counting the rows before the cursor would be
// a second COUNT per page. A start that does not read, or does not fit
// the count (the list changed meanwhile), is dropped: the page then says
// how many it shows of how many, not where.
func pagerOf(path string, q url.Values, next string, shown, total int, noun string) Pager {
	p := Pager{Total: total}
	start := 1
	if q.Get("cursor") != "" {
		start = 0
		if n, err := strconv.Atoi(q.Get("start")); err == nil && n > 1 && n-1+shown <= total {
			start = n
		}
		fq := cloneValues(q)
		fq.Del("cursor")
		fq.Del("start")
		p.First = path + "?" + fq.Encode()
	}
	if next != "" {
		nq := cloneValues(q)
		nq.Set("cursor", next)
		nq.Del("start")
		if start > 0 {
			nq.Set("start", strconv.Itoa(start+shown))
		}
		p.Next = path + "?" + nq.Encode()
	}
	switch {
	case total == 0:
	case shown == 0:
		p.Span = fmt.Sprintf("Không còn %s nào sau trang trước (trong %d %s).", noun, total, noun)
	case start == 0:
		p.Span = fmt.Sprintf("Hiển thị %d trong %d %s", shown, total, noun)
	default:
		p.Span = fmt.Sprintf("Hiển thị %d–%d trong %d %s", start, start+shown-1, total, noun)
	}
	return p
}
