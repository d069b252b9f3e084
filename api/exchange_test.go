package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// memExchangeStore keeps agencies and deliveries in memory.
type memExchangeStore struct {
	exchange.Store
	agencies   map[string]*exchange.Agency
	deliveries []workflow.Delivery
	statuses   []exchange.ReceivedStatus
}

func (m *memExchangeStore) PutAgency(_ context.Context, a *exchange.Agency) error {
	c := *a
	c.CreatedAt = time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	m.agencies[a.OrgID] = &c
	return nil
}

func (m *memExchangeStore) Agency(_ context.Context, id string) (*exchange.Agency, error) {
	if a, ok := m.agencies[id]; ok {
		return a, nil
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "no agency %s", id)
}

func (m *memExchangeStore) Agencies(context.Context) ([]*exchange.Agency, error) {
	var out []*exchange.Agency
	for _, a := range m.agencies {
		out = append(out, a)
	}
	return out, nil
}

func (m *memExchangeStore) Deliveries(_ context.Context, id string) ([]workflow.Delivery, error) {
	return m.deliveries, nil
}

func (m *memExchangeStore) Statuses(_ context.Context, id string) ([]exchange.ReceivedStatus, error) {
	return m.statuses, nil
}

// testCertPEM is a throwaway self-signed certificate.
var testCertPEM = func() string {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}()

func exchangeFixture(t *testing.T) (*fixture, *memExchangeStore, *workflowtest.Repository) {
	t.Helper()
	ctx := context.Background()
	repo := workflowtest.NewRepository()
	accounts := &auth.Service{Repo: repo, Cost: bcrypt.MinCost}
	docs := &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t)}
	store := &memExchangeStore{agencies: map[string]*exchange.Agency{}}
	svc := &exchange.Service{Repo: repo, Docs: docs, Store: store, Outbox: &exchange.Outbox{Agencies: store}}
	f := &fixture{tokens: map[string]string{}, ids: map[string]string{}}
	f.srv = api.New(&api.Server{Docs: docs, Accounts: accounts, Directory: repo,
		Extra: []func(g *echo.Group, s *api.Server){api.ExchangeRoutes(svc)}}, nil)
	for _, r := range []string{"admin", "clerk", "handler"} {
		u, err := accounts.CreateUser(ctx, nil, auth.NewUser{Username: r, Password: "password-" + r, Roles: []workflow.Role{workflow.Role(r)}})
		if err != nil {
			t.Fatal(err)
		}
		f.ids[r] = u.ID
		tok, _, _, err := accounts.Login(ctx, r, "password-"+r)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r] = tok
	}
	return f, store, repo
}

