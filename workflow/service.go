package workflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Agency is this agency: the one whose registers number documents and
// whose signature layer 2 applies.
type Agency struct {
	OrgID string // e.g. "000.00.12.H13"
	Name  string // e.g. "UBND quận Bình Thủy"
	Abbr  string // e.g. "UBND", used in notations
}

// Service applies actions to documents: guard -> effects -> persist with
// audit, atomically. Optional collaborators left nil make the actions
// that need them answer EUNAVAILABLE.
type Service struct {
	Repo      Repository
	Blobs     Blobs
	Inspector PDFInspector
	Signer    Signer   // sign, issue; verification at registration
	Archiver  Archiver // archive writes a record when set; else only the state changes
	Outbox    Outbox   // send
	// Anchors are the audit chain's signed checkpoints in the archive
	// store (anchor.go): VerifyAudit checks the chain against each. Nil:
	// only the chain itself is checked.
	Anchors AnchorSource
	Agency  Agency
	// VerifyCodes gives every issued outgoing document a public
	// verification code (set when the server has a public URL).
	VerifyCodes bool
	// ReservationTTL is how long an issue may hold a reserved number
	// before the next issue of the register gives it back or voids it
	// (DefaultReservationTTL when 0).
	ReservationTTL time.Duration
	// RegisterPage is how many documents EachRegisterRows reads at a time
	// (0: DefaultRegisterPage).
	RegisterPage int
	// IdempotencyLease is how long a create in flight holds its
	// idempotency key before a retry under the key may take it over (its
	// attempt presumed dead with its instance); DefaultIdempotencyLease
	// when 0.
	IdempotencyLease time.Duration
	// Instance is this process's ID in the liveness rows (liveness.go):
	// the holder recorded on the numbers it reserves and the keys it
	// holds. Empty: none recorded (they wait for the TTL or the lease).
	Instance string
	// InstanceStale is how long another instance's liveness row may go
	// unrenewed before what it holds is taken over
	// (DefaultInstanceStale when 0).
	InstanceStale time.Duration
	// SignConcurrency, when above 0, bounds the signatures and
	// verifications of sign, issue and register running at once, so that
	// on a small machine they leave CPU to the other requests; the rest
	// wait their turn, holding no lock and no reserved number. A turn is
	// held for the whole signature, time-stamp request included. 0: no
	// bound.
	SignConcurrency int
	// SignOn, when set, runs the CPU-bound work of a turn to sign (the
	// signature calls and the verification of their result, not the
	// reads, writes and database work around them) and returns when it
	// has: cmd/vanthu runs it on an OS thread of lower CPU priority, so
	// that requests are served before signatures. It must return fn's
	// panic to the caller. nil runs fn on the calling goroutine.
	SignOn    func(fn func())
	signSlots chan struct{}
	signOnce  sync.Once
	Logger    *slog.Logger
	Now       func() time.Time
	NewID     func() string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) newID() string {
	if s.NewID != nil {
		return s.NewID()
	}
	return NewID(s.now())
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// NewID returns an opaque identifier that sorts by creation time: 13 hex
// digits of microseconds since the epoch, then 8 random hex digits.
func NewID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%013x%s", now.UnixMicro(), hex.EncodeToString(b[:]))
}

// Upload is a file given with a new document.
type Upload struct {
	Name    string
	Size    int64
	Content io.ReaderAt
	// Inspection and Active are what the caller's own inspection of
	// Content found, for a path that stores it without inspecting it
	// again (Import: vanthu archive import inspects each file itself);
	// NotInspected when it made none. A path that inspects ignores them.
	Inspection Inspection
	Active     Active
}

// HeldBytes is an Upload's Content that is a slice already in memory (an
// exchange package's decoded attachment): HeldBytes returns the slice
// itself, not a copy, and no reader may change it. A reader that needs
// the whole file in memory — the receipt's inspection and its
// verification — takes it instead of reading it into a copy.
type HeldBytes interface {
	io.ReaderAt
	HeldBytes() []byte
}

// Held is the Content of an upload of b (HeldBytes); b must not change
// while the upload is in use.
func Held(b []byte) HeldBytes { return heldBytes{bytes.NewReader(b), b} }

type heldBytes struct {
	*bytes.Reader
	b []byte
}

func (h heldBytes) HeldBytes() []byte { return h.b }

// HeldContent is r's bytes when r holds exactly size of them in memory
// (HeldBytes).
func HeldContent(r io.ReaderAt, size int64) ([]byte, bool) {
	h, ok := r.(HeldBytes)
	if !ok {
		return nil, false
	}
	b := h.HeldBytes()
	return b, int64(len(b)) == size
}

// CreateInput is a new document's metadata and files.
type CreateInput struct {
	Direction       Direction
	Type            DocType
	Subject         string
	Urgency         Urgency
	Confidentiality Confidentiality
	SignerID        string
	Recipients      []Org
	DraftingUnit    string
	Layout          *Layout
	Sender          *Org
	OriginalNumber  string
	OriginalDate    *Date
	DueDate         *Date
	Retention       string
	Notes           string
	File            *Upload
	Attachments     []Upload
	// Replaces or Updates (outgoing, at most one) names a sent document of
	// ours that this one replaces (edXML type 3) or updates (type 2); it
	// goes to the same recipients unless others are given.
	Replaces string
	Updates  string
	// RepliesTo (outgoing) names the incoming document this one answers,
	// one the actor may see (reply.go).
	RepliesTo string
	// DueFromLetter: the request named no due date (the API's due_date
	// left out), so a reply takes its letter's (ReplyDefaults), as the
	// web's reply form comes filled with it. False: DueDate as given,
	// none included (a form whose date was cleared). A reply's Urgency
	// and Confidentiality left "" are its letter's too (takeFromLetter).
	DueFromLetter bool `json:",omitempty"`
	// IdempotencyKey, when set, makes the creation idempotent
	// (idempotency.go): the same key from the same user with the same
	// request returns the document its first attempt created.
	IdempotencyKey string
	// Problems are what the caller could not read of the input (a date
	// not a date), each an *Error on its field: the validation reports
	// them first, with its own, and does not check their fields again.
	// The document is not created while there is one.
	Problems []error

	signer *User // the outgoing document's signer, as validateCreate read it
}

// MaxSubject is the longest subject accepted (trích yếu), in characters.
const MaxSubject = 500

// Retention classes.
var retentionClasses = map[string]bool{"": true, "5y": true, "10y": true, "20y": true, "permanent": true}

// CheckCreateRole says whether actor may create documents of direction d:
// handlers draft outgoing documents, clerks receive incoming ones. With d
// empty it asks whether actor may create any document at all, so the API
// can refuse an upload before reading its body. EFORBIDDEN, or EINVALID
// for an unknown direction.
func CheckCreateRole(actor *User, d Direction) error {
	switch d {
	case "":
		if !actor.HasAny([]Role{RoleHandler, RoleClerk}) {
			return Errorf(EFORBIDDEN, "only a handler (chuyên viên) or a clerk (văn thư) creates documents")
		}
	case Outgoing:
		if !actor.Has(RoleHandler) {
			return Errorf(EFORBIDDEN, "only a handler (chuyên viên) drafts outgoing documents")
		}
	case Incoming:
		if !actor.HasAny([]Role{RoleClerk, RoleExchange}) {
			return Errorf(EFORBIDDEN, "only a clerk (văn thư) receives incoming documents")
		}
	default:
		return Errorf(EINVALID, "direction must be \"outgoing\" or \"incoming\"")
	}
	return nil
}

// validateCreate checks a new document's fields and reports every
// field's problem (problems: the first one first, in the order below),
// after the problems the caller found reading them (in.Problems).
func (s *Service) validateCreate(ctx context.Context, actor *User, in *CreateInput) error {
	if err := CheckCreateRole(actor, in.Direction); err != nil {
		return err
	}
	var p problems
	for _, err := range in.Problems {
		p.addAll(err)
	}
	if err := s.checkFields(ctx, actor, in, true, &p); err != nil {
		return err
	}
	return p.err()
}

// checkFields adds to p the problem of each of a document's fields, a
// new one's or a revised draft's (then the file is not required: the
// draft has one), cleaning its text; it returns only an error that is
// not the input's (the repository's).
func (s *Service) checkFields(ctx context.Context, actor *User, in *CreateInput, needFile bool, p *problems) error {
	if !in.Type.Valid() {
		p.add(Errorf(EINVALID, "unknown document type %q: use a Decree 30 Appendix III abbreviation (QĐ, TB, KH, ...) or CV", in.Type).On("type"))
	}
	cleanFields(in, textRule{drop: actor == Exchange}, p)
	checkSubject(in.Subject, p)
	checkLengths(in, p)
	// Urgency and confidentiality left out ("") are a reply's letter's
	// (validateReply), else thường and not classified (defaultLevels).
	if in.Urgency != "" && !in.Urgency.Valid() {
		p.add(Errorf(EINVALID, "urgency must be normal, urgent, very_urgent or flash").On("urgency"))
	}
	if in.Confidentiality != "" && !in.Confidentiality.Valid() {
		p.add(Errorf(EINVALID, "confidentiality must be normal, confidential, secret or top_secret").On("confidentiality"))
	}
	if !retentionClasses[in.Retention] {
		p.add(Errorf(EINVALID, "retention must be 5y, 10y, 20y or permanent").On("retention"))
	}
	if in.File == nil && needFile {
		p.add(Errorf(EINVALID, "the document file (part \"file\") is required").On("file"))
	}
	p.addAll(in.Layout.Validate())
	var err error
	if in.Direction == Outgoing {
		err = s.validateOutgoing(ctx, actor, in, p)
	} else {
		validateIncoming(in, p)
		if strings.TrimSpace(in.RepliesTo) != "" {
			p.add(Errorf(EINVALID, "only an outgoing document replies to another").On("replies_to"))
		}
	}
	defaultLevels(in)
	return err
}

