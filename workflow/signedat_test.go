package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestSignedAt: a document's SignedAt is when its standing layer-1
// signature was made — none before signing or once a return withdrew
// it, the new signature's time after signing again, unchanged by the
// clerk's issue (layer 2) that follows; none on an incoming document.
func TestSignedAt(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	start := e.now
	d := e.create(t, workflow.Outgoing, workflow.Public)
	apply := func(a workflow.Action, at time.Time, want *time.Time) {
		t.Helper()
		e.now = at
		var err error
		in := workflow.ActionInput{Comment: "Sửa căn cứ"}
		if d, err = e.svc.Apply(ctx, e.actorFor(d, a), d.ID, a, in); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		got := d.SignedAt()
		if (got == nil) != (want == nil) || got != nil && !got.Equal(*want) {
			t.Fatalf("after %s: SignedAt %v, want %v", a, got, want)
		}
	}
	first, again := start.Add(time.Hour), start.Add(26*time.Hour)
	apply(workflow.Submit, start, nil)
	apply(workflow.Approve, start, nil)
	apply(workflow.Sign, first, &first)
	apply(workflow.Return, start.Add(2*time.Hour), nil)
	apply(workflow.Submit, start.Add(25*time.Hour), nil)
	apply(workflow.Approve, start.Add(25*time.Hour), nil)
	apply(workflow.Sign, again, &again)
	apply(workflow.Issue, start.Add(30*time.Hour), &again)
	if in := e.create(t, workflow.Incoming, workflow.Public); in.SignedAt() != nil {
		t.Fatalf("incoming: SignedAt %v", in.SignedAt())
	}
}
