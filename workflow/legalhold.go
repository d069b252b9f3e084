package workflow

import (
	"context"
	"maps"
)

// CheckLegalHolder returns EFORBIDDEN unless actor may set and lift legal
// holds on archived documents (archivists and admins).
func CheckLegalHolder(actor *User) error {
	if actor == nil || !actor.HasAny([]Role{RoleArchivist, RoleAdmin}) {
		return Errorf(EFORBIDDEN, "a legal hold needs role %s or %s", RoleArchivist, RoleAdmin)
	}
	return nil
}

// SetLegalHold turns the legal hold of archived document docID on or off
// (CheckLegalHolder: EFORBIDDEN), with an archive event carrying comment,
// data and "legal_hold": "on" or "off", in one transaction: the document
// is locked, its version bumped. A document the actor may not see, or not
// archived, is ENOTFOUND. Repeating it changes nothing and returns the
// document. The archive store's holds are the archive service's.
func (s *Service) SetLegalHold(ctx context.Context, actor *User, docID string, on bool, comment string, data map[string]string) (*Document, error) {
	if err := CheckLegalHolder(actor); err != nil {
		return nil, err
	}
	if err := CheckComment(comment); err != nil {
		return nil, err
	}
	var out *Document
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		d, err := tx.LockDocument(ctx, docID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && !CanSee(d, actor)) {
			return DocumentNotFound()
		}
		if err != nil {
			return err
		}
		if d.State != Archived {
			return Errorf(ENOTFOUND, "document %s is not archived (state %s)", docID, d.State)
		}
		out = d
		if d.LegalHold == on {
			return nil
		}
		now, prev := s.now(), d.Version
		d.LegalHold, d.Version, d.UpdatedAt = on, d.Version+1, now
		if err := tx.UpdateDocument(ctx, d, prev); err != nil {
			return err
		}
		ev := maps.Clone(data)
		if ev == nil {
			ev = map[string]string{}
		}
		ev["legal_hold"] = "off"
		if on {
			ev["legal_hold"] = "on"
		}
		return tx.AppendEvent(ctx, &Event{DocumentID: docID, Actor: actor.ID, Kind: EventArchive, Comment: comment, At: now, Data: ev})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
