package api

import (
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// DocumentJSON is a document as the API shows it.
type DocumentJSON struct {
	ID              string         `json:"id"`
	Direction       string         `json:"direction"`
	Type            string         `json:"type"`
	TypeName        string         `json:"type_name"`
	Subject         string         `json:"subject"`
	Urgency         string         `json:"urgency"`
	Confidentiality string         `json:"confidentiality"`
	State           string         `json:"state"`
	Version         int            `json:"version"`
	Register        *string        `json:"register"`
	Year            *int           `json:"year"`
	Number          *int           `json:"number"`
	Notation        *string        `json:"notation"`
	VerifyCode      string         `json:"verify_code,omitempty"`
	SignerID        string         `json:"signer_id,omitempty"`
	Recipients      []workflow.Org `json:"recipients,omitempty"`
	DraftingUnit    string         `json:"drafting_unit,omitempty"`
	Layout          *LayoutJSON    `json:"layout,omitempty"`
	Sender          *workflow.Org  `json:"sender,omitempty"`
	OriginalNumber  string         `json:"original_number,omitempty"`
	OriginalDate    *string        `json:"original_date,omitempty"`
	// SignedAt is when the layer-1 signature that stands was made
	// (workflow.Document.SignedAt): null until signed, and again once a
	// return withdrew it.
	SignedAt       *time.Time        `json:"signed_at"`
	IssuedAt       *time.Time        `json:"issued_at"`
	RegisteredAt   *time.Time        `json:"registered_at"`
	AssigneeID     string            `json:"assignee_id,omitempty"`
	DueDate        *string           `json:"due_date,omitempty"`
	Retention      string            `json:"retention,omitempty"`
	Notes          string            `json:"notes,omitempty"`
	RevokeState    string            `json:"revoke_state,omitempty"`  // requested, accepted, refused
	RevokeReason   string            `json:"revoke_reason,omitempty"` // why the sender revokes it
	RevokeAnswer   string            `json:"revoke_answer,omitempty"` // why the revocation was refused
	RejectReason   string            `json:"reject_reason,omitempty"` // why it was rejected (on receipt or by the clerk)
	Replaces       string            `json:"replaces,omitempty"`      // ID of the document this one replaces (edXML type 3)
	Updates        string            `json:"updates,omitempty"`       // ID of the document this one updates (edXML type 2)
	ReplacedBy     string            `json:"replaced_by,omitempty"`   // ID of the latest document replacing this one
	UpdatedBy      string            `json:"updated_by,omitempty"`    // ID of the latest document updating this one
	RepliesTo      string            `json:"replies_to,omitempty"`    // ID of the incoming document this outgoing one answers
	RepliedBy      string            `json:"replied_by,omitempty"`    // ID of the latest outgoing document answering this one
	Files          []FileJSON        `json:"files"`
	Verification   *VerificationJSON `json:"verification"`
	CreatedBy      string            `json:"created_by"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	AllowedActions []string          `json:"allowed_actions"`
	// UnavailableActions are the actions the user's roles and the
	// document's state allow but this server can never take, for want of
	// a signer or the interagency exchange (Documents.Available): they are
	// not in AllowedActions; absent when there are none.
	UnavailableActions []UnavailableActionJSON `json:"unavailable_actions,omitempty"`
}

// UnavailableActionJSON is an action this server cannot take and why: the
// message of the 503 unavailable the action would answer.
type UnavailableActionJSON struct {
	Action  string `json:"action"`
	Message string `json:"message"`
}

// BoxJSON is a rectangle on a page in PDF points from the lower-left
// corner of the page as displayed; page 1 is the first, 0 the last.
type BoxJSON struct {
	Page int     `json:"page"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	W    float64 `json:"w"`
	H    float64 `json:"h"`
}

// LayoutJSON says where the template puts the stamps.
type LayoutJSON struct {
	Signature *BoxJSON `json:"signature,omitempty" null:"omit"`
	Number    *BoxJSON `json:"number,omitempty" null:"omit"`
	Date      *BoxJSON `json:"date,omitempty" null:"omit"`
	// NumberOnly: the number box is the draft's blank after "Số:".
	NumberOnly bool `json:"number_only,omitempty"`
	// DateBlanks: centres of the day, month, year blanks from date.x.
	DateBlanks []float64 `json:"date_blanks,omitempty"`
	// DateBlanksBelow: how far below the date box's line each blank is.
	DateBlanksBelow []float64 `json:"date_blanks_below,omitempty"`
	// DateShortYear: the year's blank follows "20"; two digits go there.
	DateShortYear bool     `json:"date_short_year,omitempty"`
	Source        string   `json:"source,omitempty"` // "detected" or "manual" (read-only)
	Notes         []string `json:"notes,omitempty"`  // why detected parts fell back (read-only)
}

func (l *LayoutJSON) toDomain() *workflow.Layout {
	if l == nil {
		return nil
	}
	box := func(b *BoxJSON) *workflow.Box {
		if b == nil {
			return nil
		}
		return &workflow.Box{Page: b.Page, X: b.X, Y: b.Y, W: b.W, H: b.H}
	}
	return &workflow.Layout{Signature: box(l.Signature), Number: box(l.Number), Date: box(l.Date),
		NumberOnly: l.NumberOnly, DateBlanks: l.DateBlanks, DateBlanksBelow: l.DateBlanksBelow, DateShortYear: l.DateShortYear}
}

func toLayoutJSON(l *workflow.Layout) *LayoutJSON {
	if l == nil {
		return nil
	}
	box := func(b *workflow.Box) *BoxJSON {
		if b == nil {
			return nil
		}
		return &BoxJSON{Page: b.Page, X: b.X, Y: b.Y, W: b.W, H: b.H}
	}
	return &LayoutJSON{Signature: box(l.Signature), Number: box(l.Number), Date: box(l.Date),
		NumberOnly: l.NumberOnly, DateBlanks: l.DateBlanks, DateBlanksBelow: l.DateBlanksBelow, DateShortYear: l.DateShortYear, Source: l.Source, Notes: l.Notes}
}

// FileJSON is one stored file of a document.
type FileJSON struct {
	SHA256    string    `json:"sha256"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	// Inspected says whether the file was inspected for what it carries
	// that acts when it is opened (workflow.Inspected): false for a file
	// stored before that was recorded (until vanthu files inspect), one
	// that is no PDF the inspection reads, and the signed versions this
	// system made of an inspected draft — nothing is known of them.
	Inspected bool `json:"inspected"`
	// ActiveContent is what the PDF carries that acts when it is opened
	// (workflow.Active's kinds: javascript, launch, embedded_file), found
	// when an incoming document's file was uploaded or received; left out
	// when nothing, or when it was not inspected.
	ActiveContent []string `json:"active_content,omitempty"`
}

// VerificationJSON is the verdict of the document's signature check; the
// full report is at /documents/{id}/verification.
type VerificationJSON struct {
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
}

const dateLayout = "2006-01-02"

func datePtr(d *workflow.Date) *string {
	if d == nil || d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

// availability says which actions this server can take (Documents.Available).
type availability interface {
	Available(d *workflow.Document, a workflow.Action) error
}

// toDocumentJSON shows d to actor: its allowed_actions are those the
// actor may take that av says this server can (it reads nothing); the
// others are its unavailable_actions.
func toDocumentJSON(d *workflow.Document, actor *workflow.User, av availability) DocumentJSON {
	out := DocumentJSON{
		ID: d.ID, Direction: string(d.Direction), Type: string(d.Type), TypeName: workflow.DocTypes[d.Type],
		Subject: d.Subject, Urgency: string(d.Urgency), Confidentiality: string(d.Confidentiality),
		State: string(d.State), Version: d.Version, SignerID: d.SignerID, Recipients: d.Recipients,
		DraftingUnit: d.DraftingUnit, Layout: toLayoutJSON(d.Layout), VerifyCode: d.VerifyCode, Sender: d.Sender, OriginalNumber: d.OriginalNumber,
		OriginalDate: datePtr(d.OriginalDate), SignedAt: d.SignedAt(), IssuedAt: d.IssuedAt, RegisteredAt: d.RegisteredAt,
		AssigneeID: d.AssigneeID, DueDate: datePtr(d.DueDate), Retention: d.Retention, Notes: d.Notes, RevokeState: d.RevokeState,
		RevokeReason: d.RevokeReason, RevokeAnswer: d.RevokeAnswer, RejectReason: d.RejectReason,
		Replaces: d.Replaces, Updates: d.Updates, ReplacedBy: d.ReplacedBy, UpdatedBy: d.UpdatedBy,
		RepliesTo: d.RepliesTo, RepliedBy: d.RepliedBy,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		Files: []FileJSON{}, AllowedActions: []string{},
	}
	if d.Number > 0 {
		n, y, r := d.Number, d.Year, string(d.Register)
		out.Number, out.Year, out.Register = &n, &y, &r
		if d.Notation != "" {
			nt := d.Notation
			out.Notation = &nt
		}
	}
	for _, f := range d.Files {
		fj := FileJSON{SHA256: f.SHA256, Name: f.Name, Size: f.Size, Kind: string(f.Kind), CreatedAt: f.CreatedAt, Inspected: f.Inspection == workflow.Inspected}
		if fj.Inspected {
			fj.ActiveContent = f.Active.Kinds()
		}
		out.Files = append(out.Files, fj)
	}
	if d.Verification != nil {
		out.Verification = &VerificationJSON{Verdict: d.Verification.Verdict, Reasons: d.Verification.Reasons}
	}
	for _, a := range workflow.AllowedActions(d, actor) {
		if err := av.Available(d, a); err != nil {
			out.UnavailableActions = append(out.UnavailableActions, UnavailableActionJSON{Action: string(a), Message: workflow.ErrorMessage(err)})
			continue
		}
		out.AllowedActions = append(out.AllowedActions, string(a))
	}
	return out
}

// UserJSON is a user as the API shows it (never the password hash).
type UserJSON struct {
	ID                string   `json:"id"`
	Username          string   `json:"username"`
	FullName          string   `json:"full_name"`
	Title             string   `json:"title"`
	Unit              string   `json:"unit"`
	Roles             []string `json:"roles"`
	Disabled          bool     `json:"disabled"`
	HasSigningKey     bool     `json:"has_signing_key"`
	HasSignatureImage bool     `json:"has_signature_image"`
	// HasPersonalID: the number itself is personal data, shown to no one
	// through the API (the admin's user page shows it).
	HasPersonalID bool `json:"has_personal_id"`
	// MustChangePassword: the password was set by an admin (or
	// generated); until the user changes it (POST /auth/password) every
	// other route but logout and GET of their own user answers 403
	// password_change_required.
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
	// LastLoginAt and LockedUntil are shown to admins only
	// (auth.AccountStatus): the last successful login (absent: none
	// recorded) and until when failed logins lock the account out on the
	// server that answers (absent: not locked).
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	// Email and Notifications are shown to admins and the user themself
	// (README "E-mail notifications"): the address the notifications go
	// to ("" = none) and whether the user wants them.
	Email         string `json:"email,omitempty"`
	Notifications *bool  `json:"notifications,omitempty"`
	// Waiting is shown to admins on GET /users: by role of
	// POST /users/{id}/reassign, how many documents wait for the user by
	// name (officer: outgoing drafts to review or sign; handler: incoming
	// documents assigned or in progress; classified included), counted
	// for the whole list at once (workflow.Service.WaitingByUser).
	Waiting *WaitingJSON `json:"waiting,omitempty"`
	// MailFailed is on GET /auth/me alone: the latest mail to the user
	// that the mail server refused for good.
	MailFailed *MailFailedJSON `json:"mail_failed,omitempty"`
}

// WaitingJSON is what waits for a user by name, by role.
type WaitingJSON struct {
	Officer int `json:"officer"`
	Handler int `json:"handler"`
}

// withStatus adds an account's status, as an admin sees it.
func (j UserJSON) withStatus(st auth.AccountStatus) UserJSON {
	if t := st.LastLogin; !t.IsZero() {
		j.LastLoginAt = &t
	}
	if t := st.LockedUntil; !t.IsZero() {
		j.LockedUntil = &t
	}
	return j
}

// ToUserJSON converts a user for the API.
func ToUserJSON(u *workflow.User) UserJSON {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return UserJSON{ID: u.ID, Username: u.Username, FullName: u.FullName, Title: u.Title, Unit: u.Unit,
		Roles: roles, Disabled: u.Disabled, HasSigningKey: u.SigningKeyURI != "", HasSignatureImage: u.SignatureImage != "",
		HasPersonalID: u.PersonalID != "", MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt}
}

// EventJSON is an audit event.
type EventJSON struct {
	Seq        int64             `json:"seq"`
	DocumentID string            `json:"document_id,omitempty"`
	Actor      string            `json:"actor"`
	Kind       string            `json:"kind"`
	Action     string            `json:"action,omitempty"`
	From       string            `json:"from,omitempty"`
	To         string            `json:"to,omitempty"`
	Comment    string            `json:"comment,omitempty"`
	Data       map[string]string `json:"data,omitempty"`
	At         time.Time         `json:"at"`
	PrevHash   string            `json:"prev_hash"`
	Hash       string            `json:"hash"`
}

// AuditAnchorJSON is one anchor of the audit chain (AnchorReportJSON).
type AuditAnchorJSON struct {
	Key         string     `json:"key"`
	Seq         int64      `json:"seq,omitempty"`
	Hash        string     `json:"hash,omitempty"`
	At          *time.Time `json:"at,omitempty"`
	Instance    string     `json:"instance,omitempty"`
	Restored    bool       `json:"restored,omitempty"`
	TimeStamped bool       `json:"time_stamped,omitempty"`
	Rejected    string     `json:"rejected,omitempty"`
}

// AnchorReportJSON is what the audit verification found about the
// chain's anchors in the archive store.
type AnchorReportJSON struct {
	Found      int `json:"found"`
	Checked    int `json:"checked"`
	Superseded int `json:"superseded"`
	Unchecked  int `json:"unchecked"`
	// SignaturesChecked: the anchor objects whose signature the verdict
	// needed (workflow.AnchorReport).
	SignaturesChecked int               `json:"signatures_checked"`
	Rejected          []AuditAnchorJSON `json:"rejected,omitempty"`
	Last              *AuditAnchorJSON  `json:"last,omitempty"`
	Broken            *AuditAnchorJSON  `json:"broken,omitempty"`
	Behind            *AuditAnchorJSON  `json:"behind,omitempty"`
}

func toAnchorJSON(a *workflow.AuditAnchor) *AuditAnchorJSON {
	if a == nil {
		return nil
	}
	out := &AuditAnchorJSON{Key: a.Key, Seq: a.Seq, Hash: a.Hash, Instance: a.Instance, Restored: a.Restored,
		TimeStamped: a.TimeStamped, Rejected: a.Rejected}
	if !a.At.IsZero() {
		at := a.At.UTC()
		out.At = &at
	}
	return out
}

func toAnchorReportJSON(r *workflow.AnchorReport) AnchorReportJSON {
	out := AnchorReportJSON{Found: r.Found, Checked: r.Checked, Superseded: r.Superseded, Unchecked: r.Unchecked,
		SignaturesChecked: r.SignaturesChecked, Last: toAnchorJSON(r.Last), Broken: toAnchorJSON(r.Broken), Behind: toAnchorJSON(r.Behind)}
	for i := range r.Rejected {
		out.Rejected = append(out.Rejected, *toAnchorJSON(&r.Rejected[i]))
	}
	return out
}

func toEventJSON(e workflow.Event) EventJSON {
	return EventJSON{Seq: e.Seq, DocumentID: e.DocumentID, Actor: e.Actor, Kind: string(e.Kind), Action: string(e.Action),
		From: string(e.From), To: string(e.To), Comment: e.Comment, Data: e.Data, At: e.At.UTC(), PrevHash: e.PrevHash, Hash: e.Hash}
}
