package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// racingDB is a database where another clerk registers a document (race,
// once armed) between a list's page and its count.
type racingDB struct {
	*gormdb.DB
	race func()
}

func (r *racingDB) CountDocuments(ctx context.Context, f workflow.DocumentFilter) (int, error) {
	if race := r.race; race != nil {
		r.race = nil
		race()
	}
	return r.DB.CountDocuments(ctx, f)
}

// TestListPagerOneSnapshot: the list's "Hiển thị 1–2 trong 2 văn bản"
// comes from one snapshot of the database (SQLite, PostgreSQL): a
// document created between the page and its count is in neither, not
// counted in a total the page does not show; the next visit shows it in
// both.
func TestListPagerOneSnapshot(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, workflow.Vietnam)
		db.Now = func() time.Time { return now }
		as := &auth.Service{Repo: db, Cost: 4, Now: func() time.Time { return now }}
		clerk, err := as.CreateUser(ctx, nil, auth.NewUser{Username: "clerk", Password: testPassword, FullName: "Người văn thư", Roles: []workflow.Role{workflow.RoleClerk}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		received := func() {
			n++
			d := &workflow.Document{ID: fmt.Sprintf("d-snap-%d", n), Direction: workflow.Incoming, Type: "CV", Subject: "Công văn số " + fmt.Sprint(n),
				Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Received, Version: 1,
				Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}, CreatedBy: clerk.ID,
				CreatedAt: now.Add(time.Duration(n) * time.Minute), UpdatedAt: now.Add(time.Duration(n) * time.Minute)}
			if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
				t.Fatal(err)
			}
		}
		received()
		received()
		rdb := &racingDB{DB: db}
		docs := &workflow.Service{Repo: rdb, Blobs: workflowtest.TempBlobs(t), Now: func() time.Time { return now }}
		ui, err := New(Config{Docs: docs, Accounts: as, Directory: db, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(Mount(http.NotFoundHandler(), ui))
		t.Cleanup(srv.Close)
		c := (&testEnv{t: t, srv: srv}).login("clerk")
		for _, want := range []string{"Hiển thị 1–2 trong 2 văn bản", "Hiển thị 1–3 trong 3 văn bản"} {
			if n == 2 {
				rdb.race = received
			}
			p := c.get("/incoming")
			if p.Status != http.StatusOK || !strings.Contains(p.Body, want) {
				t.Fatalf("%d %s, want %q: %s", p.Status, p.Location, want, pagerSpan(p.Body))
			}
		}
		if n != 3 {
			t.Fatalf("the race ran %d times, want once", n-2)
		}
	})
}

// pagerSpan is the line of a page that says what it shows, for messages.
func pagerSpan(body string) string {
	for l := range strings.SplitSeq(body, "\n") {
		if strings.Contains(l, "Hiển thị") {
			return strings.TrimSpace(l)
		}
	}
	return "(no pager line)"
}
