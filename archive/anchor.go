package archive

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/vanthu/vanthu/workflow"
)

// AnchorPrefix is where the audit chain's anchors live in the archive
// store: AnchorPrefix + {seq, 12 digits}-{the head hash's first 16 hex
// digits}.p7m, and -restored.p7m for a restore acknowledgement. The key
// names the head it anchors: two instances anchoring the same head write
// one object (the second Put is refused under retention, and taken as
// done).
const AnchorPrefix = "audit/anchors/"

// AnchorFormat is the Format of a Checkpoint.
const AnchorFormat = "vanthu-audit-anchor/1"

// Checkpoint is the content of an anchor: a CMS SignedData (RFC 5652,
// DER, the checkpoint's JSON encapsulated) signed with the agency key,
// its certificate chain included, SHA-256, a signing-time attribute, and
// an RFC 3161 signature time-stamp as unsigned attribute when a
// time-stamp authority is configured. `openssl cms -verify -inform DER
// -in KEY.p7m -CAfile anchors.pem` checks it and prints the JSON.
type Checkpoint struct {
	Format   string    `json:"format"`
	Org      string    `json:"org,omitempty"` // the agency's organisation code
	Seq      int64     `json:"seq"`           // events in the chain (the head's sequence number)
	Hash     string    `json:"hash"`          // the head event's hash
	At       time.Time `json:"at"`
	Instance string    `json:"instance"`
	Restored bool      `json:"restored,omitempty"` // a restore acknowledgement (workflow.AuditAnchor)
}

// Anchors writes and reads the audit chain's anchors in the archive
// store. It implements workflow.AnchorSource.
type Anchors struct {
	Store workflow.Blobs
	// Head returns the chain head (workflow.Repository.AuditHead).
	Head func(ctx context.Context) (*workflow.Event, error)
	// Key is the agency's signing key and certificate chain (signer's
	// first), asked at each anchor.
	Key func() (crypto.Signer, []*x509.Certificate, error)
	// Trust are the roots the signer's chain must lead to; Agency the
	// agency certificate an anchor's signer must name the same subject as
	// (an official's certificate under the same roots does not do).
	Trust  func() *x509.CertPool
	Agency func() *x509.Certificate
	// Revocation, when set, is asked the revocation status of each
	// anchor signer's certificate (anchorrevocation.go); nil: not checked.
	Revocation RevocationStatus
	// Stamper, when set, time-stamps each anchor's signature (RFC 3161);
	// when it fails, the anchor is written without.
	Stamper  Stamper
	Org      string
	Instance string
	Now      func() time.Time
	// Workers bounds the anchors read at once by AuditAnchors (16 when
	// 0: a read is mostly a round trip to the store).
	Workers int
	// Record, when set, records each anchor this writes in the audit
	// chain (workflow.Service.RecordAnchor) and returns the event: the
	// chain then says which anchors must exist, and verify reports one
	// the store lacks as missing.
	Record func(ctx context.Context, a workflow.AuditAnchor) (*workflow.Event, error)

	checked sync.Map // key + "\x00" + version ID -> checkedAnchor (readCached)
	// recorded is the last event Record appended, with the anchor it
	// records: a head that is that event is anchored already (its own
	// record does not make the chain grow for the next interval).
	recordedMu sync.Mutex
	recorded   struct {
		seq  int64
		hash string
		an   workflow.AuditAnchor
	}
}

var (
	_ workflow.AnchorSource = (*Anchors)(nil)
	_ workflow.AnchorLister = (*Anchors)(nil)
)

func (a *Anchors) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// AnchorKey is the key of the anchor of a head (seq, hash).
func AnchorKey(seq int64, hash string, restored bool) string {
	h := hash
	if len(h) > 16 {
		h = h[:16]
	}
	k := fmt.Sprintf("%s%012d-%s", AnchorPrefix, seq, h)
	if restored {
		k += "-restored"
	}
	return k + ".p7m"
}

