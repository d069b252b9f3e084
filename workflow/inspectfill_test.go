package workflow_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// fillStore is an in-memory workflow.InspectionStore: each document's
// files, their stamp their JSON.
type fillStore struct {
	mu   sync.Mutex
	docs map[string][]workflow.File
	dir  map[string]workflow.Direction
}

func stampOf(files []workflow.File) string {
	b, _ := json.Marshal(files)
	return string(b)
}

func (s *fillStore) uninspected(id string) bool {
	return s.dir[id] == workflow.Incoming && slices.ContainsFunc(s.docs[id], func(f workflow.File) bool { return f.Inspection == workflow.NotInspected })
}

func (s *fillStore) UninspectedFiles(_ context.Context, after string, limit int) ([]workflow.StoredFiles, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.docs {
		if id > after && s.uninspected(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var out []workflow.StoredFiles
	for _, id := range ids[:min(limit, len(ids))] {
		out = append(out, workflow.StoredFiles{DocumentID: id, Files: slices.Clone(s.docs[id]), Stamp: stampOf(s.docs[id])})
	}
	return out, nil
}

func (s *fillStore) CountUninspected(ctx context.Context) (int, error) {
	page, err := s.UninspectedFiles(ctx, "", 1<<30)
	return len(page), err
}

func (s *fillStore) StoredFiles(_ context.Context, id string) (workflow.StoredFiles, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, ok := s.docs[id]
	if !ok {
		return workflow.StoredFiles{}, workflow.Errorf(workflow.ENOTFOUND, "no document %s", id)
	}
	return workflow.StoredFiles{DocumentID: id, Files: slices.Clone(files), Stamp: stampOf(files)}, nil
}

func (s *fillStore) SetFiles(_ context.Context, sf workflow.StoredFiles, files []workflow.File) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stampOf(s.docs[sf.DocumentID]) != sf.Stamp {
		return false, nil
	}
	s.docs[sf.DocumentID] = slices.Clone(files)
	return true, nil
}

// edit changes document id's files as an upload or an edit would.
func (s *fillStore) edit(id string, fn func([]workflow.File) []workflow.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[id] = fn(slices.Clone(s.docs[id]))
}

// downBlobs is a store that is down.
type downBlobs struct{ workflow.Blobs }

func (downBlobs) Get(context.Context, string) (io.ReadCloser, workflow.ObjectInfo, error) {
	return nil, workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "the store is down")
}

// unreadableInspector is activeInspector refusing an "encrypted" PDF.
type unreadableInspector struct{ activeInspector }

func (i unreadableInspector) InspectActive(ctx context.Context, r io.ReaderAt, n int64) (workflow.Active, error) {
	b := make([]byte, n)
	r.ReadAt(b, 0)
	if bytes.Contains(b, []byte("/Encrypt")) {
		return 0, workflow.Errorf(workflow.EUNPROCESSABLE, "PDF is encrypted")
	}
	return i.activeInspector.InspectActive(ctx, r, n)
}