// defaultLevels gives a document whose urgency or confidentiality was
// left out, and not taken from the letter it replies to, thường and not
// classified.
func defaultLevels(in *CreateInput) {
	if in.Urgency == "" {
		in.Urgency = UrgencyNormal
	}
	if in.Confidentiality == "" {
		in.Confidentiality = Public
	}
}

// checkSubject checks that a subject, cleaned, is there and not too long.
func checkSubject(subject string, p *problems) {
	if subject == "" {
		p.add(Errorf(EINVALID, "subject (trích yếu) is required").On("subject"))
	} else if utf8.RuneCountInString(subject) > MaxSubject {
		p.add(Errorf(EINVALID, "subject is longer than %d characters", MaxSubject).On("subject"))
	}
}

// validateIncoming checks an incoming document's sender and its number
// and date.
func validateIncoming(in *CreateInput, p *problems) {
	if in.Sender == nil || strings.TrimSpace(in.Sender.Name) == "" {
		p.add(Errorf(EINVALID, "sender (org_id, name) is required for an incoming document").On("sender.name"))
	}
	if in.Sender != nil && in.Sender.OrgID != "" && !ValidOrgID(in.Sender.OrgID) {
		p.add(Errorf(EINVALID, "sender organisation code %q is not like 000.00.00.H13", in.Sender.OrgID).On("sender.org_id"))
	}
	if strings.TrimSpace(in.OriginalNumber) == "" {
		p.add(Errorf(EINVALID, "original_number (số/ký hiệu of the sender) is required").On("original_number"))
	}
	if in.OriginalDate == nil {
		p.add(Errorf(EINVALID, "original_date is required").On("original_date"))
	}
}

// validateOutgoing checks an outgoing document's signer (an official, kept
// in in.signer), what it replaces or updates and its recipients, adding
// their problems to p; it returns only an error that is not the input's
// (the repository's).
func (s *Service) validateOutgoing(ctx context.Context, actor *User, in *CreateInput, p *problems) error {
	if err := s.validateSigner(ctx, in, p); err != nil {
		return err
	}
	for _, check := range []func(context.Context, *User, *CreateInput) error{s.validateAmends, s.validateReply} {
		if err := check(ctx, actor, in); ErrorCode(err) == EINVALID {
			p.add(err)
		} else if err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, r := range in.Recipients {
		if !ValidOrgID(r.OrgID) {
			p.add(Errorf(EINVALID, "recipient organisation code %q is not like 000.00.00.H13", r.OrgID).On("recipients"))
		}
		if seen[r.OrgID] {
			p.add(Errorf(EINVALID, "recipient %s is listed twice", r.OrgID).On("recipients"))
		}
		seen[r.OrgID] = true
	}
	return nil
}

// validateSigner checks an outgoing document's signer, an official, and
// keeps it in in.signer.
func (s *Service) validateSigner(ctx context.Context, in *CreateInput, p *problems) error {
	if in.SignerID == "" {
		p.add(Errorf(EINVALID, "signer_id is required for an outgoing document").On("signer_id"))
		return nil
	}
	signer, err := s.Repo.User(ctx, in.SignerID)
	if ErrorCode(err) == ENOTFOUND {
		p.add(Errorf(EINVALID, "signer %q does not exist", in.SignerID).On("signer_id"))
		return nil
	} else if err != nil {
		return err
	}
	if !signer.Has(RoleOfficer) {
		p.add(Errorf(EINVALID, "signer %q is not an official (role officer)", signer.Username).On("signer_id"))
		return nil
	}
	in.signer = signer
	return nil
}

// Lengths of a new document's other text fields, in characters: the
// drafting unit is an abbreviation (VP, TCKH) printed in the notation, the
// sender's number/notation is one (125/UBND-VP), organisations have
// names. Unbounded before: a 100,000-character drafting unit was issued
// into a notation of as many characters, on page 1 and in the register.
const (
	MaxAbbr     = 20
	MaxNotation = 100
	MaxOrgName  = 500
)

type textField struct {
	name, field, value string
	max                int
}

// checkLengths bounds the text fields of a new document other than its
// subject, adding each one too long to p.
func checkLengths(in *CreateInput, p *problems) {
	fields := []textField{{"drafting_unit", "drafting_unit", in.DraftingUnit, MaxAbbr},
		{"original_number", "original_number", in.OriginalNumber, MaxNotation}, {"notes", "notes", in.Notes, MaxComment}}
	if in.Sender != nil {
		fields = append(fields, textField{"sender name", "sender.name", in.Sender.Name, MaxOrgName})
	}
	for _, r := range in.Recipients {
		fields = append(fields, textField{"recipient name", "recipients", r.Name, MaxOrgName})
	}
	for _, f := range fields {
		if utf8.RuneCountInString(f.value) > f.max {
			p.add(Errorf(EINVALID, "%s is longer than %d characters", f.name, f.max).On(f.field))
		}
	}
}

// cleanFields cleans a new document's text fields as CleanLine and
// CleanLines do (notes), adding the problem of each field refused to p
// (its text is then left as it was); a peer's text (rule.drop) loses the
// characters a person's would be refused for.
func cleanFields(in *CreateInput, rule textRule, p *problems) {
	type field struct {
		name string
		text *string
		rule textRule
	}
	lines := rule
	lines.lines = true
	fields := []field{{"subject", &in.Subject, rule}, {"drafting_unit", &in.DraftingUnit, rule},
		{"original_number", &in.OriginalNumber, rule}, {"notes", &in.Notes, lines}}
	if in.Sender != nil {
		fields = append(fields, field{"sender.name", &in.Sender.Name, rule})
	}
	for i := range in.Recipients {
		fields = append(fields, field{"recipients", &in.Recipients[i].Name, rule})
	}
	for _, f := range fields {
		t, err := cleanText(f.name, *f.text, f.rule)
		if err != nil {
			p.add(err)
			continue
		}
		*f.text = t
	}
}

// validateAmends checks the document a new outgoing one replaces or
// updates: a sent (or revoked) outgoing document the actor may see. The
// new document's recipients default to that document's.
func (s *Service) validateAmends(ctx context.Context, actor *User, in *CreateInput) error {
	in.Replaces, in.Updates = strings.TrimSpace(in.Replaces), strings.TrimSpace(in.Updates)
	target, field := in.Replaces, "replaces"
	if target == "" {
		target, field = in.Updates, "updates"
	} else if in.Updates != "" {
		return Errorf(EINVALID, "a document either replaces or updates another, not both").On("updates")
	}
	if target == "" {
		return nil
	}
	old, err := VisibleDocument(ctx, s.Repo, actor, target)
	if ErrorCode(err) == ENOTFOUND {
		return Errorf(EINVALID, "the document to replace or update (%s) does not exist", target).On(field)
	} else if err != nil {
		return err
	}
	if old.Direction != Outgoing || (old.State != Sent && old.State != Revoked) {
		return Errorf(EINVALID, "only a sent outgoing document can be replaced or updated (this one is %s %s)", old.Direction, old.State).On(field)
	}
	if len(in.Recipients) == 0 {
		in.Recipients = append([]Org(nil), old.Recipients...)
	}
	return nil
}

// storeAttachments checks (PDFs only), hashes and stores the
// attachments of a new document or of a draft's revision (dir its
// direction): errors on the field "attachment". An outgoing draft's
// attachment that carries what acts when it is opened (JavaScript, a
// launch action, an embedded file) is refused as its PDF would be
// (EUNPROCESSABLE, ErrPDFActive: ActivePDF), before it is stored; an
// incoming document's is kept, and its File.Active says what it carries.
func (s *Service) storeAttachments(ctx context.Context, ups []Upload, dir Direction) ([]File, error) {
	var out []File
	for i := range ups {
		f, err := s.store(ctx, &ups[i], FileAttachment, true, dir == Outgoing)
		if err != nil {
			return nil, OnField(err, "attachment")
		}
		out = append(out, f)
	}
	return out, nil
}

// storeUpload checks (PDFs only), hashes and stores one upload.
func (s *Service) storeUpload(ctx context.Context, u *Upload, kind FileKind) (File, error) {
	return s.store(ctx, u, kind, true, false)
}

// store hashes and stores one upload, checking first that it is a usable
// PDF when inspect is set (File.Active saying what it carries that acts
// when it is opened, File.Inspection that it was looked at), and with
// refuseActive that it carries none. Without inspect, the file records
// the inspection the caller made (Upload.Inspection and Active).
func (s *Service) store(ctx context.Context, u *Upload, kind FileKind, inspect, refuseActive bool) (File, error) {
	active, inspection := u.Active, u.Inspection
	if inspect && s.Inspector != nil {
		var err error
		if active, inspection, err = s.inspectUpload(ctx, u); err != nil {
			return File{}, fmt.Errorf("%s %q: %w", kind, u.Name, err)
		}
		if refuseActive && active != 0 {
			name := FileName(u.Name)
			return File{}, Wrap(EUNPROCESSABLE, &ActivePDF{Name: name, Active: active},
				"%s %q: PDF contains %s, which readers act on when it is opened and the agency's signature would vouch for; print it to PDF and upload the result", kind, name, active)
		}
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(u.Content, 0, u.Size)); err != nil {
		return File{}, fmt.Errorf("read %q: %w", u.Name, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	head := make([]byte, min(u.Size, SniffLen))
	if _, err := u.Content.ReadAt(head, 0); err != nil && err != io.EOF {
		return File{}, fmt.Errorf("read %q: %w", u.Name, err)
	}
	if _, err := s.Blobs.Put(ctx, BlobKey(sum), io.NewSectionReader(u.Content, 0, u.Size), u.Size, sum, PutOptions{ContentType: FileContentType(head)}); err != nil {
		return File{}, fmt.Errorf("store %q: %w", u.Name, err)
	}
	return File{SHA256: sum, Name: FileName(u.Name), Size: u.Size, Kind: kind, CreatedAt: s.now(), Active: active, Inspection: inspection}, nil
}

// MaxFileName is the most characters a stored file name keeps: what file
// systems allow (NTFS, ext4: 255), so every real file's name fits.
const MaxFileName = 255

// FileName is the name a file is kept under: name without control
// characters or bidirectional embeddings, overrides and isolates (the
// characters a field refuses, unsafeRune), at most MaxFileName
// characters, its extension kept when it is shortened. A client's name of
// 100,000 characters was kept whole and sent back in the download's
// Content-Disposition header, which clients refuse (over 64 KiB: the file
// could not be downloaded); "Phụ lục\u202Efdp.exe" was kept as it came
// and listed on the document's page reading "Phụ lụcexe.pdf".
func FileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unsafeRune(r, 1) {
			return -1
		}
		return r
	}, name)
	r := []rune(name)
	if len(r) <= MaxFileName {
		return name
	}
	ext := []rune(path.Ext(name))
	if len(ext) > 16 {
		ext = nil
	}
	return string(r[:MaxFileName-len(ext)]) + string(ext)
}

