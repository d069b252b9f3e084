package workflow

import (
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

// AnchorPositioner is implemented by anchor sources that know where their
// anchors lie in the chain before checking them (archive.Anchors: from
// their keys). VerifyAudit then checks them while it walks the chain,
// keeping the events at those positions only.
type AnchorPositioner interface {
	// AnchorPositions lists the anchors and returns the positions they
	// name (unchecked), and check, which reads and checks the anchors of
	// that listing (as AuditAnchors does). EUNAVAILABLE when the store
	// cannot be read.
	AnchorPositions(ctx context.Context) (positions []int64, check func(context.Context) ([]AuditAnchor, error), err error)
}

// AnchorReport is what VerifyAudit found about the anchors.
type AnchorReport struct {
	Found      int `json:"found"`      // anchor objects in the store
	Checked    int `json:"checked"`    // valid anchors the chain agrees with
	Superseded int `json:"superseded"` // valid anchors a later restore acknowledgement replaced
	// Unchecked: valid anchors past the chain's first broken event.
	Unchecked int           `json:"unchecked"`
	Rejected  []AuditAnchor `json:"rejected,omitempty"` // not valid anchors: ignored
	// Last is the agreeing anchor furthest along the chain.
	Last *AuditAnchor `json:"last,omitempty"`
	// Broken is the first anchor (lowest position) whose hash the event
	// at its position does not have: the chain was rewritten.
	Broken *AuditAnchor `json:"broken,omitempty"`
	// Behind is the first anchor past the chain's end: the database was
	// restored to an earlier backup (or its newest events removed).
	Behind *AuditAnchor `json:"behind,omitempty"`
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
}

type anchorCheck struct {
	AuditAnchor
	seen, agrees bool
}

func newAnchorChecks(found []AuditAnchor) *anchorChecks {
	c := &anchorChecks{report: AnchorReport{Found: len(found)}}
	for _, a := range found {
		if a.Rejected != "" {
			c.report.Rejected = append(c.report.Rejected, a)
			continue
		}
		if a.Restored && a.At.After(c.restored) {
			c.restored = a.At
		}
		c.valid = append(c.valid, &anchorCheck{AuditAnchor: a})
	}
	sort.SliceStable(c.valid, func(i, j int) bool { return c.valid[i].Seq < c.valid[j].Seq })
	return c
}

// match compares the anchors with the events kept at their positions
// (at: nil where the chain did not reach) and returns the position of the
// first anchor the chain disagrees with (0: none), whose event the
// caller gives brokenAt.
func (c *anchorChecks) match(at map[int64]*keptEvent, lastSeen int64) int64 {
	c.lastSeen = lastSeen
	var first int64
	for _, a := range c.valid {
		e := at[a.Seq]
		if e == nil {
			continue
		}
		a.seen, a.agrees = true, a.Hash == e.Hash
		if !a.agrees && first == 0 && !c.superseded(a) {
			first = a.Seq
		}
	}
	return first
}

// keptEvent is what VerifyAudit keeps of an event at an anchor's
// position while it walks the chain.
type keptEvent struct {
	Hash string
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
			c.brokenReason(r, a, lastAgree)
		case !a.seen && c.report.Behind == nil && c.report.Broken == nil:
			aa := a.AuditAnchor
			c.report.Behind = &aa
		}
	}
	if b := c.report.Behind; b != nil && c.report.Broken == nil {
		r.OK = false
		r.FirstBroken = nil // no stored event is wrong: the ones anchored are missing
		r.Reason = fmt.Sprintf("the chain ends at event %d but anchor %s (written %s) records event %d: "+
			"the database was restored to an earlier backup, or its newest events were removed; events %d to %d are not in it. "+
			"After a restore you made, record it with `vanthu audit anchor --restored`",
			c.lastSeen, b.Key, b.At.UTC().Format(time.RFC3339), b.Seq, c.lastSeen+1, b.Seq)
	}
	rep := c.report
	r.Anchors = &rep
}

// brokenReason makes r name a, the first anchor the chain disagrees with,
// and the event at its position, unless the chain broke before it.
func (c *anchorChecks) brokenReason(r *AuditReport, a *anchorCheck, lastAgree *AuditAnchor) {
	e := c.brokenAt
	if e == nil || (r.FirstBroken != nil && r.FirstBroken.Seq < e.Seq) {
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

// anchorRun is the anchors' check beside VerifyAudit's walk: before it
// (checks set, at nil), or during it (at: the events kept at the
// anchors' positions, found when done is closed).
type anchorRun struct {
	checks   *anchorChecks
	at       map[int64]*keptEvent
	lastSeen int64
	done     chan struct{}
	found    []AuditAnchor
	err      error
}

// startAnchors starts the anchors' check (nil: no anchors configured).
func (s *Service) startAnchors(ctx context.Context) (*anchorRun, error) {
	if s.Anchors == nil {
		return nil, nil
	}
	r := &anchorRun{}
	p, ok := s.Anchors.(AnchorPositioner)
	if !ok {
		found, err := s.Anchors.AuditAnchors(ctx)
		if err != nil {
			return nil, err
		}
		r.checks = newAnchorChecks(found)
		return r, nil
	}
	pos, check, err := p.AnchorPositions(ctx)
	if err != nil {
		return nil, err
	}
	r.at = make(map[int64]*keptEvent, len(pos))
	for _, q := range pos {
		r.at[q] = nil
	}
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		r.found, r.err = check(ctx)
	}()
	return r, nil
}

// see takes e, the next event of the chain walked.
func (r *anchorRun) see(e *Event) {
	switch {
	case r == nil:
	case r.at == nil:
		r.checks.see(e)
	default:
		r.lastSeen = e.Seq
		if _, ok := r.at[e.Seq]; ok {
			r.at[e.Seq] = &keptEvent{Hash: e.Hash}
		}
	}
}

// wait waits for the anchors read beside the walk.
func (r *anchorRun) wait() {
	if r != nil && r.done != nil {
		<-r.done
	}
}

// finish returns the anchors' checks once the walk is over; eventAt
// reads the event at the first anchor the chain disagrees with.
func (r *anchorRun) finish(ctx context.Context, eventAt func(context.Context, int64) (*Event, error)) (*anchorChecks, error) {
	if r == nil || r.at == nil {
		return r.checksOrNil(), nil
	}
	r.wait()
	if r.err != nil {
		return nil, r.err
	}
	c := newAnchorChecks(r.found)
	if seq := c.match(r.at, r.lastSeen); seq != 0 {
		e, err := eventAt(ctx, seq)
		if err != nil {
			return nil, err
		}
		c.brokenAt = e
	}
	return c, nil
}

func (r *anchorRun) checksOrNil() *anchorChecks {
	if r == nil {
		return nil
	}
	return r.checks
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
