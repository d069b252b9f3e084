package workflow

import (
	"context"
	"slices"
)

// EventReassigned records that a document waiting for one person now
// waits for another (Data: role, from and to: the users' IDs; party: the
// document's field that changed, signer, assignee or drafter; state: the
// document's state, which does not change).
const EventReassigned EventKind = "reassigned"

// ReassignRule says which documents wait for a user in a role, by name:
// the direction, the states in which the named person can still act, and
// the party naming them (the field that changes: NamedSigner signer_id,
// TheAssignee assignee_id, TheDrafter created_by).
type ReassignRule struct {
	Direction Direction
	States    []State
	Party     Party
}

// reassignRules: an official is the signer of the outgoing drafts he is
// to approve and sign, until he has signed (a signed document waits for
// the clerk; the signature is his); a handler is the assignee of the
// incoming documents assigned to him, until they are completed, and the
// drafter of the outgoing drafts he writes (never submitted, or returned
// to him), which only he may revise and which wait in his inbox to be
// submitted. Later states are the record of what the person did: never
// moved. The rules of a role never share a direction and a state.
var reassignRules = map[Role][]ReassignRule{
	RoleOfficer: {{Direction: Outgoing, States: []State{Draft, InReview, Approved}, Party: NamedSigner}},
	RoleHandler: {
		{Direction: Incoming, States: []State{Assigned, InProgress}, Party: TheAssignee},
		{Direction: Outgoing, States: []State{Draft}, Party: TheDrafter},
	},
}

// ReassignRoles lists the roles whose waiting work can be passed on.
func ReassignRoles() []Role { return []Role{RoleOfficer, RoleHandler} }

// ReassignStates returns the states in which role's documents of
// direction dir can be passed on (nil: the role names nobody on such a
// document).
func ReassignStates(role Role, dir Direction) []State {
	for _, r := range reassignRules[role] {
		if r.Direction == dir {
			return r.States
		}
	}
	return nil
}

// MayReassign reports whether actor may pass role's waiting work from one
// user to another: an admin always; for a handler's documents (incoming
// ones assigned to him, outgoing drafts he writes, classified included)
// also a clerk, who assigns the former (with the officials) and, unlike
// an official, sees every classified document, so none of them is moved
// unseen.
func MayReassign(actor *User, role Role) bool {
	return actor.Has(RoleAdmin) || (role == RoleHandler && actor.Has(RoleClerk))
}

// CheckReassign checks a reassignment of role's waiting work from one
// user to another: EINVALID for a role naming nobody, EFORBIDDEN for an
// actor who may not (MayReassign), EINVALID on "to" for a target that is
// the same user, locked, or without the role. from need not hold the role
// any more: documents still name him once it is taken away.
func CheckReassign(actor, from, to *User, role Role) error {
	if _, ok := reassignRules[role]; !ok {
		return Errorf(EINVALID, "role %q: only an official's (officer) or a handler's (handler) waiting work can be passed on", role).On("role")
	}
	if !MayReassign(actor, role) {
		if role == RoleHandler {
			return Errorf(EFORBIDDEN, "only an admin or a clerk may pass a handler's documents to another")
		}
		return Errorf(EFORBIDDEN, "only an admin may pass an official's documents to another")
	}
	switch {
	case to.ID == from.ID:
		return Errorf(EINVALID, "the documents already wait for %s", to.Username).On("to")
	case to.Disabled:
		return Errorf(EINVALID, "%s's account is locked: documents cannot wait for them", to.Username).On("to")
	case !to.Has(role):
		return Errorf(EINVALID, "%s does not hold the role %s", to.Username, role).On("to")
	}
	return nil
}

// WaitsByName reports whether d waits for user userID in role, by name,
// in a state where it can be passed on.
func WaitsByName(d *Document, role Role, userID string) bool {
	r, ok := ruleFor(d, role)
	return ok && userID != "" && *r.field(d) == userID
}

