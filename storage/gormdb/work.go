package gormdb

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

var (
	_ workflow.WorkLister   = (*DB)(nil)
	_ workflow.NumberPeeker = (*DB)(nil)
)

// PeekNumber implements workflow.NumberPeeker.
func (d *DB) PeekNumber(ctx context.Context, kind workflow.RegisterKind, year int) (int, error) {
	return d.reader(ctx).PeekNumber(ctx, kind, year)
}

// Work implements workflow.WorkLister.
func (d *DB) Work(ctx context.Context, q workflow.WorkQuery) ([]*workflow.Document, error) {
	return d.reader(ctx).Work(ctx, q)
}

// CountWork implements workflow.WorkLister.
func (d *DB) CountWork(ctx context.Context, q workflow.WorkQuery) ([]int, error) {
	return d.reader(ctx).CountWork(ctx, q)
}

// workClause is the SQL of one clause and its arguments.
func workClause(c workflow.WorkClause) (string, []any) {
	sql := "(direction = ? AND state = ?"
	args := []any{string(c.Direction), string(c.State)}
	if c.SignerID != "" {
		sql += " AND signer_id = ?"
		args = append(args, c.SignerID)
	}
	if c.AssigneeID != "" {
		sql += " AND assignee_id = ?"
		args = append(args, c.AssigneeID)
	}
	if c.CreatedBy != "" {
		sql += " AND created_by = ?"
		args = append(args, c.CreatedBy)
	}
	if c.RevokeState != "" {
		sql += " AND revoke_state = ?"
		args = append(args, c.RevokeState)
	}
	if c.HasRecipients {
		sql += " AND recipients NOT IN ('', '[]', 'null')"
	}
	return sql + ")", args
}

// workTable is the table the inbox reads, by dialect. On SQLite, named
// with its index: every clause is a search of documents_work on its
// (direction, state) prefix, but once ANALYZE has run, SQLite averages
// the rows per (direction, state) over every state — the archived ones
// are nearly all of them after a few years — and judged a dozen such
// searches dearer than reading the whole table (a clerk's inbox over
// 300,000 documents: 1.0 s a count instead of 14 ms). PostgreSQL keeps
// the frequency of each state and searches the index by itself.
var workTable = map[string]string{SQLite: "documents INDEXED BY documents_work", Postgres: "documents"}

// workScope narrows a query to the documents matching any clause of q
// that the viewer may see; false when q has no clause.
func workScope(g *gorm.DB, q workflow.WorkQuery) (*gorm.DB, bool) {
	if len(q.Clauses) == 0 {
		return g, false
	}
	var parts []string
	var args []any
	for _, c := range q.Clauses {
		s, a := workClause(c)
		parts = append(parts, s)
		args = append(args, a...)
	}
	g = g.Where("("+strings.Join(parts, " OR ")+")", args...)
	return visibleTo(g, "", q.ViewerID, q.SeeAll), true
}

// urgencyOrder sorts Hỏa tốc first (workflow.UrgencyRank in SQL).
const urgencyOrder = "CASE urgency WHEN 'flash' THEN 0 WHEN 'very_urgent' THEN 1 WHEN 'urgent' THEN 2 ELSE 3 END"

// Work returns the documents waiting in q, most urgent first, then by due
// date (none last), then oldest first. It sorts the matching IDs only,
// then loads the page's rows: the (direction, state) index narrows the
// scan to the waiting states, and the sorter never carries whole rows.
func (c *conn) Work(ctx context.Context, q workflow.WorkQuery) ([]*workflow.Document, error) {
	g, ok := workScope(c.q(ctx).Table(workTable[c.db.dialect]), q)
	if !ok {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	var ids []string
	err := g.Order(urgencyOrder).Order("CASE WHEN due_date IS NULL THEN 1 ELSE 0 END").Order("due_date").Order("id").
		Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, c.db.translate(err, "list work")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []documentRow
	if err := c.q(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, c.db.translate(err, "list work")
	}
	byID := make(map[string]*documentRow, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	docs := make([]*workflow.Document, 0, len(ids))
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			continue // deleted meanwhile
		}
		d, err := r.toDomain()
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// CountWork counts every clause of q in one scan.
func (c *conn) CountWork(ctx context.Context, q workflow.WorkQuery) ([]int, error) {
	out := make([]int, len(q.Clauses))
	g, ok := workScope(c.q(ctx).Table(workTable[c.db.dialect]), q)
	if !ok {
		return out, nil
	}
	var cols []string
	var args []any
	for i, cl := range q.Clauses {
		s, a := workClause(cl)
		cols = append(cols, fmt.Sprintf("COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0) AS c%d", s, i))
		args = append(args, a...)
	}
	row := map[string]any{}
	if err := g.Select(strings.Join(cols, ", "), args...).Take(&row).Error; err != nil {
		return nil, c.db.translate(err, "count work")
	}
	for i := range out {
		switch v := row[fmt.Sprintf("c%d", i)].(type) {
		case int64:
			out[i] = int(v)
		case int32:
			out[i] = int(v)
		case int:
			out[i] = v
		case float64:
			out[i] = int(v)
		case []byte:
			fmt.Sscan(string(v), &out[i])
		case string:
			fmt.Sscan(v, &out[i])
		}
	}
	return out, nil
}

// The inbox query is answered from the index documents_work (direction,
// state, urgency, due_date, signer_id, assignee_id, created_by,
// confidentiality, id; see documentRow): every clause is a search on its
// (direction, state) prefix and every column it tests or sorts on is in
// the index, so neither the sort of the IDs nor the counts read the table.
