package gormdb

import (
	"context"
	"crypto/sha256"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/internal/vifold"
	"github.com/vanthu/vanthu/workflow"
)

// Paging limits of Documents.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Document returns the document with id, or ENOTFOUND.
func (c *conn) Document(ctx context.Context, id string) (*workflow.Document, error) {
	r, err := c.queryDocument(ctx, " WHERE id = ?", "", id)
	if err != nil {
		return nil, c.db.translate(err, "document %s", id)
	}
	return r.toDomain()
}

// byIDChunk is how many IDs one statement of DocumentsByID reads: a
// shorter last chunk is padded with its last ID, so every statement has
// the one shape (one cached query, one prepared statement on
// PostgreSQL) and a register of 2,000 originals is 10 statements.
const byIDChunk = 200

// byIDWhere is the condition of a DocumentsByID statement.
var byIDWhere = " WHERE id IN (?" + strings.Repeat(", ?", byIDChunk-1) + ")"

// DocumentsByID returns the documents with ids by ID (workflow.Reader):
// byIDChunk of them a statement, by the primary key. An ID of no
// document is absent.
func (c *conn) DocumentsByID(ctx context.Context, ids []string) (map[string]*workflow.Document, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[string]*workflow.Document, len(ids))
	for chunk := range slices.Chunk(ids, byIDChunk) {
		args := make([]any, byIDChunk)
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		rows, err := c.queryDocuments(ctx, len(chunk), byIDWhere, args...)
		if err != nil {
			return nil, c.db.translate(err, "documents by ID")
		}
		docs, err := documentsOf(rows)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			out[d.ID] = d
		}
	}
	return out, nil
}

// The unique indexes on external_id and verify_code are partial (only
// non-empty values): a planner uses them only when the query states that predicate
// itself (SQLite never proves it from "= ?"; PostgreSQL not in a generic
// plan), else every look-up scans the documents.
const (
	whereExternalID = " WHERE sender_org_id = ? AND external_id = ? AND delivery_key = ? AND external_id <> ''"
	whereVerifyCode = " WHERE verify_code = ? AND verify_code <> ''"
)

// DocumentByExternalID returns the document received first from sender
// with an edXML DocumentId, or ENOTFOUND (documents_sender_delivery).
func (c *conn) DocumentByExternalID(ctx context.Context, sender, externalID string) (*workflow.Document, error) {
	return c.DocumentByDelivery(ctx, sender, externalID, "")
}

// DocumentByDelivery returns the document received from sender with an
// edXML DocumentId and a delivery key, or ENOTFOUND
// (documents_sender_delivery).
func (c *conn) DocumentByDelivery(ctx context.Context, sender, externalID, key string) (*workflow.Document, error) {
	if externalID == "" || sender == "" {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no external id")
	}
	r, err := c.queryDocument(ctx, whereExternalID, "", sender, externalID, key)
	if err != nil {
		return nil, c.db.translate(err, "document received from %s as %s", sender, externalID)
	}
	return r.toDomain()
}

// DocumentByVerifyCode returns the document that carries a public
// verification code, or ENOTFOUND.
func (c *conn) DocumentByVerifyCode(ctx context.Context, code string) (*workflow.Document, error) {
	if code == "" {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no verification code")
	}
	r, err := c.queryDocument(ctx, whereVerifyCode, "", code)
	if err != nil {
		return nil, c.db.translate(err, "document with verification code %s", code)
	}
	return r.toDomain()
}

// LockDocument returns the document, locked (SELECT ... FOR UPDATE on
// PostgreSQL; on SQLite the transaction already excludes every other
// writer). ENOTFOUND if missing.
func (c *conn) LockDocument(ctx context.Context, id string) (*workflow.Document, error) {
	lock := ""
	if c.pg() {
		lock = " FOR UPDATE"
	}
	r, err := c.queryDocument(ctx, " WHERE id = ?", lock, id)
	if err != nil {
		return nil, c.db.translate(err, "lock document %s", id)
	}
	return r.toDomain()
}

// CreateDocument inserts d: ECONFLICT if the ID, or its register number,
// is taken.
func (c *conn) CreateDocument(ctx context.Context, d *workflow.Document) error {
	if d.ID == "" {
		return workflow.Errorf(workflow.EINVALID, "document has no id")
	}
	r, err := documentFromDomain(d)
	if err != nil {
		return err
	}
	if err := c.checkBlobRefs(ctx, fileSums(d)); err != nil {
		return err
	}
	return c.insertDocument(ctx, d, r)
}

// insertDocument inserts r, the row of d, whose files were checked.
func (c *conn) insertDocument(ctx context.Context, d *workflow.Document, r *documentRow) error {
	if err := c.execDocumentInsert(ctx, r); err != nil {
		return c.db.translate(err, "create document %s", d.ID)
	}
	c.sawFiles(d.ID, d.Version, r.Files)
	return nil
}

