package gormdb

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/vifold"
	"github.com/vanthu/vanthu/workflow"
)

// documentRow is a row of documents. Recipients and files are JSON text
// (they are only ever read and written with their document); the sender
// and the verification report have columns of their own (NULL = none).
// SubjectNorm is vifold.Fold(Subject), for accent-insensitive search.
type documentRow struct {
	ID              string `gorm:"primaryKey;index:documents_created,priority:2;index:documents_direction_created,priority:3;index:documents_work,priority:9"`
	Direction       string `gorm:"not null;index:documents_direction_created,priority:1;index:documents_work,priority:1"`
	Type            string `gorm:"not null"`
	Subject         string `gorm:"not null"`
	SubjectNorm     string `gorm:"not null"`
	Urgency         string `gorm:"not null;index:documents_work,priority:3"`
	Confidentiality string `gorm:"not null;index:documents_work,priority:8"`
	State           string `gorm:"not null;index:documents_work,priority:2"`
	Version         int    `gorm:"not null"`

	SignerID     string `gorm:"not null;index:documents_work,priority:5"`
	Recipients   string `gorm:"not null"` // JSON array of {org_id, name}
	DraftingUnit string `gorm:"not null"`

	SenderOrgID    *string
	SenderName     *string
	OriginalNumber string         `gorm:"not null"`
	OriginalDate   *workflow.Date // DATE (a calendar day, see migrateDates)

	Register     string `gorm:"not null"`
	Year         int    `gorm:"not null"`
	Number       int    `gorm:"not null"`
	Notation     string `gorm:"not null"`
	IssuedAt     *time.Time
	RegisteredAt *time.Time

	AssigneeID string         `gorm:"not null;index:documents_work,priority:6"`
	DueDate    *workflow.Date `gorm:"index:documents_work,priority:4"` // DATE
	Retention  string         `gorm:"not null"`
	Notes      string         `gorm:"not null"`
	Files      string         `gorm:"not null"` // JSON array of fileJSON

	Layout     *string // JSON of workflow.Layout; NULL = defaults
	ExternalID string  `gorm:"not null;default:''"` // unique with sender_org_id, delivery_key where not empty (migrations.go)
	// ExternalIDSent: the DocumentId as its sender spelled it, '' when that is external_id (migration 18).
	ExternalIDSent string `gorm:"not null;default:''"`
	DeliveryKey    string `gorm:"not null;default:''"`
	VerifyCode     string `gorm:"not null;default:''"` // unique where not empty (migrate.go)
	Replaces       string `gorm:"not null;default:''"`
	RevokeState    string `gorm:"not null;default:''"`
	// Exchange: links and reasons (typed, not in Notes).
	Updates      string `gorm:"not null;default:''"`
	ReplacedBy   string `gorm:"not null;default:''"`
	UpdatedBy    string `gorm:"not null;default:''"`
	RevokeReason string `gorm:"not null;default:''"`
	RevokeAnswer string `gorm:"not null;default:''"`
	RejectReason string `gorm:"not null;default:''"`
	// A reply and the incoming letter it answers (migration 26).
	RepliesTo   string `gorm:"not null;default:''"`
	RepliedBy   string `gorm:"not null;default:''"`
	ArchivedAt  *time.Time
	RetainUntil *time.Time
	LegalHold   bool `gorm:"not null;default:false"`

	VerificationVerdict *string // NULL: not verified
	VerificationReasons string  `gorm:"not null"` // JSON array
	VerificationReport  []byte

	CreatedBy string    `gorm:"not null;index:documents_work,priority:7"`
	CreatedAt time.Time `gorm:"not null;index:documents_created,priority:1;index:documents_direction_created,priority:2;autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (documentRow) TableName() string { return "documents" }

type orgJSON struct {
	OrgID string `json:"org_id"`
	Name  string `json:"name"`
}

type fileJSON struct {
	SHA256    string    `json:"sha256"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	Base      string    `json:"base,omitempty"` // a tailed file's base (file_tails)
	// Active: what the PDF carries that acts when it is opened
	// (workflow.Active's kinds), left out when nothing (every file before).
	Active workflow.Active `json:"active,omitempty"`
	// Inspection: whether the file was inspected for it ("inspected",
	// "unreadable"), left out when it was not (every file before: read as
	// workflow.NotInspected; uninspectedWhere counts the files without it).
	Inspection workflow.Inspection `json:"inspection,omitempty"`
}

