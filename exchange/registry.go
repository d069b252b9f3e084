package exchange

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// DefaultRegistryTTL is how long a Registry answers from the agencies it
// read before it reads them again.
const DefaultRegistryTTL = 2 * time.Second

// Registry is Store with the connected agencies read once and indexed:
// Agency and Peers answer from that snapshot, so a delivery, a send and
// an exchange request no longer read the whole registry from the
// database, and the client certificate of a request is checked only
// against the agencies that can accept it (those pinning it, or with a CA
// named as an issuer in its chain), not against each registered one.
//
// A snapshot older than TTL is read again. What it does not find (an
// agency, or an agency for a certificate) is looked up again in a
// snapshot read after the question was asked before the answer is "no":
// an agency registered by another instance or by `vanthu agency add` is
// known at once; a registration replaced elsewhere (a new endpoint or
// certificate) is seen within TTL (the new certificate at once, as a
// miss); one stored through this Registry (PutAgency) or announced to it
// (Changed) is seen at once. Agencies (the listing) and the rest of Store
// are the store's own. The Worker and the Outbox take it as their store
// (they ask only Agency); the Receiver (Peers) and the Service (told of
// registrations, Changed) have it beside the store itself, whose other
// interfaces (the Service's queue report) a wrapper would hide.
//
// A Registry with TTL 0 reads the agencies at each call.
type Registry struct {
	Store
	TTL time.Duration // DefaultRegistryTTL when zero and the Registry was made by NewRegistry; 0 = no reuse

	snap atomic.Pointer[registrySnapshot]
	gen  atomic.Uint64 // changes announced: PutAgency through it, Changed
	mu   sync.Mutex    // one read of the agencies at a time
}

// NewRegistry is a Registry over store reusing its snapshot for
// DefaultRegistryTTL.
func NewRegistry(store Store) *Registry {
	return &Registry{Store: store, TTL: DefaultRegistryTTL}
}

// registrySnapshot is the registered agencies as read at one moment, by
// org code and by the certificates their TLS registration holds.
type registrySnapshot struct {
	read  time.Time // monotonic
	gen   uint64    // the Registry's gen when the read began
	byOrg map[string]*Agency
	// pinned: the SHA-256 of each certificate a TLS registration holds;
	// issuers: the raw subject of each CA certificate one holds (the key
	// x509 itself looks a parent up by).
	pinned  map[[32]byte][]*agencyTrust
	issuers map[string][]*agencyTrust
}

// agencyTrust is an agency with its TLS registration parsed.
type agencyTrust struct {
	a     *Agency
	trust []*x509.Certificate
}

func newSnapshot(all []*Agency, read time.Time, gen uint64) *registrySnapshot {
	s := &registrySnapshot{read: read, gen: gen, byOrg: make(map[string]*Agency, len(all)),
		pinned: map[[32]byte][]*agencyTrust{}, issuers: map[string][]*agencyTrust{}}
	for _, a := range all {
		s.byOrg[a.OrgID] = a
		trust, err := ParseCertsPEM("TLS certificate of "+a.OrgID, []byte(a.TLSCertPEM))
		if err != nil {
			continue // accepts no certificate, as before
		}
		at := &agencyTrust{a: a, trust: trust}
		for _, c := range trust {
			k := sha256.Sum256(c.Raw)
			s.pinned[k] = appendOnce(s.pinned[k], at)
			if c.IsCA {
				s.issuers[string(c.RawSubject)] = appendOnce(s.issuers[string(c.RawSubject)], at)
			}
		}
	}
	return s
}

func appendOnce(list []*agencyTrust, at *agencyTrust) []*agencyTrust {
	if slices.Contains(list, at) {
		return list
	}
	return append(list, at)
}

// current is a snapshot read at or after since (the zero time: any
// snapshot younger than TTL), and begun after the last change announced
// to this Registry.
func (r *Registry) current(ctx context.Context, since time.Time) (*registrySnapshot, error) {
	fresh := func(s *registrySnapshot) bool {
		if s == nil || s.gen != r.gen.Load() {
			return false
		}
		if !since.IsZero() {
			return !s.read.Before(since)
		}
		return r.TTL > 0 && time.Since(s.read) < r.TTL
	}
	if s := r.snap.Load(); fresh(s) {
		return s, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.snap.Load(); fresh(s) {
		return s, nil // read by another call meanwhile
	}
	read, gen := time.Now(), r.gen.Load()
	all, err := r.Store.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	s := newSnapshot(all, read, gen)
	r.snap.Store(s)
	return s, nil
}

// lookup answers find from the current snapshot, and when it finds
// nothing there, from one read after the call began.
func lookup[T any](ctx context.Context, r *Registry, find func(*registrySnapshot) (T, bool)) (T, error) {
	asked := time.Now()
	var zero T
	s, err := r.current(ctx, time.Time{})
	if err != nil {
		return zero, err
	}
	if v, ok := find(s); ok {
		return v, nil
	}
	if !s.read.Before(asked) {
		return zero, nil // read for this call: the answer is no
	}
	if s, err = r.current(ctx, asked); err != nil {
		return zero, err
	}
	v, _ := find(s)
	return v, nil
}

// Agency returns the registered agency orgID, or ENOTFOUND.
func (r *Registry) Agency(ctx context.Context, orgID string) (*Agency, error) {
	a, err := lookup(ctx, r, func(s *registrySnapshot) (*Agency, bool) {
		a, ok := s.byOrg[orgID]
		return a, ok
	})
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "agency %s is not registered", orgID)
	}
	return a, nil
}

// Peers returns the registered agencies whose TLS registration accepts
// chain (leaf first) as a client at now (matchesTrust), by org code; none
// is not an error.
func (r *Registry) Peers(ctx context.Context, chain []*x509.Certificate, now time.Time) ([]*Agency, error) {
	return lookup(ctx, r, func(s *registrySnapshot) ([]*Agency, bool) {
		peers := s.accepting(chain, now)
		return peers, len(peers) > 0
	})
}

// accepting is Peers on one snapshot. An agency can accept chain only if
// it pins the leaf or holds the CA that issued a certificate of the chain
// (x509 finds a parent by its subject, the child's issuer), so only
// those are checked.
func (s *registrySnapshot) accepting(chain []*x509.Certificate, now time.Time) []*Agency {
	if len(chain) == 0 {
		return nil
	}
	var cands []*agencyTrust
	for _, at := range s.pinned[sha256.Sum256(chain[0].Raw)] {
		cands = appendOnce(cands, at)
	}
	for _, c := range chain {
		for _, at := range s.issuers[string(c.RawIssuer)] {
			cands = appendOnce(cands, at)
		}
	}
	var peers []*Agency
	for _, at := range cands {
		if matchesTrust(chain, at.trust, x509.ExtKeyUsageClientAuth, "", now) == nil {
			peers = append(peers, at.a)
		}
	}
	slices.SortFunc(peers, func(a, b *Agency) int { return cmp.Compare(a.OrgID, b.OrgID) })
	return peers
}

// PutAgency stores a and tells the Registry (Changed).
func (r *Registry) PutAgency(ctx context.Context, a *Agency) error {
	err := r.Store.PutAgency(ctx, a)
	r.Changed()
	return err
}

// Changed makes every snapshot begun before it stale: the next question
// reads the registry again (a read under way meanwhile may not have seen
// the change). Service.RegisterAgency calls it.
func (r *Registry) Changed() { r.gen.Add(1) }
