package exchange

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

type agencies map[string]*Agency

func (a agencies) Agency(_ context.Context, id string) (*Agency, error) {
	if x, ok := a[id]; ok {
		return x, nil
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "no agency %s", id)
}

func TestOutboxSend(t *testing.T) {
	reg := agencies{"000.00.31.H13": {OrgID: "000.00.31.H13", Name: "Long Hòa"}, "000.00.32.H13": {OrgID: "000.00.32.H13", Name: "An Thới"}}
	woken := 0
	o := &Outbox{Agencies: reg, Wake: func() { woken++ }}
	send, _ := workflow.Next(workflow.Outgoing, workflow.Issued, workflow.Send)
	for _, tc := range []struct {
		name     string
		to       []workflow.Org
		wantCode string
		wantN    int
	}{
		{"OK", []workflow.Org{{OrgID: "000.00.31.H13", Name: "Long Hòa"}, {OrgID: "000.00.32.H13"}}, "", 2},
		{"ErrUnregistered", []workflow.Org{{OrgID: "000.00.31.H13"}, {OrgID: "000.00.99.H13", Name: "X"}}, workflow.EINVALID, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := workflowtest.NewRepository()
			d := &workflow.Document{ID: "d1", Direction: workflow.Outgoing, Recipients: tc.to}
			err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
				return o.Transitioned(ctx, tx, d, send, &workflow.Event{})
			})
			if workflow.ErrorCode(err) != tc.wantCode {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if len(repo.Deliveries) != tc.wantN {
				t.Fatalf("%d deliveries, want %d (rolled back on error)", len(repo.Deliveries), tc.wantN)
			}
			for i, dl := range repo.Deliveries {
				if dl.Kind != workflow.DeliverDocument || dl.OrgID != tc.to[i].OrgID || dl.OrgName == "" {
					t.Fatalf("delivery %d = %+v", i, dl)
				}
			}
		})
	}
	if woken == 0 {
		t.Error("the worker was not woken")
	}
}

// TestOutboxRevoke: request_revoke of a sent document queues a revoke
// delivery to every recipient with the typed reason; the exchange's own
// answers on an outgoing document queue nothing.
func TestOutboxRevoke(t *testing.T) {
	o := &Outbox{Agencies: agencies{}}
	to := []workflow.Org{{OrgID: "000.00.31.H13", Name: "Long Hòa"}, {OrgID: "000.00.32.H13", Name: "An Thới"}}
	for _, tc := range []struct {
		action workflow.Action
		want   int
	}{{workflow.RequestRevoke, 2}, {workflow.AcceptRevoke, 0}, {workflow.RefuseRevoke, 0}} {
		t.Run(string(tc.action), func(t *testing.T) {
			tr, ok := workflow.Next(workflow.Outgoing, workflow.Sent, tc.action)
			if !ok {
				t.Fatalf("no %s from sent", tc.action)
			}
			repo := workflowtest.NewRepository()
			d := &workflow.Document{ID: "d1", Direction: workflow.Outgoing, Recipients: to, RevokeReason: "Ban hành nhầm"}
			if err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
				return o.Transitioned(ctx, tx, d, tr, &workflow.Event{Comment: "not this"})
			}); err != nil {
				t.Fatal(err)
			}
			if len(repo.Deliveries) != tc.want {
				t.Fatalf("%d deliveries, want %d", len(repo.Deliveries), tc.want)
			}
			for i, dl := range repo.Deliveries {
				if dl.Kind != DeliverRevoke || dl.OrgID != to[i].OrgID || dl.Description != "Ban hành nhầm" {
					t.Fatalf("delivery %d = %+v", i, dl)
				}
			}
		})
	}
}

