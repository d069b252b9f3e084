package exchange

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/httpserver"
	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/workflow"
)

// Receiving is what the receiver needs of workflow.Service: documents
// arrive through Receive, and every other change (revocation requests,
// answers to ours) goes through Apply as the actor workflow.Exchange.
type Receiving interface {
	Transitioner
	Receive(ctx context.Context, in workflow.ReceiveInput) (*workflow.Document, bool, error)
}

// Receiver serves the exchange endpoint to connected agencies:
// POST /exchange/v1/edxml (documents, revocations) and
// POST /exchange/v1/status (status messages about our documents).
//
// Every request must come over TLS with a client certificate that matches
// a registered agency's TLS certificate (or chains to it as a CA), after
// chaining to ClientCAs when those are set: otherwise 401 (no acceptable
// certificate) or 403 (not a registered agency), and nothing is stored.
type Receiver struct {
	Docs   Receiving
	Repo   workflow.Repository
	Store  Store
	Outbox *Outbox
	Self   workflow.Org
	// ClientCAs are the CAs whose client certificates may connect at all
	// (VANTHU_EXCHANGE_CA); empty = the registered agencies' only.
	ClientCAs []*x509.Certificate
	Limits    edxml.Limits
	Logger    *slog.Logger
	Now       func() time.Time
	// Registry answers which registered agencies a client certificate
	// stands for; nil = one over Store that reads the agencies at each
	// request.
	Registry *Registry
}

func (r *Receiver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Receiver) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Handler returns the exchange endpoint's routes.
func (r *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathEdXML, r.wrap(r.handleEdXML))
	mux.HandleFunc("POST "+PathStatus, r.wrap(r.handleStatus))
	return mux
}

// errorAnswer is the status, code and message the endpoint answers err
// with: the status from the API's table (internal/httpstatus); an
// internal error says nothing of itself.
func errorAnswer(err error) (status int, code, msg string) {
	code = workflow.ErrorCode(err)
	status, _ = httpstatus.Of(code)
	if status == http.StatusInternalServerError {
		return status, workflow.EINTERNAL, "internal error"
	}
	return status, code, workflow.ErrorMessage(err)
}

func (r *Receiver) wrap(h func(w http.ResponseWriter, req *http.Request, peers []*Agency) (*Ack, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		peers, err := r.authenticate(req.Context(), req)
		var ack *Ack
		if err == nil {
			ack, err = h(w, req, peers)
		}
		if err != nil {
			status, code, msg := errorAnswer(err)
			if status == http.StatusInternalServerError {
				r.log().ErrorContext(req.Context(), "exchange request", "path", req.URL.Path, "err", err)
			} else {
				r.log().InfoContext(req.Context(), "exchange request refused", "path", req.URL.Path, "status", status, "reason", msg)
			}
			writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
			return
		}
		writeJSON(w, http.StatusOK, ack)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authenticate returns the registered agencies the client certificate
// stands for.
func (r *Receiver) authenticate(ctx context.Context, req *http.Request) ([]*Agency, error) {
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 {
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "a client certificate is required")
	}
	chain := req.TLS.PeerCertificates
	now := r.now()
	if len(r.ClientCAs) > 0 {
		if err := matchesTrust(chain, r.ClientCAs, x509.ExtKeyUsageClientAuth, "", now); err != nil {
			return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "client certificate not accepted: %v", err)
		}
	}
	peers, err := r.registry().Peers(ctx, chain, now)
	if err != nil {
		return nil, err
	}
	if len(peers) == 0 {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "client certificate %q is not a registered agency's", chain[0].Subject.CommonName)
	}
	return peers, nil
}

func (r *Receiver) registry() *Registry {
	if r.Registry != nil {
		return r.Registry
	}
	return &Registry{Store: r.Store}
}

