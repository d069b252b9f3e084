package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/vanthu/vanthu/archive/bagit"
	"github.com/vanthu/vanthu/workflow"
)

// WritePackage streams the record of an archived document as a BagIt zip
// (RFC 8493): data/ holds every object of the record under its name, and
// the validation report and audit trail metadata.json carries, as
// verification.json and events.json (the files its SHA-256 values are of).
// Each object is streamed from the archive store and its SHA-256 checked
// against the recorded one on the way: a mismatch stops the package with
// an error (the zip is then incomplete) and is never papered over.
func (s *Service) WritePackage(ctx context.Context, actor *workflow.User, docID string, w io.Writer) error {
	rec, err := s.Get(ctx, actor, docID)
	if err != nil {
		return err
	}
	if err := s.gone(ctx, docID); err != nil {
		return err
	}
	if err := s.recordUse(ctx, actor, docID, "export", ""); err != nil {
		return err
	}
	return s.writeBag(ctx, rec, w)
}

func (s *Service) writeBag(ctx context.Context, rec *Record, w io.Writer) error {
	bag := bagit.NewWriter(w, "record-"+rec.DocumentID, s.now().UTC())
	var mb bytes.Buffer
	for _, o := range rec.Objects {
		rc, _, err := s.Store.Get(ctx, o.Key)
		if err != nil {
			return storeErr(err, "archive store: read %s", o.Key)
		}
		var r io.Reader = rc
		if o.Name == NameMetadata {
			r = io.TeeReader(rc, &mb)
		}
		sum, n, err := bag.AddFile(o.Name, r)
		rc.Close()
		if err != nil {
			return fmt.Errorf("package %s: %w", rec.DocumentID, err)
		}
		if sum != o.SHA256 || n != o.Size {
			return workflow.Errorf(workflow.EINTERNAL, "package %s: %s does not match its recorded SHA-256 (fixity failure): not exported", rec.DocumentID, o.Key)
		}
	}
	if meta, ok := objectByName(rec, NameMetadata); ok {
		objs, data, err := partsOf(rec, meta, mb.Bytes())
		if err != nil {
			return fmt.Errorf("package %s: %w", rec.DocumentID, err)
		}
		for i, o := range objs {
			if _, _, err := bag.AddFile(o.Name, bytes.NewReader(data[i])); err != nil {
				return fmt.Errorf("package %s: %w", rec.DocumentID, err)
			}
		}
	}
	org := s.Org.Name
	if org == "" {
		org = "vanthu"
	}
	info := bagit.Info{
		{"Source-Organization", org},
		{"Organization-Address", s.Org.OrgID},
		{"External-Identifier", rec.DocumentID},
		{"External-Description", rec.Subject},
		{"Bag-Group-Identifier", rec.Key},
		{"Internal-Sender-Identifier", rec.Notation},
		{"Retention-Class", rec.Class},
		{"Archived-At", rec.ArchivedAt.UTC().Format(time.RFC3339)},
		{"Retain-Until", rec.RetainUntil.UTC().Format(time.RFC3339)},
	}
	return bag.Close(info)
}
