package main

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestIntegrationReceivedCorpus posts to a real receiving instance (B, on
// PostgreSQL and MinIO) packages as other vendors' systems connected to
// the national document exchange platform send them: our own package
// spelled otherwise (prefixes, default namespace, one line, CRLF, byte
// order mark, declarations, CDATA, comments, character references, NFD,
// order, optional elements absent or empty, unknown elements), attachments
// of every kind and encoding, status messages of every code and date
// format, signatures missing, wrong or made over another
// canonicalisation, and broken input. Every package is signed by xmlsec1
// with the sender's registered key, the signature spliced in so the rest
// stays as spelled. Each case says what a peer should get: accepted (01,
// the fields and files stored as sent), rejected on receipt (02 with the
// reason, kept for the clerk), or refused (4xx with a JSON error, nothing
// stored); and never a 500, a lost file or a second document.
func TestIntegrationReceivedCorpus(t *testing.T) {
	e := newCorpusEnv(t)
	var rows []string
	fixtures := os.Getenv("VANTHU_INTEROP_FIXTURES") != ""
	for _, c := range e.cases() {
		if strings.HasPrefix(c.name, "sdk/") && !fixtures {
			// The SDK's own packages are not ours to redistribute: the
			// rest of the corpus runs without them.
			rows = append(rows, fmt.Sprintf("%-44s %-70s %s", c.name, "-", "not run: VANTHU_INTEROP_FIXTURES is unset"))
			continue
		}
		got, problem := e.run(t, c)
		verdict := "ok"
		if problem != "" {
			verdict = "WRONG: " + problem
			t.Errorf("%s: %s (answer %s)", c.name, problem, got)
		}
		rows = append(rows, fmt.Sprintf("%-44s %-70s %s", c.name, got, verdict))
	}
	t.Logf("corpus, %d cases:\n%s", len(rows), strings.Join(rows, "\n"))
	e.checkStatuses(t)
}

// checkStatuses: the status messages of the corpus are recorded once each
// (by code and time) on B's document, which unsolicited answers to a
// revocation (15, 16) leave sent.
func (e *corpusEnv) checkStatuses(t *testing.T) {
	var out struct {
		Items []struct {
			Kind     string
			OrgID    string `json:"org_id"`
			Statuses []struct {
				Code string
				At   time.Time
			}
		}
	}
	if err := json.Unmarshal(e.B.clerk.get("/api/v1/documents/"+e.sentDoc+"/deliveries"), &out); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, d := range out.Items {
		for _, st := range d.Statuses {
			seen[st.Code+" "+st.At.UTC().Format(time.RFC3339Nano)]++
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("status %s recorded %d times", k, n)
		}
	}
	// The statuses sent at 2026/12/01 10:00:00 Vietnam time and in other
	// spellings of an instant are recorded at that instant.
	for _, k := range []string{"05 2026-12-01T03:00:00Z", "04 2026-12-01T03:00:00Z", "04 2026-12-01T03:00:01Z", "04 2026-12-01T03:00:02Z",
		"04 2026-12-01T03:00:03.123Z", "04 2026-12-01T03:00:04Z", "04 2026-12-01T03:00:05Z", "04 2026-12-01T17:00:00Z"} {
		if seen[k] != 1 {
			t.Errorf("status %s recorded %d times: %v", k, seen[k], seen)
		}
	}
	var d map[string]any
	e.B.clerk.call("GET", "/api/v1/documents/"+e.sentDoc, nil, &d)
	if d["state"] != "sent" {
		t.Errorf("B's document is %v after the corpus's statuses, want sent", d["state"])
	}
}

// corpusEnv is A (the sending vendor) and B (the receiver under test).
type corpusEnv struct {
	A, B    *peer
	signer  *vendorSigner
	post    *rawPoster
	n       int
	sentID  string              // the DocumentId of a document B sent to A, for statuses
	sentDoc string              // its ID at B
	chain   []*x509.Certificate // A's agency certificate and its CA(s)
}

func newCorpusEnv(t *testing.T) *corpusEnv {
	A := newPeer(t, "A", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
	B := newPeer(t, "B", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
	B.env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
	for k, v := range sharedS3Env(t) {
		B.env[k] = v
	}
	fastExchange(A, B)
	A.start(t)
	B.start(t)
	connect(t, A, B)
	_, key := peerClient(t, A)
	e := &corpusEnv{A: A, B: B, signer: newVendorSigner(t, key), post: newRawPoster(t, A, B.agency(t)), n: 500, chain: key.Chain}
	e.sentID, e.sentDoc = e.sendToA(t)
	return e
}

// sendToA has B send a document to A and returns the DocumentId it went
// out as.
func (e *corpusEnv) sendToA(t *testing.T) (string, string) {
	id := e.B.issueAndSend(t, "Công văn gửi phường để thử trạng thái", e.A)
	var d map[string]any
	e.B.clerk.call("GET", "/api/v1/documents/"+id, nil, &d)
	issuedAt, err := time.Parse(time.RFC3339Nano, fmt.Sprint(d["issued_at"]))
	if err != nil {
		t.Fatal(err)
	}
	num, sym, _ := strings.Cut(fmt.Sprint(d["notation"]), "/")
	eventually(t, "B's document delivered to A", 30*time.Second, func() (bool, string) {
		dl := e.B.deliveries(t, id)[e.A.orgID]
		return dl.State == "delivered", fmt.Sprintf("%+v", dl)
	})
	return edxml.MakeDocumentID(e.B.orgID, workflow.VietnamDate(issuedAt), num, sym), id
}

// sent is one package of the corpus and what B should store of it.
type sent struct {
	body    []byte
	number  string // original_number B should store ("" = none stored)
	subject string // as stored (NFC)
	date    string // the original date as stored (yyyy-mm-dd)
	files   []wantFile
	again   bool       // post it twice (a redelivery)
	racing  int        // post it this many times at once
	main    string     // the name of the file B should keep as the document ("" = not checked)
	then    []followUp // packages posted after it, each with its own answer
}

// followUp is a package posted after a case's first one and what B
// should answer: the same delivery spelled otherwise (the first answer,
// nothing stored) or another package (its own answer).
type followUp struct {
	name  string
	body  []byte
	want  want
	added int // documents it should store
}

type wantFile struct {
	name string
	data []byte
}

// corpusCase is a package and what B should answer.
type corpusCase struct {
	name  string
	path  string // default the document endpoint
	ctype string // default application/xml; "-" none
	make  func(t *testing.T) sent
	want  want
}

// want: status 200 with ack code (01, 02, or a status message's code),
// or a refusal with its HTTP status; msg is in the reason either way.
type want struct {
	status int
	ack    string
	msg    string
}

func accept() want                    { return want{status: 200, ack: "01"} }
func rejected(msg string) want        { return want{status: 200, ack: "02", msg: msg} }
func refused(st int, msg string) want { return want{status: st, msg: msg} }

// run posts c's package and returns the answer and what is wrong with it
// ("" when it is what c wants and B stored what it should).
func (e *corpusEnv) run(t *testing.T, c corpusCase) (string, string) {
	s := c.make(t)
	path := c.path
	if path == "" {
		path = exchange.PathEdXML
	}
	h := map[string]string{"Content-Type": "application/xml"}
	switch c.ctype {
	case "":
	case "-":
		delete(h, "Content-Type")
	case "multipart":
		h["Content-Type"] = "multipart/form-data; boundary=vanthu-corpus-boundary"
	case "gzip":
		h["Content-Encoding"] = "gzip"
	default:
		h["Content-Type"] = c.ctype
	}
	before := len(e.B.incoming(t))
	a := e.post.post(path, h, s.body)
	if s.again && a.status == 200 {
		if b := e.post.post(path, h, s.body); b.status != 200 || b.ack != a.ack {
			return a.String(), fmt.Sprintf("redelivery answered %s, first %s", b, a)
		}
	}
	if p := e.race(t, path, h, s, a); p != "" {
		return a.String(), p
	}
	if p := checkAnswer(a, c.want); p != "" {
		return a.String(), p
	}
	wantAdded := 0
	if path == exchange.PathEdXML && c.want.status == 200 {
		wantAdded = 1
	}
	for _, f := range s.then {
		if p := checkAnswer(e.post.post(path, h, f.body), f.want); p != "" {
			return a.String(), f.name + ": " + p
		}
		wantAdded += f.added
	}
	added := len(e.B.incoming(t)) - before
	if added != wantAdded {
		return a.String(), fmt.Sprintf("%d documents stored, want %d", added, wantAdded)
	}
	if wantAdded == 1 && s.number != "" {
		return a.String(), e.checkStored(t, s, c.want)
	}
	return a.String(), ""
}

// race posts s.racing more copies of s at once: each must get a's answer.
func (e *corpusEnv) race(t *testing.T, path string, h map[string]string, s sent, a answer) string {
	answers := make(chan answer, s.racing)
	for range s.racing {
		go func() { answers <- e.post.post(path, h, s.body) }()
	}
	for range s.racing {
		if b := <-answers; b.status != a.status || b.ack != a.ack {
			return fmt.Sprintf("a copy posted at once answered %s, the first %s", b, a)
		}
	}
	return ""
}

func checkAnswer(a answer, w want) string {
	if a.status != w.status {
		return fmt.Sprintf("status %d, want %d", a.status, w.status)
	}
	if a.status != 200 {
		if a.err.Code == "" || a.err.Message == "" {
			return "no JSON error"
		}
		if !strings.Contains(a.err.Message, w.msg) {
			return fmt.Sprintf("message lacks %q", w.msg)
		}
		return ""
	}
	if a.ack.StatusCode != w.ack {
		return fmt.Sprintf("ack %s, want %s", a.ack.StatusCode, w.ack)
	}
	if !strings.Contains(a.ack.Description, w.msg) {
		return fmt.Sprintf("description lacks %q", w.msg)
	}
	return ""
}

// checkStored compares the document B stored with what was sent.
func (e *corpusEnv) checkStored(t *testing.T, s sent, w want) string {
	var found map[string]any
	for _, d := range e.B.incoming(t) {
		if d["original_number"] == s.number {
			found = d
		}
	}
	if found == nil {
		return "no document stored with original_number " + s.number
	}
	var d struct {
		Subject      string
		OriginalDate string `json:"original_date"`
		State        string
		Sender       struct {
			OrgID string `json:"org_id"`
		}
		Files []storedFile
	}
	json.Unmarshal(e.B.clerk.get("/api/v1/documents/"+fmt.Sprint(found["id"])), &d)
	if s.subject != "" && d.Subject != s.subject {
		return fmt.Sprintf("subject %q, want %q", d.Subject, s.subject)
	}
	if wantState := map[string]string{"01": "received", "02": "rejected"}[w.ack]; d.State != wantState {
		return fmt.Sprintf("state %s, want %s", d.State, wantState)
	}
	if s.date != "" && d.OriginalDate != s.date {
		return fmt.Sprintf("original date %s, want %s", d.OriginalDate, s.date)
	}
	if d.Sender.OrgID != e.A.orgID {
		return "sender " + d.Sender.OrgID
	}
	if p := mainFile(d.Files, s.main); p != "" {
		return p
	}
	if len(d.Files) != len(s.files) {
		return fmt.Sprintf("%d files stored, want %d", len(d.Files), len(s.files))
	}
	for _, f := range s.files {
		ok := false
		for _, g := range d.Files {
			ok = ok || g.Name == f.name && g.SHA256 == sha(f.data) && g.Size == int64(len(f.data))
		}
		if !ok {
			return fmt.Sprintf("file %q (%d bytes) not stored as sent: %+v", f.name, len(f.data), d.Files)
		}
		if msg := e.B.clerk.servedAs(fmt.Sprint(found["id"]), f.name, f.data); msg != "" {
			return msg
		}
	}
	return ""
}

// servedAs checks how the API serves a document's file: a PDF as
// application/pdf, a .docx or .zip a connected agency attached under its
// own type, anything else as application/octet-stream; always as an
// attachment, never sniffed.
func (c *client) servedAs(id, name string, data []byte) string {
	req, _ := http.NewRequest("GET", c.base+"/api/v1/documents/"+id+"/file?sha256="+sha(data), nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http().Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	want := "application/octet-stream"
	switch ext := strings.ToLower(filepath.Ext(name)); {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		want = "application/pdf"
	case ext == ".docx":
		want = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ext == ".xlsx":
		want = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ext == ".doc":
		want = "application/msword"
	case ext == ".txt":
		want = "text/plain; charset=utf-8"
	case ext == ".zip":
		want = "application/zip"
	case ext == ".png":
		want = "image/png"
	}
	typ, disp := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) || typ != want || !strings.HasPrefix(disp, "attachment;") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		return fmt.Sprintf("file %q served: %d, %d bytes, Content-Type %q (want %q), Content-Disposition %q", name, resp.StatusCode, len(got), typ, want, disp)
	}
	return ""
}

// next returns a document from A to B with a number of its own and its
// attachments (a PDF when none given).
func (e *corpusEnv) next(atts ...edxml.Attachment) edxml.Document {
	e.n++
	subject := fmt.Sprintf("Về việc thử nghiệm liên thông văn bản số %d", e.n)
	if len(atts) == 0 {
		atts = []edxml.Attachment{{Name: fmt.Sprintf("%d-QD-UBND.pdf", e.n), ContentType: "application/pdf", Description: "main",
			Data: testpdf.Make(1, subject)}}
	}
	return edxml.Document{From: edxml.Organization{ID: e.A.orgID, Name: e.A.orgName}, To: []edxml.Organization{{ID: e.B.orgID, Name: e.B.orgName}},
		Number: fmt.Sprint(e.n), Notation: "QĐ-UBND", PromulgationDate: workflow.VietnamDate(time.Now()), TypeCode: "1", TypeDetail: "QĐ",
		TypeName: "Quyết định", Subject: subject, Signer: edxml.Signer{Position: "Chủ tịch", FullName: "Trần Văn Quyết"},
		Priority: 0, Attachments: atts}
}

// buildSent writes d unsigned and returns it with what B should store.
func buildSent(t *testing.T, d edxml.Document) sent {
	t.Helper()
	b, err := edxml.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	pd := d.PromulgationDate
	s := sent{body: b, number: d.Number + "/" + d.Notation, subject: d.Subject, date: fmt.Sprintf("%04d-%02d-%02d", pd.Year, pd.Month, pd.Day)}
	for _, a := range d.Attachments {
		s.files = append(s.files, wantFile{a.Name, a.Data})
	}
	return s
}

// signed is build and the vendor's signature (exclusive c14n) after edit.
func (e *corpusEnv) signed(edit func([]byte) []byte, atts ...edxml.Attachment) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := buildSent(t, e.next(atts...))
		if edit != nil {
			s.body = edit(s.body)
		}
		s.body = e.signer.sign(t, s.body, template("", excC14N, ""))
		return s
	}
}

func replace(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(old), []byte(new)) }
}

func reReplace(re, new string) func([]byte) []byte {
	r := regexp.MustCompile(re)
	return func(b []byte) []byte { return r.ReplaceAll(b, []byte(new)) }
}

func chain(fs ...func([]byte) []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		for _, f := range fs {
			b = f(b)
		}
		return b
	}
}

func randomBytes(n int, head string) []byte {
	b := make([]byte, n)
	rand.Read(b)
	copy(b, head)
	return b
}

// base64Lines rewrites every attachment's base64 text as lines of n
// characters separated by sep (with the indentation ind around them).
func base64Lines(n int, sep, ind string) func([]byte) []byte {
	re := regexp.MustCompile(`(<[A-Za-z:]*ContentTransferEncoded[^>]*>)([^<]*)(<)`)
	return func(b []byte) []byte {
		return re.ReplaceAllFunc(b, func(m []byte) []byte {
			sub := re.FindSubmatch(m)
			text := string(sub[2])
			var lines []string
			for len(text) > n {
				lines = append(lines, text[:n])
				text = text[n:]
			}
			lines = append(lines, text)
			return []byte(string(sub[1]) + ind + strings.Join(lines, sep) + ind + "<")
		})
	}
}
