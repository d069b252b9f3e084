package signing

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// TestInspectHostile: intake refuses every hostile file with
// EUNPROCESSABLE (422) and the reason, in bounded memory. Each runs in a
// child process: before the bounded precheck, the PDF library overflowed
// its stack on deep nesting, ran out of memory on /Size or /W, and looped
// forever on a page tree cycle or a field tree DAG.
func TestInspectHostile(t *testing.T) {
	for _, tc := range testpdf.Hostile(verify.DefaultLimits.MaxSections) {
		if tc.VerifierOnly {
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			out, parent := testpdf.RunIsolated(t, func() string {
				pdf := tc.PDF()
				var err error
				alloc := testpdf.Allocated(func() { _, err = inspectBytes(pdf) })
				over := int64(alloc) - int64(3*64<<20+48*len(pdf))
				// The same from a mapped file, as an upload is read.
				if _, ferr := inspectMappedFile(t, filepath.Join(t.TempDir(), "upload"), pdf); workflow.ErrorMessage(ferr) != workflow.ErrorMessage(err) {
					return fmt.Sprintf("%d differs: from a mapped file %q", over, workflow.ErrorMessage(ferr))
				}
				return fmt.Sprintf("%d %s %s", over, workflow.ErrorCode(err), workflow.ErrorMessage(err))
			})
			if !parent {
				return
			}
			var over int64
			var code string
			if _, err := fmt.Sscanf(out, "%d %s", &over, &code); err != nil {
				t.Fatalf("child answered %q", out)
			}
			if code != workflow.EUNPROCESSABLE || !strings.Contains(out, "PDF cannot be processed: ") || !strings.Contains(out, tc.Reason) {
				t.Errorf("Inspect: %s; want %s, %q", out, workflow.EUNPROCESSABLE, tc.Reason)
			}
			if over > 0 {
				t.Errorf("Inspect allocated %d MB more than its bound", over>>20)
			}
		})
	}
}

// FuzzIntake: Inspect on any bytes returns Info or a clean error (415 or
// 422), in bounded time and memory, never a panic or a fatal error, and
// the same answer from a mapped file as from memory. Seeds:
// testdata/fuzz/FuzzIntake (written by signing/verify's
// TestWriteFuzzSeeds).
func FuzzIntake(f *testing.F) {
	f.Add([]byte("%PDF-1.7\ntrailer\n<< /Root 1 0 R >>"))
	// Damaged cross-reference data, read from data made again by a scan;
	// damaged objects and page trees, written again as readers take them.
	for _, d := range slices.Concat(testpdf.Damages(), testpdf.ObjectDamages(), testpdf.PageTreeDamages()) {
		if b := d.Apply(testpdf.Make(1, "fuzz")); b != nil {
			f.Add(b)
		}
	}
	path := filepath.Join(f.TempDir(), "upload")
	f.Fuzz(func(t *testing.T, b []byte) {
		sameFromFile(t, path, b)
		info, err := inspectBytes(b)
		if err != nil {
			if c := workflow.ErrorCode(err); c != workflow.EUNPROCESSABLE && c != workflow.EUNSUPPORTEDMEDIA {
				t.Fatalf("error %v with code %q", err, c)
			}
			return
		}
		if info.Pages < 1 || info.Encrypted {
			t.Fatalf("accepted with %+v", info)
		}
	})
}

// TestInspectObjStm: a sound file whose catalog is in an object stream is
// accepted (the object stream checks of the precheck pass it).
func TestInspectObjStm(t *testing.T) {
	info, err := inspectBytes(testpdf.ObjStm("/N 1", "", 10))
	if err != nil || info.Pages != 1 {
		t.Fatalf("%+v %v", info, err)
	}
}