// insertDocumentQuery is the INSERT of a whole document row (id, then
// updateDocumentColumns, the values of documentRow.updateValues), with ?
// and with $n placeholders: CreateAndAppend's document on PostgreSQL
// writes the same columns.
var insertDocumentQuery = func() [2]string {
	q := "INSERT INTO documents (id, " + strings.Join(updateDocumentColumns, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(updateDocumentColumns)+1), ", ") + ")"
	return [2]string{q, dollarPlaceholders(q)}
}()

// execDocumentInsert writes r as a new row without gorm's reflection: a
// fixed statement, prepared once, as execDocumentUpdate's (gorm's Create
// built it from the schema for every document: on SQLite every create,
// a draft's and a received one's, ≈ 0.1 ms). A column gorm left to its
// default when the field was zero (the empty strings of the columns
// declared not null with an empty default) is written as that zero
// value: the same row. It goes to the slow-query log
// like gorm's.
func (c *conn) execDocumentInsert(ctx context.Context, r *documentRow) (err error) {
	query := insertDocumentQuery[0]
	if c.pg() {
		query = insertDocumentQuery[1]
	}
	var n int64
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return query, n }, err)
	}()
	res, err := c.g.Statement.ConnPool.ExecContext(ctx, query, append([]any{r.ID}, r.updateValues()...)...)
	if err != nil {
		return err
	}
	n, err = res.RowsAffected()
	return err
}

// UpdateDocument writes every field of d where the stored version is
// prevVersion: ECONFLICT if it is not (someone else changed it), ENOTFOUND
// if there is no such document. d.Version is written as given (the caller
// increments it).
func (c *conn) UpdateDocument(ctx context.Context, d *workflow.Document, prevVersion int) error {
	r, err := documentFromDomain(d)
	if err != nil {
		return err
	}
	if c.files[d.ID] != (seenFiles{prevVersion, r.Files}) {
		if err := c.checkBlobRefs(ctx, fileSums(d)); err != nil {
			return err
		}
	}
	changed, err := c.execDocumentUpdate(ctx, r, prevVersion)
	if err != nil {
		return c.db.translate(err, "update document %s", d.ID)
	}
	if changed == 1 {
		c.sawFiles(d.ID, d.Version, r.Files)
		return nil
	}
	return c.updateMissed(ctx, d.ID, prevVersion)
}

// updateMissed is the answer to a guarded update of document id that
// changed nothing: ENOTFOUND if it does not exist, else ECONFLICT.
func (c *conn) updateMissed(ctx context.Context, id string, prevVersion int) error {
	var n int64
	if err := c.q(ctx).Model(&documentRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return c.db.translate(err, "update document %s", id)
	}
	if n == 0 {
		return workflow.Errorf(workflow.ENOTFOUND, "document %s not found", id)
	}
	return workflow.Errorf(workflow.ECONFLICT, "document %s was changed by someone else (version %d is stale)", id, prevVersion)
}

// updateDocumentColumns are the columns UpdateDocument writes: every
// column of documentRow but id, in the order of documentRow.updateValues.
var updateDocumentColumns = append(slices.Clone(documentColumns[1:]), documentColumnsNotRead...)

// reportColumn is the place of verification_report in updateDocumentColumns.
var reportColumn = slices.Index(updateDocumentColumns, "verification_report")

// documentUpdate are the statements that write a document's row where its
// version is the one given: every column but id, or (keepReport) all but
// verification_report, for an update that leaves the report as the
// transaction read it. An issued document's report is ≈ 6 KB of JSON:
// written again, PostgreSQL compresses it and stores it out of line anew.
type documentUpdate struct {
	keepReport bool
	query      string // UpdateDocument's statement, with ? placeholders
	pg         string // the same with $n
	andAppend  string // the update and an event appended (updateAndAppendWith)
	appendLast string // the same as a transaction's last statement
}

// documentUpdates are the two documentUpdates: [0] writes the report,
// [1] keeps it.
var documentUpdates = [2]*documentUpdate{newDocumentUpdate(false), newDocumentUpdate(true)}

func newDocumentUpdate(keepReport bool) *documentUpdate {
	cols := updateDocumentColumns
	if keepReport {
		cols = slices.Delete(slices.Clone(cols), reportColumn, reportColumn+1)
	}
	set := make([]string, len(cols))
	for i, col := range cols {
		set[i] = col + " = ?"
	}
	query := "UPDATE documents SET " + strings.Join(set, ", ") + " WHERE id = ? AND version = ?"
	with := updateAndAppendWith(query)
	return &documentUpdate{keepReport: keepReport, query: query, pg: dollarPlaceholders(query),
		andAppend:  dollarPlaceholders(with + `SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM e)`),
		appendLast: dollarPlaceholders(with + "SELECT 1 / CASE WHEN (SELECT count(*) FROM u) = 1 AND (SELECT count(*) FROM e) = 1 THEN 1 ELSE 0 END"),
	}
}