// toDomain is the file f describes. A file stored with what it carries
// but before its inspection was recorded (Active without Inspection) was
// inspected.
func (f *fileJSON) toDomain() workflow.File {
	out := workflow.File{SHA256: f.SHA256, Name: f.Name, Size: f.Size, Kind: workflow.FileKind(f.Kind), CreatedAt: fromDB(f.CreatedAt),
		Base: f.Base, Active: f.Active, Inspection: f.Inspection}
	if out.Inspection == workflow.NotInspected && out.Active != 0 {
		out.Inspection = workflow.Inspected
	}
	return out
}

// encodeFiles is the files column of files: a JSON array of fileJSON.
func encodeFiles(files []workflow.File) (string, error) {
	out := make([]fileJSON, 0, len(files))
	for _, f := range files {
		out = append(out, fileJSON{SHA256: f.SHA256, Name: f.Name, Size: f.Size, Kind: string(f.Kind), CreatedAt: utc(f.CreatedAt), Base: f.Base,
			Active: f.Active, Inspection: f.Inspection})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode files: %w", err)
	}
	return string(b), nil
}

func documentFromDomain(d *workflow.Document) (*documentRow, error) {
	r := &documentRow{
		ID:              d.ID,
		Direction:       string(d.Direction),
		Type:            string(d.Type),
		Subject:         d.Subject,
		SubjectNorm:     vifold.Fold(d.Subject),
		Urgency:         string(d.Urgency),
		Confidentiality: string(d.Confidentiality),
		State:           string(d.State),
		Version:         d.Version,
		SignerID:        d.SignerID,
		DraftingUnit:    d.DraftingUnit,
		OriginalNumber:  d.OriginalNumber,
		OriginalDate:    d.OriginalDate,
		Register:        string(d.Register),
		Year:            d.Year,
		Number:          d.Number,
		Notation:        d.Notation,
		IssuedAt:        utcPtr(d.IssuedAt),
		RegisteredAt:    utcPtr(d.RegisteredAt),
		AssigneeID:      d.AssigneeID,
		DueDate:         d.DueDate,
		Retention:       d.Retention,
		Notes:           d.Notes,
		ExternalID:      d.ExternalID,
		ExternalIDSent:  d.ExternalIDAsSent,
		DeliveryKey:     d.DeliveryKey,
		VerifyCode:      d.VerifyCode,
		Replaces:        d.Replaces,
		RevokeState:     d.RevokeState,
		Updates:         d.Updates,
		ReplacedBy:      d.ReplacedBy,
		UpdatedBy:       d.UpdatedBy,
		RevokeReason:    d.RevokeReason,
		RevokeAnswer:    d.RevokeAnswer,
		RejectReason:    d.RejectReason,
		RepliesTo:       d.RepliesTo,
		RepliedBy:       d.RepliedBy,
		ArchivedAt:      utcPtr(d.ArchivedAt),
		RetainUntil:     utcPtr(d.RetainUntil),
		LegalHold:       d.LegalHold,
		CreatedBy:       d.CreatedBy,
		CreatedAt:       utc(d.CreatedAt),
		UpdatedAt:       utc(d.UpdatedAt),
	}
	if d.Sender != nil {
		r.SenderOrgID, r.SenderName = &d.Sender.OrgID, &d.Sender.Name
	}
	if err := r.encodeJSONColumns(d); err != nil {
		return nil, err
	}
	return r, nil
}

// encodeJSONColumns sets the JSON text columns from d: recipients,
// files, layout and the verification.
func (r *documentRow) encodeJSONColumns(d *workflow.Document) error {
	recipients := make([]orgJSON, 0, len(d.Recipients))
	for _, o := range d.Recipients {
		recipients = append(recipients, orgJSON(o))
	}
	b, err := json.Marshal(recipients)
	if err != nil {
		return fmt.Errorf("encode recipients: %w", err)
	}
	r.Recipients = string(b)
	if r.Files, err = encodeFiles(d.Files); err != nil {
		return err
	}
	if d.Layout != nil {
		lb, err := json.Marshal(d.Layout)
		if err != nil {
			return fmt.Errorf("encode layout: %w", err)
		}
		ls := string(lb)
		r.Layout = &ls
	}
	r.VerificationReasons = "null"
	if v := d.Verification; v != nil {
		verdict := v.Verdict
		r.VerificationVerdict = &verdict
		if b, err = json.Marshal(v.Reasons); err != nil {
			return fmt.Errorf("encode verification reasons: %w", err)
		}
		r.VerificationReasons = string(b)
		r.VerificationReport = v.Report
	}
	return nil
}

