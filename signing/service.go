package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// Config configures the Service.
type Config struct {
	Agency keys.Key // the agency's key and chain (layer 2)
	// CurrentAgency, when set, is asked for the agency key at every agency
	// signature instead of Agency (the development PKI replaces a revoked
	// agency certificate while the server runs).
	CurrentAgency func() (keys.Key, error)
	AgencyName    string // "Ủy ban nhân dân quận Bình Thủy"
	Place         string // "Bình Thủy", for the date line
	Seal          []byte // PNG; nil = a generated red round seal with AgencyName
	// Officer returns an official's key and signature image (PNG, nil =
	// render the name). It returns a *workflow.Error (EUNAVAILABLE when the
	// user has no usable key).
	Officer func(ctx context.Context, u *workflow.User) (keys.Key, []byte, error)
	TSAURL  string // set = PAdES B-T for both layers
	// TSA, when set, answers the time-stamp queries (the signature
	// time-stamps of both layers and the document time-stamp of B-LTA) in
	// process instead of a POST to TSAURL (the built-in TSA of the
	// development PKI).
	TSA TimeStamper
	// PublicURL is where citizens verify documents (VANTHU_PUBLIC_URL):
	// a document with a verification code gets "Mã xác thực: CODE —
	// PublicURL/verify/CODE" printed with its number.
	PublicURL string
	Roots     *x509.CertPool // trust anchors for Verify
	// AnchorCerts are the certificates of Roots (VANTHU_TRUST_ANCHORS):
	// the DSS needs the issuer of the topmost intermediate CA to fetch and
	// check that CA's revocation data (its issuer's CRL or OCSP answer),
	// and a chain configured as leaf + intermediates does not hold it.
	AnchorCerts []*x509.Certificate
	Now         func() time.Time
	// LTV: after layer 2, append the validation data (/DSS) and, with a
	// TSA, a document time-stamp: PAdES B-LT, B-LTA (see AppendLTV).
	LTV bool
	// Fetcher fetches OCSP responses and CRLs, for the DSS and when
	// verifying signatures whose status the document does not embed; nil
	// = offline.
	Fetcher verify.Fetcher
}

// Service adapts the two layers to the workflow: it implements
// workflow.Signer and workflow.PDFInspector.
type Service struct {
	cfg    Config
	chains chainMemo // keys' chains completed to the trust anchors (signerready.go)
	tsa    tsaTrust  // when the configured TSA was last found trusted
}

var (
	_ workflow.Signer          = (*Service)(nil)
	_ workflow.PDFInspector    = (*Service)(nil)
	_ workflow.SignableChecker = (*Service)(nil)
)

