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

// Roles lists every role.
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
)

// Transition is one row of a state machine: in state From, Action leads
// to To, for users with one of Roles (and, if Party is set, only the
// user the document names).
type Transition struct {
	From   State
	Action Action
	To     State
	Roles  []Role
	Party  Party
}

// The outgoing machine (văn bản đi). README's "State machines" draws both
// tables; TestReadmeStateDiagram checks the drawing against them.
var outgoing = []Transition{
	{From: Draft, Action: Submit, To: InReview, Roles: []Role{RoleHandler}},
	{From: InReview, Action: Approve, To: Approved, Roles: []Role{RoleOfficer}},
	{From: InReview, Action: Return, To: Draft, Roles: []Role{RoleOfficer}},
	{From: Approved, Action: Return, To: Draft, Roles: []Role{RoleOfficer}},
	{From: Approved, Action: Sign, To: OfficerSigned, Roles: []Role{RoleOfficer}, Party: NamedSigner},
	{From: OfficerSigned, Action: Issue, To: Issued, Roles: []Role{RoleClerk}},
	{From: Issued, Action: Send, To: Sent, Roles: []Role{RoleClerk}},
	{From: Issued, Action: Archive, To: Archived, Roles: []Role{RoleClerk, RoleArchivist}},
	{From: Sent, Action: Archive, To: Archived, Roles: []Role{RoleClerk, RoleArchivist}},
}

// The incoming machine (văn bản đến).
var incoming = []Transition{
	{From: Received, Action: Register, To: Registered, Roles: []Role{RoleClerk}},
	{From: Received, Action: Reject, To: Rejected, Roles: []Role{RoleClerk}},
	{From: Registered, Action: Assign, To: Assigned, Roles: []Role{RoleOfficer, RoleClerk}},
	{From: Assigned, Action: Start, To: InProgress, Roles: []Role{RoleHandler}, Party: TheAssignee},
	{From: InProgress, Action: Complete, To: Completed, Roles: []Role{RoleHandler}, Party: TheAssignee},
	{From: Completed, Action: Archive, To: Archived, Roles: []Role{RoleClerk, RoleArchivist}},
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
