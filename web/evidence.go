package web

import (
	"encoding/json"
	"mime"
	"net/http"
	"time"

	"github.com/vanthu/vanthu/archive"
)

// The check of an archived record's evidence (its chain of archive
// time-stamps), as GET /api/v1/archive/{id}/evidence gives it: the same
// service call (archive.Service.CheckEvidence: the readers of the
// archive, the record's visibility), shown in Vietnamese, and its report
// as a JSON file to keep with an export of the record.

type evidenceView struct {
	Rec    *archive.Record
	Report *archive.EvidenceReport
	JSON   string // the report's download link
}

// handleArchiveEvidence shows the check, or with ?format=json downloads
// its report.
func (u *UI) handleArchiveEvidence(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("id")
	rec, err := u.cfg.Archive.Get(r.Context(), s.User, id)
	if err != nil {
		return err
	}
	rep, err := u.cfg.Archive.CheckEvidence(r.Context(), s.User, id)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "json" {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "chung-cu-" + id + ".json"}))
		h.Set("Cache-Control", "private, no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	title := "Kiểm tra chứng cứ lưu trữ"
	if rec.Notation != "" {
		title += " · " + rec.Notation
	}
	// The report names the document's signatures by number alone: the
	// document's own verification (of the same file, archived as it is)
	// says which of them are document time-stamps.
	var stamps map[string]bool
	if d, err := u.cfg.Docs.Get(r.Context(), s.User, id); err == nil {
		stamps = docStamps(d.Verification)
	}
	u.render(w, r, s, http.StatusOK, "archive_evidence", title, evidenceView{Rec: rec, Report: evidenceReportVI(rep, stamps), JSON: "/archive/" + id + "/evidence?format=json"})
	return nil
}

// evidenceReportVI is a copy of rep with its reasons and problems in
// Vietnamese (evidenceVI; the document's signature reasons, the
// verifier's, by reasonOf, those numbered in stamps said to be document
// time-stamps); the JSON download keeps the service's words.
func evidenceReportVI(rep *archive.EvidenceReport, stamps map[string]bool) *archive.EvidenceReport {
	out := *rep
	out.Reasons = mapStrings(rep.Reasons, evidenceReasonVI)
	if rep.Document != nil {
		d := *rep.Document
		d.Reasons = mapStrings(d.Reasons, func(r string) string { return reasonOf(r, stamps) })
		out.Document = &d
	}
	out.TimeStamps = make([]archive.EvidenceStamp, len(rep.TimeStamps))
	for i, st := range rep.TimeStamps {
		st.Problems = mapStrings(st.Problems, evidenceReasonVI)
		st.Authority = dnVI(st.Authority)
		out.TimeStamps[i] = st
	}
	return &out
}

func mapStrings(in []string, f func(string) string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}

// stampValid says until when an archive time-stamp proves what it covers
// ("" when unknown).
func stampValid(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtDate(t)
}
