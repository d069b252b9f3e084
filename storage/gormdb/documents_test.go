package gormdb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// subjects, each with its hand-written unaccented lowercase form (the
// expectation of the search tests does not use Fold).
var subjects = []struct{ subject, plain string }{
	{"Về việc họp giao ban UBND quận Bình Thủy", "ve viec hop giao ban ubnd quan binh thuy"},
	{"KẾ HOẠCH PHÒNG CHỐNG BÃO NĂM 2026 TẠI BÌNH THỦY", "ke hoach phong chong bao nam 2026 tai binh thuy"},
	{"Thông báo nghỉ lễ Quốc khánh", "thong bao nghi le quoc khanh"},
	{"binh thuy khong dau", "binh thuy khong dau"},
	{"Sửa chữa đường Lê Hồng Phong", "sua chua duong le hong phong"},
	{"Phân bổ 100% ngân sách", "phan bo 100% ngan sach"},
	{"Danh sách 100 người", "danh sach 100 nguoi"},
	{"Mã a_c trong hệ thống", "ma a_c trong he thong"},
	{"Mã abc trong hệ thống", "ma abc trong he thong"},
	{"Tờ trình về Thủy lợi ở Bình Minh", "to trinh ve thuy loi o binh minh"},
}

var (
	states = []workflow.State{workflow.Received, workflow.Registered, workflow.Draft, workflow.InReview}
	types  = []workflow.DocType{workflow.CongVan, "QĐ", "TB", "KH", "TTr"}
	people = []string{"u1", "u2", "u3"}
	// numbers are senders' numbers and notations, one a prefix of another
	// (an exact match, not a LIKE).
	numbers = []string{"12/UBND-VP", "12/UBND-VPx", "112/UBND-VP", "88/STC-NS"}
	// senders are the agencies the documents come from (an outgoing
	// document keeps one too, which the sender filter leaves out).
	senders = []workflow.Org{{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}, {OrgID: "000.00.12.H13", Name: "Sở Tài chính"}}
)

// seed creates n documents with every property cycling independently.
func seed(tb testing.TB, db *gormdb.DB, n int) []*workflow.Document {
	tb.Helper()
	var docs []*workflow.Document
	for i := range n {
		d := incomingDoc(docID(i), i*60) // one hour apart
		if i%2 == 1 {
			d.Direction = workflow.Outgoing
		}
		d.State = states[i%len(states)]
		d.Type = types[i%len(types)]
		d.Subject = subjects[i%len(subjects)].subject
		d.OriginalNumber = numbers[i%len(numbers)]
		d.Sender = &senders[(i/5)%len(senders)]
		if (i/2)%3 == 0 {
			// Received over the exchange (an outgoing one never is).
			d.ExternalID = "EXT-" + d.ID
		}
		if i%3 == 0 {
			d.Confidentiality = workflow.Confidential
		}
		if i%7 == 0 {
			d.Confidentiality = workflow.TopSecret
		}
		d.SignerID = people[i%3]
		d.AssigneeID = people[(i/3)%3]
		d.CreatedBy = people[(i/9)%3]
		docs = append(docs, d)
	}
	create(tb, db, docs...)
	return docs
}

// visible is the rule of DocumentFilter, written out independently.
func visible(d *workflow.Document, f workflow.DocumentFilter) bool {
	if f.SeeAll || d.Confidentiality == workflow.Public {
		return true
	}
	return f.ViewerID != "" && (d.SignerID == f.ViewerID || d.AssigneeID == f.ViewerID || d.CreatedBy == f.ViewerID)
}

func matches(i int, d *workflow.Document, f workflow.DocumentFilter, plainQuery string) bool {
	if f.Direction != "" && d.Direction != f.Direction ||
		f.State != "" && d.State != f.State ||
		f.Type != "" && d.Type != f.Type ||
		f.OriginalNumber != "" && d.OriginalNumber != f.OriginalNumber ||
		f.Source == workflow.SourceExchange && (d.Direction != workflow.Incoming || d.ExternalID == "") ||
		f.Source == workflow.SourceManual && (d.Direction != workflow.Incoming || d.ExternalID != "") ||
		f.Sender != "" && (d.Direction != workflow.Incoming || d.Sender.OrgID != f.Sender) ||
		f.From != nil && d.CreatedAt.Before(*f.From) ||
		f.To != nil && d.CreatedAt.After(*f.To) {
		return false
	}
	for _, w := range strings.Fields(plainQuery) {
		if !strings.Contains(subjects[i%len(subjects)].plain, w) {
			return false
		}
	}
	return visible(d, f)
}

