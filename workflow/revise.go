package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// EventRevise records a revision of a draft: Data "fields" names the
// fields changed (space-separated, the API's names: "file" when its PDF
// was replaced, "attachments" when attachments were added or removed),
// "old_sha256" and "new_sha256" the PDFs before and after when it was
// replaced, "name" the new PDF's name; "attachment_added:{sha256}" and
// "attachment_removed:{sha256}" each attachment added or removed, with
// its name; "layout_reset" and the keys beside it (LayoutMisfit) why a
// hand-set layout was dropped for the new PDF.
const EventRevise EventKind = "draft_revised"

// FileSuperseded is a draft's PDF replaced by a revision (Revise), or an
// attachment it removed: kept in the document's files and trail, never
// its current file (or attachment) again.
const FileSuperseded FileKind = "superseded"

// ReviseInput is a revision of a draft: each field given (not nil)
// replaces the draft's, File its PDF. Version is the version the caller
// saw (0 = any).
type ReviseInput struct {
	Version         int
	Type            *DocType
	Subject         *string
	Urgency         *Urgency
	Confidentiality *Confidentiality
	SignerID        *string
	Recipients      *[]Org
	DraftingUnit    *string
	Retention       *string
	Notes           *string
	// Layout, when given, is the stamp layout, set by a person (as
	// SetLayout). A new File without it keeps the draft's hand-set layout
	// when that still fits the new pages (keepLayoutFor), else gets the
	// layout found in the new PDF, as a new draft does.
	Layout *Layout
	File   *Upload
	// Attachments are added to the draft's, checked and stored as a new
	// draft's (storeAttachments). RemoveAttachments names by SHA-256
	// attachments of the draft to remove (kept in its files as
	// FileSuperseded); one named and added again stays.
	Attachments       []Upload
	RemoveAttachments []string
	// Problems are what the caller could not read of the input, reported
	// first with the others, as CreateInput.Problems.
	Problems []error
}

// ErrNothingRevised is the cause (errors.Is) of the EINVALID with which
// a revision that changes nothing is refused.
var ErrNothingRevised = errors.New("the revision changes nothing")

// CanRevise reports whether u may revise d now: an outgoing draft, by the
// handler who drafted it. Nobody else: a revision changes what the
// drafter submits under their name (a clerk or an official who wants it
// otherwise returns it with a reason).
func CanRevise(d *Document, u *User) bool {
	return checkRevise(d, u, 0) == nil
}

// checkRevise is Revise's guard: EILLEGAL for a document that is not an
// outgoing draft, EFORBIDDEN for a user other than its drafting handler,
// ECONFLICT for a stale version (0 = any).
func checkRevise(d *Document, u *User, version int) error {
	if d.Direction != Outgoing {
		return Errorf(EILLEGAL, "only an outgoing draft can be revised")
	}
	if u == nil || !u.Has(RoleHandler) || d.CreatedBy != u.ID {
		return Errorf(EFORBIDDEN, "only the handler who drafted this document may revise it")
	}
	if d.State != Draft {
		return Errorf(EILLEGAL, "only a draft can be revised (this one is %s): an official returns it to its drafter first", d.State)
	}
	if version != 0 && version != d.Version {
		return Errorf(ECONFLICT, "document %s is at version %d, not %d: reload and retry", d.ID, d.Version, version)
	}
	return nil
}

// Revise corrects a draft's fields and/or replaces its PDF, for its
// drafter, in state draft (checkRevise: ENOTFOUND, EFORBIDDEN, EILLEGAL,
// ECONFLICT). The fields are checked as a new document's (every problem
// at once, EINVALID); a new PDF goes through what a new draft's does
// (storeMain: signable, layout, stored as a blob) and becomes the current
// file, the old one kept as FileSuperseded; attachments are added
// (storeAttachments) and removed (kept as FileSuperseded) likewise. One
// event, EventRevise, records it with the new version.
func (s *Service) Revise(ctx context.Context, actor *User, id string, in ReviseInput) (*Document, error) {
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := checkRevise(d, actor, in.Version); err != nil {
		return nil, err
	}
	ci, err := s.checkRevision(ctx, actor, d, &in)
	if err != nil {
		return nil, err
	}
	next := *d
	reviseFields(&next, ci)
	fields := changedFields(d, &next, in.Layout != nil)
	var main *File
	var rv revisedFiles
	if in.File != nil {
		if main, err = s.reviseFile(ctx, d, ci, &in, &next, &rv); err != nil {
			return nil, err
		}
		if main != nil {
			fields = append(fields, "file")
		}
	} else if in.Layout != nil {
		if err := s.checkLayoutOnPages(ctx, actor, id, next.Layout); err != nil {
			return nil, err
		}
	}
	att, err := s.reviseAttachments(ctx, d, main, &in)
	if err != nil {
		return nil, err
	}
	if len(att.added)+len(att.removed) > 0 {
		fields = append(fields, "attachments")
	}
	if len(fields) == 0 {
		return nil, Wrap(EINVALID, ErrNothingRevised, "the revision changes nothing: give the fields to correct, a new PDF or attachments")
	}
	rv.main, rv.att, rv.fields = main, att, fields
	out, err := s.commitRevision(ctx, actor, d, &next, rv)
	if err != nil {
		return nil, fmt.Errorf("revise %s: %w", id, err)
	}
	s.logger().InfoContext(ctx, "draft revised", "doc_id", id, "fields", strings.Join(fields, " "), "actor", actor.ID)
	return out, nil
}

