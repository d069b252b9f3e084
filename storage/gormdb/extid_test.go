package gormdb_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// lockedBuffer is a log's output, safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMigrateExternalIDs: migration 18 rewrites the DocumentIds stored
// before the exchange read them as identifiers (edxmlid.Identifier), so a
// redelivery, whose DocumentId is read so, finds the document received
// then; the spelling it had is kept (external_id_sent) for the status
// messages. Two rows that read as one identifier are both kept: the one
// stored under it already, else the earliest, takes it, the other keeps
// its spelling, and each clash is logged. exchange_sent is rewritten the
// same way. Run again, it changes nothing. Before, a document stored as
// "H13, 2026/12/01, 7/UBND" was found by no redelivery.
func TestMigrateExternalIDs(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) { testMigrateExternalIDs(t, backend) })
	}
}

const (
	sender = "000.00.00.H13" // incomingDoc's
	other  = "000.00.32.H13"
)

// oldDocs are documents as the code before migration 18 stored them: the
// DocumentId as received, trimmed.
func oldDocs() []*workflow.Document {
	doc := func(id string, i int, ext, key, from string) *workflow.Document {
		d := incomingDoc(id, i)
		d.ExternalID, d.DeliveryKey = ext, key
		if from != sender {
			d.Sender = &workflow.Org{OrgID: from, Name: "UBND huyện C"}
		}
		return d
	}
	out := []*workflow.Document{
		doc("spaced", 0, sender+", 2026/12/01, 7/UBND", "", sender),
		doc("two-spaces", 1, sender+",2026/12/01,8/QĐ  UBND", "", sender), // reads as "already" below
		doc("already", 2, sender+",2026/12/01,8/QĐ UBND", "", sender),
		doc("earlier", 3, sender+", 2026/12/01, 9/UBND", "", sender),
		doc("later", 4, sender+",2026/12/01 ,9/UBND", "", sender), // reads as "earlier"
		doc("other-sender", 5, sender+", 2026/12/01, 7/UBND", "", other),
		doc("update", 6, sender+", 2026/12/01, 7/UBND", "update:1f2e", sender),
		doc("outgoing", 7, "", "", sender),
	}
	out[7].Direction, out[7].Sender = workflow.Outgoing, nil
	return out
}

func testMigrateExternalIDs(t *testing.T, backend string) {
	ctx := context.Background()
	var logged lockedBuffer
	db, _, _ := openAt(t, backend, 17, slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn})))
	for _, d := range oldDocs() {
		if err := gormdb.CreateV17Document(ctx, db, d); err != nil {
			t.Fatal(err)
		}
	}
	for ext, doc := range map[string]string{"000.00.12.H13,2026/12/01,15/QĐ  UBND": "spaced", "000.00.12.H13,2026/12/01,16/UBND": "already",
		"000.00.12.H13, 2026/12/01,17/UBND": "earlier", "000.00.12.H13,2026/12/01,17/UBND": "later"} {
		if err := db.RememberSent(ctx, ext, doc); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	checkExternalIDs(t, db)
	if n := strings.Count(logged.String(), "kept as spelled"); n != 3 {
		t.Errorf("%d clashes logged, want 3 (two documents, one sent id):\n%s", n, logged.String())
	}
	// Run again (schema_migrations lost): nothing changes, nothing fails.
	if err := gormdb.RerunExternalIDsV18(ctx, db); err != nil {
		t.Fatal(err)
	}
	checkExternalIDs(t, db)
}

func checkExternalIDs(t *testing.T, db *gormdb.DB) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		from, ext, key string
		want, spelled  string // the document found, and its DocumentId as spelled
	}{
		{sender, sender + ",2026/12/01,7/UBND", "", "spaced", sender + ", 2026/12/01, 7/UBND"},
		{sender, sender + ",2026/12/01,8/QĐ UBND", "", "already", sender + ",2026/12/01,8/QĐ UBND"},
		{sender, sender + ",2026/12/01,9/UBND", "", "earlier", sender + ", 2026/12/01, 9/UBND"},
		{other, sender + ",2026/12/01,7/UBND", "", "other-sender", sender + ", 2026/12/01, 7/UBND"},
		{sender, sender + ",2026/12/01,7/UBND", "update:1f2e", "update", sender + ", 2026/12/01, 7/UBND"},
	} {
		got, err := db.DocumentByDelivery(ctx, c.from, c.ext, c.key)
		if err != nil || got.ID != c.want || got.ExternalIDSpelled() != c.spelled {
			t.Errorf("%s %q %q: %v %v, want %s spelled %q", c.from, c.ext, c.key, got, err, c.want, c.spelled)
		}
	}
	// The clashing rows are kept, as spelled.
	for id, ext := range map[string]string{"two-spaces": sender + ",2026/12/01,8/QĐ  UBND", "later": sender + ",2026/12/01 ,9/UBND", "outgoing": ""} {
		got, err := db.Document(ctx, id)
		if err != nil || got.ExternalID != ext || got.ExternalIDAsSent != "" {
			t.Errorf("%s: %v %v, want kept under %q", id, got, err, ext)
		}
	}
	for ext, want := range map[string]string{"000.00.12.H13,2026/12/01,15/QĐ UBND": "spaced", "000.00.12.H13,2026/12/01,16/UBND": "already",
		"000.00.12.H13,2026/12/01,17/UBND": "later", "000.00.12.H13, 2026/12/01,17/UBND": "earlier"} {
		got, err := db.SentDocument(ctx, ext)
		if err != nil || got.ID != want {
			t.Errorf("sent as %q: %v %v, want %s", ext, got, err, want)
		}
	}
}
