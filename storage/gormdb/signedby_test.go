package gormdb_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// signedWorld is the documents and events of TestDocumentsSignedIssued:
// officials u-a and u-b sign, clerks u-c and u-d issue, in the week
// [t0, t0+7 days] or before it.
func signedWorld(t *testing.T, db *gormdb.DB) {
	t.Helper()
	day := 24 * time.Hour
	type step struct {
		action workflow.Action
		actor  string
		at     time.Duration // after t0
	}
	for i, tc := range []struct {
		id, signer string
		state      workflow.State
		conf       workflow.Confidentiality
		steps      []step
	}{
		{"s1", "u-a", workflow.OfficerSigned, workflow.Public, []step{{workflow.Sign, "u-a", day}}},
		{"s2", "u-a", workflow.Issued, workflow.Public, []step{{workflow.Sign, "u-a", day}, {workflow.Issue, "u-c", 2 * day}}},
		{"s3", "u-a", workflow.Sent, workflow.Public, []step{{workflow.Sign, "u-a", 7 * day}, {workflow.Issue, "u-d", 7 * day}, {workflow.Send, "u-d", 7 * day}}},
		{"s4", "u-a", workflow.Archived, workflow.Public, []step{{workflow.Sign, "u-a", -3 * day}, {workflow.Issue, "u-c", -2 * day}}},
		{"s5", "u-b", workflow.OfficerSigned, workflow.Public, []step{{workflow.Sign, "u-b", day}}},
		// Approved by u-a, not signed: not hers to list.
		{"s6", "u-a", workflow.Approved, workflow.Public, []step{{workflow.Approve, "u-a", day}}},
		// Signed, then returned: the signature was withdrawn.
		{"s7", "u-a", workflow.Draft, workflow.Public, []step{{workflow.Sign, "u-a", day}, {workflow.Return, "u-a", day + time.Hour}}},
		// Classified, drafted by u-e: u-a (its signer) sees it, u-other does not.
		{"s8", "u-a", workflow.OfficerSigned, workflow.Confidential, []step{{workflow.Sign, "u-a", 3 * day}}},
	} {
		d := incomingDoc(tc.id, -10*24*60+i) // created before the week
		d.Direction, d.Sender, d.Type, d.State, d.SignerID, d.Confidentiality = workflow.Outgoing, nil, workflow.DocType("QĐ"), tc.state, tc.signer, tc.conf
		d.CreatedBy = "u-e"
		var events []*workflow.Event
		for _, s := range tc.steps {
			at := t0.Add(s.at)
			events = append(events, &workflow.Event{DocumentID: d.ID, Actor: s.actor, Kind: workflow.EventTransition, Action: s.action, At: at})
			if s.action == workflow.Issue {
				d.Register, d.Year, d.Number, d.Notation, d.IssuedAt = workflow.RegisterOutgoing, 2026, i+1, "1/QĐ-UBND", &at
			}
		}
		create(t, db, d)
		err := db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
			for _, e := range events {
				if err := tx.AppendEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestDocumentsSignedIssued: the list's Signed gives the documents whose
// layer-1 signature an official made in a period, in any later state
// (issued, sent), not those she only approved nor one whose signature
// was withdrawn, nor another official's; Issued the documents a clerk
// issued in a period (IssuedAt); both ends inclusive, paged and counted
// alike, the visibility unchanged.
func TestDocumentsSignedIssued(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		signedWorld(t, db)
		from, to := t0, t0.Add(7*24*time.Hour) // s3's events are at to itself
		week := func(by string) workflow.Act { return workflow.Act{By: by, From: &from, To: &to} }
		late := t0.Add(2*24*time.Hour + time.Microsecond)
		for _, tc := range []struct {
			name string
			f    workflow.DocumentFilter
			want []string // newest first by the act: signing, issue
		}{
			{"signed/u-a/week", workflow.DocumentFilter{Signed: week("u-a"), SeeAll: true}, []string{"s3", "s8", "s2", "s1"}},
			{"signed/u-b/week", workflow.DocumentFilter{Signed: week("u-b"), SeeAll: true}, []string{"s5"}},
			{"signed/u-a/any time", workflow.DocumentFilter{Signed: workflow.Act{By: "u-a"}, SeeAll: true}, []string{"s3", "s8", "s2", "s1", "s4"}},
			{"signed/anyone/week", workflow.DocumentFilter{Signed: week(""), SeeAll: true}, []string{"s3", "s8", "s5", "s2", "s1"}},
			{"signed/u-a/after", workflow.DocumentFilter{Signed: workflow.Act{By: "u-a", From: &late}, SeeAll: true}, []string{"s3", "s8"}},
			{"signed/u-a/state", workflow.DocumentFilter{Signed: week("u-a"), State: workflow.Issued, SeeAll: true}, []string{"s2"}},
			{"signed/visibility", workflow.DocumentFilter{Signed: week("u-a"), ViewerID: "u-other"}, []string{"s3", "s2", "s1"}},
			{"signed/own classified", workflow.DocumentFilter{Signed: week("u-a"), ViewerID: "u-a"}, []string{"s3", "s8", "s2", "s1"}},
			{"issued/u-c/week", workflow.DocumentFilter{Issued: week("u-c"), SeeAll: true}, []string{"s2"}},
			{"issued/u-d/week", workflow.DocumentFilter{Issued: week("u-d"), SeeAll: true}, []string{"s3"}},
			{"issued/u-c/any time", workflow.DocumentFilter{Issued: workflow.Act{By: "u-c"}, SeeAll: true}, []string{"s2", "s4"}},
			{"issued/u-c/after", workflow.DocumentFilter{Issued: workflow.Act{By: "u-c", From: &late}, SeeAll: true}, nil},
			{"issued/anyone/week", workflow.DocumentFilter{Issued: week(""), SeeAll: true}, []string{"s3", "s2"}},
			{"issued/signer is not issuer", workflow.DocumentFilter{Issued: week("u-a"), SeeAll: true}, nil},
			{"signed and issued", workflow.DocumentFilter{Signed: week("u-a"), Issued: week("u-d"), SeeAll: true}, []string{"s3"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := listAll(t, db, tc.f, 2)
				if !slices.Equal(got, tc.want) {
					t.Errorf("listed %v, want %v", got, tc.want)
				}
				n, err := db.CountDocuments(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if n != len(tc.want) {
					t.Errorf("counted %d, want %d", n, len(tc.want))
				}
			})
		}
	})
}

// listAll reads every page of f's list, limit a page, and returns the
// IDs in order.
func listAll(t *testing.T, db *gormdb.DB, f workflow.DocumentFilter, limit int) []string {
	t.Helper()
	var ids []string
	f.Limit = limit
	for range 10 {
		docs, next, err := db.Documents(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) > limit {
			t.Fatalf("page of %d, limit %d", len(docs), limit)
		}
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		if next == "" {
			return ids
		}
		f.After = next
	}
	t.Fatal("more than 10 pages")
	return nil
}

// TestDocumentsSignedAt: a document of the Signed list carries, in its
// files as stored, the time of the signature that stands
// (workflow.Document.SignedAt): after a return and a new signature the
// new one's, not the withdrawn one's nor the clerk's layer 2 after it.
func TestDocumentsSignedAt(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		first, again, issued := t0.Add(time.Hour), t0.Add(26*time.Hour), t0.Add(30*time.Hour)
		d := incomingDoc("s1", -60)
		d.Direction, d.Sender, d.Type, d.State, d.SignerID = workflow.Outgoing, nil, workflow.DocType("QĐ"), workflow.Issued, "u-a"
		d.Register, d.Year, d.Number, d.Notation, d.IssuedAt = workflow.RegisterOutgoing, 2026, 1, "1/QĐ-UBND", &issued
		file := func(sum string, k workflow.FileKind, at time.Time) workflow.File {
			return workflow.File{SHA256: strings.Repeat(sum, 64), Name: sum + ".pdf", Size: 1, Kind: k, CreatedAt: at}
		}
		d.Files = []workflow.File{file("a", workflow.FileMain, t0), file("b", workflow.FileWithdrawn, first),
			file("c", workflow.FileSigned, again), file("d", workflow.FileSigned, issued)}
		create(t, db, d)
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for _, at := range []time.Time{first, again} {
				if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Actor: "u-a", Kind: workflow.EventTransition, Action: workflow.Sign, At: at}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		docs, _, err := db.Documents(ctx, workflow.DocumentFilter{Signed: workflow.Act{By: "u-a"}, SeeAll: true})
		if err != nil || len(docs) != 1 {
			t.Fatalf("listed %d: %v", len(docs), err)
		}
		if got := docs[0].SignedAt(); got == nil || !got.Equal(again) {
			t.Errorf("SignedAt %v, want %v", got, again)
		}
	})
}

