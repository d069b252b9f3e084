package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// failingPages is a repository whose register pages after the first
// fail while fail is set.
type failingPages struct {
	*workflowtest.Repository
	fail *atomic.Bool
}

func (r failingPages) RegisterEntriesAfter(ctx context.Context, k workflow.RegisterKind, y, after, limit int) ([]*workflow.Document, error) {
	if r.fail.Load() && after > 0 {
		return nil, errors.New("database went away")
	}
	return r.Repository.RegisterEntriesAfter(ctx, k, y, after, limit)
}

// TestRegisterDownloadCutShortIsNotWhole: a register's CSV or JSON
// download whose reading fails after its first page ends in an aborted
// response (the client reads an error, never a 200 body it could take
// for the whole register).
func TestRegisterDownloadCutShortIsNotWhole(t *testing.T) {
	e := newTestEnv(t)
	fail := new(atomic.Bool)
	e.docs.Repo = failingPages{e.repo, fail}
	e.docs.RegisterPage = 5
	seedOutgoingRegister(t, e, 120)
	clerk := e.login("vanthu")
	for _, path := range []string{"/registers/outgoing/2026/csv", "/registers/outgoing/2026/json"} {
		fail.Store(false)
		whole := clerk.get(path)
		if whole.Status != http.StatusOK || len(whole.Body) < 8<<10 {
			t.Fatalf("%s: %d, %d bytes (want over the server's buffer)", path, whole.Status, len(whole.Body))
		}
		fail.Store(true)
		req, _ := http.NewRequest(http.MethodGet, clerk.base+path, nil)
		resp, err := clerk.hc.Do(req)
		if err != nil {
			continue // aborted before the headers: nothing taken for a file
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("%s, failing after the first page: %d, %d of %d bytes read without an error", path, resp.StatusCode, len(body), len(whole.Body))
		} else if !strings.HasPrefix(whole.Body, string(body)) {
			t.Errorf("%s: the part sent is not the start of the whole", path)
		}
	}
}
