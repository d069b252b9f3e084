package gormdb

import (
	"context"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.InspectionStore = (*DB)(nil)

// uninspectedWhere selects the incoming documents one of whose files has
// no inspection recorded: their files' JSON names "inspection" fewer
// times than "sha256" (every fileJSON has its sha256, and its inspection
// unless it is NotInspected; a name cannot hold either with its quotes,
// which JSON escapes). With n occurrences of the 8 characters of
// "sha256" and m of the 12 of "inspection", n > m is 12·8n > 8·12m: 3
// times the first difference of lengths greater than 2 times the second.
// One pass over the incoming documents' files, in the database: they are
// not sent to be decoded.
const uninspectedWhere = `direction = 'incoming' AND ` +
	`3 * (LENGTH(files) - LENGTH(REPLACE(files, '"sha256"', ''))) > 2 * (LENGTH(files) - LENGTH(REPLACE(files, '"inspection"', '')))`

// UninspectedFiles implements workflow.InspectionStore: by the primary
// key, from after, the rows the predicate keeps.
func (d *DB) UninspectedFiles(ctx context.Context, after string, limit int) ([]workflow.StoredFiles, error) {
	rows, err := d.reader(ctx).g.WithContext(ctx).
		Raw("SELECT id, files FROM documents WHERE id > ? AND "+uninspectedWhere+" ORDER BY id LIMIT ?", after, limit).Rows()
	if err != nil {
		return nil, d.translate(err, "documents to inspect")
	}
	defer rows.Close()
	var out []workflow.StoredFiles
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, d.translate(err, "documents to inspect")
		}
		sf, err := storedFiles(id, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, sf)
	}
	if err := rows.Err(); err != nil {
		return nil, d.translate(err, "documents to inspect")
	}
	return out, nil
}

// CountUninspected implements workflow.InspectionStore.
func (d *DB) CountUninspected(ctx context.Context) (int, error) {
	var n int64
	if err := d.reader(ctx).g.WithContext(ctx).Raw("SELECT COUNT(*) FROM documents WHERE " + uninspectedWhere).Scan(&n).Error; err != nil {
		return 0, d.translate(err, "count the documents to inspect")
	}
	return int(n), nil
}

// StoredFiles implements workflow.InspectionStore.
func (d *DB) StoredFiles(ctx context.Context, id string) (workflow.StoredFiles, error) {
	var raw []string
	if err := d.reader(ctx).g.WithContext(ctx).Raw("SELECT files FROM documents WHERE id = ?", id).Scan(&raw).Error; err != nil {
		return workflow.StoredFiles{}, d.translate(err, "files of document %s", id)
	}
	if len(raw) == 0 {
		return workflow.StoredFiles{}, workflow.Errorf(workflow.ENOTFOUND, "document %s not found", id)
	}
	return storedFiles(id, raw[0])
}

// storedFiles decodes raw, the files column of document id; its Stamp.
func storedFiles(id, raw string) (workflow.StoredFiles, error) {
	files, err := filesMemo.decode(raw)
	if err != nil {
		return workflow.StoredFiles{}, workflow.Wrap(workflow.EINTERNAL, err, "document %s: files cannot be read", id)
	}
	return workflow.StoredFiles{DocumentID: id, Files: files, Stamp: raw}, nil
}

// SetFiles implements workflow.InspectionStore: one guarded update of
// the files column alone, where it still holds sf.Stamp. Its version and
// updated_at stay; the files refer to the same blobs as before (only
// their inspection changed), so no blob claim is looked at.
func (d *DB) SetFiles(ctx context.Context, sf workflow.StoredFiles, files []workflow.File) (bool, error) {
	was, err := filesMemo.decode(sf.Stamp)
	if err != nil {
		return false, workflow.Wrap(workflow.EINTERNAL, err, "document %s: files cannot be read", sf.DocumentID)
	}
	if !sameFiles(was, files) {
		return false, workflow.Errorf(workflow.EINVALID, "document %s: only the files' inspection may change here", sf.DocumentID)
	}
	raw, err := encodeFiles(files)
	if err != nil {
		return false, err
	}
	res := d.conn(ctx).Exec("UPDATE documents SET files = ? WHERE id = ? AND files = ?", raw, sf.DocumentID, sf.Stamp)
	if res.Error != nil {
		return false, d.translate(res.Error, "record the inspection of the files of %s", sf.DocumentID)
	}
	return res.RowsAffected == 1, nil
}

// sameFiles reports whether a and b are the same files, in the same
// order, but for what their inspection found.
func sameFiles(a, b []workflow.File) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.Active, x.Inspection, y.Active, y.Inspection = 0, "", 0, ""
		if !x.CreatedAt.Equal(y.CreatedAt) {
			return false
		}
		x.CreatedAt = y.CreatedAt // the same instant, maybe in another zone
		if x != y {
			return false
		}
	}
	return true
}
