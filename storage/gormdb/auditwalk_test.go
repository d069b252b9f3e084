package gormdb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// eventsOnly hides the repository's WalkStoredEvents: VerifyAudit then
// walks the Events (the walk before the stored rows were read).
type eventsOnly struct{ workflow.Repository }

// verifyBoth runs VerifyAudit over the stored rows and over the Events
// and fails unless both give the same report (or the same error).
func verifyBoth(t *testing.T, db *gormdb.DB) (workflow.AuditReport, error) {
	t.Helper()
	ctx := context.Background()
	got, err := (&workflow.Service{Repo: db}).VerifyAudit(ctx)
	want, wantErr := (&workflow.Service{Repo: eventsOnly{db}}).VerifyAudit(ctx)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("stored walk: error %v; events walk: %v", err, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored walk: %+v (first broken %+v)\nevents walk: %+v (first broken %+v)", got, got.FirstBroken, want, want.FirstBroken)
	}
	return got, err
}

// tamperings are changes of one stored field of an event (SET clause
// with one argument: the row's current value of that column → the
// changed one, of the same length where the field is text) and the
// event VerifyAudit must name first (offset from the victim's seq).
var tamperings = []struct {
	column string
	change func(v string) string
	first  int64
}{
	{"document_id", flipByte, 0},
	{"actor", flipByte, 0},
	{"kind", flipByte, 0},
	{"action", flipByte, 0},
	{"from_state", flipByte, 0},
	{"to_state", flipByte, 0},
	{"comment", flipByte, 0},
	{"data", flipDataByte, 0},
	{"at_micros", func(v string) string { n, _ := strconv.ParseInt(v, 10, 64); return strconv.FormatInt(n+1, 10) }, 0},
	{"prev_hash", flipByte, 0},
	{"hash", flipByte, 0},
	{"seq", func(v string) string { n, _ := strconv.ParseInt(v, 10, 64); return strconv.FormatInt(n+1_000_000, 10) }, 1}, // moved past the end: a gap at the next
}

// flipByte changes one byte of v — its last ASCII letter or digit
// outside a JSON escape, to another — and keeps it valid UTF-8 (and
// stored data JSON). A value without one becomes "x".
func flipByte(v string) string {
	at := -1
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\':
			if i+1 < len(v) && v[i+1] == 'u' {
				i += 4
			}
			i++
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			at = i
		}
	}
	if at < 0 {
		return "x"
	}
	b := []byte(v)
	if b[at] == 'a' {
		b[at] = 'b'
	} else {
		b[at] = 'a'
	}
	return string(b)
}

// flipDataByte is flipByte for the stored data: null and {} (no byte
// to change that keeps them JSON) swap.
func flipDataByte(v string) string {
	switch v {
	case "null", "":
		return "{}"
	case "{}":
		return "null"
	}
	if w := flipByte(v); w != "x" {
		return w
	}
	return "null"
}

