package workflow

// State is a document's place in its state machine.
type State string

const (
	// Outgoing.
	Draft         State = "draft"
	InReview      State = "in_review"
	Approved      State = "approved"
	OfficerSigned State = "officer_signed"
	Issued        State = "issued"
	Sent          State = "sent"
	// Incoming.
	Received   State = "received"
	Registered State = "registered"
	Assigned   State = "assigned"
	InProgress State = "in_progress"
	Completed  State = "completed"
	Rejected   State = "rejected"
	// Both.
	Archived State = "archived"
	// Revoked: the sender's revocation of the document was accepted (at
	// the receiving agency by its clerk; at the sending agency when a
	// recipient reports that it accepted, status 15).
	Revoked State = "revoked"
)

// Action moves a document from one state to another.
type Action string

const (
	Submit   Action = "submit"
	Approve  Action = "approve"
	Return   Action = "return"
	Sign     Action = "sign"
	Issue    Action = "issue"
	Send     Action = "send"
	Archive  Action = "archive"
	Register Action = "register"
	Reject   Action = "reject"
	Assign   Action = "assign"
	Start    Action = "start"
	Complete Action = "complete"

	// Revocation (thu hồi) of a document sent over the exchange. On an
	// outgoing document the clerk requests it and the exchange records the
	// recipients' answers (15 accepted, 16 refused); on an incoming one the
	// exchange records the sender's request (13) and the clerk answers it.
	RequestRevoke Action = "request_revoke"
	AcceptRevoke  Action = "accept_revoke"
	RefuseRevoke  Action = "refuse_revoke"
)

// Role is what a user may do.
type Role string

const (
	RoleClerk     Role = "clerk"     // văn thư
	RoleOfficer   Role = "officer"   // lãnh đạo
	RoleHandler   Role = "handler"   // chuyên viên
	RoleArchivist Role = "archivist" // lưu trữ
	RoleAdmin     Role = "admin"
)

// RoleExchange is the interagency exchange acting on its own: it creates
// received documents, rejects them on receipt, records revocation requests
// and answers. No user holds it (it is not in Roles, so Valid refuses it);
// Exchange is the one actor that does.
const RoleExchange Role = "exchange"

// Exchange is the actor of the changes the interagency exchange makes by
// itself (its events carry Actor "exchange").
var Exchange = &User{ID: "exchange", Username: "exchange", FullName: "Liên thông văn bản", Roles: []Role{RoleExchange}}