// values are the values of u's columns, from r.
func (u *documentUpdate) values(r *documentRow) []any {
	v := r.updateValues()
	if u.keepReport {
		v = slices.Delete(v, reportColumn, reportColumn+1)
	}
	return v
}

// seenReport is a document's verification report at a version: its
// SHA-256, and whether it was NULL.
type seenReport struct {
	version int
	null    bool
	sum     [sha256.Size]byte
}

func reportOf(version int, report []byte) seenReport {
	return seenReport{version: version, null: report == nil, sum: sha256.Sum256(report)}
}

// sawReport remembers, in a transaction, the verification report of a
// document row it read.
func (c *conn) sawReport(r *documentRow) {
	if c.after == nil {
		return // the pool: no transaction
	}
	if c.reports == nil {
		c.reports = map[string]seenReport{}
	}
	c.reports[r.ID] = reportOf(r.Version, r.VerificationReport)
}

var _ workflow.DocumentAdopter = (*conn)(nil)

// AdoptDocument implements workflow.DocumentAdopter: d, read outside
// this transaction, is the row its guarded update from d.Version will
// change. The transaction remembers d's files and report as a read of
// that row would (sawFiles, sawReport): every change of a row changes its
// version, so a row the update finds at that version holds them.
func (c *conn) AdoptDocument(d *workflow.Document) error {
	r, err := documentFromDomain(d)
	if err != nil {
		return err
	}
	c.sawFiles(d.ID, d.Version, r.Files)
	c.sawReport(r)
	return nil
}

// updateFor is the documentUpdate that writes r over version prevVersion:
// one that keeps the report when this transaction read that version with
// the report r has. The update is guarded by the version, so the row it
// changes still holds that report.
func (c *conn) updateFor(r *documentRow, prevVersion int) *documentUpdate {
	if s, ok := c.reports[r.ID]; ok && s == reportOf(prevVersion, r.VerificationReport) {
		return documentUpdates[1]
	}
	return documentUpdates[0]
}

// updateValues are the values of updateDocumentColumns, as gorm would
// bind them (the fields themselves: pointers for NULL, drivers' Valuers).
func (r *documentRow) updateValues() []any {
	return []any{
		r.Direction, r.Type, r.Subject, r.Urgency, r.Confidentiality, r.State, r.Version,
		r.SignerID, r.Recipients, r.DraftingUnit, r.SenderOrgID, r.SenderName, r.OriginalNumber, r.OriginalDate,
		r.Register, r.Year, r.Number, r.Notation, r.IssuedAt, r.RegisteredAt,
		r.AssigneeID, r.DueDate, r.Retention, r.Notes, r.Files,
		r.Layout, r.ExternalID, r.ExternalIDSent, r.DeliveryKey, r.VerifyCode, r.Replaces, r.RevokeState,
		r.Updates, r.ReplacedBy, r.UpdatedBy, r.RevokeReason, r.RevokeAnswer, r.RejectReason, r.RepliesTo, r.RepliedBy,
		r.ArchivedAt, r.RetainUntil, r.LegalHold,
		r.VerificationVerdict, r.VerificationReasons, r.VerificationReport,
		r.CreatedBy, r.CreatedAt, r.UpdatedAt,
		r.SubjectNorm,
	}
}