// Anchor writes the anchor of the chain head unless it is anchored
// already (the head did not move): the anchor, and whether this call
// wrote it. No event: nil. restored writes a restore acknowledgement
// (workflow.AuditAnchor.Restored). EUNAVAILABLE when the store, the key
// or the time-stamp authority fails.
func (a *Anchors) Anchor(ctx context.Context, restored bool) (*workflow.AuditAnchor, bool, error) {
	head, err := a.Head(ctx)
	if err != nil || head == nil {
		return nil, false, err
	}
	key := AnchorKey(head.Seq, head.Hash, restored)
	if _, err := a.Store.Stat(ctx, key); err == nil {
		return &workflow.AuditAnchor{Key: key, Seq: head.Seq, Hash: head.Hash, Restored: restored}, false, nil
	} else if workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return nil, false, err
	}
	if !restored {
		an, ok, err := a.ownRecord(ctx, head)
		if err != nil {
			return nil, false, err
		}
		if ok {
			return &an, false, nil
		}
	}
	cp := Checkpoint{Format: AnchorFormat, Org: a.Org, Seq: head.Seq, Hash: head.Hash,
		At: a.now().UTC().Truncate(time.Second), Instance: a.Instance, Restored: restored}
	der, stamped, err := a.sign(ctx, cp)
	if err != nil {
		return nil, false, err
	}
	sum := sha256.Sum256(der)
	_, err = a.Store.Put(ctx, key, bytes.NewReader(der), int64(len(der)), hex.EncodeToString(sum[:]),
		workflow.PutOptions{ContentType: "application/pkcs7-mime", RetainUntil: Forever})
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		// Another instance anchored the same head meanwhile.
		return &workflow.AuditAnchor{Key: key, Seq: head.Seq, Hash: head.Hash, Restored: restored}, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("write audit anchor %s: %w", key, err)
	}
	got := &workflow.AuditAnchor{Key: key, Seq: cp.Seq, Hash: cp.Hash, At: cp.At, Instance: cp.Instance,
		Restored: restored, TimeStamped: stamped}
	if err := a.record(ctx, *got); err != nil {
		return got, true, err
	}
	return got, true, nil
}

// record records an, just written, in the audit chain (Record), and
// remembers the event.
func (a *Anchors) record(ctx context.Context, an workflow.AuditAnchor) error {
	if a.Record == nil {
		return nil
	}
	ev, err := a.Record(ctx, an)
	if err != nil {
		// The anchor is written: it counts; the chain does not require it.
		return fmt.Errorf("audit anchor %s written but not recorded in the audit chain: %w", an.Key, err)
	}
	a.remember(ev.Seq, ev.Hash, an)
	return nil
}

func (a *Anchors) remember(seq int64, hash string, an workflow.AuditAnchor) {
	a.recordedMu.Lock()
	a.recorded.seq, a.recorded.hash, a.recorded.an = seq, hash, an
	a.recordedMu.Unlock()
}

// ownRecord reports whether head is, by all appearances, the event
// recording the anchor of the event before it: then the chain did not
// grow since, and the anchor of that event is returned. Only when
// anchors are recorded (Record). Known without a read when this process
// wrote or found it last; else a genuine anchor of head.Seq-1 in the
// store (its key listed, its signature checked) says so. Instances
// taking turns, or the CLI, thus do not anchor each other's records.
// A head that is some other event right after an anchor waits for the
// next event to be anchored, as a rewrite after the last anchor does.
func (a *Anchors) ownRecord(ctx context.Context, head *workflow.Event) (workflow.AuditAnchor, bool, error) {
	if a.Record == nil {
		return workflow.AuditAnchor{}, false, nil
	}
	a.recordedMu.Lock()
	r := a.recorded
	a.recordedMu.Unlock()
	if r.seq == head.Seq && r.hash == head.Hash && r.an.Seq == head.Seq-1 {
		return r.an, true, nil
	}
	var objs []workflow.ObjectInfo
	err := a.Store.List(ctx, fmt.Sprintf("%s%012d-", AnchorPrefix, head.Seq-1), func(o workflow.ObjectInfo) error {
		if e := anchorEntry(o.Key, ""); e.Seq == head.Seq-1 {
			objs = append(objs, o)
		}
		return nil
	})
	if err != nil {
		return workflow.AuditAnchor{}, false, fmt.Errorf("list audit anchors: %w", err)
	}
	trust := &anchorTrust{roots: a.trust(), agency: a.agency(), chains: map[[32]byte]validity{}}
	for _, o := range objs {
		c, err := a.readCached(ctx, o, trust)
		if err != nil {
			return workflow.AuditAnchor{}, false, err
		}
		if c.an.Rejected == "" {
			a.remember(head.Seq, head.Hash, c.an)
			return c.an, true, nil
		}
	}
	return workflow.AuditAnchor{}, false, nil
}