func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request) ([]byte, error) {
	if err := plainXML(req.Header); err != nil {
		return nil, err
	}
	max := r.Limits.MaxBytes
	if max <= 0 {
		max = edxml.DefaultMaxBytes
	}
	b, err := readAll(http.MaxBytesReader(w, req.Body, max), min(req.ContentLength, max, presize))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "package larger than %d bytes", max)
	} else if err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "reading the package")
	}
	return b, nil
}

// plainXML refuses (EUNSUPPORTEDMEDIA) a request whose body is not the
// package itself: a form (the package as a field or a file of it) or a
// compressed body. Any other Content-Type is read as the XML it should be
// (application/xml, text/xml, application/octet-stream, none: producers
// differ). Before, such a body was refused as malformed XML, "junk before
// the XML declaration", which told its sender nothing useful.
func plainXML(h http.Header) error {
	if ce := strings.TrimSpace(h.Get("Content-Encoding")); ce != "" && !strings.EqualFold(ce, "identity") {
		return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "Content-Encoding %q is not accepted: post the package uncompressed", ce)
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return nil
	}
	if strings.HasPrefix(mt, "multipart/") || mt == "application/x-www-form-urlencoded" || mt == "application/json" {
		return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "the package is posted as the request body itself "+
			"(Content-Type application/xml), not as %s", mt)
	}
	return nil
}

// presize bounds the room made for a body before its bytes arrive: what
// the Content-Length claims beyond it is made room for as it is read.
const presize = 8 << 20

// readAll is io.ReadAll into room made at once for size bytes (the
// request's Content-Length, -1 when unknown; up to presize): a package is
// read without growing and copying its buffer a dozen times over.
func readAll(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, max(size, 0)+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		} else if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// sender returns the peer that From names: a package must come from the
// agency whose certificate made the connection.
func sender(peers []*Agency, orgID string) (*Agency, error) {
	for _, p := range peers {
		if p.OrgID == orgID {
			return p, nil
		}
	}
	return nil, workflow.Errorf(workflow.EFORBIDDEN, "the package says it is from %s but the connection is %s's", orgID, peers[0].OrgID)
}

// OrgOfDocumentID returns the organisation code a QCVN 102 DocumentId
// ("OrganId,yyyy/MM/dd,Số/KýHiệu") starts with.
func OrgOfDocumentID(id string) string {
	org, _, _ := strings.Cut(id, ",")
	return strings.TrimSpace(org)
}

// ownDocumentIDs refuses (EFORBIDDEN) a package from peer whose own
// DocumentId, or the document it revokes, updates or replaces, carries
// another agency's code: an agency only issues, revokes, updates and
// replaces its own documents. Documents are looked up by (sender,
// DocumentId), so a peer can neither take another agency's future
// DocumentId nor reach another agency's document; this check says so
// with a clear reason instead of storing a package that claims to. A
// DocumentId without an agency's code (a UUID, as the national platform's
// gateway writes) is the sender's own.
func ownDocumentIDs(peer *Agency, doc *edxml.Document) error {
	check := func(what, id string) error {
		if id == "" {
			return nil
		}
		if !strings.Contains(id, ",") {
			// A UUID, as the national platform's gateway writes: it names
			// no agency, and is looked up among the sender's own documents
			// only (a DocumentId is unique per sender), so it can neither
			// take nor reach another agency's.
			return nil
		}
		if org := OrgOfDocumentID(id); org != peer.OrgID {
			return workflow.Errorf(workflow.EFORBIDDEN, "%s %q is %s's, not the sender's (%s)", what, id, org, peer.OrgID)
		}
		return nil
	}
	if err := check("DocumentId", doc.DocumentID); err != nil {
		return err
	}
	if doc.Business.Type == edxml.BusinessNew || doc.Business.Type == "" {
		return nil
	}
	if err := check("the "+doc.Business.Type.String()+" target", doc.Business.DocumentID); err != nil {
		return err
	}
	for _, rp := range doc.Business.Replaces {
		if err := check("the replaced document", rp.DocumentID); err != nil {
			return err
		}
	}
	if doc.Business.Type == edxml.BusinessReplace && len(doc.Business.Replaces) == 0 && doc.ResponseFor != nil {
		if err := check("the replaced document", doc.ResponseFor.DocumentID); err != nil {
			return err
		}
	}
	return nil
}

