package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	"github.com/vanthu/vanthu/workflow"
)

// A record's metadata.json carries its validation report and audit trail
// (format MetadataFormat), where records of the split layout have them as
// the objects verification.json and events.json. Readers serve and
// export them as those files either way: such a part is its bytes as
// Metadata.Part gives them, whose SHA-256 the metadata records.

// embeddedNames are the files a metadata.json may carry.
var embeddedNames = []string{NameVerification, NameEvents}

// partsOf returns the files rec's metadata.json (mb, its bytes, read and
// checked against its recorded SHA-256) carries and rec has no object
// of, as objects named as those files with the SHA-256 and size of their
// bytes, and the bytes. A part that does not match the SHA-256 the
// metadata records for it is EINTERNAL.
func partsOf(rec *Record, meta Object, mb []byte) ([]Object, [][]byte, error) {
	var md Metadata
	if err := json.Unmarshal(mb, &md); err != nil {
		return nil, nil, workflow.Wrap(workflow.EINTERNAL, err, "%s cannot be read", meta.Key)
	}
	var objs []Object
	var data [][]byte
	for _, name := range embeddedNames {
		if _, ok := objectByName(rec, name); ok {
			continue
		}
		b, ok := md.Part(name)
		if !ok {
			continue
		}
		want := md.Events.SHA256
		if name == NameVerification {
			want = md.Verification.SHA256
		}
		if sumHex(b) != want {
			return nil, nil, workflow.Errorf(workflow.EINTERNAL, "%s carries a %s that does not match its SHA-256 %s", meta.Key, name, want)
		}
		objs = append(objs, Object{Key: meta.Key, DocumentID: rec.DocumentID, Name: name, Size: int64(len(b)), SHA256: want,
			VersionID: meta.VersionID, RetainUntil: meta.RetainUntil, LegalHold: meta.LegalHold})
		data = append(data, b)
	}
	return objs, data, nil
}

// parts reads rec's metadata.json and returns the files it carries
// (partsOf); none when rec has no metadata.json.
func (s *Service) parts(ctx context.Context, rec *Record) ([]Object, [][]byte, error) {
	meta, ok := objectByName(rec, NameMetadata)
	if !ok {
		return nil, nil, nil
	}
	mb, err := s.readObject(ctx, meta)
	if err != nil {
		if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
			return nil, nil, storeErr(err, "archive store: read %s", meta.Key)
		}
		return nil, nil, workflow.Wrap(workflow.EINTERNAL, err, "record of %s", rec.DocumentID)
	}
	return partsOf(rec, meta, mb)
}

// Parts returns the files rec's metadata.json carries in itself (the
// validation report and the audit trail of a record of the current
// layout) as objects named verification.json and events.json, with the
// SHA-256 and size of those files; their Key is metadata.json's. None for
// a record of the split layout, whose objects they are. Open serves them.
func (s *Service) Parts(ctx context.Context, rec *Record) ([]Object, error) {
	objs, _, err := s.parts(ctx, rec)
	return objs, err
}

// openPart opens the file name that rec's metadata.json carries; ok is
// false when it carries none of that name.
func (s *Service) openPart(ctx context.Context, rec *Record, name string) (io.ReadCloser, Object, bool, error) {
	objs, data, err := s.parts(ctx, rec)
	if err != nil {
		return nil, Object{}, false, err
	}
	for i, o := range objs {
		if o.Name == name {
			return io.NopCloser(bytes.NewReader(data[i])), o, true, nil
		}
	}
	return nil, Object{}, false, nil
}
