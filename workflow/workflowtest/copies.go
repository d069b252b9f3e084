package workflowtest

import (
	"context"

	"github.com/vanthu/vanthu/workflow"
)

var (
	_ workflow.CopyWriter = tx{}
	_ workflow.CopyReader = (*Repository)(nil)
	_ workflow.CopySigner = Signer{}
)

// CreateCopy implements workflow.CopyWriter.
func (t tx) CreateCopy(_ context.Context, c *workflow.Copy) error {
	t.r.copies = append(t.r.copies, *c)
	return nil
}

// CopiesOf implements workflow.CopyReader.
func (r *Repository) CopiesOf(_ context.Context, id string) ([]workflow.Copy, error) {
	defer r.lock()()
	var out []workflow.Copy
	for _, c := range r.copies {
		if c.DocumentID == id {
			out = append(out, c)
		}
	}
	return out, nil
}

// Copy implements workflow.CopyReader.
func (r *Repository) Copy(_ context.Context, id string) (*workflow.Copy, error) {
	defer r.lock()()
	for _, c := range r.copies {
		if c.ID == id {
			return &c, nil
		}
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "copy %s not found", id)
}

// CopyRegister implements workflow.CopyReader.
func (r *Repository) CopyRegister(_ context.Context, year int) ([]workflow.Copy, error) {
	defer r.lock()()
	var out []workflow.Copy
	for _, c := range r.copies {
		if c.Year == year {
			out = append(out, c)
		}
	}
	return out, nil
}

// SignCopy marks pdf "%C <notation>".
func (Signer) SignCopy(_ context.Context, c *workflow.Copy, pdf []byte) ([]byte, error) {
	return mark(pdf, "%C "+c.Notation), nil
}

// FakePages is how many pages Signer.ExtractPages takes every PDF to have.
const FakePages = 4

// ExtractPages marks pdf "%E <pages>": EINVALID with a
// *workflow.PageRangeError for a page past FakePages.
func (Signer) ExtractPages(_ context.Context, pdf []byte, pages []int) ([]byte, error) {
	for _, p := range pages {
		if p < 1 || p > FakePages {
			return nil, workflow.Wrap(workflow.EINVALID, &workflow.PageRangeError{Page: p, Count: FakePages}, "extract pages")
		}
	}
	return mark(pdf, "%E "+workflow.FormatPages(pages)), nil
}

// Atomicer runs a function in one transaction: workflow.Repository, and
// the gormdb store.
type Atomicer interface {
	Atomic(ctx context.Context, fn func(ctx context.Context, tx workflow.Tx) error) error
}

// MarkExchanged gives document id the edXML DocumentId it would carry
// had it been received over the exchange (Document.ExternalID), as the
// copy rules read it: tests of the copy forms of an electronic original.
func MarkExchanged(ctx context.Context, repo Atomicer, id, externalID string) error {
	return repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		d, err := tx.LockDocument(ctx, id)
		if err != nil {
			return err
		}
		prev := d.Version
		d.ExternalID, d.Version = externalID, d.Version+1
		return tx.UpdateDocument(ctx, d, prev)
	})
}
