package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// writeRegisterJSON answers the lines of a register of kind (a year, or
// its month) as JSON written as they are read (EachRegisterRows: a year a
// page of documents at a time, not built whole in memory — 28,000 lines
// of a year took ≈ 12 MB). The bytes are those c.JSON wrote of
// {"register", "year", "month", "items"}, compact or indented (?pretty):
// json.Encoder's, the map's keys sorted, items first. An error before the
// first lines answers the request; one after them aborts the response
// (http.ErrAbortHandler: the connection is closed without the chunked
// body's end, so a client sees a failed read, and the JSON is not closed
// either) rather than end a document that would look whole.
func (s *Server) writeRegisterJSON(c echo.Context, kind workflow.RegisterKind, year int, month time.Month) error {
	var w *registerJSON
	err := s.Docs.EachRegisterRows(c.Request().Context(), Actor(c), kind, year, month, func(rows []workflow.RegisterRow) error {
		if w == nil {
			w = startRegisterJSON(c, pretty(c))
		}
		entries, err := RegisterEntries(c.Request().Context(), s.disposed, rows)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := w.item(e); err != nil {
				return err
			}
		}
		return w.flush()
	})
	if err == nil && w == nil { // no part: an empty register
		w = startRegisterJSON(c, pretty(c))
	}
	if err == nil {
		err = w.end(kind, year, month)
	}
	if err != nil && w != nil && w.sent {
		s.log.WarnContext(c.Request().Context(), "register JSON cut short: response aborted", "register", kind, "year", year, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// registerJSON writes a register's JSON to a response, a part at a time.
type registerJSON struct {
	c      echo.Context
	indent bool
	buf    bytes.Buffer // what is not written yet
	item1  []byte       // scratch: one item, indented
	items  int
	sent   bool // bytes have gone to the response: an error can no longer answer
}

// startRegisterJSON sets the headers of a register's JSON and begins it.
func startRegisterJSON(c echo.Context, indent bool) *registerJSON {
	w := &registerJSON{c: c, indent: indent}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	if indent {
		w.buf.WriteString("{\n  \"items\": [")
	} else {
		w.buf.WriteString(`{"items":[`)
	}
	return w
}

// item appends e to the items, as json.Encoder writes an element of an
// array two levels down (HTML characters escaped, as it does).
func (w *registerJSON) item(e RegisterEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if w.items > 0 {
		w.buf.WriteByte(',')
	}
	w.items++
	if !w.indent {
		w.buf.Write(b)
		return nil
	}
	w.buf.WriteString("\n    ")
	ib := bytes.NewBuffer(w.item1[:0])
	if err := json.Indent(ib, b, "    ", "  "); err != nil {
		return err
	}
	w.buf.Write(ib.Bytes())
	w.item1 = ib.Bytes()
	return nil
}

// flush writes what has been appended to the response.
func (w *registerJSON) flush() error {
	if w.buf.Len() == 0 {
		return nil
	}
	if !w.sent {
		w.c.Response().WriteHeader(http.StatusOK)
		w.sent = true
	}
	_, err := w.c.Response().Write(w.buf.Bytes())
	w.buf.Reset()
	return err
}

// end closes the items and writes the fields after them, in the map's
// order (month, register, year).
func (w *registerJSON) end(kind workflow.RegisterKind, year int, month time.Month) error {
	reg, err := json.Marshal(kind)
	if err != nil {
		return err
	}
	sep, colon := ",", ":"
	if w.indent {
		if w.items > 0 {
			w.buf.WriteString("\n  ")
		}
		sep, colon = ",\n  ", ": "
	}
	w.buf.WriteByte(']')
	if month != 0 {
		w.buf.WriteString(sep + `"month"` + colon + strconv.Itoa(int(month)))
	}
	w.buf.WriteString(sep + `"register"` + colon)
	w.buf.Write(reg)
	w.buf.WriteString(sep + `"year"` + colon + strconv.Itoa(year))
	if w.indent {
		w.buf.WriteString("\n")
	}
	w.buf.WriteString("}\n")
	return w.flush()
}