func (r *Receiver) verifier(a *Agency) (*edxml.Verifier, error) {
	certs, err := ParseCertsPEM("signing certificate of "+a.OrgID, []byte(a.SigningCertPEM))
	if err != nil {
		return nil, err
	}
	// The registered certificate is the signer's (first of the chain).
	return &edxml.Verifier{Trusted: certs[:1], Limits: r.Limits, Now: r.Now}, nil
}

// readMessage reads and parses the request body, which must be a message
// of the kind this endpoint takes. Its signature is checked on the
// package returned (Verifier.VerifyPackage): the body is read once for
// both, and the attachments parsed are the bytes the signature covers.
func (r *Receiver) readMessage(w http.ResponseWriter, req *http.Request, want edxml.Kind) (*edxml.Message, *edxml.Package, error) {
	body, err := r.readBody(w, req)
	if err != nil {
		return nil, nil, err
	}
	pkg, err := edxml.Open(body, r.Limits)
	if err != nil {
		return nil, nil, err
	}
	msg, err := pkg.Parse()
	if err != nil {
		return nil, nil, err
	}
	if msg.Kind != want {
		if want == edxml.KindDocument {
			return nil, nil, workflow.Errorf(workflow.EINVALID, "a status message goes to %s", PathStatus)
		}
		return nil, nil, workflow.Errorf(workflow.EINVALID, "a document goes to %s", PathEdXML)
	}
	return msg, pkg, nil
}

func (r *Receiver) handleEdXML(w http.ResponseWriter, req *http.Request, peers []*Agency) (*Ack, error) {
	ctx := req.Context()
	msg, pkg, err := r.readMessage(w, req, edxml.KindDocument)
	if err != nil {
		return nil, err
	}
	doc := msg.Document
	peer, err := sender(peers, doc.From.ID)
	if err != nil {
		return nil, err
	}
	if err := ownDocumentIDs(peer, doc); err != nil {
		return nil, err
	}
	addressed := false
	for _, to := range doc.To {
		addressed = addressed || to.ID == r.Self.OrgID
	}
	if !addressed {
		return nil, workflow.Errorf(workflow.EINVALID, "the package is not addressed to %s", r.Self.OrgID)
	}
	v, err := r.verifier(peer)
	if err != nil {
		return nil, err
	}
	envErr := ""
	if err := v.VerifyPackage(pkg); err != nil {
		envErr = workflow.ErrorMessage(err)
	}
	if doc.Business.Type == edxml.BusinessRevoke {
		if envErr != "" {
			return nil, workflow.Errorf(workflow.EINVALID, "revocation refused: %s", envErr)
		}
		return r.revokeRequested(ctx, peer, doc)
	}
	if len(doc.Attachments) == 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "the package has no attachment: a document is sent with its file (the signed PDF) as an attachment")
	}
	in := ReceiveInput(doc)
	in.EnvelopeError = envErr
	d, created, err := r.receive(ctx, doc, in)
	if err != nil {
		return nil, err
	}
	ack, err := r.ackFor(ctx, d, created)
	if err != nil {
		return nil, err
	}
	// A document whose envelope failed is kept without its (unproven)
	// DocumentId: answer with the id the package claimed, as it spelled
	// it (a redelivery spelled otherwise is answered in its own spelling).
	ack.DocumentID = doc.DocumentIDAsSent
	if ack.DocumentID == "" {
		ack.DocumentID = doc.DocumentID
	}
	r.log().InfoContext(ctx, "exchange document", "external_id", d.ExternalID, "doc_id", d.ID, "from", peer.OrgID,
		"created", created, "ack", ack.StatusCode)
	return ack, nil
}