// execDocumentUpdate writes every column of r but id where the row's
// version is prevVersion, without gorm's reflection (a fixed statement,
// prepared once: gorm's Updates built it from the schema for each
// transition, 5 % of a lifecycle's CPU), and returns the rows changed.
// The statement goes to the slow-query log like gorm's.
func (c *conn) execDocumentUpdate(ctx context.Context, r *documentRow, prevVersion int) (n int64, err error) {
	u := c.updateFor(r, prevVersion)
	query := u.query
	if c.pg() {
		query = u.pg
	}
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return query, n }, err)
	}()
	res, err := c.g.Statement.ConnPool.ExecContext(ctx, query, append(u.values(r), r.ID, prevVersion)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Documents lists documents matching f, newest first by (created_at, id),
// and the cursor of the next page (workflow.ListCursor); a list of what
// an official signed or a clerk issued, newest first by the time of that
// act (workflow.DocumentFilter.Order: signedJoin, issued_at). Two indexes
// serve that order: documents_created (created_at, id) and, with a
// direction, documents_direction_created (direction, created_at, id), so
// that a page of a date range is read from the range's newest end and
// stops at the page's end, however much history lies outside it (migration
// 15; ordered by id, a month five years back read every newer row on
// PostgreSQL, and SQLite sorted the whole range). Every filter is SQL:
//   - Query: every word (after Fold) must occur in the folded subject, so
//     "binh thuy" and "Bình Thủy" both find "UBND quận Bình Thủy";
//   - From/To: created_at within [From, To];
//   - OverdueOn: a state of DueOpenStates and due_date before the day;
//   - Signed, Issued: who signed (layer 1) or issued the document, and
//     when (signedSQL, issuedSQL);
//   - visibility: unless SeeAll, classified documents only where ViewerID
//     is the signer, the assignee or the creator (with no ViewerID: none).
//
// Limit defaults to DefaultLimit and is capped at MaxLimit. On SQLite a
// search may first read its candidates from subjectFTS (subjectPlan).
func (c *conn) Documents(ctx context.Context, f workflow.DocumentFilter) ([]*workflow.Document, string, error) {
	return c.documents(ctx, f, c.subjectPlan)
}

// documents is Documents with the plan of its search chosen by plan (the
// MATCH of subjectFTS for the page's rows, or "" for none).
func (c *conn) documents(ctx context.Context, f workflow.DocumentFilter,
	plan func(ctx context.Context, query string, rows int) (string, error)) ([]*workflow.Document, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	var cur *workflow.ListCursor
	if f.After != "" {
		lc, err := c.listCursor(ctx, f)
		if err != nil {
			return nil, "", err
		}
		cur = &lc
	}
	if f.Order() != workflow.OrderCreated {
		plan = noPlan // subjectFTS's plan reads the rows in creation order
	}
	match, err := plan(ctx, f.Query, limit+1)
	if err != nil {
		return nil, "", c.db.translate(err, "list documents")
	}
	rest, args := listWhere(f, cur, limit+1, match, c.db.dialect == SQLite)
	rows, err := c.queryDocuments(ctx, min(limit, DefaultLimit)+1, rest, args...)
	if err != nil {
		return nil, "", c.db.translate(err, "list documents")
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	docs, err := documentsOf(rows)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more {
		if next, err = c.nextCursor(ctx, f, docs[limit-1]); err != nil {
			return nil, "", err
		}
	}
	return docs, next, nil
}

// noPlan is the plan of a list read without subjectFTS.
func noPlan(context.Context, string, int) (string, error) { return "", nil }

// nextCursor is the cursor after last, the last document of a page of f's
// list: its time in the list's order — created_at, issued_at, or the
// last of the sign events the list read (signedJoin's at_micros), read
// again for this one document.
func (c *conn) nextCursor(ctx context.Context, f workflow.DocumentFilter, last *workflow.Document) (string, error) {
	cur := workflow.ListCursor{Order: f.Order(), At: last.CreatedAt, ID: last.ID}
	switch cur.Order {
	case workflow.OrderIssued:
		cur.At = *last.IssuedAt // the list's condition: number > 0, issued
	case workflow.OrderSigned:
		cond, args := actEventConds(workflow.Sign, f.Signed, true)
		query := "SELECT max(ae.at_micros) FROM audit_events ae WHERE ae.document_id = ? AND " + cond
		if c.pg() {
			query = dollarPlaceholders(query)
		}
		var us int64
		start := time.Now()
		err := c.g.Statement.ConnPool.QueryRowContext(ctx, query, append([]any{last.ID}, args...)...).Scan(&us)
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return query, 1 }, err)
		if err != nil {
			return "", c.db.translate(err, "list documents: the cursor after %s", last.ID)
		}
		cur.At = time.UnixMicro(us)
	}
	return cur.String(), nil
}

// listWhere is the SQL after the list's SELECT ... FROM documents: the
// conditions of f, the rows after cur (nil: from the first), in the
// list's order, n of them. With match (SQLite, subjectPlan), the rows are
// first those of subjectFTS that match it, read by rowid (NOT INDEXED:
// not an index of the order), and the page's rowids sorted by the order's
// columns alone; then the page's rows are read by rowid. sqlite: the
// statement is SQLite's (its INDEXED BY).
func listWhere(f workflow.DocumentFilter, cur *workflow.ListCursor, n int, match string, sqlite bool) (string, []any) {
	switch f.Order() {
	case workflow.OrderSigned:
		join, args := signedJoin(f.Signed)
		rest, more := listConds(f, cur, "", true)
		return join + rest + " ORDER BY act.at_micros DESC, act.document_id DESC LIMIT ?", append(append(args, more...), n)
	case workflow.OrderIssued:
		// From documents_issued_at, in its order. SQLite, without a
		// period (no range of issued_at), chose the equality on direction
		// of documents_direction_created instead, and sorted every
		// outgoing document, each page: told the index (its predicate is
		// issuedConst, always among the conditions).
		rest, args := listConds(f, cur, "", false)
		if sqlite {
			rest = " INDEXED BY documents_issued_at" + rest
		}
		return rest + " ORDER BY issued_at DESC, id DESC LIMIT ?", append(args, n)
	}
	rest, args := listConds(f, cur, match, false)
	const order = " ORDER BY created_at DESC, id DESC"
	if sqlite && match == "" && f.OverdueOn != nil {
		// The documents still to be handled are few among the years
		// handled: read from documents_work's range of their states and
		// sorted, where SQLite walked documents_direction_created in
		// the page's order through every document of the direction (25
		// → 6 ms at 24,000 outgoing documents).
		rest = " INDEXED BY documents_work" + rest
	}
	if match != "" {
		// The page's rowids first, sorted by the order's columns alone;
		// then its rows.
		return " NOT INDEXED WHERE rowid IN (SELECT rowid FROM documents NOT INDEXED" + rest + order + " LIMIT ?)" + order, append(args, n)
	}
	return rest + order + " LIMIT ?", append(args, n)
}

