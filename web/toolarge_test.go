package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/html"
)

// countingBody counts what a handler reads of a request's body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestCreateFormLargerThanTheLimit posts create forms larger than the
// whole form may be (formLimit: 8 × the upload limit + 1 MiB), with a
// real body of that size: the answer is still 413, but the form again —
// the limit in MB beside the file input, the text typed before the file
// kept (app.js sends the text first), a notice when the browser sent it
// after — and the server reads only a small bound of the body. Before,
// the form was read up to the limit and answered with the error page,
// everything typed lost.
func TestCreateFormLargerThanTheLimit(t *testing.T) {
	e := newTestEnv(t)
	ui := e.remount(t, Config{MaxUpload: 1 << 20}) // the form's limit: 9 MiB
	var read atomic.Int64
	e.srv.Close()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = countingBody{r.Body, &read}
		Mount(http.NotFoundHandler(), ui).ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	huge := append(append([]byte{}, fakePDF...), bytes.Repeat([]byte("%"), 10<<20)...)
	type field struct{ name, value string }
	tests := []struct {
		name, user, path string
		text             []field
		textFirst        bool // the text parts before the file (app.js's order)
		kept             bool
		want             string
	}{
		{"incoming, text first", "vanthu", "/incoming/new", []field{{"type", "CV"}, {"original_number", "45/SNV-VP"},
			{"sender_name", "Sở Nội vụ thành phố Cần Thơ"}, {"subject", "Về việc rà soát thủ tục hành chính"}}, true, true, "giới hạn 9 MB"},
		{"outgoing, text first", "chuyenvien", "/outgoing/new", []field{{"type", "QĐ"}, {"drafting_unit", "VP"},
			{"subject", "Về việc ban hành quy chế"}, {"notes", "Gửi kèm phụ lục"}}, true, true, "giới hạn 9 MB cho tệp văn bản và các phụ lục"},
		{"incoming, file first", "vanthu", "/incoming/new", []field{{"type", "QĐ"}, {"subject", "Về việc gửi sau tệp"}}, false, false, "giới hạn 9 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.login(tt.user)
			c.get(tt.path)
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("csrf_token", c.csrf)
			writeText := func() {
				for _, f := range tt.text {
					mw.WriteField(f.name, f.value)
				}
			}
			if tt.textFirst {
				writeText()
			}
			fw, _ := mw.CreateFormFile("file", "qualon.pdf")
			fw.Write(huge)
			if !tt.textFirst {
				writeText()
			}
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, c.base+tt.path, &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			read.Store(0)
			p := c.do(req)
			if p.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413\n%s", p.Status, p.Body)
			}
			if n := read.Load(); n > 2*keptTextLimit {
				t.Errorf("the server read %d bytes of a %d-byte form larger than the limit, want at most %d", n, body.Len(), 2*keptTextLimit)
			}
			doc := checkFieldProblem(t, p.Body, "file", tt.want)
			for _, f := range tt.text {
				n := byID(doc, f.name)
				v, _ := attrOf(n, "value")
				switch {
				case n == nil:
					t.Fatalf("no input %s", f.name)
				case n.Data == "textarea":
					v = textOf(n)
				case n.Data == "select":
					walkHTML(n, func(o *html.Node) {
						if _, sel := attrOf(o, "selected"); sel && o.Data == "option" {
							v, _ = attrOf(o, "value")
						}
					})
				}
				if (v == f.value) != tt.kept {
					t.Errorf("%s shows %q after the problem (typed %q; kept: %v)", f.name, v, f.value, tt.kept)
				}
			}
			lost := strings.Contains(p.Body, "không giữ lại được")
			if lost == tt.kept {
				t.Errorf("notice that nothing typed could be kept: %v, want %v", lost, !tt.kept)
			}
		})
	}
}
