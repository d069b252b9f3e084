package workflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// StoredEvent is an audit event as its repository stores it: the fields
// the hash covers, Data as the stored JSON text ("null", or empty, for a
// nil map), the time as Unix microseconds. A walker fills one in buffers
// it reuses: the bytes are valid only during the callback.
type StoredEvent struct {
	Seq                                                int64
	DocumentID, Actor, Kind, Action, From, To, Comment []byte
	Data                                               []byte
	AtMicros                                           int64
	PrevHash, Hash                                     []byte
}

// StoredEventWalker is a Repository that reads the audit trail as stored
// rows, without building an Event per row: VerifyAudit's walk when the
// repository has it.
type StoredEventWalker interface {
	// WalkStoredEvents calls fn for every audit event in sequence order
	// (s valid only during the call) and stops at fn's first error,
	// which it returns as is.
	WalkStoredEvents(ctx context.Context, fn func(s *StoredEvent) error) error
}

// Event decodes s as a repository's Events and WalkEvents return it.
func (s *StoredEvent) Event() (Event, error) {
	e := Event{
		Seq:        s.Seq,
		DocumentID: string(s.DocumentID),
		Actor:      string(s.Actor),
		Kind:       EventKind(s.Kind),
		Action:     Action(s.Action),
		From:       State(s.From),
		To:         State(s.To),
		Comment:    string(s.Comment),
		At:         time.UnixMicro(s.AtMicros).UTC(),
		PrevHash:   string(s.PrevHash),
		Hash:       string(s.Hash),
	}
	if len(s.Data) > 0 {
		if err := json.Unmarshal(s.Data, &e.Data); err != nil {
			return e, fmt.Errorf("audit event %d: decode data: %w", s.Seq, err)
		}
	}
	return e, nil
}

// eventHasher recomputes the hash of stored events (HashEvent of the
// Event each decodes to) in buffers it reuses.
type eventHasher struct {
	buf []byte
	hex [2 * sha256.Size]byte
}

// hash returns the hex hash of s, valid until the next call; an error
// if its Data does not decode (as Event's).
func (x *eventHasher) hash(s *StoredEvent) ([]byte, error) {
	b := append(append(x.buf[:0], s.PrevHash...), '\n') // the hash covers PrevHash, a newline, the canonical form
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, s.Seq, 10)
	b = appendJSONField(b, `,"doc":`, s.DocumentID)
	b = appendJSONField(b, `,"actor":`, s.Actor)
	b = appendJSONField(b, `,"kind":`, s.Kind)
	b = appendJSONField(b, `,"action":`, s.Action)
	b = appendJSONField(b, `,"from":`, s.From)
	b = appendJSONField(b, `,"to":`, s.To)
	b = appendJSONField(b, `,"comment":`, s.Comment)
	b = append(b, `,"data":`...)
	b, err := appendCanonicalData(b, s)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"at":`...)
	b = strconv.AppendInt(b, s.AtMicros, 10)
	b = append(b, '}')
	x.buf = b
	sum := sha256.Sum256(b)
	hex.Encode(x.hex[:], sum[:])
	return x.hex[:], nil
}

// appendJSONField appends name and v as encoding/json writes a string:
// v as is when it holds only characters written literally, else what
// json.Marshal makes of it.
func appendJSONField(b []byte, name string, v []byte) []byte {
	b = append(b, name...)
	if literalJSON(v) {
		b = append(b, '"')
		b = append(b, v...)
		return append(b, '"')
	}
	q, _ := json.Marshal(string(v)) // a string cannot fail
	return append(b, q...)
}

// literalJSON: encoding/json writes every byte of v as is inside a
// string's quotes — printable ASCII but for the quote, the backslash and
// the characters it escapes for HTML (<, >, &), and valid UTF-8 but for
// the line and paragraph separators (escaped for JavaScript). Anything
// else (DEL included, to be safe) takes json.Marshal.
func literalJSON(v []byte) bool {
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return false // invalid UTF-8 (U+FFFD itself too: safe either way)
		}
		i += n
	}
	return true
}

// appendCanonicalData appends what json.Marshal makes of the map s.Data
// decodes to: the stored text itself when it already is that (null, or
// an object of literal strings with keys in increasing byte order, as
// json.Marshal wrote it), else the map decoded and encoded again.
func appendCanonicalData(b []byte, s *StoredEvent) ([]byte, error) {
	if len(s.Data) == 0 {
		return append(b, "null"...), nil
	}
	if canonicalData(s.Data) {
		return append(b, s.Data...), nil
	}
	var m map[string]string
	if err := json.Unmarshal(s.Data, &m); err != nil {
		return nil, fmt.Errorf("audit event %d: decode data: %w", s.Seq, err)
	}
	q, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("audit event %d: encode data: %w", s.Seq, err)
	}
	return append(b, q...), nil
}

// canonicalData: d is null or {"k":"v",...} with no space, every key and
// value literal (literalJSON: no escape), the keys strictly increasing —
// exactly the bytes json.Marshal writes for the map it decodes to.
func canonicalData(d []byte) bool {
	if string(d) == "null" || string(d) == "{}" {
		return true
	}
	if len(d) < 2 || d[0] != '{' || d[len(d)-1] != '}' {
		return false
	}
	rest, prevKey := d[1:len(d)-1], []byte(nil)
	for i := 0; ; i++ {
		key, r, ok := literalToken(rest)
		if !ok || len(r) == 0 || r[0] != ':' || (i > 0 && bytes.Compare(prevKey, key) >= 0) {
			return false
		}
		_, r, ok = literalToken(r[1:])
		if !ok {
			return false
		}
		if len(r) == 0 {
			return true
		}
		if r[0] != ',' {
			return false
		}
		prevKey, rest = key, r[1:]
	}
}

// literalToken reads a quoted string at the start of d that holds only
// literal characters (literalJSON): its content and what follows it.
func literalToken(d []byte) (content, rest []byte, ok bool) {
	if len(d) < 2 || d[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(d[1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	content = d[1 : 1+end]
	if !literalJSON(content) {
		return nil, nil, false
	}
	return content, d[2+end:], true
}
