package workflow

import (
	"strconv"
	"strings"
	"time"
)

// ListOrder is the order of the document list (DocumentFilter.Order):
// newest first by creation, or — for the lists of what an official
// signed or a clerk issued — by the time of that act.
type ListOrder string

// The orders of the list.
const (
	// OrderCreated: newest first by (CreatedAt, ID), the list's order
	// unless it filters by an act.
	OrderCreated ListOrder = ""
	// OrderSigned: with Signed, newest first by the time of the layer-1
	// signature the filter reads (the last of its sign events in the
	// period: a document returned and signed again is listed once, at
	// its last signing), then by ID.
	OrderSigned ListOrder = "signed"
	// OrderIssued: with Issued (and no Signed), newest first by IssuedAt,
	// then by ID.
	OrderIssued ListOrder = "issued"
)

// cursorPrefix is the letter before the time of a cursor of each order
// but the creation's (whose cursor has none, as before there were others).
var cursorPrefix = map[ListOrder]string{OrderCreated: "", OrderSigned: "s", OrderIssued: "i"}

// Order is the order of f's list: by the act it filters on (Signed before
// Issued), else by creation.
func (f DocumentFilter) Order() ListOrder {
	switch {
	case !f.Signed.IsZero():
		return OrderSigned
	case !f.Issued.IsZero():
		return OrderIssued
	}
	return OrderCreated
}

// ListCursor is where a page of the document list ends: the time its
// order reads (Order: the creation time, or that of the act signed or
// issued) and the ID of its last document. The list is ordered newest
// first by (At, ID), and the next page holds the documents after the
// cursor in that order. Its String is the opaque cursor the API
// (next_cursor) and the web pages (?cursor=) pass back; a cursor of one
// order is refused by a list of another (DocumentFilter.Cursor).
//
// The list was ordered by ID alone before, its cursor a document's ID.
// IDs begin with their creation time, but an imported, seeded or received
// document may carry a creation time far from its ID's, so an ID range is
// not a range of dates: such a cursor (a bare ID) is still taken, for the
// links and clients that hold one, and stands for the document it names
// (ParseListCursor says so; the repository reads that document's time).
type ListCursor struct {
	Order ListOrder
	At    time.Time // microseconds, as stored
	ID    string
}

// String is the cursor as the API and the web pages pass it: the order's
// letter (none for the creation's: "s" signed, "i" issued), the time in
// Unix microseconds and the ID, joined by a dot (an ID has none).
func (c ListCursor) String() string {
	return cursorPrefix[c.Order] + strconv.FormatInt(c.At.UnixMicro(), 10) + "." + c.ID
}

// After reports whether a document at t (the time of the cursor's order)
// with id comes after the cursor in the list's order (newest first):
// older, or as old with a smaller ID.
func (c ListCursor) After(t time.Time, id string) bool {
	t = t.Truncate(time.Microsecond)
	at := c.At.Truncate(time.Microsecond)
	return t.Before(at) || (t.Equal(at) && id < c.ID)
}

// maxCursorID bounds the length of a cursor's ID.
const maxCursorID = 64

// ParseListCursor reads a cursor of the document list: a ListCursor's
// String, or a bare document ID (the form before the list was ordered by
// creation time), returned as bareID with At unknown (zero), of
// OrderCreated. Anything else is EINVALID.
func ParseListCursor(s string) (c ListCursor, bareID bool, err error) {
	bad := Errorf(EINVALID, "cursor %q is not one the list gave: pass next_cursor as it is", s).On("cursor")
	micros, id, dotted := strings.Cut(s, ".")
	if !dotted {
		micros, id = "", s
	}
	if id == "" || len(id) > maxCursorID || strings.IndexFunc(id, notIDRune) >= 0 {
		return ListCursor{}, false, bad
	}
	if !dotted {
		return ListCursor{ID: id}, true, nil
	}
	for o, p := range cursorPrefix {
		if p != "" && strings.HasPrefix(micros, p) {
			c.Order, micros = o, micros[len(p):]
		}
	}
	us, perr := strconv.ParseInt(micros, 10, 64)
	if perr != nil || micros[0] == '+' {
		return ListCursor{}, false, bad
	}
	return ListCursor{Order: c.Order, At: time.UnixMicro(us).UTC(), ID: id}, false, nil
}

// Cursor reads f.After (ParseListCursor) as a cursor of f's list: one of
// another order (a page of the list by creation given to the one of
// what she signed, say) is EINVALID on cursor.
func (f DocumentFilter) Cursor() (c ListCursor, bareID bool, err error) {
	c, bareID, err = ParseListCursor(f.After)
	if err == nil && c.Order != f.Order() {
		err = Errorf(EINVALID, "cursor %q is of another order of the list than this one's (%s): start from the first page", f.After, f.Order().name()).On("cursor")
	}
	return c, bareID, err
}

// name is o as a message says it.
func (o ListOrder) name() string {
	if o == OrderCreated {
		return "by creation"
	}
	return "by the time " + string(o)
}

// notIDRune: r is not a letter or digit of ASCII, which IDs are made of.
func notIDRune(r rune) bool {
	return !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
}
