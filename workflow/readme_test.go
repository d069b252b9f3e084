package workflow_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReadmeStateDiagram checks the README's diagrams against the tables:
// every row is drawn, and every drawn edge is a row.
func TestReadmeStateDiagram(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	drawn := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if from, rest, ok := strings.Cut(line, " --> "); ok {
			to, label, _ := strings.Cut(rest, ": ")
			action, _, _ := strings.Cut(label, " ")
			drawn[from+" "+action+" "+to] = true
		}
	}
	want := map[string]bool{} // an edge of both machines (revoked -> archived) is drawn in each
	for _, d := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, tr := range workflow.Machine(d) {
			key := string(tr.From) + " " + string(tr.Action) + " " + string(tr.To)
			want[key] = true
			if !drawn[key] {
				t.Errorf("README does not draw %s", key)
			}
		}
	}
	if len(drawn) != len(want) {
		t.Errorf("README draws %d edges, the tables have %d", len(drawn), len(want))
	}
}
