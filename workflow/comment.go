package workflow

import (
	"context"
	"fmt"
	"strings"
)

// MaxComment is the longest comment accepted, in characters.
const MaxComment = 4000

// Comment adds a remark (ý kiến) to the audit trail of a document the
// actor may see; the state does not change. EINVALID for an empty or too
// long text, ENOTFOUND for a document the actor may not see.
func (s *Service) Comment(ctx context.Context, actor *User, id, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return Errorf(EINVALID, "comment is empty").On("comment")
	}
	if err := CheckComment(text); err != nil {
		return err
	}
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		return tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventComment, Comment: text, At: s.now()})
	})
	if err != nil {
		return fmt.Errorf("comment on %s: %w", id, err)
	}
	return nil
}

// NumberPeeker is implemented by repositories that can read a register's
// counter without taking a number (storage/gormdb, the in-memory fake).
type NumberPeeker interface {
	// PeekNumber returns the number the next NextNumber of the register
	// would take now (1 for an unused register). Nothing is reserved.
	PeekNumber(ctx context.Context, kind RegisterKind, year int) (int, error)
}

// NextNotation tells the clerk which number and notation an outgoing
// document would take if issued now. It is a peek, not a reservation:
// another document issued meanwhile takes that number, and this one then
// gets the next (numbers stay gapless and unique: they are taken only
// when an issue reserves one, see numbering.go). EILLEGAL unless the
// document waits to be issued.
func (s *Service) NextNotation(ctx context.Context, actor *User, id string) (int, string, error) {
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return 0, "", err
	}
	if d.Direction != Outgoing || d.State != OfficerSigned {
		return 0, "", Errorf(EILLEGAL, "document %s is not waiting to be issued", id)
	}
	reg, year := RegisterFor(d), RegisterYear(s.now())
	var n int
	if p, ok := s.Repo.(NumberPeeker); ok {
		if n, err = p.PeekNumber(ctx, reg, year); err != nil {
			return 0, "", fmt.Errorf("peek %s number: %w", reg, err)
		}
	} else {
		entries, err := s.Repo.RegisterEntries(ctx, reg, year)
		if err != nil {
			return 0, "", fmt.Errorf("peek %s number: %w", reg, err)
		}
		n = 1
		for _, e := range entries {
			n = max(n, e.Number+1)
		}
	}
	return n, Notation(n, d.Type, s.Agency.Abbr, d.DraftingUnit), nil
}
