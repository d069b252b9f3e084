package workflowtest

import (
	"context"

	"github.com/vanthu/vanthu/workflow"
)

// Signer is the one fake workflow.Signer of the tests: it marks PDFs with
// a comment line per layer instead of signing them ("%L1 <user ID>",
// "%L2 <notation>", "%A <notation>"), enough to test the flows around
// signing; the real layers are tested in signing/. Verify reports
// Verdict (valid when empty) with the reason "fake <verdict>" and a small
// JSON report, and Unavailable as it is (a revocation service that did
// not answer).
type Signer struct {
	Verdict     string
	Unavailable bool
}

var _ workflow.Signer = Signer{}

func (Signer) SignOfficial(_ context.Context, _ *workflow.Document, u *workflow.User, pdf []byte) ([]byte, error) {
	return mark(pdf, "%L1 "+u.ID), nil
}

func (Signer) SignAgency(_ context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return mark(pdf, "%L2 "+d.Notation), nil
}

func (Signer) SignAttachment(_ context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return mark(pdf, "%A "+d.Notation), nil
}

func (s Signer) Verify(context.Context, []byte) (workflow.Verification, error) {
	v := s.Verdict
	if v == "" {
		v = workflow.VerdictValid
	}
	return workflow.Verification{Verdict: v, Reasons: []string{"fake " + v}, Unavailable: s.Unavailable,
		Report: []byte(`{"verdict":"` + v + `","signatures":2}`)}, nil
}

// mark returns a copy of pdf with line appended as a comment.
func mark(pdf []byte, line string) []byte {
	return append(append([]byte{}, pdf...), "\n"+line+"\n"...)
}
