package workflow

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// EventKind says what an audit event records.
type EventKind string

const (
	EventCreate      EventKind = "create"
	EventUpload      EventKind = "upload"
	EventTransition  EventKind = "transition"
	EventLoginFailed EventKind = "login_failed"
	// EventLoginThrottled: repeated failures locked an account or a client
	// address (one event per lockout, with counts, instead of one per guess).
	EventLoginThrottled EventKind = "login_throttled"
	EventUser           EventKind = "user"
	// EventPasswordChanged: a user changed their own password (the data
	// say how many of their other sessions ended; never a secret).
	EventPasswordChanged EventKind = "password_changed"
	EventArchive         EventKind = "archive"
	EventComment         EventKind = "comment" // a remark on a document, no state change
)

// Event is one entry of the append-only audit trail. Events form a hash
// chain: Hash = SHA-256(PrevHash, the event's fields), so editing,
// deleting or reordering a stored event breaks every hash after it.
type Event struct {
	Seq        int64 // 1, 2, 3... in commit order
	DocumentID string
	Actor      string // user id ("" for the system or an unknown login)
	Kind       EventKind
	Action     Action
	From, To   State
	Comment    string
	Data       map[string]string
	At         time.Time // truncated to microseconds (what databases keep)
	PrevHash   string
	Hash       string
}

// GenesisHash is the PrevHash of the first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// HashEvent computes e's chain hash from its fields and e.PrevHash.
func HashEvent(e *Event) string {
	payload := struct {
		Seq        int64             `json:"seq"`
		DocumentID string            `json:"doc"`
		Actor      string            `json:"actor"`
		Kind       EventKind         `json:"kind"`
		Action     Action            `json:"action"`
		From       State             `json:"from"`
		To         State             `json:"to"`
		Comment    string            `json:"comment"`
		Data       map[string]string `json:"data"` // encoding/json sorts map keys
		At         int64             `json:"at"`
	}{e.Seq, e.DocumentID, e.Actor, e.Kind, e.Action, e.From, e.To, e.Comment, e.Data, e.At.UnixMicro()}
	b, _ := json.Marshal(payload) // cannot fail for these types
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Chain sets e's sequence number, previous hash and hash so that it
// follows prev (nil for the first event).
func Chain(prev *Event, e *Event) {
	e.At = e.At.Truncate(time.Microsecond)
	if prev == nil {
		e.Seq, e.PrevHash = 1, GenesisHash
	} else {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.Hash = HashEvent(e)
}

// AuditReport is the result of re-computing the chain.
type AuditReport struct {
	OK          bool   `json:"ok"`
	Events      int64  `json:"events"`
	FirstBroken *Event `json:"first_broken,omitempty"`
	Reason      string `json:"reason,omitempty"`
	// Anchors is the check against the chain's anchors in the archive
	// store (nil: none configured).
	Anchors *AnchorReport `json:"anchors,omitempty"`
}

// ChainVerifier checks events fed to it in sequence order: Event values
// (Add), or stored rows (AddStored) whose hashes it recomputes in
// buffers it reuses.
type ChainVerifier struct {
	started  bool   // an event was added
	prevSeq  int64  // the last event's sequence number
	prevHash []byte // and its stored hash
	hasher   eventHasher
	report   AuditReport
}

// Add checks the next event; it returns false once the chain is broken.
func (v *ChainVerifier) Add(e Event) bool {
	if v.report.FirstBroken != nil {
		return false
	}
	v.report.Events++
	if reason := v.check(e.Seq, v.prevIs(e.PrevHash), func() bool { return HashEvent(&e) == e.Hash }); reason != "" {
		v.fail(e, reason)
	}
	v.started, v.prevSeq, v.prevHash = true, e.Seq, append(v.prevHash[:0], e.Hash...)
	return v.report.FirstBroken == nil
}

// AddStored checks the next event as stored (s is not kept); it returns
// false once the chain is broken. An error: an event whose data does not
// decode (the walk of Events stops there with the same error).
func (v *ChainVerifier) AddStored(s *StoredEvent) (bool, error) {
	if v.report.FirstBroken != nil {
		return false, nil
	}
	sum, err := v.hasher.hash(s) // first: a walk of Events decodes before it checks
	if err != nil {
		return false, err
	}
	v.report.Events++
	if reason := v.check(s.Seq, v.prevIsBytes(s.PrevHash), func() bool { return bytes.Equal(sum, s.Hash) }); reason != "" {
		e, err := s.Event()
		if err != nil {
			return false, err
		}
		v.fail(e, reason)
	}
	v.started, v.prevSeq, v.prevHash = true, s.Seq, append(v.prevHash[:0], s.Hash...)
	return v.report.FirstBroken == nil, nil
}

// prevIs: h is the previous hash the next event must carry.
func (v *ChainVerifier) prevIs(h string) bool {
	if !v.started {
		return h == GenesisHash
	}
	return h == string(v.prevHash)
}

// prevIsBytes is prevIs for a stored hash.
func (v *ChainVerifier) prevIsBytes(h []byte) bool {
	if !v.started {
		return string(h) == GenesisHash
	}
	return bytes.Equal(h, v.prevHash)
}

// check returns why the event at seq breaks the chain ("": it does not);
// prevOK: its previous hash is the one wanted; hashOK recomputes its hash.
func (v *ChainVerifier) check(seq int64, prevOK bool, hashOK func() bool) string {
	switch {
	case seq != v.prevSeq+1:
		return "sequence gap: an event before this one is missing"
	case !prevOK:
		return "previous-hash does not match the event before it"
	case !hashOK():
		return "hash does not match the event's content: the event was altered"
	}
	return ""
}

// lastHash returns the hash of the last event added (false: none).
func (v *ChainVerifier) lastHash() (string, bool) {
	return string(v.prevHash), v.started
}

func (v *ChainVerifier) fail(e Event, reason string) {
	v.report.FirstBroken = &e
	v.report.Reason = reason
}

// Report returns the verdict over the events added so far.
func (v *ChainVerifier) Report() AuditReport {
	r := v.report
	r.OK = r.FirstBroken == nil
	return r
}