// fileOf describes b as a file of the document (its SHA-256 names the
// blob); storeBytes or storeRevision then stores it.
func (s *Service) fileOf(name string, b []byte, kind FileKind) File {
	sum := sha256.Sum256(b)
	return File{SHA256: hex.EncodeToString(sum[:]), Name: name, Size: int64(len(b)), Kind: kind, CreatedAt: s.now()}
}

func (s *Service) storeBytes(ctx context.Context, f File, b []byte) error {
	if _, err := s.Blobs.Put(ctx, BlobKey(f.SHA256), bytes.NewReader(b), int64(len(b)), f.SHA256, PutOptions{ContentType: FileContentType(b)}); err != nil {
		return fmt.Errorf("store %q: %w", f.Name, err)
	}
	return nil
}

// Create registers a new document: outgoing drafts by handlers, incoming
// documents by clerks. Files are checked and stored before the database
// transaction; a failure leaves at most unreferenced blobs. With
// in.IdempotencyKey it is CreateOnce.
func (s *Service) Create(ctx context.Context, actor *User, in CreateInput) (*Document, error) {
	d, _, err := s.CreateOnce(ctx, actor, in)
	return d, err
}

// CreateOnce is Create, idempotent by in.IdempotencyKey when it is set
// (idempotency.go): created is false when the key names a document an
// earlier attempt with the same request created, returned as it is now
// (nothing is stored: the files are hashed, not written). The same key
// with another request is EKEYREUSED; one whose first attempt is still
// running, EINPROGRESS. A failed attempt gives its key back.
func (s *Service) CreateOnce(ctx context.Context, actor *User, in CreateInput) (d *Document, created bool, err error) {
	if in.IdempotencyKey == "" {
		d, err = s.create(ctx, actor, in, nil)
		return d, err == nil, err
	}
	// Who may create is checked first: a refused user holds no key.
	if err := CheckCreateRole(actor, in.Direction); err != nil {
		return nil, false, err
	}
	k, replay, err := s.beginCreate(ctx, actor, &in)
	if err != nil || replay != nil {
		return replay, false, err
	}
	if d, err = s.create(ctx, actor, in, k); err != nil {
		s.abandonCreate(ctx, k)
		return nil, false, err
	}
	return d, true, nil
}

// create is Create; the creating transaction finishes key when not nil.
func (s *Service) create(ctx context.Context, actor *User, in CreateInput, key *IdempotencyKey) (*Document, error) {
	if err := s.validateCreate(ctx, actor, &in); err != nil {
		return nil, err
	}
	now := s.now()
	d := &Document{
		ID: s.newID(), Direction: in.Direction, Type: in.Type, Subject: in.Subject,
		Urgency: in.Urgency, Confidentiality: in.Confidentiality,
		State: InitialState(in.Direction), Version: 1,
		SignerID: in.SignerID, Recipients: in.Recipients, DraftingUnit: in.DraftingUnit, Layout: in.Layout,
		Sender: in.Sender, OriginalNumber: strings.TrimSpace(in.OriginalNumber), OriginalDate: in.OriginalDate,
		DueDate: in.DueDate, Retention: in.Retention, Notes: in.Notes, Replaces: in.Replaces, Updates: in.Updates,
		RepliesTo: in.RepliesTo,
		CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now,
	}
	main, err := s.storeMain(ctx, &in, d)
	if err != nil {
		return nil, err
	}
	attachments, err := s.storeAttachments(ctx, in.Attachments, in.Direction)
	if err != nil {
		return nil, err
	}
	d.Files = append(append(d.Files, main), attachments...)
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		events := []*Event{{DocumentID: d.ID, Actor: actor.ID, Kind: EventCreate, To: d.State, At: now,
			Data: map[string]string{"direction": string(d.Direction), "type": string(d.Type)}}}
		for _, f := range d.Files {
			events = append(events, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventUpload, At: now,
				Data: map[string]string{"sha256": f.SHA256, "name": f.Name, "kind": string(f.Kind), "size": fmt.Sprint(f.Size)}})
		}
		if d.RepliesTo != "" {
			events[0].Data["replies_to"] = d.RepliesTo
		}
		if err := finishCreate(ctx, tx, key, d); err != nil {
			return err
		}
		if err := s.linkReply(ctx, tx, d, actor); err != nil {
			return err
		}
		return createAndAppend(WithLastWrite(ctx), tx, d, events)
	})
	if err != nil {
		return nil, fmt.Errorf("create document: %w", err)
	}
	s.logger().InfoContext(ctx, "document created", "doc_id", d.ID, "direction", string(d.Direction), "state", string(d.State), "actor", actor.ID)
	return d, nil
}

// storeMain checks and stores the principal file of a new document d
// (in.File), and of a draft's revision: an outgoing draft's PDF must be
// signable (SignableChecker, the inspection included) and fit the layout
// given with it (d.Layout, LayoutChecker); with none given, the layout is
// found in its text (detectLayout). Errors are on the field "file" or
// "layout".
func (s *Service) storeMain(ctx context.Context, in *CreateInput, d *Document) (File, error) {
	inspect := true
	if sc, ok := s.Inspector.(SignableChecker); ok && in.Direction == Outgoing {
		// A draft that could never be signed is refused now, not at layer
		// 1; the check includes the PDF inspection.
		if err := sc.CheckSignable(ctx, in.File.Content, in.File.Size); err != nil {
			return File{}, OnField(fmt.Errorf("file %q: %w", in.File.Name, err), "file")
		}
		inspect = false
	}
	if lc, ok := s.Inspector.(LayoutChecker); ok && in.Direction == Outgoing && d.Layout != nil {
		// A layout given with the draft: its boxes on the draft's pages.
		if err := lc.CheckLayout(ctx, in.File.Content, in.File.Size, d.Layout); err != nil {
			return File{}, OnField(err, "layout")
		}
	}
	main, err := s.store(ctx, in.File, FileMain, inspect, in.Direction == Outgoing)
	if err != nil {
		return File{}, OnField(err, "file")
	}
	if _, ok := s.Inspector.(ActiveInspector); ok && !inspect {
		// CheckSignable inspected it and refuses what acts when opened.
		main.Active, main.Inspection = 0, Inspected
	}
	if in.Direction == Outgoing && d.Layout == nil {
		d.Layout = s.detectLayout(ctx, in.File, in.signer)
	}
	return main, nil
}