// Roles lists every role a user may hold.
var Roles = []Role{RoleClerk, RoleOfficer, RoleHandler, RoleArchivist, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Party narrows a role guard to a person tied to the document.
type Party string

const (
	Anyone      Party = ""         // any user holding one of the roles
	NamedSigner Party = "signer"   // only the official named as signer
	TheAssignee Party = "assignee" // only the assigned handler
	// TheDrafter names the handler who drafts an outgoing document
	// (Document.CreatedBy): only she submits it for review (Revise reads
	// CreatedBy itself); reassignment moves it.
	TheDrafter Party = "drafter"
)

// Condition narrows a transition to documents in a given sub-state.
type Condition string

const (
	Always          Condition = ""
	RevokePending   Condition = "revoke_pending"    // a revocation was requested and not yet answered
	NoRevokePending Condition = "no_revoke_pending" // none is waiting for an answer
)

// Revoke states of a document (Document.RevokeState).
const (
	RevokeRequested = "requested"
	RevokeAccepted  = "accepted"
	RevokeRefused   = "refused"
)

// Holds reports whether d meets the condition.
func (c Condition) Holds(d *Document) bool {
	switch c {
	case RevokePending:
		return d.RevokeState == RevokeRequested
	case NoRevokePending:
		return d.RevokeState != RevokeRequested
	}
	return true
}

// Transition is one row of a state machine: in state From, Action leads
// to To, for users with one of Roles (and, if Party is set, only the
// user the document names), when the document meets If.
type Transition struct {
	From   State
	Action Action
	To     State
	Roles  []Role
	Party  Party
	If     Condition
}

// The outgoing machine (văn bản đi). README's "State machines" draws both
// tables; TestReadmeStateDiagram checks the drawing against them.
var outgoing = []Transition{
	{From: Draft, Action: Submit, To: InReview, Roles: []Role{RoleHandler}, Party: TheDrafter},
	{From: InReview, Action: Approve, To: Approved, Roles: []Role{RoleOfficer}},
	{From: InReview, Action: Return, To: Draft, Roles: []Role{RoleOfficer}},
	{From: Approved, Action: Return, To: Draft, Roles: []Role{RoleOfficer}},
	{From: Approved, Action: Sign, To: OfficerSigned, Roles: []Role{RoleOfficer}, Party: NamedSigner},
	{From: OfficerSigned, Action: Issue, To: Issued, Roles: []Role{RoleClerk}},
	// A signed document not yet issued goes back to its drafter, with a
	// reason: the clerk finds its form wrong before numbering it (Decree
	// 30, Art. 15–16), or issue refuses its layer 1 for good (a revoked
	// certificate); the official may take it back too. Layer 1 is
	// withdrawn (FileWithdrawn), the draft is current again.
	{From: OfficerSigned, Action: Return, To: Draft, Roles: []Role{RoleClerk, RoleOfficer}},
	{From: Issued, Action: Send, To: Sent, Roles: []Role{RoleClerk}},
	{From: Issued, Action: Archive, To: Archived, Roles: []Role{RoleClerk, RoleArchivist}},
	{From: Sent, Action: Archive, To: Archived, Roles: []Role{RoleClerk, RoleArchivist}},
	{From: Sent, Action: RequestRevoke, To: Sent, Roles: []Role{RoleClerk}, If: NoRevokePending},
	{From: Sent, Action: AcceptRevoke, To: Revoked, Roles: []Role{RoleExchange}, If: RevokePending},
	{From: Sent, Action: RefuseRevoke, To: Sent, Roles: []Role{RoleExchange}, If: RevokePending},
	{From: Revoked, Action: Archive, To: Archived, Roles: []Role{RoleClerk, RoleArchivist}},
}

// The incoming machine (văn bản đến).
var incoming = append([]Transition{
	{From: Received, Action: Register, To: Registered, Roles: []Role{RoleClerk}},
	// The clerk's rejection, and the exchange's on receipt (the envelope
	// or the PDF failed verification).
	{From: Received, Action: Reject, To: Rejected, Roles: []Role{RoleClerk, RoleExchange}},
	{From: Registered, Action: Assign, To: Assigned, Roles: []Role{RoleOfficer, RoleClerk}},
	{From: Assigned, Action: Start, To: InProgress, Roles: []Role{RoleHandler}, Party: TheAssignee},
	{From: InProgress, Action: Complete, To: Completed, Roles: []Role{RoleHandler}, Party: TheAssignee},
	{From: Completed, Action: Archive, To: Archived, Roles: []Role{RoleClerk, RoleArchivist}},
	{From: Revoked, Action: Archive, To: Archived, Roles: []Role{RoleClerk, RoleArchivist}},
}, revocable(Received, Registered, Assigned, InProgress, Completed)...)

// revocable returns the revocation rows of the incoming machine for each
// of states: the sender may ask to revoke the document (the exchange
// records it, status 13), and the clerk accepts (revoked, 15) or refuses
// (unchanged, 16).
func revocable(states ...State) []Transition {
	var out []Transition
	for _, s := range states {
		out = append(out,
			Transition{From: s, Action: RequestRevoke, To: s, Roles: []Role{RoleExchange}, If: NoRevokePending},
			Transition{From: s, Action: AcceptRevoke, To: Revoked, Roles: []Role{RoleClerk}, If: RevokePending},
			Transition{From: s, Action: RefuseRevoke, To: s, Roles: []Role{RoleClerk}, If: RevokePending})
	}
	return out
}

// Machine returns the transition table of a direction.
func Machine(d Direction) []Transition {
	if d == Incoming {
		return incoming
	}
	return outgoing
}

// InitialState is where documents of a direction start.
func InitialState(d Direction) State {
	if d == Incoming {
		return Received
	}
	return Draft
}

// Next looks up the transition for action in state; ok is false if the
// action is not allowed there.
func Next(d Direction, s State, a Action) (Transition, bool) {
	for _, t := range Machine(d) {
		if t.From == s && t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

// Actions lists every action of a direction's machine, in table order.
func Actions(d Direction) []Action {
	var out []Action
	seen := map[Action]bool{}
	for _, t := range Machine(d) {
		if !seen[t.Action] {
			seen[t.Action] = true
			out = append(out, t.Action)
		}
	}
	return out
}

// States lists every state of a direction's machine, in table order.
func States(d Direction) []State {
	out := []State{InitialState(d)}
	seen := map[State]bool{InitialState(d): true}
	for _, t := range Machine(d) {
		for _, s := range []State{t.From, t.To} {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// RolesFor returns the roles allowed to perform action on a direction's
// documents, whatever the state (the role guard is checked first).
func RolesFor(d Direction, a Action) []Role {
	var out []Role
	seen := map[Role]bool{}
	for _, t := range Machine(d) {
		if t.Action != a {
			continue
		}
		for _, r := range t.Roles {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}
