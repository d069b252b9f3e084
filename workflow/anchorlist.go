package workflow

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// The anchors' check from an AnchorLister. The listing keeps a few dozen
// bytes per anchor (AnchorEntry and a state); the walk compares each with
// the event at its position by the hash its key names. Then only the
// anchors a decision depends on are read and their signatures checked,
// a window at a time:
//
//   - restore acknowledgements (only a genuine one supersedes);
//   - every anchor the chain disagrees with (genuine: the chain was
//     rewritten; forged: rejected and ignored), and keys not of an
//     anchor's form (rejected);
//   - every anchor past the chain's end when the chain verifies (only a
//     genuine one says the database was restored);
//   - the newest anchor the chain agrees with by key, its hash then
//     compared in full (another: a disagreement), and, when it is not
//     genuine or does not agree in full, the next newest, until one is.
//     The hash chain makes that one vouch for every event before it: the
//     older agreeing anchors are not read.
//   - the newest anchor the chain records as written (EventAnchored,
//     anchorrecord.go), when it lies past that one: missing unless a
//     version of its key is a valid anchor. Every recorded anchor's key
//     must be listed (missing otherwise); that needs no read.

// anchorWindow is how many anchors are read and checked at once.
const anchorWindow = 256

type anchorState uint8

const (
	anchorUnseen    anchorState = iota // the walk did not reach its position
	anchorAgrees                       // its key names the first 16 hex digits of the event's hash
	anchorDisagrees                    // it names another
)

// listedAnchor is an AnchorEntry with its state: kept in place, not
// copied, a few dozen bytes each.
type listedAnchor = AnchorEntry

// recentAgreeing is how many of the newest anchors agreeing by key keep
// their event's full hash from the walk (older ones: eventAt).
const recentAgreeing = 4

type seqHash struct {
	seq  int64
	hash string
}

// anchorList is the anchors' check from an AnchorLister.
type anchorList struct {
	src      AnchorLister
	entries  []listedAnchor // by position; keys of another form (Seq -1) first
	next     int            // the first entry the walk has not reached
	lastSeen int64
	recent   [recentAgreeing]seqHash // a ring of the newest agreeing by key
	nrecent  int

	rep       AnchorReport
	restored  time.Time           // the latest genuine restore acknowledgement
	read      map[int]AuditAnchor // the restore acknowledgements read, by entry
	lastValid string              // the key of the last valid anchor folded
	records   anchorRecords       // the anchors the chain records as written
}

func newAnchorList(src AnchorLister, entries []AnchorEntry) *anchorList {
	l := &anchorList{src: src, entries: entries}
	sort.SliceStable(l.entries, func(i, j int) bool { return l.entries[i].Seq < l.entries[j].Seq })
	return l
}

// see compares e, the next event of the chain, with the anchors at its
// position.
func (l *anchorList) see(e *Event) {
	l.lastSeen = e.Seq
	l.records.see(e, func(a AuditAnchor) (bool, string) { return len(l.entriesOf(a)) > 0, "" })
	for l.next < len(l.entries) && l.entries[l.next].Seq <= e.Seq {
		a := &l.entries[l.next]
		l.next++
		if a.Seq != e.Seq {
			continue // a key of another form, or a gap the chain verifier reports
		}
		a.state = anchorDisagrees
		if p, ok := hashPrefix(e.Hash); ok && p == a.Prefix {
			a.state = anchorAgrees
			if l.nrecent == 0 || l.recent[(l.nrecent-1)%recentAgreeing].seq != e.Seq {
				l.recent[l.nrecent%recentAgreeing] = seqHash{e.Seq, e.Hash}
				l.nrecent++
			}
		}
	}
}

// due: an anchor not yet reached lies at or before seq.
func (l *anchorList) due(seq int64) bool {
	return l.next < len(l.entries) && l.entries[l.next].Seq <= seq
}