// TestVerifyAuditStoredWalkDetectsEveryByte: on each backend a chain of
// varied events (unicode, characters JSON escapes, nil and empty data,
// big comments)
// verifies intact; then one byte of one stored field of one event at a
// time (the first, one inside a page, the last of a page, the last) is
// changed, and the walk over the stored rows must report what the walk
// over the Events reports — the event named, the reason — and put back,
// verify again.
func TestVerifyAuditStoredWalkDetectsEveryByte(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		rng := rand.New(rand.NewPCG(7, 11))
		events := variedEvents(rng, 5200) // past the first page of the stored walk (5,000)
		seedChain(t, db, events)
		if r, err := verifyBoth(t, db); err != nil || !r.OK || r.Events != int64(len(events)) {
			t.Fatalf("intact chain: %+v, %v", r, err)
		}
		g := db.Gorm()
		for _, victim := range []int64{1, 2, 777, 5000, 5001, int64(len(events))} {
			for _, tm := range tamperings {
				if tm.column == "seq" && victim == int64(len(events)) {
					continue // the last moved further: still the last, found at the head
				}
				var old string
				if err := g.Raw(`SELECT CAST(`+tm.column+` AS text) FROM audit_events WHERE seq = ?`, victim).Row().Scan(&old); err != nil {
					t.Fatal(err)
				}
				changed := tm.change(old)
				execOne(t, db, `UPDATE audit_events SET `+tm.column+` = ? WHERE seq = ?`, changed, victim)
				r, err := verifyBoth(t, db)
				if err != nil || r.OK || r.FirstBroken == nil || r.FirstBroken.Seq != victim+tm.first {
					t.Errorf("event %d, %s %q → %q: report %+v, %v; want event %d named", victim, tm.column, old, changed, r, err, victim+tm.first)
				}
				where := victim
				if tm.column == "seq" {
					where = victim + 1_000_000
				}
				execOne(t, db, `UPDATE audit_events SET `+tm.column+` = ? WHERE seq = ?`, old, where)
			}
		}
		if r, err := verifyBoth(t, db); err != nil || !r.OK {
			t.Fatalf("put back: %+v, %v", r, err)
		}
		t.Run("DataNotJSON", func(t *testing.T) {
			execOne(t, db, `UPDATE audit_events SET data = '{"a":' WHERE seq = 3000`)
			if _, err := verifyBoth(t, db); err == nil {
				t.Error("undecodable data verified")
			}
			execOne(t, db, `UPDATE audit_events SET data = ? WHERE seq = 3000`, storedData(t, events[2999]))
		})
		t.Run("TailRemoved", func(t *testing.T) {
			if err := db.Gorm().Exec(`DELETE FROM audit_events WHERE seq > ?`, len(events)-2).Error; err != nil {
				t.Fatal(err)
			}
			r, err := verifyBoth(t, db)
			if err != nil || r.OK || r.FirstBroken == nil || r.FirstBroken.Seq != int64(len(events)) {
				t.Errorf("tail removed: %+v, %v", r, err)
			}
		})
	})
}

func execOne(t *testing.T, db *gormdb.DB, q string, args ...any) {
	t.Helper()
	if res := db.Gorm().Exec(q, args...); res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("%s %v: %v, %d rows", q, args, res.Error, res.RowsAffected)
	}
}

func storedData(t *testing.T, e *workflow.Event) string {
	if e.Data == nil {
		return "null"
	}
	return mustJSON(t, e.Data)
}

// variedEvents are chainEvents with every tenth event's fields made of
// awkward text: characters encoding/json escapes (<, >, &, quotes,
// backslashes, controls, U+2028), Vietnamese, emoji, big comments.
func variedEvents(rng *rand.Rand, n int) []*workflow.Event {
	events := chainEvents(rng, n)
	var prev *workflow.Event
	for i, e := range events {
		if i%10 == 3 {
			e.Comment = awkwardText(rng, 1+rng.IntN(40))
			e.Actor = awkwardText(rng, rng.IntN(6))
			e.Data = map[string]string{}
			for range rng.IntN(5) {
				e.Data[awkwardText(rng, 1+rng.IntN(8))] = awkwardText(rng, rng.IntN(30))
			}
		}
		if i%500 == 7 {
			e.Comment = awkwardText(rng, 50_000)
		}
		workflow.Chain(prev, e)
		prev = e
	}
	return events
}

// awkwardPieces are what awkwardText draws from (valid UTF-8 only: a
// PostgreSQL text column takes nothing else).
var awkwardPieces = []string{"a", "Z", "0", " ", "<", ">", "&", `"`, `\`, "\n", "\t", "\x01", "\x1f", "\x7f", "\u2028", "\u2029",
	"đ", "Ư", "ộ", "\u00e9", "e\u0301", "日本", "😀", "\ufffd", "/", "'", "{", "}", ":", ","}

func awkwardText(rng *rand.Rand, n int) string {
	b := make([]byte, 0, n)
	for range n {
		b = append(b, awkwardPieces[rng.IntN(len(awkwardPieces))]...)
	}
	return string(b)
}
