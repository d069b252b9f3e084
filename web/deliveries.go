package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/vanthu/vanthu/workflow"
)

// showsDeliveries says whether d's page has its exchange deliveries: a
// document sent (or revoked, archived after) or received through the
// exchange, on a server with one.
func (u *UI) showsDeliveries(d *workflow.Document) bool {
	if u.cfg.Exchange == nil {
		return false
	}
	return d.Direction == workflow.Outgoing && (d.State == workflow.Sent || d.State == workflow.Revoked || d.State == workflow.Archived) ||
		d.ExternalID != ""
}

// handleDeliveries is the deliveries section of a document's page alone
// (the template "deliveries"), which app.js refreshes instead of fetching
// the whole page (its signature check, history, forms): the access of the
// page (a document the user may not see is not found), ENOTFOUND for a
// document whose page has no deliveries.
func (u *UI) handleDeliveries(w http.ResponseWriter, r *http.Request, s *Session) error {
	d, err := u.cfg.Docs.Get(r.Context(), s.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !u.showsDeliveries(d) {
		return workflow.Errorf(workflow.ENOTFOUND, "this document has no deliveries")
	}
	v := &docView{Doc: d}
	if err := u.deliveries(r.Context(), s, d, v); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := u.pages.byName["document"].ExecuteTemplate(&buf, "deliveries", v); err != nil {
		return fmt.Errorf("render deliveries: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}