// NewService checks cfg and returns a Service.
func NewService(cfg Config) (*Service, error) {
	if cfg.Agency.Signer == nil || len(cfg.Agency.Chain) == 0 {
		return nil, errors.New("signing: agency key and certificate are required")
	}
	if cfg.AgencyName == "" {
		return nil, errors.New("signing: agency name is required")
	}
	if cfg.Officer == nil {
		return nil, errors.New("signing: Officer key lookup is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}, nil
}

// SignerView is what of d the Service reads to sign or verify it: the
// layout's boxes (not how they were found), the notation, the date of
// issue, the verification code, the direction and the number, with d's ID
// for the logs. It is what crosses to a signing worker
// (signproc.Config.View); a field the Service comes to read must be
// added here (TestSignerView).
func SignerView(d *workflow.Document) *workflow.Document {
	if d == nil {
		return nil
	}
	v := &workflow.Document{ID: d.ID, Direction: d.Direction, Number: d.Number, Notation: d.Notation,
		IssuedAt: d.IssuedAt, VerifyCode: d.VerifyCode}
	if l := d.Layout; l != nil {
		v.Layout = &workflow.Layout{Signature: l.Signature, Number: l.Number, Date: l.Date,
			NumberOnly: l.NumberOnly, DateBlanks: l.DateBlanks, DateBlanksBelow: l.DateBlanksBelow, DateShortYear: l.DateShortYear}
	}
	return v
}

// SignOfficial applies layer 1 with signer's key, name, title and image.
// EUNAVAILABLE if the key cannot be used, EUNPROCESSABLE if the PDF cannot
// be signed without losing content or carries a signature already (it could
// not be issued), EINVALID for a bad signature image.
func (s *Service) SignOfficial(ctx context.Context, d *workflow.Document, signer *workflow.User, pdf []byte) ([]byte, error) {
	return safely("layer 1 (official signature)", func() ([]byte, error) { return s.signOfficial(ctx, d, signer, pdf) })
}

func (s *Service) signOfficial(ctx context.Context, d *workflow.Document, signer *workflow.User, pdf []byte) ([]byte, error) {
	if signer == nil {
		return nil, workflow.Errorf(workflow.EINVALID, "no signer")
	}
	key, img, err := s.cfg.Officer(ctx, signer)
	if err != nil {
		return nil, asUnavailable(err, "the signing key of %s cannot be used", signer.FullName)
	}
	if key, err = s.readySigner(ctx, key, "the official "+signer.FullName,
		"an admin sets the official's key and its certificate chain (PUT /api/v1/users/{id}/signing-key)"); err != nil {
		return nil, err
	}
	if err := s.checkTSA(ctx); err != nil {
		return nil, err
	}
	name := signer.FullName
	if name == "" {
		name = signer.Username
	}
	var box *Rect
	if d != nil && d.Layout != nil {
		box = rectOf(d.Layout.Signature)
	}
	return SignOfficer(ctx, pdf, OfficerLayer{
		Key: key, Name: name, Title: signer.Title, SignatureImage: img, Box: box,
		Time: s.cfg.Now(), TSAURL: s.cfg.TSAURL, TSA: s.cfg.TSA, Unsigned: true,
	})
}

// SignAgency writes d.Notation and the date of issue (d.IssuedAt, or now)
// on page 1 and applies layer 2. EINVALID without a valid layer 1 or without
// a notation; ECONFLICT if layer 2 is already there.
func (s *Service) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return safely("layer 2 (agency signature)", func() ([]byte, error) { return s.signAgency(ctx, d, pdf) })
}

// SignAgencyOwn is SignAgency of this system's layer 1 as the issue read
// it (workflow.OwnLayer1Signer): when pdf's SHA-256 is own's, the intake's
// precheck is not run on it again (AgencyLayer.own); other bytes are
// read as SignAgency reads them.
func (s *Service) SignAgencyOwn(ctx context.Context, d *workflow.Document, pdf []byte, own workflow.OwnLayer1) ([]byte, error) {
	return safely("layer 2 (agency signature)", func() ([]byte, error) { return s.signAgencyFor(ctx, d, pdf, isOwn(pdf, own)) })
}

// isOwn says whether pdf is the layer-1 file own names: its SHA-256.
func isOwn(pdf []byte, own workflow.OwnLayer1) bool {
	sum := sha256.Sum256(pdf)
	return own.SHA256 != "" && hex.EncodeToString(sum[:]) == own.SHA256
}

func (s *Service) signAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return s.signAgencyFor(ctx, d, pdf, false)
}

// signAgencyFor is signAgency; own: pdf is this system's layer 1
// (AgencyLayer.own).
func (s *Service) signAgencyFor(ctx context.Context, d *workflow.Document, pdf []byte, own bool) ([]byte, error) {
	if d == nil || d.Notation == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "the document has no number/notation yet")
	}
	now := s.cfg.Now()
	issued := now
	if d.IssuedAt != nil {
		issued = *d.IssuedAt
	}
	l, err := s.agencyLayer(ctx, d.Notation, issued, now)
	if err != nil {
		return nil, err
	}
	if d.Layout != nil {
		l.NumberPos, l.DatePos = rectOf(d.Layout.Number), rectOf(d.Layout.Date)
		l.NumberOnly = d.Layout.NumberOnly && l.NumberPos != nil
		if l.DatePos != nil {
			l.DateBlanks, l.DateBlanksBelow, l.DateShortYear = d.Layout.DateBlanks, d.Layout.DateBlanksBelow, d.Layout.DateShortYear
		}
	}
	if d.VerifyCode != "" {
		l.VerifyCode = d.VerifyCode
		if s.cfg.PublicURL != "" {
			l.VerifyURL = strings.TrimRight(s.cfg.PublicURL, "/") + "/verify/" + d.VerifyCode
		}
	}
	l.own = own
	signed, err := signAgency(ctx, pdf, l)
	if err != nil {
		return nil, err
	}
	if !s.cfg.LTV {
		return signed.Bytes(), nil
	}
	return s.addLTV(ctx, signed)
}

