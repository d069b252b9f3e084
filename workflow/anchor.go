package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// AuditAnchor is a checkpoint of the audit chain written, signed with the
// agency key, into the write-once archive store (archive/anchor.go): the
// chain had Seq events and the last one's hash was Hash at time At. Who
// can rewrite the database and recompute the whole chain cannot change
// an anchor, nor forge one without the agency key: VerifyAudit checks
// the event at every anchor's position against it.
type AuditAnchor struct {
	Key      string    `json:"key"` // the object's key in the archive store
	Seq      int64     `json:"seq"`
	Hash     string    `json:"hash"`
	At       time.Time `json:"at"`
	Instance string    `json:"instance,omitempty"` // the instance that wrote it
	// Restored marks an anchor written by `vanthu audit anchor --restored`
	// after the database was restored to an earlier backup: the key holder
	// accepts the chain as it is then, and the anchors written before it
	// that the chain no longer reaches or agrees with are superseded.
	Restored bool `json:"restored,omitempty"`
	// TimeStamped: the signature carries an RFC 3161 time-stamp token.
	TimeStamped bool `json:"time_stamped,omitempty"`
	// Revocation is the revocation status of the signer's certificate
	// when it was checked: good, not_applicable (it names no OCSP
	// responder or CRL), revoked (after the anchor's trusted time-stamp),
	// not_checked (revocation checking off by configuration); "" when not
	// read or no checker is configured.
	Revocation string `json:"revocation,omitempty"`
	// Rejected says why the object is not a valid anchor (no signature,
	// a signature that does not verify, a signer other than the agency);
	// "" for a valid one. Rejected anchors are reported and ignored.
	Rejected string `json:"rejected,omitempty"`
}

// AnchorSource lists the audit chain's anchors. archive.Anchors
// implements it over the archive store.
type AnchorSource interface {
	// AuditAnchors returns every anchor object found in the store, each
	// with its signature checked (Rejected set when it does not verify).
	// EUNAVAILABLE when the store cannot be read.
	AuditAnchors(ctx context.Context) ([]AuditAnchor, error)
}

// AnchorLister is implemented by anchor sources that can list their
// anchors, unchecked, from their keys alone (archive.Anchors) and read
// and check the few a verdict depends on. VerifyAudit then keeps a few
// dozen bytes per anchor, compares each with the event at its position
// by the hash its key names while it walks the chain, and checks the
// signatures of those alone (anchorlist.go).
type AnchorLister interface {
	// ListAnchors lists the anchor objects (every version of each on a
	// store that keeps versions), unchecked. EUNAVAILABLE when the store
	// cannot be read.
	ListAnchors(ctx context.Context) ([]AnchorEntry, error)
	// CheckAnchors reads and checks the objects of entries (as
	// AuditAnchors does): one anchor each, in their order, Rejected set
	// when it is not a valid one.
	CheckAnchors(ctx context.Context, entries []AnchorEntry) ([]AuditAnchor, error)
}

// AnchorEntry is an anchor object as its key names it, unchecked.
type AnchorEntry struct {
	Seq      int64       // the position the key names; -1 when the key is not of an anchor's form
	Prefix   uint64      // the head hash's first 16 hex digits the key names
	Restored bool        // the key is a restore acknowledgement's
	Version  string      // the object's version ("" on stores without)
	Other    string      // the key, when it is not of an anchor's form
	state    anchorState // what VerifyAudit's walk found at its position (anchorlist.go)
}

