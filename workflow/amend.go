package workflow

import "context"

// EventLink records on a document that another one now replaces or
// updates it, or answers it (Data: "replaced_by", "updated_by" or
// "replied_by" = that document's ID).
const EventLink EventKind = "link"

// linkAmended records, inside tx, the link back from the document d
// replaces or updates to d: the sender's original when d is sent, the
// received original when d is received. Nothing when d amends nothing.
func (s *Service) linkAmended(ctx context.Context, tx Tx, d *Document, actor *User) error {
	target, field := d.Replaces, "replaced_by"
	if target == "" {
		target, field = d.Updates, "updated_by"
	}
	if target == "" {
		return nil
	}
	return s.linkBack(ctx, tx, target, field, d.ID, actor)
}

// linkBack sets, inside tx, the link field (replaced_by, updated_by,
// replied_by) of document target to id, with its EventLink.
func (s *Service) linkBack(ctx context.Context, tx Tx, target, field, id string, actor *User) error {
	old, err := tx.LockDocument(ctx, target)
	if err != nil {
		return err
	}
	prev := old.Version
	switch field {
	case "replaced_by":
		old.ReplacedBy = id
	case "updated_by":
		old.UpdatedBy = id
	default:
		old.RepliedBy = id
	}
	old.Version, old.UpdatedAt = old.Version+1, s.now()
	if err := tx.UpdateDocument(ctx, old, prev); err != nil {
		return err
	}
	return tx.AppendEvent(ctx, &Event{DocumentID: old.ID, Actor: actor.ID, Kind: EventLink, At: s.now(),
		Data: map[string]string{field: id}})
}