func (r *documentRow) toDomain() (*workflow.Document, error) {
	d := &workflow.Document{
		ID:              r.ID,
		Direction:       workflow.Direction(r.Direction),
		Type:            workflow.DocType(r.Type),
		Subject:         r.Subject,
		Urgency:         workflow.Urgency(r.Urgency),
		Confidentiality: workflow.Confidentiality(r.Confidentiality),
		State:           workflow.State(r.State),
		Version:         r.Version,
		SignerID:        r.SignerID,
		DraftingUnit:    r.DraftingUnit,
		OriginalNumber:  r.OriginalNumber,
		OriginalDate:    r.OriginalDate,
		Register:        workflow.RegisterKind(r.Register),
		Year:            r.Year,
		Number:          r.Number,
		Notation:        r.Notation,
		IssuedAt:        fromDBPtr(r.IssuedAt),
		RegisteredAt:    fromDBPtr(r.RegisteredAt),
		AssigneeID:      r.AssigneeID,
		DueDate:         r.DueDate,
		Retention:       r.Retention,
		Notes:           r.Notes,
		ExternalID:      r.ExternalID,
		DeliveryKey:     r.DeliveryKey,
		VerifyCode:      r.VerifyCode,
		Replaces:        r.Replaces,
		RevokeState:     r.RevokeState,
		Updates:         r.Updates,
		ReplacedBy:      r.ReplacedBy,
		UpdatedBy:       r.UpdatedBy,
		RevokeReason:    r.RevokeReason,
		RevokeAnswer:    r.RevokeAnswer,
		RejectReason:    r.RejectReason,
		RepliesTo:       r.RepliesTo,
		RepliedBy:       r.RepliedBy,
		ArchivedAt:      fromDBPtr(r.ArchivedAt),
		RetainUntil:     fromDBPtr(r.RetainUntil),
		LegalHold:       r.LegalHold,
		CreatedBy:       r.CreatedBy,
		CreatedAt:       fromDB(r.CreatedAt),
		UpdatedAt:       fromDB(r.UpdatedAt),
	}
	d.ExternalIDAsSent = r.ExternalIDSent
	if r.SenderOrgID != nil || r.SenderName != nil {
		d.Sender = &workflow.Org{}
		if r.SenderOrgID != nil {
			d.Sender.OrgID = *r.SenderOrgID
		}
		if r.SenderName != nil {
			d.Sender.Name = *r.SenderName
		}
	}
	if err := r.decodeJSONColumns(d); err != nil {
		return nil, fmt.Errorf("document %s: %w", r.ID, err)
	}
	return d, nil
}

// decodeJSONColumns sets d's recipients, files, layout and verification
// from the JSON text columns. The same texts come back again and again
// (every page of a list, every GET of a document), so each decoded value
// is remembered by its text (decodeMemo) and d gets its own copy.
func (r *documentRow) decodeJSONColumns(d *workflow.Document) error {
	var err error
	if d.Recipients, err = recipientsMemo.decode(r.Recipients); err != nil {
		return fmt.Errorf("decode recipients: %w", err)
	}
	if d.Files, err = filesMemo.decode(r.Files); err != nil {
		return fmt.Errorf("decode files: %w", err)
	}
	if r.Layout != nil {
		if d.Layout, err = layoutMemo.decode(*r.Layout); err != nil {
			return fmt.Errorf("decode layout: %w", err)
		}
	}
	if r.VerificationVerdict != nil {
		v := &workflow.Verification{Verdict: *r.VerificationVerdict, Report: r.VerificationReport}
		if v.Reasons, err = reasonsMemo.decode(r.VerificationReasons); err != nil {
			return fmt.Errorf("decode verification reasons: %w", err)
		}
		d.Verification = v
	}
	return nil
}

// userRow is a row of users; roles are a comma-separated list.
type userRow struct {
	ID             string    `gorm:"primaryKey"`
	Username       string    `gorm:"not null;uniqueIndex"`
	FullName       string    `gorm:"not null"`
	Title          string    `gorm:"not null"`
	Unit           string    `gorm:"not null"`
	Roles          string    `gorm:"not null"`
	PasswordHash   string    `gorm:"not null"`
	Disabled       bool      `gorm:"not null"`
	SigningKeyURI  string    `gorm:"not null"`
	CertPEM        string    `gorm:"not null"`
	SignatureImage string    `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null;autoCreateTime:false"`
	PersonalID     string    `gorm:"not null;default:''"`
	// MustChangePassword: migration 19.
	MustChangePassword bool `gorm:"not null;default:false"`
}

func (userRow) TableName() string { return "users" }