// hashPrefix is the first 16 hex digits of hash, as AnchorEntry.Prefix.
func hashPrefix(hash string) (uint64, bool) {
	if len(hash) < 16 {
		return 0, false
	}
	var p uint64
	for i := range 16 {
		c := hash[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		p = p<<4 | uint64(c)
	}
	return p, true
}

// AnchorReport is what VerifyAudit found about the anchors.
type AnchorReport struct {
	Found int `json:"found"` // anchor objects (versions) in the store
	// Checked: anchors the chain agrees with, up to Last. From an
	// AnchorLister, only Last's signature is checked among them (the
	// hash chain makes it vouch for every event before it); the others
	// agree by the hash their key names.
	Checked    int `json:"checked"`
	Superseded int `json:"superseded"` // valid anchors a later restore acknowledgement replaced
	// Unchecked: anchors past the chain's first broken event (from an
	// AnchorLister, not read: counted by key).
	Unchecked int `json:"unchecked"`
	// SignaturesChecked: the anchor objects (versions) whose signature
	// this verify needed, read and checked (or checked before by the same
	// process: archive.Anchors remembers a version). From an
	// AnchorLister, those a decision depends on; else all.
	SignaturesChecked int           `json:"signatures_checked"`
	Rejected          []AuditAnchor `json:"rejected,omitempty"` // not valid anchors: ignored
	// Last is the agreeing anchor furthest along the chain.
	Last *AuditAnchor `json:"last,omitempty"`
	// Broken is the first anchor (lowest position) whose hash the event
	// at its position does not have: the chain was rewritten.
	Broken *AuditAnchor `json:"broken,omitempty"`
	// Behind is the first anchor past the chain's end: the database was
	// restored to an earlier backup (or its newest events removed).
	Behind *AuditAnchor `json:"behind,omitempty"`
	// Recorded: anchors the chain records as written (EventAnchored
	// events walked; 0 for a chain from before they were recorded).
	Recorded int `json:"recorded"`
	// Missing: anchors the chain records but the store does not hold, or
	// holds with content that is not a valid anchor (Rejected says which):
	// deleted or replaced. Any makes the chain fail.
	Missing []AuditAnchor `json:"missing,omitempty"`
}

// anchorChecks compares the events VerifyAudit walks with the anchors.
// Its memory is that of the anchors, not of the chain.
type anchorChecks struct {
	report   AnchorReport
	valid    []*anchorCheck // sorted by Seq
	next     int            // the first of valid not yet reached
	restored time.Time      // the latest restore acknowledgement (zero: none)
	lastSeen int64
	// brokenAt is the stored event at Broken's position.
	brokenAt *Event
	records  anchorRecords
	// validKeys: the valid anchors' keys; rejectedKeys: why the objects
	// of the others were rejected.
	validKeys, rejectedKeys map[string]string
}

type anchorCheck struct {
	AuditAnchor
	seen, agrees bool
}

func newAnchorChecks(found []AuditAnchor) *anchorChecks {
	c := &anchorChecks{report: AnchorReport{Found: len(found), SignaturesChecked: len(found)},
		validKeys: map[string]string{}, rejectedKeys: map[string]string{}}
	for _, a := range found {
		if a.Rejected != "" {
			c.report.Rejected = append(c.report.Rejected, a)
			c.rejectedKeys[a.Key] = a.Rejected
			continue
		}
		c.validKeys[a.Key] = ""
		if a.Restored && a.At.After(c.restored) {
			c.restored = a.At
		}
		c.valid = append(c.valid, &anchorCheck{AuditAnchor: a})
	}
	sort.SliceStable(c.valid, func(i, j int) bool { return c.valid[i].Seq < c.valid[j].Seq })
	return c
}

// superseded reports whether a restore acknowledgement came after a.
func (c *anchorChecks) superseded(a *anchorCheck) bool {
	return !c.restored.IsZero() && a.At.Before(c.restored)
}

// see checks e, the next event of the chain, against the anchors at its
// position.
func (c *anchorChecks) see(e *Event) {
	if c == nil {
		return
	}
	c.lastSeen = e.Seq
	c.records.see(e, func(a AuditAnchor) (bool, string) {
		_, ok := c.validKeys[a.Key]
		return ok, c.rejectedKeys[a.Key]
	})
	for c.next < len(c.valid) && c.valid[c.next].Seq <= e.Seq {
		a := c.valid[c.next]
		c.next++
		if a.Seq != e.Seq {
			continue // a gap: the chain verifier reports it
		}
		a.seen, a.agrees = true, a.Hash == e.Hash
		if !a.agrees && c.brokenAt == nil && !c.superseded(a) {
			ev := *e
			c.brokenAt = &ev
		}
	}
}

// judge adds the anchors' verdict to r: the first anchor the chain
// disagrees with breaks it (named with the event at its position); else
// an anchor past the chain's end, reported as a restore (r.OK false,
// no FirstBroken, the reason says so).
func (c *anchorChecks) judge(r *AuditReport) {
	if c == nil {
		return
	}
	chainOK := r.OK
	var lastAgree *AuditAnchor
	for _, a := range c.valid {
		switch {
		case a.seen && a.agrees:
			c.report.Checked++
			aa := a.AuditAnchor
			lastAgree, c.report.Last = &aa, &aa
		case !a.seen && !chainOK:
			c.report.Unchecked++
		case c.superseded(a):
			c.report.Superseded++
		case a.seen && c.report.Broken == nil:
			aa := a.AuditAnchor
			c.report.Broken = &aa
			if c.brokenAt != nil {
				brokenReason(r, aa, c.brokenAt, lastAgree)
			}
		case !a.seen && c.report.Behind == nil && c.report.Broken == nil:
			aa := a.AuditAnchor
			c.report.Behind = &aa
		}
	}
	if b := c.report.Behind; b != nil && c.report.Broken == nil {
		behindReason(r, b, c.lastSeen)
	}
	c.records.judge(&c.report, r)
	rep := c.report
	r.Anchors = &rep
}

// behindReason makes r say that b lies past the chain's end, at
// lastSeen: no stored event is wrong, the ones anchored are missing.
func behindReason(r *AuditReport, b *AuditAnchor, lastSeen int64) {
	r.OK = false
	r.FirstBroken = nil
	r.Reason = fmt.Sprintf("the chain ends at event %d but anchor %s (written %s) records event %d: "+
		"the database was restored to an earlier backup, or its newest events were removed; events %d to %d are not in it. "+
		"After a restore you made, record it with `vanthu audit anchor --restored`",
		lastSeen, b.Key, b.At.UTC().Format(time.RFC3339), b.Seq, lastSeen+1, b.Seq)
}

// brokenReason makes r name a, the first anchor the chain disagrees with,
// and e, the event at its position, unless the chain broke before it.
// lastAgree: an agreeing anchor before a (nil: none known).
func brokenReason(r *AuditReport, a AuditAnchor, e *Event, lastAgree *AuditAnchor) {
	if r.FirstBroken != nil && r.FirstBroken.Seq < e.Seq {
		return
	}
	since := ""
	if lastAgree != nil {
		since = fmt.Sprintf(" and after event %d, which anchor %s confirms", lastAgree.Seq, lastAgree.Key)
	}
	later := ""
	if e.At.After(a.At) {
		later = "; the stored event is dated after the anchor was written: the database was restored to an earlier backup " +
			"and the chain grew again (record a restore you made with `vanthu audit anchor --restored`), or the event was forged"
	}
	r.OK = false
	r.FirstBroken = e
	r.Reason = fmt.Sprintf("anchor %s (written %s by %s) records hash %s for event %d but the stored event has hash %s: "+
		"the chain was rewritten at or before event %d%s%s",
		a.Key, a.At.UTC().Format(time.RFC3339), a.Instance, a.Hash, a.Seq, e.Hash, a.Seq, since, later)
}

// anchorRun is the anchors' check beside VerifyAudit's walk: from an
// AnchorLister (list), else from the anchors the source read and checked
// before the walk (checks).
type anchorRun struct {
	checks *anchorChecks
	list   *anchorList
}

// startAnchors starts the anchors' check (nil: no anchors configured).
func (s *Service) startAnchors(ctx context.Context) (*anchorRun, error) {
	if s.Anchors == nil {
		return nil, nil
	}
	if l, ok := s.Anchors.(AnchorLister); ok {
		entries, err := l.ListAnchors(ctx)
		if err != nil {
			return nil, err
		}
		return &anchorRun{list: newAnchorList(l, entries)}, nil
	}
	found, err := s.Anchors.AuditAnchors(ctx)
	if err != nil {
		return nil, err
	}
	return &anchorRun{checks: newAnchorChecks(found)}, nil
}

// see takes e, the next event of the chain walked.
func (r *anchorRun) see(e *Event) {
	switch {
	case r == nil:
	case r.list != nil:
		r.list.see(e)
	default:
		r.checks.see(e)
	}
}

// seeStored is see for s, an event as stored, decoded only when an
// anchor lies at or before its position (the others need its position
// alone).
func (r *anchorRun) seeStored(s *StoredEvent) error {
	switch {
	case r == nil:
		return nil
	case bytes.Equal(s.Kind, anchoredKind):
		// An anchor recorded: decoded, whatever its position.
	case r.list != nil && !r.list.due(s.Seq):
		r.list.lastSeen = s.Seq
		return nil
	case r.list == nil && !r.checks.due(s.Seq):
		if r.checks != nil {
			r.checks.lastSeen = s.Seq
		}
		return nil
	}
	e, err := s.Event()
	if err != nil {
		return err
	}
	r.see(&e)
	return nil
}

var anchoredKind = []byte(EventAnchored)

// due: an anchor not yet reached lies at or before seq.
func (c *anchorChecks) due(seq int64) bool {
	return c != nil && c.next < len(c.valid) && c.valid[c.next].Seq <= seq
}

// judge adds the anchors' verdict to rep once the walk is over; eventAt
// reads an event the verdict names.
func (r *anchorRun) judge(ctx context.Context, rep *AuditReport, eventAt func(context.Context, int64) (*Event, error)) error {
	switch {
	case r == nil:
	case r.list != nil:
		return r.list.judge(ctx, rep, eventAt)
	default:
		r.checks.judge(rep)
	}
	return nil
}

// eventAt reads the event at position seq (a walk up to it: only when
// an anchor disagrees with the chain).
func (s *Service) eventAt(ctx context.Context, seq int64) (*Event, error) {
	var got *Event
	errFound := errors.New("found")
	err := s.Repo.WalkEvents(ctx, func(e Event) error {
		if e.Seq == seq {
			got = &e
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, err
	}
	if got == nil {
		return nil, Errorf(ENOTFOUND, "no audit event %d", seq)
	}
	return got, nil
}