// listConds is the WHERE clause of the list (listWhere), "" when it has
// no condition: f's filters and visibility, the rows after cur (nil: from
// the first), and with match the rows of subjectFTS that match it. With
// joined, the documents are those of signedJoin, whose sign events the
// conditions then leave out.
func listConds(f workflow.DocumentFilter, cur *workflow.ListCursor, match string, joined bool) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.Direction != "" {
		add("direction = ?", string(f.Direction))
	}
	if f.State != "" {
		add("state = ?", string(f.State))
	}
	if f.Type != "" {
		add("type = ?", string(f.Type))
	}
	if f.OriginalNumber != "" {
		add("original_number = ?", f.OriginalNumber)
	}
	switch f.Source {
	case workflow.SourceExchange:
		add("direction = ? AND external_id <> ''", string(workflow.Incoming))
	case workflow.SourceManual:
		add("direction = ? AND external_id = ''", string(workflow.Incoming))
	}
	if f.Sender != "" {
		add("direction = ? AND sender_org_id = ?", string(workflow.Incoming), f.Sender)
	}
	if f.OverdueOn != nil {
		// documents_work (direction, state, urgency, due_date, ...)
		// holds these conditions.
		states := make([]any, len(workflow.DueOpenStates))
		for i, st := range workflow.DueOpenStates {
			states[i] = string(st)
		}
		add("state IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(states)), ", ")+") AND due_date IS NOT NULL AND due_date < ?",
			append(states, *f.OverdueOn)...)
	}
	if match != "" {
		add("rowid IN (SELECT rowid FROM "+subjectFTS+" WHERE "+subjectFTS+" MATCH ?)", match)
	}
	for _, w := range strings.Fields(vifold.Fold(f.Query)) {
		add(`subject_norm LIKE ? ESCAPE '\'`, "%"+escapeLike(w)+"%")
	}
	if f.From != nil {
		add("created_at >= ?", utc(*f.From))
	}
	if f.To != nil {
		add("created_at <= ?", utc(*f.To))
	}
	if !f.Signed.IsZero() {
		cond, a := signedSQL(f.Signed, joined)
		add(cond, a...)
	}
	if !f.Issued.IsZero() {
		cond, a := issuedSQL(f.Issued)
		add(cond, a...)
	}
	if cond, a := visibleSQL("", f.ViewerID, f.SeeAll); cond != "" {
		add(cond, a...)
	}
	if cur != nil {
		cond, a := cursorCond(*cur)
		add(cond, a...)
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// cursorCond is the list's condition on the rows after cur, in its order.
// The condition on the time alone bounds the index search; the OR picks
// the rows after the cursor within it.
func cursorCond(cur workflow.ListCursor) (string, []any) {
	switch cur.Order {
	case workflow.OrderSigned:
		at := cur.At.UnixMicro()
		return "act.at_micros <= ? AND (act.at_micros < ? OR act.document_id < ?)", []any{at, at, cur.ID}
	case workflow.OrderIssued:
		at := utc(cur.At)
		return "issued_at <= ? AND (issued_at < ? OR id < ?)", []any{at, at, cur.ID}
	}
	at := utc(cur.At)
	return "created_at <= ? AND (created_at < ? OR id < ?)", []any{at, at, cur.ID}
}

// signedJoin is the join of the list of what a.By signed in a's period,
// ordered by when (workflow.OrderSigned): her sign events of the period
// (actEventConds: with a.By, read from audit_events_sign) each the last
// of them on its document (no later one, by time then seq: a document
// returned and signed again is listed once, at its last signing), its
// time act.at_micros, which the list is ordered by. A page reads her
// events newest first from the index, from the cursor on, and stops at
// the page's end, with or without a period: a GROUP BY of the last
// signing of each document read every sign event she ever made (or made
// in the period), each page, to sort them.
func signedJoin(a workflow.Act) (string, []any) {
	cond, args := actEventCondsAs("se", workflow.Sign, a, true)
	later, largs := actEventCondsAs("ae", workflow.Sign, a, true)
	return " JOIN (SELECT se.document_id, se.at_micros FROM audit_events se WHERE " + cond +
		" AND NOT EXISTS (SELECT 1 FROM audit_events ae WHERE ae.document_id = se.document_id AND " + later +
		" AND (ae.at_micros > se.at_micros OR ae.at_micros = se.at_micros AND ae.seq > se.seq))) act" +
		" ON act.document_id = documents.id", append(args, largs...)
}

// The conditions of the list's Signed and Issued (workflow.Act) state
// their constants in the SQL, as the reform report's do: a partial index
// (documents_issued_at) serves a query only when the query states its
// predicate itself.
//
// signedStands: a layer-1 signature that stands — the document is past
// signing; one returned after it (draft, in review, approved) had its
// signature withdrawn.
var signedStands = "direction = '" + string(workflow.Outgoing) + "' AND state NOT IN ('" +
	string(workflow.Draft) + "', '" + string(workflow.InReview) + "', '" + string(workflow.Approved) + "')"

// signedSQL is the list's condition on a.By's layer-1 signatures in a's
// period: the document's sign transition made by a.By then, on a
// signature that stands (signedStands). The signer named on the
// document (signer_id) is the one who signed it — its signer is moved
// only before signing (workflow.ReassignRule) — which narrows the
// documents whose events are read to hers; none is signed before it is
// created, which bounds the list's walk newest first. With joined, the
// list reads the sign events in signedJoin: the condition leaves them out.
func signedSQL(a workflow.Act, joined bool) (string, []any) {
	where, args := []string{signedStands}, []any{}
	if a.By != "" {
		where, args = append(where, "signer_id = ?"), append(args, a.By)
	}
	if a.To != nil {
		where, args = append(where, "created_at <= ?"), append(args, utc(*a.To))
	}
	if joined {
		return "(" + strings.Join(where, " AND ") + ")", args
	}
	if a.By == "" {
		ev, evArgs := actEventSQL(workflow.Sign, a, true)
		return "(" + strings.Join(append(where, ev), " AND ") + ")", append(args, evArgs...)
	}
	// By a signer: the documents her sign events of the period name, read
	// from audit_events_sign (whose predicate the query states), not an
	// EXISTS tried on each of the outgoing documents walked newest first
	// (all of them when the period holds fewer than a page).
	ev, evArgs := actEventConds(workflow.Sign, a, true)
	ev = "id IN (SELECT ae.document_id FROM audit_events ae WHERE " + ev + ")"
	return "(" + strings.Join(append(where, ev), " AND ") + ")", append(args, evArgs...)
}

// issuedSQL is the list's condition on the documents a.By issued in a's
// period: the period on issued_at (the date of issue printed on the
// document, read from documents_issued_at), the clerk from the issue
// transition's event (read from audit_events_issue, migration 36, whose
// predicate actEventConds states).
func issuedSQL(a workflow.Act) (string, []any) {
	where, args := []string{issuedConst}, []any{}
	if a.From != nil {
		where, args = append(where, "issued_at >= ?"), append(args, utc(*a.From))
	}
	if a.To != nil {
		where, args = append(where, "issued_at <= ?"), append(args, utc(*a.To))
	}
	if a.By != "" {
		ev, evArgs := actEventSQL(workflow.Issue, workflow.Act{By: a.By}, false)
		where, args = append(where, ev), append(args, evArgs...)
	}
	return "(" + strings.Join(where, " AND ") + ")", args
}

// issuedConst is documents_issued_at's predicate, unqualified.
var issuedConst = "direction = '" + string(workflow.Outgoing) + "' AND number > 0"

// actEventSQL is the EXISTS of an event of action on the document by
// a.By ("" anyone), with timed in a's period (actEventConds).
func actEventSQL(action workflow.Action, a workflow.Act, timed bool) (string, []any) {
	cond, args := actEventConds(action, a, timed)
	return "EXISTS (SELECT 1 FROM audit_events ae WHERE ae.document_id = documents.id AND " + cond + ")", args
}

// actEventConds are the conditions on an audit event ae of action by a.By
// ("" anyone), with timed in a's period: the one list both forms of the
// list's condition wrap, EXISTS on the document (actEventSQL) and a
// signer's id IN (signedSQL). kind and action are constants in the SQL,
// as audit_events_sign's predicate.
func actEventConds(action workflow.Action, a workflow.Act, timed bool) (string, []any) {
	return actEventCondsAs("ae", action, a, timed)
}

// actEventCondsAs is actEventConds on the audit event named alias.
func actEventCondsAs(alias string, action workflow.Action, a workflow.Act, timed bool) (string, []any) {
	cond, args := alias+".kind = '"+string(workflow.EventTransition)+"' AND "+alias+".action = '"+string(action)+"'", []any{}
	if a.By != "" {
		cond, args = cond+" AND "+alias+".actor = ?", append(args, a.By)
	}
	if timed && a.From != nil {
		cond, args = cond+" AND "+alias+".at_micros >= ?", append(args, a.From.UnixMicro())
	}
	if timed && a.To != nil {
		cond, args = cond+" AND "+alias+".at_micros <= ?", append(args, a.To.UnixMicro())
	}
	return cond, args
}

// CountDocuments counts the documents Documents lists for f on all its
// pages: one SELECT count(*) with the list's own conditions (listConds,
// the visibility included). A count reads every matching row, so on
// SQLite a search's candidates always come from subjectFTS when its
// words give a MATCH (no plan to choose: the scan would read them all
// too).
func (c *conn) CountDocuments(ctx context.Context, f workflow.DocumentFilter) (int, error) {
	match := ""
	if c.db.dialect == SQLite {
		match = subjectMatch(strings.Fields(vifold.Fold(f.Query)))
	}
	where, args := listConds(f, nil, match, false)
	query := "SELECT count(*) FROM documents" + where
	if c.pg() {
		query = dollarPlaceholders(query)
	}
	var n int
	start := time.Now()
	err := c.g.Statement.ConnPool.QueryRowContext(ctx, query, args...).Scan(&n)
	c.g.Logger.Trace(ctx, start, func() (string, int64) { return query, 1 }, err)
	if err != nil {
		return 0, c.db.translate(err, "count documents")
	}
	return n, nil
}

// listCursor reads the cursor of a page of f's list (f.Cursor: one of
// another order is EINVALID). A bare document ID (the cursor when the
// list was ordered by ID) stands for that document: its creation time is
// read; one that names no document is EINVALID.
func (c *conn) listCursor(ctx context.Context, f workflow.DocumentFilter) (workflow.ListCursor, error) {
	s := f.After
	cur, bareID, err := f.Cursor()
	if err != nil || !bareID {
		return cur, err
	}
	d, err := c.Document(ctx, cur.ID)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return cur, workflow.Errorf(workflow.EINVALID, "cursor %q names no document: start from the first page", s).On("cursor")
	}
	if err != nil {
		return cur, err
	}
	cur.At = d.CreatedAt
	return cur, nil
}

