package signing

import (
	"context"
	"io"
	"time"
)

// Signed is a signed PDF as the streaming sign calls return it: the
// document it was made from, read in place, followed by the incremental
// update that carries the signature. WriteTo writes it without assembling
// it in memory, so a caller that can take a stream (a file, an upload)
// holds one copy of the document, not two.
type Signed struct{ doc *signedDoc }

// Len is the length of the signed file in bytes.
func (s *Signed) Len() int64 { return s.doc.Len() }

// WriteTo writes the signed file to w: the document, then the update.
func (s *Signed) WriteTo(w io.Writer) (int64, error) { return s.doc.WriteTo(w) }

// Bytes returns the signed file in one new slice.
func (s *Signed) Bytes() []byte { return s.doc.Bytes() }

// SignOfficerStream is SignOfficer returning the signed file as a stream.
// in must not change until the result has been written.
func SignOfficerStream(ctx context.Context, in []byte, l OfficerLayer) (*Signed, error) {
	return streamOf(signOfficer(ctx, in, l))
}

// SignAgencyStream is SignAgency returning the signed file as a stream.
// in must not change until the result has been written.
func SignAgencyStream(ctx context.Context, in []byte, l AgencyLayer) (*Signed, error) {
	return streamOf(signAgency(ctx, in, l))
}

// SignAttachmentStream is SignAttachment returning the signed file as a
// stream. in must not change until the result has been written.
func SignAttachmentStream(ctx context.Context, in []byte, l AgencyLayer) (*Signed, error) {
	return streamOf(signAttachment(ctx, in, l))
}

func streamOf(d *signedDoc, err error) (*Signed, error) {
	if err != nil {
		return nil, err
	}
	return &Signed{doc: d}, nil
}

// ParseIssueDate reads a date of issue written YYYY-MM-DD, as a day in
// Vietnam's time zone (UTC+07), where the number/date stamp is dated.
func ParseIssueDate(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, ict)
}