// TestInspectionFill: the files of incoming documents stored before
// their inspection was recorded are read from the store, inspected, and
// recorded — what a PDF carries, a file that is no PDF the inspection
// reads as such (not read whole) —, and nothing else: an outgoing
// document's and a file already inspected are not read; a document whose
// files an upload or an edit changed between the read and the write is
// read again, the change kept and the new file inspected too; a file that
// cannot be read is listed and left, its document's other files written;
// a store that is down stops the run. A second run finds nothing to do.
func TestInspectionFill(t *testing.T) {
	ctx := context.Background()
	pdf := func(extra string) []byte { return append(bytes.Clone(minimalPDF), extra...) }
	contents := map[string][]byte{
		"js.pdf": pdf("<< /S /JavaScript >>\n"), "plain.pdf": pdf(""), "launch.pdf": pdf("<< /S /Launch >>\n"),
		"word.docx": []byte("PK\x03\x04 /JavaScript"), "locked.pdf": pdf("/Encrypt\n"), "missing.pdf": pdf("% never stored\n"),
	}
	const none, done, unreadable = workflow.NotInspected, workflow.Inspected, workflow.Unreadable
	type want struct {
		name string
		in   workflow.Inspection
		a    workflow.Active
	}
	for _, c := range []struct {
		name   string
		dir    workflow.Direction
		files  []string                                                // names of contents, not inspected
		before map[string]workflow.Inspection                          // files inspected before
		edit   func(files []workflow.File) []workflow.File             // between the fill's read and its write, once
		down   bool                                                    // the store is down
		want   []want                                                  // the files after
		check  func(t *testing.T, rep *workflow.FillReport, err error) // the report
	}{
		{name: "old files", dir: workflow.Incoming, files: []string{"js.pdf", "plain.pdf", "word.docx", "locked.pdf"},
			want: []want{{"js.pdf", done, workflow.ActiveJavaScript}, {"plain.pdf", done, 0}, {"word.docx", unreadable, 0}, {"locked.pdf", unreadable, 0}},
			check: func(t *testing.T, rep *workflow.FillReport, err error) {
				if err != nil || rep.ToDo != 1 || rep.Documents != 1 || rep.Written != 1 || rep.Files != 2 || rep.Active != 1 || rep.Unreadable != 2 || rep.ErrorCount != 0 || rep.Left != 0 {
					t.Errorf("report %+v, %v", rep, err)
				}
				if n := int64(len(contents["js.pdf"]) + len(contents["plain.pdf"]) + len(contents["locked.pdf"]) + len(contents["word.docx"])); rep.Bytes != n {
					t.Errorf("read %d bytes, want %d (the .docx's first bytes, then nothing more)", rep.Bytes, n)
				}
			}},
		{name: "outgoing", dir: workflow.Outgoing, files: []string{"js.pdf"}, want: []want{{"js.pdf", none, 0}},
			check: func(t *testing.T, rep *workflow.FillReport, err error) {
				if err != nil || rep.ToDo != 0 || rep.Documents != 0 {
					t.Errorf("report %+v, %v", rep, err)
				}
			}},
		{name: "inspected before", dir: workflow.Incoming, files: []string{"missing.pdf", "js.pdf"}, before: map[string]workflow.Inspection{"missing.pdf": done},
			want: []want{{"missing.pdf", done, 0}, {"js.pdf", done, workflow.ActiveJavaScript}},
			check: func(t *testing.T, rep *workflow.FillReport, err error) {
				if err != nil || rep.Files != 1 || rep.ErrorCount != 0 {
					t.Errorf("report %+v, %v", rep, err)
				}
			}},
		{name: "changed meanwhile", dir: workflow.Incoming, files: []string{"js.pdf"},
			edit: func(files []workflow.File) []workflow.File {
				files[0].Name = "renamed.pdf" // an edit, kept
				return append(files, workflow.File{SHA256: sumOf(contents["launch.pdf"]), Name: "launch.pdf", Size: int64(len(contents["launch.pdf"])), Kind: workflow.FileAttachment})
			},
			want: []want{{"renamed.pdf", done, workflow.ActiveJavaScript}, {"launch.pdf", done, workflow.ActiveLaunch}},
			check: func(t *testing.T, rep *workflow.FillReport, err error) {
				if err != nil || rep.Changed != 1 || rep.Written != 1 || rep.Files != 2 || rep.Left != 0 {
					t.Errorf("report %+v, %v", rep, err)
				}
			}},
		{name: "a blob missing", dir: workflow.Incoming, files: []string{"missing.pdf", "launch.pdf"},
			want: []want{{"missing.pdf", none, 0}, {"launch.pdf", done, workflow.ActiveLaunch}},
			check: func(t *testing.T, rep *workflow.FillReport, err error) {
				if err != nil || rep.ErrorCount != 1 || len(rep.Errors) != 1 || rep.Errors[0].Name != "missing.pdf" || rep.Left != 1 || rep.Written != 1 {
					t.Errorf("report %+v, %v", rep, err)
				}
			}},
		{name: "store down", dir: workflow.Incoming, files: []string{"js.pdf"}, down: true, want: []want{{"js.pdf", none, 0}},
			check: func(t *testing.T, rep *workflow.FillReport, err error) {
				if workflow.ErrorCode(err) != workflow.EUNAVAILABLE || rep.Written != 0 || rep.Left != 1 {
					t.Errorf("report %+v, %v; want EUNAVAILABLE", rep, err)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			blobs := workflowtest.TempBlobs(t)
			store := &fillStore{docs: map[string][]workflow.File{}, dir: map[string]workflow.Direction{"doc": c.dir}}
			for _, name := range c.files {
				b := contents[name]
				sum := sumOf(b)
				if name != "missing.pdf" {
					if _, err := blobs.Put(ctx, workflow.BlobKey(sum), bytes.NewReader(b), int64(len(b)), sum, workflow.PutOptions{}); err != nil {
						t.Fatal(err)
					}
				}
				store.docs["doc"] = append(store.docs["doc"], workflow.File{SHA256: sum, Name: name, Size: int64(len(b)), Kind: workflow.FileAttachment, Inspection: c.before[name]})
			}
			if b := contents["launch.pdf"]; c.edit != nil {
				blobs.Put(ctx, workflow.BlobKey(sumOf(b)), bytes.NewReader(b), int64(len(b)), sumOf(b), workflow.PutOptions{})
			}
			var held []int64
			fill := &workflow.InspectionFill{Store: store, Files: workflow.Files{Blobs: blobs}, Inspector: unreadableInspector{}, Page: 1,
				Hold: func(_ context.Context, n int64) (func(), error) { held = append(held, n); return func() {}, nil }}
			if c.down {
				fill.Files.Blobs = downBlobs{blobs}
			}
			edited := false
			fill.BeforeWrite = func(id string) {
				if c.edit != nil && !edited {
					edited = true
					store.edit(id, c.edit)
				}
			}
			rep, err := fill.Run(ctx)
			c.check(t, rep, err)
			var got []want
			for _, f := range store.docs["doc"] {
				got = append(got, want{f.Name, f.Inspection, f.Active})
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("files after:\n got  %v\n want %v", got, c.want)
			}
			if c.down {
				return
			}
			// The budget was held for each file read whole, its size.
			var heldAll, readWhole int64
			for _, n := range held {
				heldAll += n
			}
			for _, f := range store.docs["doc"] {
				if f.Inspection != none && c.before[f.Name] == none && f.Name != "word.docx" {
					readWhole += f.Size
				}
			}
			if heldAll != readWhole {
				t.Errorf("held %v for the files read whole, want %d bytes in all", held, readWhole)
			}
			again, err := fill.Run(ctx)
			if err != nil || again.Written != 0 || again.Files != 0 || again.Unreadable != 0 || again.Documents != rep.Left {
				t.Errorf("a second run: %+v, %v; want nothing done but the documents left (%d)", again, err, rep.Left)
			}
		})
	}
}

func sumOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestInspectionFillConcurrent: runs at once, several workers each, over
// many documents, record each file once as inspected — whichever write
// wins, the other finds the files changed and has nothing left to do.
func TestInspectionFillConcurrent(t *testing.T) {
	ctx := context.Background()
	blobs := workflowtest.TempBlobs(t)
	store := &fillStore{docs: map[string][]workflow.File{}, dir: map[string]workflow.Direction{}}
	js := append(bytes.Clone(minimalPDF), "<< /S /JavaScript >>\n"...)
	sum := sumOf(js)
	blobs.Put(ctx, workflow.BlobKey(sum), bytes.NewReader(js), int64(len(js)), sum, workflow.PutOptions{})
	for i := range 60 {
		id := time.Duration(i).String()
		store.dir[id] = workflow.Incoming
		store.docs[id] = []workflow.File{{SHA256: sum, Name: "a.pdf", Size: int64(len(js)), Kind: workflow.FileMain}}
	}
	var wg sync.WaitGroup
	reps := make([]*workflow.FillReport, 3)
	for i := range reps {
		wg.Go(func() {
			fill := &workflow.InspectionFill{Store: store, Files: workflow.Files{Blobs: blobs}, Inspector: activeInspector{}, Workers: 4, Page: 7}
			var err error
			if reps[i], err = fill.Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	written := 0
	for _, r := range reps {
		written += r.Written
	}
	if written != 60 {
		t.Errorf("documents written by the runs together: %d, want 60", written)
	}
	for id, files := range store.docs {
		if files[0].Inspection != workflow.Inspected || files[0].Active != workflow.ActiveJavaScript {
			t.Errorf("%s: %+v", id, files[0])
		}
	}
}