func TestDocumentsFilter(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		docs := seed(t, db, 60)
		from, to := t0.Add(10*time.Hour), t0.Add(20*time.Hour) // inclusive: documents 10..20
		tests := []struct {
			name  string
			f     workflow.DocumentFilter
			plain string // the query as the expectation sees it
			min   int    // at least this many results (guards against vacuous cases)
		}{
			{"all", workflow.DocumentFilter{SeeAll: true}, "", 60},
			{"public only", workflow.DocumentFilter{}, "", 30},
			{"viewer u1", workflow.DocumentFilter{ViewerID: "u1"}, "", 35},
			{"viewer u3", workflow.DocumentFilter{ViewerID: "u3"}, "", 35},
			{"direction", workflow.DocumentFilter{Direction: workflow.Outgoing, SeeAll: true}, "", 30},
			{"state", workflow.DocumentFilter{State: workflow.Registered, SeeAll: true}, "", 15},
			{"type", workflow.DocumentFilter{Type: "QĐ", SeeAll: true}, "", 12},
			{"direction state type viewer", workflow.DocumentFilter{Direction: workflow.Incoming, State: workflow.Received, Type: workflow.CongVan, ViewerID: "u2"}, "", 2},
			{"original number, exactly", workflow.DocumentFilter{OriginalNumber: "12/UBND-VP", SeeAll: true}, "", 15},
			{"original number and direction", workflow.DocumentFilter{OriginalNumber: "88/STC-NS", Direction: workflow.Outgoing, SeeAll: true}, "", 15},
			{"received over the exchange", workflow.DocumentFilter{Source: workflow.SourceExchange, SeeAll: true}, "", 10},
			{"registered by hand", workflow.DocumentFilter{Source: workflow.SourceManual, SeeAll: true}, "", 20},
			{"sender", workflow.DocumentFilter{Sender: "000.00.12.H13", SeeAll: true}, "", 12},
			{"sender over the exchange, viewer", workflow.DocumentFilter{Sender: "000.00.12.H13", Source: workflow.SourceExchange, ViewerID: "u1"}, "", 2},
			{"manual with a date range", workflow.DocumentFilter{Source: workflow.SourceManual, From: &from, To: &to, SeeAll: true}, "", 3},
			{"date range inclusive", workflow.DocumentFilter{From: &from, To: &to, SeeAll: true}, "", 11},
			{"from only", workflow.DocumentFilter{From: &to, SeeAll: true}, "", 40},
			{"to only, in another zone", workflow.DocumentFilter{To: ptr(from.In(workflow.Vietnam)), SeeAll: true}, "", 11},
			{"unaccented query", workflow.DocumentFilter{Query: "binh thuy", SeeAll: true}, "binh thuy", 18},
			{"accented query", workflow.DocumentFilter{Query: "Bình Thủy", SeeAll: true}, "binh thuy", 18},
			{"upper case query", workflow.DocumentFilter{Query: "BÌNH THỦY", SeeAll: true}, "binh thuy", 18},
			{"words in any order", workflow.DocumentFilter{Query: "thủy bình", SeeAll: true}, "thuy binh", 24},
			{"đ folds to d", workflow.DocumentFilter{Query: "ĐƯỜNG", SeeAll: true}, "duong", 6},
			{"percent is literal", workflow.DocumentFilter{Query: "100%", SeeAll: true}, "100%", 6},
			{"underscore is literal", workflow.DocumentFilter{Query: "a_c", SeeAll: true}, "a_c", 6},
			{"query and viewer", workflow.DocumentFilter{Query: "binh thuy", ViewerID: "u2"}, "binh thuy", 10},
			{"no match", workflow.DocumentFilter{Query: "không có", SeeAll: true}, "khong co", 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var want []string
				for i, d := range docs {
					if matches(i, d, tt.f, tt.plain) {
						want = append(want, d.ID)
					}
				}
				slices.Sort(want)
				slices.Reverse(want)
				if len(want) < tt.min {
					t.Fatalf("test data gives only %d matches, want at least %d", len(want), tt.min)
				}
				f := tt.f
				f.Limit = 1000
				got, next, err := db.Documents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if next != "" {
					t.Errorf("next cursor %q on the only page", next)
				}
				if ids := idsOf(got); !slices.Equal(ids, want) {
					t.Errorf("got  %v\nwant %v", ids, want)
				}
				if n, err := db.CountDocuments(ctx, tt.f); err != nil || n != len(want) {
					t.Errorf("CountDocuments = %d, %v; want %d", n, err, len(want))
				}
			})
		}

		t.Run("Paging", func(t *testing.T) {
			for _, f := range []workflow.DocumentFilter{
				{SeeAll: true},
				{ViewerID: "u1"},
				{Query: "binh", Direction: workflow.Incoming, SeeAll: true},
				{Source: workflow.SourceExchange, SeeAll: true},
				{Source: workflow.SourceManual, Sender: "000.00.00.H13", ViewerID: "u2"},
			} {
				all, _, err := db.Documents(ctx, workflow.DocumentFilter{Query: f.Query, Direction: f.Direction, Source: f.Source, Sender: f.Sender,
					ViewerID: f.ViewerID, SeeAll: f.SeeAll, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				for _, limit := range []int{1, 2, 7, len(all) - 1, len(all), len(all) + 1} {
					t.Run(fmt.Sprintf("%+v/limit=%d", f, limit), func(t *testing.T) {
						var ids []string
						f := f
						f.Limit, f.After = limit, ""
						for pages := 0; ; pages++ {
							if pages > len(all)+1 {
								t.Fatal("paging does not end")
							}
							page, next, err := db.Documents(ctx, f)
							if err != nil {
								t.Fatal(err)
							}
							if len(page) > limit {
								t.Fatalf("page of %d > limit %d", len(page), limit)
							}
							ids = append(ids, idsOf(page)...)
							if next == "" {
								break
							}
							if len(page) != limit {
								t.Fatalf("short page of %d with a next cursor", len(page))
							}
							f.After = next
						}
						if want := idsOf(all); !slices.Equal(ids, want) {
							t.Errorf("pages gave %v\nwant %v", ids, want)
						}
					})
				}
			}
		})
		t.Run("DefaultLimit", func(t *testing.T) {
			got, next, err := db.Documents(ctx, workflow.DocumentFilter{SeeAll: true})
			if err != nil {
				t.Fatal(err)
			}
			last := got[len(got)-1]
			if len(got) != gormdb.DefaultLimit || next != (workflow.ListCursor{At: last.CreatedAt, ID: last.ID}).String() {
				t.Errorf("got %d documents, next %q", len(got), next)
			}
		})
	})
}

func idsOf(docs []*workflow.Document) []string {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids
}