// addLTV appends the DSS and, with a TSA, the document time-stamp to a
// document that layer 2 has just signed, read where it is (the input and
// layer 2's update): the whole file is assembled once, at the end.
func (s *Service) addLTV(ctx context.Context, signed *signedDoc) ([]byte, error) {
	var tail resultWriter // AppendLTV writes its update once, which it owns
	all := append(signed.doc[:len(signed.doc):len(signed.doc)], signed.update)
	o := LTV{
		Fetcher: s.cfg.Fetcher, TSAURL: s.cfg.TSAURL, TSA: s.cfg.TSA,
		Anchors: append(slices.Clip(s.cfg.Agency.Chain), s.cfg.AnchorCerts...), sigs: signed.sigs,
	}
	if signed.docHash != nil {
		// The document time-stamp covers layer 2's input, which layer 2
		// has hashed: its digest goes on from there.
		o.prefix = &hashedPrefix{n: signed.doc.size(), h: signed.docHash}
	}
	if _, err := AppendLTV(ctx, all, all.size(), &tail, o); err != nil {
		return nil, err
	}
	return bytes.Join(append(all, tail.b), nil), nil
}

// rectOf converts a document's layout box (nil = the default).
func rectOf(b *workflow.Box) *Rect {
	if b == nil {
		return nil
	}
	return &Rect{Page: b.Page, X: b.X, Y: b.Y, W: b.W, H: b.H}
}

// SignAttachment applies the agency signature to an attachment file.
func (s *Service) SignAttachment(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return safely("the attachment signature", func() ([]byte, error) { return s.signAttachment(ctx, d, pdf) })
}

func (s *Service) signAttachment(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	if d == nil || d.Notation == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "the document has no number/notation yet")
	}
	now := s.cfg.Now()
	l, err := s.agencyLayer(ctx, d.Notation, now, now)
	if err != nil {
		return nil, err
	}
	return SignAttachment(ctx, pdf, l)
}

func (s *Service) agencyLayer(ctx context.Context, notation string, issued, now time.Time) (AgencyLayer, error) {
	key := s.cfg.Agency
	if s.cfg.CurrentAgency != nil {
		k, err := s.cfg.CurrentAgency()
		if err != nil {
			return AgencyLayer{}, workflow.Wrap(workflow.EUNAVAILABLE, err, "the agency key cannot be used")
		}
		key = k
	}
	key, err := s.readySigner(ctx, key, "the agency", "configure VANTHU_AGENCY_KEY and VANTHU_AGENCY_CERT (its certificate chain)")
	if err != nil {
		return AgencyLayer{}, err
	}
	if err := s.checkTSA(ctx); err != nil {
		return AgencyLayer{}, err
	}
	return AgencyLayer{
		Key: key, AgencyName: s.cfg.AgencyName, Place: s.cfg.Place, Seal: s.cfg.Seal,
		Notation: notation, IssueDate: issued, Time: now, TSAURL: s.cfg.TSAURL, TSA: s.cfg.TSA,
	}, nil
}

// Verify validates every signature of pdf against the configured trust
// anchors (signing/verify) and applies the Decree 30 order rule (the
// agency signs last; see CheckLayers). EUNSUPPORTEDMEDIA/EUNPROCESSABLE
// for content that is not a readable PDF.
func (s *Service) Verify(ctx context.Context, pdf []byte) (workflow.Verification, error) {
	return s.verify(ctx, pdf, false)
}

// VerifyDocument is Verify for the PDF of d: when d is an outgoing
// document that has been numbered (issued), it must carry both layers, the
// official's and then the agency's, and a missing layer makes the report
// invalid ("the agency signature (layer 2) is missing ...").
func (s *Service) VerifyDocument(ctx context.Context, d *workflow.Document, pdf []byte) (workflow.Verification, error) {
	return s.verify(ctx, pdf, d != nil && d.Direction == workflow.Outgoing && d.Number > 0)
}

func (s *Service) verify(ctx context.Context, pdf []byte, twoLayers bool) (workflow.Verification, error) {
	return safely("signature verification", func() (workflow.Verification, error) { return s.verifyUnguarded(ctx, pdf, twoLayers) })
}

func (s *Service) verifyUnguarded(ctx context.Context, pdf []byte, twoLayers bool) (workflow.Verification, error) {
	rep, err := verify.Verify(ctx, pdf, verify.Options{Roots: s.cfg.Roots, Now: s.cfg.Now, Fetcher: s.cfg.Fetcher})
	if err != nil {
		return workflow.Verification{}, err
	}
	if rep.Verdict != verify.Unsigned || twoLayers {
		CheckLayers(rep, LayerRule{ExpectTwoLayers: twoLayers, Agency: s.cfg.Agency.Chain[:1]})
	}
	js, err := json.Marshal(rep)
	if err != nil {
		return workflow.Verification{}, err
	}
	return workflow.Verification{Verdict: rep.Verdict, Reasons: rep.Reasons, Report: js, Unavailable: rep.Unreachable()}, nil
}

