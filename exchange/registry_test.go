package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// countingStore is a registry kept in memory that counts its reads, as
// the database another instance also writes to.
type countingStore struct {
	Store
	mu    sync.Mutex
	list  []*Agency
	reads int
	// afterRead, when set, runs once a read has its rows, before it
	// returns them (a read still under way).
	afterRead func()
}

func (s *countingStore) Agencies(context.Context) ([]*Agency, error) {
	s.mu.Lock()
	s.reads++
	out := make([]*Agency, len(s.list))
	for i, a := range s.list {
		c := *a
		out[i] = &c
	}
	after := s.afterRead
	s.mu.Unlock()
	if after != nil {
		after()
	}
	return out, nil
}

func (s *countingStore) PutAgency(_ context.Context, a *Agency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *a
	for i, x := range s.list {
		if x.OrgID == a.OrgID {
			s.list[i] = &c
			return nil
		}
	}
	s.list = append(s.list, &c)
	slices.SortFunc(s.list, func(a, b *Agency) int { return strings.Compare(a.OrgID, b.OrgID) })
	return nil
}

func (s *countingStore) Agency(_ context.Context, orgID string) (*Agency, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.list {
		if a.OrgID == orgID {
			c := *a
			return &c, nil
		}
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "agency %s", orgID)
}

func (s *countingStore) readCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

func chainOf(cs ...tls.Certificate) []*x509.Certificate {
	out := make([]*x509.Certificate, len(cs))
	for i, c := range cs {
		out[i] = c.Leaf
	}
	return out
}

func orgIDs(as []*Agency) string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.OrgID
	}
	return strings.Join(ids, ",")
}

