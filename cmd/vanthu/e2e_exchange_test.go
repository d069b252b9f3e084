package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/faultproxy"
	"github.com/vanthu/vanthu/internal/pwbacktest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
)

// peer is one vanthu instance of the exchange tests.
type peer struct {
	name, orgID, orgName string
	env                  map[string]string
	opts                 options // run's options for its serve and CLI runs
	srv                  *server
	clerk, officer       *client
	handler              *client
	ids                  map[string]string
}

func newPeer(t testing.TB, name, orgID, orgName, abbr string) *peer {
	t.Helper()
	p := &peer{name: name, orgID: orgID, orgName: orgName, ids: map[string]string{}}
	p.env = map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_ADMIN_PASSWORD": "admin-password-1",
		"VANTHU_LOG_LEVEL": "warn", "VANTHU_ORG_ID": orgID, "VANTHU_ORG_NAME": orgName, "VANTHU_ORG_ABBR": abbr,
		"VANTHU_EXCHANGE_ADDR": "127.0.0.1:0"}
	return p
}

func (p *peer) getenv(k string) string { return p.env[k] }

// fastExchange shortens the peers' delivery worker timings (poll 50 ms,
// retries from 200 ms to 1 s, claims held 20 s).
func fastExchange(ps ...*peer) {
	for _, p := range ps {
		p.env["VANTHU_EXCHANGE_POLL"], p.env["VANTHU_EXCHANGE_RETRY_BASE"], p.env["VANTHU_EXCHANGE_RETRY_MAX"] = "50ms", "200ms", "1s"
		p.env["VANTHU_EXCHANGE_LEASE"] = "20s"
	}
}

// cli runs a vanthu subcommand against the peer's data directory.
func (p *peer) cli(t testing.TB, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := runWith(context.Background(), p.opts, args, p.getenv, &out, &errb); code != 0 {
		t.Fatalf("%s: vanthu %v: exit %d: %s", p.name, args, code, errb.String())
	}
	return out.String()
}

// connect registers each peer with the other through agency export/add,
// as an operator does. A peer's endpoint is known once its server
// announced its exchange listener (serve), or when the test set
// VANTHU_EXCHANGE_URL: until then its export fails.
func connect(t testing.TB, a, b *peer) {
	t.Helper()
	for _, pair := range [][2]*peer{{a, b}, {b, a}} {
		f := filepath.Join(t.TempDir(), pair[0].name+".json")
		if err := os.WriteFile(f, []byte(pair[0].cli(t, "agency", "export")), 0o600); err != nil {
			t.Fatal(err)
		}
		if out := pair[1].cli(t, "agency", "add", f); !strings.Contains(out, pair[0].orgID) {
			t.Fatalf("agency add: %s", out)
		}
	}
}

// announce takes what the peer's server announced: its exchange endpoint
// becomes VANTHU_EXCHANGE_URL of the peer's CLI runs (agency export),
// unless the test set one (peers reach it through a proxy).
func (p *peer) announce(exchange string) {
	if p.env["VANTHU_EXCHANGE_URL"] == "" {
		p.env["VANTHU_EXCHANGE_URL"] = "https://" + exchange
	}
}

// serve starts the peer's server (see announce).
func (p *peer) serve(t *testing.T) *server {
	t.Helper()
	s := startServerWith(t, p.opts, p.env)
	p.announce(s.exchange)
	return s
}

// start starts the peer's server and creates its clerk, officer and
// handler.
func (p *peer) start(t *testing.T) {
	t.Helper()
	p.srv = p.serve(t)
	admin := p.srv.login(t, "admin", "admin-password-1")
	for _, u := range []struct{ name, full, title, role string }{
		{"clerk", "Lê Thị Văn Thư", "Văn thư", "clerk"},
		{"officer", "Trần Văn Quyết", "Chủ tịch", "officer"},
		{"handler", "Phạm Thị Chuyên", "Chuyên viên", "handler"},
	} {
		var out struct{ ID string }
		if code := admin.call("POST", "/api/v1/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"full_name": u.full, "title": u.title, "roles": []string{u.role}}, &out); code != 201 {
			t.Fatalf("%s: create %s: %d", p.name, u.name, code)
		}
		p.ids[u.name] = out.ID
	}
	p.clerk = p.srv.login(t, "clerk", "password-clerk")
	p.officer = p.srv.login(t, "officer", "password-officer")
	p.handler = p.srv.login(t, "handler", "password-handler")
}