// ruleFor is role's rule for d's direction and state, if any.
func ruleFor(d *Document, role Role) (ReassignRule, bool) {
	for _, r := range reassignRules[role] {
		if d.Direction == r.Direction && slices.Contains(r.States, d.State) {
			return r, true
		}
	}
	return ReassignRule{}, false
}

// field is the document's field naming the party.
func (r ReassignRule) field(d *Document) *string {
	switch r.Party {
	case NamedSigner:
		return &d.SignerID
	case TheDrafter:
		return &d.CreatedBy
	}
	return &d.AssigneeID
}

// Reassigned moves d from the user it names in role to toID, as
// WaitsByName found it, and returns the event that records it (actor,
// at: the caller's). d's version is the caller's to bump. A draft's new
// drafter is its CreatedBy: she revises and submits it as her own; who
// first wrote it stays in its created event.
func Reassigned(d *Document, role Role, toID string) *Event {
	r, _ := ruleFor(d, role)
	f := r.field(d)
	e := &Event{DocumentID: d.ID, Kind: EventReassigned,
		Data: map[string]string{"role": string(role), "party": string(r.Party), "from": *f, "to": toID, "state": string(d.State)}}
	*f = toID
	return e
}

// ReassignInput names the user whose waiting work moves (From), the
// user it moves to (To) and the role it waits for them in.
type ReassignInput struct {
	From, To string
	Role     Role
}

// ReassignResult lists the documents moved (their IDs, in the order
// moved).
type ReassignResult struct {
	Moved []string
}

// reassignBatch is how many documents one query reads.
const reassignBatch = 200

// Reassign passes the documents that wait for in.From in in.Role to
// in.To (CheckReassign's errors; ENOTFOUND for an unknown From, EINVALID
// on "to" for an unknown To). Each document moves in its own transaction:
// locked, checked again (a document signed or moved meanwhile is left),
// its version bumped, one reassigned event. Numbering is not touched.
func (s *Service) Reassign(ctx context.Context, actor *User, in ReassignInput) (ReassignResult, error) {
	var res ReassignResult
	from, to, err := s.reassignUsers(ctx, in)
	if err != nil {
		return res, err
	}
	if err := CheckReassign(actor, from, to, in.Role); err != nil {
		return res, err
	}
	q := WorkQuery{Clauses: reassignClauses(in.Role, from.ID), SeeAll: true, Limit: reassignBatch}
	wl := s.workLister()
	for {
		docs, err := wl.Work(ctx, q)
		if err != nil {
			return res, err
		}
		moved := 0
		for _, d := range docs {
			ok, err := s.reassignOne(ctx, actor, d.ID, in.Role, from.ID, to.ID)
			if err != nil {
				return res, err
			}
			if ok {
				moved++
				res.Moved = append(res.Moved, d.ID)
			}
		}
		if len(docs) < q.Limit || moved == 0 {
			return res, nil
		}
	}
}

// reassignClauses selects the documents waiting for userID in role by
// name (WaitsByName), one clause per rule and state.
func reassignClauses(role Role, userID string) []WorkClause {
	var out []WorkClause
	for _, r := range reassignRules[role] {
		for _, st := range r.States {
			c := WorkClause{Direction: r.Direction, State: st}
			*r.clauseField(&c) = userID
			out = append(out, c)
		}
	}
	return out
}

// workLister is the repository's WorkLister, or a scan of Documents.
func (s *Service) workLister() WorkLister {
	if wl, ok := s.Repo.(WorkLister); ok {
		return wl
	}
	return scanWork{s.Repo}
}

// WaitingByName counts, for each role of ReassignRoles, the documents
// that wait for user userID by name and Reassign would move (every one,
// classified included: for the admin's page, which names no document).
func (s *Service) WaitingByName(ctx context.Context, userID string) (map[Role]int, error) {
	out := map[Role]int{}
	for _, role := range ReassignRoles() {
		counts, err := s.workLister().CountWork(ctx, WorkQuery{Clauses: reassignClauses(role, userID), SeeAll: true})
		if err != nil {
			return nil, err
		}
		for _, n := range counts {
			out[role] += n
		}
	}
	return out, nil
}