// TestDocumentsActOrder: the lists of what an official signed and of what
// a clerk issued are ordered newest first by that act, not by creation,
// and paged on it: three documents created in one order, signed (and
// issued) in another, come in the order of the acts across pages; one
// returned and signed again is listed once, at its last signing. A
// cursor of one order given to a list of another is EINVALID on cursor.
func TestDocumentsActOrder(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		type step struct {
			action workflow.Action
			actor  string
			at     time.Duration // after t0
		}
		for i, tc := range []struct {
			id    string
			state workflow.State
			steps []step
		}{
			// Created o1, o2, o3 (o3 the newest); signed o3, o1, o2 — o1
			// returned and signed again last; issued o3, then o2.
			{"o1", workflow.OfficerSigned, []step{{workflow.Sign, "u-a", 2 * time.Hour}, {workflow.Return, "u-a", 150 * time.Minute}, {workflow.Sign, "u-a", 4 * time.Hour}}},
			{"o2", workflow.Issued, []step{{workflow.Sign, "u-a", 3 * time.Hour}, {workflow.Issue, "u-c", 6 * time.Hour}}},
			{"o3", workflow.Issued, []step{{workflow.Sign, "u-a", time.Hour}, {workflow.Issue, "u-c", 5 * time.Hour}}},
		} {
			d := incomingDoc(tc.id, -600+i)
			d.Direction, d.Sender, d.Type, d.State, d.SignerID = workflow.Outgoing, nil, workflow.DocType("QĐ"), tc.state, "u-a"
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for _, s := range tc.steps {
					at := t0.Add(s.at)
					if s.action == workflow.Issue {
						d.Register, d.Year, d.Number, d.Notation, d.IssuedAt = workflow.RegisterOutgoing, 2026, i+1, "1/QĐ-UBND", &at
					}
					if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Actor: s.actor, Kind: workflow.EventTransition, Action: s.action, At: at}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			create(t, db, d)
		}
		from, to := t0, t0.Add(24*time.Hour)
		signed := workflow.DocumentFilter{Signed: workflow.Act{By: "u-a", From: &from, To: &to}, SeeAll: true}
		issued := workflow.DocumentFilter{Issued: workflow.Act{By: "u-c", From: &from, To: &to}, SeeAll: true}
		for _, tc := range []struct {
			name string
			f    workflow.DocumentFilter
			want []string
		}{
			{"signed", signed, []string{"o1", "o2", "o3"}},
			{"signed, anyone", workflow.DocumentFilter{Signed: workflow.Act{From: &from}, SeeAll: true}, []string{"o1", "o2", "o3"}},
			{"issued", issued, []string{"o2", "o3"}},
			{"created", workflow.DocumentFilter{Direction: workflow.Outgoing, SeeAll: true}, []string{"o3", "o2", "o1"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, limit := range []int{1, 2} {
					if got := listAll(t, db, tc.f, limit); !slices.Equal(got, tc.want) {
						t.Errorf("pages of %d: listed %v, want %v", limit, got, tc.want)
					}
				}
			})
		}
		// Each list's cursor, given to the others.
		cursors := map[string]string{}
		lists := map[string]workflow.DocumentFilter{"signed": signed, "issued": issued, "created": {SeeAll: true}}
		for name, f := range lists {
			f.Limit = 1
			_, next, err := db.Documents(ctx, f)
			if err != nil || next == "" {
				t.Fatalf("%s: next %q, %v", name, next, err)
			}
			cursors[name] = next
		}
		cursors["bare ID"] = "o2"
		for name, f := range lists {
			for cname, cur := range cursors {
				f.After = cur
				_, _, err := db.Documents(ctx, f)
				if mismatch := cname != name && !(name == "created" && cname == "bare ID"); mismatch != (workflow.ErrorCode(err) == workflow.EINVALID && workflow.ErrorField(err) == "cursor") {
					t.Errorf("the %s list after the %s list's cursor %q: %v", name, cname, cur, err)
				}
			}
		}
	})
}