// detectLayout finds the template's anchors in a draft's PDF, the
// signer's block of several (LayoutDetector); nil (the defaults) when
// there is no detector or nothing valid was found.
func (s *Service) detectLayout(ctx context.Context, f *Upload, signer *User) *Layout {
	ld, ok := s.Inspector.(LayoutDetector)
	if !ok {
		return nil
	}
	l, err := ld.DetectLayout(ctx, f.Content, f.Size, signer)
	switch {
	case err != nil:
		s.logger().WarnContext(ctx, "stamp layout not detected; defaults apply", "name", f.Name, "reason", err.Error())
	case l != nil:
		if len(l.Notes) > 0 {
			s.logger().InfoContext(ctx, "stamp layout partly detected; defaults apply to the rest", "name", f.Name, "reasons", strings.Join(l.Notes, "; "))
		}
		if l.Validate() == nil {
			return l
		}
	}
	return nil
}

// CanSee reports whether u may see d: classified documents only by
// admins, clerks, the signer, the assignee and the creator.
func CanSee(d *Document, u *User) bool {
	if u == nil {
		return false
	}
	if !d.Confidentiality.Classified() {
		return true
	}
	return SeesAllClassified(u) || d.SignerID == u.ID || d.AssigneeID == u.ID || d.CreatedBy == u.ID
}

// SeesAllClassified reports whether u sees every classified document
// (the exchange acts only on documents it sent or received).
func SeesAllClassified(u *User) bool {
	return u.Has(RoleAdmin) || u.Has(RoleClerk) || u.Has(RoleExchange)
}

// DocumentNotFound is the one answer, on every route and in every
// service, for a document that does not exist and for one the user may
// not see: the same code and the same message, byte for byte (it does not
// even repeat the ID asked for), so that the answer cannot tell the two
// apart.
func DocumentNotFound() error {
	return Errorf(ENOTFOUND, "document not found")
}

// VisibleDocument loads document id from r for actor: DocumentNotFound
// when it does not exist or actor may not see it (CanSee); other errors
// (EUNAVAILABLE...) as they come. Every service that takes a document ID
// from a user loads it through here.
func VisibleDocument(ctx context.Context, r Reader, actor *User, id string) (*Document, error) {
	d, err := r.Document(ctx, id)
	if err := visibleOrNotFound(d, err, actor); err != nil {
		return nil, err
	}
	return d, nil
}

// visibleOrNotFound is the rule of VisibleDocument and VisibleDocuments
// for d as read with err: DocumentNotFound when it does not exist or
// actor may not see it (CanSee), err as it came otherwise, nil when
// actor sees d.
func visibleOrNotFound(d *Document, err error, actor *User) error {
	if ErrorCode(err) == ENOTFOUND || (err == nil && !CanSee(d, actor)) {
		return DocumentNotFound()
	}
	return err
}

// VisibleDocuments is VisibleDocument for many IDs at once, read in a few
// statements (Reader.DocumentsByID): the documents actor may see, by
// ID; an ID of no document or of one actor may not see is absent, as
// VisibleDocument answers it DocumentNotFound. The rule is
// VisibleDocument's (visibleOrNotFound).
func VisibleDocuments(ctx context.Context, r Reader, actor *User, ids []string) (map[string]*Document, error) {
	docs, err := r.DocumentsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for id, d := range docs {
		if visibleOrNotFound(d, nil, actor) != nil {
			delete(docs, id)
		}
	}
	return docs, nil
}

// Get returns a document the actor may see; DocumentNotFound otherwise (a
// classified document is not revealed to exist).
func (s *Service) Get(ctx context.Context, actor *User, id string) (*Document, error) {
	return VisibleDocument(ctx, s.Repo, actor, id)
}

// List lists the documents the actor may see.
func (s *Service) List(ctx context.Context, actor *User, f DocumentFilter) ([]*Document, string, error) {
	f = visibleFilter(actor, f)
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.Repo.Documents(ctx, f)
}

// Count counts the documents List gives the actor for f, on every page
// together (f.After and f.Limit do not matter): one COUNT query.
func (s *Service) Count(ctx context.Context, actor *User, f DocumentFilter) (int, error) {
	return s.Repo.CountDocuments(ctx, visibleFilter(actor, f))
}

// ListCount is List with Count's total, both read in one snapshot of
// the repository (InSnapshot): a document created or changed between the
// page and the count cannot make the total disagree with the pages ("51–
// 100 of 187" while 188 match, or the page's own documents not counted).
func (s *Service) ListCount(ctx context.Context, actor *User, f DocumentFilter) (docs []*Document, next string, total int, err error) {
	err = InSnapshot(ctx, s.Repo, func(ctx context.Context) error {
		if docs, next, err = s.List(ctx, actor, f); err != nil {
			return err
		}
		total, err = s.Count(ctx, actor, f)
		return err
	})
	return docs, next, total, err
}

// visibleFilter is f restricted to what actor may see.
func visibleFilter(actor *User, f DocumentFilter) DocumentFilter {
	f.ViewerID, f.SeeAll = actor.ID, SeesAllClassified(actor)
	return f
}

// OpenFile streams a document's file by hash (which must belong to it;
// its main file when sha is ""), with the document as read (for its
// DownloadName).
func (s *Service) OpenFile(ctx context.Context, actor *User, id, sha string) (io.ReadCloser, *Document, File, error) {
	d, f, err := s.visibleFile(ctx, actor, id, sha)
	if err != nil {
		return nil, nil, File{}, err
	}
	rc, err := s.files().Open(ctx, d.Files, f)
	if err != nil {
		return nil, nil, File{}, fmt.Errorf("open file of %s: %w", id, err)
	}
	return rc, d, f, nil
}

// StatFile is OpenFile without the content: the file and the info of
// its blob (Files.Stat), reading none of it. Its ContentType is the one
// the blob was stored with, which may say nothing of the content
// (FileContentType); HeadFile gives the content's.
func (s *Service) StatFile(ctx context.Context, actor *User, id, sha string) (File, ObjectInfo, error) {
	_, f, oi, err := s.statFile(ctx, actor, id, sha)
	return f, oi, err
}

// HeadFile is StatFile for a HEAD of the file: of the content only its
// first SniffLen bytes are read (Files.Head), the bytes the GET looks
// at, and the ContentType is the one they give (FileContentType). The
// document is returned as read, as OpenFile returns it.
func (s *Service) HeadFile(ctx context.Context, actor *User, id, sha string) (*Document, File, ObjectInfo, error) {
	d, f, oi, err := s.statFile(ctx, actor, id, sha)
	if err != nil {
		return nil, File{}, ObjectInfo{}, err
	}
	head, err := s.files().Head(ctx, d.Files, f, SniffLen)
	if err != nil {
		return nil, File{}, ObjectInfo{}, fmt.Errorf("read the head of the file of %s: %w", id, err)
	}
	oi.ContentType = FileContentType(head)
	return d, f, oi, nil
}

func (s *Service) statFile(ctx context.Context, actor *User, id, sha string) (*Document, File, ObjectInfo, error) {
	d, f, err := s.visibleFile(ctx, actor, id, sha)
	if err != nil {
		return nil, File{}, ObjectInfo{}, err
	}
	oi, err := s.files().Stat(ctx, d.Files, f)
	if err != nil {
		return nil, File{}, ObjectInfo{}, fmt.Errorf("stat file of %s: %w", id, err)
	}
	return d, f, oi, nil
}

// visibleFile returns a visible document and its file sha (its main
// file when sha is ""); ENOTFOUND when it has none such.
func (s *Service) visibleFile(ctx context.Context, actor *User, id, sha string) (*Document, File, error) {
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, File{}, err
	}
	var f File
	var ok bool
	if sha == "" {
		f, ok = d.MainFile()
	} else {
		for _, x := range d.Files { // the last of that content, as before
			if x.SHA256 == sha {
				f, ok = x, true
			}
		}
	}
	if !ok {
		return nil, File{}, Errorf(ENOTFOUND, "document %s has no such file", id)
	}
	return d, f, nil
}

// Events returns a visible document's audit trail.
func (s *Service) Events(ctx context.Context, actor *User, id string) ([]Event, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.Repo.Events(ctx, id)
}

// ActionInput is what an action may carry.
type ActionInput struct {
	Comment    string
	AssigneeID string
	DueDate    *Date
	Version    int  // when not 0, the version the caller saw (else ECONFLICT)
	Override   bool // register an incoming document whose verification is invalid
	// Problems are what the caller could not read of the input (a due
	// date not a date), each an *Error on its field: the action is
	// refused with them first, then the comment's and the rest of the
	// input's problems (actionProblems).
	Problems []error
}

// AllowedActions lists the actions u may take on d now.
func AllowedActions(d *Document, u *User) []Action {
	var out []Action
	for _, t := range Machine(d.Direction) {
		if t.From == d.State && guard(t, d, u) == nil {
			out = append(out, t.Action)
		}
	}
	return out
}

func guard(t Transition, d *Document, u *User) error {
	if !u.HasAny(t.Roles) {
		return Errorf(EFORBIDDEN, "%s needs role %s", t.Action, joinRoles(t.Roles))
	}
	switch t.Party {
	case NamedSigner:
		if d.SignerID != u.ID {
			return Errorf(EFORBIDDEN, "only the official named as signer may %s this document", t.Action)
		}
	case TheAssignee:
		if d.AssigneeID != u.ID {
			return Errorf(EFORBIDDEN, "only the assigned handler may %s this document", t.Action)
		}
	case TheDrafter:
		if d.CreatedBy != u.ID {
			return Errorf(EFORBIDDEN, "only the handler who drafts this document may %s it (a draft changes hands by reassignment)", t.Action)
		}
	}
	if !t.If.Holds(d) {
		if t.If == RevokePending {
			return Errorf(EILLEGAL, "no revocation of this document is waiting for an answer")
		}
		return Errorf(EILLEGAL, "a revocation of this document is already waiting for an answer")
	}
	return nil
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, " or ")
}