// receive passes in to Receive. A package under a DocumentId already
// received from its sender that is not that document again (sameDelivery)
// is refused (ECONFLICT), but for an update or replacement (BussinessDocType
// 2, 3): that is received as a document of its own, linked to the one it
// changes, under the delivery key amendmentKey gives it — as the national
// platform's SDK sends its sample update, a copy of its sample "new"
// package, and other vendors' systems send a corrected document under its
// unchanged number. Sent again, the same update has the same key: a
// redelivery. Before, it was refused 409 and never reached the clerk.
func (r *Receiver) receive(ctx context.Context, doc *edxml.Document, in workflow.ReceiveInput) (*workflow.Document, bool, error) {
	d, created, err := r.Docs.Receive(ctx, in)
	if err != nil || created {
		return d, created, err
	}
	conflict := sameDelivery(d, doc, in)
	if conflict == nil {
		return d, false, nil
	}
	if doc.Business.Type != edxml.BusinessUpdate && doc.Business.Type != edxml.BusinessReplace {
		return nil, false, conflict
	}
	in.DeliveryKey = amendmentKey(doc, in)
	d, created, err = r.Docs.Receive(ctx, in)
	if err != nil || created {
		return d, created, err
	}
	if err := sameDelivery(d, doc, in); err != nil {
		return nil, false, err
	}
	return d, false, nil
}

// amendmentKey is the delivery key of an update or replacement sent under
// the DocumentId of an earlier document: its business type, then a digest
// of what the receiver keeps of it and what names its target — the
// documents it updates or replaces, its number, date and subject (white
// space runs made one space) and its files' SHA-256, sorted — that is,
// what sameDelivery compares. A redelivery, rebuilt and re-signed by its
// sender with a new trace time or spelled otherwise, has the same key;
// the trace time and the package's bytes are not in it, since they change
// with every attempt. Two updates that differ only in what the receiver
// does not keep (the receivers list of BussinessDocumentInfo) are one.
func amendmentKey(doc *edxml.Document, in workflow.ReceiveInput) string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	field(doc.Business.DocumentID)
	for _, rp := range doc.Business.Replaces {
		field(rp.DocumentID)
	}
	field(in.Replaces)
	field(strings.TrimSpace(in.OriginalNumber))
	field(dateOf(in.OriginalDate).String())
	field(strings.Join(strings.Fields(in.Subject), " "))
	sums := make([]string, 0, len(doc.Attachments))
	for _, a := range doc.Attachments {
		sum := sha256.Sum256(a.Data)
		sums = append(sums, hex.EncodeToString(sum[:]))
	}
	slices.Sort(sums)
	for _, s := range sums {
		field(s)
	}
	return doc.Business.Type.String() + ":" + hex.EncodeToString(h.Sum(nil))[:32]
}

// sameDelivery refuses (ECONFLICT) a package under the DocumentId of d,
// a document already received from the same sender, that is not the same
// document: other files (sameFiles), or another number, date or subject.
// The same package sent again spelled otherwise (white space, line ends,
// base64 wrapping, NFD, a new signature or trace time) is the same
// delivery; the subject is compared with its white space runs made one
// space. Before, only the files were compared, so a package under a used
// DocumentId with another subject or date was answered 01 and dropped:
// merged into the first while its sender was told it arrived.
func sameDelivery(d *workflow.Document, doc *edxml.Document, in workflow.ReceiveInput) error {
	if err := sameFiles(d, doc); err != nil {
		return err
	}
	var field string
	switch {
	case strings.TrimSpace(in.OriginalNumber) != d.OriginalNumber:
		field = fmt.Sprintf("number %q (before %q)", strings.TrimSpace(in.OriginalNumber), d.OriginalNumber)
	case dateOf(in.OriginalDate) != dateOf(d.OriginalDate):
		field = fmt.Sprintf("date %v (before %v)", dateOf(in.OriginalDate), dateOf(d.OriginalDate))
	case strings.Join(strings.Fields(in.Subject), " ") != strings.Join(strings.Fields(d.Subject), " "):
		field = "subject"
	default:
		return nil
	}
	return workflow.Errorf(workflow.ECONFLICT, "DocumentId %s was received before with another %s: a changed document is sent "+
		"with a DocumentId of its own (as an update, BussinessDocType 2, or a replacement, 3)", doc.DocumentID, field)
}

