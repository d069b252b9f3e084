package api_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
)

// TestEventKindsDocumented: every event kind the workflow package
// declares (a constant of type EventKind) is in openapi's Event.kind
// enum — an answer carrying one that is not fails the contract (layout,
// number_voided and archive_use were missing: a document's history after
// a layout correction did), and no kind is documented that is not
// declared or written by an earlier version.
func TestEventKindsDocumented(t *testing.T) {
	files, err := filepath.Glob("../workflow/*.go")
	if err != nil {
		t.Fatal(err)
	}
	decl := regexp.MustCompile(`(?m)^\s*(?:const\s+)?Event\w+\s+EventKind\s*=\s*"([a-z_]+)"`)
	var declared []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range decl.FindAllSubmatch(b, -1) {
			declared = append(declared, string(m[1]))
		}
	}
	if len(declared) < 10 {
		t.Fatalf("only %d event kinds found in workflow: %v", len(declared), declared)
	}
	var documented []string
	for _, m := range regexp.MustCompile(`(?m)^\s+kind: \{type: string, enum: \[([a-z_, ]+)\]`).FindAllSubmatch(api.OpenAPI(), -1) {
		if kinds := strings.Split(string(m[1]), ", "); slices.Contains(kinds, "transition") {
			documented = kinds // Event's; other schemas have a kind too (File's)
		}
	}
	if documented == nil {
		t.Fatal("no Event.kind enum in openapi.yaml")
	}
	// Kinds earlier versions wrote, which a database keeps: documented,
	// no longer declared ("revoke": a revocation is now a transition).
	declared = append(declared, "revoke")
	slices.Sort(declared)
	slices.Sort(documented)
	if !slices.Equal(declared, documented) {
		t.Errorf("workflow declares %v\nopenapi documents %v", declared, documented)
	}
}