// oidSignatureTimeStamp is the RFC 3161 signature-time-stamp attribute
// (id-aa-signatureTimeStampToken, RFC 3161 Appendix A).
var oidSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// sign makes the anchor object of cp; true when time-stamped.
func (a *Anchors) sign(ctx context.Context, cp Checkpoint) ([]byte, bool, error) {
	body, err := json.Marshal(cp)
	if err != nil {
		return nil, false, err
	}
	if a.Key == nil {
		return nil, false, workflow.Errorf(workflow.EUNAVAILABLE, "no agency key to sign audit anchors with")
	}
	signer, chain, err := a.Key()
	if err != nil {
		return nil, false, workflow.Wrap(workflow.EUNAVAILABLE, err, "agency key")
	}
	if len(chain) == 0 {
		return nil, false, workflow.Errorf(workflow.EUNAVAILABLE, "agency key has no certificate")
	}
	sd, err := pkcs7.NewSignedData(body)
	if err != nil {
		return nil, false, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	signingTime := pkcs7.Attribute{Type: pkcs7.OIDAttributeSigningTime, Value: cp.At}
	if err := sd.AddSignerChain(chain[0], signer, chain[1:], pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{signingTime}}); err != nil {
		return nil, false, workflow.Wrap(workflow.EUNAVAILABLE, err, "sign audit anchor")
	}
	stamped := false
	if a.Stamper != nil {
		si := &sd.GetSignedData().SignerInfos[0]
		digest := sha256.Sum256(si.EncryptedDigest)
		tok, err := a.Stamper.Stamp(ctx, digest[:])
		if err != nil {
			// The signature is the anchor; the time-stamp adds an outside
			// witness of its time. Written without (the caller sees
			// TimeStamped false) rather than not at all.
			der, err := sd.Finish()
			return der, false, err
		}
		attr := pkcs7.Attribute{Type: oidSignatureTimeStamp, Value: asn1.RawValue{FullBytes: tok}}
		if err := si.SetUnauthenticatedAttributes([]pkcs7.Attribute{attr}); err != nil {
			return nil, false, err
		}
		stamped = true
	}
	der, err := sd.Finish()
	return der, stamped, err
}

// VersionedStore is a store that keeps every version of an object (S3
// with versioning: storage/minio). Object lock keeps an anchor's version,
// not its key: a newer version or a delete marker written over it with
// the bucket's credentials would hide it from a plain read, so on such a
// store every version of every anchor is read.
type VersionedStore interface {
	// ListVersions calls fn for every version under prefix (VersionID
	// set), delete markers left out.
	ListVersions(ctx context.Context, prefix string, fn func(workflow.ObjectInfo) error) error
	// GetVersion opens one version of an object.
	GetVersion(ctx context.Context, key, versionID string) (io.ReadCloser, error)
}

// AuditAnchors implements workflow.AnchorSource: every object under
// AnchorPrefix (every version of each on a VersionedStore), read Workers
// at a time, each checked (checkAnchor). A key with a valid version is
// that anchor; its other versions, and keys with none, are rejected.
// A version checked before by this process is not read again (versions
// never change; on stores without versions, every object is read).
func (a *Anchors) AuditAnchors(ctx context.Context) ([]workflow.AuditAnchor, error) {
	var objs []workflow.ObjectInfo
	if err := a.list(ctx, func(o workflow.ObjectInfo) error { objs = append(objs, o); return nil }); err != nil {
		return nil, err
	}
	read, err := a.check(ctx, objs)
	if err != nil {
		return nil, err
	}
	return byKey(read), nil
}

