package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// wireLog records the statements a vanthu instance sends PostgreSQL, as
// they go on the wire (gormdb.WithConnWrap): each Execute message (of
// the statement its portal was bound to) and each simple Query, from
// every path of gormdb — gorm's, pgx's batches and pipelines, the reads
// that go to pgconn — and the Syncs, the round trips.
type wireLog struct {
	mu    sync.Mutex
	stmts []string
	syncs int
}

func (l *wireLog) wrap(c net.Conn) net.Conn {
	return &wireConn{Conn: c, log: l, named: map[string]string{}, portals: map[string]string{}}
}

// mark is where the log is now: statements and syncs so far.
func (l *wireLog) mark() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.stmts), l.syncs
}

// since returns the statements after mark n.
func (l *wireLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.stmts[n:]...)
}

// quiet waits until no statement was sent for d (at most max).
func (l *wireLog) quiet(d, max time.Duration) {
	end := time.Now().Add(max)
	n, _ := l.mark()
	for time.Now().Before(end) {
		time.Sleep(d)
		m, _ := l.mark()
		if m == n {
			return
		}
		n = m
	}
}

// wireConn parses the frontend messages written on one connection: its
// first is the startup message (no type byte), the others a type byte
// and a length. Prepared statements are the connection's own (named).
type wireConn struct {
	net.Conn
	log     *wireLog
	buf     []byte
	started bool
	named   map[string]string // statement name → SQL (Parse)
	portals map[string]string // portal → SQL (Bind)
}

func (c *wireConn) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	for {
		if !c.started {
			if len(c.buf) < 4 {
				break
			}
			n := int(binary.BigEndian.Uint32(c.buf))
			if len(c.buf) < n {
				break
			}
			c.buf, c.started = c.buf[n:], true
			continue
		}
		if len(c.buf) < 5 {
			break
		}
		n := int(binary.BigEndian.Uint32(c.buf[1:]))
		if len(c.buf) < 1+n {
			break
		}
		c.message(c.buf[0], c.buf[5:1+n])
		c.buf = c.buf[1+n:]
	}
	return c.Conn.Write(p)
}

func cstrings(b []byte, n int) []string {
	var out []string
	for range n {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			break
		}
		out, b = append(out, string(b[:i])), b[i+1:]
	}
	return out
}

func (c *wireConn) message(typ byte, body []byte) {
	c.log.mu.Lock()
	defer c.log.mu.Unlock()
	switch typ {
	case 'P':
		if s := cstrings(body, 2); len(s) == 2 {
			c.named[s[0]] = s[1]
		}
	case 'B':
		if s := cstrings(body, 2); len(s) == 2 {
			c.portals[s[0]] = c.named[s[1]]
		}
	case 'E':
		if s := cstrings(body, 1); len(s) == 1 {
			c.log.stmts = append(c.log.stmts, c.portals[s[0]])
		}
	case 'Q':
		if s := cstrings(body, 1); len(s) == 1 {
			c.log.stmts = append(c.log.stmts, s[0])
		}
	case 'S':
		c.log.syncs++
	}
}

// shape is a statement's SQL on one line, cut short.
func shape(sql string) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) > 150 {
		s = s[:150] + "…"
	}
	return s
}

