package web

import (
	"context"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// duplicatesShown is how many earlier documents of the same sender and
// notation the page names.
const duplicatesShown = 5

// duplicates are the other incoming documents with d's sender and
// number and notation (số, ký hiệu gốc), newest first: a paper document
// received twice (the original after its fax, a second copy by post)
// would otherwise be registered twice under two incoming numbers. The
// clerk sees them before "Vào sổ".
func (u *UI) duplicates(ctx context.Context, s *Session, d *workflow.Document) ([]*workflow.Document, error) {
	if d.Direction != workflow.Incoming || d.OriginalNumber == "" || d.Sender == nil {
		return nil, nil
	}
	docs, _, err := u.cfg.Docs.List(ctx, s.User, workflow.DocumentFilter{Direction: workflow.Incoming,
		OriginalNumber: d.OriginalNumber, Limit: 50})
	if err != nil {
		return nil, err
	}
	var out []*workflow.Document
	for _, x := range docs {
		if x.ID != d.ID && sameSender(x.Sender, d.Sender) && len(out) < duplicatesShown {
			out = append(out, x)
		}
	}
	return out, nil
}

// sameSender: the same agency code when both have one, else the same
// name (a paper document's sender is often typed without its code).
func sameSender(a, b *workflow.Org) bool {
	if a == nil || b == nil {
		return false
	}
	if a.OrgID != "" && b.OrgID != "" {
		return a.OrgID == b.OrgID
	}
	return strings.EqualFold(strings.Join(strings.Fields(a.Name), " "), strings.Join(strings.Fields(b.Name), " "))
}