// documentsOf converts rows to documents, in order.
func documentsOf(rows []documentRow) ([]*workflow.Document, error) {
	docs := make([]*workflow.Document, 0, len(rows))
	for i := range rows {
		d, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// escapeLike escapes LIKE's wildcards with a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Replies implements workflow.ReplyLister: the documents answering
// letterID, oldest first, in one statement. No index leads with
// replies_to: it reads the documents of the outgoing direction (an index
// on replies_to would make it a look-up: a migration of its own).
func (c *conn) Replies(ctx context.Context, letterID string) ([]*workflow.Document, error) {
	rows, err := c.queryDocuments(ctx, 0, repliesWhere+" ORDER BY created_at, id", letterID)
	if err != nil {
		return nil, c.db.translate(err, "replies to %s", letterID)
	}
	return documentsOf(rows)
}

// RegisterEntries returns the documents numbered in a register in a
// year, by number.
func (c *conn) RegisterEntries(ctx context.Context, kind workflow.RegisterKind, year int) ([]*workflow.Document, error) {
	rows, err := c.queryDocuments(ctx, 0, " WHERE register = ? AND year = ? AND number > 0 ORDER BY number", string(kind), year)
	if err != nil {
		return nil, c.db.translate(err, "register %s %d", kind, year)
	}
	return documentsOf(rows)
}

var _ workflow.RegisterPager = (*DB)(nil)

// RegisterEntriesAfter implements workflow.RegisterPager: a page of
// documents_register_number (its predicate number > 0 stated, for
// PostgreSQL's generic plan and SQLite).
func (c *conn) RegisterEntriesAfter(ctx context.Context, kind workflow.RegisterKind, year, after, limit int) ([]*workflow.Document, error) {
	rows, err := c.queryDocuments(ctx, min(limit, DefaultLimit), " WHERE register = ? AND year = ? AND number > 0 AND number > ? ORDER BY number LIMIT ?",
		string(kind), year, after, limit)
	if err != nil {
		return nil, c.db.translate(err, "register %s %d", kind, year)
	}
	return documentsOf(rows)
}

// registerDate is the date of a register's line in SQL, as
// workflow.RegisterRows dates it: the time of issue of an outgoing
// document, of registration of an incoming one. Index
// documents_register_date (registerDateIndexV13) is on this expression,
// which a query must state as written here to be served by it.
const registerDate = "(CASE WHEN direction = '" + string(workflow.Outgoing) + "' THEN issued_at ELSE registered_at END)"

// registerDatedWhere is RegisterEntriesDated's condition: register, year
// and a span of registerDate (the index's columns), and the index's
// predicate number > 0.
const registerDatedWhere = " WHERE register = ? AND year = ? AND number > 0 AND " + registerDate + " >= ? AND " + registerDate + " < ? ORDER BY number"

var _ workflow.RegisterDatedReader = (*DB)(nil)

// RegisterEntriesDated implements workflow.RegisterDatedReader: one read
// of documents_register_date per span (a month of a register reads the
// month's rows, not the year's), merged by number.
func (c *conn) RegisterEntriesDated(ctx context.Context, kind workflow.RegisterKind, year int, spans []workflow.TimeSpan) ([]*workflow.Document, error) {
	var rows []documentRow
	for _, p := range spans {
		if !p.From.Before(p.To) {
			continue
		}
		// Each span's rows are read into a slice of their own (the
		// PostgreSQL read starts its slice afresh at each attempt).
		more, err := c.queryDocuments(ctx, 0, registerDatedWhere, string(kind), year, utc(p.From), utc(p.To))
		if err != nil {
			return nil, c.db.translate(err, "register %s %d", kind, year)
		}
		rows = append(rows, more...)
	}
	docs, err := documentsOf(rows)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].Number < docs[j].Number })
	return docs, nil
}

