package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

var formKeyRe = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// formKeyOf is the one-time key of the create form p shows.
func formKeyOf(t *testing.T, p page) string {
	t.Helper()
	m := formKeyRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("the form has no one-time key (status %d)", p.Status)
	}
	return m[1]
}

func (e *testEnv) countDocuments() int {
	e.t.Helper()
	docs, _, err := e.repo.Documents(context.Background(), workflow.DocumentFilter{SeeAll: true, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(docs)
}

// createForms are the two create forms: who fills them, and with what.
func (e *testEnv) createForms() []struct {
	name, user, path string
	fields           url.Values
} {
	return []struct {
		name, user, path string
		fields           url.Values
	}{
		{"incoming", "vanthu", "/incoming/new", url.Values{"type": {"CV"}, "subject": {"Về việc tổ chức hội nghị"}, "original_number": {"12/UBND-VP"},
			"original_date": {"20/11/2026"}, "sender_name": {"UBND thành phố Cần Thơ"}, "sender_org_id": {"000.00.00.H13"}, "urgency": {"normal"}, "confidentiality": {"normal"}}},
		{"outgoing", "chuyenvien", "/outgoing/new", url.Values{"type": {"TB"}, "subject": {"Thông báo lịch tiếp dân"}, "signer_id": {e.users["lanhdao"].ID},
			"urgency": {"normal"}, "confidentiality": {"normal"}}},
	}
}

func with(v url.Values, k, x string) url.Values {
	c := url.Values{}
	for a, b := range v {
		c[a] = b
	}
	c.Set(k, x)
	return c
}

// TestCreateFormPostedTwice: a create form posted twice (a double click
// without JavaScript, a reload that sends it again) creates one
// document, and the second post lands on its page; the form sent again
// with other content is told so and given a new key, under which it
// creates a second document.
func TestCreateFormPostedTwice(t *testing.T) {
	e := newTestEnv(t)
	for _, f := range e.createForms() {
		t.Run(f.name, func(t *testing.T) {
			before := e.countDocuments()
			c := e.login(f.user)
			key := formKeyOf(t, c.get(f.path))
			fields := with(f.fields, formKey, key)
			file := map[string][]byte{"file:vanban.pdf": fakePDF}
			first := docIDFrom(t, c.postMultipart(f.path, fields, file))
			second := c.postMultipart(f.path, fields, file)
			if id := docIDFrom(t, second); id != first {
				t.Fatalf("second post: document %s, the first made %s", id, first)
			}
			if n := e.countDocuments() - before; n != 1 {
				t.Fatalf("%d documents from one form posted twice, want 1", n)
			}
			if key2 := formKeyOf(t, c.get(f.path)); key2 == key {
				t.Errorf("a new form has the key of the last one")
			}
			changed := c.postMultipart(f.path, with(fields, "subject", "Về việc khác"), file)
			if changed.Status != http.StatusUnprocessableEntity {
				t.Fatalf("changed content under the same key: %d", changed.Status)
			}
			newKey := formKeyOf(t, changed)
			if newKey == key {
				t.Fatalf("the form sent back after a changed post keeps its used key")
			}
			if id := docIDFrom(t, c.postMultipart(f.path, with(with(fields, "subject", "Về việc khác"), formKey, newKey), file)); id == first {
				t.Errorf("the form under its new key gave the first document")
			}
			if n := e.countDocuments() - before; n != 2 {
				t.Errorf("%d documents, want 2", n)
			}
		})
	}
}

// heldBlobs holds every Put until open is closed, telling entered.
type heldBlobs struct {
	workflow.Blobs
	entered, open chan struct{}
}

func (b *heldBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, o workflow.PutOptions) (workflow.ObjectInfo, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-b.open
	return b.Blobs.Put(ctx, key, r, size, sum, o)
}

// multipartRequest is c's post of fields and one file, built without
// the test's T (it is sent from another goroutine).
func (c *client) multipartRequest(path string, fields url.Values, file []byte) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf_token", c.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	w, _ := mw.CreateFormFile("file", "vanban.pdf")
	w.Write(file)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// TestCreateFormPostedTwiceAtOnce: the second post of a form whose first
// post is still being processed waits for it and lands on its document.
func TestCreateFormPostedTwiceAtOnce(t *testing.T) {
	e := newTestEnv(t)
	held := &heldBlobs{Blobs: e.docs.Blobs, entered: make(chan struct{}, 1), open: make(chan struct{})}
	e.docs.Blobs = held
	f := e.createForms()[0]
	c := e.login(f.user)
	fields := with(f.fields, formKey, formKeyOf(t, c.get(f.path)))
	type answer struct {
		status   int
		location string
		err      error
	}
	first := make(chan answer, 1)
	req := c.multipartRequest(f.path, fields, fakePDF)
	go func() {
		resp, err := c.hc.Do(req)
		if err != nil {
			first <- answer{err: err}
			return
		}
		resp.Body.Close()
		first <- answer{status: resp.StatusCode, location: resp.Header.Get("Location")}
	}()
	select {
	case <-held.entered:
	case a := <-first:
		t.Fatalf("the first post stored nothing: %+v", a)
	}
	time.AfterFunc(500*time.Millisecond, func() { close(held.open) })
	second := c.postMultipart(f.path, fields, map[string][]byte{"file:vanban.pdf": fakePDF})
	a := <-first
	if a.err != nil || a.status != http.StatusSeeOther {
		t.Fatalf("first post: %+v", a)
	}
	if second.Location != a.location {
		t.Errorf("second post: %d %q, the first went to %q", second.Status, second.Location, a.location)
	}
	if n := e.countDocuments(); n != 1 {
		t.Errorf("%d documents, want 1", n)
	}
}