// checkRevision is the draft d with in's fields as a new document's
// input, checked as one (checkFields: every problem at once).
func (s *Service) checkRevision(ctx context.Context, actor *User, d *Document, in *ReviseInput) (*CreateInput, error) {
	ci := &CreateInput{Direction: Outgoing, Type: d.Type, Subject: d.Subject, Urgency: d.Urgency,
		Confidentiality: d.Confidentiality, SignerID: d.SignerID, Recipients: slices.Clone(d.Recipients),
		DraftingUnit: d.DraftingUnit, Retention: d.Retention, Notes: d.Notes, Layout: in.Layout}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if in.Type != nil {
		ci.Type = *in.Type
	}
	if in.Urgency != nil {
		ci.Urgency = *in.Urgency
	}
	if in.Confidentiality != nil {
		ci.Confidentiality = *in.Confidentiality
	}
	if in.Recipients != nil {
		ci.Recipients = slices.Clone(*in.Recipients)
	}
	set(&ci.Subject, in.Subject)
	set(&ci.SignerID, in.SignerID)
	set(&ci.DraftingUnit, in.DraftingUnit)
	set(&ci.Retention, in.Retention)
	set(&ci.Notes, in.Notes)
	var p problems
	for _, err := range in.Problems {
		p.addAll(err)
	}
	if err := s.checkFields(ctx, actor, ci, false, &p); err != nil {
		return nil, err
	}
	for _, sha := range in.RemoveAttachments {
		if f, ok := fileBySHA(d.Files, sha); !ok || f.Kind != FileAttachment {
			p.add(Errorf(EINVALID, "%q is not the SHA-256 of one of the draft's attachments", sha).On("remove_attachments"))
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if ci.Layout != nil {
		c := *ci.Layout
		c.Source, c.Notes = LayoutManual, nil
		ci.Layout = &c
	}
	return ci, nil
}

// reviseFields writes the checked fields ci onto d.
func reviseFields(d *Document, ci *CreateInput) {
	d.Type, d.Subject, d.Urgency, d.Confidentiality = ci.Type, ci.Subject, ci.Urgency, ci.Confidentiality
	d.SignerID, d.Recipients, d.DraftingUnit = ci.SignerID, ci.Recipients, ci.DraftingUnit
	d.Retention, d.Notes = ci.Retention, ci.Notes
	if ci.Layout != nil {
		d.Layout = ci.Layout
	}
}

// changedFields names the fields of a that b changes, the API's names.
func changedFields(a, b *Document, layout bool) []string {
	var out []string
	for _, f := range []struct {
		name    string
		changed bool
	}{
		{"type", a.Type != b.Type}, {"subject", a.Subject != b.Subject}, {"urgency", a.Urgency != b.Urgency},
		{"confidentiality", a.Confidentiality != b.Confidentiality}, {"signer_id", a.SignerID != b.SignerID},
		{"recipients", !slices.Equal(a.Recipients, b.Recipients)}, {"drafting_unit", a.DraftingUnit != b.DraftingUnit},
		{"retention", a.Retention != b.Retention}, {"notes", a.Notes != b.Notes}, {"layout", layout},
	} {
		if f.changed {
			out = append(out, f.name)
		}
	}
	return out
}

// reviseFile checks and stores the revision's PDF as a new draft's
// (storeMain), the layout next gets with it included (and in rv why a
// hand-set one was dropped); nil when it is the draft's current PDF
// already.
func (s *Service) reviseFile(ctx context.Context, d *Document, ci *CreateInput, in *ReviseInput, next *Document, rv *revisedFiles) (*File, error) {
	ci.File = in.File
	nd := &Document{Layout: ci.Layout}
	var misfit *LayoutMisfit
	if ci.Layout == nil {
		nd.Layout, misfit = s.keepLayoutFor(ctx, d.Layout, in.File)
	}
	f, err := s.storeMain(ctx, ci, nd)
	if err != nil {
		return nil, err
	}
	if cur, ok := d.MainFile(); ok && cur.SHA256 == f.SHA256 {
		return nil, nil
	}
	next.Layout, rv.layoutReset = nd.Layout, misfit
	return &f, nil
}

// revisedFiles is what a revision changes of a draft's files and the
// fields it names.
type revisedFiles struct {
	main   *File // the new PDF; nil when the draft keeps its own
	att    attachmentChange
	fields []string
	// layoutReset: the hand-set layout did not fit the new PDF.
	layoutReset *LayoutMisfit
}

// commitRevision writes next, the draft d revised (rv: its files), with
// its event, if the draft is still as d was read.
func (s *Service) commitRevision(ctx context.Context, actor *User, d, next *Document, rv revisedFiles) (*Document, error) {
	var out *Document
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		cur, err := tx.LockDocument(ctx, d.ID)
		if err != nil {
			return err
		}
		if err := checkRevise(cur, actor, d.Version); err != nil {
			return err
		}
		ev := &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventRevise, At: s.now(),
			Data: map[string]string{"fields": strings.Join(rv.fields, " ")}}
		// Attachments first: a PDF removed from them may become the
		// current file.
		files := rv.att.apply(slices.Clone(cur.Files), ev)
		if rv.main != nil {
			files = replaceMain(files, *rv.main, ev)
			rv.layoutReset.eventData(ev.Data)
		}
		prev := cur.Version
		r := *next
		r.Files, r.Version, r.UpdatedAt = files, prev+1, s.now()
		if err := updateAndAppend(WithLastWrite(ctx), tx, &r, prev, ev); err != nil {
			return err
		}
		out = &r
		return nil
	})
	return out, err
}