func TestAgenciesAPI(t *testing.T) {
	f, store, _ := exchangeFixture(t)
	good := map[string]string{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa", "endpoint": "https://127.0.0.1:8443",
		"signing_cert_pem": testCertPEM, "tls_cert_pem": testCertPEM}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name string
		user string
		body map[string]string
		want int
		msg  string
	}{
		{"201/admin", "admin", good, 201, ""},
		{"403/clerk", "clerk", good, 403, "admin"},
		{"400/bad org", "admin", with("org_id", "31"), 400, "org_id"},
		{"400/http endpoint", "admin", with("endpoint", "http://127.0.0.1:8443"), 400, "https"},
		{"400/no certificate", "admin", with("tls_cert_pem", "nope"), 400, "tls_cert_pem"},
		{"401/anonymous", "", good, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.json(t, tc.user, "POST", "/api/v1/agencies", tc.body)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.msg) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	if len(store.agencies) != 1 {
		t.Fatalf("%d agencies stored", len(store.agencies))
	}
	rec := f.json(t, "clerk", "GET", "/api/v1/agencies", nil)
	var out struct{ Items []api.AgencyJSON }
	json.Unmarshal(rec.Body.Bytes(), &out)
	if rec.Code != 200 || len(out.Items) != 1 || out.Items[0].Endpoint != "https://127.0.0.1:8443" {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	if rec := f.json(t, "handler", "GET", "/api/v1/agencies", nil); rec.Code != 403 {
		t.Fatalf("handler list: %d", rec.Code)
	}
}

func TestDeliveriesAPI(t *testing.T) {
	f, store, repo := exchangeFixture(t)
	ctx := context.Background()
	if err := repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return tx.CreateDocument(ctx, &workflow.Document{ID: "doc1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "s",
			State: workflow.Sent, Version: 1, Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public})
	}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	store.deliveries = []workflow.Delivery{
		{ID: "x1", DocumentID: "doc1", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", OrgName: "Long Hòa", State: workflow.DeliveryDelivered, Attempts: 2, LastError: "", LastStatus: "03", LastStatusAt: &at},
		{ID: "x2", DocumentID: "doc1", Kind: workflow.DeliverDocument, OrgID: "000.00.32.H13", OrgName: "An Thới", State: workflow.DeliveryPending, Attempts: 3, LastError: "connection refused", NextAttempt: at},
	}
	store.statuses = []exchange.ReceivedStatus{
		{DocumentID: "doc1", OrgID: "000.00.31.H13", Code: "01", At: at.Add(-time.Minute)},
		{DocumentID: "doc1", OrgID: "000.00.31.H13", Code: "03", At: at},
	}
	rec := f.json(t, "clerk", "GET", "/api/v1/documents/doc1/deliveries", nil)
	var out struct{ Items []api.DeliveryJSON }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	b, c := out.Items[0], out.Items[1]
	if b.LastStatus != "03" || len(b.Statuses) != 2 || b.Statuses[0].Code != "01" || b.Statuses[1].Code != "03" || b.NextAttempt != nil {
		t.Fatalf("B: %+v", b)
	}
	if c.State != "pending" || c.Attempts != 3 || c.LastError != "connection refused" || len(c.Statuses) != 0 || c.NextAttempt == nil {
		t.Fatalf("C: %+v", c)
	}
	if rec := f.json(t, "clerk", "GET", "/api/v1/documents/nope/deliveries", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("missing document: %d", rec.Code)
	}
	// Revocation decisions need a pending request.
	if rec := f.json(t, "clerk", "POST", "/api/v1/documents/doc1/revocation", map[string]any{"accept": true}); rec.Code != http.StatusConflict {
		t.Fatalf("revocation without request: %d %s", rec.Code, rec.Body)
	}
	if rec := f.json(t, "clerk", "POST", "/api/v1/documents/doc1/revoke", map[string]any{"reason": ""}); rec.Code != http.StatusBadRequest {
		t.Fatalf("revoke without reason: %d %s", rec.Code, rec.Body)
	}
}

// TestRevocationRefusalsNameTheirField: the revocation routes' refusals
// name the field of their body. Before, a revoke without its reason said
// "a revocation needs its reason in comment", field comment (a field
// these routes do not have), a reason with a control character or too
// long likewise, and a decision without accept named no field.
func TestRevocationRefusalsNameTheirField(t *testing.T) {
	f, _, repo := exchangeFixture(t)
	if err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		return tx.CreateDocument(ctx, &workflow.Document{ID: "doc1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "s",
			State: workflow.Sent, Version: 1, Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public})
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		body       map[string]any
		field      string
	}{
		{"revoke/no reason", "revoke", map[string]any{"reason": ""}, "reason"},
		{"revoke/control character", "revoke", map[string]any{"reason": "sai\x00sót"}, "reason"},
		{"revoke/too long", "revoke", map[string]any{"reason": strings.Repeat("a", workflow.MaxComment+1)}, "reason"},
		{"revocation/no accept", "revocation", map[string]any{"reason": "x"}, "accept"},
		{"revocation/control character", "revocation", map[string]any{"accept": false, "reason": "\x01"}, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.json(t, "clerk", "POST", "/api/v1/documents/doc1/"+tt.path, tt.body)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d %s, want 400", rec.Code, rec.Body)
			}
			if e := decodeErr(t, rec); e.Error.Field != tt.field || strings.Contains(e.Error.Message, "comment") {
				t.Errorf("error %+v, want field %q and no word of a comment", e.Error, tt.field)
			}
		})
	}
}

// TestAgencyRefusalsNameTheirFields: an agency's registration names each
// field at fault, every one at once ("fields" when two or more, in the
// order org_id, name, endpoint, signing_cert_pem, tls_cert_pem). Before:
// the first problem only, with no field (the API probe).
func TestAgencyRefusalsNameTheirFields(t *testing.T) {
	f, _, _ := exchangeFixture(t)
	good := map[string]string{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa", "endpoint": "https://127.0.0.1:8443",
		"signing_cert_pem": testCertPEM, "tls_cert_pem": testCertPEM}
	for _, tc := range []struct {
		name   string
		change map[string]string
		fields []string
	}{
		{"org", map[string]string{"org_id": "31"}, []string{"org_id"}},
		{"name", map[string]string{"name": "  "}, []string{"name"}},
		{"endpoint", map[string]string{"endpoint": "http://127.0.0.1:8443"}, []string{"endpoint"}},
		{"signing certificate", map[string]string{"signing_cert_pem": "nope"}, []string{"signing_cert_pem"}},
		{"everything", map[string]string{"org_id": "", "name": "", "endpoint": "ftp://x", "signing_cert_pem": "", "tls_cert_pem": "x"},
			[]string{"org_id", "name", "endpoint", "signing_cert_pem", "tls_cert_pem"}},
		{"two", map[string]string{"endpoint": "https://x/path", "tls_cert_pem": ""}, []string{"endpoint", "tls_cert_pem"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]string{}
			for k, v := range good {
				body[k] = v
			}
			for k, v := range tc.change {
				body[k] = v
			}
			rec := f.json(t, "admin", "POST", "/api/v1/agencies", body)
			var e struct {
				Error struct {
					Code, Field string
					Fields      []struct{ Field, Message string }
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != 400 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if e.Error.Code != "invalid" || e.Error.Field != tc.fields[0] {
				t.Fatalf("error %+v, want invalid on %s", e.Error, tc.fields[0])
			}
			var got []string
			for _, p := range e.Error.Fields {
				got = append(got, p.Field)
			}
			if len(tc.fields) > 1 && !slices.Equal(got, tc.fields) || len(tc.fields) == 1 && got != nil {
				t.Fatalf("fields %v, want %v", got, tc.fields)
			}
		})
	}
}