func dateOf(d *workflow.Date) workflow.Date {
	if d == nil {
		return workflow.Date{}
	}
	return *d
}

// sameFiles refuses (ECONFLICT) a package whose files are not d's: it is
// another document under an identifier already used (the SDK's sample
// update and replacement share theirs), not a redelivery. Answered as a
// redelivery, it was dropped while its sender was told it arrived. The
// files are compared by content: our own sender builds each attempt again
// (a new trace time, a new signature), with the same files.
func sameFiles(d *workflow.Document, doc *edxml.Document) error {
	had := map[string]int{}
	for _, f := range d.Files {
		if f.Kind == workflow.FileMain || f.Kind == workflow.FileAttachment {
			had[f.SHA256]++
		}
	}
	same := len(doc.Attachments) > 0
	for _, a := range doc.Attachments {
		sum := sha256.Sum256(a.Data)
		k := hex.EncodeToString(sum[:])
		same = same && had[k] > 0
		had[k]--
	}
	for _, n := range had {
		same = same && n == 0
	}
	if !same {
		return workflow.Errorf(workflow.ECONFLICT, "DocumentId %s was received before with other files: a changed document is sent "+
			"with a DocumentId of its own (as an update, BussinessDocType 2, or a replacement, 3)", doc.DocumentID)
	}
	return nil
}

// ackFor answers a received document as it was answered the first time:
// 02 with the reason if it was rejected on receipt (the exchange's reject
// right after the creation; before that transition existed, the reason
// was in the creation event), else 01. A document this request created
// is as Receive left it, at received or rejected on receipt with the
// reason in RejectReason, so its answer needs no read; a redelivery's is
// found in the document's events.
func (r *Receiver) ackFor(ctx context.Context, d *workflow.Document, created bool) (*Ack, error) {
	if created {
		if d.State == workflow.Rejected {
			return &Ack{DocumentID: d.ExternalID, StatusCode: string(edxml.StatusRejected), Description: d.RejectReason}, nil
		}
		return &Ack{DocumentID: d.ExternalID, StatusCode: string(edxml.StatusArrived)}, nil
	}
	evs, err := r.Repo.Events(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	ack := &Ack{DocumentID: d.ExternalID, StatusCode: string(edxml.StatusArrived)}
	seen := false
	for _, e := range evs {
		if e.Kind == workflow.EventCreate {
			if reason := e.Data["rejected"]; reason != "" {
				ack.StatusCode, ack.Description = string(edxml.StatusRejected), reason
				break
			}
			seen = true
			continue
		}
		if seen && e.Kind == workflow.EventTransition {
			if e.Action == workflow.Reject && e.Actor == workflow.Exchange.ID {
				ack.StatusCode, ack.Description = string(edxml.StatusRejected), e.Comment
			}
			break
		}
	}
	return ack, nil
}

// StatusAhead is how far after its arrival a status message may be
// dated. A recipient's statuses are ordered by the time they carry, and
// the delivery's last status moves only to a later one: one dated years
// ahead (a wrong clock, a date typed by hand) was stored and then held
// the delivery's last status against every real one after it (06,
// completed, listed before a 03 "of" 2076). A day leaves room for a
// clock set an hour or a time zone off; further ahead is refused (400),
// so its sender learns why.
const StatusAhead = 24 * time.Hour

func (r *Receiver) handleStatus(w http.ResponseWriter, req *http.Request, peers []*Agency) (*Ack, error) {
	ctx := req.Context()
	msg, pkg, err := r.readMessage(w, req, edxml.KindStatus)
	if err != nil {
		return nil, err
	}
	st := msg.Status
	peer, err := sender(peers, st.From.ID)
	if err != nil {
		return nil, err
	}
	v, err := r.verifier(peer)
	if err != nil {
		return nil, err
	}
	if err := v.VerifyPackage(pkg); err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "status message refused: %s", workflow.ErrorMessage(err))
	}
	if now := r.now(); st.Time.After(now.Add(StatusAhead)) {
		return nil, workflow.Errorf(workflow.EINVALID, "status message dated %s, more than %v after its arrival (%s): check the sender's clock",
			st.Time.In(edxml.Location).Format(time.DateTime), StatusAhead, now.In(edxml.Location).Format(time.DateTime))
	}
	d, err := r.Store.SentDocument(ctx, st.ResponseFor.DocumentID)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no document of ours went out as %s", st.ResponseFor.DocumentID)
	} else if err != nil {
		return nil, err
	}
	recipient := false
	for _, to := range d.Recipients {
		recipient = recipient || to.OrgID == peer.OrgID
	}
	if !recipient {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "%s is not a recipient of %s", peer.OrgID, st.ResponseFor.DocumentID)
	}
	created, err := r.recordStatus(ctx, peer, ReceivedStatus{DocumentID: d.ID, OrgID: peer.OrgID, Code: string(st.Code),
		Description: workflow.CleanPeerLines(st.Description), At: st.Time, ReceivedAt: r.now()})
	if err != nil {
		return nil, err
	}
	r.log().InfoContext(ctx, "exchange status", "doc_id", d.ID, "from", peer.OrgID, "code", st.Code, "new", created)
	if st.Code == edxml.StatusRevokeAccepted || st.Code == edxml.StatusRevokeRefused {
		if err := r.revocationAnswered(ctx, d.ID); err != nil {
			return nil, fmt.Errorf("revocation answer %s from %s: %w", st.Code, peer.OrgID, err)
		}
	}
	return &Ack{DocumentID: st.ResponseFor.DocumentID, StatusCode: string(st.Code)}, nil
}

