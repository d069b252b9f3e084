package gormdb

import (
	"context"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/internal/edxmlid"
)

// externalIDsV18 adds documents.external_id_sent and rewrites the
// DocumentIds stored before the exchange read them as identifiers
// (edxmlid.Identifier: white space beside ',' '/' '.' dropped, runs made one
// space, NFC), so a redelivery, whose DocumentId is read so, finds the
// document received before: before, one stored as "H13, 2026/12/01,
// 15/QĐ-UBND" was not found by "H13,2026/12/01,15/QĐ-UBND" and the
// redelivery became a second document. The spelling the row had is kept
// in external_id_sent, and the status messages about the document carry
// it (workflow.Document.ExternalIDSpelled). The same for exchange_sent,
// the DocumentIds our documents went out as, which a status message's
// ResponseFor, read as an identifier, looks up.
//
// The rule is edxmlid.Identifier itself, run here in Go, not a second
// version of it in SQL. Two rows that read as one identifier (the same
// sender and delivery key; in exchange_sent, the same id) cannot both
// take it: the unique index forbids it. Nothing fails and nothing is
// lost: the row already stored under the identifier keeps it, else the
// earliest received takes it; the other keeps its spelling and is logged
// (a warning naming both rows). A redelivery then finds the one holding
// the identifier; the other stays listed for the clerk, found by no
// redelivery. Run again, it changes nothing.
func externalIDsV18(ctx context.Context, d *DB, g *gorm.DB) error {
	if !g.Migrator().HasColumn("documents", "external_id_sent") {
		if err := g.Exec(`ALTER TABLE documents ADD COLUMN external_id_sent text NOT NULL DEFAULT ''`).Error; err != nil {
			return err
		}
	}
	if err := d.normaliseReceivedIDs(ctx, g); err != nil {
		return err
	}
	return d.normaliseSentIDs(ctx, g)
}

// storedID is a row keyed by an external id: the unique key it holds
// (key) and the one it would hold read as an identifier (want).
type storedID struct {
	id, ext, sent string
	key, want     string
}

// takeIdentifiers decides which rows are rewritten: every row whose key
// is already its identifier holds it; the others, in order, take theirs
// if free. It returns the rows to rewrite and those left as they are
// for a clash, each with the row that holds the identifier.
func takeIdentifiers(rows []storedID) (rewrite []storedID, clash [][2]storedID) {
	holder := map[string]storedID{}
	for _, r := range rows {
		if r.key == r.want {
			holder[r.key] = r
		}
	}
	for _, r := range rows {
		if r.key == r.want {
			continue
		}
		if h, taken := holder[r.want]; taken {
			clash = append(clash, [2]storedID{r, h})
			continue
		}
		holder[r.want] = r
		rewrite = append(rewrite, r)
	}
	return rewrite, clash
}

// normaliseReceivedIDs rewrites documents.external_id (unique per sender
// and delivery key), the earliest received first.
func (d *DB) normaliseReceivedIDs(ctx context.Context, g *gorm.DB) error {
	rs, err := g.Raw(`SELECT id, COALESCE(sender_org_id, ''), external_id, external_id_sent, delivery_key FROM documents
		WHERE external_id <> '' ORDER BY created_at, id`).Rows()
	if err != nil {
		return err
	}
	var rows []storedID
	for rs.Next() {
		var r storedID
		var sender, key string
		if err := rs.Scan(&r.id, &sender, &r.ext, &r.sent, &key); err != nil {
			rs.Close()
			return err
		}
		unique := func(ext string) string { return sender + "\x00" + ext + "\x00" + key }
		r.key, r.want = unique(r.ext), unique(edxmlid.Identifier(r.ext))
		rows = append(rows, r)
	}
	if err := rs.Close(); err != nil {
		return err
	}
	rewrite, clash := takeIdentifiers(rows)
	for _, r := range rewrite {
		sent := r.sent
		if sent == "" {
			sent = r.ext
		}
		if err := g.Exec(`UPDATE documents SET external_id = ?, external_id_sent = ? WHERE id = ?`,
			edxmlid.Identifier(r.ext), sent, r.id).Error; err != nil {
			return err
		}
	}
	for _, c := range clash {
		d.log.WarnContext(ctx, "a received DocumentId reads as the identifier of another document from its sender: kept as spelled, a redelivery finds the other",
			"doc_id", c[0].id, "external_id", c[0].ext, "identifier", edxmlid.Identifier(c[0].ext), "found_doc_id", c[1].id)
	}
	return nil
}

// normaliseSentIDs rewrites exchange_sent.external_id (its primary key).
func (d *DB) normaliseSentIDs(ctx context.Context, g *gorm.DB) error {
	var got []struct {
		ExternalID string
		DocumentID string
	}
	if err := g.Raw(`SELECT external_id, document_id FROM exchange_sent ORDER BY external_id`).Scan(&got).Error; err != nil {
		return err
	}
	rows := make([]storedID, len(got))
	for i, r := range got {
		rows[i] = storedID{id: r.DocumentID, ext: r.ExternalID, key: r.ExternalID, want: edxmlid.Identifier(r.ExternalID)}
	}
	rewrite, clash := takeIdentifiers(rows)
	for _, r := range rewrite {
		if err := g.Exec(`UPDATE exchange_sent SET external_id = ? WHERE external_id = ?`, r.want, r.ext).Error; err != nil {
			return err
		}
	}
	for _, c := range clash {
		d.log.WarnContext(ctx, "a sent DocumentId reads as another: kept as spelled, status messages about it find the other",
			"doc_id", c[0].id, "external_id", c[0].ext, "found_doc_id", c[1].id)
	}
	return nil
}