// Apply performs action on document id for actor. The role guard comes
// first (EFORBIDDEN), then the state (EILLEGAL), then the version
// (ECONFLICT); the state change commits together with the audit event, or
// not at all.
//
// No database transaction is open while a PDF is signed or verified: that
// work (sign, issue, the check of an incoming document's signatures at
// register) is done first, on blobs, and the transaction that follows
// only checks that the document is still at the version the work started
// from (ECONFLICT otherwise) and records the result. An issue reserves
// its register number in a short transaction before signing (see
// numbering.go); a failure after that gives the number back or voids it.
func (s *Service) Apply(ctx context.Context, actor *User, id string, action Action, in ActionInput) (*Document, error) {
	// A person's comment is bounded as Comment's; a peer's reason (the
	// exchange) is kept as it was sent.
	if early := earlyProblems(actor, in); early != nil {
		d, err := VisibleDocument(ctx, s.Repo, actor, id)
		if err != nil {
			return nil, early
		}
		return nil, s.actionProblems(ctx, d, actor, action, in, early)
	}
	if !prework[action] {
		return s.applyLocked(ctx, actor, id, action, in)
	}
	d, src, err := s.getFor(ctx, actor, id, action)
	if err != nil {
		return nil, err
	}
	t, err := check(d, actor, action, in)
	if err != nil {
		return nil, err
	}
	var pre prechecked
	pre.source = src
	if err := s.precheckInto(ctx, d, t, in, &pre); err != nil {
		return nil, err
	}
	if pre.reservation, err = s.prepare(ctx, d, t, actor, in, &pre); err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, id, err)
	}

	var out *Document
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := unchanged(ctx, tx, d, t)
		if err != nil {
			return err
		}
		if err := s.commit(ctx, tx, cur, t, actor, in, pre); err != nil {
			return err
		}
		out = cur
		return nil
	})
	if err != nil {
		if pre.reservation != nil {
			s.releaseNumber(ctx, pre.reservation, actor.ID, fmt.Sprintf("the issue of document %s failed after its number was reserved: %s", id, ErrorMessage(err)))
		}
		s.listUnarchived(ctx, id, pre.record)
		return nil, fmt.Errorf("%s %s: %w", action, id, err)
	}
	s.logger().InfoContext(ctx, "document transition", "doc_id", id, "action", string(action), "from", string(t.From), "state", string(t.To), "actor", actor.ID)
	return out, nil
}

// listUnarchived records the objects of rec, a record whose archive
// transaction failed, on their own: stored in the archive, write-once,
// they are listed (and checked by fixity) as a record's are, even if the
// retry has to write another version. A failure here is logged: it
// leaves them as a crash before the transaction would.
func (s *Service) listUnarchived(ctx context.Context, id string, rec *ArchivedRecord) {
	if rec == nil || len(rec.Objects) == 0 {
		return
	}
	w, ok := s.Repo.(ArchiveObjectWriter)
	if !ok {
		return
	}
	if err := w.PutArchiveObjects(context.WithoutCancel(ctx), id, rec.Objects); err != nil {
		s.logger().WarnContext(ctx, "archived objects of a failed archive not recorded", "doc_id", id, "record", rec.Key, "error", err)
	}
}

// getFor loads document id for actor as Get does; for an archive, with
// its trail and signer when the repository reads them at once
// (ArchiveReader).
func (s *Service) getFor(ctx context.Context, actor *User, id string, action Action) (*Document, *archiveSource, error) {
	ar, ok := s.Repo.(ArchiveReader)
	if action != Archive || s.Archiver == nil || !ok {
		d, err := s.Get(ctx, actor, id)
		return d, nil, err
	}
	d, events, signer, err := ar.DocumentForArchive(ctx, id)
	if ErrorCode(err) == ENOTFOUND || (err == nil && !CanSee(d, actor)) {
		return nil, nil, DocumentNotFound()
	}
	if err != nil {
		return nil, nil, err
	}
	return d, &archiveSource{events: events, signer: signer}, nil
}

// archiveSource is what an archive read with its document (ArchiveReader).
type archiveSource struct {
	events []Event
	signer *User // nil: none, or not found (the archiver reads it)
}

// unchanged is the document Apply's transaction changes, d as loaded
// before the prework: a copy of d adopted by tx when it can
// (DocumentAdopter; the guarded update is then the one check that d is
// still current, and the document is not read a second time), else d
// read again, locked, and checked to be still at d's version and state.
// ECONFLICT either way when it changed meanwhile.
func unchanged(ctx context.Context, tx Tx, d *Document, t Transition) (*Document, error) {
	if a, ok := tx.(DocumentAdopter); ok {
		cur := *d
		cur.Files = slices.Clone(d.Files) // the effects append to it; d stays as loaded
		if err := a.AdoptDocument(&cur); err != nil {
			return nil, err
		}
		return &cur, nil
	}
	cur, err := tx.LockDocument(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if cur.Version != d.Version || cur.State != t.From {
		return nil, Errorf(ECONFLICT, "document %s changed meanwhile (now %s, version %d): reload and retry", d.ID, cur.State, cur.Version)
	}
	return cur, nil
}

// prework are the actions with work before their transaction: a
// signature or verification, a reserved number, the archival record, the
// assignee's look-up. The others are checked and applied in one
// transaction, on the document as locked (applyLocked).
var prework = map[Action]bool{Sign: true, Issue: true, Register: true, Archive: true, Assign: true}

// Precheck returns the error Apply would refuse action on d (as the
// caller loaded it, with Get) with before doing any of its work, through
// the same checks: a comment too long, the role guard (EFORBIDDEN), the
// state (EILLEGAL), the version (ECONFLICT), then the action's input and what it needs of the server (a
// rejection or revocation answer without its reason: ErrNoReason; an
// assignment without an active handler; a signature, an issue or a
// sending on a server without a signer or exchange; a sending with no
// recipients). nil when Apply would go on to the work, which may still
// fail (a signature, a number, the archival record). An interface that
// asks before an action that cannot be undone calls it so as not to ask
// about an action that will be refused.
func (s *Service) Precheck(ctx context.Context, actor *User, d *Document, action Action, in ActionInput) error {
	if early := earlyProblems(actor, in); early != nil {
		return s.actionProblems(ctx, d, actor, action, in, early)
	}
	t, err := check(d, actor, action, in)
	if err != nil {
		return err
	}
	return s.checkInput(ctx, d, t, in)
}

// check decides whether actor may apply action to d as loaded, and
// returns its transition.
func check(d *Document, actor *User, action Action, in ActionInput) (Transition, error) {
	roles := RolesFor(d.Direction, action)
	if len(roles) == 0 {
		return Transition{}, Errorf(EILLEGAL, "%s is not an action on %s documents", action, d.Direction)
	}
	if !actor.HasAny(roles) {
		return Transition{}, Errorf(EFORBIDDEN, "%s needs role %s", action, joinRoles(roles))
	}
	t, ok := Next(d.Direction, d.State, action)
	if !ok {
		return Transition{}, Errorf(EILLEGAL, "cannot %s a document in state %s", action, d.State)
	}
	if err := guard(t, d, actor); err != nil {
		return Transition{}, err
	}
	if in.Version != 0 && in.Version != d.Version {
		return Transition{}, Errorf(ECONFLICT, "document %s is at version %d, not %d: reload and retry", d.ID, d.Version, in.Version)
	}
	return t, nil
}

// applyLocked applies an action without prework in one transaction: the
// document is read once, locked, and checked as Apply checks it (the
// same answers, unwrapped: DocumentNotFound when actor may not see it).
func (s *Service) applyLocked(ctx context.Context, actor *User, id string, action Action, in ActionInput) (*Document, error) {
	var out *Document
	var t Transition
	var refused error
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := tx.LockDocument(ctx, id)
		if ErrorCode(err) == ENOTFOUND || (err == nil && !CanSee(cur, actor)) {
			refused = DocumentNotFound()
			return refused
		}
		if err != nil {
			return err
		}
		if t, refused = check(cur, actor, action, in); refused != nil {
			return refused
		}
		pre, err := s.precheck(ctx, cur, t, in)
		if err != nil {
			refused = err
			return refused
		}
		if err := s.commit(ctx, tx, cur, t, actor, in, pre); err != nil {
			return err
		}
		out = cur
		return nil
	})
	if refused != nil && errors.Is(err, refused) {
		return nil, refused
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, id, err)
	}
	s.logger().InfoContext(ctx, "document transition", "doc_id", id, "action", string(action), "from", string(t.From), "state", string(t.To), "actor", actor.ID)
	return out, nil
}

