package workflow

import (
	"context"
	"strings"
)

// A reply is an outgoing document drafted as the answer to an incoming
// one (the web's "Soạn văn bản trả lời"): the draft names the letter
// (Document.RepliesTo), and the letter its latest answer (RepliedBy),
// written with an EventLink ("replied_by") on the letter in the
// transaction that creates the draft, whose create event says
// "replies_to". Before, a note in the draft was the only trace.

// validateReply checks the incoming document a new outgoing one answers:
// one the actor may see. EINVALID on replies_to otherwise.
func (s *Service) validateReply(ctx context.Context, actor *User, in *CreateInput) error {
	in.RepliesTo = strings.TrimSpace(in.RepliesTo)
	if in.RepliesTo == "" {
		return nil
	}
	letter, err := VisibleDocument(ctx, s.Repo, actor, in.RepliesTo)
	if ErrorCode(err) == ENOTFOUND {
		return Errorf(EINVALID, "the document to reply to (%s) does not exist", in.RepliesTo).On("replies_to")
	} else if err != nil {
		return err
	}
	if letter.Direction != Incoming {
		return Errorf(EINVALID, "only an incoming document can be replied to (this one is %s)", letter.Direction).On("replies_to")
	}
	return nil
}

// linkReply records, inside tx, on the incoming document the new draft d
// answers that d is its reply. Nothing when d answers nothing.
func (s *Service) linkReply(ctx context.Context, tx Tx, d *Document, actor *User) error {
	if d.RepliesTo == "" {
		return nil
	}
	return s.linkBack(ctx, tx, d.RepliesTo, "replied_by", d.ID, actor)
}
