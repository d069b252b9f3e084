package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// Import creates an incoming document that was handled before this
// system (an existing archive): in its terminal state Completed, with its
// creation and upload events, and whatever extra records in the same
// transaction (the importer's mark of the file): an interrupted import
// leaves either nothing or all of it. The actor is a clerk (EFORBIDDEN
// otherwise); source names the imported file in the creation event. The
// caller validates in (its columns); its text fields are cleaned and
// bounded as a created document's (CleanLine), every field's problem
// reported (joined, as Create's); the file is stored first, not
// inspected, and its signatures are verified when a Signer is set (a
// failure leaves the document unverified).
func (s *Service) Import(ctx context.Context, actor *User, in CreateInput, source string, extra func(ctx context.Context, tx Tx, d *Document) error) (*Document, error) {
	if actor == nil || !actor.Has(RoleClerk) {
		return nil, Errorf(EFORBIDDEN, "importing documents needs role %s", RoleClerk)
	}
	if in.File == nil {
		return nil, Errorf(EINVALID, "an imported document needs its file")
	}
	var p problems
	cleanFields(&in, textRule{}, &p)
	if in.Subject == "" {
		p.add(Errorf(EINVALID, "subject is empty").On("subject"))
	}
	checkLengths(&in, &p)
	if err := p.err(); err != nil {
		return nil, err
	}
	main, err := s.store(ctx, in.File, FileMain, false, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	main.CreatedAt = now
	d := &Document{ID: s.newID(), Direction: Incoming, Type: in.Type, Subject: in.Subject,
		Urgency: UrgencyNormal, Confidentiality: in.Confidentiality, State: Completed, Version: 1,
		Sender: in.Sender, OriginalNumber: in.OriginalNumber, OriginalDate: in.OriginalDate, Retention: in.Retention,
		Notes: in.Notes, CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now, Files: []File{main}}
	if s.Signer != nil {
		// The verifier takes the bytes: read them once, at their size
		// (io.ReadAll would grow its buffer to twice that on the way).
		b := make([]byte, in.File.Size)
		if _, err := io.ReadFull(io.NewSectionReader(in.File.Content, 0, in.File.Size), b); err != nil {
			return nil, fmt.Errorf("read %q: %w", in.File.Name, err)
		}
		// The verdict must be about the bytes stored: a file changed
		// between the store's read and this one is refused.
		if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != main.SHA256 {
			return nil, Errorf(ECONFLICT, "%q changed while it was imported: run the import again", in.File.Name)
		}
		if v, err := s.Signer.Verify(ctx, b); err == nil {
			d.Verification = &v
		}
	}
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		if err := tx.CreateDocument(ctx, d); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventCreate,
			To: Completed, Comment: "imported from an existing archive", At: now,
			Data: map[string]string{"direction": string(d.Direction), "type": string(d.Type), "import_file": source}}); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventUpload, At: now,
			Data: map[string]string{"sha256": main.SHA256, "name": main.Name, "kind": string(FileMain), "size": fmt.Sprint(main.Size)}}); err != nil {
			return err
		}
		if extra != nil {
			return extra(ctx, tx, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create imported document: %w", err)
	}
	return d, nil
}