// commit makes transition t of the locked document cur inside tx: the
// action's effects, the exchange messages it causes, the guarded update
// and the audit event, written last (LastWrite: the callers' transaction
// functions return nil once it succeeds). Every state change goes through
// here.
func (s *Service) commit(ctx context.Context, tx Tx, cur *Document, t Transition, actor *User, in ActionInput, pre prechecked) error {
	prevVersion := cur.Version
	ev := &Event{DocumentID: cur.ID, Actor: actor.ID, Kind: EventTransition, Action: t.Action,
		From: t.From, To: t.To, Comment: in.Comment, At: s.now(), Data: map[string]string{}}
	for k, v := range pre.data {
		ev.Data[k] = v
	}
	if err := s.effects(ctx, tx, cur, t, actor, in, ev, pre); err != nil {
		return err
	}
	cur.State, cur.Version, cur.UpdatedAt = t.To, cur.Version+1, s.now()
	if s.Outbox != nil {
		if err := s.Outbox.Transitioned(ctx, tx, cur, t, ev); err != nil {
			return fmt.Errorf("queue exchange messages: %w", err)
		}
	}
	if len(ev.Data) == 0 {
		ev.Data = nil
	}
	return updateAndAppend(WithLastWrite(ctx), tx, cur, prevVersion, ev)
}

// prechecked is what precheck and prepare learned or did before the
// transaction that applies the action.
type prechecked struct {
	source *archiveSource // read with the document (getFor), or nil
	record *ArchivedRecord
	// Set by prepare: files to add, the verification report, the issue's
	// reserved number and date, and data for the audit event.
	files        []File
	tails        []Tail // of files stored as tails (storeRevision)
	verification *Verification
	reservation  *Reservation
	issuedAt     time.Time
	verifyCode   string
	data         map[string]string
}

// precheck validates an action's input and collaborators before any
// transaction starts, and does the work that must precede it (the
// archival record).
func (s *Service) precheck(ctx context.Context, d *Document, t Transition, in ActionInput) (prechecked, error) {
	var pre prechecked
	err := s.precheckInto(ctx, d, t, in, &pre)
	return pre, err
}

func (s *Service) precheckInto(ctx context.Context, d *Document, t Transition, in ActionInput, pre *prechecked) error {
	if err := s.checkInput(ctx, d, t, in); err != nil {
		return err
	}
	if t.Action == Archive && s.Archiver != nil {
		src := pre.source
		if src == nil {
			events, err := s.Repo.Events(ctx, d.ID)
			if err != nil {
				return err
			}
			src = &archiveSource{events: events}
		}
		// The record is written before the state changes; it is
		// idempotent, so a failure after this point and a retry
		// write nothing twice.
		rec, err := s.archiveRecord(ctx, d, src)
		if err != nil {
			return fmt.Errorf("write archival record: %w", err)
		}
		pre.record = &rec
	}
	return nil
}

// Available returns the EUNAVAILABLE error with which Apply refuses
// action on d on this server whoever asks and whatever the input, for
// want of a collaborator it is not configured with: a signer (sign,
// issue), the interagency exchange (send; a revocation request of an
// outgoing document, which goes to its recipients); nil when the server
// has what the action needs (Apply may still refuse it for the actor, the
// state or the input). It reads nothing: the web's document page asks it
// for each action the user may take, to hide the buttons this server can
// never take. Apply checks it after the reason an action needs.
func (s *Service) Available(d *Document, action Action) error {
	switch action {
	case Sign, Issue:
		if s.Signer == nil {
			return errNoSigner
		}
	case Send:
		if s.Outbox == nil {
			return errNoExchange
		}
	case RequestRevoke:
		if d.Direction == Outgoing && s.Outbox == nil {
			return errNoExchange
		}
	}
	return nil
}

// The refusals of Available, made once: the API's document lists ask it
// for every action of every document, and an error per refusal was two
// allocations each.
var (
	errNoSigner   = &Error{Code: EUNAVAILABLE, Message: "signing is not configured on this server"}
	errNoExchange = &Error{Code: EUNAVAILABLE, Message: "interagency exchange is not configured on this server"}
)

// ErrNoReason is the cause (errors.Is) of the EINVALID with which an
// action that must say why (a rejection, a revocation, refusing one) is
// refused without its reason in the comment.
var ErrNoReason = errors.New("the action needs its reason in the comment")

// checkInput refuses an action's input, or a collaborator it needs that
// is missing, before any work and without changing anything: the checks
// of precheck that Precheck offers to callers.
func (s *Service) checkInput(ctx context.Context, d *Document, t Transition, in ActionInput) error {
	// The request's own reason first (a revocation without one is 400
	// whatever the server), then what the server lacks, then the rest.
	if err := needsReason(t, in); err != nil {
		return err
	}
	if err := s.Available(d, t.Action); err != nil {
		return err
	}
	switch t.Action {
	case Send:
		if len(d.Recipients) == 0 {
			return Errorf(EINVALID, "the document has no recipients: archive it instead of sending")
		}
	case Assign:
		if in.AssigneeID == "" {
			return Errorf(EINVALID, "assignee_id is required").On("assignee_id")
		}
		u, err := s.Repo.User(ctx, in.AssigneeID)
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(EINVALID, "assignee %q does not exist", in.AssigneeID).On("assignee_id")
		} else if err != nil {
			return err
		}
		if !u.Has(RoleHandler) || u.Disabled {
			return Errorf(EINVALID, "assignee %q is not an active handler (chuyên viên)", u.Username).On("assignee_id")
		}
	}
	return nil
}

// earlyProblems are the problems of an action's input refused before
// anything else (they were, one at a time): what the caller could not
// read (in.Problems) and a person's comment too long or with a character
// refused (a peer's reason, the exchange's, is kept as it was sent).
func earlyProblems(actor *User, in ActionInput) error {
	var p problems
	for _, err := range in.Problems {
		p.addAll(err)
	}
	if actor != Exchange {
		p.add(CheckComment(in.Comment))
	}
	return p.err()
}

// actionProblems is the refusal of an action whose input has early
// problems: those, then the rest of the input's (checkInput: an
// assignee) when the actor may take the action on d in its state, so
// that a form shows every one at once; early alone otherwise, as before.
func (s *Service) actionProblems(ctx context.Context, d *Document, actor *User, action Action, in ActionInput, early error) error {
	t, err := check(d, actor, action, in)
	if err != nil {
		return early
	}
	rest := s.checkInput(ctx, d, t, in)
	if !inputCodes[ErrorCode(rest)] || ErrorField(rest) == "" {
		return early
	}
	var p problems
	p.addAll(early)
	p.addAll(rest)
	return p.err()
}

// needsReason refuses an action that must say why without its reason in
// the comment (ErrNoReason).
func needsReason(t Transition, in ActionInput) error {
	if strings.TrimSpace(in.Comment) != "" {
		return nil
	}
	switch t.Action {
	case Return:
		if t.From == OfficerSigned {
			return Wrap(EINVALID, ErrNoReason, "returning a signed document needs the reason in comment").On("comment")
		}
	case Reject:
		return Wrap(EINVALID, ErrNoReason, "a rejection needs the reason in comment").On("comment")
	case RequestRevoke:
		return Wrap(EINVALID, ErrNoReason, "a revocation needs its reason in comment").On("comment")
	case RefuseRevoke:
		return Wrap(EINVALID, ErrNoReason, "refusing a revocation needs the reason in comment").On("comment")
	}
	return nil
}

// prepare does an action's expensive work outside any transaction, on d
// as loaded (its version is checked again when the result is recorded):
// layer 1 at sign; at issue, the number (reserved in its own short
// transaction), layer 2, the attachments' signatures and the verification
// of the result; at register, the check of the incoming signatures. It
// returns the issue's reservation, released here if the work fails.
func (s *Service) prepare(ctx context.Context, d *Document, t Transition, actor *User, in ActionInput, pre *prechecked) (*Reservation, error) {
	pre.data = map[string]string{}
	// A turn (SignConcurrency) is held for the CPU-bound work only: it
	// is given back (release, idempotent) before the signed files are
	// written and synced, so the next signature does not wait for a disk.
	release := func() {}
	switch t.Action {
	case Sign, Issue, Register:
		if s.Signer == nil {
			break
		}
		r, err := s.signSlot(ctx)
		if err != nil {
			return nil, err
		}
		var once sync.Once
		release = func() { once.Do(r) }
		defer release()
	}
	switch t.Action {
	case Register:
		if s.Signer != nil {
			return nil, s.verifyIncoming(ctx, d, in, pre)
		}
	case Sign:
		pdf, src, err := s.currentPDF(ctx, d)
		if err != nil {
			return nil, err
		}
		var signed []byte
		s.signOn(func() { signed, err = s.Signer.SignOfficial(ctx, d, actor, pdf) })
		if err != nil {
			return nil, fmt.Errorf("layer 1 (official) signature: %w", err)
		}
		release()
		f := s.fileOf(strings.TrimSuffix(src.Name, ".pdf")+".signed-l1.pdf", signed, FileSigned)
		if err := s.storeRevision(ctx, &f, signed, src, pdf, pre); err != nil {
			return nil, err
		}
		pre.files = append(pre.files, f)
		pre.data["sha256"] = f.SHA256
	case Issue:
		pdf, src, err := s.currentPDF(ctx, d)
		if err != nil {
			return nil, err
		}
		res, err := s.reserveNumber(ctx, d, t, actor)
		if err != nil {
			return nil, err
		}
		if err := s.signIssue(ctx, d, res, pdf, src, pre, release); err != nil {
			s.releaseNumber(ctx, res, actor.ID, fmt.Sprintf("the signature of document %s failed after its number was reserved: %s", d.ID, ErrorMessage(err)))
			return nil, err
		}
		return res, nil
	}
	return nil, nil
}