// shapes groups statements by shape, most frequent first.
func shapes(stmts []string) []string {
	n := map[string]int{}
	for _, s := range stmts {
		n[shape(s)]++
	}
	var out []string
	for s, k := range n {
		out = append(out, fmt.Sprintf("%3d× %s", k, s))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

// lifecycleBudget is the most statements each request of an outgoing
// lifecycle may send PostgreSQL (TestOutgoingLifecycleStatements), the
// look-ups that depend on the clock left out (clockDependent). "send"
// counts what follows its answer too: the sender's delivery worker
// (which runs while the answer is written) and the agency's status back;
// "receiving agency" is the agency's whole receipt. Counted at 7bea02a
// (eb215f8's lifecycle): no statement could go without changing what a
// request does (docs/performance.md).
var lifecycleBudget = map[string]int{
	"create":           6, // session, signer, claims guard, insert; begin, commit
	"submit":           5, // document; savepoint, update, commit; begin
	"approve":          5,
	"sign":             7,  // + claims lock and guard, file tail
	"issue":            14, // reservation transaction, then the issue's
	"send":             12, // + agencies, delivery, sent id; worker: signer, delivered; status
	"archive":          8,  // document, events, signer (one round trip); archive rows
	"receiving agency": 10,
}

// clockDependent says whether sql is a statement whose presence depends
// on time, not on the request: the session's look-up (auth caches it
// for DefaultSessionCacheTTL, 250 ms) and the pool's ping of a
// connection idle for a while (conncheck.go).
func clockDependent(sql string) bool {
	return strings.Contains(sql, "FROM sessions s JOIN users u") || strings.HasPrefix(sql, "-- ping")
}

// TestOutgoingLifecycleStatements counts the statements one outgoing
// lifecycle sends PostgreSQL — draft with a PDF, submit, approve, sign,
// issue, send, archive, through the API of a served instance, and the
// agency receiving it — request by request, on the wire, and holds each
// to its budget (lifecycleBudget): a statement more per request is a
// cost of every document issued. VANTHU_STATEMENTS=1 prints them
// grouped by shape.
func TestOutgoingLifecycleStatements(t *testing.T) {
	if os.Getenv(gormdbtest.EnvDatabaseURL) == "" {
		t.Skip("no PostgreSQL (" + gormdbtest.EnvDatabaseURL + ")")
	}
	logs := map[string]*wireLog{}
	peers := []*peer{newPeer(t, "a", "000.00.12.H13", "UBND quận Bình Thủy", "UBND"), newPeer(t, "b", "000.00.31.H13", "UBND phường Long Hòa", "UBND")}
	for _, p := range peers {
		l := &wireLog{}
		logs[p.name] = l
		p.opts.dbOptions = []gormdb.Option{gormdb.WithConnWrap(l.wrap)}
		p.env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
		// Nothing on a timer during the count.
		for k, v := range map[string]string{"VANTHU_MAIL_INTERVAL": "1h", "VANTHU_HEARTBEAT": "1h", "VANTHU_INSTANCE_STALE": "2h",
			"VANTHU_EXCHANGE_POLL": "1h", "VANTHU_AUDIT_ANCHOR_INTERVAL": "0", "VANTHU_FIXITY_INTERVAL": "0", "VANTHU_EVIDENCE_INTERVAL": "0",
			"VANTHU_BLOB_GC_INTERVAL": "0", "VANTHU_FILES_INSPECT_AFTER": "0"} {
			p.env[k] = v
		}
		p.start(t)
	}
	a, b := peers[0], peers[1]
	connect(t, a, b)
	admin := a.srv.login(t, "admin", "admin-password-1")
	if code := admin.call("POST", "/api/v1/users", map[string]any{"username": "archivist", "password": "password-archivist",
		"full_name": "Võ Thị Lưu Trữ", "title": "Lưu trữ viên", "roles": []string{"archivist"}}, nil); code != 201 {
		t.Fatalf("create archivist: %d", code)
	}
	archivist := a.srv.login(t, "archivist", "password-archivist")
	for _, l := range logs {
		l.quiet(300*time.Millisecond, 10*time.Second)
	}
	counts := map[string][]string{}
	step := func(name string, l *wireLog, do func()) {
		t.Helper()
		n, _ := l.mark()
		do()
		counts[name] = l.since(n)
	}
	var id string
	step("create", logs["a"], func() {
		doc, code := a.handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định đếm câu lệnh",
			"urgency": "normal", "confidentiality": "normal", "signer_id": a.ids["officer"],
			"recipients": []map[string]string{{"org_id": b.orgID, "name": b.orgName}}}, testpdf.Make(1, "statements"))
		if code != 201 {
			t.Fatalf("upload: %d", code)
		}
		id = doc["id"].(string)
	})
	for _, s := range []struct {
		c      *client
		action string
	}{{a.handler, "submit"}, {a.officer, "approve"}, {a.officer, "sign"}, {a.clerk, "issue"}, {a.clerk, "send"}} {
		step(s.action, logs["a"], func() { s.c.act(id, s.action, nil) })
	}
	nb, _ := logs["b"].mark()
	step("after send", logs["a"], func() {
		for range 3 { // the agency answers, then its status comes back
			logs["b"].quiet(300*time.Millisecond, 20*time.Second)
			logs["a"].quiet(300*time.Millisecond, 20*time.Second)
		}
	})
	counts["send"] = append(counts["send"], counts["after send"]...)
	counts["receiving agency"] = logs["b"].since(nb)
	step("archive", logs["a"], func() { archivist.act(id, "archive", nil) })
	total := 0
	for _, name := range []string{"create", "submit", "approve", "sign", "issue", "send", "archive", "receiving agency"} {
		var kept, clock []string
		for _, sql := range counts[name] {
			if clockDependent(sql) {
				clock = append(clock, sql)
			} else {
				kept = append(kept, sql)
			}
		}
		total += len(kept)
		if os.Getenv("VANTHU_STATEMENTS") != "" {
			t.Logf("%s: %d statements (and %d of the clock)\n  %s", name, len(kept), len(clock), strings.Join(shapes(counts[name]), "\n  "))
		}
		if len(kept) > lifecycleBudget[name] {
			t.Errorf("%s: %d statements, budget %d:\n  %s", name, len(kept), lifecycleBudget[name], strings.Join(shapes(kept), "\n  "))
		}
	}
	t.Logf("one outgoing lifecycle: %d statements", total)
	if got := b.incomingBy(t, "Quyết định đếm câu lệnh"); len(got) != 1 {
		t.Errorf("the agency received %d documents, want 1", len(got))
	}
}
