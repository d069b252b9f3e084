package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestRegistryInstancesSharingADatabase: two instances on one database
// (SQLite file; PostgreSQL when VANTHU_TEST_DATABASE_URL is set). An
// agency the other instance registers is known at once, by its code and
// by its certificate; a replacement the other makes is seen once the
// snapshot has aged past TTL.
func TestRegistryInstancesSharingADatabase(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			ctx := context.Background()
			first := cert(t, "first", false, nil, x509.ExtKeyUsageClientAuth)
			second := cert(t, "second", false, nil, x509.ExtKeyUsageClientAuth)
			if err := dbs[0].PutAgency(ctx, &Agency{OrgID: "000.00.01.H13", Name: "A", Endpoint: "https://a:1", TLSCertPEM: certPEM(first)}); err != nil {
				t.Fatal(err)
			}
			reg := &Registry{Store: dbs[0], TTL: time.Hour}
			if a, err := reg.Agency(ctx, "000.00.01.H13"); err != nil || a.Endpoint != "https://a:1" {
				t.Fatal(a, err)
			}
			if err := dbs[1].PutAgency(ctx, &Agency{OrgID: "000.00.02.H13", Name: "B", Endpoint: "https://b:1", TLSCertPEM: certPEM(second)}); err != nil {
				t.Fatal(err)
			}
			if ps, err := reg.Peers(ctx, chainOf(second), time.Now()); err != nil || orgIDs(ps) != "000.00.02.H13" {
				t.Fatalf("registered by the other instance, by certificate: %q %v", orgIDs(ps), err)
			}
			if a, err := reg.Agency(ctx, "000.00.02.H13"); err != nil || a.Endpoint != "https://b:1" {
				t.Fatal(a, err)
			}
			if err := dbs[1].PutAgency(ctx, &Agency{OrgID: "000.00.02.H13", Name: "B", Endpoint: "https://b:2", TLSCertPEM: certPEM(second)}); err != nil {
				t.Fatal(err)
			}
			if a, _ := reg.Agency(ctx, "000.00.02.H13"); a.Endpoint != "https://b:1" {
				t.Fatalf("within TTL: %s, want the snapshot's", a.Endpoint)
			}
			reg.TTL = time.Millisecond
			time.Sleep(2 * time.Millisecond)
			if a, _ := reg.Agency(ctx, "000.00.02.H13"); a.Endpoint != "https://b:2" {
				t.Fatalf("past TTL: %s", a.Endpoint)
			}
		})
	}
}

// everyAgency is how the receiver authenticated a request before the
// Registry (798f9f7): every registered agency read, and the client
// certificate checked against each one's registration.
func everyAgency(ctx context.Context, s Store, chain []*x509.Certificate, now time.Time) ([]*Agency, error) {
	all, err := s.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	var peers []*Agency
	for _, a := range all {
		trust, err := ParseCertsPEM("TLS certificate of "+a.OrgID, []byte(a.TLSCertPEM))
		if err != nil {
			continue
		}
		if matchesTrust(chain, trust, x509.ExtKeyUsageClientAuth, "", now) == nil {
			peers = append(peers, a)
		}
	}
	return peers, nil
}

// BenchmarkAgencyAuthentication finds the agency an exchange request's
// client certificate stands for, with n agencies registered: as before
// the Registry (everyAgency), through a Registry that reads the agencies
// at each request (TTL 0: what a Receiver not wired to one does), and
// through the Registry serve wires (its snapshot reused).
func BenchmarkAgencyAuthentication(b *testing.B) {
	for _, backend := range gormdbtest.Backends {
		for _, n := range []int{1, 30, 300} {
			b.Run(fmt.Sprintf("%s/agencies=%d", backend, n), func(b *testing.B) {
				db := gormdbtest.Open(b, backend)
				ctx := context.Background()
				var last tls.Certificate
				for i := range n {
					// pinned, as a development TLS certificate is registered
					last = cert(b, fmt.Sprintf("agency %d", i), false, nil, x509.ExtKeyUsageClientAuth)
					a := &Agency{OrgID: fmt.Sprintf("000.00.%02d.H%02d", i%100, i/100), Name: "A", Endpoint: "https://a:1",
						SigningCertPEM: certPEM(last), TLSCertPEM: certPEM(last)}
					if err := db.PutAgency(ctx, a); err != nil {
						b.Fatal(err)
					}
				}
				chain := chainOf(last)
				for _, m := range []struct {
					name  string
					peers func(ctx context.Context, chain []*x509.Certificate, now time.Time) ([]*Agency, error)
				}{
					{"everyAgency", func(ctx context.Context, chain []*x509.Certificate, now time.Time) ([]*Agency, error) {
						return everyAgency(ctx, db, chain, now)
					}},
					{"registryTTL0", (&Registry{Store: db}).Peers},
					{"registry", NewRegistry(db).Peers},
				} {
					b.Run(m.name, func(b *testing.B) {
						for b.Loop() {
							if ps, err := m.peers(ctx, chain, time.Now()); err != nil || len(ps) != 1 {
								b.Fatal(len(ps), err)
							}
						}
					})
				}
			})
		}
	}
}

var _ Store = (*gormdb.DB)(nil)
