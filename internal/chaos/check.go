package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// api is a logged-in admin on one server.
type api struct {
	base  string
	token string
	hc    *http.Client
}

func login(ctx context.Context, base string) (*api, error) {
	a := &api{base: base, hc: &http.Client{Timeout: time.Minute}}
	var out struct{ Token string }
	if code, err := a.call(ctx, "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPassword}, &out); err != nil || code != 200 {
		return nil, fmt.Errorf("login on %s: %d %v", base, code, err)
	}
	a.token = out.Token
	return a, nil
}

func (a *api) call(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

type doc struct {
	ID        string `json:"id"`
	Direction string `json:"direction"`
	State     string `json:"state"`
	Subject   string `json:"subject"`
	Notation  string `json:"notation"`
	OrigNum   string `json:"original_number"`
}

func (c *Check) fail(format string, args ...any) {
	c.Bad++
	if strings.Count(c.Detail, ";") < 10 {
		if c.Detail != "" {
			c.Detail += "; "
		}
		c.Detail += fmt.Sprintf(format, args...)
	}
}

// checks runs the verifications after a run and adds them to the report.
type checks struct {
	e     *env
	rep   *Report
	admin *api           // logged in on the first instance
	docs  map[string]doc // the acknowledged documents, by ID
	sent  []doc          // the outgoing documents sent or archived
}

func (k *checks) add(c Check) {
	c.OK = c.Bad == 0
	k.rep.Checks = append(k.rep.Checks, c)
	k.e.logf("check %-40s %6d  bad %d  %s", c.Name, c.Count, c.Bad, c.Detail)
}

// fatal adds the check name as failed with err: it could not be made.
func (k *checks) fatal(name string, err error) { k.add(Check{Name: name, Bad: 1, Detail: err.Error()}) }

func (e *env) check(ctx context.Context, rep *Report) {
	k := &checks{e: e, rep: rep}
	k.answers()
	if !k.ready(ctx) {
		return
	}
	k.documentsExist(ctx)
	for _, kind := range []string{"outgoing", "incoming"} {
		k.register(ctx, kind)
	}
	k.issuedVerify(ctx)
	// The audit chain and fixity, by the command line tools.
	for _, t := range [][]string{{"audit", "verify"}, {"archive", "fixity"}} {
		c := Check{Name: "vanthu " + strings.Join(t, " "), Count: 1}
		out, err := e.insts[0].CLI(ctx, t...)
		if err != nil {
			c.fail("%v", err)
		} else {
			c.Detail = lineWith(out, "audit chain ", firstLine(out))
		}
		k.add(c)
		if t[0] == "audit" && e.cfg.AnchorEvery > 0 {
			k.add(judgeAnchors(out, err, rep.Load.Seconds, e.cfg.AnchorEvery))
		}
	}
	if !k.peerReceived(ctx) {
		return
	}
	k.deliveriesAcknowledged(ctx)
	k.blobs(ctx)
}

// answers checks the answers the load tool and the servers saw during the
// faults: only retryable ones, never a 500.
func (k *checks) answers() {
	l := k.rep.Load
	c := Check{Name: "lifecycles completed"}
	for _, lc := range l.Lifecycles {
		c.Count += lc.Completed
		c.Bad += lc.Failed
	}
	if len(l.Errors) > 0 {
		c.Detail = fmt.Sprint(l.Errors)
	}
	k.add(c)
	c = Check{Name: "retried answers (503, 409 conflict, lost connection)"}
	for what, n := range l.Retried {
		c.Count += n
		c.Detail += fmt.Sprintf("%s ×%d; ", what, n)
	}
	c.Detail = strings.TrimSuffix(c.Detail, "; ")
	for what, n := range l.Unclear {
		c.fail("%s ×%d without an error code and message", what, n)
		c.Bad += n - 1
	}
	k.add(c)
	k.add(judgeLongestRetry(l.LongestRetry, maxRetry))
	c = Check{Name: "500 answers to the load tool"}
	for _, m := range []map[string]int{l.Errors, l.Retried} {
		for what, n := range m {
			if strings.Contains(what, ": 500 ") {
				c.Bad += n
			}
		}
	}
	k.add(c)
	c = Check{Name: "500 answers logged by the servers"}
	for _, in := range append(slices.Clone(k.e.insts), k.e.peer) {
		n, sample := count500(filepath.Join(k.e.cfg.Dir, in.Name+".log"))
		if n > 0 {
			c.fail("%s: %s", in.Name, sample)
			c.Bad += n - 1
		}
	}
	k.add(c)
}

// judgeLongestRetry checks that no action spent longer than limit
// retrying (loadtest.Report.LongestRetry): work held by a killed instance
// is taken over within the run's leases. Count is the longest, in whole
// seconds.
func judgeLongestRetry(longest map[string]float64, limit time.Duration) Check {
	c := Check{Name: fmt.Sprintf("longest retry of one action (at most %s)", limit)}
	worst := ""
	for action, s := range longest {
		if worst == "" || s > longest[worst] || s == longest[worst] && action < worst {
			worst = action
		}
		if s > limit.Seconds() {
			c.fail("%s retried for %.0f s", action, s)
		}
	}
	if worst != "" {
		c.Count = int(math.Ceil(longest[worst]))
		if c.Bad == 0 {
			c.Detail = fmt.Sprintf("%s %.1f s", worst, longest[worst])
		}
	}
	return c
}

// ready waits until every instance answers again, then logs in on the
// first; false (with the failed check added) when that fails.
func (k *checks) ready(ctx context.Context) bool {
	for _, in := range k.e.insts {
		var err error
		if err = waitFor(ctx, 2*time.Minute, func() bool {
			r, err := http.Get(in.URL() + "/readyz")
			if err == nil {
				r.Body.Close()
			}
			return err == nil && r.StatusCode == 200
		}); err != nil {
			k.fatal("instances ready", fmt.Errorf("%s: %w", in.Name, err))
			return false
		}
		if k.admin == nil {
			if k.admin, err = login(ctx, in.URL()); err != nil {
				k.fatal("login", err)
				return false
			}
		}
	}
	return true
}

// documentsExist checks that every document whose creation was
// acknowledged exists, and that the completed ones are archived.
func (k *checks) documentsExist(ctx context.Context) {
	c := Check{Name: "acknowledged documents exist"}
	k.docs = map[string]doc{}
	for _, kind := range []string{"outgoing", "incoming"} {
		lc := k.rep.Load.Lifecycles[kind]
		if lc == nil {
			continue
		}
		for _, id := range lc.Created {
			c.Count++
			var d doc
			code, err := k.admin.call(ctx, "GET", "/api/v1/documents/"+url.PathEscape(id), nil, &d)
			if code != 200 || err != nil {
				c.fail("%s: %d %v", id, code, err)
				continue
			}
			k.docs[id] = d
		}
		for _, id := range lc.Documents {
			if d := k.docs[id]; d.State != "archived" {
				c.fail("completed %s is %q, not archived", id, d.State)
			}
		}
	}
	k.add(c)
}

// register checks that this year's register of kind is gapless and
// unique, and lists every numbered document once.
func (k *checks) register(ctx context.Context, kind string) {
	c := Check{Name: kind + " register gapless and unique"}
	var reg struct {
		Items []map[string]any `json:"items"`
	}
	if code, err := k.admin.call(ctx, "GET", fmt.Sprintf("/api/v1/registers/%s/%d", kind, time.Now().Year()), nil, &reg); code != 200 || err != nil {
		k.fatal(c.Name, fmt.Errorf("%d %v", code, err))
		return
	}
	// The register lists every number: the documents', and those no
	// issued document carries (status voided: an issue failed after a
	// later number was taken; reserved: an issue not finished).
	seen := map[int]int{}
	ids := map[string]int{}
	states := map[string]int{}
	for _, it := range reg.Items {
		n, _ := it["number"].(float64)
		seen[int(n)]++
		if st, _ := it["status"].(string); st != "" {
			states[st]++
		} else if id, _ := it["document_id"].(string); id != "" {
			ids[id]++
		}
	}
	c.Count = len(reg.Items)
	if len(states) > 0 {
		c.Detail = fmt.Sprintf("numbers without a document, shown as such: %v", states)
	}
	for n := 1; n <= c.Count; n++ {
		switch seen[n] {
		case 0:
			c.fail("number %d missing", n)
		case 1:
		default:
			c.fail("number %d ×%d", n, seen[n])
		}
	}
	for id, n := range ids {
		if n > 1 {
			c.fail("document %s numbered %d times", id, n)
		}
	}
	for _, d := range k.docs {
		if d.Direction == kind && d.State != "draft" && d.State != "in_review" && d.State != "approved" && d.State != "officer_signed" && d.State != "received" {
			if ids[d.ID] != 1 {
				c.fail("%s (%s) not in the register", d.ID, d.State)
			}
		}
	}
	k.add(c)
}

// issuedVerify checks that every issued document verifies with both
// layers, and collects the sent ones.
func (k *checks) issuedVerify(ctx context.Context) {
	c := Check{Name: "issued documents verify (both layers valid)"}
	for _, d := range k.docs {
		if d.Direction != "outgoing" || (d.State != "issued" && d.State != "sent" && d.State != "archived") {
			continue
		}
		c.Count++
		var v struct {
			Verdict    string           `json:"verdict"`
			Signatures []map[string]any `json:"signatures"`
			Reasons    []string         `json:"reasons"`
		}
		code, err := k.admin.call(ctx, "GET", "/api/v1/documents/"+d.ID+"/verification", nil, &v)
		if code != 200 || err != nil || v.Verdict != "valid" || len(v.Signatures) < 2 {
			c.fail("%s: %d %v %s %d signature(s) %v", d.ID, code, err, v.Verdict, len(v.Signatures), v.Reasons)
		}
		if d.State == "sent" || d.State == "archived" {
			k.sent = append(k.sent, d)
		}
	}
	k.add(c)
}

// peerReceived checks that every sent document reached the peer exactly
// once, waiting up to three minutes for the last ones; false when the
// peer cannot be logged in on.
func (k *checks) peerReceived(ctx context.Context) bool {
	c := Check{Name: "deliveries received by the peer exactly once", Count: len(k.sent)}
	peer, err := login(ctx, k.e.peer.URL())
	if err != nil {
		k.fatal(c.Name, err)
		return false
	}
	var got map[string]int
	deadline := time.Now().Add(3 * time.Minute)
	for {
		got, err = k.e.peerSubjects(ctx, peer)
		missing := 0
		for _, d := range k.sent {
			if got[d.Subject] == 0 {
				missing++
			}
		}
		if err == nil && missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if err != nil {
		k.fatal(c.Name, err)
		return true
	}
	want := map[string]bool{}
	for _, d := range k.sent {
		want[d.Subject] = true
		if n := got[d.Subject]; n != 1 {
			c.fail("%s (%s) received %d times", d.ID, d.Subject, n)
		}
	}
	for s, n := range got {
		if !want[s] {
			c.fail("%q received ×%d but not sent", s, n)
		}
	}
	k.add(c)
	return true
}

// deliveriesAcknowledged checks, on the sender's side, that every sent
// document has one document delivery, delivered. A delivery the peer got
// from an instance killed before it recorded the answer stays claimed
// until its lease ends (VANTHU_EXCHANGE_LEASE), then goes again and the
// peer's answer to the duplicate acknowledges it: the check waits up to
// two minutes for those, as peerReceived waits for the last deliveries.
func (k *checks) deliveriesAcknowledged(ctx context.Context) {
	c := Check{Name: "deliveries acknowledged (sender side)", Count: len(k.sent)}
	left := k.sent
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var bad []string
		var next []doc
		for _, d := range left {
			if why := k.deliveryState(ctx, d); why != "" {
				bad, next = append(bad, why), append(next, d)
			}
		}
		left = next
		if len(left) == 0 || time.Now().After(deadline) {
			for _, why := range bad {
				c.fail("%s", why)
			}
			break
		}
		time.Sleep(time.Second)
	}
	k.add(c)
}

// deliveryState is "" when d has one document delivery, delivered, else
// what is wrong.
func (k *checks) deliveryState(ctx context.Context, d doc) string {
	var dl struct {
		Items []struct {
			State string `json:"state"`
			Kind  string `json:"kind"`
		} `json:"items"`
	}
	code, err := k.admin.call(ctx, "GET", "/api/v1/documents/"+d.ID+"/deliveries", nil, &dl)
	if code != 200 || err != nil {
		return fmt.Sprintf("%s: %d %v", d.ID, code, err)
	}
	docs, why := 0, ""
	for _, it := range dl.Items {
		if it.Kind == "document" {
			docs++
			if it.State != "delivered" {
				why = fmt.Sprintf("%s: delivery %s", d.ID, it.State)
			}
		}
	}
	if docs != 1 {
		return fmt.Sprintf("%s: %d document deliveries", d.ID, docs)
	}
	return why
}

// blobs checks that every blob a committed row references is in the work
// bucket, and counts those no committed row references (collectable
// garbage).
func (k *checks) blobs(ctx context.Context) {
	c := Check{Name: "blobs referenced by a document"}
	refs, err := k.e.referencedBlobs(ctx)
	if err != nil {
		k.fatal(c.Name, err)
		return
	}
	st, err := minio.New(ctx, minio.Config{Endpoint: k.e.s3.Addr(), AccessKey: s3User, SecretKey: s3Key, Bucket: "vanthu-work"})
	if err != nil {
		k.fatal(c.Name, err)
		return
	}
	var orphans []string
	present := map[string]bool{}
	err = st.List(ctx, "blobs/", func(oi workflow.ObjectInfo) error {
		present[oi.Key] = true
		if refs[oi.Key] {
			c.Count++
		} else {
			orphans = append(orphans, oi.Key)
		}
		return nil
	})
	if err != nil {
		k.fatal(c.Name, err)
		return
	}
	for key := range refs {
		if !present[key] {
			c.fail("referenced blob %s missing", key)
		}
	}
	// A tailed file (a signed revision) has no blob: its tail row must be
	// there, on the base the file names.
	missing, err := k.e.pg.Query(ctx, "postgres", missingTails)
	if err != nil {
		k.fatal(c.Name, err)
		return
	}
	for _, m := range missing {
		c.fail("tailed file %s: no tail on its base", m)
	}
	k.add(c)
	if len(k.rep.PlantedOrphans) > 0 {
		k.add(judgePlanted(k.rep.PlantedOrphans, orphans))
	}
	k.collectable(ctx, orphans)
}

// peerSubjects counts the peer's incoming documents by subject.
func (e *env) peerSubjects(ctx context.Context, peer *api) (map[string]int, error) {
	got := map[string]int{}
	cursor := ""
	for {
		var page struct {
			Items      []doc   `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		q := "/api/v1/documents?direction=incoming&limit=200"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		if code, err := peer.call(ctx, "GET", q, nil, &page); code != 200 || err != nil {
			return nil, fmt.Errorf("peer list: %d %v", code, err)
		}
		for _, d := range page.Items {
			got[d.Subject]++
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return got, nil
		}
		cursor = *page.NextCursor
	}
}

// missingTails lists the tailed files (documents.files with a base) whose
// tail row is missing.
const missingTails = `SELECT f->>'sha256' FROM documents, jsonb_array_elements(files::jsonb) AS f
WHERE f->>'base' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM file_tails t WHERE t.sha256 = f->>'sha256' AND t.base_sha256 = f->>'base')`

// referencedBlobs returns the work-bucket keys committed rows refer to:
// every file of every document stored whole (a tailed file has none) and
// the users' signature images.
func (e *env) referencedBlobs(ctx context.Context) (map[string]bool, error) {
	refs := map[string]bool{}
	rows, err := e.pg.Query(ctx, "postgres", "SELECT files FROM documents")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		var files []struct {
			SHA256 string `json:"sha256"`
			Base   string `json:"base"`
		}
		if err := json.Unmarshal([]byte(r), &files); err != nil {
			return nil, fmt.Errorf("documents.files %q: %w", r, err)
		}
		for _, f := range files {
			if f.Base == "" {
				refs[workflow.BlobKey(f.SHA256)] = true
			}
		}
	}
	rows, err = e.pg.Query(ctx, "postgres", "SELECT signature_image FROM users WHERE signature_image <> ''")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		refs[workflow.BlobKey(r)] = true
	}
	return refs, nil
}

var status500 = regexp.MustCompile(`"status":5\d\d`)

// count500 counts the 5xx answers other than 503 a server logged.
func count500(path string) (int, string) {
	f, err := os.Open(path)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	n, sample := 0, ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := status500.FindString(line); m != "" && m != `"status":503` {
			n++
			if sample == "" {
				sample = line
				if len(sample) > 400 {
					sample = sample[:400]
				}
			}
		}
	}
	return n, sample
}

// anchorsLine is the line `vanthu audit verify` prints about the
// anchors it found in the archive store.
var anchorsLine = regexp.MustCompile(`(?m)^anchors: (\d+) found, (\d+) agree with the chain, \d+ superseded by a restore, (\d+) past a broken event, (\d+) rejected`)

// judgeAnchors checks what audit verify (its output out, err) said of the
// anchors the instances wrote every interval through the faults: none
// rejected (each signed by the agency key, whichever instance wrote it),
// none disagreeing with the chain, and at least one written when the load
// lasted three intervals.
func judgeAnchors(out string, err error, loadSeconds float64, interval time.Duration) Check {
	c := Check{Name: "audit anchors written through the faults"}
	m := anchorsLine.FindStringSubmatch(out)
	if err != nil || m == nil {
		c.fail("audit verify said nothing of anchors (%v)", err)
		return c
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	c.Count, c.Detail = n(1), strings.TrimPrefix(m[0], "anchors: ")
	if n(4) > 0 {
		c.fail("%d rejected", n(4))
	}
	if agree, other := n(2), n(1)-n(4); agree != other || n(3) > 0 {
		c.fail("%d of %d anchors agree with the chain", agree, other)
	}
	if c.Count == 0 && loadSeconds > 3*interval.Seconds() {
		c.fail("no anchor written in %.0f s of load at an interval of %s", loadSeconds, interval)
	}
	return c
}

// lineWith is the first line of s that starts with prefix, else def.
func lineWith(s, prefix, def string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return def
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
