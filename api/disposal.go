package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// Disposer is the disposal of archived records (archive.Service,
// archive/disposal.go).
type Disposer interface {
	Expired(ctx context.Context, actor *workflow.User, q archive.Query) ([]*archive.Record, string, error)
	ProposeDisposal(ctx context.Context, actor *workflow.User, title string, ids []string) (*workflow.Disposal, error)
	Disposal(ctx context.Context, actor *workflow.User, id string) (*workflow.Disposal, error)
	DisposalList(ctx context.Context, actor *workflow.User, state workflow.DisposalState) ([]*workflow.Disposal, error)
	AddToDisposal(ctx context.Context, actor *workflow.User, id string, ids []string) (*workflow.Disposal, error)
	RemoveFromDisposal(ctx context.Context, actor *workflow.User, id string, ids []string) (*workflow.Disposal, error)
	ApproveDisposal(ctx context.Context, actor *workflow.User, id string, dec workflow.Decision) (*workflow.Disposal, error)
	RejectDisposal(ctx context.Context, actor *workflow.User, id, reason string) (*workflow.Disposal, error)
	RunDisposal(ctx context.Context, actor *workflow.User, id string) (*workflow.Disposal, error)
	Disposed(ctx context.Context, recs []*archive.Record) (map[string]*workflow.DisposedRecord, error)
}

// disposalRoutes registers, under /archive/disposals:
//
//	GET    /archive/disposals                    the lists (?state=)
//	POST   /archive/disposals                    {"title", "record_ids"} propose (archivist)
//	GET    /archive/disposals/expired            records past retention, no hold, not destroyed (archivist)
//	GET    /archive/disposals/{id}               a list with its decision and items
//	POST   /archive/disposals/{id}/items         {"record_ids"} add, while proposed
//	DELETE /archive/disposals/{id}/items/{doc}   remove, while proposed
//	POST   /archive/disposals/{id}/approve       {"decision_number", "decision_date", "decision_text"} (officer)
//	POST   /archive/disposals/{id}/reject        {"reason"} (officer; the archivist cancels)
//	POST   /archive/disposals/{id}/run           destroy the records (archivist)
func disposalRoutes(g *echo.Group, a Archive) {
	h := disposalHandlers{a: a}
	g.GET("/archive/disposals", h.list)
	g.POST("/archive/disposals", h.create)
	g.GET("/archive/disposals/expired", h.expired)
	g.GET("/archive/disposals/:id", h.get)
	g.POST("/archive/disposals/:id/items", h.add)
	g.DELETE("/archive/disposals/:id/items/:doc", h.remove)
	g.POST("/archive/disposals/:id/approve", h.approve)
	g.POST("/archive/disposals/:id/reject", h.reject)
	g.POST("/archive/disposals/:id/run", h.run)
}

type disposalHandlers struct{ a Archive }

func (h disposalHandlers) d() (Disposer, error) {
	if d, ok := h.a.(Disposer); ok {
		return d, nil
	}
	return nil, workflow.Errorf(workflow.EUNAVAILABLE, "disposal is not configured on this server")
}

// DisposalJSON is a disposal list as the API shows it.
type DisposalJSON struct {
	ID             string             `json:"id"`
	Title          string             `json:"title"`
	State          string             `json:"state"`
	CreatedBy      string             `json:"created_by"`
	CreatedAt      time.Time          `json:"created_at"`
	ApprovedBy     string             `json:"approved_by,omitempty"`
	ApprovedAt     *time.Time         `json:"approved_at,omitempty"`
	DecisionNumber string             `json:"decision_number,omitempty"`
	DecisionDate   *workflow.Date     `json:"decision_date,omitempty"`
	DecisionText   string             `json:"decision_text,omitempty"`
	RejectedBy     string             `json:"rejected_by,omitempty"`
	RejectedAt     *time.Time         `json:"rejected_at,omitempty"`
	RejectReason   string             `json:"reject_reason,omitempty"`
	DisposedBy     string             `json:"disposed_by,omitempty"`
	DisposedAt     *time.Time         `json:"disposed_at,omitempty"`
	Items          []DisposalItemJSON `json:"items"`
}

