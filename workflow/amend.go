package workflow

import "context"

// EventLink records on a document that another one now replaces or
// updates it (Data: "replaced_by" or "updated_by" = that document's ID).
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
	old, err := tx.LockDocument(ctx, target)
	if err != nil {
		return err
	}
	prev := old.Version
	if field == "replaced_by" {
		old.ReplacedBy = d.ID
	} else {
		old.UpdatedBy = d.ID
	}
	old.Version, old.UpdatedAt = old.Version+1, s.now()
	if err := tx.UpdateDocument(ctx, old, prev); err != nil {
		return err
	}
	return tx.AppendEvent(ctx, &Event{DocumentID: old.ID, Actor: actor.ID, Kind: EventLink, At: s.now(),
		Data: map[string]string{field: d.ID}})
}
