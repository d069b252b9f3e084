package gormdb_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// subjectWords are the words of the generated subjects: Vietnamese with
// its marks (precomposed and, for "Thủy", decomposed; "thuỷ", "hoá" with
// the mark on the other vowel), capitals, đ, digits, and the characters
// that LIKE and FTS5's queries treat specially.
var subjectWords = strings.Fields("Về việc tổ chức hội nghị Bình Thủy bình thuỷ BÌNH Thu\u0309y Quyết định QUYẾT ĐỊNH Ủy ban nhân dân " +
	"phường Cái Răng Ninh Kiều Ô Môn đất đai Đắk Lắk giải phóng mặt bằng ngân sách thuế năm 2026 xã hội hoá hóa khỏe khoẻ " +
	`100% tỷ_lệ a\b "trích" yếu`)

// subjectQueries are the searches compared: one word, several, every
// spelling of a word, words of fewer than three characters (alone and
// with longer ones), words in no subject, and special characters.
var subjectQueries = []string{"binh", "Bình Thủy", "BINH THUY", "thuỷ", "Thủy", "hoa", "khoe", "đất", "dat dai", "Đắk Lắk",
	"100%", "%", "_", "tỷ_lệ", `a\b`, `"trich"`, `"`, "nh", "ô", "o mon", "ng ban", "2026", "quyet dinh ubnd", "xyzzy",
	"ủy ban", "viec", "hội nghị năm", "ninh kieu cai rang", "uy ban nhan dan phuong", "yeu", "a\x00bc", "\xffxyz"}

// subjectCorpus creates n documents with random subjects of
// subjectWords and random directions, states, types, classification,
// parties and creation times (a third share their time with another),
// inserted in an order other than the list's, so that the index's rowids
// are not in the list's order either.
func subjectCorpus(t *testing.T, db *gormdb.DB, n int, seed uint64) []*workflow.Document {
	rng := rand.New(rand.NewPCG(seed, 1))
	states := []workflow.State{workflow.Received, workflow.Registered, workflow.Assigned, workflow.Archived, workflow.Draft, workflow.Issued}
	types := []workflow.DocType{"CV", "QĐ", "TB", "KH"}
	conf := []workflow.Confidentiality{workflow.Public, workflow.Public, workflow.Public, workflow.Confidential, workflow.Secret}
	people := []string{"u-a", "u-b", "u-c", ""}
	docs := make([]*workflow.Document, n)
	for i, k := range rng.Perm(n) {
		d := incomingDoc(fmt.Sprintf("s%05d", k), 0)
		d.CreatedAt = t0.Add(-time.Duration(k/3*7) * time.Minute)
		d.UpdatedAt = d.CreatedAt
		words := make([]string, 2+rng.IntN(9))
		for j := range words {
			words[j] = subjectWords[rng.IntN(len(subjectWords))]
		}
		d.Subject = strings.Join(words, " ")
		if rng.IntN(3) == 0 {
			d.Direction = workflow.Outgoing
		}
		d.State, d.Type = states[rng.IntN(len(states))], types[rng.IntN(len(types))]
		d.Confidentiality = conf[rng.IntN(len(conf))]
		d.SignerID, d.AssigneeID, d.CreatedBy = people[rng.IntN(4)], people[rng.IntN(4)], people[rng.IntN(4)]
		docs[i] = d
	}
	for i := 0; i < n; i += 200 {
		create(t, db, docs[i:min(i+200, n)]...)
	}
	return docs
}

// subjectFilters are the list's filters the searches are combined with.
func subjectFilters() []workflow.DocumentFilter {
	from, to := t0.Add(-40*time.Hour), t0.Add(-10*time.Hour)
	return []workflow.DocumentFilter{
		{SeeAll: true},
		{Direction: workflow.Incoming, SeeAll: true},
		{Direction: workflow.Outgoing, State: workflow.Archived, SeeAll: true},
		{State: workflow.Received, Type: "QĐ", SeeAll: true},
		{From: &from, To: &to, SeeAll: true},
		{From: &from, ViewerID: "u-a"},
		{ViewerID: "u-b", Direction: workflow.Incoming},
		{}, // no viewer: unclassified documents only
	}
}

