package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// listedArchive has expired records, some on lists.
type listedArchive struct {
	disposalArchive
	lists []*workflow.Disposal
	recs  []*archive.Record
}

func (a *listedArchive) Expired(context.Context, *workflow.User, archive.Query) ([]*archive.Record, string, error) {
	return a.recs, "", nil
}
func (a *listedArchive) DisposalList(context.Context, *workflow.User, workflow.DisposalState) ([]*workflow.Disposal, error) {
	return a.lists, nil
}

// TestExpiredRecordsSayTheirList: on Tiêu hủy tài liệu an expired record
// already on a list waiting for the head's decision or for its run names
// that list, linked, and has no box to tick; one on a rejected list, or
// on none, has its box. Before, the records just proposed came first
// again, unmarked, and were proposed a second time (walk 12, the
// archivist at year end).
func TestExpiredRecordsSayTheirList(t *testing.T) {
	e := newTestEnv(t)
	due := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	rec := func(id, notation string) *archive.Record {
		return &archive.Record{DocumentID: id, Notation: notation, Subject: "Về việc " + notation, Class: archive.Class5y, RetainUntil: due}
	}
	item := func(id string) workflow.DisposalItem {
		return workflow.DisposalItem{DocumentID: id, Class: archive.Class5y, RetainUntil: due}
	}
	a := &listedArchive{recs: []*archive.Record{rec("d1", "01/TB-UBND"), rec("d2", "02/TB-UBND"), rec("d3", "03/TB-UBND"), rec("d4", "04/TB-UBND")},
		lists: []*workflow.Disposal{
			{ID: "L1", Title: "Tiêu hủy năm 2026 (đợt 1)", State: workflow.DisposalProposed, Items: []workflow.DisposalItem{item("d1")}},
			{ID: "L2", Title: "Tiêu hủy năm 2026 (đợt 2)", State: workflow.DisposalApproved, Items: []workflow.DisposalItem{item("d2")}},
			{ID: "L0", Title: "Đợt không duyệt", State: workflow.DisposalRejected, Items: []workflow.DisposalItem{item("d3")}},
		}}
	a.d = a.lists[0]
	e.remount(t, Config{Archive: a})
	p := e.login("luutru").get("/disposals")
	for _, tc := range []struct {
		id, list string
	}{{"d1", "L1"}, {"d2", "L2"}, {"d3", ""}, {"d4", ""}} {
		i := strings.Index(p.Body, `<a href="/archive/`+tc.id+`">`)
		if i < 0 {
			t.Fatalf("%s is not listed:\n%s", tc.id, p.Body)
		}
		row := p.Body[strings.LastIndex(p.Body[:i], "<tr>"):i]
		box := strings.Contains(row, `name="record" value="`+tc.id+`"`)
		named := strings.Contains(row, `Đã có trong danh mục <a href="/disposals/`+tc.list+`">`)
		if tc.list != "" && (box || !named) {
			t.Errorf("%s, on %s: a box %v, the list named %v\n%s", tc.id, tc.list, box, named, row)
		}
		if tc.list == "" && (!box || strings.Contains(row, "Đã có trong danh mục")) {
			t.Errorf("%s, on no waiting list: a box %v\n%s", tc.id, box, row)
		}
	}
	if !strings.Contains(p.Body, "(Đã có quyết định tiêu hủy, chờ tiêu hủy)") {
		t.Error("the approved list's state is not said")
	}
}
