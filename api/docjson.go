package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// Documents are the answer of the busiest routes (GET /documents/{id},
// GET /documents), and encoding/json's reflection was a quarter of a
// list's CPU. appendDocumentJSON writes the same bytes as encoding/json
// does for a DocumentJSON (TestAppendDocumentJSONIsEncodingJSON compares
// them, TestDocumentJSONFieldsKnown fails when DocumentJSON gains a field
// this file does not write), into a pooled buffer sent with its length.

var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeDocumentJSON answers one document, with its ETag (etag.go).
func (s *Server) writeDocumentJSON(c echo.Context, status int, d *workflow.Document) error {
	out := toDocumentJSON(d, Actor(c), s.Docs)
	return writeDocumentOut(c, status, &out, docETag(&out))
}

// writeDocumentOut answers out, the document as the caller sees it, with
// its ETag tag.
func writeDocumentOut(c echo.Context, status int, out *DocumentJSON, tag string) error {
	c.Response().Header().Set("ETag", tag)
	if pretty(c) {
		return c.JSON(status, out)
	}
	return writeJSONBytes(c, status, func(b []byte) ([]byte, error) { return appendDocumentJSON(b, out) })
}

// writeJSONBytes answers the JSON that fill appends to an empty buffer.
func writeJSONBytes(c echo.Context, status int, fill func([]byte) ([]byte, error)) error {
	bp := jsonBufs.Get().(*[]byte)
	b, err := fill((*bp)[:0])
	if err != nil {
		jsonBufs.Put(bp)
		return err
	}
	b = append(b, '\n') // as json.Encoder ends its output
	// With its length, a list larger than the server's buffer goes out
	// without chunked encoding.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	err = c.JSONBlob(status, b)
	if cap(b) <= 1<<20 { // do not keep a huge list's buffer
		*bp = b
		jsonBufs.Put(bp)
	}
	return err
}

func appendDocumentJSON(b []byte, d *DocumentJSON) ([]byte, error) {
	b = appendStringField(b, `{"id":`, d.ID)
	b = appendStringField(b, `,"direction":`, d.Direction)
	b = appendStringField(b, `,"type":`, d.Type)
	b = appendStringField(b, `,"type_name":`, d.TypeName)
	b = appendStringField(b, `,"subject":`, d.Subject)
	b = appendStringField(b, `,"urgency":`, d.Urgency)
	b = appendStringField(b, `,"confidentiality":`, d.Confidentiality)
	b = appendStringField(b, `,"state":`, d.State)
	b = strconv.AppendInt(append(b, `,"version":`...), int64(d.Version), 10)
	b = appendStringPtr(append(b, `,"register":`...), d.Register)
	b = appendIntPtr(append(b, `,"year":`...), d.Year)
	b = appendIntPtr(append(b, `,"number":`...), d.Number)
	b = appendStringPtr(append(b, `,"notation":`...), d.Notation)
	b = appendOmitEmpty(b, `,"verify_code":`, d.VerifyCode)
	b = appendOmitEmpty(b, `,"signer_id":`, d.SignerID)
	if len(d.Recipients) > 0 {
		b = append(b, `,"recipients":[`...)
		for i, o := range d.Recipients {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendOrg(b, o)
		}
		b = append(b, ']')
	}
	b = appendOmitEmpty(b, `,"drafting_unit":`, d.DraftingUnit)
	if d.Layout != nil {
		var err error
		if b, err = appendLayout(append(b, `,"layout":`...), d.Layout); err != nil {
			return nil, err
		}
	}
	if d.Sender != nil {
		b = appendOrg(append(b, `,"sender":`...), *d.Sender)
	}
	b = appendOmitEmpty(b, `,"original_number":`, d.OriginalNumber)
	if d.OriginalDate != nil {
		b = appendString(append(b, `,"original_date":`...), *d.OriginalDate)
	}
	var err error
	if b, err = appendTimePtr(append(b, `,"signed_at":`...), d.SignedAt); err != nil {
		return nil, err
	}
	if b, err = appendTimePtr(append(b, `,"issued_at":`...), d.IssuedAt); err != nil {
		return nil, err
	}
	if b, err = appendTimePtr(append(b, `,"registered_at":`...), d.RegisteredAt); err != nil {
		return nil, err
	}
	b = appendOmitEmpty(b, `,"assignee_id":`, d.AssigneeID)
	if d.DueDate != nil {
		b = appendString(append(b, `,"due_date":`...), *d.DueDate)
	}
	return appendDocumentJSONTail(b, d)
}