// walkList reads the pages of f (at most pages of them) by list,
// returning the IDs of each page and its next cursor.
func walkList(t *testing.T, f workflow.DocumentFilter, pages int,
	list func(workflow.DocumentFilter) ([]*workflow.Document, string, error)) []string {
	t.Helper()
	var out []string
	for range pages {
		docs, next, err := list(f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		ids := make([]string, len(docs))
		for i, d := range docs {
			ids[i] = d.ID
		}
		out = append(out, strings.Join(ids, ",")+" → "+next)
		if next == "" {
			break
		}
		f.After = next
	}
	return out
}

// TestSubjectSearchSameAsScan: on a generated corpus, every search of
// subjectQueries with every filter of subjectFilters, at page sizes 1 to
// 50 and on through their cursors, reads the same pages — the same
// documents in the same order, the same cursors — by the scan (the query
// before documents_subject_fts), by the index's plan, and as Documents
// chooses. Some searches must find something under every filter, and
// some nothing.
func TestSubjectSearchSameAsScan(t *testing.T) {
	db := gormdbtest.Open(t, gormdb.SQLite)
	ctx := context.Background()
	subjectCorpus(t, db, 1000, 7)
	plans := map[string]func(workflow.DocumentFilter) ([]*workflow.Document, string, error){
		"index": func(f workflow.DocumentFilter) ([]*workflow.Document, string, error) {
			return gormdb.DocumentsPlanned(ctx, db, f, true)
		},
		"chosen": func(f workflow.DocumentFilter) ([]*workflow.Document, string, error) { return db.Documents(ctx, f) },
	}
	scan := func(f workflow.DocumentFilter) ([]*workflow.Document, string, error) {
		return gormdb.DocumentsPlanned(ctx, db, f, false)
	}
	found, empty, compared := 0, 0, 0
	for qi, q := range subjectQueries {
		for fi, f := range subjectFilters() {
			f.Query = q
			// Every size, a few pages; one size but 1 (cycling) to the end.
			for si, size := range []int{1, 3, 20, 50, 0} {
				f.Limit = size
				pages := 4
				if si == 1+(qi+fi)%4 {
					pages = 1000
				}
				want := walkList(t, f, pages, scan)
				if strings.HasPrefix(want[0], " → ") {
					empty++
				} else {
					found++
				}
				for name, list := range plans {
					if got := walkList(t, f, pages, list); !slices.Equal(got, want) {
						t.Errorf("%s %q %+v: pages differ from the scan's\n got %q\nwant %q", name, q, f, got, want)
					}
					compared++
				}
			}
		}
	}
	t.Logf("%d walks compared; %d found something, %d nothing", compared, found, empty)
	if found < len(subjectQueries)*20 || empty < 40 {
		t.Errorf("the corpus does not test both: %d walks found something, %d nothing", found, empty)
	}
}

// TestSubjectPlanChoice: the index's plan is chosen when few subjects
// match and the scan when many do — and it is the index's plan that reads
// few rows (a scan of every row finds the rare subject last).
func TestSubjectPlanChoice(t *testing.T) {
	if got := gormdb.SubjectMatch("Bình ủy"); got != `"bin" AND "inh"` {
		t.Errorf("SubjectMatch(Bình ủy) = %s", got)
	}
	if got := gormdb.SubjectMatch(`a"bc ng`); got != `"a""b" AND """bc"` {
		t.Errorf(`SubjectMatch(a"bc ng) = %s`, got)
	}
	if got := gormdb.SubjectMatch("a\x00bc \xffxyz"); got != `"xyz"` {
		t.Errorf(`SubjectMatch with NUL and not UTF-8 = %s`, got)
	}
	if b := gormdb.SubjectBound(51, 300000); b < 1000 || b > 5000 {
		t.Errorf("SubjectBound(51, 300000) = %d", b)
	}
	ctx := context.Background()
	var log strings.Builder
	db, err := gormdb.Open(ctx, "", t.TempDir(), slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug - 4})))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	docs := make([]*workflow.Document, 0, 2000)
	for i := range 2000 {
		d := incomingDoc(fmt.Sprintf("p%05d", i), i)
		d.Subject = "Về việc tổ chức hội nghị"
		if i == 0 {
			d.Subject += " Bình Thủy" // the oldest: a scan reads every row to find it
		}
		docs = append(docs, d)
	}
	create(t, db, docs...)
	for _, tc := range []struct {
		query        string
		probe, index bool
	}{{"binh thuy", true, true}, {"viec", true, false}, {"ng", false, false}, {"ng viec", true, false}} {
		log.Reset()
		got, _, err := db.Documents(ctx, workflow.DocumentFilter{Query: tc.query, SeeAll: true, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Errorf("%q: nothing found", tc.query)
		}
		if probed := strings.Contains(log.String(), "FROM documents_subject_fts WHERE documents_subject_fts MATCH ? LIMIT ?)") ||
			strings.Contains(log.String(), "ORDER BY rowid DESC LIMIT ?)"); probed != tc.probe {
			t.Errorf("%q: the index probed %v, want %v:\n%s", tc.query, probed, tc.probe, log.String())
		}
		if sel := strings.Contains(log.String(), "IN (SELECT rowid FROM documents_subject_fts"); sel != tc.index {
			t.Errorf("%q: the page read through the index %v, want %v:\n%s", tc.query, sel, tc.index, log.String())
		}
	}
}

