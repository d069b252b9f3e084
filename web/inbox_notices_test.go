package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// lockedBuffer is a log's buffer written by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// statements is how many statements the database logged so far.
func (l *lockedBuffer) statements() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), "slow query")
}

// seedHandlerWork gives handler, from n to m-1, a draft the official
// returned (comment "Sửa lại mục i") and an incoming document assigned
// to her with a direction ("Chỉ đạo số i"), each with its history.
func seedHandlerWork(t *testing.T, db *gormdb.DB, handler, officer, clerk string, n, m int, now time.Time) {
	t.Helper()
	err := db.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error {
		for i := n; i < m; i++ {
			at := now.Add(time.Duration(i) * time.Minute)
			draft := &workflow.Document{ID: fmt.Sprintf("d-draft-%02d", i), Direction: workflow.Outgoing, Type: "CV",
				Subject: fmt.Sprintf("Dự thảo số %d", i), Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
				State: workflow.Draft, Version: 3, CreatedBy: handler, SignerID: officer, CreatedAt: at, UpdatedAt: at}
			in := &workflow.Document{ID: fmt.Sprintf("d-in-%02d", i), Direction: workflow.Incoming, Type: "CV",
				Subject: fmt.Sprintf("Công văn đến số %d", i), Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
				State: workflow.Assigned, Version: 3, AssigneeID: handler, CreatedBy: clerk, CreatedAt: at, UpdatedAt: at,
				Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}}
			evs := []*workflow.Event{
				{DocumentID: draft.ID, Actor: handler, Kind: workflow.EventTransition, Action: workflow.Submit, From: workflow.Draft, To: workflow.InReview, At: at},
				{DocumentID: draft.ID, Actor: officer, Kind: workflow.EventTransition, Action: workflow.Return, From: workflow.InReview, To: workflow.Draft,
					Comment: fmt.Sprintf("Sửa lại mục %d", i), At: at.Add(time.Second)},
				{DocumentID: draft.ID, Actor: handler, Kind: workflow.EventComment, Comment: "Đang sửa", At: at.Add(2 * time.Second)},
				{DocumentID: in.ID, Actor: clerk, Kind: workflow.EventTransition, Action: workflow.Register, From: workflow.Received, To: workflow.Registered, At: at},
				{DocumentID: in.ID, Actor: officer, Kind: workflow.EventTransition, Action: workflow.Assign, From: workflow.Registered, To: workflow.Assigned,
					Comment: fmt.Sprintf("Chỉ đạo số %d", i), At: at.Add(time.Second)},
				{DocumentID: in.ID, Actor: officer, Kind: workflow.EventComment, Comment: "Nhắc", At: at.Add(2 * time.Second)},
			}
			for _, d := range []*workflow.Document{draft, in} {
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
			}
			for _, e := range evs {
				if err := tx.AppendEvent(ctx, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestInboxNoticesReadForThePage: the handler's inbox shows, on each
// returned draft, who returned it and why, and on each incoming document
// assigned to her, the leader's direction — read for the whole page in a
// fixed number of statements (SQLite, PostgreSQL): the inbox of 2 such
// rows and of 40 take as many, not one history a row.
func TestInboxNoticesReadForThePage(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			dsn := ""
			if backend == gormdb.Postgres {
				dsn = gormdbtest.CreatePostgresDatabase(t)
			}
			log := &lockedBuffer{}
			db, err := gormdb.Open(t.Context(), dsn, t.TempDir(), slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn})))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, workflow.Vietnam)
			db.Now = func() time.Time { return now }
			// No session cache: the session is read on each request, so its
			// look-up is one statement of each inbox, not one of them by chance
			// of how long after the last request it comes.
			as := &auth.Service{Repo: db, Cost: 4, SessionCacheTTL: -1, Now: func() time.Time { return now }}
			ids := map[string]string{}
			for _, x := range []struct {
				name string
				role workflow.Role
			}{{"chuyenvien", workflow.RoleHandler}, {"lanhdao", workflow.RoleOfficer}, {"vanthu", workflow.RoleClerk}} {
				u, err := as.CreateUser(t.Context(), nil, auth.NewUser{Username: x.name, Password: testPassword, FullName: "Người " + x.name, Roles: []workflow.Role{x.role}})
				if err != nil {
					t.Fatal(err)
				}
				ids[x.name] = u.ID
			}
			docs := &workflow.Service{Repo: db, Blobs: workflowtest.TempBlobs(t), Now: func() time.Time { return now }}
			ui, err := New(Config{Docs: docs, Accounts: as, Directory: db, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(Mount(http.NotFoundHandler(), ui))
			t.Cleanup(srv.Close)
			c := (&testEnv{t: t, srv: srv}).login("chuyenvien")
			inbox := func(rows int) int {
				t.Helper()
				db.SetSlowQueryThreshold(0)
				before := log.statements()
				p := c.get("/")
				n := log.statements() - before
				db.SetSlowQueryThreshold(time.Second)
				if p.Status != http.StatusOK {
					t.Fatalf("inbox: %d %s", p.Status, p.Location)
				}
				for i := range rows / 2 {
					for _, want := range []string{fmt.Sprintf("Người lanhdao: Sửa lại mục %d)", i), fmt.Sprintf("Chỉ đạo số %d", i)} {
						if !strings.Contains(p.Body, want) {
							t.Errorf("the inbox of %d rows lacks %q", rows, want)
						}
					}
				}
				if got := strings.Count(p.Body, `class="returned-mark"`); got != rows/2 {
					t.Errorf("%d returned drafts marked, want %d", got, rows/2)
				}
				if got := strings.Count(p.Body, `class="directive"`); got != rows/2 {
					t.Errorf("%d directions, want %d", got, rows/2)
				}
				return n
			}
			seedHandlerWork(t, db, ids["chuyenvien"], ids["lanhdao"], ids["vanthu"], 0, 1, now)
			few := inbox(2)
			seedHandlerWork(t, db, ids["chuyenvien"], ids["lanhdao"], ids["vanthu"], 1, 20, now)
			many := inbox(40)
			t.Logf("statements of the inbox: %d with 2 rows, %d with 40", few, many)
			if many != few {
				t.Errorf("the inbox of 40 rows took %d statements, of 2 rows %d: want as many", many, few)
			}
		})
	}
}