// NextNumber takes the next number of a register in a year — 1 for the
// first; the register of copies (workflow.RegisterCopies) too — by a locked increment of its counter row in the caller's
// transaction (INSERT ... ON CONFLICT DO UPDATE ... RETURNING: the row
// stays locked until the transaction ends on PostgreSQL; on SQLite the
// transaction holds the database's write lock). A rolled-back transaction
// gives its number back.
func (c *conn) NextNumber(ctx context.Context, kind workflow.RegisterKind, year int) (int, error) {
	if !kind.Valid() && kind != workflow.RegisterCopies {
		return 0, workflow.Errorf(workflow.EINVALID, "unknown register %q", kind)
	}
	var last int
	err := c.q(ctx).Raw(`INSERT INTO register_counters (kind, year, last) VALUES (?, ?, 1)
ON CONFLICT (kind, year) DO UPDATE SET last = register_counters.last + 1
RETURNING last`, string(kind), year).Scan(&last).Error
	if err != nil {
		return 0, c.db.translate(err, "next number of register %s %d", kind, year)
	}
	if last < 1 {
		return 0, workflow.Errorf(workflow.EINTERNAL, "register %s %d: counter returned %d", kind, year, last)
	}
	return last, nil
}

// PeekNumber returns the number the next NextNumber of the register would
// take (1 for an unused register), reading its counter without locking
// or changing it: a peek, not a reservation (workflow.NumberPeeker).
func (c *conn) PeekNumber(ctx context.Context, kind workflow.RegisterKind, year int) (int, error) {
	var last []int
	err := c.q(ctx).Raw(`SELECT last FROM register_counters WHERE kind = ? AND year = ?`, string(kind), year).Scan(&last).Error
	if err != nil {
		return 0, c.db.translate(err, "peek number of register %s %d", kind, year)
	}
	if len(last) == 0 {
		return 1, nil
	}
	return last[0] + 1, nil
}