// ftsIntegrity runs FTS5's check of documents_subject_fts against
// documents (every row's trigrams, and no others): an error if they
// differ.
func ftsIntegrity(db *gormdb.DB) error {
	return db.Gorm().Exec(`INSERT INTO documents_subject_fts(documents_subject_fts, rank) VALUES ('integrity-check', 1)`).Error
}

// TestSubjectFTSKeptInSync: documents created, their subjects changed, and
// documents deleted leave documents_subject_fts as documents is — FTS5's
// integrity check passes, and searches for old and new subjects read the
// same pages by the index as by the scan — also in a copy made by VACUUM
// INTO (vanthu backup).
func TestSubjectFTSKeptInSync(t *testing.T) {
	db := gormdbtest.Open(t, gormdb.SQLite)
	ctx := context.Background()
	docs := subjectCorpus(t, db, 300, 3)
	for i, d := range docs[:60] {
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			cur, err := tx.LockDocument(ctx, d.ID)
			if err != nil {
				return err
			}
			prev := cur.Version
			cur.Version++
			if i%2 == 0 {
				cur.Subject = "Kế hoạch phòng chống dịch bệnh số " + fmt.Sprint(i)
			} else {
				cur.State = workflow.Registered // the subject as it was
			}
			return tx.UpdateDocument(ctx, cur, prev)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range docs[60:90] {
		if err := db.Gorm().Exec("DELETE FROM documents WHERE id = ?", d.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, db *gormdb.DB) {
		if err := ftsIntegrity(db); err != nil {
			t.Errorf("documents_subject_fts differs from documents: %v", err)
		}
		for _, q := range append([]string{"phong chong dich", "dịch bệnh số 12", "so 4"}, subjectQueries...) {
			f := workflow.DocumentFilter{Query: q, SeeAll: true, Limit: 500}
			docs, _, err := gormdb.DocumentsPlanned(ctx, db, f, false)
			if err != nil {
				t.Fatal(err)
			}
			if q == "phong chong dich" && len(docs) != 30 {
				t.Errorf("%q: %d documents, want the 30 renamed", q, len(docs))
			}
			want := walkList(t, f, 1, func(f workflow.DocumentFilter) ([]*workflow.Document, string, error) { return docs, "", nil })
			got := walkList(t, f, 1, func(f workflow.DocumentFilter) ([]*workflow.Document, string, error) {
				return gormdb.DocumentsPlanned(ctx, db, f, true)
			})
			if !slices.Equal(got, want) {
				t.Errorf("%q: the index's plan read %q, the scan %q", q, got, want)
			}
		}
	}
	check(t, db)
	dir := t.TempDir()
	if err := db.Gorm().Exec("VACUUM INTO ?", filepath.Join(dir, "vanthu.db")).Error; err != nil {
		t.Fatal(err)
	}
	copied, err := gormdb.Open(ctx, "", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	t.Run("VACUUM INTO", func(t *testing.T) { check(t, copied) })
}

// TestSubjectFTSMigration: migration 17 indexes the documents a database
// already holds (written with the schema before numbered migrations, then
// migrated), and searches read them through the index.
func TestSubjectFTSMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := gormdb.Connect(ctx, "", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := gormdb.CreatePreMigrationsSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"Về việc Bình Thủy", "Quyết định giải phóng mặt bằng", "Kế hoạch năm 2026 của phường Bình Thủy"} {
		d := incomingDoc(fmt.Sprintf("old-%d", i), i)
		d.Subject = s
		if err := gormdb.CreateV1Document(ctx, db, d); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = gormdb.Open(ctx, "", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := ftsIntegrity(db); err != nil {
		t.Errorf("after the migration: %v", err)
	}
	got, _, err := gormdb.DocumentsPlanned(ctx, db, workflow.DocumentFilter{Query: "binh thuy", SeeAll: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "old-2" || got[1].ID != "old-0" {
		t.Errorf("search of the migrated documents through the index: %v", got)
	}
}