// clauseField is the WorkClause field narrowing to the party.
func (r ReassignRule) clauseField(c *WorkClause) *string {
	switch r.Party {
	case NamedSigner:
		return &c.SignerID
	case TheDrafter:
		return &c.CreatedBy
	}
	return &c.AssigneeID
}

// reassignUsers reads in's two users.
func (s *Service) reassignUsers(ctx context.Context, in ReassignInput) (from, to *User, err error) {
	if from, err = s.Repo.User(ctx, in.From); ErrorCode(err) == ENOTFOUND {
		return nil, nil, Errorf(ENOTFOUND, "user not found")
	} else if err != nil {
		return nil, nil, err
	}
	if in.To == "" {
		return nil, nil, Errorf(EINVALID, "to is required: the user the documents move to").On("to")
	}
	if to, err = s.Repo.User(ctx, in.To); ErrorCode(err) == ENOTFOUND {
		return nil, nil, Errorf(EINVALID, "user %q does not exist", in.To).On("to")
	} else if err != nil {
		return nil, nil, err
	}
	return from, to, nil
}

// reassignOne moves document id from fromID to toID if it still waits
// for fromID (false: it no longer does), retrying a lost race.
func (s *Service) reassignOne(ctx context.Context, actor *User, id string, role Role, fromID, toID string) (bool, error) {
	for try := 0; ; try++ {
		moved := false
		err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
			d, err := tx.LockDocument(ctx, id)
			if ErrorCode(err) == ENOTFOUND {
				return nil
			} else if err != nil {
				return err
			}
			if !WaitsByName(d, role, fromID) {
				return nil
			}
			prev := d.Version
			e := Reassigned(d, role, toID)
			e.Actor, e.At = actor.ID, s.now()
			d.Version, d.UpdatedAt = d.Version+1, e.At
			moved = true
			return updateAndAppend(WithLastWrite(ctx), tx, d, prev, e)
		})
		if ErrorCode(err) == ECONFLICT && try < 3 {
			continue
		}
		return moved && err == nil, err
	}
}

// WaitingRule returns what role's waiting work is, by name: one rule per
// kind of document (the direction, the states in which it can be passed
// on, and the party naming the person: NamedSigner signer_id,
// TheAssignee assignee_id, TheDrafter created_by); none for a role
// naming nobody. For repositories answering WaitingCounter in their own
// query language.
func WaitingRule(role Role) []ReassignRule {
	return slices.Clone(reassignRules[role])
}

// WaitingCounter is implemented by repositories that count what waits
// for every user by name in one statement (storage/gormdb).
type WaitingCounter interface {
	// WaitingByUser returns, by user ID, how many documents wait for
	// each user in each role of ReassignRoles (WaitsByName; classified
	// included); a user with none is absent.
	WaitingByUser(ctx context.Context) (map[string]map[Role]int, error)
}

// WaitingByUser counts, for every user, what WaitingByName counts for
// one — for the admin's list of users, which names no document: the
// repository's one statement (WaitingCounter), else a scan of the
// waiting states.
func (s *Service) WaitingByUser(ctx context.Context) (map[string]map[Role]int, error) {
	if wc, ok := s.Repo.(WaitingCounter); ok {
		return wc.WaitingByUser(ctx)
	}
	out := map[string]map[Role]int{}
	for _, role := range ReassignRoles() {
		per, err := scanWork{s.Repo}.candidates(ctx, WorkQuery{Clauses: reassignClauses(role, ""), SeeAll: true})
		if err != nil {
			return nil, err
		}
		for _, docs := range per {
			for _, d := range docs {
				r, _ := ruleFor(d, role)
				id := *r.field(d)
				if id == "" {
					continue
				}
				if out[id] == nil {
					out[id] = map[Role]int{}
				}
				out[id][role]++
			}
		}
	}
	return out, nil
}
