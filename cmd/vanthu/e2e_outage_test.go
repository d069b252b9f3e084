package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/faultproxy"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// outageBound is the longest any answer may take while a dependency is
// down: a request must fail fast with 503, never wait for the outage to end.
const outageBound = 20 * time.Second

// proxiedEnv returns the environment of a server on a new PostgreSQL
// database and new buckets of the shared object store, each reached
// through a fault proxy the test can cut or partition.
func proxiedEnv(t *testing.T) (env map[string]string, dbProxy, s3Proxy *faultproxy.Proxy) {
	t.Helper()
	dsn := gormdbtest.CreatePostgresDatabase(t)
	env = sharedS3Env(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	dbProxy = faultproxy.New(t, u.Host)
	u.Host = dbProxy.Addr()
	s3Proxy = faultproxy.New(t, env["VANTHU_S3_ENDPOINT"])
	env["VANTHU_S3_ENDPOINT"] = s3Proxy.Addr()
	env["VANTHU_DATABASE_URL"] = u.String()
	return env, dbProxy, s3Proxy
}

// TestIntegrationOutageSweep calls every operation of api/openapi.yaml
// (enumerated from the document, so a new route is swept without editing
// this test) with valid authentication, while the database, then the
// object store, is out of reach in two ways, then with both up. vanthu
// talks to the test PostgreSQL and MinIO through TCP proxies the test
// cuts (listener closed and connections closed: what a stopped server
// looks like) or partitions (connections accepted and held, open ones
// carry nothing either way, nothing closed: what a network partition or a
// hung server looks like). Each answer during an outage must be a 503
// with code "unavailable" and a message, or the same status as with both
// up (a route that does not need what is down: /healthz, the CA
// certificate, a login while only the object store is down); never a
// 500, never past outageBound. The partitions cost what the configured
// timeouts allow (VANTHU_DB_TIMEOUT...); before those existed, the first
// partitioned operation waited as long as the partition lasted.
func TestIntegrationOutageSweep(t *testing.T) {
	env, dbProxy, s3Proxy := proxiedEnv(t)
	env["VANTHU_PUBLIC_URL"] = "https://vanthu.example" // issued documents get a verification code
	for k, v := range sweepTimeouts {
		env[k] = v
	}
	s := startServer(t, env)

	w := newSweepWorld(t, s)
	ops := sweepOperations(t)
	down := map[string][]sweepAnswer{}
	for _, phase := range sweepOutages(dbProxy, s3Proxy) {
		fx := w.fixtures(t, phase.name)
		var answers []sweepAnswer
		for _, op := range ops {
			// Cut per operation, right after a request that puts the
			// session in the server's session cache (if it has one), so
			// that the operation's handler runs, not only the
			// authentication, while the dependency is down.
			w.warm(t, fx)
			phase.start()
			a := w.call(t, op, fx)
			phase.proxy.Restore()
			if a.took > outageBound {
				t.Fatalf("%s while the %s: no answer after %s (%v); the other operations were not tried", op, phase.name, a.took, a.err)
			}
			answers = append(answers, a)
		}
		down[phase.name] = answers
	}
	fx := w.fixtures(t, "")
	var up []sweepAnswer
	for _, op := range ops {
		up = append(up, w.call(t, op, fx))
	}
	checkSweep(t, ops, down, up)
}

// sweepTimeouts are the server's timeouts in the sweep: short, so that
// the partitions cost seconds, not minutes (the defaults are 5 s and 10 s).
var sweepTimeouts = map[string]string{"VANTHU_DB_CONNECT_TIMEOUT": "1s", "VANTHU_DB_TIMEOUT": "2s",
	"VANTHU_S3_CONNECT_TIMEOUT": "1s", "VANTHU_S3_TIMEOUT": "2s"}

// sweepOutage is one way of being out of reach.
type sweepOutage struct {
	name  string // "database is down", ...
	proxy *faultproxy.Proxy
	start func()
}

func sweepOutages(db, s3 *faultproxy.Proxy) []sweepOutage {
	return []sweepOutage{
		{sweepOutageNames[0], db, db.Cut},
		{sweepOutageNames[1], s3, s3.Cut},
		{sweepOutageNames[2], db, db.Stall},
		{sweepOutageNames[3], s3, s3.Stall},
	}
}

var sweepOutageNames = []string{"database is down", "object store is down", "database is partitioned", "object store is partitioned"}

// checkSweep applies the rule of TestIntegrationOutageSweep to the
// answers given during each outage, against those given with both up.
func checkSweep(t *testing.T, ops []sweepOp, down map[string][]sweepAnswer, up []sweepAnswer) {
	t.Helper()
	for i, op := range ops {
		if up[i].err != nil || up[i].status >= 500 {
			t.Errorf("%s with both up: %d %v %s", op, up[i].status, up[i].err, up[i].body)
			continue
		}
		if up[i].status >= 400 && sweepRefused[op.id] == "" {
			t.Errorf("%s with both up answered %d %s: a refused request does not reach the database or the object store; give it a valid request in sweepWorld.call, or say why it is refused in sweepRefused", op, up[i].status, up[i].body)
		}
		for _, what := range sweepOutageNames {
			a := down[what][i]
			switch {
			case a.err != nil:
				t.Errorf("%s while the %s: %v (after %s)", op, what, a.err, a.took)
			case a.status == http.StatusServiceUnavailable:
				var e struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				if json.Unmarshal(a.body, &e) != nil || e.Error.Code != "unavailable" || e.Error.Message == "" {
					t.Errorf("%s while the %s: 503 without code unavailable and a message: %s", op, what, a.body)
				}
			case a.status != up[i].status:
				t.Errorf("%s while the %s: %d %s (with both up: %d); want 503 unavailable", op, what, a.status, a.body, up[i].status)
			}
			if a.took > outageBound {
				t.Errorf("%s while the %s took %s (bound %s)", op, what, a.took, outageBound)
			}
		}
		line := fmt.Sprintf("%-50s up %d", op, up[i].status)
		for _, what := range sweepOutageNames {
			a := down[what][i]
			line += fmt.Sprintf(" | %s %d %s", what, a.status, a.took.Round(100*time.Millisecond))
		}
		t.Log(line)
	}
}

// sweepRefused lists the operations whose request the sweep cannot make
// valid, with why: they answer 4xx with both up. Their outage answers are
// still checked (503, or the same refusal).
var sweepRefused = map[string]string{
	"setSigningKey":       "needs a key under VANTHU_KEY_DIRS or on a token; the sweep sends a certificate of no key (403/400 with both up)",
	"revokeDocument":      "only a document sent to a connected agency can be revoked; the exchange is off (409)",
	"decideRevocation":    "no sender asked to revoke the document (409)",
	"deleteArchiveRecord": "archived records are write-once: always refused (409)",
	"createDisposal":      "the sweep's archived record is retained for years: not disposable (422)",
	"addDisposalItems":    "no disposal list: the sweep's record cannot be put on one (404)",
	"getDisposal":         "no disposal list: the sweep's record cannot be put on one (404)",
	"removeDisposalItem":  "no disposal list: the sweep's record cannot be put on one (404)",
	"approveDisposal":     "no disposal list: the sweep's record cannot be put on one (404)",
	"rejectDisposal":      "no disposal list: the sweep's record cannot be put on one (404)",
	"runDisposal":         "no disposal list: the sweep's record cannot be put on one (404)",
	"registerAgency":      "the exchange is off in the sweep",
	"seeRefusals":         "no delivery was refused: the exchange is off in the sweep (409)",
	"retryMail":           "the sweep sends no mail (no SMTP server): outbox row 1 does not exist (404)",
	"resendDelivery":      "the exchange is off in the sweep: the issued document has no delivery to send again (404)",
	"dealDelivery":        "the exchange is off in the sweep: the issued document has no delivery to mark dealt with (404)",
	"revokeCertificate":   "the sweep names a serial the PKI never issued (404), so as not to change the other phases' keys",
}

// sweepOp is one operation of the document.
type sweepOp struct{ method, path, id string }

func (o sweepOp) String() string { return o.id + " " + o.method + " " + o.path }

// sweepOperations lists every operation of api/openapi.yaml, logout last
// (it ends the phase's session).
func sweepOperations(t *testing.T) []sweepOp {
	t.Helper()
	var ops []sweepOp
	doc := apitest.Default(t).Doc
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, sweepOp{method: method, path: path, id: op.OperationID})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if (ops[i].id == "logout") != (ops[j].id == "logout") {
			return ops[j].id == "logout"
		}
		return ops[i].path+ops[i].method < ops[j].path+ops[j].method
	})
	if len(ops) < 40 {
		t.Fatalf("only %d operations in the document", len(ops))
	}
	return ops
}