func TestOutboxStatuses(t *testing.T) {
	o := &Outbox{Agencies: agencies{}}
	sender := &workflow.Org{OrgID: "000.00.12.H13", Name: "Bình Thủy"}
	for _, tc := range []struct {
		name     string
		action   workflow.Action
		from     workflow.State
		external string
		comment  string
		want     string // code:description, "" = nothing queued
	}{
		{"Register", workflow.Register, workflow.Received, "X,2026/11/20,01/QĐ-UBND", "", "03:"},
		{"Assign", workflow.Assign, workflow.Registered, "X,2026/11/20,01/QĐ-UBND", "", "04:"},
		{"Start", workflow.Start, workflow.Assigned, "X,2026/11/20,01/QĐ-UBND", "", "05:"},
		{"Complete", workflow.Complete, workflow.InProgress, "X,2026/11/20,01/QĐ-UBND", "", "06:"},
		{"Reject", workflow.Reject, workflow.Received, "X,2026/11/20,01/QĐ-UBND", "không đúng thẩm quyền", "02:reject: không đúng thẩm quyền"},
		{"RequestRevoke", workflow.RequestRevoke, workflow.Registered, "X,2026/11/20,01/QĐ-UBND", "ban hành nhầm", "13:revoke: ban hành nhầm"},
		{"AcceptRevoke", workflow.AcceptRevoke, workflow.Registered, "X,2026/11/20,01/QĐ-UBND", "", "15:"},
		{"RefuseRevoke", workflow.RefuseRevoke, workflow.Registered, "X,2026/11/20,01/QĐ-UBND", "đã thi hành", "16:answer: đã thi hành"},
		{"Archive", workflow.Archive, workflow.Completed, "X,2026/11/20,01/QĐ-UBND", "", ""},
		{"NotFromExchange", workflow.Register, workflow.Received, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := workflowtest.NewRepository()
			tr, ok := workflow.Next(workflow.Incoming, tc.from, tc.action)
			if !ok {
				t.Fatalf("no transition %s from %s", tc.action, tc.from)
			}
			// The reasons travel in their typed fields, not in the comment.
			d := &workflow.Document{ID: "in1", Direction: workflow.Incoming, ExternalID: tc.external, Sender: sender,
				RejectReason: "reject: " + tc.comment, RevokeReason: "revoke: " + tc.comment, RevokeAnswer: "answer: " + tc.comment}
			err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
				return o.Transitioned(ctx, tx, d, tr, &workflow.Event{Comment: "not this"})
			})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(repo.Deliveries) == 1 {
				dl := repo.Deliveries[0]
				got = dl.StatusCode + ":" + dl.Description
				if dl.Kind != workflow.DeliverStatus || dl.OrgID != sender.OrgID || dl.DocumentID != "in1" {
					t.Fatalf("delivery = %+v", dl)
				}
			} else if len(repo.Deliveries) > 1 {
				t.Fatalf("%d deliveries", len(repo.Deliveries))
			}
			if got != tc.want {
				t.Fatalf("queued %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("Received", func(t *testing.T) {
		for _, tc := range []struct {
			state workflow.State
			notes string
			want  string
		}{
			{workflow.Received, "", "01:"},
			// Answered 02 by the reject transition, not here.
			{workflow.Rejected, "", ""},
		} {
			repo := workflowtest.NewRepository()
			d := &workflow.Document{ID: "in1", Direction: workflow.Incoming, ExternalID: "x", Sender: sender, State: tc.state, Notes: tc.notes}
			if err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return o.Received(ctx, tx, d) }); err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(repo.Deliveries) > 0 {
				got = repo.Deliveries[0].StatusCode + ":" + repo.Deliveries[0].Description
			}
			if got != tc.want {
				t.Fatalf("%s: %q, want %q", tc.state, got, tc.want)
			}
		}
	})
}

func TestBackoff(t *testing.T) {
	w := &Worker{Backoff: time.Second, MaxBackoff: 10 * time.Second}
	for _, tc := range []struct {
		attempts int
		lo, hi   time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{3, 2 * time.Second, 4 * time.Second},
		{5, 5 * time.Second, 10 * time.Second}, // 16 s capped at 10
		{60, 5 * time.Second, 10 * time.Second},
	} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := w.backoff(tc.attempts)
			if d < tc.lo || d > tc.hi {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", tc.attempts, d, tc.lo, tc.hi)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("backoff(%d): no jitter", tc.attempts)
		}
	}
}

func TestPeerErrorPermanent(t *testing.T) {
	for status, want := range map[int]bool{0: false, 400: true, 403: true, 408: false, 429: false, 500: false, 503: false} {
		if got := (&PeerError{Status: status}).Permanent(); got != want {
			t.Errorf("Permanent(%d) = %v", status, got)
		}
	}
}

// cert makes a certificate signed by parent (self-signed when nil).
func cert(t testing.TB, cn string, ca bool, parent *tls.Certificate, usage x509.ExtKeyUsage, hosts ...string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: ca, BasicConstraintsValid: true, DNSNames: hosts}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{usage}
	}
	signer, issuer := any(key), tmpl
	if parent != nil {
		signer, issuer = parent.PrivateKey, parent.Leaf
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func certPEM(c tls.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}))
}