// recordStatus stores a status message; a refusal (02, từ chối tiếp
// nhận) that makes the delivery refused also writes the delivery_refused
// event, in the same transaction (the clerks are told). The same peer's
// refusal of the same delivery since our last (re)send is one refusal: a
// copy of it — the same one again, or stamped anew on each of our
// retries, as some peers do — is recorded among the statuses and writes
// no event, so no second row in the clerks' inbox and no second mail. A
// refusal after a re-send (workflow.ResendDelivery) is a new one.
func (r *Receiver) recordStatus(ctx context.Context, peer *Agency, st ReceivedStatus) (bool, error) {
	if edxml.StatusCode(st.Code) != edxml.StatusRejected || r.Repo == nil {
		created, _, err := r.Store.RecordStatus(ctx, st)
		return created, err
	}
	var created bool
	err := r.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		var refused bool
		var err error
		if created, refused, err = r.Store.RecordStatus(ctx, st); err != nil || !refused {
			return err
		}
		dl := workflow.Delivery{DocumentID: st.DocumentID, Kind: workflow.DeliverDocument, OrgID: peer.OrgID, OrgName: peer.Name}
		return tx.AppendEvent(ctx, workflow.DeliveryRefused(dl, st.Code, strings.TrimSpace(st.Description), r.now()))
	})
	return created, err
}

// Listen opens the exchange listener on addr: TLS with cert, a client
// certificate required (checked per request by the handler).
func Listen(addr string, cert tls.Certificate) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("exchange listener: %w", err)
	}
	return tls.NewListener(ln, ServerTLSConfig(cert)), nil
}

// ServerTLSConfig is the exchange listener's TLS configuration: any client
// certificate is required at the handshake; which ones are accepted is
// decided per request against the registered agencies.
func ServerTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert,
		NextProtos: []string{"http/1.1"}}
}

// Serve serves h on ln until ctx ends, then shuts down gracefully. The
// server has read, write, idle and header timeouts (see httpserver).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, t httpserver.Timeouts, logger *slog.Logger) error {
	srv := httpserver.New(h, t)
	if logger != nil {
		srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}