// DisposalItemJSON is a record on a list and its outcome.
type DisposalItemJSON struct {
	DocumentID  string         `json:"document_id"`
	Number      int            `json:"number,omitempty"`
	Year        int            `json:"year,omitempty"`
	Notation    string         `json:"notation,omitempty"`
	Subject     string         `json:"subject"`
	Class       string         `json:"retention_class"`
	DocDate     *workflow.Date `json:"document_date,omitempty"`
	RetainUntil time.Time      `json:"retain_until"`
	State       string         `json:"state"` // pending, disposed, held
	Reason      string         `json:"reason,omitempty"`
	DisposedAt  *time.Time     `json:"disposed_at,omitempty"`
	Objects     int            `json:"objects,omitempty"`
	Bytes       int64          `json:"bytes,omitempty"`
	// Files are the deleted objects (also in the record_disposed event).
	Files          []workflow.DisposedObject `json:"files,omitempty"`
	DocumentSHA256 string                    `json:"document_sha256,omitempty"`
}

// DisposalJSONOf is list d as the API shows it (also `vanthu archive
// disposals -json`).
func DisposalJSONOf(d *workflow.Disposal) DisposalJSON {
	out := DisposalJSON{ID: d.ID, Title: d.Title, State: string(d.State), CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt,
		ApprovedBy: d.ApprovedBy, ApprovedAt: d.ApprovedAt, DecisionNumber: d.DecisionNumber, DecisionDate: d.DecisionDate,
		DecisionText: d.DecisionText, RejectedBy: d.RejectedBy, RejectedAt: d.RejectedAt, RejectReason: d.RejectReason,
		DisposedBy: d.DisposedBy, DisposedAt: d.DisposedAt, Items: make([]DisposalItemJSON, 0, len(d.Items))}
	for _, it := range d.Items {
		st := it.State
		if st == workflow.ItemPending {
			st = "pending"
		}
		out.Items = append(out.Items, DisposalItemJSON{DocumentID: it.DocumentID, Number: it.Number, Year: it.Year, Notation: it.Notation,
			Subject: it.Subject, Class: it.Class, DocDate: it.DocDate, RetainUntil: it.RetainUntil, State: st, Reason: it.Reason,
			DisposedAt: it.DisposedAt, Objects: it.Objects, Bytes: it.Bytes, Files: it.Files, DocumentSHA256: it.DocumentSHA256})
	}
	return out
}

func (h disposalHandlers) list(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	st := workflow.DisposalState(c.QueryParam("state"))
	switch st {
	case "", workflow.DisposalProposed, workflow.DisposalApproved, workflow.DisposalDisposed, workflow.DisposalRejected:
	default:
		return workflow.Errorf(workflow.EINVALID, "state must be proposed, approved, disposed or rejected, not %q", st).On("state")
	}
	ls, err := d.DisposalList(c.Request().Context(), Actor(c), st)
	if err != nil {
		return err
	}
	out := struct {
		Items []DisposalJSON `json:"items"`
	}{Items: make([]DisposalJSON, 0, len(ls))}
	for _, x := range ls {
		out.Items = append(out.Items, DisposalJSONOf(x))
	}
	return c.JSON(http.StatusOK, out)
}

type disposalRecordsRequest struct {
	Title     string   `json:"title"`
	RecordIDs []string `json:"record_ids"`
}

func (h disposalHandlers) create(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	var req disposalRecordsRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if len(req.RecordIDs) == 0 {
		return workflow.Errorf(workflow.EINVALID, "record_ids: the records to dispose of (at least one)").On("record_ids")
	}
	x, err := d.ProposeDisposal(c.Request().Context(), Actor(c), req.Title, req.RecordIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, DisposalJSONOf(x))
}

func (h disposalHandlers) expired(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	if err := checkQuery(c); err != nil {
		return err
	}
	q := archive.Query{Q: c.QueryParam("q"), After: c.QueryParam("cursor")}
	if q.Limit, err = pageLimit(c); err != nil {
		return err
	}
	recs, next, err := d.Expired(c.Request().Context(), Actor(c), q)
	if err != nil {
		return err
	}
	out := archiveListResponse{Items: make([]ArchiveRecordJSON, 0, len(recs)), NextCursor: next}
	for _, r := range recs {
		out.Items = append(out.Items, toArchiveRecordJSON(r))
	}
	return c.JSON(http.StatusOK, out)
}

