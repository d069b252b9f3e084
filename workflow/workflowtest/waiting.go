package workflowtest

import (
	"context"
	"sync/atomic"

	"github.com/vanthu/vanthu/workflow"
)

// WaitingCounted is the in-memory repository as a workflow.WaitingCounter
// that counts its calls: each is one statement in storage/gormdb
// (TestWaitingByUser there), so a page or a route that counts once per
// list, not once per user, shows it in Calls.
type WaitingCounted struct {
	*Repository
	Calls atomic.Int64
}

// WaitingByUser implements workflow.WaitingCounter (the scan of the
// waiting states, as a repository without one statement gets).
func (r *WaitingCounted) WaitingByUser(ctx context.Context) (map[string]map[workflow.Role]int, error) {
	r.Calls.Add(1)
	return (&workflow.Service{Repo: r.Repository}).WaitingByUser(ctx)
}