// signSlot waits for a turn to sign (SignConcurrency) and returns the
// function that gives it back.
func (s *Service) signSlot(ctx context.Context) (func(), error) {
	if s.SignConcurrency <= 0 {
		return func() {}, nil
	}
	s.signOnce.Do(func() { s.signSlots = make(chan struct{}, s.SignConcurrency) })
	select {
	case s.signSlots <- struct{}{}:
		return func() { <-s.signSlots }, nil
	case <-ctx.Done():
		return nil, Wrap(EUNAVAILABLE, ctx.Err(), "waiting for a turn to sign")
	}
}

// signIssue numbers and signs a copy of d with the reserved number:
// layer 2 on the main file, the agency signature on every attachment,
// then the verification of the result; release then gives the turn to
// sign back and the signed files are stored. Blobs only; no transaction.
func (s *Service) signIssue(ctx context.Context, d *Document, res *Reservation, pdf []byte, src File, pre *prechecked, release func()) error {
	w := *d
	w.Files = append([]File(nil), d.Files...)
	issuedAt := res.CreatedAt
	w.Register, w.Year, w.Number, w.IssuedAt, w.Notation = res.Register, res.Year, res.Number, &issuedAt, res.Notation
	if s.VerifyCodes && w.VerifyCode == "" {
		c, err := s.assignVerifyCode(ctx, nil)
		if err != nil {
			return fmt.Errorf("verification code: %w", err)
		}
		w.VerifyCode = c
		pre.verifyCode = c
		pre.data["verify_code"] = c
	}
	var revs []revision
	var v Verification
	var err error
	s.signOn(func() { revs, v, err = s.signIssued(ctx, &w, d, pdf, src, pre) })
	if err != nil {
		return err
	}
	if v.Verdict != VerdictValid {
		// Only a document whose two layers validate is issued: an
		// invalid, indeterminate (e.g. a chain to another root) or
		// unsigned result is refused, and the number is given back or
		// voided. A revocation service that did not answer is an outage,
		// not a verdict on the document: the issue can be tried again.
		if v.Unavailable {
			return Errorf(EUNAVAILABLE, "the signed document could not be verified now (%s): it was not issued; try again when the revocation service answers", strings.Join(v.Reasons, "; "))
		}
		return Errorf(EUNPROCESSABLE, "the signed document is %s, not valid (%s): it was not issued", v.Verdict, strings.Join(v.Reasons, "; "))
	}
	release()
	for _, r := range revs {
		if err := s.storeRevision(ctx, &r.file, r.bytes, r.base, r.baseBytes, pre); err != nil {
			return err
		}
		pre.files = append(pre.files, r.file)
	}
	pre.verification = &v
	pre.issuedAt = issuedAt
	pre.data["number"] = fmt.Sprint(res.Number)
	pre.data["notation"] = res.Notation
	pre.data["register"] = string(res.Register)
	pre.data["sha256"] = revs[0].file.SHA256
	pre.data["verdict"] = v.Verdict
	return nil
}

// signIssued is the CPU-bound part of signIssue, on w (d numbered):
// layer 2 on pdf, the agency signature on each of d's attachments and the
// verification of the signed file. It returns the signed files, the main
// one first.
func (s *Service) signIssued(ctx context.Context, w, d *Document, pdf []byte, src File, pre *prechecked) ([]revision, Verification, error) {
	signed, err := s.signAgency(ctx, w, pdf, src)
	if err != nil {
		return nil, Verification{}, fmt.Errorf("layer 2 (agency) signature: %w", err)
	}
	f := s.fileOf(strings.TrimSuffix(strings.TrimSuffix(src.Name, ".pdf"), ".signed-l1")+".signed.pdf", signed, FileSigned)
	w.Files = append(w.Files, f)
	revs := []revision{{file: f, bytes: signed, base: src, baseBytes: pdf}}
	for _, a := range d.Files {
		if a.Kind != FileAttachment {
			continue
		}
		ab, err := s.files().Read(ctx, d.Files, a)
		if err != nil {
			return nil, Verification{}, err
		}
		sa, err := s.Signer.SignAttachment(ctx, w, ab)
		if err != nil {
			return nil, Verification{}, fmt.Errorf("agency signature on attachment %q: %w", a.Name, err)
		}
		sf := s.fileOf(a.Name, sa, FileAttachment)
		pre.data["attachment:"+sf.SHA256] = a.Name
		revs = append(revs, revision{file: sf, bytes: sa, base: a, baseBytes: ab})
		w.Files = append(w.Files, sf)
	}
	var v Verification
	if dv, ok := s.Signer.(DocumentVerifier); ok {
		v, err = dv.VerifyDocument(ctx, w, signed)
	} else {
		v, err = s.Signer.Verify(ctx, signed)
	}
	if err != nil {
		return nil, Verification{}, fmt.Errorf("verify issued document: %w", err)
	}
	return revs, v, nil
}

// signAgency is layer 2 on pdf, the content of src (read with its hash
// checked). src's SHA-256 goes with a layer-1 version (FileSigned: the
// signer's own output, recorded by Sign) to a signer that takes it
// (OwnLayer1Signer), which then does not precheck those bytes again.
func (s *Service) signAgency(ctx context.Context, w *Document, pdf []byte, src File) ([]byte, error) {
	if o, ok := s.Signer.(OwnLayer1Signer); ok && src.Kind == FileSigned && w.Direction == Outgoing {
		return o.SignAgencyOwn(ctx, w, pdf, OwnLayer1{SHA256: src.SHA256})
	}
	return s.Signer.SignAgency(ctx, w, pdf)
}

// signOn runs fn, the CPU-bound work of a turn to sign, with SignOn.
func (s *Service) signOn(fn func()) {
	if s.SignOn == nil {
		fn()
		return
	}
	s.SignOn(fn)
}

// effects records an action's changes inside the transaction; the
// expensive work was done by prepare.
func (s *Service) effects(ctx context.Context, tx Tx, d *Document, t Transition, actor *User, in ActionInput, ev *Event, pre prechecked) error {
	now := s.now()
	// The tails of the files prepare signed (sign, issue) commit with the
	// transition, whichever action made them.
	if err := putTails(ctx, tx, pre.tails); err != nil {
		return err
	}
	switch t.Action {
	case Return:
		returnEffects(d, ev)
	case Register:
		return registerEffects(ctx, tx, d, now, ev, pre)
	case Assign:
		d.AssigneeID = in.AssigneeID
		if in.DueDate != nil {
			d.DueDate = in.DueDate
		}
		ev.Data["assignee_id"] = in.AssigneeID
	case Sign:
		d.Files = append(d.Files, pre.files...)
	case Issue:
		return s.issueEffects(ctx, tx, d, pre)
	case Send:
		ev.Data["recipients"] = fmt.Sprint(len(d.Recipients))
		if err := s.linkAmended(ctx, tx, d, actor); err != nil {
			return err
		}
	case Reject:
		d.RejectReason = strings.TrimSpace(in.Comment)
	case RequestRevoke, AcceptRevoke, RefuseRevoke:
		revokeEffects(d, t.Action, in, ev)
	case Archive:
		return archiveEffects(ctx, tx, d, now, ev, pre)
	}
	return nil
}

// returnEffects sends d back to its drafter. From in_review or approved
// nothing was signed or numbered. From officer_signed (never numbered:
// issue numbers and leaves the state at once) layer 1 is withdrawn: each
// signed file becomes FileWithdrawn, kept with its tail in the files and
// named in the event, so the current file (MainFile) is the last
// unsigned draft again and the official signs it anew; a verification,
// were one stored, goes with it. The layout is the drafter's and stays.
func returnEffects(d *Document, ev *Event) {
	var withdrawn []string
	files := slices.Clone(d.Files) // d's slice may be shared with the document as loaded
	for i, f := range files {
		if f.Kind == FileSigned {
			files[i].Kind = FileWithdrawn
			withdrawn = append(withdrawn, f.SHA256)
		}
	}
	if len(withdrawn) == 0 {
		return
	}
	d.Files, d.Verification = files, nil
	ev.Data["withdrawn"] = strings.Join(withdrawn, " ")
}

// registerEffects gives an incoming document the next number of its
// register for the year of now.
func registerEffects(ctx context.Context, tx Tx, d *Document, now time.Time, ev *Event, pre prechecked) error {
	if pre.verification != nil {
		d.Verification = pre.verification
	}
	reg, year := RegisterFor(d), RegisterYear(now)
	n, err := tx.NextNumber(ctx, reg, year)
	if err != nil {
		return fmt.Errorf("take %s number: %w", reg, err)
	}
	d.Register, d.Year, d.Number, d.RegisteredAt = reg, year, n, &now
	ev.Data["number"] = fmt.Sprint(n)
	ev.Data["year"] = fmt.Sprint(year)
	return nil
}