// judge adds the anchors' verdict to r (see anchorChecks.judge: the same
// report, from the anchors read here).
func (l *anchorList) judge(ctx context.Context, r *AuditReport, eventAt func(context.Context, int64) (*Event, error)) error {
	chainOK := r.OK
	l.rep = AnchorReport{Found: len(l.entries)}
	if err := l.readRestores(ctx); err != nil {
		return err
	}
	if err := l.readDisagreeing(ctx, chainOK); err != nil {
		return err
	}
	if err := l.findLast(ctx, eventAt); err != nil {
		return err
	}
	if b := l.rep.Broken; b != nil {
		l.rep.Behind = nil
		e, err := eventAt(ctx, b.Seq)
		if err != nil {
			return err
		}
		var lastAgree *AuditAnchor
		if l.rep.Last != nil && l.rep.Last.Seq < b.Seq {
			lastAgree = l.rep.Last
		}
		brokenReason(r, *b, e, lastAgree)
	} else if b := l.rep.Behind; b != nil {
		behindReason(r, b, l.lastSeen)
	}
	if err := l.checkNewestRecorded(ctx); err != nil {
		return err
	}
	l.records.judge(&l.rep, r)
	rep := l.rep
	r.Anchors = &rep
	return nil
}

// check reads and checks the entries at idx.
func (l *anchorList) check(ctx context.Context, idx []int) ([]AuditAnchor, error) {
	if len(idx) == 0 {
		return nil, nil
	}
	es := make([]AnchorEntry, len(idx))
	for k, i := range idx {
		es[k] = l.entries[i]
	}
	got, err := l.src.CheckAnchors(ctx, es)
	if err != nil {
		return nil, err
	}
	if len(got) != len(es) {
		return nil, fmt.Errorf("%d anchors checked of %d", len(got), len(es))
	}
	l.rep.SignaturesChecked += len(got)
	return got, nil
}

// readRestores reads the restore acknowledgements: the latest genuine
// one supersedes the anchors written before it.
func (l *anchorList) readRestores(ctx context.Context) error {
	var idx []int
	for i := range l.entries {
		if l.entries[i].Restored {
			idx = append(idx, i)
		}
	}
	got, err := l.check(ctx, idx)
	if err != nil {
		return err
	}
	l.read = make(map[int]AuditAnchor, len(idx))
	for k, i := range idx {
		x := got[k]
		l.read[i] = x
		if x.Rejected == "" && x.Restored && x.At.After(l.restored) {
			l.restored = x.At
		}
	}
	return nil
}