func (h disposalHandlers) get(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	x, err := d.Disposal(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DisposalJSONOf(x))
}

func (h disposalHandlers) add(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	var req disposalRecordsRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if len(req.RecordIDs) == 0 {
		return workflow.Errorf(workflow.EINVALID, "record_ids: the records to add (at least one)").On("record_ids")
	}
	x, err := d.AddToDisposal(c.Request().Context(), Actor(c), c.Param("id"), req.RecordIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DisposalJSONOf(x))
}

func (h disposalHandlers) remove(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	x, err := d.RemoveFromDisposal(c.Request().Context(), Actor(c), c.Param("id"), []string{c.Param("doc")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DisposalJSONOf(x))
}

type approveDisposalRequest struct {
	DecisionNumber string         `json:"decision_number"`
	DecisionDate   *workflow.Date `json:"decision_date"`
	DecisionText   string         `json:"decision_text"`
}

func (h disposalHandlers) approve(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	var req approveDisposalRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	dec := workflow.Decision{Number: req.DecisionNumber, Text: req.DecisionText}
	if req.DecisionDate != nil {
		dec.Date = *req.DecisionDate
	}
	x, err := d.ApproveDisposal(c.Request().Context(), Actor(c), c.Param("id"), dec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DisposalJSONOf(x))
}

type rejectDisposalRequest struct {
	Reason string `json:"reason"`
}

func (h disposalHandlers) reject(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	var req rejectDisposalRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	x, err := d.RejectDisposal(c.Request().Context(), Actor(c), c.Param("id"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DisposalJSONOf(x))
}

func (h disposalHandlers) run(c echo.Context) error {
	d, err := h.d()
	if err != nil {
		return err
	}
	x, err := d.RunDisposal(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DisposalJSONOf(x))
}

// DisposedJSON says a record was destroyed, by which decision.
type DisposedJSON struct {
	DisposalID     string        `json:"disposal_id"`
	DecisionNumber string        `json:"decision_number"`
	DecisionDate   workflow.Date `json:"decision_date"`
	DisposedAt     time.Time     `json:"disposed_at"`
}

// markDisposed sets Disposed on the records of out that were destroyed.
func markDisposed(ctx context.Context, a Archive, recs []*archive.Record, out []ArchiveRecordJSON) error {
	d, ok := a.(Disposer)
	if !ok {
		return nil
	}
	gone, err := d.Disposed(ctx, recs)
	if err != nil {
		return err
	}
	for i := range out {
		if g := gone[out[i].DocumentID]; g != nil {
			out[i].Disposed = &DisposedJSON{DisposalID: g.DisposalID, DecisionNumber: g.DecisionNumber, DecisionDate: g.DecisionDate, DisposedAt: g.DisposedAt}
		}
	}
	return nil
}

// DisposedDocuments says which documents' records were destroyed
// (archive.Service).
type DisposedDocuments interface {
	DisposedDocuments(ctx context.Context, ids []string) (map[string]*workflow.DisposedRecord, error)
}

// RegisterEntries are the API's lines of rows (also the web's JSON
// download's): a destroyed record's line keeps its number, with the
// decision in disposed and its note in notes, read for the rows in one
// query (dd nil: none noted).
func RegisterEntries(ctx context.Context, dd DisposedDocuments, rows []workflow.RegisterRow) ([]RegisterEntry, error) {
	out := make([]RegisterEntry, len(rows))
	ids := make([]string, 0, len(rows))
	for i, r := range rows {
		out[i] = RegisterEntryOf(r)
		if r.DocumentID != "" {
			ids = append(ids, r.DocumentID)
		}
	}
	if dd == nil || len(ids) == 0 {
		return out, nil
	}
	gone, err := dd.DisposedDocuments(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if g := gone[out[i].DocumentID]; g != nil {
			out[i].Notes = workflow.AddNote(out[i].Notes, g.Note())
			out[i].Disposed = &DisposedJSON{DisposalID: g.DisposalID, DecisionNumber: g.DecisionNumber, DecisionDate: g.DecisionDate, DisposedAt: g.DisposedAt}
		}
	}
	return out, nil
}
