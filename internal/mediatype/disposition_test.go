package mediatype

import (
	"mime"
	"strings"
	"testing"
)

func TestDisposition(t *testing.T) {
	for _, tc := range []struct {
		name, disp, file, ascii string
	}{
		{"Vietnamese", "attachment", "05-QĐ-UBND Quyết định Phê duyệt kế hoạch.pdf", "05-QD-UBND Quyet dinh Phe duyet ke hoach.pdf"},
		{"Vietnamese/capitals and đ", "inline", "ĐƠN ĐỀ NGHỊ Ủy ban đồng ý.pdf", "DON DE NGHI Uy ban dong y.pdf"},
		{"Vietnamese/decomposed", "attachment", "Quye\u0302\u0301t đi\u0323nh.pdf", "Quyet dinh.pdf"},
		{"ASCII", "attachment", "bao-cao.xlsx", "bao-cao.xlsx"},
		{"ASCII/quotes and spaces", "attachment", `Bao cao "quy 4".pdf`, `Bao cao "quy 4".pdf`},
		{"nothing ASCII", "attachment", "文件.pdf", "tep.pdf"},
		{"other scripts kept in filename*", "attachment", "Báo cáo – 2026 №1.pdf", "Bao cao 2026 1.pdf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Disposition(tc.disp, tc.file)
			disp, params, err := mime.ParseMediaType(h)
			if err != nil || disp != tc.disp || params["filename"] != tc.file {
				t.Errorf("%q parses as %q %q, %v; want %q %q", h, disp, params["filename"], err, tc.disp, tc.file)
			}
			// A client that does not read filename* takes filename.
			plain, _, star := strings.Cut(h, "; filename*=")
			_, params, err = mime.ParseMediaType(plain)
			if err != nil || params["filename"] != tc.ascii {
				t.Errorf("%q: filename %q, %v; want %q", h, params["filename"], err, tc.ascii)
			}
			if star != (tc.ascii != tc.file) {
				t.Errorf("%q: filename* written %v, want %v", h, star, tc.ascii != tc.file)
			}
		})
	}
}
