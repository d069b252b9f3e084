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
// was replaced), "old_sha256" and "new_sha256" the PDFs before and after
// when it was replaced, "name" the new PDF's name.
const EventRevise EventKind = "draft_revised"

// FileSuperseded is a draft's PDF replaced by a revision (Revise): kept
// in the document's files and trail, never its current file again.
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
	// SetLayout). A new File without it gets the layout found in the new
	// PDF, as a new draft does: the old one placed the stamps on the old
	// pages.
	Layout *Layout
	File   *Upload
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
// file, the old one kept as FileSuperseded. One event, EventRevise,
// records it with the new version.
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
	if in.File != nil {
		if main, err = s.reviseFile(ctx, d, ci, &in, &next); err != nil {
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
	if len(fields) == 0 {
		return nil, Wrap(EINVALID, ErrNothingRevised, "the revision changes nothing: give the fields to correct or a new PDF")
	}
	out, err := s.commitRevision(ctx, actor, d, &next, main, fields)
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
// (storeMain), the layout next gets with it included; nil when it is the
// draft's current PDF already.
func (s *Service) reviseFile(ctx context.Context, d *Document, ci *CreateInput, in *ReviseInput, next *Document) (*File, error) {
	ci.File = in.File
	nd := &Document{Layout: ci.Layout}
	f, err := s.storeMain(ctx, ci, nd)
	if err != nil {
		return nil, err
	}
	if cur, ok := d.MainFile(); ok && cur.SHA256 == f.SHA256 {
		return nil, nil
	}
	next.Layout = nd.Layout
	return &f, nil
}

// commitRevision writes next, the draft d revised (main: its new PDF, nil
// when it keeps its own), with its event, if the draft is still as d was
// read.
func (s *Service) commitRevision(ctx context.Context, actor *User, d, next *Document, main *File, fields []string) (*Document, error) {
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
			Data: map[string]string{"fields": strings.Join(fields, " ")}}
		files := slices.Clone(cur.Files)
		if main != nil {
			files = replaceMain(files, *main, ev)
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
