package web

import (
	"context"
	"io"
	"mime"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// namedArchive is an archive with one record, of an incoming document
// with its sender's notation.
type namedArchive struct{ Archive }

func (namedArchive) Get(_ context.Context, _ *workflow.User, id string) (*archive.Record, error) {
	return &archive.Record{DocumentID: id, Direction: workflow.Incoming, Type: "CV", Subject: "Về việc gửi phụ lục",
		Notation: "12/UBND-VP", Number: 3, Year: 2026}, nil
}

func (a namedArchive) Open(ctx context.Context, u *workflow.User, id, name string) (io.ReadCloser, *archive.Record, archive.Object, error) {
	rec, _ := a.Get(ctx, u, id)
	return io.NopCloser(strings.NewReader("{}")), rec, archive.Object{Name: name, Size: 2, SHA256: "ab"}, nil
}

func (namedArchive) Parts(context.Context, *archive.Record) ([]archive.Object, error) {
	return nil, nil
}

func (namedArchive) WritePackage(_ context.Context, _ *workflow.User, _ string, w io.Writer) error {
	_, err := io.WriteString(w, "PK zip")
	return err
}

// TestDownloadNames: the web's downloads (a document's file, shown or
// downloaded, its attachments, an archived object, a record's package)
// are named by the document, in Vietnamese (filename*) with an ASCII
// name beside it (filename); they were named as uploaded (congvan.pdf)
// or, the package, "ho-so-12-UBND-VP-2026.zip" with no ASCII name.
func TestDownloadNames(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{Archive: namedArchive{}})
	clerk, handler := e.login("vanthu"), e.login("chuyenvien")
	clerk.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Về việc gửi phụ lục"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "sender_org_id": {"000.00.00.H13"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	in := docIDFrom(t, clerk.postMultipart("/incoming/new", f, map[string][]byte{"file:congvan.pdf": fakePDF,
		"attachment:Bảng kê.docx": []byte("PK\x03\x04 a docx")}))
	d, err := e.docs.Get(context.Background(), e.users["vanthu"], in)
	if err != nil {
		t.Fatal(err)
	}
	att := d.Files[len(d.Files)-1]
	draft := e.outgoingThrough(t, handler, nil)
	for _, tc := range []struct {
		c                *client
		path, disp, name string
		ascii            string
	}{
		{clerk, "/documents/" + in + "/file", "inline", "12-UBND-VP Công văn Về việc gửi phụ lục.pdf", "12-UBND-VP Cong van Ve viec gui phu luc.pdf"},
		{clerk, "/documents/" + in + "/file?download=1", "attachment", "12-UBND-VP Công văn Về việc gửi phụ lục.pdf", "12-UBND-VP Cong van Ve viec gui phu luc.pdf"},
		{clerk, "/documents/" + in + "/file?sha256=" + att.SHA256, "attachment", "12-UBND-VP Phụ lục Bảng kê - Công văn Về việc gửi phụ lục.docx",
			"12-UBND-VP Phu luc Bang ke - Cong van Ve viec gui phu luc.docx"},
		{handler, "/documents/" + draft + "/file?download=1", "attachment", "Dự thảo Quyết định ban hành quy chế.pdf", "Du thao Quyet dinh ban hanh quy che.pdf"},
		{clerk, "/archive/" + in + "/object?name=metadata.json", "attachment", "12-UBND-VP metadata - Công văn Về việc gửi phụ lục.json",
			"12-UBND-VP metadata - Cong van Ve viec gui phu luc.json"},
		{clerk, "/archive/" + in + "/package", "attachment", "12-UBND-VP Hồ sơ lưu trữ 2026 - Công văn Về việc gửi phụ lục.zip",
			"12-UBND-VP Ho so luu tru 2026 - Cong van Ve viec gui phu luc.zip"},
	} {
		p := tc.c.get(tc.path)
		h := p.Header.Get("Content-Disposition")
		disp, params, err := mime.ParseMediaType(h)
		if err != nil || disp != tc.disp || params["filename"] != tc.name {
			t.Errorf("%s: %d, Content-Disposition %q: %q %q, %v; want %s, %q", tc.path, p.Status, h, disp, params["filename"], err, tc.disp, tc.name)
		}
		plain, _, _ := strings.Cut(h, "; filename*=") // a client that does not read filename*
		if _, params, err = mime.ParseMediaType(plain); err != nil || params["filename"] != tc.ascii {
			t.Errorf("%s: Content-Disposition %q: ASCII name %q, %v; want %q", tc.path, h, params["filename"], err, tc.ascii)
		}
	}
}

// TestArchiveRecordIncomingNumber: an archived incoming document's number
// is its incoming register's, called Số đến on the record's page (it read
// Số, as an outgoing document's own number; found by the third walk).
func TestArchiveRecordIncomingNumber(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{Archive: namedArchive{}})
	p := e.login("luutru").get("/archive/doc-in")
	if !strings.Contains(p.Body, "<dt>Số đến</dt><dd>3 (năm 2026)</dd>") {
		t.Fatalf("the record's page does not call the incoming number Số đến:\n%s", p.Body)
	}
}