// visibleTo narrows q to the rows a viewer may see: workflow.CanSee in
// SQL, the one rule of every list, search, register, count and report
// (TestVisibilityIsCanSee checks that the two agree). prefix is the
// table's alias with its dot ("", "d.", "r."). Unless seeAll, classified
// rows only where viewerID is the signer, the assignee or the creator;
// with no viewer, none.
func visibleTo(q *gorm.DB, prefix, viewerID string, seeAll bool) *gorm.DB {
	if cond, args := visibleSQL(prefix, viewerID, seeAll); cond != "" {
		return q.Where(cond, args...)
	}
	return q
}

// visibleSQL is visibleTo's condition and its arguments ("" when every
// row is visible), with one ? per argument.
func visibleSQL(prefix, viewerID string, seeAll bool) (string, []any) {
	if seeAll {
		return "", nil
	}
	pub, unmarked := string(workflow.Public), ""
	if viewerID == "" {
		return prefix + "confidentiality IN (?, ?)", []any{pub, unmarked}
	}
	return "(" + prefix + "confidentiality IN (?, ?) OR " + prefix + "signer_id = ? OR " + prefix + "assignee_id = ? OR " + prefix + "created_by = ?)",
		[]any{pub, unmarked, viewerID, viewerID, viewerID}
}