// issueAndSend drafts, signs, issues and sends a document to recipients.
func (p *peer) issueAndSend(t *testing.T, subject string, to ...*peer) string {
	t.Helper()
	var recips []map[string]string
	for _, r := range to {
		recips = append(recips, map[string]string{"org_id": r.orgID, "name": r.orgName})
	}
	doc, code := p.handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": subject,
		"urgency": "urgent", "confidentiality": "normal", "signer_id": p.ids["officer"], "recipients": recips}, testpdf.Make(1, subject))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	p.handler.act(id, "submit", nil)
	p.officer.act(id, "approve", nil)
	p.officer.act(id, "sign", nil)
	p.clerk.act(id, "issue", nil)
	if doc = p.clerk.act(id, "send", nil); doc["state"] != "sent" {
		t.Fatalf("send: %v", doc)
	}
	return id
}

type deliveryView struct {
	Kind       string `json:"kind"`
	OrgID      string `json:"org_id"`
	State      string `json:"state"`
	Attempts   int    `json:"attempts"`
	LastError  string `json:"last_error"`
	LastStatus string `json:"last_status"`
	Statuses   []struct {
		Code        string `json:"code"`
		Description string `json:"description"`
	} `json:"statuses"`
}

func (p *peer) deliveries(t *testing.T, docID string) map[string]deliveryView {
	t.Helper()
	var out struct{ Items []deliveryView }
	if err := json.Unmarshal(p.clerk.get("/api/v1/documents/"+docID+"/deliveries"), &out); err != nil {
		t.Fatal(err)
	}
	m := map[string]deliveryView{}
	for _, d := range out.Items {
		if d.Kind == "document" {
			m[d.OrgID] = d
		}
	}
	return m
}

func codes(d deliveryView) string {
	var s []string
	for _, st := range d.Statuses {
		s = append(s, st.Code)
	}
	return strings.Join(s, ",")
}

// incoming lists the peer's incoming documents.
func (p *peer) incoming(t *testing.T) []map[string]any {
	t.Helper()
	var out struct{ Items []map[string]any }
	if err := json.Unmarshal(p.clerk.get("/api/v1/documents?direction=incoming&limit=200"), &out); err != nil {
		t.Fatal(err)
	}
	return out.Items
}

func (p *peer) incomingBy(t *testing.T, subject string) []map[string]any {
	var out []map[string]any
	for _, d := range p.incoming(t) {
		if d["subject"] == subject {
			out = append(out, d)
		}
	}
	return out
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, s := cond()
		if ok {
			return
		}
		last = s
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not after %v (last: %s)", what, timeout, last)
}

// faults wraps B's exchange endpoint: it records every package posted to
// /exchange/v1/edxml and can answer 500 to the next one.
type faults struct {
	mu       sync.Mutex
	bodies   [][]byte
	fail500  atomic.Int32
	answered atomic.Int32
}