// replaceMain makes f the current PDF among files: the current one is
// kept as FileSuperseded, f added (or, a PDF the draft had before, made
// current again: a document keeps each file once, by its SHA-256).
func replaceMain(files []File, f File, ev *Event) []File {
	for i := range files {
		if files[i].Kind == FileMain {
			files[i].Kind = FileSuperseded
			ev.Data["old_sha256"] = files[i].SHA256
		}
	}
	ev.Data["new_sha256"], ev.Data["name"] = f.SHA256, f.Name
	if i := slices.IndexFunc(files, func(x File) bool { return x.SHA256 == f.SHA256 }); i >= 0 {
		files[i].Kind = FileMain
		return files
	}
	return append(files, f)
}

// attachmentChange is what a revision changes of a draft's attachments:
// the files added (new, or files the draft had before: attached again)
// and the attachments removed.
type attachmentChange struct {
	added   []File
	removed []File
}

// reviseAttachments stores the attachments in adds (storeAttachments)
// and reads which of the draft's in removes; in.RemoveAttachments were
// checked (checkRevision). An attachment the draft has and keeps, or
// added twice, is no change; one added that is the draft's PDF (main:
// the new one, when it is replaced) is EINVALID, as a new PDF that is
// an attachment the draft keeps.
func (s *Service) reviseAttachments(ctx context.Context, d *Document, main *File, in *ReviseInput) (attachmentChange, error) {
	var c attachmentChange
	removed := map[string]bool{}
	for _, sha := range in.RemoveAttachments {
		removed[sha] = true
	}
	stored, err := s.storeAttachments(ctx, in.Attachments, d.Direction)
	if err != nil {
		return c, err
	}
	pdf, _ := d.MainFile()
	if main != nil {
		pdf = *main
		if cur, ok := fileBySHA(d.Files, main.SHA256); ok && cur.Kind == FileAttachment && !removed[cur.SHA256] {
			return c, Errorf(EINVALID, "the new PDF is the draft's attachment %q: remove it from the attachments", cur.Name).On("file")
		}
	}
	seen := map[string]bool{}
	for _, f := range stored {
		if f.SHA256 == pdf.SHA256 {
			return c, Errorf(EINVALID, "attachment %q is the draft's PDF itself", f.Name).On("attachment")
		}
		cur, had := fileBySHA(d.Files, f.SHA256)
		switch {
		case seen[f.SHA256]:
		case had && cur.Kind == FileAttachment:
			delete(removed, f.SHA256) // named and added again: it stays
		default:
			c.added = append(c.added, f)
		}
		seen[f.SHA256] = true
	}
	for _, f := range d.Files {
		if removed[f.SHA256] && f.Kind == FileAttachment {
			c.removed = append(c.removed, f)
		}
	}
	return c, nil
}

// apply makes c's change to files, recorded in ev: an attachment removed
// is kept as FileSuperseded; one added is appended, or a file the draft
// had before (by its SHA-256) is an attachment again.
func (c attachmentChange) apply(files []File, ev *Event) []File {
	for _, r := range c.removed {
		if i := slices.IndexFunc(files, func(x File) bool { return x.SHA256 == r.SHA256 }); i >= 0 {
			files[i].Kind = FileSuperseded
			ev.Data["attachment_removed:"+r.SHA256] = r.Name
		}
	}
	for _, a := range c.added {
		ev.Data["attachment_added:"+a.SHA256] = a.Name
		if i := slices.IndexFunc(files, func(x File) bool { return x.SHA256 == a.SHA256 }); i >= 0 {
			files[i].Kind = FileAttachment
			continue
		}
		files = append(files, a)
	}
	return files
}
