package archivetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// UseSplitLayout makes f's archive write records in the layout of the
// versions before archive.MetadataFormat: the validation report and the
// audit trail as objects of their own (verification.json, events.json),
// named by a metadata.json of archive.MetadataFormatSplit, all of them in
// the index. It rewrites what the current writer sends: each metadata.json
// is stored as that layout's, beside the files it carried, and the index
// lists them with it. Restore turns it off.
func (f *Fixture) UseSplitLayout() (restore func()) {
	store, idx := f.Archive.Store, f.Archive.Index
	f.Archive.Store = splitStore{store}
	f.Archive.Index = splitIndex{Index: idx, store: store}
	return func() { f.Archive.Store, f.Archive.Index = store, idx }
}

// splitStore stores a metadata.json of the current layout as the split
// layout's, with the parts it carried beside it.
type splitStore struct{ workflow.Blobs }

func (s splitStore) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	if !strings.HasSuffix(key, "/"+archive.NameMetadata) {
		return s.Blobs.Put(ctx, key, r, size, sum, opts)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return workflow.ObjectInfo{}, err
	}
	var md archive.Metadata
	if err := json.Unmarshal(b, &md); err != nil || md.Format != archive.MetadataFormat {
		return workflow.ObjectInfo{}, fmt.Errorf("split layout: %s is not a current metadata.json: %v", key, err)
	}
	prefix := strings.TrimSuffix(key, archive.NameMetadata)
	for _, name := range []string{archive.NameVerification, archive.NameEvents} {
		if part, ok := md.Part(name); ok {
			if _, err := putBytes(ctx, s.Blobs, prefix+name, part, opts); err != nil {
				return workflow.ObjectInfo{}, err
			}
		}
	}
	md.Format, md.Events.Trail = archive.MetadataFormatSplit, nil
	if md.Verification != nil {
		md.Verification.Report = nil
	}
	mb, err := json.MarshalIndent(&md, "", "  ")
	if err != nil {
		return workflow.ObjectInfo{}, err
	}
	return putBytes(ctx, s.Blobs, key, append(mb, '\n'), opts)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func putBytes(ctx context.Context, s workflow.Blobs, key string, b []byte, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	sum := sha256Hex(b)
	return s.Put(ctx, key, bytes.NewReader(b), int64(len(b)), sum, opts)
}

// splitIndex lists, with a record's metadata.json, the split layout's
// verification.json and events.json stored beside it.
type splitIndex struct {
	archive.Index
	store workflow.Blobs
}

func (x splitIndex) PutObjects(ctx context.Context, docID string, objs []archive.Object) error {
	out := objs
	have := map[string]bool{}
	for _, o := range objs {
		have[o.Name] = true
	}
	for _, o := range objs {
		if o.Name != archive.NameMetadata {
			continue
		}
		prefix := strings.TrimSuffix(o.Key, archive.NameMetadata)
		for _, name := range []string{archive.NameVerification, archive.NameEvents} {
			if oi, err := x.store.Stat(ctx, prefix+name); err == nil && !have[name] {
				out = append(out, archive.Object{Key: oi.Key, DocumentID: docID, Name: name, Size: oi.Size, SHA256: oi.SHA256,
					VersionID: oi.VersionID, RetainUntil: oi.RetainUntil, LegalHold: oi.LegalHold})
			}
		}
	}
	return x.Index.PutObjects(ctx, docID, out)
}
