package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

type anchorSource func(ctx context.Context) ([]workflow.AuditAnchor, error)

func (f anchorSource) AuditAnchors(ctx context.Context) ([]workflow.AuditAnchor, error) {
	return f(ctx)
}

// The audit page says in Vietnamese what the anchors found: how many
// agree, an anchor the chain disagrees with, a restore, forged objects.
func TestAuditPageAnchors(t *testing.T) {
	e := newTestEnv(t)
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, workflow.Vietnam)
	var extra []workflow.AuditAnchor
	e.docs.Anchors = anchorSource(func(ctx context.Context) ([]workflow.AuditAnchor, error) {
		var first workflow.Event
		e.repo.WalkEvents(ctx, func(ev workflow.Event) error {
			if ev.Seq == 1 {
				first = ev
			}
			return nil
		})
		return append([]workflow.AuditAnchor{{Key: "audit/anchors/1.p7m", Seq: 1, Hash: first.Hash, At: at},
			{Key: "audit/anchors/gia.p7m", Rejected: "not signed by the agency's certificate"}}, extra...), nil
	})
	admin := e.login("quantri")
	p := admin.get("/admin/audit")
	if !strings.Contains(p.Body, "2 mốc, 1 khớp với chuỗi") || !strings.Contains(p.Body, "1 đối tượng trong thư mục mốc neo không có chữ ký hợp lệ") {
		t.Fatalf("intact chain:\n%s", p.Body)
	}
	extra = []workflow.AuditAnchor{{Key: "audit/anchors/2.p7m", Seq: 2, Hash: "ee", At: at}}
	if p = admin.get("/admin/audit"); !strings.Contains(p.Body, "không toàn vẹn") || !strings.Contains(p.Body, "mốc neo audit/anchors/2.p7m") ||
		!strings.Contains(p.Body, "sự kiện số 2") {
		t.Fatalf("rewritten chain:\n%s", p.Body)
	}
	extra = []workflow.AuditAnchor{{Key: "audit/anchors/900.p7m", Seq: 900, Hash: "ff", At: at}}
	if p = admin.get("/admin/audit"); !strings.Contains(p.Body, "khôi phục từ một bản sao lưu cũ hơn") || !strings.Contains(p.Body, "vanthu audit anchor --restored") {
		t.Fatalf("restored chain:\n%s", p.Body)
	}
	// The chain records an anchor the store does not hold.
	extra = nil
	if _, err := e.docs.RecordAnchor(context.Background(), workflow.AuditAnchor{Key: "audit/anchors/da-xoa.p7m", Seq: 1, Hash: "ab", At: at}); err != nil {
		t.Fatal(err)
	}
	if p = admin.get("/admin/audit"); !strings.Contains(p.Body, "không toàn vẹn") || !strings.Contains(p.Body, "Thiếu mốc neo:</span> 1 mốc") ||
		!strings.Contains(p.Body, "mốc neo audit/anchors/da-xoa.p7m của sự kiện số 1") {
		t.Fatalf("anchor missing:\n%s", p.Body)
	}
}
