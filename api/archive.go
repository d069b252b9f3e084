package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/internal/mediatype"
	"github.com/vanthu/vanthu/workflow"
)

// Archive is the district repository the archive routes call
// (archive.Service).
type Archive interface {
	Search(ctx context.Context, actor *workflow.User, q archive.Query) ([]*archive.Record, string, error)
	Get(ctx context.Context, actor *workflow.User, docID string) (*archive.Record, error)
	Open(ctx context.Context, actor *workflow.User, docID, name string) (io.ReadCloser, *archive.Record, archive.Object, error)
	// Stat is Open without the content (a HEAD): the object and the type
	// its content was stored with.
	Stat(ctx context.Context, actor *workflow.User, docID, name string) (*archive.Record, archive.Object, string, error)
	SetLegalHold(ctx context.Context, actor *workflow.User, docID string, on bool, comment string) (*archive.Record, error)
	Delete(ctx context.Context, actor *workflow.User, docID string) error
	WritePackage(ctx context.Context, actor *workflow.User, docID string, w io.Writer) error
	CheckEvidence(ctx context.Context, actor *workflow.User, docID string) (*archive.EvidenceReport, error)
	// SearchCount is Search with the count of the records it finds on
	// all its pages (the cursor and limit do not matter), both read in
	// one snapshot: the total never disagrees with the pages.
	SearchCount(ctx context.Context, actor *workflow.User, q archive.Query) ([]*archive.Record, string, int, error)
}

// ArchiveRoutes returns the registration of the archive routes, for
// Server.Extra:
//
//	GET    /archive                    search (archivist, clerk, admin)
//	GET    /archive/{id}               the record: retention, hold, objects with hashes
//	GET    /archive/{id}/object?name=  one object, streamed
//	GET    /archive/{id}/package       the record as a BagIt zip
//	GET    /archive/{id}/evidence      the record and its archive time-stamp chain, checked now
//	PUT    /archive/{id}/legal-hold    {"on": true|false, "comment": ""} (archivist, admin)
//	DELETE /archive/{id}               always refused (403) with the reason
//	/archive/disposals...              disposal of records (disposal.go)
func ArchiveRoutes(a Archive) func(g *echo.Group, s *Server) {
	return func(g *echo.Group, s *Server) {
		h := archiveHandlers{a: a}
		if d, ok := a.(DisposedDocuments); ok {
			s.disposed = d // the registers note destroyed records
		}
		g.GET("/archive", h.search)
		g.GET("/archive/:id", h.get)
		g.GET("/archive/:id/object", h.object)
		g.GET("/archive/:id/package", h.pkg)
		g.GET("/archive/:id/evidence", h.evidence)
		g.PUT("/archive/:id/legal-hold", h.legalHold)
		g.DELETE("/archive/:id", h.delete)
		disposalRoutes(g, a)
	}
}

type archiveHandlers struct{ a Archive }

// ArchiveRecordJSON is an archived record as the API shows it.
type ArchiveRecordJSON struct {
	DocumentID      string              `json:"document_id"`
	Key             string              `json:"key"`
	RetentionClass  string              `json:"retention_class"`
	ArchivedAt      time.Time           `json:"archived_at"`
	RetainUntil     time.Time           `json:"retain_until"`
	LegalHold       bool                `json:"legal_hold"`
	Direction       string              `json:"direction"`
	Type            string              `json:"type"`
	Subject         string              `json:"subject"`
	Number          int                 `json:"number,omitempty"`
	Year            int                 `json:"year,omitempty"`
	Notation        string              `json:"notation,omitempty"`
	DocDate         *workflow.Date      `json:"document_date,omitempty"` // YYYY-MM-DD
	SignerID        string              `json:"signer_id,omitempty"`
	SignerName      string              `json:"signer_name,omitempty"`
	Orgs            []workflow.Org      `json:"orgs,omitempty"`
	Confidentiality string              `json:"confidentiality"`
	Objects         []ArchiveObjectJSON `json:"objects,omitempty"`
	// Disposed: the record was destroyed (its objects are gone), by
	// this decision.
	Disposed *DisposedJSON `json:"disposed,omitempty"`
}

