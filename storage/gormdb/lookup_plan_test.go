package gormdb_test

import (
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// The look-ups by edXML DocumentId (a receiver's duplicate check, once per
// delivery) and by verification code use their partial unique indexes
// instead of scanning every document, on both databases.
func TestLookupsUsePartialIndexes(t *testing.T) {
	for _, backend := range []string{gormdb.SQLite, gormdb.Postgres} {
		t.Run(backend, func(t *testing.T) {
			g := gormdbtest.Open(t, backend).Gorm()
			for index, where := range gormdb.LookupWheres {
				sql := "SELECT id FROM documents" + strings.ReplaceAll(where, "?", "'x'")
				var plan []string
				err := g.Transaction(func(tx *gorm.DB) error {
					if backend == gormdb.SQLite {
						var rows []struct{ Detail string }
						err := tx.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&rows).Error
						for _, r := range rows {
							plan = append(plan, r.Detail)
						}
						return err
					}
					// An empty table is cheaper to scan: forbid that, to
					// see whether the index applies at all.
					if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
						return err
					}
					return tx.Raw("EXPLAIN " + sql).Scan(&plan).Error
				})
				if err != nil {
					t.Fatal(err)
				}
				if p := strings.Join(plan, "\n"); !strings.Contains(p, index) {
					t.Errorf("%s does not use %s:\n%s", sql, index, p)
				}
			}
		})
	}
}