func userFromDomain(u *workflow.User) *userRow {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return &userRow{
		ID:                 u.ID,
		Username:           u.Username,
		FullName:           u.FullName,
		Title:              u.Title,
		Unit:               u.Unit,
		Roles:              strings.Join(roles, ","),
		PasswordHash:       u.PasswordHash,
		Disabled:           u.Disabled,
		SigningKeyURI:      u.SigningKeyURI,
		CertPEM:            u.CertPEM,
		SignatureImage:     u.SignatureImage,
		CreatedAt:          utc(u.CreatedAt),
		PersonalID:         u.PersonalID,
		MustChangePassword: u.MustChangePassword,
	}
}

func (r *userRow) toDomain() *workflow.User {
	u := &workflow.User{
		ID:                 r.ID,
		Username:           r.Username,
		FullName:           r.FullName,
		Title:              r.Title,
		Unit:               r.Unit,
		PasswordHash:       r.PasswordHash,
		Disabled:           r.Disabled,
		SigningKeyURI:      r.SigningKeyURI,
		CertPEM:            r.CertPEM,
		SignatureImage:     r.SignatureImage,
		CreatedAt:          fromDB(r.CreatedAt),
		PersonalID:         r.PersonalID,
		MustChangePassword: r.MustChangePassword,
	}
	if r.Roles != "" {
		for _, s := range strings.Split(r.Roles, ",") {
			u.Roles = append(u.Roles, workflow.Role(s))
		}
	}
	return u
}

// sessionRow is a login session, keyed by the token's hash.
type sessionRow struct {
	TokenHash string    `gorm:"primaryKey"`
	UserID    string    `gorm:"not null;index"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
	ExpiresAt time.Time `gorm:"not null;index"`
	// SignConfirmedAt is when the session's user last typed the right
	// password to sign (Unix milliseconds; 0: never, or forgotten).
	SignConfirmedAt int64 `gorm:"not null;default:0"`
}

func (sessionRow) TableName() string { return "sessions" }

// counterRow is the last number taken in a register in a year.
type counterRow struct {
	Kind string `gorm:"primaryKey"`
	Year int    `gorm:"primaryKey;autoIncrement:false"`
	Last int    `gorm:"not null"`
}

func (counterRow) TableName() string { return "register_counters" }

// eventRow is an audit event. At is kept as Unix microseconds so the
// hash, which covers exactly that, recomputes; Data is JSON ("null" for a
// nil map, so nil and empty maps keep their distinct hashes).
type eventRow struct {
	Seq        int64  `gorm:"primaryKey;autoIncrement:false"`
	DocumentID string `gorm:"not null;index"`
	Actor      string `gorm:"not null"`
	Kind       string `gorm:"not null"`
	Action     string `gorm:"not null"`
	FromState  string `gorm:"not null"`
	ToState    string `gorm:"not null"`
	Comment    string `gorm:"not null"`
	Data       string `gorm:"not null"`
	AtMicros   int64  `gorm:"not null"`
	PrevHash   string `gorm:"not null"`
	Hash       string `gorm:"not null"`
}

func (eventRow) TableName() string { return "audit_events" }

func eventFromDomain(e *workflow.Event) (*eventRow, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, fmt.Errorf("encode event data: %w", err)
	}
	return &eventRow{
		Seq:        e.Seq,
		DocumentID: e.DocumentID,
		Actor:      e.Actor,
		Kind:       string(e.Kind),
		Action:     string(e.Action),
		FromState:  string(e.From),
		ToState:    string(e.To),
		Comment:    e.Comment,
		Data:       string(data),
		AtMicros:   e.At.UnixMicro(),
		PrevHash:   e.PrevHash,
		Hash:       e.Hash,
	}, nil
}

func (r *eventRow) toDomain() (workflow.Event, error) {
	e := workflow.Event{
		Seq:        r.Seq,
		DocumentID: r.DocumentID,
		Actor:      r.Actor,
		Kind:       workflow.EventKind(r.Kind),
		Action:     workflow.Action(r.Action),
		From:       workflow.State(r.FromState),
		To:         workflow.State(r.ToState),
		Comment:    r.Comment,
		At:         time.UnixMicro(r.AtMicros).UTC(),
		PrevHash:   r.PrevHash,
		Hash:       r.Hash,
	}
	if r.Data != "" {
		if err := json.Unmarshal([]byte(r.Data), &e.Data); err != nil {
			return e, fmt.Errorf("audit event %d: decode data: %w", r.Seq, err)
		}
	}
	return e, nil
}

// headRow is the chain head: the last event's sequence number and hash.
// There is exactly one row (ID 1); appending an event locks it.
type headRow struct {
	ID   int    `gorm:"primaryKey;autoIncrement:false"`
	Seq  int64  `gorm:"not null"`
	Hash string `gorm:"not null"`
}

func (headRow) TableName() string { return "audit_head" }
