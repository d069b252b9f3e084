package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestIntegrationBrowserNotationOnOneLine: a number and notation of a
// district's autumn — four digits, a unit's abbreviation (2827/HD-UBND,
// 219/UBND-TNMT) — stays on one line in Văn bản đến at 1366 and 1024 px;
// it read "2827/HD-" above "UBND" in the lists, the archive's search and
// Tiêu hủy tài liệu, which the column's width had been set for
// "106/UBND-VP" (walk 12).
func TestIntegrationBrowserNotationOnOneLine(t *testing.T) {
	s := startServer(t, nil)
	addUsers(t, s, [4]string{"clerk", "Lê Thị Văn Thư", "Văn thư", "clerk"})
	clerk := s.login(t, "clerk", "password-clerk")
	for i, n := range []string{"2827/HD-UBND", "219/UBND-TNMT", "1184/QĐ-UBND", "3001/UBND-VP"} {
		if _, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "urgency": "normal", "confidentiality": "normal",
			"subject":         fmt.Sprintf("Về việc giải quyết đơn kiến nghị của công dân phường Long Hòa về bồi thường, hỗ trợ tái định cư số %d", i),
			"original_number": n, "original_date": "2026-11-20",
			"sender": map[string]any{"org_id": "000.01.00.H13", "name": "Sở Tài nguyên và Môi trường thành phố Cần Thơ"}}, testpdf.Make(1, "Cong van")); code != 201 {
			t.Fatalf("upload %s: %d", n, code)
		}
	}
	b := StartBrowser(t, s.base)
	b.As("clerk", "password-clerk")
	for _, w := range []int64{1366, 1024} {
		b.Run(chromedp.EmulateViewport(w, 800))
		b.Go("/incoming")
		for _, p := range Get(b, chromedp.Evaluate[[]string](fmt.Sprintf("(%s)(%d)", shotProblems, w))) {
			if strings.HasPrefix(p, "a number and notation split") {
				t.Errorf("%d px: %s", w, p)
			}
		}
		b.Shot(fmt.Sprintf("incoming-%d", w))
	}
}
