package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/workflow"
)

// handleRegisterJSON writes the register a request names (a year, or
// its month) as {"register", "year", "month", "items"}, the items as the
// API's, written as they are read (EachRegisterRows: a year a page at a
// time, not built whole in memory). An error before the first lines
// answers the request; one after them aborts the response (the
// connection closes before the body's end, so a download fails rather
// than keep a cut file that would look whole).
func (u *UI) handleRegisterJSON(w http.ResponseWriter, r *http.Request, s *Session) error {
	v, err := u.registerRequest(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	started, items := false, 0
	err = u.cfg.Docs.EachRegisterRows(r.Context(), s.User, v.Kind, v.Year, time.Month(v.Month), func(rows []workflow.RegisterRow) error {
		if !started {
			started = true
			startRegisterJSON(w, v, &buf)
		}
		dd, _ := u.cfg.Archive.(api.DisposedDocuments)
		entries, err := api.RegisterEntries(r.Context(), dd, rows)
		if err != nil {
			return err
		}
		for _, x := range entries {
			b, err := json.Marshal(x)
			if err != nil {
				return err
			}
			if items > 0 {
				buf.WriteByte(',')
			}
			items++
			buf.WriteString("\n")
			buf.Write(b)
		}
		_, err = w.Write(buf.Bytes())
		buf.Reset()
		return err
	})
	if err != nil && started {
		u.log.WarnContext(r.Context(), "register JSON cut short: response aborted", "register", v.Kind, "year", v.Year, "err", err)
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		return err
	}
	if !started {
		startRegisterJSON(w, v, &buf)
	}
	buf.WriteString("\n]}\n")
	_, err = w.Write(buf.Bytes())
	return err
}

// startRegisterJSON sends the headers of v's JSON file and puts its
// beginning in buf.
func startRegisterJSON(w http.ResponseWriter, v *registerView, buf *bytes.Buffer) {
	name := fmt.Sprintf("so-dang-ky-%s-%d", v.Kind, v.Year)
	month := ""
	if v.Month != 0 {
		name += fmt.Sprintf("-%02d", v.Month)
		month = fmt.Sprintf(`"month":%d,`, v.Month)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment; filename="+name+".json")
	fmt.Fprintf(buf, `{"register":%q,"year":%d,%s"items":[`, v.Kind, v.Year, month)
}
