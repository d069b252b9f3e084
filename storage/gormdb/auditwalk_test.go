package gormdb_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
	return verifyBothAnchored(t, db, nil)
}

// verifyBothAnchored is verifyBoth with the anchors of src (nil: none).
func verifyBothAnchored(t *testing.T, db *gormdb.DB, src workflow.AnchorSource) (workflow.AuditReport, error) {
	t.Helper()
	ctx := context.Background()
	got, err := (&workflow.Service{Repo: db, Anchors: src}).VerifyAudit(ctx)
	want, wantErr := (&workflow.Service{Repo: eventsOnly{db}, Anchors: src}).VerifyAudit(ctx)
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

// anchorList is a workflow.AnchorSource (not a lister: the anchors
// come checked, and the walk compares each at its position).
type anchorList []workflow.AuditAnchor

func (l anchorList) AuditAnchors(context.Context) ([]workflow.AuditAnchor, error) { return l, nil }

// TestVerifyAuditStoredWalkAnchors: with anchors — agreeing ones every
// 37 events, then one the chain disagrees with, one past its end, a
// restore's — the walk over the stored rows reports what the walk over
// the Events reports (the event at a disagreeing anchor's position read
// in full).
func TestVerifyAuditStoredWalkAnchors(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		events := variedEvents(rand.New(rand.NewPCG(5, 6)), 300)
		seedChain(t, db, events)
		at := events[len(events)-1].At.Add(time.Hour)
		var agree anchorList
		for seq := int64(37); seq <= 300; seq += 37 {
			agree = append(agree, workflow.AuditAnchor{Key: fmt.Sprintf("audit/anchors/%d.p7m", seq), Seq: seq, Hash: events[seq-1].Hash, At: at})
		}
		cases := map[string]anchorList{
			"Agreeing":  agree,
			"Disagrees": append(slices.Clone(agree), workflow.AuditAnchor{Key: "audit/anchors/100.p7m", Seq: 100, Hash: strings.Repeat("e", 64), At: at}),
			"Behind":    append(slices.Clone(agree), workflow.AuditAnchor{Key: "audit/anchors/1000.p7m", Seq: 1000, Hash: strings.Repeat("f", 64), At: at}),
			"Restored": append(slices.Clone(agree), workflow.AuditAnchor{Key: "audit/anchors/500.p7m", Seq: 500, Hash: strings.Repeat("f", 64), At: at},
				workflow.AuditAnchor{Key: "audit/anchors/300-r.p7m", Seq: 300, Hash: events[299].Hash, At: at.Add(time.Hour), Restored: true}),
		}
		for name, anchors := range cases {
			t.Run(name, func(t *testing.T) {
				r, err := verifyBothAnchored(t, db, anchors)
				if err != nil || r.Anchors == nil || r.Anchors.Checked < len(agree) || r.OK != (name == "Agreeing" || name == "Restored") {
					t.Errorf("%+v, %v (anchors %+v)", r, err, r.Anchors)
				}
				if name == "Disagrees" && (r.FirstBroken == nil || r.FirstBroken.Seq != 100 || r.FirstBroken.Hash != events[99].Hash) {
					t.Errorf("first broken %+v; want event 100 as stored", r.FirstBroken)
				}
			})
		}
	})
}

// TestWalkStoredEvents: outside and inside a transaction (pgx's rows, or
// database/sql's), the stored rows decode to the events WalkEvents
// returns, in order, past a page; fn's error stops the walk and comes
// back as is.
func TestWalkStoredEvents(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		seedChain(t, db, variedEvents(rand.New(rand.NewPCG(8, 9)), 5003))
		check := func(t *testing.T, r workflow.Reader) {
			var want []workflow.Event
			if err := r.WalkEvents(ctx, func(e workflow.Event) error { want = append(want, e); return nil }); err != nil {
				t.Fatal(err)
			}
			w, ok := r.(workflow.StoredEventWalker)
			if !ok {
				t.Fatalf("%T is no StoredEventWalker", r)
			}
			i := 0
			err := w.WalkStoredEvents(ctx, func(s *workflow.StoredEvent) error {
				e, err := s.Event()
				if err != nil || i >= len(want) || !reflect.DeepEqual(e, want[i]) {
					t.Fatalf("stored event %d: %+v, %v", i, e, err)
				}
				i++
				return nil
			})
			if err != nil || i != len(want) || i != 5003 {
				t.Fatalf("walked %d of %d: %v", i, len(want), err)
			}
			stop := errors.New("stop")
			n := 0
			err = w.WalkStoredEvents(ctx, func(s *workflow.StoredEvent) error {
				if n++; s.Seq == 5001 {
					return stop
				}
				return nil
			})
			if err != stop || n != 5001 {
				t.Errorf("WalkStoredEvents = %v after %d events; want the callback's error after 5001", err, n)
			}
		}
		t.Run("Pool", func(t *testing.T) { check(t, db) })
		t.Run("Tx", func(t *testing.T) {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				check(t, tx)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}
