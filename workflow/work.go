package workflow

import (
	"context"
	"slices"
	"time"
)

// WorkClause selects the documents in one state of one machine that wait
// for a user; a non-empty SignerID, AssigneeID or CreatedBy narrows it to
// the documents naming that user so.
type WorkClause struct {
	Action     Action // the action waiting (for grouping: the tab of the inbox)
	Direction  Direction
	State      State
	SignerID   string
	AssigneeID string
	CreatedBy  string
	// RevokeState, when set, narrows it to documents in that revocation
	// state (a revocation waiting for the clerk's answer).
	RevokeState string
	// HasRecipients narrows it to documents with recipients: an issued
	// document addressed to no connected agency waits to be archived,
	// not sent (the clerk's "Chờ gửi" counted it, and its page could
	// not send it).
	HasRecipients bool
}

// Matches reports whether d is selected by c.
func (c WorkClause) Matches(d *Document) bool {
	return d.Direction == c.Direction && d.State == c.State &&
		(c.SignerID == "" || d.SignerID == c.SignerID) &&
		(c.AssigneeID == "" || d.AssigneeID == c.AssigneeID) &&
		(c.CreatedBy == "" || d.CreatedBy == c.CreatedBy) &&
		(c.RevokeState == "" || d.RevokeState == c.RevokeState) &&
		(!c.HasRecipients || len(d.Recipients) > 0)
}

// WorkQuery selects what waits for a user: documents matching any clause
// that the viewer may see (the same visibility as DocumentFilter).
type WorkQuery struct {
	Clauses  []WorkClause
	ViewerID string
	SeeAll   bool
	Limit    int
}

// WorkLister is implemented by repositories that answer WorkQuery in the
// database (storage/gormdb, the in-memory fake).
type WorkLister interface {
	// Work returns up to q.Limit documents matching q, most urgent first
	// (Hỏa tốc, Thượng khẩn, Khẩn, Thường), then by due date (none last),
	// then oldest first.
	Work(ctx context.Context, q WorkQuery) ([]*Document, error)
	// CountWork returns, for each clause of q in order, how many visible
	// documents match it.
	CountWork(ctx context.Context, q WorkQuery) ([]int, error)
}

// UrgencyRank orders urgencies: 0 for Hỏa tốc ... 3 for thường.
func UrgencyRank(u Urgency) int {
	switch u {
	case UrgencyFlash:
		return 0
	case UrgencyVeryUrgent:
		return 1
	case UrgencyUrgent:
		return 2
	}
	return 3
}