func TestMatchesTrust(t *testing.T) {
	ca := cert(t, "CA", true, nil, 0)
	other := cert(t, "Other CA", true, nil, 0)
	client := cert(t, "client", false, &ca, x509.ExtKeyUsageClientAuth)
	server := cert(t, "server", false, &ca, x509.ExtKeyUsageServerAuth, "peer.example")
	pinned := cert(t, "pinned", false, nil, x509.ExtKeyUsageClientAuth)
	now := time.Now()
	for _, tc := range []struct {
		name  string
		chain tls.Certificate
		trust tls.Certificate
		usage x509.ExtKeyUsage
		host  string
		ok    bool
	}{
		{"PinnedLeaf", pinned, pinned, x509.ExtKeyUsageClientAuth, "", true},
		{"ChainsToCA", client, ca, x509.ExtKeyUsageClientAuth, "", true},
		{"ServerWithHost", server, ca, x509.ExtKeyUsageServerAuth, "peer.example", true},
		{"ErrWrongHost", server, ca, x509.ExtKeyUsageServerAuth, "evil.example", false},
		{"ErrWrongUsage", client, ca, x509.ExtKeyUsageServerAuth, "", false},
		{"ErrOtherCA", client, other, x509.ExtKeyUsageClientAuth, "", false},
		{"ErrNotPinned", client, pinned, x509.ExtKeyUsageClientAuth, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := matchesTrust([]*x509.Certificate{tc.chain.Leaf}, []*x509.Certificate{tc.trust.Leaf}, tc.usage, tc.host, now)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// memStore is the part of Store the receiver's authentication reads.
type memStore struct {
	Store
	list []*Agency
}

func (m *memStore) Agencies(context.Context) ([]*Agency, error) { return m.list, nil }

// TestReceiverAuthentication: without an acceptable client certificate
// the exchange endpoint answers 401/403 before reading anything.
func TestReceiverAuthentication(t *testing.T) {
	ca := cert(t, "Exchange CA", true, nil, 0)
	registered := cert(t, "registered", false, &ca, x509.ExtKeyUsageClientAuth)
	unregistered := cert(t, "unregistered", false, &ca, x509.ExtKeyUsageClientAuth)
	outsider := cert(t, "outsider", false, nil, x509.ExtKeyUsageClientAuth)
	serverCert := cert(t, "server", false, &ca, x509.ExtKeyUsageServerAuth, "localhost")
	store := &memStore{list: []*Agency{{OrgID: "000.00.31.H13", Name: "B", TLSCertPEM: certPEM(registered), SigningCertPEM: certPEM(registered)}}}
	recv := &Receiver{Store: store, Self: workflow.Org{OrgID: "000.00.12.H13"}, ClientCAs: []*x509.Certificate{ca.Leaf}}
	srv := httptest.NewUnstartedServer(recv.Handler())
	srv.TLS = ServerTLSConfig(serverCert)
	srv.StartTLS()
	defer srv.Close()
	post := func(c *tls.Certificate) (int, string) {
		tc := &tls.Config{InsecureSkipVerify: true}
		if c != nil {
			tc.Certificates = []tls.Certificate{*c}
		}
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
		resp, err := hc.Post(srv.URL+PathEdXML, "application/xml", strings.NewReader("<edXML/>"))
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, msg := post(nil); code != 0 {
		t.Errorf("no certificate: %d %s (want the handshake refused)", code, msg)
	}
	if code, msg := post(&outsider); code != http.StatusUnauthorized {
		t.Errorf("outside VANTHU_EXCHANGE_CA: %d %s", code, msg)
	}
	if code, msg := post(&unregistered); code != http.StatusForbidden {
		t.Errorf("not registered: %d %s", code, msg)
	}
	// A registered agency gets through authentication to the parser.
	if code, msg := post(&registered); code != http.StatusBadRequest {
		t.Errorf("registered, junk package: %d %s", code, msg)
	}
}

// TestClientDoesNotFollowRedirects: a registered peer's endpoint that
// answers 307/308 (which would resend the POST body elsewhere) or 302 is
// not followed; the delivery fails (retryable) and the target never sees
// the package. Before: net/http followed the redirect with the body.
func TestClientDoesNotFollowRedirects(t *testing.T) {
	ca := cert(t, "Exchange CA", true, nil, 0)
	serverCert := cert(t, "peer", false, &ca, x509.ExtKeyUsageServerAuth, "localhost", "127.0.0.1")
	clientCert := cert(t, "us", false, &ca, x509.ExtKeyUsageClientAuth)
	var hits atomic.Int32
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 200, Ack{DocumentID: "x", StatusCode: "01"})
	}))
	target.TLS = ServerTLSConfig(serverCert)
	target.StartTLS()
	defer target.Close()
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			redirector := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+r.URL.Path, status)
			}))
			redirector.TLS = ServerTLSConfig(serverCert)
			redirector.StartTLS()
			defer redirector.Close()
			a := &Agency{OrgID: "000.00.31.H13", Endpoint: strings.Replace(redirector.URL, "127.0.0.1", "localhost", 1), TLSCertPEM: certPEM(ca)}
			c := &Client{Cert: clientCert}
			ack, err := c.Post(context.Background(), a, PathEdXML, []byte("<edXML/>"))
			var pe *PeerError
			if !errors.As(err, &pe) || pe.Status != status || pe.Permanent() {
				t.Fatalf("redirect %d: ack %+v, err %v (want a retryable PeerError with status %d)", status, ack, err, status)
			}
			if n := hits.Load(); n != 0 {
				t.Fatalf("the redirect target received %d requests", n)
			}
		})
	}
}

