package workflow_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// storedPieces are what storedText draws from: bytes encoding/json
// writes as is and ones it escapes (quotes, backslash, controls, DEL,
// <, >, &, U+2028/2029), multi-byte UTF-8, and invalid UTF-8 (SQLite
// stores any bytes in a text column).
var storedPieces = []string{"a", "Z", "9", " ", "~", "<", ">", "&", `"`, `\`, "\n", "\r", "\t", "\b", "\f", "\x00", "\x01", "\x1f",
	"\x7f", "\u2028", "\u2029", "đ", "Ư", "ộ", "e\u0301", "日本", "😀", "\ufffd", "\uffff", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80",
	"/", "'", "{", "}", ":", ",", "null", `\u0041`}

func storedText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(storedPieces[rng.IntN(len(storedPieces))])
	}
	return b.String()
}

// randomStored returns a stored event with random fields; its Data is
// one of the texts a repository may hold for a map: null, empty, {},
// json.Marshal's (canonical), or non-canonical ones that decode to the
// same map (spaces, keys out of order, a key twice, escapes encoding/json
// would not write) — and now and then something that is not a map.
func randomStored(rng *rand.Rand, seq int64) *workflow.StoredEvent {
	field := func() []byte {
		switch rng.IntN(4) {
		case 0:
			return nil
		case 1:
			return []byte("transition")
		}
		return []byte(storedText(rng, rng.IntN(12)))
	}
	s := &workflow.StoredEvent{Seq: seq, DocumentID: field(), Actor: field(), Kind: field(), Action: field(), From: field(),
		To: field(), Comment: field(), AtMicros: rng.Int64N(1<<53) - 1<<52, PrevHash: field()}
	if rng.IntN(50) == 0 {
		s.Comment = []byte(storedText(rng, 20_000)) // big
	}
	m := map[string]string{}
	for range rng.IntN(6) {
		m[storedText(rng, rng.IntN(6))] = storedText(rng, rng.IntN(20))
	}
	canonical, _ := json.Marshal(m)
	switch rng.IntN(12) {
	case 0:
		s.Data = nil
	case 1:
		s.Data = []byte("null")
	case 2:
		s.Data = []byte("{}")
	case 3, 4:
		s.Data = nonCanonical(rng, m)
	case 5:
		s.Data = []byte([]string{`{"a":1}`, `[]`, `"x"`, `{"a":"b"`, `{"a":"b"} `, `{"a":null}`, `nul`, ` null`, `{"a":"\x01"}`}[rng.IntN(9)])
	default:
		s.Data = canonical
	}
	return s
}

// nonCanonical writes m as JSON encoding/json would not — keys in
// reverse order, and at random spaces, a duplicate key whose last value
// wins, letters escaped — or, when m has fewer than two keys and none of
// those is drawn, as json.Marshal does.
func nonCanonical(rng *rand.Rand, m map[string]string) []byte {
	keys := slices.Sorted(maps.Keys(m))
	slices.Reverse(keys)
	space, dup, escape := rng.IntN(2) == 0, rng.IntN(2) == 0, rng.IntN(2) == 0
	sp := ""
	if space {
		sp = " "
	}
	var b bytes.Buffer
	b.WriteString("{" + sp)
	if dup && len(keys) > 0 {
		kq, _ := json.Marshal(keys[0])
		fmt.Fprintf(&b, `%s:"overwritten",`, kq) // the later one wins
	}
	for i, k := range keys {
		if i > 0 {
			b.WriteString(sp + ",")
		}
		kq, _ := json.Marshal(k)
		vq, _ := json.Marshal(m[k])
		if escape {
			kq = bytes.ReplaceAll(kq, []byte("a"), []byte(`\u0061`))
		}
		b.Write(kq)
		b.WriteString(":")
		b.Write(vq)
	}
	b.WriteString(sp + "}")
	return b.Bytes()
}

// TestAddStoredRecomputesAsHashEvent: over many random stored events the
// verifier of stored rows accepts exactly those whose stored hash is
// HashEvent of the Event they decode to (the walk of Events), and fails
// with the same error where the data does not decode. Each event is
// checked twice: with its hash as HashEvent makes it (it must pass) and
// with one hex digit changed (it must be named, with the Events walk's
// reason).
func TestAddStoredRecomputesAsHashEvent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var undecodable, checked int
	for i := range 20_000 {
		s := randomStored(rng, 1)
		s.PrevHash = []byte(workflow.GenesisHash)
		e, decodeErr := s.Event()
		s.Hash = []byte(workflow.HashEvent(&e))
		var v workflow.ChainVerifier
		ok, err := v.AddStored(s)
		if decodeErr != nil {
			undecodable++
			if err == nil || err.Error() != decodeErr.Error() {
				t.Fatalf("event %d, data %q: AddStored error %v, Event error %v", i, s.Data, err, decodeErr)
			}
			continue
		}
		checked++
		if err != nil || !ok {
			t.Fatalf("event %d: %+v (data %q): AddStored = %v, %v; its hash is HashEvent's", i, e, s.Data, ok, err)
		}
		s.Hash[rng.IntN(len(s.Hash))] ^= 1 // a hex digit to another character
		var w workflow.ChainVerifier
		ok, err = w.AddStored(s)
		var old workflow.ChainVerifier
		oldEvent, _ := s.Event()
		old.Add(oldEvent)
		if err != nil || ok || !reflect.DeepEqual(w.Report(), old.Report()) {
			t.Fatalf("event %d with a changed hash: %v, %v, report %+v; the Events walk reports %+v", i, ok, err, w.Report(), old.Report())
		}
	}
	if undecodable < 100 || checked < 15_000 {
		t.Fatalf("%d undecodable, %d checked: the generator does not cover both", undecodable, checked)
	}
}

// TestAddStoredChain: a chain of stored events verifies as the Events
// do, intact and broken in each way (a gap, a wrong previous hash, an
// altered field), with the same report.
func TestAddStoredChain(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	const n = 200
	chain := func() []*workflow.StoredEvent {
		out := make([]*workflow.StoredEvent, n)
		prev := []byte(workflow.GenesisHash)
		for i := range out {
			s := randomStored(rng, int64(i+1))
			if _, err := s.Event(); err != nil {
				s.Data = []byte("{}")
			}
			s.PrevHash = prev
			e, _ := s.Event()
			s.Hash = []byte(workflow.HashEvent(&e))
			out[i], prev = s, s.Hash
		}
		return out
	}
	breaks := map[string]func(c []*workflow.StoredEvent){
		"Intact":   func([]*workflow.StoredEvent) {},
		"Gap":      func(c []*workflow.StoredEvent) { c[57].Seq++ },
		"PrevHash": func(c []*workflow.StoredEvent) { c[57].PrevHash = []byte(strings.Repeat("1", 64)) },
		"Comment":  func(c []*workflow.StoredEvent) { c[57].Comment = append(c[57].Comment, 'x') },
		"At":       func(c []*workflow.StoredEvent) { c[57].AtMicros++ },
		"First":    func(c []*workflow.StoredEvent) { c[0].Seq = 0 },
		"Data":     func(c []*workflow.StoredEvent) { c[57].Data = []byte(`{"k":"` + strconv.Itoa(len(c)) + `"}`) },
	}
	for name, breakIt := range breaks {
		t.Run(name, func(t *testing.T) {
			c := chain()
			breakIt(c)
			var stored, events workflow.ChainVerifier
			for _, s := range c {
				e, err := s.Event()
				if err != nil {
					t.Fatal(err)
				}
				okE := events.Add(e)
				ok, err := stored.AddStored(s)
				if err != nil || ok != okE {
					t.Fatalf("event %d: AddStored %v, %v; Add %v", s.Seq, ok, err, okE)
				}
				if !ok {
					break
				}
			}
			if got, want := stored.Report(), events.Report(); !reflect.DeepEqual(got, want) || got.OK != (name == "Intact") {
				t.Errorf("stored %+v\nevents %+v", got, want)
			}
		})
	}
}

// TestStoredEventDecodes: Event is what a repository's Events return for
// the row: the time in UTC, nil data for null or none.
func TestStoredEventDecodes(t *testing.T) {
	at := time.Date(2026, 11, 20, 8, 30, 1, 123456000, time.UTC)
	s := &workflow.StoredEvent{Seq: 4, DocumentID: []byte("d"), Kind: []byte("upload"), Data: []byte(`{"b":"2","a":"1"}`),
		AtMicros: at.UnixMicro(), PrevHash: []byte("p"), Hash: []byte("h")}
	e, err := s.Event()
	want := workflow.Event{Seq: 4, DocumentID: "d", Kind: workflow.EventUpload, Data: map[string]string{"a": "1", "b": "2"},
		At: at, PrevHash: "p", Hash: "h"}
	if err != nil || !reflect.DeepEqual(e, want) {
		t.Errorf("Event = %+v, %v; want %+v", e, err, want)
	}
	for _, d := range []string{"", "null"} {
		s.Data = []byte(d)
		if e, err := s.Event(); err != nil || e.Data != nil {
			t.Errorf("data %q: %+v, %v; want nil", d, e.Data, err)
		}
	}
}
