package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// keyedRequest is a POST of a new document of meta and pdf by user with
// the Idempotency-Key header key (none when "").
func (f *fixture) keyedRequest(t *testing.T, user, key string, meta any, pdf []byte) *http.Request {
	t.Helper()
	body, ct := multipartBody(t, meta, pdf)
	req := httptest.NewRequest("POST", "/api/v1/documents", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+f.tokens[user])
	if key != "" {
		req.Header.Set(api.HeaderIdempotencyKey, key)
	}
	return req
}

// postKeyed sends keyedRequest, checked against the OpenAPI document.
func (f *fixture) postKeyed(t *testing.T, user, key string, meta any, pdf []byte) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	apitest.Validating(t, f.srv).ServeHTTP(rec, f.keyedRequest(t, user, key, meta, pdf))
	return rec
}

// serve answers req (from a goroutine other than the test's: no check
// against the OpenAPI document, whose failures would stop the test).
func (f *fixture) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) countDocuments(t *testing.T) int {
	t.Helper()
	rec := f.do(t, "admin", "GET", "/api/v1/documents?limit=200", nil, "")
	var list struct{ Items []api.DocumentJSON }
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

func docID(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var d api.DocumentJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || d.ID == "" {
		t.Fatalf("%d: not a document: %s", rec.Code, rec.Body.String())
	}
	return d.ID
}

func TestCreateIdempotencyKey(t *testing.T) {
	pdf := testpdf.Make(2, "vanthu test")
	t.Run("200/replay", func(t *testing.T) {
		f := newFixture(t, 1<<20)
		first := f.postKeyed(t, "handler", "k-1", f.outgoingMeta(), pdf)
		if first.Code != http.StatusCreated || first.Header().Get(api.HeaderIdempotentReplayed) != "" {
			t.Fatalf("first: %d %v %s", first.Code, first.Header(), first.Body.String())
		}
		// The IETF draft's quoted form names the same key.
		for _, key := range []string{"k-1", `"k-1"`} {
			again := f.postKeyed(t, "handler", key, f.outgoingMeta(), pdf)
			if again.Code != http.StatusOK || again.Header().Get(api.HeaderIdempotentReplayed) != "true" || docID(t, again) != docID(t, first) {
				t.Fatalf("replay %s: %d %v %s", key, again.Code, again.Header(), again.Body.String())
			}
		}
		if n := f.countDocuments(t); n != 1 {
			t.Errorf("%d documents, want 1", n)
		}
	})
	t.Run("201/no key: two documents", func(t *testing.T) {
		f := newFixture(t, 1<<20)
		for range 2 {
			if rec := f.postKeyed(t, "handler", "", f.outgoingMeta(), pdf); rec.Code != http.StatusCreated {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
		}
		if n := f.countDocuments(t); n != 2 {
			t.Errorf("%d documents, want 2", n)
		}
	})
	for _, tc := range []struct {
		name string
		meta func(f *fixture) map[string]any
		pdf  []byte
	}{
		{"422/key reused for another subject", func(f *fixture) map[string]any {
			m := f.outgoingMeta()
			m["subject"] = "Về việc khác"
			return m
		}, pdf},
		{"422/key reused for another file", (*fixture).outgoingMeta, testpdf.Make(3, "another")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 1<<20)
			if rec := f.postKeyed(t, "handler", "k-1", f.outgoingMeta(), pdf); rec.Code != http.StatusCreated {
				t.Fatalf("first: %d %s", rec.Code, rec.Body.String())
			}
			rec := f.postKeyed(t, "handler", "k-1", tc.meta(f), tc.pdf)
			if e := decodeErr(t, rec); rec.Code != http.StatusUnprocessableEntity || e.Error.Code != workflow.EKEYREUSED {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			if n := f.countDocuments(t); n != 1 {
				t.Errorf("%d documents, want 1", n)
			}
		})
	}
	t.Run("400/empty key", func(t *testing.T) {
		f := newFixture(t, 1<<20)
		rec := f.postKeyed(t, "handler", `""`, f.outgoingMeta(), pdf)
		if e := decodeErr(t, rec); rec.Code != http.StatusBadRequest || e.Error.Code != workflow.EINVALID {
			t.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	})
}

// gatedBlobs holds every Put until open is closed, telling entered.
type gatedBlobs struct {
	workflow.Blobs
	entered chan struct{}
	open    chan struct{}
}

func (b *gatedBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, o workflow.PutOptions) (workflow.ObjectInfo, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-b.open
	return b.Blobs.Put(ctx, key, r, size, sum, o)
}

// TestCreateIdempotencyKeyInFlight: a retry while the first attempt is
// storing its file is 409 in_progress with Retry-After, and after it a
// replay; attempts sent at once make exactly one document.
func TestCreateIdempotencyKeyInFlight(t *testing.T) {
	pdf := testpdf.Make(2, "vanthu test")
	t.Run("409/in flight", func(t *testing.T) {
		gate := &gatedBlobs{entered: make(chan struct{}, 1), open: make(chan struct{})}
		f := newFixtureWith(t, 1<<20, func(s *workflow.Service) { gate.Blobs = s.Blobs; s.Blobs = gate })
		first := make(chan *httptest.ResponseRecorder, 1)
		req := f.keyedRequest(t, "handler", "k-1", f.outgoingMeta(), pdf)
		go func() { first <- f.serve(req) }()
		select {
		case <-gate.entered:
		case r := <-first:
			t.Fatalf("first attempt stored nothing: %d %s", r.Code, r.Body.String())
		}
		rec := f.postKeyed(t, "handler", "k-1", f.outgoingMeta(), pdf)
		if e := decodeErr(t, rec); rec.Code != http.StatusConflict || e.Error.Code != workflow.EINPROGRESS || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("retry in flight: %d %v %s", rec.Code, rec.Header(), rec.Body.String())
		}
		close(gate.open)
		r1 := <-first
		if r1.Code != http.StatusCreated {
			t.Fatalf("first: %d %s", r1.Code, r1.Body.String())
		}
		if again := f.postKeyed(t, "handler", "k-1", f.outgoingMeta(), pdf); again.Code != http.StatusOK || docID(t, again) != docID(t, r1) {
			t.Fatalf("after: %d %s", again.Code, again.Body.String())
		}
	})
	t.Run("201/concurrent: one document", func(t *testing.T) {
		f := newFixture(t, 1<<20)
		const n = 8
		recs := make([]*httptest.ResponseRecorder, n)
		var wg sync.WaitGroup
		for i := range n {
			req := f.keyedRequest(t, "handler", "k-1", f.outgoingMeta(), pdf)
			wg.Go(func() { recs[i] = f.serve(req) })
		}
		wg.Wait()
		created, ids := 0, map[string]bool{}
		for _, rec := range recs {
			switch rec.Code {
			case http.StatusCreated:
				created++
				ids[docID(t, rec)] = true
			case http.StatusOK:
				ids[docID(t, rec)] = true
			case http.StatusConflict:
				if !bytes.Contains(rec.Body.Bytes(), []byte(workflow.EINPROGRESS)) {
					t.Errorf("409: %s", rec.Body.String())
				}
			default:
				t.Errorf("%d %s", rec.Code, rec.Body.String())
			}
		}
		if created != 1 || len(ids) != 1 {
			t.Errorf("%d created, %d distinct documents answered: want 1 and 1", created, len(ids))
		}
		if c := f.countDocuments(t); c != 1 {
			t.Errorf("%d documents, want 1", c)
		}
	})
}
