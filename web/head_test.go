package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// headArchive is an archive with one record of one object: reading its
// content or making its package fails the test when the request is a
// HEAD (headOnly).
type headArchive struct {
	Archive
	t        *testing.T
	headOnly *atomic.Bool
}

func (a headArchive) Get(_ context.Context, _ *workflow.User, id string) (*archive.Record, error) {
	return &archive.Record{DocumentID: id}, nil
}

func (a headArchive) Stat(_ context.Context, _ *workflow.User, id, name string) (*archive.Record, archive.Object, string, error) {
	return &archive.Record{DocumentID: id}, archive.Object{Name: name, Size: 5, SHA256: "ab"}, "application/vnd.oasis.opendocument.text", nil
}

func (a headArchive) Open(_ context.Context, _ *workflow.User, id, name string) (io.ReadCloser, *archive.Record, archive.Object, error) {
	if a.headOnly.Load() {
		a.t.Errorf("HEAD of %s read the object", name)
	}
	return io.NopCloser(strings.NewReader("PK...")), &archive.Record{DocumentID: id}, archive.Object{Name: name, Size: 5, SHA256: "ab"}, nil
}

func (a headArchive) WritePackage(_ context.Context, _ *workflow.User, _ string, w io.Writer) error {
	if a.headOnly.Load() {
		a.t.Errorf("HEAD of a package made it")
	}
	_, err := io.WriteString(w, "PK zip")
	return err
}

// TestHeadReadsNoContent: a HEAD of a document's file (the main one and
// each attachment, PDF or not), of an archived object or of a package
// answers the GET's headers without reading content (before, it read the
// whole file, and made the whole package, for a discarded body).
func TestHeadReadsNoContent(t *testing.T) {
	e := newTestEnv(t)
	cb := &workflowtest.CountingBlobs{Blobs: e.docs.Blobs}
	e.docs.Blobs = cb
	var headOnly atomic.Bool
	e.remount(t, Config{Archive: headArchive{t: t, headOnly: &headOnly}})
	clerk := e.login("vanthu")
	clerk.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Về việc gửi phụ lục"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "sender_org_id": {"000.00.00.H13"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	id := docIDFrom(t, clerk.postMultipart("/incoming/new", f, map[string][]byte{"file:congvan.pdf": fakePDF,
		"attachment:Phụ lục.docx": []byte("PK\x03\x04 a docx"), "attachment:trang.html": []byte("<html>")}))
	d, err := e.docs.Get(context.Background(), e.users["vanthu"], id)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/documents/" + id + "/file", "/documents/" + id + "/file?download=1"}
	for _, file := range d.Files {
		paths = append(paths, "/documents/"+id+"/file?sha256="+file.SHA256)
	}
	paths = append(paths, "/archive/"+id+"/object?name=ban-sao.odt", "/archive/"+id+"/package")
	for _, p := range paths {
		get := clerk.get(p)
		n := cb.Gets.Load()
		headOnly.Store(true)
		req, _ := http.NewRequest(http.MethodHead, clerk.base+p, nil)
		head := clerk.do(req)
		headOnly.Store(false)
		if got := cb.Gets.Load() - n; got != 0 {
			t.Errorf("HEAD %s read content %d times", p, got)
		}
		if get.Status != http.StatusOK || head.Status != get.Status {
			t.Errorf("%s: GET %d, HEAD %d", p, get.Status, head.Status)
		}
		for _, h := range []string{"Content-Type", "Content-Length", "Content-Disposition", "X-Content-SHA256", "X-Content-Type-Options", "Cache-Control"} {
			if h == "Content-Length" && strings.HasSuffix(p, "/package") {
				continue // a zip made as it is sent has none; this small one's GET got one from net/http
			}
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("%s: HEAD's %s is %q, GET's %q", p, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
	}
}
