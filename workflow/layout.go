package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// EventLayout records a correction of a document's stamp layout.
const EventLayout EventKind = "layout"

// CanEditLayout reports whether u may correct d's stamp layout now, and
// which parts: the signature block until the official signs (layer 1
// fixes it), the number and the date until the clerk issues the document.
// The drafting handler, the signer and clerks may.
func CanEditLayout(d *Document, u *User) (signature, numberDate bool) {
	if d == nil || u == nil || d.Direction != Outgoing || !CanSee(d, u) {
		return false, false
	}
	if !(u.Has(RoleClerk) || d.SignerID == u.ID || (u.Has(RoleHandler) && d.CreatedBy == u.ID)) {
		return false, false
	}
	switch d.State {
	case Draft, InReview, Approved:
		return true, true
	case OfficerSigned:
		return false, true
	}
	return false, false
}

// SetLayout replaces d's stamp layout with l (nil = defaults), marked as
// set by a person. Parts that can no longer change (the signature block
// after layer 1) must be unchanged. EFORBIDDEN for a user who may not
// edit it, ECONFLICT when the document is past the point where the
// layout matters (issued) or version is stale (version 0 = any), EINVALID
// for a box outside any page.
func (s *Service) SetLayout(ctx context.Context, actor *User, id string, version int, l *Layout) (*Document, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkLayoutOnPages(ctx, actor, id, l); err != nil {
		return nil, err
	}
	if l != nil {
		c := *l
		c.Source, c.Notes = LayoutManual, nil
		l = &c
	}
	var out *Document
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		d, err := tx.LockDocument(ctx, id)
		if err := visibleOrNotFound(d, err, actor); err != nil {
			return err
		}
		if version != 0 && version != d.Version {
			return Errorf(ECONFLICT, "the document changed (version %d, you saw %d); reload it", d.Version, version)
		}
		sig, nd := CanEditLayout(d, actor)
		if !sig && !nd {
			if d.Direction == Outgoing && (d.State == Issued || d.State == Sent || d.State == Archived) {
				return Errorf(ECONFLICT, "the document is issued; its stamps are in place")
			}
			return Errorf(EFORBIDDEN, "you may not change this document's stamp layout")
		}
		if !sig && !sameBox(signatureOf(d.Layout), signatureOf(l)) {
			return Errorf(ECONFLICT, "the official has signed: the signature block can no longer move")
		}
		prev := d.Version
		d.Layout = l
		d.Version++
		d.UpdatedAt = s.now()
		if err := tx.UpdateDocument(ctx, d, prev); err != nil {
			return err
		}
		js, _ := json.Marshal(l)
		if err := tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventLayout, At: s.now(),
			Data: map[string]string{"layout": string(js)}}); err != nil {
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set layout of %s: %w", id, err)
	}
	s.logger().InfoContext(ctx, "stamp layout set", "doc_id", id, "actor", actor.ID)
	return out, nil
}

// checkLayoutOnPages checks l against the pages of the document's PDF
// (LayoutChecker): a box off its page used to be accepted here and refused
// only when the official signed or the clerk issued. Signing does not
// change the pages, so the PDF read before the transaction will do.
func (s *Service) checkLayoutOnPages(ctx context.Context, actor *User, id string, l *Layout) error {
	lc, ok := s.Inspector.(LayoutChecker)
	if !ok || l == nil || (l.Signature == nil && l.Number == nil && l.Date == nil) {
		return nil
	}
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	f, ok := d.MainFile()
	if sig, nd := CanEditLayout(d, actor); !ok || (!sig && !nd) {
		return nil // the transaction says why not, before any file is read
	}
	rc, err := s.files().Open(ctx, d.Files, f)
	if err != nil {
		return fmt.Errorf("read the PDF of %s: %w", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, f.Size))
	if err != nil {
		return fmt.Errorf("read the PDF of %s: %w", id, err)
	}
	return lc.CheckLayout(ctx, bytes.NewReader(b), int64(len(b)), l)
}

func signatureOf(l *Layout) *Box {
	if l == nil {
		return nil
	}
	return l.Signature
}

func sameBox(a, b *Box) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