// readDisagreeing reads, a window at a time, the anchors the chain
// disagrees with, keys of another form, restore acknowledgements and,
// when the chain verifies, the anchors past its end; past a broken
// chain, the others are counted unchecked, unread.
func (l *anchorList) readDisagreeing(ctx context.Context, chainOK bool) error {
	idx := make([]int, 0, anchorWindow)
	flush := func() error {
		var fetch []int
		for _, i := range idx {
			if _, ok := l.read[i]; !ok {
				fetch = append(fetch, i)
			}
		}
		got, err := l.check(ctx, fetch)
		if err != nil {
			return err
		}
		for k, i := range fetch {
			l.read[i] = got[k]
		}
		for _, i := range idx {
			l.fold(&l.entries[i], l.read[i], chainOK)
			delete(l.read, i)
		}
		idx = idx[:0]
		return nil
	}
	for i := range l.entries {
		a := &l.entries[i]
		switch {
		case a.state == anchorAgrees: // findLast
			continue
		case a.Other == "" && !a.Restored && a.state == anchorUnseen && !chainOK:
			if l.newKey(i) {
				l.rep.Unchecked++
			}
			continue
		}
		idx = append(idx, i)
		if len(idx) == anchorWindow {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// newKey reports whether entry i is the first listed of its key (the
// versions of a key are listed together).
func (l *anchorList) newKey(i int) bool {
	if i == 0 {
		return true
	}
	a, b := l.entries[i-1], l.entries[i]
	a.Version, b.Version, a.state, b.state = "", "", 0, 0
	return a != b
}

// fold adds x, the anchor read at a (neither agreeing nor before a
// broken chain's end unless a restore acknowledgement), to the report.
func (l *anchorList) fold(a *listedAnchor, x AuditAnchor, chainOK bool) {
	if x.Rejected != "" {
		l.rep.Rejected = append(l.rep.Rejected, x)
		return
	}
	if x.Key == l.lastValid || a.Other != "" {
		return // another valid version of a key; or valid under another key: it cannot be
	}
	l.lastValid = x.Key
	switch {
	case a.state == anchorUnseen && !chainOK:
		l.rep.Unchecked++
	case l.superseded(x):
		l.rep.Superseded++
	case a.state == anchorDisagrees:
		if l.rep.Broken == nil {
			l.rep.Broken = &x
		}
	case l.rep.Behind == nil:
		l.rep.Behind = &x
	}
}

func (l *anchorList) superseded(x AuditAnchor) bool {
	return !l.restored.IsZero() && x.At.Before(l.restored)
}

// findLast reads the anchors the chain agrees with by key, newest first,
// until one is genuine and has the event's hash in full: Last. One with
// another hash in full is a disagreement.
func (l *anchorList) findLast(ctx context.Context, eventAt func(context.Context, int64) (*Event, error)) error {
	prevValid := ""
	for i := len(l.entries) - 1; i >= 0; i-- {
		a := &l.entries[i]
		if a.state != anchorAgrees {
			continue
		}
		x, ok := l.read[i]
		if !ok {
			got, err := l.check(ctx, []int{i})
			if err != nil {
				return err
			}
			x = got[0]
		}
		if x.Rejected != "" {
			l.rep.Rejected = append(l.rep.Rejected, x)
			continue
		}
		if x.Key == prevValid {
			continue
		}
		prevValid = x.Key
		hash, err := l.hashAt(ctx, a.Seq, eventAt)
		if err != nil {
			return err
		}
		if x.Hash == hash {
			l.rep.Last = &x
			l.rep.Checked = l.agreeingKeys(i)
			return nil
		}
		a.state = anchorDisagrees
		if l.superseded(x) {
			l.rep.Superseded++
		} else if l.rep.Broken == nil || x.Seq < l.rep.Broken.Seq {
			l.rep.Broken = &x
		}
	}
	return nil
}

// agreeingKeys counts the keys agreeing with the chain up to entry i.
func (l *anchorList) agreeingKeys(i int) int {
	n := 0
	for j := 0; j <= i; j++ {
		if l.entries[j].state == anchorAgrees && l.newKey(j) {
			n++
		}
	}
	return n
}

// hashAt is the hash of the event at seq: kept from the walk for the
// newest agreeing anchors, else read.
func (l *anchorList) hashAt(ctx context.Context, seq int64, eventAt func(context.Context, int64) (*Event, error)) (string, error) {
	for _, r := range l.recent {
		if r.seq == seq && r.hash != "" {
			return r.hash, nil
		}
	}
	e, err := eventAt(ctx, seq)
	if err != nil {
		return "", err
	}
	return e.Hash, nil
}

// entriesOf is the entries (versions) listed under a's key.
func (l *anchorList) entriesOf(a AuditAnchor) []int {
	p, ok := hashPrefix(a.Hash)
	if !ok {
		return nil
	}
	var idx []int
	i := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].Seq >= a.Seq })
	for ; i < len(l.entries) && l.entries[i].Seq == a.Seq; i++ {
		if e := l.entries[i]; e.Other == "" && e.Prefix == p && e.Restored == a.Restored {
			idx = append(idx, i)
		}
	}
	return idx
}

// checkNewestRecorded reads the newest anchor the chain records, unless
// Last lies at or past it (a genuine anchor the chain agrees with vouches
// for the events before it, and so for the records of the anchors
// before): missing when no version of its key is a valid anchor.
func (l *anchorList) checkNewestRecorded(ctx context.Context) error {
	n := l.records.newest
	if n == nil || (l.rep.Last != nil && l.rep.Last.Seq >= n.Seq) {
		return nil
	}
	got, err := l.check(ctx, l.entriesOf(*n))
	if err != nil {
		return err
	}
	why := ""
	for _, x := range got {
		if x.Rejected == "" {
			return nil
		}
		why = x.Rejected
	}
	l.records.miss(*n, l.records.newestBy, why)
	return nil
}
