package workflow

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// EventAnchored records in the chain itself that an anchor was written
// into the archive store (archive.Anchors, after the object is stored):
// Data key (the object's key), seq and hash (the head it anchors),
// restored ("true" for a restore acknowledgement), instance. The chain
// then says which anchors must exist: VerifyAudit reports one it records
// but the store lacks, or holds with content that is not a valid anchor,
// as missing (not ok). Neither the database alone (the events) nor the
// store alone (the objects) decides: an anchor deleted from the store is
// named by the event; the event cannot be removed without rewriting the
// chain before the anchors that follow it, which they show.
const EventAnchored EventKind = "audit_anchored"

// anchorRecordEvent is the event recording a, written at time at.
func anchorRecordEvent(a AuditAnchor, at time.Time) *Event {
	data := map[string]string{"key": a.Key, "seq": strconv.FormatInt(a.Seq, 10), "hash": a.Hash}
	if a.Restored {
		data["restored"] = "true"
	}
	if a.Instance != "" {
		data["instance"] = a.Instance
	}
	return &Event{Kind: EventAnchored, At: at, Data: data}
}

// RecordAnchor appends the event recording a, an anchor just written
// (EventAnchored), and returns it, chained (its Seq and Hash set).
func (s *Service) RecordAnchor(ctx context.Context, a AuditAnchor) (*Event, error) {
	if a.Key == "" || a.Seq <= 0 {
		return nil, Errorf(EINVALID, "no anchor to record")
	}
	e := anchorRecordEvent(a, s.now())
	if err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
		return nil, fmt.Errorf("record audit anchor %s: %w", a.Key, err)
	}
	return e, nil
}

// RecordedAnchor is the anchor e records as written (EventAnchored), and
// whether it is such an event.
func RecordedAnchor(e *Event) (AuditAnchor, bool) {
	if e.Kind != EventAnchored || e.Data["key"] == "" {
		return AuditAnchor{}, false
	}
	seq, _ := strconv.ParseInt(e.Data["seq"], 10, 64)
	return AuditAnchor{Key: e.Data["key"], Seq: seq, Hash: e.Data["hash"], At: e.At,
		Instance: e.Data["instance"], Restored: e.Data["restored"] == "true"}, true
}

// anchorRecords follows the anchors the chain records as written while
// VerifyAudit walks it: each must be in the store (present); the newest
// one's content is checked after the walk, the anchors after it vouching
// for the older ones as for the events.
type anchorRecords struct {
	recorded int
	missing  []AuditAnchor
	newest   *AuditAnchor // the newest recorded anchor the store lists
	newestBy int64        // the event recording it
}

// see takes e, an event of the chain; present says whether the store
// holds the anchor it records (else why not: "" when it holds no object
// under its key).
func (r *anchorRecords) see(e *Event, present func(AuditAnchor) (bool, string)) {
	a, ok := RecordedAnchor(e)
	if !ok {
		return
	}
	r.recorded++
	if ok, why := present(a); !ok {
		r.miss(a, e.Seq, why)
		return
	}
	r.newest, r.newestBy = &a, e.Seq
}

// miss adds a, recorded by event seq, as missing: not in the store, or
// held there with content that is not a valid anchor (why).
func (r *anchorRecords) miss(a AuditAnchor, seq int64, why string) {
	a.Rejected = fmt.Sprintf("event %d records it as written; the archive store does not hold it", seq)
	if why != "" {
		a.Rejected = fmt.Sprintf("event %d records it as written; the archive store holds under its key no valid anchor (%s)", seq, why)
	}
	r.missing = append(r.missing, a)
}

// judge adds the missing anchors to rep and r (not ok, the reason naming
// the first unless the chain is broken already).
func (r *anchorRecords) judge(rep *AnchorReport, ar *AuditReport) {
	rep.Recorded = r.recorded
	rep.Missing = r.missing
	if len(r.missing) == 0 {
		return
	}
	sort.SliceStable(rep.Missing, func(i, j int) bool { return rep.Missing[i].Seq < rep.Missing[j].Seq })
	m := rep.Missing[0]
	ar.OK = false
	if ar.Reason == "" {
		ar.Reason = fmt.Sprintf("anchor %s of event %d (written %s by %s) is missing from the archive store: %s. "+
			"Anchors are written once and kept for ever: it was deleted or replaced, and with it the evidence it held",
			m.Key, m.Seq, m.At.UTC().Format(time.RFC3339), m.Instance, m.Rejected)
		if n := len(rep.Missing); n > 1 {
			ar.Reason += fmt.Sprintf(" (%d recorded anchors are missing)", n)
		}
	}
}