// ArchiveObjectJSON is one object of a record.
type ArchiveObjectJSON struct {
	Name        string    `json:"name"`
	Key         string    `json:"key"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	VersionID   string    `json:"version_id,omitempty"`
	RetainUntil time.Time `json:"retain_until"`
	LegalHold   bool      `json:"legal_hold"`
}

func toArchiveRecordJSON(r *archive.Record) ArchiveRecordJSON {
	out := ArchiveRecordJSON{DocumentID: r.DocumentID, Key: r.Key, RetentionClass: r.Class, ArchivedAt: r.ArchivedAt,
		RetainUntil: r.RetainUntil, LegalHold: r.LegalHold, Direction: string(r.Direction), Type: string(r.Type),
		Subject: r.Subject, Number: r.Number, Year: r.Year, Notation: r.Notation, DocDate: r.DocDate,
		SignerID: r.SignerID, SignerName: r.SignerName, Orgs: r.Orgs, Confidentiality: string(r.Confidentiality)}
	for _, o := range r.Objects {
		out.Objects = append(out.Objects, ArchiveObjectJSON{Name: o.Name, Key: o.Key, Size: o.Size, SHA256: o.SHA256,
			VersionID: o.VersionID, RetainUntil: o.RetainUntil, LegalHold: o.LegalHold})
	}
	return out
}

type archiveListResponse struct {
	Items      []ArchiveRecordJSON `json:"items"`
	NextCursor string              `json:"next_cursor,omitempty"`
	Total      *int                `json:"total,omitempty"` // with ?count=true
}

func (h archiveHandlers) search(c echo.Context) error {
	if err := checkQuery(c); err != nil {
		return err
	}
	q := archive.Query{Q: c.QueryParam("q"), Type: workflow.DocType(c.QueryParam("type")), Notation: c.QueryParam("notation"),
		Signer: c.QueryParam("signer"), Org: c.QueryParam("org"), After: c.QueryParam("cursor")}
	var err error
	if q.From, err = parseDay("from", c.QueryParam("from")); err != nil {
		return err
	}
	if q.To, err = parseDay("to", c.QueryParam("to")); err != nil {
		return err
	}
	if err := workflow.CheckRange(q.From, q.To); err != nil {
		return err
	}
	if n := c.QueryParam("number"); n != "" {
		if q.Number, err = strconv.Atoi(n); err != nil || q.Number < 1 {
			return workflow.Errorf(workflow.EINVALID, "number must be a positive number").On("number")
		}
	}
	if cl := c.QueryParam("class"); cl != "" {
		if !archive.ValidClass(cl) {
			return workflow.Errorf(workflow.EINVALID, "class must be one of 5y, 10y, 20y, permanent, not %q", cl).On("class")
		}
		q.Class = cl
	}
	if q.Limit, err = pageLimit(c); err != nil {
		return err
	}
	want, err := wantCount(c)
	if err != nil {
		return err
	}
	var recs []*archive.Record
	var next string
	var n *int
	if want {
		var total int
		recs, next, total, err = h.a.SearchCount(c.Request().Context(), Actor(c), q)
		n = &total
	} else {
		recs, next, err = h.a.Search(c.Request().Context(), Actor(c), q)
	}
	if err != nil {
		return err
	}
	out := archiveListResponse{Items: make([]ArchiveRecordJSON, 0, len(recs)), NextCursor: next, Total: n}
	for _, r := range recs {
		out.Items = append(out.Items, toArchiveRecordJSON(r))
	}
	if err := markDisposed(c.Request().Context(), h.a, recs, out.Items); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (h archiveHandlers) get(c echo.Context) error {
	r, err := h.a.Get(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := []ArchiveRecordJSON{toArchiveRecordJSON(r)}
	if err := markDisposed(c.Request().Context(), h.a, []*archive.Record{r}, out); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out[0])
}

func (h archiveHandlers) object(c echo.Context) error {
	name := c.QueryParam("name")
	if name == "" {
		name = archive.NameDocument
	}
	ctx, id := c.Request().Context(), c.Param("id")
	if c.Request().Method == http.MethodHead {
		// The GET's headers from the record and the object's info, no
		// read of its content.
		rec, o, recorded, err := h.a.Stat(ctx, Actor(c), id, name)
		if err != nil {
			return err
		}
		return blobHeaders(c, objectType(mediatype.Recorded(recorded, name), name), archive.DownloadName(rec, name), o.SHA256, o.Size, nil)
	}
	rc, rec, o, err := h.a.Open(ctx, Actor(c), id, name)
	if err != nil {
		return err
	}
	defer rc.Close()
	ct, body, err := mediatype.Sniff(rc, name)
	if err != nil {
		return fmt.Errorf("read archive object %s: %w", name, err)
	}
	return blobHeaders(c, objectType(ct, name), archive.DownloadName(rec, name), o.SHA256, o.Size, body)
}

// objectType is the type an archive object named name is served with,
// given the type of its content: its JSON files are JSON.
func objectType(ct, name string) string {
	if strings.HasSuffix(name, ".json") {
		return "application/json"
	}
	return ct
}

func (h archiveHandlers) pkg(c echo.Context) error {
	ctx := c.Request().Context()
	// Refusals (403, 404, 503) before the first byte of the zip.
	rec, err := h.a.Get(ctx, Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "application/zip")
	hd.Set("Content-Disposition", mediatype.Disposition("attachment", archive.PackageDownloadName(rec)))
	if c.Request().Method == http.MethodHead {
		// The zip is made as it is sent, its length unknown before: a
		// HEAD gets the GET's headers without every object read for it.
		return c.NoContent(http.StatusOK)
	}
	// The status goes with the first byte of the zip: a store that is down
	// before then (the first object cannot be read) is still a 503.
	if err := h.a.WritePackage(ctx, Actor(c), c.Param("id"), c.Response()); err != nil {
		if !c.Response().Committed {
			hd.Del("Content-Disposition")
			hd.Del(echo.HeaderContentType)
			return err
		}
		// The status is sent: all we can do is cut the zip short, which
		// makes it invalid (its central directory is missing).
		c.Logger().Errorf("package %s: %v", c.Param("id"), err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

type legalHoldRequest struct {
	On      *bool  `json:"on"`
	Comment string `json:"comment"`
}

func (h archiveHandlers) legalHold(c echo.Context) error {
	var req legalHoldRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.On == nil {
		return workflow.Errorf(workflow.EINVALID, `"on" (true or false) is required`).On("on")
	}
	r, err := h.a.SetLegalHold(c.Request().Context(), Actor(c), c.Param("id"), *req.On, req.Comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toArchiveRecordJSON(r))
}

func (h archiveHandlers) delete(c echo.Context) error {
	return h.a.Delete(c.Request().Context(), Actor(c), c.Param("id"))
}

// EvidenceReportJSON is the check of a record's archive time-stamp chain.
type EvidenceReportJSON struct {
	DocumentID  string                  `json:"document_id"`
	Record      string                  `json:"record"`
	CheckedAt   time.Time               `json:"checked_at"`
	RetainUntil time.Time               `json:"retain_until"`
	Verdict     string                  `json:"verdict"`
	Reasons     []string                `json:"reasons"`
	Document    *EvidenceDocumentJSON   `json:"document,omitempty"`
	TimeStamps  []EvidenceTimeStampJSON `json:"time_stamps"`
}

// EvidenceDocumentJSON is the principal file re-validated at the time the
// first archive time-stamp proves.
type EvidenceDocumentJSON struct {
	Name           string    `json:"name"`
	SHA256         string    `json:"sha256"`
	ValidationTime time.Time `json:"validation_time"`
	Verdict        string    `json:"verdict"`
	Reasons        []string  `json:"reasons"`
}

// EvidenceTimeStampJSON is one archive time-stamp of the chain.
type EvidenceTimeStampJSON struct {
	Seq          int        `json:"seq"`
	Manifest     string     `json:"manifest"`
	Token        string     `json:"token"`
	Time         *time.Time `json:"time,omitempty"`
	Authority    string     `json:"authority,omitempty"`
	CertNotAfter *time.Time `json:"cert_not_after,omitempty"`
	ValidUntil   *time.Time `json:"valid_until,omitempty"`
	Trusted      bool       `json:"trusted"`
	Problems     []string   `json:"problems"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (h archiveHandlers) evidence(c echo.Context) error {
	r, err := h.a.CheckEvidence(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := EvidenceReportJSON{DocumentID: r.DocumentID, Record: r.Record, CheckedAt: r.CheckedAt, RetainUntil: r.RetainUntil,
		Verdict: r.Verdict, Reasons: r.Reasons, TimeStamps: []EvidenceTimeStampJSON{}}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	if d := r.Document; d != nil {
		out.Document = &EvidenceDocumentJSON{Name: d.Name, SHA256: d.SHA256, ValidationTime: d.ValidationTime, Verdict: d.Verdict, Reasons: d.Reasons}
		if out.Document.Reasons == nil {
			out.Document.Reasons = []string{}
		}
	}
	for _, t := range r.TimeStamps {
		j := EvidenceTimeStampJSON{Seq: t.Seq, Manifest: t.Manifest, Token: t.Token, Time: timeOrNil(t.Time), Authority: t.Authority,
			CertNotAfter: timeOrNil(t.CertNotAfter), ValidUntil: timeOrNil(t.ValidUntil), Trusted: t.Trusted, Problems: t.Problems}
		if j.Problems == nil {
			j.Problems = []string{}
		}
		out.TimeStamps = append(out.TimeStamps, j)
	}
	return c.JSON(http.StatusOK, out)
}