// appendDocumentJSONTail writes the fields from retention on.
func appendDocumentJSONTail(b []byte, d *DocumentJSON) ([]byte, error) {
	b = appendOmitEmpty(b, `,"retention":`, d.Retention)
	b = appendOmitEmpty(b, `,"notes":`, d.Notes)
	b = appendOmitEmpty(b, `,"revoke_state":`, d.RevokeState)
	b = appendOmitEmpty(b, `,"revoke_reason":`, d.RevokeReason)
	b = appendOmitEmpty(b, `,"revoke_answer":`, d.RevokeAnswer)
	b = appendOmitEmpty(b, `,"reject_reason":`, d.RejectReason)
	b = appendOmitEmpty(b, `,"replaces":`, d.Replaces)
	b = appendOmitEmpty(b, `,"updates":`, d.Updates)
	b = appendOmitEmpty(b, `,"replaced_by":`, d.ReplacedBy)
	b = appendOmitEmpty(b, `,"updated_by":`, d.UpdatedBy)
	b = appendOmitEmpty(b, `,"replies_to":`, d.RepliesTo)
	b = appendOmitEmpty(b, `,"replied_by":`, d.RepliedBy)
	b = append(b, `,"files":`...)
	if d.Files == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, f := range d.Files {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStringField(b, `{"sha256":`, f.SHA256)
			b = appendStringField(b, `,"name":`, f.Name)
			b = strconv.AppendInt(append(b, `,"size":`...), f.Size, 10)
			b = appendStringField(b, `,"kind":`, f.Kind)
			var err error
			if b, err = appendTime(append(b, `,"created_at":`...), f.CreatedAt); err != nil {
				return nil, err
			}
			b = strconv.AppendBool(append(b, `,"inspected":`...), f.Inspected)
			if len(f.ActiveContent) > 0 {
				b = appendStrings(append(b, `,"active_content":`...), f.ActiveContent)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"verification":`...)
	if v := d.Verification; v == nil {
		b = append(b, "null"...)
	} else {
		b = appendStringField(b, `{"verdict":`, v.Verdict)
		b = appendStrings(append(b, `,"reasons":`...), v.Reasons)
		b = append(b, '}')
	}
	b = appendStringField(b, `,"created_by":`, d.CreatedBy)
	var err error
	if b, err = appendTime(append(b, `,"created_at":`...), d.CreatedAt); err != nil {
		return nil, err
	}
	if b, err = appendTime(append(b, `,"updated_at":`...), d.UpdatedAt); err != nil {
		return nil, err
	}
	b = appendStrings(append(b, `,"allowed_actions":`...), d.AllowedActions)
	if len(d.UnavailableActions) > 0 {
		b = append(b, `,"unavailable_actions":[`...)
		for i, u := range d.UnavailableActions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStringField(b, `{"action":`, u.Action)
			b = appendStringField(b, `,"message":`, u.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func appendLayout(b []byte, l *LayoutJSON) ([]byte, error) {
	b = append(b, '{')
	var err error
	for _, box := range []struct {
		key string
		box *BoxJSON
	}{{`"signature":`, l.Signature}, {`"number":`, l.Number}, {`"date":`, l.Date}} {
		if box.box == nil {
			continue
		}
		b = appendComma(b)
		b = strconv.AppendInt(append(append(b, box.key...), `{"page":`...), int64(box.box.Page), 10)
		for _, f := range []struct {
			key string
			v   float64
		}{{`,"x":`, box.box.X}, {`,"y":`, box.box.Y}, {`,"w":`, box.box.W}, {`,"h":`, box.box.H}} {
			if b, err = appendFloat(append(b, f.key...), f.v); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	if l.NumberOnly {
		b = append(appendComma(b), `"number_only":true`...)
	}
	for _, fs := range []struct {
		key string
		v   []float64
	}{{`"date_blanks":[`, l.DateBlanks}, {`"date_blanks_below":[`, l.DateBlanksBelow}} {
		if len(fs.v) == 0 {
			continue
		}
		b = append(appendComma(b), fs.key...)
		for i, f := range fs.v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendFloat(b, f); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if l.DateShortYear {
		b = append(appendComma(b), `"date_short_year":true`...)
	}
	if l.Source != "" {
		b = appendStringField(appendComma(b), `"source":`, l.Source)
	}
	if len(l.Notes) > 0 {
		b = appendStrings(append(appendComma(b), `"notes":`...), l.Notes)
	}
	return append(b, '}'), nil
}

// appendComma separates a member from the one before it, if any.
func appendComma(b []byte) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return b
}

// appendFloat writes f as encoding/json does: the shortest decimal that
// reads back the same, in exponent form (e-7, not e-07) below 1e-6 and
// from 1e21; NaN and infinities are errors.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		_, err := json.Marshal(f)
		return nil, err
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

func appendOrg(b []byte, o workflow.Org) []byte {
	b = appendStringField(b, `{"org_id":`, o.OrgID)
	b = appendStringField(b, `,"name":`, o.Name)
	return append(b, '}')
}

func appendStringField(b []byte, key, s string) []byte { return appendString(append(b, key...), s) }

func appendOmitEmpty(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendStringField(b, key, s)
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

func appendIntPtr(b []byte, n *int) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*n), 10)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendTimePtr(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	return appendTime(b, *t)
}

// appendTime writes t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds; an error for a year outside 0-9999).
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		_, err := t.MarshalJSON()
		return nil, err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string the way encoding/json does: ",
// \ and control characters escaped (\b \f \n \r \t short), <, > and &
// as \u003c \u003e \u0026, U+2028 and U+2029 escaped, invalid UTF-8 as
// U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// pretty: the client asked for indented JSON (?pretty), which c.JSON
// writes.
func pretty(c echo.Context) bool {
	if c.Echo().Debug {
		return true
	}
	if c.Request().URL.RawQuery == "" { // most requests: no query to parse
		return false
	}
	_, ok := c.QueryParams()["pretty"]
	return ok
}

// writeDocumentList answers a page of documents, with the total of
// every page when there is one (?count=true).
func (s *Server) writeDocumentList(c echo.Context, docs []*workflow.Document, next string, total *int) error {
	actor := Actor(c)
	if pretty(c) {
		out := listResponse{Items: make([]DocumentJSON, 0, len(docs)), NextCursor: next, Total: total}
		for _, d := range docs {
			out.Items = append(out.Items, toDocumentJSON(d, actor, s.Docs))
		}
		return c.JSON(http.StatusOK, out)
	}
	return writeJSONBytes(c, http.StatusOK, func(b []byte) ([]byte, error) {
		b = append(b, `{"items":[`...)
		for i, d := range docs {
			if i > 0 {
				b = append(b, ',')
			}
			out := toDocumentJSON(d, actor, s.Docs)
			var err error
			if b, err = appendDocumentJSON(b, &out); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
		if next != "" {
			b = appendStringField(b, `,"next_cursor":`, next)
		}
		if total != nil {
			b = strconv.AppendInt(append(b, `,"total":`...), int64(*total), 10)
		}
		return append(b, '}'), nil
	})
}
