package gormdb

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/internal/vifold"
)

// On SQLite the folded subjects are also indexed by an FTS5 table of
// trigrams, subjectFTS (migration 17), so that the list's search
// (DocumentFilter.Query) need not read every row when few subjects match.
// PostgreSQL has its trigram GIN on subject_norm (migrations_v1.go).
//
// The index only narrows: a row it names is still tested by the
// subject_norm LIKE conditions, as without it (listWhere), so the results
// and their order are those of the scan. It is a superset of the rows
// whose folded subject holds a word: for each word of three characters or
// more, every trigram of the word must be among the subject's (FTS5's
// trigram tokenizer, with its case folding, applied alike to both).
//
// Whether it pays depends on how many match (subjectPlan): read in the
// list's order, the scan stops at the page's end, after about
// rows·N/M rows when M of N subjects match; the index's plan reads the M
// candidates and sorts them. A count of the index's candidates, stopped
// at the bound where the two costs meet, chooses.
const subjectFTS = "documents_subject_fts"

// subjectFTSV17 builds subjectFTS: an external-content FTS5 table over
// documents.subject_norm (the table stores only its index, keyed by the
// documents' rowid; detail=none and columnsize=0, for it needs no
// positions nor lengths), the triggers that keep it as documents change
// (a delete passes the old subject to FTS5, which removes its trigrams),
// and the index of every existing row ('rebuild'). Nothing on PostgreSQL.
// Run again over a database that has it (schema_migrations lost), it
// builds it anew.
func subjectFTSV17(_ context.Context, d *DB, g *gorm.DB) error {
	if d.dialect != SQLite {
		return nil
	}
	del := `INSERT INTO ` + subjectFTS + `(` + subjectFTS + `, rowid, subject_norm) VALUES ('delete', old.rowid, old.subject_norm);`
	ins := `INSERT INTO ` + subjectFTS + `(rowid, subject_norm) VALUES (new.rowid, new.subject_norm);`
	for _, stmt := range []string{
		`DROP TRIGGER IF EXISTS documents_subject_fts_insert`,
		`DROP TRIGGER IF EXISTS documents_subject_fts_update`,
		`DROP TRIGGER IF EXISTS documents_subject_fts_delete`,
		`DROP TABLE IF EXISTS ` + subjectFTS,
		`CREATE VIRTUAL TABLE ` + subjectFTS + ` USING fts5(subject_norm, content='documents', tokenize='trigram', detail='none', columnsize=0)`,
		`CREATE TRIGGER documents_subject_fts_insert AFTER INSERT ON documents BEGIN ` + ins + ` END`,
		`CREATE TRIGGER documents_subject_fts_update AFTER UPDATE OF subject_norm ON documents WHEN old.subject_norm IS NOT new.subject_norm BEGIN ` + del + ins + ` END`,
		`CREATE TRIGGER documents_subject_fts_delete AFTER DELETE ON documents BEGIN ` + del + ` END`,
		`INSERT INTO ` + subjectFTS + `(` + subjectFTS + `) VALUES ('rebuild')`,
	} {
		if err := g.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// maxTrigrams bounds the trigrams of a query's MATCH: fewer only widen
// the candidates, which the LIKE conditions then test.
const maxTrigrams = 16

// subjectMatch is the FTS5 query of the trigrams of words (folded): each
// distinct trigram quoted, all ANDed. Words shorter than three characters
// have none (the scan serves them); with none at all, "". A trigram with
// a NUL character (which ends FTS5's query text) or bytes that are not
// UTF-8 is left out.
func subjectMatch(words []string) string {
	seen := map[string]bool{}
	var terms []string
	for _, w := range words {
		r := []rune(w)
		for i := 0; i+3 <= len(r) && len(terms) < maxTrigrams; i++ {
			t := string(r[i : i+3])
			if seen[t] || strings.ContainsRune(t, 0) || strings.ContainsRune(t, utf8.RuneError) {
				continue
			}
			seen[t] = true
			terms = append(terms, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
		}
	}
	return strings.Join(terms, " AND ")
}

// subjectBound is the count of the index's candidates under which its
// plan is chosen, for a page of rows rows over about docs documents:
// where the scan's rows·docs/M rows meet the M candidates, each of which
// costs about four rows of the scan (read by rowid, out of the order, and
// sorted; 300,000 documents), so √(rows·docs/4), and at least 64.
func subjectBound(rows int, docs int64) int {
	return max(64, int(math.Sqrt(float64(rows)*float64(docs)/4)))
}

// subjectPlan returns the MATCH of the list's search when the index
// pays for f's page of rows rows (see subjectFTS), else "". Only on
// SQLite, only with a word of three characters or more.
func (c *conn) subjectPlan(ctx context.Context, query string, rows int) (string, error) {
	if c.db.dialect != SQLite {
		return "", nil
	}
	match := subjectMatch(strings.Fields(vifold.Fold(query)))
	if match == "" {
		return "", nil
	}
	var docs int64
	if err := c.g.Statement.ConnPool.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) FROM documents`).Scan(&docs); err != nil {
		return "", err
	}
	bound := subjectBound(rows, docs)
	// First the newest sixteenth of the rowids, where the scan begins,
	// read from the newest: as many candidates there as the bound's
	// sixteenth, and the scan pays (a search that matches many pays
	// about a sixteenth of the whole count to learn it).
	need := max(1, bound/16)
	if n, err := c.subjectCount(ctx, subjectNewest, match, docs-docs/16, need); err != nil || n >= need {
		return "", err
	}
	if n, err := c.subjectCount(ctx, subjectAll, match, bound); err != nil || n >= bound {
		return "", err
	}
	return match, nil
}

// The probes of subjectPlan: the count, stopped at a limit, of the
// candidates of subjectFTS for a MATCH among the rowids above a value
// (from the newest: FTS5 reads its lists backwards then, and stops at the
// limit or the value), and among all.
const (
	subjectNewest = `SELECT count(*) FROM (SELECT 1 FROM ` + subjectFTS + ` WHERE ` + subjectFTS + ` MATCH ? AND rowid > ? ORDER BY rowid DESC LIMIT ?)`
	subjectAll    = `SELECT count(*) FROM (SELECT 1 FROM ` + subjectFTS + ` WHERE ` + subjectFTS + ` MATCH ? LIMIT ?)`
)

// subjectCount runs a probe of subjectPlan with its arguments.
func (c *conn) subjectCount(ctx context.Context, probe string, args ...any) (n int, err error) {
	start := time.Now()
	err = c.g.Statement.ConnPool.QueryRowContext(ctx, probe, args...).Scan(&n)
	c.g.Logger.Trace(ctx, start, func() (string, int64) { return probe, int64(n) }, err)
	return n, err
}