// CheckSignable implements workflow.SignableChecker: it runs the checks
// layer 1 runs before signing (forms, XFA, damaged cross-references, a
// signature already there) without signing anything.
func (s *Service) CheckSignable(_ context.Context, r io.ReaderAt, size int64) error {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return workflow.Wrap(workflow.EINVALID, err, "cannot read the upload")
	}
	_, err := safely("the signing check", func() (docParts, error) {
		doc, _, err := normalizeFor(b, true)
		return doc, err
	})
	return err
}

// safely runs fn, turning a panic inside the PDF libraries (on input
// they do not expect) into an EUNPROCESSABLE error instead of a crash.
func safely[T any](what string, fn func() (T, error)) (out T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = workflow.Errorf(workflow.EUNPROCESSABLE, "%s failed on this PDF (%v); it cannot be processed as it is", what, p)
		}
	}()
	return fn()
}

// CheckLayout implements workflow.LayoutChecker with the checks the
// layers run on their boxes: the signature box on a page the document has
// (0 = the last), the number and date boxes on page 1, none wholly
// outside its page.
func (s *Service) CheckLayout(_ context.Context, r io.ReaderAt, size int64, l *workflow.Layout) error {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return workflow.Wrap(workflow.EINVALID, err, "cannot read the PDF")
	}
	_, err := safely("the layout check", func() (struct{}, error) { return struct{}{}, checkLayout(b, l) })
	return err
}

func checkLayout(b []byte, l *workflow.Layout) error {
	_, rdr, err := inspectParsed(b, true)
	if err != nil {
		return err
	}
	if box := rectOf(l.Signature); box != nil {
		n := rdr.NumPage()
		if box.Page == 0 {
			box.Page = n
		}
		if box.Page > n {
			return workflow.Errorf(workflow.EINVALID, "layout.signature: page %d, but the document has %d page(s)", box.Page, n)
		}
		g, err := pageGeometry(rdr, box.Page)
		if err != nil {
			return unparsable(err)
		}
		if err := onPage("signature", *box, g); err != nil {
			return err
		}
	}
	g1, err := pageGeometry(rdr, 1)
	if err != nil {
		return unparsable(err)
	}
	for _, x := range []struct {
		what string
		box  *workflow.Box
	}{{"number", l.Number}, {"date", l.Date}} {
		if r := rectOf(x.box); r != nil {
			if err := onPage(x.what, *r, g1); err != nil {
				return err
			}
		}
	}
	return nil
}

var _ workflow.PageSizer = (*Service)(nil)
var _ workflow.OwnLayer1Signer = (*Service)(nil)

// PageSizes implements workflow.PageSizer: each page's displayed size
// (crop box, turned by /Rotate), the space of a layout's boxes.
func (s *Service) PageSizes(_ context.Context, r io.ReaderAt, size int64) ([]workflow.PageSize, error) {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, workflow.Wrap(workflow.EINVALID, err, "cannot read the PDF")
	}
	sizes, err := PageSizes(b)
	if err != nil {
		return nil, err
	}
	out := make([]workflow.PageSize, len(sizes))
	for i, wh := range sizes {
		out[i].W, out[i].H = wh[0], wh[1]
	}
	return out, nil
}

// InspectPDF implements workflow.PDFInspector with InspectContext.
func (s *Service) InspectPDF(ctx context.Context, r io.ReaderAt, size int64) error {
	_, err := InspectContext(ctx, r, size)
	return err
}

// InspectActive implements workflow.ActiveInspector with InspectContext.
func (s *Service) InspectActive(ctx context.Context, r io.ReaderAt, size int64) (workflow.Active, error) {
	info, err := InspectContext(ctx, r, size)
	return info.Active, err
}

func asUnavailable(err error, format string, args ...any) error {
	var we *workflow.Error
	if errors.As(err, &we) {
		return err
	}
	return workflow.Wrap(workflow.EUNAVAILABLE, err, format, args...)
}

var _ workflow.CopySigner = (*Service)(nil)

// SignCopy applies the agency's signature of copy c to pdf, the
// original's signed PDF (workflow/copy.go): an incremental update that
// keeps the original's signatures intact.
func (s *Service) SignCopy(ctx context.Context, c *workflow.Copy, pdf []byte) ([]byte, error) {
	return safely("the copy's signature", func() ([]byte, error) {
		now := s.cfg.Now()
		l, err := s.agencyLayer(ctx, c.Notation, now, now)
		if err != nil {
			return nil, err
		}
		return SignCopy(ctx, pdf, CopyLayer{AgencyLayer: l, Form: c.Form.Label()})
	})
}