// issueEffects consumes the number reserved by prepare and records the
// issued document's number, notation, files and verification.
func (s *Service) issueEffects(ctx context.Context, tx Tx, d *Document, pre prechecked) error {
	r := pre.reservation
	if r == nil {
		return Errorf(EINTERNAL, "issue of %s without a reserved number", d.ID)
	}
	// The reservation must still be ours: a request that outlived
	// the reservation TTL finds it resolved by a sweep.
	if err := tx.DeleteReservation(ctx, r.ID); err != nil {
		if ErrorCode(err) == ECONFLICT || ErrorCode(err) == ENOTFOUND {
			return Errorf(ECONFLICT, "number %d of register %s was released while the document was being signed (it took longer than %s): retry", r.Number, r.Register, s.reservationTTL())
		}
		return err
	}
	issuedAt := pre.issuedAt
	d.Register, d.Year, d.Number, d.IssuedAt, d.Notation = r.Register, r.Year, r.Number, &issuedAt, r.Notation
	if pre.verifyCode != "" {
		d.VerifyCode = pre.verifyCode
	}
	d.Files = append(d.Files, pre.files...)
	d.Verification = pre.verification
	return nil
}

// revokeEffects records a revocation request and its answer.
func revokeEffects(d *Document, a Action, in ActionInput, ev *Event) {
	switch a {
	case RequestRevoke:
		d.RevokeState, d.RevokeReason, d.RevokeAnswer = RevokeRequested, strings.TrimSpace(in.Comment), ""
		ev.Data["revoke"] = RevokeRequested
	case AcceptRevoke:
		d.RevokeState = RevokeAccepted
		ev.Data["revoke"] = RevokeAccepted
	case RefuseRevoke:
		d.RevokeState, d.RevokeAnswer = RevokeRefused, strings.TrimSpace(in.Comment)
		ev.Data["revoke"] = RevokeRefused
	}
}

// archiveRecord writes d's archival record from src (d's trail, and its
// signer when read with d): through WriteRecord when the archiver has
// it — which of the record's objects it leaves to the transaction
// (archiveEffects) is the archiver's decision, ArchivedRecord.Objects —;
// else through ArchiveRecord.
func (s *Service) archiveRecord(ctx context.Context, d *Document, src *archiveSource) (ArchivedRecord, error) {
	if w, ok := s.Archiver.(RecordWriter); ok {
		return w.WriteRecord(ctx, d, src.events, src.signer)
	}
	rec, err := s.Archiver.ArchiveRecord(ctx, d, src.events)
	rec.Objects = nil // recorded by the archiver
	return rec, err
}

// archiveEffects records the archiving time and, when the document has a
// retention record, its key and retention date, and the record's objects
// the archiver left to this transaction.
func archiveEffects(ctx context.Context, tx Tx, d *Document, now time.Time, ev *Event, pre prechecked) error {
	d.ArchivedAt = &now
	if pre.record == nil {
		return nil
	}
	ru := pre.record.RetainUntil
	d.RetainUntil = &ru
	ev.Data["record"] = pre.record.Key
	ev.Data["retain_until"] = ru.UTC().Format(time.RFC3339)
	if len(pre.record.Objects) == 0 {
		return nil
	}
	w, ok := tx.(ArchiveObjectWriter)
	if !ok {
		return Errorf(EINTERNAL, "the transaction cannot record the archived objects of %s", d.ID)
	}
	if err := w.PutArchiveObjects(ctx, d.ID, pre.record.Objects); err != nil {
		return fmt.Errorf("record the archived objects of %s: %w", d.ID, err)
	}
	return nil
}

// verifyIncoming checks an incoming document's signatures at
// registration (Decree 30 Art. 21.2), before the transaction. An invalid
// one needs an override with a comment; the event records it.
func (s *Service) verifyIncoming(ctx context.Context, d *Document, in ActionInput, pre *prechecked) error {
	pdf, _, err := s.currentPDF(ctx, d)
	if err != nil {
		return err
	}
	var v Verification
	s.signOn(func() { v, err = checkSignatures(ctx, s.Signer, pdf) })
	if err != nil {
		return fmt.Errorf("verify incoming document: %w", err)
	}
	pre.verification = &v
	pre.data["verdict"] = v.Verdict
	if v.Verdict == VerdictInvalid {
		if !in.Override || strings.TrimSpace(in.Comment) == "" {
			return Errorf(EUNPROCESSABLE, "the document's signature is invalid (%s): register it only with override and a comment", strings.Join(v.Reasons, "; "))
		}
		pre.data["override"] = "true"
	}
	return nil
}

// checkSignatures verifies pdf; a file the verifier cannot analyse is
// "indeterminate" with the reason, so that a document is never lost or
// blocked because its structure is unusual.
func checkSignatures(ctx context.Context, sg Signer, pdf []byte) (Verification, error) {
	v, err := sg.Verify(ctx, pdf)
	if code := ErrorCode(err); code == EUNPROCESSABLE || code == EUNSUPPORTEDMEDIA {
		return Verification{Verdict: VerdictIndeterminate, Reasons: []string{"the signatures could not be checked: " + ErrorMessage(err)}}, nil
	}
	return v, err
}

func (s *Service) currentPDF(ctx context.Context, d *Document) ([]byte, File, error) {
	f, ok := d.MainFile()
	if !ok {
		return nil, File{}, Errorf(EINVALID, "document %s has no file", d.ID)
	}
	b, err := s.files().Read(ctx, d.Files, f)
	return b, f, err
}

// Register returns a register's entries for a year.
func (s *Service) Register(ctx context.Context, actor *User, kind RegisterKind, year int) ([]*Document, error) {
	if err := checkRegisterAccess(actor, kind); err != nil {
		return nil, err
	}
	docs, err := s.Repo.RegisterEntries(ctx, kind, year)
	if err != nil {
		return nil, err
	}
	return visibleRegisterEntries(docs, actor), nil
}

// visibleRegisterEntries keeps the entries of a register actor may see.
// The classified registers keep classified documents apart; a row the
// actor may not see in another register (a classified incoming document
// registered before it had a register of its own) is left out.
func visibleRegisterEntries(docs []*Document, actor *User) []*Document {
	out := docs[:0]
	for _, d := range docs {
		if CanSee(d, actor) {
			out = append(out, d)
		}
	}
	return out
}

// checkRegisterAccess says whether actor may read register kind:
// ENOTFOUND for an unknown register, EFORBIDDEN when not allowed.
func checkRegisterAccess(actor *User, kind RegisterKind) error {
	if !kind.Valid() {
		return Errorf(ENOTFOUND, "no register %q", kind)
	}
	if !actor.HasAny([]Role{RoleClerk, RoleAdmin, RoleArchivist, RoleOfficer}) {
		return Errorf(EFORBIDDEN, "registers are kept by clerks")
	}
	if kind.Classified() && !SeesAllClassified(actor) {
		return Errorf(EFORBIDDEN, "the %s register is for clerks and admins", kind)
	}
	return nil
}

// walkChain feeds every event of the chain to v, and to run (the
// anchors' check), until v finds it broken: the rows as stored when the
// repository reads them so (StoredEventWalker), else its Events.
func (s *Service) walkChain(ctx context.Context, v *ChainVerifier, run *anchorRun) error {
	errStop := errors.New("stop")
	var err error
	if w, ok := s.Repo.(StoredEventWalker); ok {
		err = w.WalkStoredEvents(ctx, func(se *StoredEvent) error {
			ok, err := v.AddStored(se)
			if err != nil {
				return err
			}
			if !ok {
				return errStop
			}
			return run.seeStored(se)
		})
	} else {
		err = s.Repo.WalkEvents(ctx, func(e Event) error {
			if !v.Add(e) {
				return errStop
			}
			run.see(&e)
			return nil
		})
	}
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// VerifyAudit recomputes the whole audit chain and, when s.Anchors is
// set, checks it against every checkpoint found there (anchor.go): each
// compared with the event at its position while the chain is walked, by
// the hash its key names when the source lists them unchecked
// (AnchorLister, anchorlist.go: the signatures of those a verdict
// depends on checked after the walk), else read and checked before.
func (s *Service) VerifyAudit(ctx context.Context) (AuditReport, error) {
	run, err := s.startAnchors(ctx)
	if err != nil {
		return AuditReport{}, fmt.Errorf("verify audit: anchors: %w", err)
	}
	var v ChainVerifier
	if err := s.walkChain(ctx, &v, run); err != nil {
		return AuditReport{}, fmt.Errorf("verify audit: %w", err)
	}
	r := v.Report()
	if r.OK {
		head, err := s.Repo.AuditHead(ctx)
		if err != nil {
			return AuditReport{}, fmt.Errorf("verify audit: %w", err)
		}
		lastHash, walked := v.lastHash()
		if head != nil && (head.Seq != r.Events || (walked && head.Hash != lastHash)) {
			r.OK = false
			r.Reason = fmt.Sprintf("the chain head records %d events but %d are stored: events were removed from the end", head.Seq, r.Events)
			r.FirstBroken = head
		}
	}
	if err := run.judge(ctx, &r, s.eventAt); err != nil {
		return AuditReport{}, fmt.Errorf("verify audit: anchors: %w", err)
	}
	return r, nil
}