// LessWork is the order of Work: urgency, then due date (none last), then
// creation.
func LessWork(a, b *Document) int {
	if ra, rb := UrgencyRank(a.Urgency), UrgencyRank(b.Urgency); ra != rb {
		return ra - rb
	}
	switch {
	case a.DueDate != nil && b.DueDate == nil:
		return -1
	case a.DueDate == nil && b.DueDate != nil:
		return 1
	case a.DueDate != nil && *a.DueDate != *b.DueDate:
		return a.DueDate.Compare(*b.DueDate)
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

// WorkClauses derives from the transition tables what waits for u: every
// transition u's roles allow, narrowed to u where the machine names a
// party (the signer, the assignee). Drafts wait only for their author to
// submit them.
func WorkClauses(u *User) []WorkClause {
	var out []WorkClause
	seen := map[WorkClause]bool{}
	for _, d := range []Direction{Incoming, Outgoing} {
		for _, t := range Machine(d) {
			if !u.HasAny(t.Roles) {
				continue
			}
			c := WorkClause{Action: t.Action, Direction: d, State: t.From}
			switch t.Party {
			case NamedSigner:
				c.SignerID = u.ID
			case TheAssignee:
				c.AssigneeID = u.ID
			case TheDrafter:
				c.CreatedBy = u.ID
			}
			if t.Action == Reject || t.Action == Return || t.Action == RefuseRevoke {
				// The same documents wait for register / approve /
				// accept_revoke.
				continue
			}
			if t.Action == RequestRevoke {
				// Asked for, never waiting.
				continue
			}
			if t.If == RevokePending {
				c.RevokeState = RevokeRequested
			}
			if t.Action == Send {
				c.HasRecipients = true
			}
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// WorkTab is one group of the inbox: an action and how many documents
// wait for it.
type WorkTab struct {
	Action Action
	Count  int
}

// Work returns what waits for the actor (only action's clauses when
// action is not ""), ordered by LessWork, the count of each action's tab,
// and how many distinct documents wait in all (a document two actions
// wait for, such as an issued one to send or archive, counts once).
func (s *Service) Work(ctx context.Context, actor *User, action Action, limit int) ([]*Document, []WorkTab, int, error) {
	all := WorkClauses(actor)
	q := WorkQuery{Clauses: all, ViewerID: actor.ID, SeeAll: SeesAllClassified(actor), Limit: limit}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	wl, ok := s.Repo.(WorkLister)
	if !ok {
		wl = scanWork{s.Repo}
	}
	counts, err := wl.CountWork(ctx, q)
	if err != nil {
		return nil, nil, 0, err
	}
	var tabs []WorkTab
	idx := map[Action]int{}
	// Clauses of the transition tables overlap only when they select the
	// same documents (same machine, state and party): count those once.
	// A clause narrowed to a pending revocation, or to documents with
	// recipients, selects a subset of the clause of its state without
	// it, when the actor has that one: its documents are counted there.
	wide := map[WorkClause]bool{}
	for _, c := range all {
		if c.RevokeState == "" && !c.HasRecipients {
			c.Action = ""
			wide[c] = true
		}
	}
	total := 0
	seen := map[WorkClause]bool{}
	for i, c := range all {
		key := c
		key.Action = ""
		wider := key
		wider.RevokeState, wider.HasRecipients = "", false
		inWider := wider != key && wide[wider]
		if !inWider && !seen[key] {
			seen[key] = true
			total += counts[i]
		}
		j, ok := idx[c.Action]
		if !ok {
			j = len(tabs)
			idx[c.Action] = j
			tabs = append(tabs, WorkTab{Action: c.Action})
		}
		tabs[j].Count += counts[i]
	}
	if action != "" {
		q.Clauses = slices.DeleteFunc(slices.Clone(all), func(c WorkClause) bool { return c.Action != action })
		if len(q.Clauses) == 0 {
			return nil, tabs, total, nil
		}
	}
	docs, err := wl.Work(ctx, q)
	if err != nil {
		return nil, nil, 0, err
	}
	return docs, tabs, total, nil
}

// DueOpenStates are the states of a document still to be handled, whose
// due date counts: an incoming one until it is completed (or rejected),
// an outgoing one until it is issued. An incoming document completed,
// archived or rejected is no longer overdue, whenever it was completed.
var DueOpenStates = []State{Received, Registered, Assigned, InProgress, Draft, InReview, Approved, OfficerSigned}

// Overdue reports whether d's due date has passed on day now (Vietnam
// calendar days).
func Overdue(d *Document, now time.Time) bool {
	if d.DueDate == nil {
		return false
	}
	return VietnamDate(now).After(*d.DueDate)
}

// scanWork answers WorkQuery from Documents, for repositories without
// WorkLister: correct, but it reads every candidate.
type scanWork struct{ r Reader }

func (w scanWork) candidates(ctx context.Context, q WorkQuery) ([][]*Document, error) {
	out := make([][]*Document, len(q.Clauses))
	for i, c := range q.Clauses {
		f := DocumentFilter{Direction: c.Direction, State: c.State, ViewerID: q.ViewerID, SeeAll: q.SeeAll, Limit: 1000}
		for {
			docs, next, err := w.r.Documents(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, d := range docs {
				if c.Matches(d) {
					out[i] = append(out[i], d)
				}
			}
			if next == "" {
				break
			}
			f.After = next
		}
	}
	return out, nil
}

func (w scanWork) Work(ctx context.Context, q WorkQuery) ([]*Document, error) {
	per, err := w.candidates(ctx, q)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*Document
	for _, ds := range per {
		for _, d := range ds {
			if !seen[d.ID] {
				seen[d.ID] = true
				out = append(out, d)
			}
		}
	}
	slices.SortFunc(out, LessWork)
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (w scanWork) CountWork(ctx context.Context, q WorkQuery) ([]int, error) {
	per, err := w.candidates(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(per))
	for i, ds := range per {
		out[i] = len(ds)
	}
	return out, nil
}

// WaitsFor reports whether d waits for u to take action a: whether d is
// in u's inbox under a (WorkClauses, and CanSee: the same selection the
// inbox makes in the database). Disabled accounts wait for nothing.
func WaitsFor(u *User, d *Document, a Action) bool {
	if u == nil || u.Disabled || !CanSee(d, u) {
		return false
	}
	for _, c := range WorkClauses(u) {
		if c.Action == a && c.Matches(d) {
			return true
		}
	}
	return false
}