// check reads and checks the anchor objects objs: one anchor each.
func (a *Anchors) check(ctx context.Context, objs []workflow.ObjectInfo) ([]workflow.AuditAnchor, error) {
	// Once: the development PKI reads its files for the agency key.
	trust := &anchorTrust{roots: a.trust(), agency: a.agency(), chains: map[[32]byte]validity{}}
	got := make([]checkedAnchor, len(objs))
	errs := make([]error, len(objs))
	workers := a.Workers
	if workers <= 0 {
		workers = 16
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, o := range objs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			got[i], errs[i] = a.readCached(ctx, o, trust)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Not remembered with a version: a certificate may be revoked since.
	return a.revocations(ctx, got, trust)
}

// byKey keeps one valid anchor per key (the first) and every rejected
// version of a key.
func byKey(read []workflow.AuditAnchor) []workflow.AuditAnchor {
	valid := map[string]bool{}
	out := make([]workflow.AuditAnchor, 0, len(read))
	for _, an := range read {
		if an.Rejected == "" && !valid[an.Key] {
			valid[an.Key] = true
			out = append(out, an)
		}
	}
	for _, an := range read {
		if an.Rejected != "" {
			out = append(out, an)
		}
	}
	return out
}

// list calls fn for each anchor object: every version on a
// VersionedStore.
func (a *Anchors) list(ctx context.Context, fn func(workflow.ObjectInfo) error) error {
	var err error
	if vs, ok := a.Store.(VersionedStore); ok {
		err = vs.ListVersions(ctx, AnchorPrefix, fn)
	} else {
		err = a.Store.List(ctx, AnchorPrefix, fn)
	}
	if err != nil {
		return fmt.Errorf("list audit anchors: %w", err)
	}
	return nil
}

// ListAnchors implements workflow.AnchorLister: the anchor objects (every
// version on a VersionedStore) as their keys name them, unchecked. Only
// the entries are kept, not the listing.
func (a *Anchors) ListAnchors(ctx context.Context) ([]workflow.AnchorEntry, error) {
	var out []workflow.AnchorEntry
	err := a.list(ctx, func(o workflow.ObjectInfo) error {
		out = append(out, anchorEntry(o.Key, o.VersionID))
		return nil
	})
	return out, err
}

// anchorEntry is the entry of the object at key (version): the head its
// key names when the key is of AnchorKey's form, else Seq -1 and Other.
func anchorEntry(key, version string) workflow.AnchorEntry {
	e := workflow.AnchorEntry{Seq: -1, Other: key, Version: version}
	rest, ok := strings.CutSuffix(strings.TrimPrefix(key, AnchorPrefix), ".p7m")
	if !ok || len(rest) < 12+1+16 || rest[12] != '-' {
		return e
	}
	seq, err1 := strconv.ParseInt(rest[:12], 10, 64)
	prefix, err2 := strconv.ParseUint(rest[13:29], 16, 64)
	restored := rest[29:] == "-restored"
	if err1 != nil || err2 != nil || (!restored && rest[29:] != "") || entryKey(workflow.AnchorEntry{Seq: seq, Prefix: prefix, Restored: restored}) != key {
		return e
	}
	return workflow.AnchorEntry{Seq: seq, Prefix: prefix, Restored: restored, Version: version}
}

// entryKey is the key of the object of e.
func entryKey(e workflow.AnchorEntry) string {
	if e.Other != "" {
		return e.Other
	}
	return AnchorKey(e.Seq, fmt.Sprintf("%016x", e.Prefix), e.Restored)
}

// CheckAnchors implements workflow.AnchorLister: the objects of entries
// read (Workers at a time) and checked, as by AuditAnchors: one anchor
// each, in their order.
func (a *Anchors) CheckAnchors(ctx context.Context, entries []workflow.AnchorEntry) ([]workflow.AuditAnchor, error) {
	objs := make([]workflow.ObjectInfo, len(entries))
	for i, e := range entries {
		objs[i] = workflow.ObjectInfo{Key: entryKey(e), VersionID: e.Version}
	}
	return a.check(ctx, objs)
}

// readCached is read, remembered for a version (VersionID set).
func (a *Anchors) readCached(ctx context.Context, o workflow.ObjectInfo, trust *anchorTrust) (checkedAnchor, error) {
	id := o.Key + "\x00" + o.VersionID
	if o.VersionID != "" {
		if an, ok := a.checked.Load(id); ok {
			return an.(checkedAnchor), nil
		}
	}
	an, err := a.read(ctx, o, trust)
	if err == nil && o.VersionID != "" {
		a.checked.Store(id, an)
	}
	return an, err
}

// maxAnchorSize bounds an anchor object read (one is some 3 KB).
const maxAnchorSize = 1 << 20

// read reads the anchor at key and checks it; an object that is not a
// valid anchor comes back with Rejected set, a store failure as an error.
func (a *Anchors) read(ctx context.Context, o workflow.ObjectInfo, trust *anchorTrust) (checkedAnchor, error) {
	key := o.Key
	var rc io.ReadCloser
	var err error
	if vs, ok := a.Store.(VersionedStore); ok && o.VersionID != "" {
		rc, err = vs.GetVersion(ctx, key, o.VersionID)
	} else {
		rc, _, err = a.Store.Get(ctx, key)
	}
	if workflow.ErrorCode(err) == workflow.ENOTFOUND || errors.Is(err, fs.ErrNotExist) {
		// Listed, but gone: removed from under the listing (on the local
		// folder, its file deleted and its metadata left).
		return checkedAnchor{an: workflow.AuditAnchor{Key: key, Rejected: "listed, but the store does not hold its content"}}, nil
	}
	if err != nil {
		return checkedAnchor{}, fmt.Errorf("read audit anchor %s: %w", key, err)
	}
	defer rc.Close()
	der, err := io.ReadAll(io.LimitReader(rc, maxAnchorSize+1))
	if err != nil {
		return checkedAnchor{}, fmt.Errorf("read audit anchor %s: %w", key, err)
	}
	an, err := checkAnchor(key, der, trust)
	if err != nil {
		if o.VersionID != "" {
			err = fmt.Errorf("version %s: %w", o.VersionID, err)
		}
		return checkedAnchor{an: workflow.AuditAnchor{Key: key, Rejected: err.Error()}}, nil
	}
	return an, nil
}

// anchorTrust is what an anchor's signer is checked against: the trust
// roots, and the agency certificate whose subject it must have. The
// anchors of a store share their signer's certificate: its chain is
// built once (chains), and each anchor's signing time checked against
// the period every certificate of that chain is valid.
type anchorTrust struct {
	roots  *x509.CertPool
	agency *x509.Certificate
	mu     sync.Mutex
	chains map[[32]byte]validity // by the SHA-256 of the signer's certificate
}

// validity is the period in which every certificate of a chain is
// valid, and the signer's issuer in it.
type validity struct {
	from, until time.Time
	issuer      *x509.Certificate
}

// verify checks that signer chains to the roots at time at, through
// intermediates, and returns its issuer.
func (t *anchorTrust) verify(signer *x509.Certificate, intermediates []*x509.Certificate, at time.Time) (*x509.Certificate, error) {
	id := sha256.Sum256(signer.Raw)
	t.mu.Lock()
	v, ok := t.chains[id]
	t.mu.Unlock()
	if ok && !at.Before(v.from) && !at.After(v.until) {
		return v.issuer, nil
	}
	pool := x509.NewCertPool()
	for _, c := range intermediates {
		pool.AddCert(c)
	}
	chains, err := signer.Verify(x509.VerifyOptions{Roots: t.roots, Intermediates: pool, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, err
	}
	v = validity{from: signer.NotBefore, until: signer.NotAfter, issuer: signer}
	if len(chains[0]) > 1 {
		v.issuer = chains[0][1]
	}
	for _, c := range chains[0] {
		if c.NotBefore.After(v.from) {
			v.from = c.NotBefore
		}
		if c.NotAfter.Before(v.until) {
			v.until = c.NotAfter
		}
	}
	t.mu.Lock()
	t.chains[id] = v
	t.mu.Unlock()
	return v.issuer, nil
}

// checkAnchor parses and verifies the anchor object der stored at key:
// a CMS signature that verifies, by a certificate that chains to the
// trust roots (at the signing time) and names the agency's subject, over
// a checkpoint whose head is the one key names; a time-stamp, when
// there is one, over the signature.
func checkAnchor(key string, der []byte, trust *anchorTrust) (checkedAnchor, error) {
	if len(der) > maxAnchorSize {
		return checkedAnchor{}, errors.New("larger than an anchor")
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return checkedAnchor{}, fmt.Errorf("not a CMS signature: %v", err)
	}
	if len(p7.Signers) != 1 {
		return checkedAnchor{}, fmt.Errorf("%d signers, want the agency's alone", len(p7.Signers))
	}
	if err := p7.Verify(); err != nil { // the signature, and the signing time within the signer's validity
		return checkedAnchor{}, fmt.Errorf("signature does not verify: %v", err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return checkedAnchor{}, errors.New("no signer certificate")
	}
	var signedAt time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &signedAt); err != nil {
		return checkedAnchor{}, errors.New("signature has no signing time")
	}
	issuer, err := trust.verify(signer, p7.Certificates, signedAt)
	if err != nil {
		return checkedAnchor{}, fmt.Errorf("signer's certificate is not trusted: %v", err)
	}
	if trust.agency == nil || !bytes.Equal(signer.RawSubject, trust.agency.RawSubject) {
		return checkedAnchor{}, errors.New("not signed by the agency's certificate")
	}
	var cp Checkpoint
	dec := json.NewDecoder(bytes.NewReader(p7.Content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cp); err != nil || cp.Format != AnchorFormat {
		return checkedAnchor{}, errors.New("signed content is not an audit checkpoint")
	}
	if AnchorKey(cp.Seq, cp.Hash, cp.Restored) != key {
		return checkedAnchor{}, fmt.Errorf("signed checkpoint is of event %d, not the one its key names", cp.Seq)
	}
	stamp, err := checkAnchorStamp(p7)
	if err != nil {
		return checkedAnchor{}, err
	}
	return checkedAnchor{an: workflow.AuditAnchor{Key: key, Seq: cp.Seq, Hash: cp.Hash, At: cp.At, Instance: cp.Instance,
		Restored: cp.Restored, TimeStamped: stamp != nil}, signer: signer, issuer: issuer, stampedAt: trust.stampTime(stamp)}, nil
}

// checkAnchorStamp checks the signature time-stamp of p7's signer, if it
// has one: a token (its own signature verified) over the signature; nil
// when there is none.
func checkAnchorStamp(p7 *pkcs7.PKCS7) (*timestamp.Timestamp, error) {
	si := p7.Signers[0]
	for _, attr := range si.UnauthenticatedAttributes {
		if !attr.Type.Equal(oidSignatureTimeStamp) {
			continue
		}
		ts, err := timestamp.Parse(attr.Value.Bytes)
		if err != nil {
			return nil, fmt.Errorf("time-stamp token: %v", err)
		}
		digest := sha256.Sum256(si.EncryptedDigest)
		if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, digest[:]) {
			return nil, errors.New("time-stamp token is not over the anchor's signature")
		}
		return ts, nil
	}
	return nil, nil
}

func (a *Anchors) trust() *x509.CertPool {
	if a.Trust == nil {
		return x509.NewCertPool() // nothing is trusted
	}
	return a.Trust()
}

func (a *Anchors) agency() *x509.Certificate {
	if a.Agency == nil {
		return nil
	}
	return a.Agency()
}

// IsAnchorKey reports whether key is an anchor's.
func IsAnchorKey(key string) bool { return strings.HasPrefix(key, AnchorPrefix) }