func (f *faults) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == exchange.PathEdXML {
			b, _ := io.ReadAll(r.Body)
			f.mu.Lock()
			f.bodies = append(f.bodies, b)
			f.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
			if f.fail500.Add(-1) >= 0 {
				f.answered.Add(1)
				http.Error(w, "injected failure", http.StatusInternalServerError)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (f *faults) last() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[len(f.bodies)-1]
}

// peerClient is an exchange client presenting a's own TLS certificate
// (from its data directory), to post crafted packages to b.
func peerClient(t *testing.T, a *peer) (*exchange.Client, keys.Key) {
	t.Helper()
	pki, err := keys.OpenDevPKI(filepath.Join(a.env["VANTHU_DATA_DIR"], "pki"), a.orgName, a.orgID, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &Config{ExchangeAddr: a.env["VANTHU_EXCHANGE_ADDR"]}
	cert, _, _, err := pki.TLSServerClient("vanthu exchange "+a.orgID, exchangeHosts(cfg))
	if err != nil {
		t.Fatal(err)
	}
	k, err := pki.Agency()
	if err != nil {
		t.Fatal(err)
	}
	return &exchange.Client{Cert: cert}, k
}

// devRoot returns the root certificate of the peer's development PKI.
func devRoot(t testing.TB, p *peer) []byte {
	t.Helper()
	pki, err := keys.OpenDevPKI(filepath.Join(p.env["VANTHU_DATA_DIR"], "pki"), p.orgName, p.orgID, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pki.RootPEM()
}

func (p *peer) agency(t *testing.T) *exchange.Agency {
	t.Helper()
	var a exchange.Agency
	if err := json.Unmarshal([]byte(p.cli(t, "agency", "export")), &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// TestExchangeTwoServers runs three real vanthu servers (A, B, C) with
// their own data directories, development PKIs and mutual-TLS exchange
// listeners on 127.0.0.1, connected through agency export/add.
func TestExchangeTwoServers(t *testing.T) {
	fb := &faults{}
	A := newPeer(t, "A", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
	B := newPeer(t, "B", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
	C := newPeer(t, "C", "000.00.32.H13", "UBND phường An Thới", "UBND")
	fastExchange(A, B, C)
	B.opts.exchangeHandler = func(_ string, h http.Handler) http.Handler { return fb.wrap(h) }
	// B's endpoint must be registered at A before B runs: it is a proxy's
	// (held by the test, so no other process can take its port), which
	// closes every connection until B is up behind it; B itself listens
	// on a port of its own choosing.
	bProxy := faultproxy.New(t, "")
	B.env["VANTHU_EXCHANGE_URL"] = "https://" + bProxy.Addr()
	// B trusts A's signing root as well as its own: A's PDFs verify valid.
	anchors := filepath.Join(t.TempDir(), "anchors.pem")
	if err := os.WriteFile(anchors, append(devRoot(t, B), devRoot(t, A)...), 0o600); err != nil {
		t.Fatal(err)
	}
	B.env["VANTHU_TRUST_ANCHORS"] = anchors
	A.start(t)
	C.start(t)
	connect(t, A, B)
	connect(t, A, C)

	// B is down when A sends: C gets it, B's delivery is retried.
	subject1 := "Quyết định về việc ban hành quy chế liên thông"
	doc1 := A.issueAndSend(t, subject1, B, C)
	eventually(t, "C receives", 20*time.Second, func() (bool, string) { return len(C.incomingBy(t, subject1)) == 1, "" })
	eventually(t, "A retries B", 20*time.Second, func() (bool, string) {
		d := A.deliveries(t, doc1)[B.orgID]
		return d.Attempts >= 2 && d.State == "pending" && d.LastError != "", fmt.Sprintf("%+v", d)
	})

	// B comes up: the delivery goes through once.
	B.start(t)
	bProxy.Retarget(B.srv.exchange)
	var got []map[string]any
	eventually(t, "B receives", 30*time.Second, func() (bool, string) {
		got = B.incomingBy(t, subject1)
		return len(got) == 1, fmt.Sprint(len(got))
	})
	in := got[0]
	if in["state"] != "received" || in["original_number"] != "01/QĐ-UBND" || in["urgency"] != "urgent" || in["type"] != "QĐ" {
		t.Fatalf("B's incoming document: %v", in)
	}
	if s, _ := in["sender"].(map[string]any); s == nil || s["org_id"] != A.orgID || s["name"] != A.orgName {
		t.Fatalf("sender: %v", in["sender"])
	}
	if v, _ := in["verification"].(map[string]any); v == nil || v["verdict"] != "valid" {
		t.Fatalf("verification on receipt: %v", in["verification"])
	}
	bid := in["id"].(string)
	B.clerk.act(bid, "register", nil)
	B.officer.act(bid, "assign", map[string]any{"assignee_id": B.ids["handler"]})
	B.handler.act(bid, "start", nil)
	B.handler.act(bid, "complete", nil)
	eventually(t, "A sees B's statuses", 30*time.Second, func() (bool, string) {
		d := A.deliveries(t, doc1)[B.orgID]
		return codes(d) == "01,03,04,05,06" && d.State == "delivered" && d.LastStatus == "06", fmt.Sprintf("%+v", d)
	})
	eventually(t, "A sees C's arrival", 10*time.Second, func() (bool, string) {
		d := A.deliveries(t, doc1)[C.orgID]
		return codes(d) == "01" && d.State == "delivered", fmt.Sprintf("%+v", d)
	})
	if d := A.deliveries(t, doc1)[C.orgID]; d.Attempts != 1 {
		t.Errorf("C: %d attempts, want 1", d.Attempts)
	}

	t.Run("500 once then retried", func(t *testing.T) {
		fb.fail500.Store(1)
		subject := "Thông báo kết luận cuộc họp giao ban"
		doc := A.issueAndSend(t, subject, B)
		eventually(t, "delivered after a 500", 20*time.Second, func() (bool, string) {
			d := A.deliveries(t, doc)[B.orgID]
			return d.State == "delivered", fmt.Sprintf("%+v", d)
		})
		if d := A.deliveries(t, doc)[B.orgID]; d.Attempts != 2 || fb.answered.Load() != 1 {
			t.Fatalf("attempts %d, injected 500s %d", d.Attempts, fb.answered.Load())
		}
		if n := len(B.incomingBy(t, subject)); n != 1 {
			t.Fatalf("B has %d copies", n)
		}
	})

	client, agencyKey := peerClient(t, A)
	bAgency := B.agency(t)
	post := func(t *testing.T, path string, body []byte) (*exchange.Ack, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return client.Post(ctx, bAgency, path, body)
	}

	t.Run("same envelope twice", func(t *testing.T) {
		before := len(B.incoming(t))
		env := fb.last()
		ack1, err := post(t, exchange.PathEdXML, env)
		if err != nil {
			t.Fatal(err)
		}
		ack2, err := post(t, exchange.PathEdXML, env)
		if err != nil {
			t.Fatal(err)
		}
		if *ack1 != *ack2 || ack1.StatusCode != "01" {
			t.Fatalf("answers differ or not 01: %+v %+v", ack1, ack2)
		}
		if n := len(B.incoming(t)); n != before {
			t.Fatalf("B has %d incoming documents, had %d", n, before)
		}
	})

	t.Run("tampered envelope", func(t *testing.T) {
		env := fb.last()
		msg, err := edxml.ParseBytes(env, edxml.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		id := msg.Document.DocumentID
		tampered := bytes.Replace(env, []byte(id), []byte(strings.Replace(id, ",02/", ",92/", 1)), -1)
		tampered = bytes.Replace(tampered, []byte("Thông báo kết luận"), []byte("Thông báo hủy bỏ"), 1)
		ack, err := post(t, exchange.PathEdXML, tampered)
		if err != nil {
			t.Fatal(err)
		}
		if ack.StatusCode != "02" || !strings.Contains(ack.Description, "envelope") {
			t.Fatalf("ack: %+v", ack)
		}
		kept := B.incomingBy(t, "Thông báo hủy bỏ cuộc họp giao ban")
		if len(kept) != 1 || kept[0]["state"] != "rejected" {
			t.Fatalf("tampered document not kept as rejected: %v", kept)
		}
	})

	t.Run("tampered PDF", func(t *testing.T) {
		msg, err := edxml.ParseBytes(fb.last(), edxml.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		doc := msg.Document
		doc.Number, doc.DocumentID, doc.Subject = "77", "", "Văn bản có tệp bị sửa"
		doc.Trace = nil
		pdf := bytes.Clone(doc.Attachments[0].Data)
		i := bytes.Index(pdf, []byte("/Contents <"))
		if i < 0 {
			t.Fatal("no signature contents")
		}
		j := i + len("/Contents <") + 40
		pdf[j] ^= 0x01 // a hex digit of the CMS signature
		if pdf[j] < '0' || (pdf[j] > '9' && pdf[j] < 'a') || pdf[j] > 'f' {
			pdf[j] = '0'
		}
		doc.Attachments[0].Data = pdf
		raw, err := edxml.Build(*doc)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := edxml.Sign(raw, agencyKey.Signer, agencyKey.Chain)
		if err != nil {
			t.Fatal(err)
		}
		ack, err := post(t, exchange.PathEdXML, signed)
		if err != nil {
			t.Fatal(err)
		}
		if ack.StatusCode != "02" || !strings.Contains(ack.Description, "invalid signature") || strings.Contains(ack.Description, "envelope") {
			t.Fatalf("ack: %+v", ack)
		}
		if kept := B.incomingBy(t, "Văn bản có tệp bị sửa"); len(kept) != 1 || kept[0]["state"] != "rejected" {
			t.Fatalf("not kept as rejected: %v", kept)
		}
	})

	t.Run("unknown client certificate", func(t *testing.T) {
		before := len(B.incoming(t))
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "intruder"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		intruder := &exchange.Client{Cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
		_, err := intruder.Post(context.Background(), bAgency, exchange.PathEdXML, fb.last())
		pe, ok := err.(*exchange.PeerError)
		if !ok || pe.Status != http.StatusForbidden {
			t.Fatalf("intruder: %v", err)
		}
		if n := len(B.incoming(t)); n != before {
			t.Fatalf("B stored something: %d -> %d", before, n)
		}
	})

	t.Run("revoke", func(t *testing.T) {
		var out map[string]any
		if code := A.clerk.call("POST", "/api/v1/documents/"+doc1+"/revoke", map[string]string{"reason": "Ban hành nhầm"}, &out); code != 200 {
			t.Fatalf("revoke: %d", code)
		}
		eventually(t, "B asked", 20*time.Second, func() (bool, string) {
			return codes(A.deliveries(t, doc1)[B.orgID]) == "01,03,04,05,06,13", codes(A.deliveries(t, doc1)[B.orgID])
		})
		if code := B.clerk.call("POST", "/api/v1/documents/"+bid+"/revocation", map[string]any{"accept": true}, &out); code != 200 || out["revoke_state"] != "accepted" || out["state"] != "revoked" {
			t.Fatalf("revocation: %d %v", code, out)
		}
		eventually(t, "A told", 20*time.Second, func() (bool, string) {
			d := A.deliveries(t, doc1)[B.orgID]
			return codes(d) == "01,03,04,05,06,13,15" && d.LastStatus == "06", codes(d) + " last " + d.LastStatus
		})
		// Revoked at both agencies.
		eventually(t, "A's document revoked", 20*time.Second, func() (bool, string) {
			var d map[string]any
			A.clerk.call("GET", "/api/v1/documents/"+doc1, nil, &d)
			return d["state"] == "revoked" && d["revoke_state"] == "accepted", fmt.Sprint(d["state"], d["revoke_state"])
		})
		if code := B.clerk.call("POST", "/api/v1/documents/"+bid+"/revocation", map[string]any{"accept": false}, nil); code != 409 {
			t.Fatalf("second decision: %d", code)
		}
	})

	t.Run("send to an unregistered agency", func(t *testing.T) {
		doc, code := A.handler.upload(map[string]any{"direction": "outgoing", "type": "CV", "subject": "Công văn gửi nơi chưa kết nối",
			"urgency": "normal", "confidentiality": "normal", "signer_id": A.ids["officer"],
			"recipients": []map[string]string{{"org_id": "000.00.99.H13", "name": "Chưa kết nối"}}}, testpdf.Make(1, "x"))
		if code != 201 {
			t.Fatalf("upload: %d", code)
		}
		id := doc["id"].(string)
		A.handler.act(id, "submit", nil)
		A.officer.act(id, "approve", nil)
		A.officer.act(id, "sign", nil)
		A.clerk.act(id, "issue", nil)
		if code := A.clerk.call("POST", "/api/v1/documents/"+id+"/actions/send", nil, nil); code != 400 {
			t.Fatalf("send: %d, want 400", code)
		}
		var d map[string]any
		A.clerk.call("GET", "/api/v1/documents/"+id, nil, &d)
		if d["state"] != "issued" || len(A.deliveries(t, id)) != 0 {
			t.Fatalf("after refused send: %v", d["state"])
		}
	})
}

// benchServer is a `vanthu serve` started through run for a benchmark,
// with an admin-created clerk, officer and handler logged in.
type benchServer struct {
	base   string
	tokens map[string]string
	ids    map[string]string
}

func startBench(b *testing.B, p *peer) *benchServer {
	b.Helper()
	s := &benchServer{tokens: map[string]string{}, ids: map[string]string{}}
	env := maps.Clone(p.env) // announce changes p.env; serve keeps what it started with
	ann, cancel, done := launch(b, p.opts, func(k string) string { return env[k] })
	b.Cleanup(func() { cancel(); <-done })
	s.base = ann.base
	p.announce(ann.exchange)
	s.login(b, "admin", "admin-password-1")
	for _, r := range []string{"clerk", "officer", "handler"} {
		var u struct{ ID string }
		s.call(b, "admin", "POST", "/api/v1/users", map[string]any{"username": r, "password": "password-" + r,
			"full_name": "Nguyễn Văn " + r, "title": r, "roles": []string{r}}, &u, 201)
		s.ids[r] = u.ID
		s.login(b, r, "password-"+r)
	}
	return s
}

func (s *benchServer) login(b *testing.B, user, pw string) {
	var out struct {
		Token string
		User  struct {
			MustChangePassword bool `json:"must_change_password"`
		}
	}
	s.call(b, "", "POST", "/api/v1/auth/login", map[string]string{"username": user, "password": pw}, &out, 200)
	s.tokens[user] = out.Token
	if out.User.MustChangePassword { // created by the admin: the first login's change, then back
		for _, step := range pwbacktest.Steps(pw) {
			s.call(b, user, "POST", "/api/v1/auth/password", map[string]string{"current_password": step[0], "new_password": step[1]}, nil, 200)
		}
	}
}

func (s *benchServer) do(b *testing.B, user string, req *http.Request, out any, want int) {
	b.Helper()
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+s.tokens[user])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			b.Fatal(err)
		}
	}
}

func (s *benchServer) call(b *testing.B, user, method, path string, body, out any, want int) {
	b.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	s.do(b, user, req, out, want)
}

func (s *benchServer) issue(b *testing.B, to *peer, subject string) string {
	b.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	meta, _ := json.Marshal(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": subject, "signer_id": s.ids["officer"],
		"recipients": []map[string]string{{"org_id": to.orgID, "name": to.orgName}}})
	w.WriteField("meta", string(meta))
	fw, _ := w.CreateFormFile("file", "vanban.pdf")
	fw.Write(testpdf.Make(1, subject))
	w.Close()
	req, _ := http.NewRequest("POST", s.base+"/api/v1/documents", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	var doc struct{ ID string }
	s.do(b, "handler", req, &doc, 201)
	for _, st := range []struct{ user, action string }{{"handler", "submit"}, {"officer", "approve"}, {"officer", "sign"}, {"clerk", "issue"}} {
		s.call(b, st.user, "POST", "/api/v1/documents/"+doc.ID+"/actions/"+st.action, nil, nil, 200)
	}
	return doc.ID
}

// BenchmarkExchangeEndToEnd measures documents/s from A to B on loopback:
// the clerk's send, the outbox, A's worker building and signing the
// envelope, the mutual-TLS POST, B's parse, envelope and PDF verification
// and Receive, until A holds B's acknowledgement of every document. The
// documents are drafted, signed and issued beforehand, off the clock.
func BenchmarkExchangeEndToEnd(b *testing.B) {
	A := newPeer(b, "A", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
	B := newPeer(b, "B", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
	for _, p := range []*peer{A, B} {
		p.env["VANTHU_EXCHANGE_POLL"], p.env["VANTHU_EXCHANGE_RETRY_BASE"], p.env["VANTHU_EXCHANGE_RETRY_MAX"] = "10ms", "100ms", "1s"
	}
	sa, _ := startBench(b, A), startBench(b, B)
	connect(b, A, B)
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = sa.issue(b, B, fmt.Sprintf("Quyết định số %d về việc thử tải liên thông", i))
	}
	b.ResetTimer()
	start := time.Now()
	for _, id := range ids {
		sa.call(b, "clerk", "POST", "/api/v1/documents/"+id+"/actions/send", nil, nil, 200)
	}
	for _, id := range ids {
		for {
			var out struct{ Items []deliveryView }
			sa.call(b, "clerk", "GET", "/api/v1/documents/"+id+"/deliveries", nil, &out, 200)
			if len(out.Items) > 0 && out.Items[0].State == "delivered" {
				break
			}
			if len(out.Items) > 0 && out.Items[0].State == "failed" {
				b.Fatalf("delivery failed: %+v", out.Items[0])
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "docs/s")
}
