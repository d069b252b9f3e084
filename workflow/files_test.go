package workflow_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestTailOf: a revision is a tail only when it starts with its base's
// bytes, but for at most its first MaxHead, and adds 1 to MaxTail bytes.
func TestTailOf(t *testing.T) {
	base := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("base "), 30)...)
	bf := workflow.File{SHA256: "b", Size: int64(len(base))}
	for _, c := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"appended", append(bytes.Clone(base), "tail\n"...), true},
		{"longest tail", append(bytes.Clone(base), make([]byte, workflow.MaxTail)...), true},
		{"tail too long", append(bytes.Clone(base), make([]byte, workflow.MaxTail+1)...), false},
		{"rewritten", append(bytes.ToUpper(base), "tail\n"...), false},
		{"changed past the head", append(append(bytes.Clone(base[:workflow.MaxHead]), bytes.ToUpper(base[workflow.MaxHead:])...), "tail\n"...), false},
		{"header raised", append(append([]byte("%PDF-1.8"), base[8:]...), "tail\n"...), true},
		{"nothing added", bytes.Clone(base), false},
		{"shorter", base[:5], false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl, ok := workflow.TailOf(c.b, bf, base, "s")
			if ok != c.want {
				t.Fatalf("TailOf = %v, want %v", ok, c.want)
			}
			made := append(append(bytes.Clone(tl.Head), base[len(tl.Head):]...), tl.Bytes...)
			if ok && (tl.Base != "b" || tl.BaseSize != int64(len(base)) || !bytes.Equal(made, c.b)) {
				t.Errorf("tail %+v does not make the revision", tl)
			}
		})
	}
}

// TestFilesReadChecks: a document's draft, layer 1 and layer 2 (tails on
// it) read back byte for byte, and damaged bytes anywhere in a file are
// refused (EINTERNAL) however they are stored — from a store that says
// nothing, from a cached blob under a tail read from the database, or
// under a tail this process made on a base it cannot vouch for. Only a
// blob the store says it checked against the file's SHA-256
// (workflow.VerifiedReader) and tails this process made (Tail.Made) are
// not hashed again: served as the store and the memo hold them, their
// size still checked.
func TestFilesReadChecks(t *testing.T) {
	ctx := context.Background()
	_, files, blobs, tails := lifecycleFiles(t)
	draftKey := workflow.BlobKey(files[0].SHA256)
	good := blobs[draftKey]
	damaged := bytes.Clone(good)
	damaged[len(damaged)/2] ^= 1
	tailKey := files[2].SHA256 + "/" + files[1].SHA256
	badTail := tails[tailKey]
	badTail.Bytes = bytes.Clone(badTail.Bytes)
	badTail.Bytes[0] ^= 1
	with := func(m map[string][]byte, k string, v []byte) map[string][]byte {
		c := map[string][]byte{}
		for key, b := range m {
			c[key] = b
		}
		c[k] = v
		return c
	}
	withTail := map[string]workflow.Tail{}
	for k, v := range tails {
		withTail[k] = v
	}
	withTail[tailKey] = badTail
	for _, c := range []struct {
		name  string
		fs    workflow.Files
		wrong [3]bool // the files refused: draft, layer 1, layer 2
		draft []byte  // the draft's bytes served (nil: the draft's)
	}{
		{"cached blob, tails made here", workflow.Files{Blobs: memBlobs{m: blobs}, Tails: memTails{m: tails}}, [3]bool{}, nil},
		{"unverified store, tails from the database", workflow.Files{Blobs: memBlobs{m: blobs, unverified: true}, Tails: memTails{m: tails, fromDB: true}}, [3]bool{}, nil},
		{"damaged blob, unverified store", workflow.Files{Blobs: memBlobs{m: with(blobs, draftKey, damaged), unverified: true}, Tails: memTails{m: tails}}, [3]bool{true, true, true}, nil},
		{"damaged blob, the store vouches for other bytes", workflow.Files{Blobs: memBlobs{m: with(blobs, draftKey, damaged), claim: files[1].SHA256}, Tails: memTails{m: tails}}, [3]bool{true, true, true}, nil},
		{"damaged tail from the database, cached base", workflow.Files{Blobs: memBlobs{m: blobs}, Tails: memTails{m: withTail, fromDB: true}}, [3]bool{false, false, true}, nil},
		{"short blob the store vouches for", workflow.Files{Blobs: memBlobs{m: with(blobs, draftKey, good[:len(good)-1])}, Tails: memTails{m: tails}}, [3]bool{true, true, true}, nil},
		// What the store and the memo vouch for is not hashed again.
		{"damaged blob the store vouches for", workflow.Files{Blobs: memBlobs{m: with(blobs, draftKey, damaged)}, Tails: memTails{m: tails}}, [3]bool{}, damaged},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := good
			if c.draft != nil {
				want = c.draft
			}
			for i, f := range files {
				if i > 0 {
					want = append(bytes.Clone(want), tails[f.SHA256+"/"+f.Base].Bytes...)
				}
				b, err := c.fs.Read(ctx, files, f)
				if c.wrong[i] {
					if workflow.ErrorCode(err) != workflow.EINTERNAL {
						t.Errorf("%s: %d bytes, %v; want EINTERNAL", f.Name, len(b), err)
					}
					continue
				}
				if err != nil || !bytes.Equal(b, want) {
					t.Errorf("%s: %d bytes, %v; want the file", f.Name, len(b), err)
				}
			}
		})
	}
}
