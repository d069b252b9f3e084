package gormdb

import (
	"context"
	"encoding/json"
	"fmt"
)

// ReferencedBlobs calls fn with the SHA-256 of every work-store blob a
// committed row refers to: each file of each document (documents.files)
// stored whole — a tailed file has no blob, and its base is a file of
// the same document — and each user's signature image
// (users.signature_image), and each copy's signed PDF (copies.sha256). A SHA-256 may
// come more than once. It reads from the reader pool, so the single
// SQLite writer is not held while it walks every document. The blob
// collector (blobgc) deletes nothing this names.
func (d *DB) ReferencedBlobs(ctx context.Context, fn func(sha256 string) error) error {
	g := d.reader(ctx).g.WithContext(ctx)
	rows, err := g.Model(&documentRow{}).Select("files").Rows()
	if err != nil {
		return d.translate(err, "referenced blobs: documents")
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return d.translate(err, "referenced blobs: documents")
		}
		if raw == "" {
			continue
		}
		var files []fileJSON
		if err := json.Unmarshal([]byte(raw), &files); err != nil {
			return fmt.Errorf("referenced blobs: documents.files %.80q: %w", raw, err)
		}
		for _, f := range files {
			if f.Base != "" {
				continue
			}
			if err := fn(f.SHA256); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return d.translate(err, "referenced blobs: documents")
	}
	var images []string
	if err := g.Model(&userRow{}).Where("signature_image <> ''").Pluck("signature_image", &images).Error; err != nil {
		return d.translate(err, "referenced blobs: users")
	}
	var copies []string
	if err := g.Model(&copyRow{}).Pluck("sha256", &copies).Error; err != nil {
		return d.translate(err, "referenced blobs: copies")
	}
	for _, sum := range append(images, copies...) {
		if err := fn(sum); err != nil {
			return err
		}
	}
	return nil
}
