package workflow

import (
	"context"
	"slices"
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
	in.takeFromLetter(letter)
	return nil
}

// ReplyFields are what a reply takes from the letter it answers unless
// its drafter gives others (ReplyDefaults).
type ReplyFields struct {
	// Urgency is the letter's (độ khẩn): a Hỏa tốc letter is answered
	// Hỏa tốc.
	Urgency Urgency
	// Confidentiality is the letter's (độ mật): the answer to a Mật
	// letter is Mật, in the classified register.
	Confidentiality Confidentiality
	// DueDate is the letter's own (hạn xử lý), by when the answer is
	// due, a copy; nil when it has none.
	DueDate *Date
}

// ReplyDefaults is the one rule of what a reply to letter takes from it
// unless its drafter gives others: its urgency, its confidentiality and
// its due date (ReplyFields). The web's reply form comes filled with
// them (Soạn văn bản trả lời), and POST /api/v1/documents with
// replies_to takes each the request leaves out (takeFromLetter). Nothing
// for a letter that is not an incoming document.
func ReplyDefaults(letter *Document) ReplyFields {
	if letter == nil || letter.Direction != Incoming {
		return ReplyFields{}
	}
	rf := ReplyFields{Urgency: letter.Urgency, Confidentiality: letter.Confidentiality}
	if letter.DueDate != nil {
		d := *letter.DueDate
		rf.DueDate = &d
	}
	return rf
}

// takeFromLetter gives in, a new reply to letter, what ReplyDefaults
// says of each field it leaves out: an urgency or a confidentiality not
// given (""), and the due date when the request named none
// (DueFromLetter; a nil DueDate alone is a form whose date was
// cleared). A value given wins.
func (in *CreateInput) takeFromLetter(letter *Document) {
	rf := ReplyDefaults(letter)
	if in.Urgency == "" {
		in.Urgency = rf.Urgency
	}
	if in.Confidentiality == "" {
		in.Confidentiality = rf.Confidentiality
	}
	if in.DueFromLetter && in.DueDate == nil {
		in.DueDate = rf.DueDate
	}
}

// linkReply records, inside tx, on the incoming document the new draft d
// answers that d is its reply. Nothing when d answers nothing.
func (s *Service) linkReply(ctx context.Context, tx Tx, d *Document, actor *User) error {
	if d.RepliesTo == "" {
		return nil
	}
	return s.linkBack(ctx, tx, d.RepliesTo, "replied_by", d.ID, actor)
}

// ReplyLister is implemented by repositories that list a letter's
// replies in one statement (storage/gormdb).
type ReplyLister interface {
	// Replies returns the documents whose RepliesTo is letterID, oldest
	// first, classified ones included.
	Replies(ctx context.Context, letterID string) ([]*Document, error)
}

// Reply is one reply to a letter as a viewer may know it: its ID, and
// the document only when the viewer may see it (CanSee; nil: the ID
// alone, as a classified reply is named to who may see the letter but
// not the reply).
type Reply struct {
	ID  string
	Doc *Document
}

// Replies returns every reply drafted to letter (already read, and one
// actor may see: DocumentNotFound otherwise), oldest first, for actor. No
// statement for a letter never replied to (RepliedBy names the latest
// reply); else the repository's one (ReplyLister), or a scan of the
// outgoing documents for repositories without it.
func (s *Service) Replies(ctx context.Context, actor *User, letter *Document) ([]Reply, error) {
	if !CanSee(letter, actor) {
		return nil, DocumentNotFound()
	}
	if letter.Direction != Incoming || letter.RepliedBy == "" {
		return nil, nil
	}
	var docs []*Document
	var err error
	if rl, ok := s.Repo.(ReplyLister); ok {
		docs, err = rl.Replies(ctx, letter.ID)
	} else {
		docs, err = scanReplies(ctx, s.Repo, letter.ID)
	}
	if err != nil {
		return nil, err
	}
	out := make([]Reply, len(docs))
	for i, d := range docs {
		out[i].ID = d.ID
		if CanSee(d, actor) {
			out[i].Doc = d
		}
	}
	return out, nil
}

// scanReplies reads every outgoing document for the replies to letterID,
// oldest first.
func scanReplies(ctx context.Context, r Reader, letterID string) ([]*Document, error) {
	var out []*Document
	f := DocumentFilter{Direction: Outgoing, SeeAll: true, Limit: 1000}
	for {
		docs, next, err := r.Documents(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if d.RepliesTo == letterID {
				out = append(out, d)
			}
		}
		if next == "" {
			break
		}
		f.After = next
	}
	slices.SortStableFunc(out, func(a, b *Document) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
