package gormdb

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
)

// rawQuery is a read written once in SQL with ? placeholders, and in
// PostgreSQL's numbered ones.
type rawQuery struct{ sqlite, pg string }

func newRawQuery(query string) rawQuery {
	return rawQuery{sqlite: query, pg: dollarPlaceholders(query)}
}

// rawRows runs q on the connection (or transaction) and calls scan on
// each row: the reads on hot paths that gorm's statement building and
// reflection would cost more than the query (a reservation list, a
// document's events). Traced as gorm traces its statements.
func (c *conn) rawRows(ctx context.Context, q rawQuery, args []any, scan func(*sql.Rows) error) (err error) {
	query := q.sqlite
	if c.pg() {
		query = q.pg
	}
	start, n := time.Now(), int64(0)
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return query, n }, err)
	}()
	rs, err := c.g.Statement.ConnPool.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := scan(rs); err != nil {
			return err
		}
		n++
	}
	return rs.Err()
}

// rawExec runs the statement query on g's connection (or transaction),
// traced as gorm traces its statements, and returns the rows it changed.
func rawExec(ctx context.Context, g *gorm.DB, query string, args ...any) (n int64, err error) {
	start := time.Now()
	defer func() {
		g.Logger.Trace(ctx, start, func() (string, int64) { return query, n }, err)
	}()
	res, err := g.Statement.ConnPool.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