// sweepWorld is what the sweep's requests refer to: a user with every
// role, an issued and an archived document, the PKI's certificates.
type sweepWorld struct {
	s      *server
	admin  *client
	userID string
	// handlerID is a second handler: reassignUser passes the sweeper's
	// assigned documents (none) to them.
	handlerID string
	issued    map[string]any // an issued document
	issuedPDF []byte
	archived  string // ID of an archived document
	copyID    string // ID of a copy of the issued document
	root      *x509.Certificate
	png       []byte
	// password is the sweeper's password now: changePassword changes it
	// in every phase where it goes through; rotation numbers the changes.
	password string
	rotation int
}

// sweepFixtures are one phase's own documents and session: the sweep's
// requests change them.
type sweepFixtures struct {
	phase    string
	token    string
	draft    string // outgoing draft
	approved string // outgoing, approved: the action swept is sign
	incoming string // received, for the revocation decision
}

const sweepPassword = "sweep-password-1"

func newSweepWorld(t *testing.T, s *server) *sweepWorld {
	t.Helper()
	w := &sweepWorld{s: s, admin: s.login(t, "admin", "admin-password-1"), password: sweepPassword}
	var u struct{ ID string }
	if code := w.admin.call("POST", "/api/v1/users", map[string]any{"username": "sweeper", "password": sweepPassword,
		"full_name": "Nguyễn Văn Quét", "title": "Chánh Văn phòng",
		"roles": []string{"admin", "clerk", "officer", "handler", "archivist"}}, &u); code != 201 {
		t.Fatalf("create the sweeper: %d", code)
	}
	w.userID = u.ID
	if code := w.admin.call("POST", "/api/v1/users", map[string]any{"username": "sweep-handler", "password": sweepPassword,
		"roles": []string{"handler"}}, &u); code != 201 {
		t.Fatalf("create the sweep's second handler: %d", code)
	}
	w.handlerID = u.ID
	c := s.login(t, "sweeper", sweepPassword)
	id := w.outgoing(t, c, "issued")
	c.act(id, "sign", nil)
	w.issued = c.act(id, "issue", nil)
	w.issuedPDF = c.get("/api/v1/documents/" + id + "/file")
	var cp struct{ ID string }
	if code := c.call("POST", "/api/v1/documents/"+id+"/copies", map[string]any{"form": "SY", "requested_for": "Tòa án nhân dân quận"}, &cp); code != 201 {
		t.Fatalf("copy the issued document: %d", code)
	}
	w.copyID = cp.ID
	arch := w.outgoing(t, c, "archived")
	c.act(arch, "sign", nil)
	c.act(arch, "issue", nil)
	c.act(arch, "archive", nil)
	w.archived = arch
	root, err := x509.ParseCertificate(c.get("/pki/ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	w.root = root
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for x := 0; x < 40; x++ {
		img.Set(x, 10, color.NRGBA{B: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	w.png = buf.Bytes()
	return w
}

// outgoing creates an outgoing document and takes it to approved.
func (w *sweepWorld) outgoing(t *testing.T, c *client, subject string) string {
	t.Helper()
	id := w.draft(t, c, subject)
	c.act(id, "submit", nil)
	c.act(id, "approve", nil)
	return id
}

func (w *sweepWorld) draft(t *testing.T, c *client, subject string) string {
	t.Helper()
	doc, code := c.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định " + subject,
		"urgency": "normal", "confidentiality": "normal", "signer_id": w.userID,
		"recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}}, testpdf.Make(1, subject))
	if code != 201 {
		t.Fatalf("upload %s: %d", subject, code)
	}
	return doc["id"].(string)
}

// fixtures makes a phase's documents and logs the sweeper in, with
// everything up.
func (w *sweepWorld) fixtures(t *testing.T, phase string) sweepFixtures {
	t.Helper()
	c := w.s.login(t, "sweeper", w.password)
	fx := sweepFixtures{phase: phase, token: c.token}
	fx.draft = w.draft(t, c, "draft "+phase)
	fx.approved = w.outgoing(t, c, "approved "+phase)
	doc, code := c.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": "Công văn " + phase,
		"urgency": "normal", "confidentiality": "normal", "sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
		"original_number": "125/UBND-VP", "original_date": "2026-11-20"}, testpdf.Make(1, "incoming "+phase))
	if code != 201 {
		t.Fatalf("upload incoming: %d", code)
	}
	fx.incoming = doc["id"].(string)
	return fx
}

// warm makes an authenticated request until it succeeds (after a
// restore the server's pooled connections may still be the cut ones).
func (w *sweepWorld) warm(t *testing.T, fx sweepFixtures) {
	t.Helper()
	for i := 0; i < 50; i++ {
		a := w.call(t, sweepOp{method: "GET", path: "/api/v1/users/{id}", id: "getUser"}, fx)
		if a.err == nil && a.status == http.StatusOK {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the server does not answer again after the dependency came back")
}

// sweepAnswer is one answer (or the failure to get one).
type sweepAnswer struct {
	status int
	body   []byte
	err    error
	took   time.Duration
}

// call makes a valid request for op: its path parameters filled from the
// world and the phase's fixtures, a body where it takes one.
func (w *sweepWorld) call(t *testing.T, op sweepOp, fx sweepFixtures) sweepAnswer {
	t.Helper()
	docID := fx.approved
	switch op.id {
	case "setLayout", "reviseDocument":
		docID = fx.draft
	case "decideRevocation", "listReplies":
		// listReplies: the incoming letter's replies (none: an empty list).
		docID = fx.incoming
	case "getDocumentFile", "listDocumentEvents", "getDocumentVerification", "listDeliveries", "revokeDocument", "makeCopy", "listCopies",
		"resendDelivery", "dealDelivery":
		docID = w.issued["id"].(string)
	}
	path := op.path
	for name, v := range map[string]string{"action": "sign", "kind": "outgoing", "delivery": "none", "year": fmt.Sprint(time.Now().Year()),
		"code": fmt.Sprint(w.issued["verify_code"]), "request": url.PathEscape(base64.StdEncoding.EncodeToString(w.ocspRequest(t)))} {
		path = strings.ReplaceAll(path, "{"+name+"}", v)
	}
	switch {
	case strings.HasPrefix(path, "/api/v1/users/"):
		path = strings.ReplaceAll(path, "{id}", w.userID)
	case strings.HasPrefix(path, "/api/v1/archive/"):
		path = strings.ReplaceAll(strings.ReplaceAll(path, "{id}", w.archived), "{doc}", w.archived)
	case strings.HasPrefix(path, "/api/v1/mail/"):
		path = strings.ReplaceAll(path, "{id}", "1")
	case strings.HasPrefix(path, "/api/v1/copies/"):
		path = strings.ReplaceAll(path, "{id}", w.copyID)
	default:
		path = strings.ReplaceAll(path, "{id}", docID)
	}
	var body io.Reader
	ctype := "application/json"
	jsonBody := func(v any) { b, _ := json.Marshal(v); body = bytes.NewReader(b) }
	switch op.id {
	case "login":
		jsonBody(map[string]string{"username": "sweeper", "password": w.password})
	case "changePassword":
		// The sweeper's password changes whenever the change goes through
		// (w.password follows; see below).
		w.rotation++
		jsonBody(map[string]string{"current_password": w.password, "new_password": fmt.Sprintf("%s-%d", sweepPassword, w.rotation)})
	case "createUser":
		jsonBody(map[string]any{"username": "sweep-" + strings.ReplaceAll(fx.phase, " ", "-") + "-user", "password": "password-123", "roles": []string{"clerk"}})
	case "importUsers":
		body, ctype = strings.NewReader("username,full name,roles\nsweep-"+strings.ReplaceAll(fx.phase, " ", "-")+"-import,Người nhập,clerk\n"), "text/csv"
	case "updateUser":
		jsonBody(map[string]string{"title": "Chuyên viên " + fx.phase})
	case "reassignUser":
		// The sweeper's assigned documents (none: the phases' incoming
		// one is only received) to the second handler: it reads the users
		// and the documents, and changes nothing the other phases use.
		jsonBody(map[string]string{"role": "handler", "to": w.handlerID})
	case "unlockUser":
		// No body: it ends the lockout of w.userID's account (none here).
	case "getMe", "listReplies":
		// GETs: the sweeper's own account (with mail_failed when mail to it
		// was refused: none, the sweep sends none), the incoming letter's
		// replies.
	case "retryMail":
		// No body: it sends outbox row 1 again (none: the sweep sends no
		// mail, 404). listMail is a GET of the outbox: counts, no rows.
	case "resendDelivery":
		// No body: it sends the issued document's delivery "none" again
		// (none: the exchange is off, 404).
	case "dealDelivery":
		// No body (no seen: marked as it is): it marks the issued
		// document's delivery "none" dealt with (none: the exchange is
		// off, 404).
	case "seeRefusals":
		// No body: it marks the refusals of the approved document dealt
		// with (none here: 409). listRefusals is a GET of the sweeper's
		// (a clerk's) refused deliveries: an empty list.
	case "setSigningKey":
		jsonBody(map[string]string{"key_uri": "file:/nonexistent/officer.p12", "cert_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"})
	case "setSignatureImage":
		body, ctype = bytes.NewReader(w.png), "image/png"
	case "createDocument":
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		apitest.WriteJSONPart(mw, "meta", map[string]any{"direction": "outgoing", "type": "CV", "subject": "Công văn " + fx.phase,
			"urgency": "normal", "confidentiality": "normal", "signer_id": w.userID})
		fw, _ := mw.CreateFormFile("file", "vanban.pdf")
		fw.Write(testpdf.Make(1, "sweep"))
		mw.Close()
		body, ctype = &buf, mw.FormDataContentType()
	case "verifyUpload":
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "vanban.pdf")
		fw.Write(w.issuedPDF)
		mw.Close()
		body, ctype = &buf, mw.FormDataContentType()
	case "applyAction":
		jsonBody(map[string]any{})
	case "reviseDocument":
		jsonBody(map[string]any{"subject": "Công văn sửa " + fx.phase})
	case "setLayout":
		jsonBody(map[string]any{"layout": map[string]any{"signature": map[string]any{"page": 1, "x": 300, "y": 100, "w": 200, "h": 80}}})
	case "revokeDocument":
		jsonBody(map[string]string{"reason": "Ban hành nhầm"})
	case "makeCopy":
		jsonBody(map[string]string{"form": "SY", "requested_for": "Ông Nguyễn Văn A, " + fx.phase})
	case "decideRevocation":
		jsonBody(map[string]any{"accept": true})
	case "revokeCertificate":
		jsonBody(map[string]string{"serial": "7f:00:00:00:00:00:00:01", "reason": "superseded"})
	case "registerAgency":
		jsonBody(map[string]string{"org_id": "000.00.99.H13", "name": "UBND phường thử", "endpoint": "https://127.0.0.1:1",
			"signing_cert_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "tls_cert_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"})
	case "setLegalHold":
		jsonBody(map[string]any{"on": fx.phase != "", "comment": "sweep"})
	case "createDisposal", "addDisposalItems":
		// The sweep's archived record is retained for years: 422 (no list
		// is made, so the list's other operations find none: 404).
		jsonBody(map[string]any{"title": "Đợt tiêu hủy " + fx.phase, "record_ids": []string{w.archived}})
	case "approveDisposal":
		jsonBody(map[string]string{"decision_number": "1/QĐ-UBND", "decision_date": "2026-01-02", "decision_text": "sweep"})
	case "rejectDisposal":
		jsonBody(map[string]string{"reason": "sweep"})
	case "getDisposal", "removeDisposalItem", "runDisposal":
		// No body: list {id} does not exist (404).
	case "postPKIOCSP":
		body, ctype = bytes.NewReader(w.ocspRequest(t)), "application/ocsp-request"
	case "postPKITimeStamp":
		sum := sha256.Sum256([]byte(fx.phase))
		q, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: sum[:], Certificates: true, Nonce: big.NewInt(42)}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		body, ctype = bytes.NewReader(q), "application/timestamp-query"
	}
	req, err := http.NewRequest(strings.ToUpper(op.method), w.s.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+fx.token)
	a := timed(req)
	if op.id == "changePassword" && a.err == nil && a.status == http.StatusOK {
		w.password = fmt.Sprintf("%s-%d", sweepPassword, w.rotation)
	}
	return a
}

// ocspRequest is an OCSP request to the development root for a serial it
// never issued (the answer, unknown, still needs the database).
func (w *sweepWorld) ocspRequest(t *testing.T) []byte {
	t.Helper()
	der, err := ocsp.CreateRequest(&x509.Certificate{SerialNumber: big.NewInt(0x7f0001)}, w.root, nil)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestIntegrationReadinessPartition: while PostgreSQL, then MinIO, is
// partitioned (the proxy holds connections and delivers nothing), /readyz
// answers 503 naming the dependency within readyTimeout (and a little),
// with the default timeouts; once the partition heals the same server is
// ready again by itself and serves requests needing the dependency (an
// upload, reading it back). Meanwhile a request that needs the
// partitioned dependency answers 503 within outageBound on the default
// timeouts (VANTHU_DB_TIMEOUT, VANTHU_S3_TIMEOUT: 10 s). Before
// readyTimeout, /readyz waited as long as the partition lasted, and it
// did not look at the object store.
func TestIntegrationReadinessPartition(t *testing.T) {
	env, dbProxy, s3Proxy := proxiedEnv(t)
	s := startServer(t, env)
	admin := s.login(t, "admin", "admin-password-1")
	if code := admin.call("POST", "/api/v1/users", map[string]any{"username": "vanthu1", "password": "clerk-password-1",
		"full_name": "Trần Thị Thư", "roles": []string{"clerk"}}, nil); code != 201 {
		t.Fatalf("create the clerk: %d", code)
	}
	clerk := s.login(t, "vanthu1", "clerk-password-1")
	meta := func(n int) map[string]any {
		return map[string]any{"direction": "incoming", "type": "CV", "subject": fmt.Sprintf("Công văn %d", n),
			"urgency": "normal", "confidentiality": "normal", "sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
			"original_number": fmt.Sprintf("%d/UBND-VP", n), "original_date": "2026-11-20"}
	}
	incoming := func(n int) map[string]any {
		doc, code := clerk.upload(meta(n), testpdf.Make(1, fmt.Sprint("công văn ", n)))
		if code != http.StatusCreated {
			t.Fatalf("upload: %d", code)
		}
		return doc
	}
	before := incoming(120)["id"].(string)
	readyz := func() (int, string, time.Duration) {
		a := timedGet(s.base+"/readyz", "")
		if a.err != nil {
			return 0, a.err.Error(), a.took
		}
		return a.status, string(a.body), a.took
	}
	// Requests that need the dependency: for the object store an upload
	// (a file this instance stored is read from its cache without it:
	// checked below).
	users := func() sweepAnswer { return timedGet(s.base+"/api/v1/users", clerk.token) }
	store := func() sweepAnswer {
		t0 := time.Now()
		_, code := clerk.upload(meta(140), testpdf.Make(1, "công văn 140"))
		return sweepAnswer{status: code, took: time.Since(t0)}
	}
	for i, tc := range []struct {
		name  string
		proxy *faultproxy.Proxy
		want  string
		needs func() sweepAnswer
	}{{"database", dbProxy, "database unreachable", users}, {"object store", s3Proxy, "object store unreachable", store}} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body, _ := readyz(); code != http.StatusOK {
				t.Fatalf("before the partition: /readyz %d %s", code, body)
			}
			tc.proxy.Stall()
			code, body, took := readyz()
			if code != http.StatusServiceUnavailable || !strings.Contains(body, tc.want) {
				t.Errorf("partitioned: /readyz %d %s, want 503 %q", code, body, tc.want)
			}
			if took > readyTimeout+2*time.Second {
				t.Errorf("partitioned: /readyz took %s, bound %s", took, readyTimeout+2*time.Second)
			}
			t.Logf("partitioned: /readyz %d %s after %s", code, strings.TrimSpace(body), took.Round(10*time.Millisecond))
			a := tc.needs()
			if a.status != http.StatusServiceUnavailable || a.took > outageBound {
				t.Errorf("partitioned: %s needing it: %d %v %s after %s, want 503 within %s", tc.name, a.status, a.err, a.body, a.took, outageBound)
			}
			t.Logf("partitioned: %s needing it: %d after %s", tc.name, a.status, a.took.Round(10*time.Millisecond))
			if tc.proxy == s3Proxy {
				// Stored by this instance: in its cache (VANTHU_S3_CACHE_MB).
				if b := timedGet(s.base+"/api/v1/documents/"+before+"/file", clerk.token); b.status != http.StatusOK || !bytes.HasPrefix(b.body, []byte("%PDF")) {
					t.Errorf("partitioned: a file this instance stored: %d %v, want it from the cache", b.status, b.err)
				}
			}
			tc.proxy.Restore()
			deadline := time.Now().Add(20 * time.Second)
			for {
				code, body, _ := readyz()
				if code == http.StatusOK {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("20 s after the partition healed: /readyz %d %s", code, body)
				}
				time.Sleep(200 * time.Millisecond)
			}
			doc := incoming(130 + i)
			if b := clerk.get("/api/v1/documents/" + doc["id"].(string) + "/file"); len(b) == 0 {
				t.Fatal("after healing: the file reads back empty")
			}
		})
	}
}

// timedGet GETs url (with a bearer token unless empty), giving up after
// outageBound and a little.
func timedGet(url, token string) sweepAnswer {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return sweepAnswer{err: err}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return timed(req)
}

// timed sends req, giving up after outageBound and a little, and reads
// the answer, timing it all.
func timed(req *http.Request) sweepAnswer {
	ctx, cancel := context.WithTimeout(req.Context(), outageBound+5*time.Second)
	defer cancel()
	start := time.Now()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return sweepAnswer{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return sweepAnswer{status: resp.StatusCode, body: b, err: err, took: time.Since(start)}
}
