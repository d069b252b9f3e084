package workflow

import (
	"strconv"
	"strings"
	"time"
)

// ListCursor is where a page of the document list ends: the creation time
// and ID of its last document. The list is ordered newest first by
// (CreatedAt, ID), and the next page holds the documents after the
// cursor in that order. Its String is the opaque cursor the API
// (next_cursor) and the web pages (?cursor=) pass back.
//
// The list was ordered by ID alone before, its cursor a document's ID.
// IDs begin with their creation time, but an imported, seeded or received
// document may carry a creation time far from its ID's, so an ID range is
// not a range of dates: such a cursor (a bare ID) is still taken, for the
// links and clients that hold one, and stands for the document it names
// (ParseListCursor says so; the repository reads that document's time).
type ListCursor struct {
	CreatedAt time.Time // microseconds, as stored
	ID        string
}

// String is the cursor as the API and the web pages pass it: the creation
// time in Unix microseconds and the ID, joined by a dot (an ID has none).
func (c ListCursor) String() string {
	return strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "." + c.ID
}

// After reports whether a document created at t with id comes after the
// cursor in the list's order (newest first): older, or as old with a
// smaller ID.
func (c ListCursor) After(t time.Time, id string) bool {
	t = t.Truncate(time.Microsecond)
	at := c.CreatedAt.Truncate(time.Microsecond)
	return t.Before(at) || (t.Equal(at) && id < c.ID)
}

// maxCursorID bounds the length of a cursor's ID.
const maxCursorID = 64

// ParseListCursor reads a cursor of the document list: a ListCursor's
// String, or a bare document ID (the form before the list was ordered by
// creation time), returned as bareID with CreatedAt unknown (zero).
// Anything else is EINVALID.
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
	us, perr := strconv.ParseInt(micros, 10, 64)
	if perr != nil || micros[0] == '+' {
		return ListCursor{}, false, bad
	}
	return ListCursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}, false, nil
}

// notIDRune: r is not a letter or digit of ASCII, which IDs are made of.
func notIDRune(r rune) bool {
	return !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
}