// TestOwnDocumentIDs: a peer's package may only carry its own DocumentId
// and revoke, update or replace its own documents.
func TestOwnDocumentIDs(t *testing.T) {
	peer := &Agency{OrgID: "000.00.32.H13"}
	own, other := "000.00.32.H13,2026/12/01,5/UBND", "000.00.12.H13,2026/12/01,01/QĐ-UBND"
	for _, tc := range []struct {
		name string
		doc  edxml.Document
		ok   bool
	}{
		{"Own", edxml.Document{DocumentID: own}, true},
		{"OwnAnsweringOther", edxml.Document{DocumentID: own, ResponseFor: &edxml.DocRef{DocumentID: other}}, true},
		{"ErrOthersID", edxml.Document{DocumentID: other}, false},
		{"UUID", edxml.Document{DocumentID: "5e515fca-3627-4f2e-b517-7169acdc8bda"}, true},
		{"RevokeOwnUUID", edxml.Document{DocumentID: own, Business: edxml.Business{Type: edxml.BusinessRevoke, DocumentID: "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"}}, true},
		{"ErrRevokeOthers", edxml.Document{DocumentID: own, Business: edxml.Business{Type: edxml.BusinessRevoke, DocumentID: other}}, false},
		{"RevokeOwn", edxml.Document{DocumentID: own, Business: edxml.Business{Type: edxml.BusinessRevoke, DocumentID: own}}, true},
		{"ErrUpdateOthers", edxml.Document{DocumentID: own, Business: edxml.Business{Type: edxml.BusinessUpdate, DocumentID: other}}, false},
		{"ErrReplaceOthers", edxml.Document{DocumentID: own, Business: edxml.Business{Type: edxml.BusinessReplace,
			Replaces: []edxml.Replacement{{DocumentID: other}}}}, false},
		{"ErrReplaceOthersByResponseFor", edxml.Document{DocumentID: own, Business: edxml.Business{Type: edxml.BusinessReplace},
			ResponseFor: &edxml.DocRef{DocumentID: other}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ownDocumentIDs(peer, &tc.doc)
			if (err == nil) != tc.ok || (err != nil && workflow.ErrorCode(err) != workflow.EFORBIDDEN) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			// The message says whose the identifier is.
			if msg := workflow.ErrorMessage(err); err != nil && !strings.Contains(msg, "000.00.12.H13's") {
				t.Fatalf("message %q", msg)
			}
		})
	}
}

// TestClientKeepsConnections: a Client reuses its TLS connections to a
// peer, one mutual-TLS handshake per connection in use at once, not per
// package: 30 packages one after another, then 6 rounds of 4 at once
// (the worker's default concurrency), open at most 4 connections (6 were
// seen before MaxConns: a round began before the last one's connections
// were back in the pool).
func TestClientKeepsConnections(t *testing.T) {
	ca := cert(t, "Exchange CA", true, nil, 0)
	serverCert := cert(t, "peer", false, &ca, x509.ExtKeyUsageServerAuth, "localhost", "127.0.0.1")
	clientCert := cert(t, "us", false, &ca, x509.ExtKeyUsageClientAuth)
	var conns, hits atomic.Int32
	peer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hits.Add(1)
		writeJSON(w, 200, Ack{DocumentID: "x", StatusCode: "01"})
	}))
	peer.TLS = ServerTLSConfig(serverCert)
	peer.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	peer.StartTLS()
	defer peer.Close()
	a := &Agency{OrgID: "000.00.31.H13", Endpoint: strings.Replace(peer.URL, "127.0.0.1", "localhost", 1), TLSCertPEM: certPEM(ca)}
	c := &Client{Cert: clientCert}
	body := bytes.Repeat([]byte("<edXML/>"), 4096)
	for range 30 {
		if _, err := c.Post(context.Background(), a, PathEdXML, body); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n > 4 {
		t.Errorf("30 packages one after another opened %d connections, want at most 4", n)
	}
	for range 6 {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				if _, err := c.Post(context.Background(), a, PathStatus, body); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	if h, n := hits.Load(), conns.Load(); h != 54 || n > 4 {
		t.Errorf("%d packages over %d connections, want 54 over at most 4", h, n)
	}
}
