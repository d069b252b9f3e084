package archive

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// MetadataFormat names the layout of metadata.json: "vanthu-record/2"
// carries the validation report and the audit trail in itself
// (verification.report, events.trail); records written before it
// ("vanthu-record/1") have them as objects of their own,
// verification.json and events.json. Both are read.
const (
	MetadataFormat      = "vanthu-record/2"
	MetadataFormatSplit = "vanthu-record/1"
)

// Metadata is metadata.json: every document and register field, the
// signer, the files with their hashes, the validation report and the
// audit trail (each with the SHA-256 of the file it is exported as) and
// the retention. It is derived only from the document, its events and
// the record (whose archive date is fixed at the first attempt), so a
// retry writes the same bytes.
type Metadata struct {
	Format          string            `json:"format"`
	DocumentID      string            `json:"document_id"`
	Version         int               `json:"version"`
	Direction       string            `json:"direction"`
	Type            string            `json:"type"`
	TypeName        string            `json:"type_name"`
	Subject         string            `json:"subject"`
	Urgency         string            `json:"urgency"`
	Confidentiality string            `json:"confidentiality"`
	StateArchived   string            `json:"state_when_archived"`
	Signer          *Person           `json:"signer,omitempty"`
	Recipients      []workflow.Org    `json:"recipients,omitempty"`
	DraftingUnit    string            `json:"drafting_unit,omitempty"`
	Sender          *workflow.Org     `json:"sender,omitempty"`
	OriginalNumber  string            `json:"original_number,omitempty"`
	OriginalDate    *workflow.Date    `json:"original_date,omitempty"` // YYYY-MM-DD
	Register        RegisterMeta      `json:"register"`
	AssigneeID      string            `json:"assignee_id,omitempty"`
	DueDate         *workflow.Date    `json:"due_date,omitempty"` // YYYY-MM-DD
	Notes           string            `json:"notes,omitempty"`
	ExternalID      string            `json:"external_id,omitempty"`
	Replaces        string            `json:"replaces,omitempty"`
	RevokeState     string            `json:"revoke_state,omitempty"`
	RevokeReason    string            `json:"revoke_reason,omitempty"`
	RevokeAnswer    string            `json:"revoke_answer,omitempty"`
	RejectReason    string            `json:"reject_reason,omitempty"`
	Updates         string            `json:"updates,omitempty"`
	ReplacedBy      string            `json:"replaced_by,omitempty"`
	UpdatedBy       string            `json:"updated_by,omitempty"`
	RepliesTo       string            `json:"replies_to,omitempty"` // the incoming letter an outgoing document answers
	RepliedBy       string            `json:"replied_by,omitempty"` // an incoming letter's latest reply
	CreatedBy       string            `json:"created_by"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	Agency          *workflow.Agency  `json:"agency,omitempty"`
	Files           []FileMeta        `json:"files"`
	Verification    *VerificationMeta `json:"verification,omitempty"`
	Events          EventsMeta        `json:"events"`
	Retention       RetentionMeta     `json:"retention"`
}

// Person is a user named in the metadata.
type Person struct {
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
	FullName string `json:"full_name,omitempty"`
	Title    string `json:"title,omitempty"`
	Unit     string `json:"unit,omitempty"`
}

// RegisterMeta is where the document was numbered.
type RegisterMeta struct {
	Kind         string     `json:"kind,omitempty"`
	Year         int        `json:"year,omitempty"`
	Number       int        `json:"number,omitempty"`
	Notation     string     `json:"notation,omitempty"`
	IssuedAt     *time.Time `json:"issued_at,omitempty"`
	RegisteredAt *time.Time `json:"registered_at,omitempty"`
}

// FileMeta is one file of the record.
type FileMeta struct {
	Name         string    `json:"name"` // within the record
	OriginalName string    `json:"original_name"`
	Kind         string    `json:"kind"`
	SHA256       string    `json:"sha256"`
	Size         int64     `json:"size"`
	CreatedAt    time.Time `json:"created_at"`
	// Inspected says whether the file had been inspected for what it
	// carries that acts when it is opened when the record was written
	// (workflow.File.Inspection, as the API's files[].inspected), and
	// ActiveContent what that found (javascript, launch, embedded_file;
	// left out when nothing, or not inspected). Records written before
	// they were recorded have neither (Inspected nil): nothing recorded,
	// read as not inspected. Neither is part of what a retry compares
	// (sameContents), nor of fixity: they are metadata.json's bytes.
	Inspected     *bool    `json:"inspected,omitempty"`
	ActiveContent []string `json:"active_content,omitempty"`
}

// fileMeta is the FileMeta of f, named name in the record.
func fileMeta(name string, f workflow.File) FileMeta {
	inspected := f.Inspection == workflow.Inspected
	m := FileMeta{Name: name, OriginalName: f.Name, Kind: string(f.Kind), SHA256: f.SHA256, Size: f.Size, CreatedAt: f.CreatedAt.UTC(),
		Inspected: &inspected}
	if inspected {
		m.ActiveContent = f.Active.Kinds()
	}
	return m
}

// Active is what the file carries that acts when it is opened, and
// whether that is known: known only when the record says it was
// inspected (a record written before this was recorded says nothing).
func (m FileMeta) Active() (workflow.Active, bool) {
	if m.Inspected == nil || !*m.Inspected {
		return 0, false
	}
	return workflow.ActiveOf(m.ActiveContent), true
}

// VerificationMeta is the validation report: its verdict and reasons,
// and the report itself (Report; in records of the split layout, the
// object File instead). File is the report's name in the record and its
// packages, SHA256 the SHA-256 of that file's bytes (Part).
type VerificationMeta struct {
	Verdict string          `json:"verdict"`
	Reasons []string        `json:"reasons,omitempty"`
	File    string          `json:"file"`
	SHA256  string          `json:"sha256"`
	Report  json.RawMessage `json:"report,omitempty"`
}

// EventsMeta is the audit trail: a summary, and the events with their
// chain hashes (Trail; in records of the split layout, the object File
// instead). File is the trail's name in the record and its packages,
// SHA256 the SHA-256 of that file's bytes (Part).
type EventsMeta struct {
	File     string          `json:"file"`
	SHA256   string          `json:"sha256"`
	Count    int             `json:"count"`
	FirstSeq int64           `json:"first_seq,omitempty"`
	LastSeq  int64           `json:"last_seq,omitempty"`
	LastHash string          `json:"last_hash,omitempty"`
	Trail    json.RawMessage `json:"trail,omitempty"`
}

// Part returns the bytes of the file name (NameVerification or
// NameEvents) m carries in itself, byte for byte as the record's recorded
// SHA-256 of it: the report compact, as the validator wrote it, the trail
// indented by two spaces, as events.json always was. False when m does
// not carry it (a split-layout record: the file is an object of its own;
// or no validation report).
func (m *Metadata) Part(name string) ([]byte, bool) {
	var raw json.RawMessage
	indent := false
	switch {
	case name == NameVerification && m.Verification != nil && m.Verification.File == name:
		raw = m.Verification.Report
	case name == NameEvents && m.Events.File == name:
		raw, indent = m.Events.Trail, true
	}
	if len(raw) == 0 {
		return nil, false
	}
	b, err := partBytes(raw, indent)
	if err != nil {
		return nil, false
	}
	return b, true
}

// fieldLines puts each member of the compact JSON object b on a line of
// its own, indented by two spaces, and leaves the values compact: a
// metadata.json an editor shows a field a line, without the whitespace
// of indenting the report and the trail, which would take a typical
// record (a 6 KB report, a dozen events) past 16 KiB, the size up to
// which MinIO keeps an object inside its own metadata file (above it a
// separate part file and its fsync cost the store more per object).
func fieldLines(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/32)
	depth, inStr, esc := 0, false, false
	for _, c := range b {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			out = append(out, c)
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			if depth == 1 {
				out = append(out, c, '\n', ' ', ' ')
				continue
			}
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				out = append(out, '\n')
			}
		case depth == 1 && c == ',':
			out = append(out, ",\n  "...)
			continue
		case depth == 1 && c == ':':
			out = append(out, ": "...)
			continue
		}
		out = append(out, c)
	}
	return out
}

// partBytes is the file an embedded JSON value stands for: compact (with
// encoding/json's escaping), or indented by two spaces as
// json.MarshalIndent writes it. Whatever way metadata.json indents the
// value, the result is the same.
func partBytes(raw json.RawMessage, indent bool) ([]byte, error) {
	c, err := json.Marshal(raw) // compact, escaped as encoding/json does
	if err != nil || !indent {
		return c, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, c, "", "  "); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// RetentionMeta is the record's retention.
type RetentionMeta struct {
	Class       string    `json:"class"`
	ArchivedAt  time.Time `json:"archived_at"`
	RetainUntil time.Time `json:"retain_until"`
	Mode        string    `json:"mode"` // "compliance"
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// metadata makes metadata.json; signer is d's signer as read now (nil:
// none, or it could not be read: the record's name for it is used).
func (s *Service) metadata(d *workflow.Document, rec *Record, signer *workflow.User, files []FileMeta, v *VerificationMeta, ev EventsMeta) *Metadata {
	m := &Metadata{
		Format: MetadataFormat, DocumentID: d.ID, Version: d.Version, Direction: string(d.Direction),
		Type: string(d.Type), TypeName: workflow.DocTypes[d.Type], Subject: d.Subject, Urgency: string(d.Urgency),
		Confidentiality: string(d.Confidentiality), StateArchived: string(d.State),
		Recipients: d.Recipients, DraftingUnit: d.DraftingUnit, Sender: d.Sender,
		OriginalNumber: d.OriginalNumber, OriginalDate: d.OriginalDate,
		Register: RegisterMeta{Kind: string(d.Register), Year: d.Year, Number: d.Number, Notation: d.Notation,
			IssuedAt: utcp(d.IssuedAt), RegisteredAt: utcp(d.RegisteredAt)},
		AssigneeID: d.AssigneeID, DueDate: d.DueDate, Notes: d.Notes, ExternalID: d.ExternalID,
		Replaces: d.Replaces, RevokeState: d.RevokeState, CreatedBy: d.CreatedBy,
		RevokeReason: d.RevokeReason, RevokeAnswer: d.RevokeAnswer, RejectReason: d.RejectReason,
		Updates: d.Updates, ReplacedBy: d.ReplacedBy, UpdatedBy: d.UpdatedBy, RepliesTo: d.RepliesTo, RepliedBy: d.RepliedBy,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		Files: files, Verification: v, Events: ev,
		Retention: RetentionMeta{Class: rec.Class, ArchivedAt: rec.ArchivedAt.UTC(), RetainUntil: rec.RetainUntil.UTC(), Mode: "compliance"},
	}
	if s.Org.OrgID != "" {
		a := s.Org
		m.Agency = &a
	}
	if d.SignerID != "" {
		m.Signer = &Person{ID: d.SignerID, FullName: rec.SignerName}
		if u := signer; u != nil {
			m.Signer = &Person{ID: u.ID, Username: u.Username, FullName: u.FullName, Title: u.Title, Unit: u.Unit}
		}
	}
	return m
}

// eventJSON is one audit event in events.json, with its chain hashes so
// the trail can be re-verified from the record alone.
type eventJSON struct {
	Seq        int64             `json:"seq"`
	DocumentID string            `json:"document_id"`
	Actor      string            `json:"actor"`
	Kind       string            `json:"kind"`
	Action     string            `json:"action,omitempty"`
	From       string            `json:"from,omitempty"`
	To         string            `json:"to,omitempty"`
	Comment    string            `json:"comment,omitempty"`
	Data       map[string]string `json:"data"`
	At         time.Time         `json:"at"`
	AtMicros   int64             `json:"at_unix_micros"`
	PrevHash   string            `json:"prev_hash"`
	Hash       string            `json:"hash"`
}

func eventsJSON(events []workflow.Event) []eventJSON {
	out := make([]eventJSON, 0, len(events))
	for _, e := range events {
		out = append(out, eventJSON{Seq: e.Seq, DocumentID: e.DocumentID, Actor: e.Actor, Kind: string(e.Kind),
			Action: string(e.Action), From: string(e.From), To: string(e.To), Comment: e.Comment, Data: e.Data,
			At: e.At.UTC(), AtMicros: e.At.UnixMicro(), PrevHash: e.PrevHash, Hash: e.Hash})
	}
	return out
}