// TestRegistryPeersAsEveryAgencyChecked: the agencies Peers finds
// through its index are those matchesTrust accepts when each registered
// agency is checked (what authentication did before the index), for
// pinned leaves, chains through a CA and an intermediate, agencies that
// share a CA, an unparseable registration and outsiders.
func TestRegistryPeersAsEveryAgencyChecked(t *testing.T) {
	root := cert(t, "Root CA", true, nil, 0)
	inter := cert(t, "Intermediate CA", true, &root, 0)
	other := cert(t, "Other CA", true, nil, 0)
	pinned := cert(t, "pinned", false, nil, x509.ExtKeyUsageClientAuth)
	underRoot := cert(t, "under root", false, &root, x509.ExtKeyUsageClientAuth)
	underInter := cert(t, "under intermediate", false, &inter, x509.ExtKeyUsageClientAuth)
	serverOnly := cert(t, "server only", false, &root, x509.ExtKeyUsageServerAuth)
	outsider := cert(t, "outsider", false, nil, x509.ExtKeyUsageClientAuth)
	registered := []*Agency{
		{OrgID: "000.00.01.H13", TLSCertPEM: certPEM(pinned)},
		{OrgID: "000.00.02.H13", TLSCertPEM: certPEM(root)},
		{OrgID: "000.00.03.H13", TLSCertPEM: certPEM(inter)},
		{OrgID: "000.00.04.H13", TLSCertPEM: certPEM(root)}, // shares the root
		{OrgID: "000.00.05.H13", TLSCertPEM: certPEM(other)},
		{OrgID: "000.00.06.H13", TLSCertPEM: "not a certificate"},
		{OrgID: "000.00.07.H13", TLSCertPEM: certPEM(underRoot) + certPEM(root)}, // pins a leaf, holds its CA too
	}
	reg := NewRegistry(&countingStore{list: registered})
	for _, tc := range []struct {
		name  string
		chain []*x509.Certificate
		at    time.Time
		want  string
	}{
		{"Pinned", chainOf(pinned), time.Now(), "000.00.01.H13"},
		{"UnderRoot", chainOf(underRoot), time.Now(), "000.00.02.H13,000.00.04.H13,000.00.07.H13"},
		{"UnderIntermediateWithItsChain", chainOf(underInter, inter), time.Now(), "000.00.02.H13,000.00.03.H13,000.00.04.H13,000.00.07.H13"},
		{"UnderIntermediateAlone", chainOf(underInter), time.Now(), "000.00.03.H13"},
		{"ServerUsageOnly", chainOf(serverOnly), time.Now(), ""},
		{"Outsider", chainOf(outsider), time.Now(), ""},
		{"PinnedExpired", chainOf(pinned), time.Now().Add(2 * time.Hour), ""},
		{"NoChain", nil, time.Now(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []*Agency
			for _, a := range registered {
				trust, err := ParseCertsPEM("test", []byte(a.TLSCertPEM))
				if err == nil && len(tc.chain) > 0 && matchesTrust(tc.chain, trust, x509.ExtKeyUsageClientAuth, "", tc.at) == nil {
					want = append(want, a)
				}
			}
			if orgIDs(want) != tc.want {
				t.Fatalf("the case itself: every agency checked accepts %q, the case says %q", orgIDs(want), tc.want)
			}
			got, err := reg.Peers(context.Background(), tc.chain, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if orgIDs(got) != tc.want {
				t.Fatalf("Peers = %q, want %q", orgIDs(got), tc.want)
			}
		})
	}
}

// TestRegistryReads: the registry is read once for the questions asked
// within TTL; an agency or a certificate it does not know is looked up
// in a registry read after the question (registered by another instance:
// found at once), and found missing after that one read; a replacement
// made elsewhere is seen once TTL has passed; PutAgency through the
// Registry, at once.
func TestRegistryReads(t *testing.T) {
	ctx := context.Background()
	first := cert(t, "first", false, nil, x509.ExtKeyUsageClientAuth)
	second := cert(t, "second", false, nil, x509.ExtKeyUsageClientAuth)
	renewed := cert(t, "first renewed", false, nil, x509.ExtKeyUsageClientAuth)
	store := &countingStore{list: []*Agency{{OrgID: "000.00.01.H13", Endpoint: "https://a:1", TLSCertPEM: certPEM(first)}}}
	reg := &Registry{Store: store, TTL: time.Hour}
	wantReads := func(n int) {
		t.Helper()
		if got := store.readCount(); got != n {
			t.Fatalf("%d reads of the registry, want %d", got, n)
		}
	}

	for range 3 {
		if a, err := reg.Agency(ctx, "000.00.01.H13"); err != nil || a.Endpoint != "https://a:1" {
			t.Fatal(a, err)
		}
		if ps, err := reg.Peers(ctx, chainOf(first), time.Now()); err != nil || orgIDs(ps) != "000.00.01.H13" {
			t.Fatal(ps, err)
		}
	}
	wantReads(1)

	// Registered elsewhere: found by its code, and by its certificate.
	if err := store.PutAgency(ctx, &Agency{OrgID: "000.00.02.H13", TLSCertPEM: certPEM(second)}); err != nil {
		t.Fatal(err)
	}
	if a, err := reg.Agency(ctx, "000.00.02.H13"); err != nil || a.OrgID != "000.00.02.H13" {
		t.Fatal(a, err)
	}
	wantReads(2)
	if ps, err := reg.Peers(ctx, chainOf(second), time.Now()); err != nil || orgIDs(ps) != "000.00.02.H13" {
		t.Fatal(ps, err)
	}
	wantReads(2)

	// Not registered: one more read each, then "no".
	_, err := reg.Agency(ctx, "000.00.09.H13")
	if workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("unknown agency: %v", err)
	}
	wantReads(3)
	outsider := cert(t, "outsider", false, nil, x509.ExtKeyUsageClientAuth)
	if ps, err := reg.Peers(ctx, chainOf(outsider), time.Now()); err != nil || len(ps) != 0 {
		t.Fatal(ps, err)
	}
	wantReads(4)

	// Replaced elsewhere: the new certificate is accepted at once (a
	// miss); the snapshot's endpoint stays until TTL has passed.
	if err := store.PutAgency(ctx, &Agency{OrgID: "000.00.01.H13", Endpoint: "https://a:2", TLSCertPEM: certPEM(renewed)}); err != nil {
		t.Fatal(err)
	}
	if a, _ := reg.Agency(ctx, "000.00.01.H13"); a.Endpoint != "https://a:1" {
		t.Fatalf("within TTL: endpoint %s, want the snapshot's", a.Endpoint)
	}
	if ps, err := reg.Peers(ctx, chainOf(renewed), time.Now()); err != nil || orgIDs(ps) != "000.00.01.H13" {
		t.Fatal(ps, err)
	}
	wantReads(5)
	if a, _ := reg.Agency(ctx, "000.00.01.H13"); a.Endpoint != "https://a:2" {
		t.Fatalf("after the miss's read: endpoint %s", a.Endpoint)
	}
	reg.TTL = time.Nanosecond
	if err := store.PutAgency(ctx, &Agency{OrgID: "000.00.01.H13", Endpoint: "https://a:3", TLSCertPEM: certPEM(renewed)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	if a, _ := reg.Agency(ctx, "000.00.01.H13"); a.Endpoint != "https://a:3" {
		t.Fatalf("past TTL: endpoint %s", a.Endpoint)
	}
	wantReads(6)

	// Through the Registry: seen at once.
	reg.TTL = time.Hour
	if err := reg.PutAgency(ctx, &Agency{OrgID: "000.00.01.H13", Endpoint: "https://a:4", TLSCertPEM: certPEM(renewed)}); err != nil {
		t.Fatal(err)
	}
	if a, _ := reg.Agency(ctx, "000.00.01.H13"); a.Endpoint != "https://a:4" {
		t.Fatalf("after PutAgency: endpoint %s", a.Endpoint)
	}
	wantReads(7)
}

// TestRegistryWithoutTTL reads the registry at each question, as the
// receiver did before (a Receiver whose Store is not a Registry).
func TestRegistryWithoutTTL(t *testing.T) {
	c := cert(t, "c", false, nil, x509.ExtKeyUsageClientAuth)
	store := &countingStore{list: []*Agency{{OrgID: "000.00.01.H13", TLSCertPEM: certPEM(c)}}}
	reg := &Registry{Store: store}
	for range 3 {
		if ps, err := reg.Peers(context.Background(), chainOf(c), time.Now()); err != nil || len(ps) != 1 {
			t.Fatal(ps, err)
		}
	}
	if _, err := reg.Agency(context.Background(), "000.00.09.H13"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatal(err)
	}
	if got := store.readCount(); got != 4 {
		t.Fatalf("%d reads, want 4 (one per question, a miss included)", got)
	}
}

// TestRegistryPutAgencyDuringARead: a read of the registry under way
// when PutAgency (through the Registry) stores a replacement is not
// reused after it: the next question reads again and sees the
// replacement.
func TestRegistryPutAgencyDuringARead(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{list: []*Agency{{OrgID: "000.00.01.H13", Endpoint: "https://a:1"}}}
	reg := &Registry{Store: store, TTL: time.Hour}
	entered, release := make(chan struct{}), make(chan struct{})
	store.afterRead = func() {
		store.afterRead = nil // the next reads do not wait
		close(entered)
		<-release
	}
	done := make(chan *Agency)
	go func() {
		a, err := reg.Agency(ctx, "000.00.01.H13")
		if err != nil {
			t.Error(err)
		}
		done <- a
	}()
	<-entered
	if err := reg.PutAgency(ctx, &Agency{OrgID: "000.00.01.H13", Endpoint: "https://a:2"}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if a := <-done; a == nil || a.Endpoint != "https://a:1" {
		t.Fatalf("the read begun before PutAgency: %+v", a)
	}
	if a, err := reg.Agency(ctx, "000.00.01.H13"); err != nil || a.Endpoint != "https://a:2" {
		t.Fatalf("after PutAgency: %+v %v", a, err)
	}
	if got := store.readCount(); got != 2 {
		t.Fatalf("%d reads, want 2", got)
	}
}

// TestServiceRegistrationReachesTheRegistry: a registration replaced
// through Service (the API's and the web's way) is seen by the Registry
// the exchange asks at once, not after its TTL.
func TestServiceRegistrationReachesTheRegistry(t *testing.T) {
	ctx := context.Background()
	c := cert(t, "peer", false, nil, x509.ExtKeyUsageClientAuth)
	a := Agency{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa", Endpoint: "https://b.example:8443",
		SigningCertPEM: certPEM(c), TLSCertPEM: certPEM(c)}
	store := &countingStore{list: []*Agency{&a}}
	reg := &Registry{Store: store, TTL: time.Hour}
	svc := &Service{Store: store, Registry: reg}
	if got, err := reg.Agency(ctx, a.OrgID); err != nil || got.Endpoint != "https://b.example:8443" {
		t.Fatal(got, err)
	}
	a.Endpoint = "https://b.example:9443"
	if _, err := svc.RegisterAgency(ctx, &workflow.User{ID: "admin", Roles: []workflow.Role{workflow.RoleAdmin}}, a); err != nil {
		t.Fatal(err)
	}
	if got, err := reg.Agency(ctx, a.OrgID); err != nil || got.Endpoint != "https://b.example:9443" {
		t.Fatalf("after RegisterAgency: %+v %v", got, err)
	}
}
