package workflow_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vanthu/vanthu/workflow"
)

func TestDownloadName(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	issued := t0.Add(3 * time.Hour)
	file := func(sha, name string, kind workflow.FileKind, at time.Time) workflow.File {
		return workflow.File{SHA256: sha, Name: name, Kind: kind, Size: 10, CreatedAt: at}
	}
	draft, l1, l2 := file("a1", "duthao.pdf", workflow.FileMain, t0), file("a2", "duthao.signed-l1.pdf", workflow.FileSigned, t0.Add(time.Hour)),
		file("a3", "duthao.signed.pdf", workflow.FileSigned, issued)
	att, attSigned := file("b1", "Phụ lục 1.XLSX", workflow.FileAttachment, t0), file("b2", "Phụ lục 1.XLSX", workflow.FileAttachment, issued)
	scan, scan2 := file("c1", "scan.pdf", workflow.FileAttachment, t0), file("c2", "SCAN.pdf", workflow.FileAttachment, t0)
	issuedQD := &workflow.Document{Direction: workflow.Outgoing, Type: "QĐ", Subject: "Phê duyệt kế hoạch", Notation: "05/QĐ-UBND", Number: 5,
		IssuedAt: &issued, Files: []workflow.File{draft, l1, att, l2, attSigned}}
	incoming := &workflow.Document{Direction: workflow.Incoming, Type: "CV", Subject: "Về việc  báo cáo\tquý IV", OriginalNumber: "123/UBND-VP",
		Number: 15, Files: []workflow.File{file("d1", "document.pdf", workflow.FileMain, t0)}}
	long := strings.Repeat("Phê duyệt kế hoạch sử dụng đất ", 8)
	for _, tc := range []struct {
		name string
		doc  *workflow.Document
		file workflow.File
		want string
	}{
		{"outgoing/issued", issuedQD, l2, "05-QĐ-UBND Quyết định Phê duyệt kế hoạch.pdf"},
		{"outgoing/its draft", issuedQD, draft, "05-QĐ-UBND Quyết định Phê duyệt kế hoạch (dự thảo).pdf"},
		{"outgoing/layer 1", issuedQD, l1, "05-QĐ-UBND Quyết định Phê duyệt kế hoạch (bản ký lần 1).pdf"},
		{"outgoing/signed attachment", issuedQD, attSigned, "05-QĐ-UBND Phụ lục 1 - Quyết định Phê duyệt kế hoạch.xlsx"},
		{"outgoing/attachment before issue", issuedQD, att, "05-QĐ-UBND Phụ lục 1 - Quyết định Phê duyệt kế hoạch (dự thảo).xlsx"},
		{"object of another kind/its own name", issuedQD, file("m", "metadata.json", "record", issued),
			"05-QĐ-UBND metadata - Quyết định Phê duyệt kế hoạch.json"},
		{"incoming/sender's notation", incoming, incoming.Files[0], "123-UBND-VP Công văn Về việc báo cáo quý IV.pdf"},
		{"incoming/registered, no notation", &workflow.Document{Direction: workflow.Incoming, Type: "TB", Subject: "Thông báo lịch họp", Number: 15},
			file("e", "x.pdf", workflow.FileMain, t0), "Văn bản đến số 15 Thông báo lịch họp.pdf"},
		{"incoming/not registered, nothing", &workflow.Document{Direction: workflow.Incoming},
			file("e", "x", workflow.FileMain, t0), "Văn bản đến"},
		{"draft", &workflow.Document{Direction: workflow.Outgoing, Type: "TTr", Subject: "Xin ý kiến về dự án"},
			file("f", "document.PDF", workflow.FileMain, t0), "Dự thảo Tờ trình Xin ý kiến về dự án.pdf"},
		{"draft/no subject", &workflow.Document{Direction: workflow.Outgoing, Type: "TB"},
			file("f", "scan0001.pdf", workflow.FileMain, t0), "Dự thảo Thông báo.pdf"},
		{"draft/no subject, no type", &workflow.Document{Direction: workflow.Outgoing},
			file("f", "scan0001.pdf", workflow.FileMain, t0), "Dự thảo.pdf"},
		{"draft/revised", &workflow.Document{Direction: workflow.Outgoing, Type: "KH", Subject: "Kế hoạch năm 2027",
			Files: []workflow.File{file("g1", "a.pdf", workflow.FileSuperseded, t0), file("g2", "a.pdf", workflow.FileMain, issued)}},
			file("g1", "a.pdf", workflow.FileSuperseded, t0), "Dự thảo Kế hoạch năm 2027 (dự thảo trước).pdf"},
		{"long subject/cut at a word", &workflow.Document{Direction: workflow.Outgoing, Type: "QĐ", Subject: long, Notation: "125/QĐ-UBND"},
			file("h", "a.pdf", workflow.FileMain, t0), "125-QĐ-UBND Quyết định Phê duyệt kế hoạch sử dụng đất Phê duyệt kế hoạch sử dụng.pdf"},
		{"long subject/one word", &workflow.Document{Direction: workflow.Outgoing, Subject: strings.Repeat("x", 300)},
			file("h", "a.pdf", workflow.FileMain, t0), "Dự thảo " + strings.Repeat("x", 72) + ".pdf"},
		{"Windows-forbidden characters", &workflow.Document{Direction: workflow.Outgoing, Type: "CV", Notation: "12/UBND-VP",
			Subject: "V/v \"A\\B\": xử lý <gấp>?|* \u202eđảo\x00 ."}, file("i", "x.pdf", workflow.FileMain, t0),
			"12-UBND-VP Công văn V-v A-B xử lý gấp đảo.pdf"},
		{"extension not one", &workflow.Document{Direction: workflow.Outgoing, Type: "BC", Subject: "Báo cáo"},
			file("j", "bao cao.tai lieu", workflow.FileMain, t0), "Dự thảo Báo cáo"},
		{"attachment/own name", &workflow.Document{Direction: workflow.Outgoing, Type: "BC", Subject: "Tổng kết năm", Files: []workflow.File{scan, scan2}},
			scan, "Dự thảo Phụ lục scan - Báo cáo Tổng kết năm.pdf"},
		{"attachment/same name, other case", &workflow.Document{Direction: workflow.Outgoing, Type: "BC", Subject: "Tổng kết năm", Files: []workflow.File{scan, scan2}},
			scan2, "Dự thảo Phụ lục SCAN - Báo cáo Tổng kết năm (2).pdf"},
		{"attachment/long own name", &workflow.Document{Direction: workflow.Outgoing, Notation: "7/TB-UBND", Type: "TB", Subject: "Lịch tiếp dân"},
			file("k", strings.Repeat("bảng ", 40)+".xlsx", workflow.FileAttachment, t0), "7-TB-UBND Phụ lục" + strings.Repeat(" bảng", 12) + ".xlsx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := workflow.DownloadName(tc.doc, tc.file)
			if got != tc.want {
				t.Errorf("DownloadName = %q, want %q", got, tc.want)
			}
			stem := strings.TrimSuffix(got, ".pdf")
			if n := utf8.RuneCountInString(stem); n == 0 || n > workflow.MaxDownloadStem+5 || strings.ContainsAny(got, "/\\:*?\"<>|\x00\u202e") {
				t.Errorf("%q: %d characters before the extension, or a character file systems refuse", got, n)
			}
		})
	}
}

// TestDownloadNamesDiffer: no two files of a document are downloaded
// under one name, whatever their kinds and stored names.
func TestDownloadNamesDiffer(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	issued := t0.Add(time.Hour)
	var files []workflow.File
	for i, k := range []workflow.FileKind{workflow.FileSuperseded, workflow.FileMain, workflow.FileSigned, workflow.FileWithdrawn,
		workflow.FileWithdrawn, workflow.FileSigned, workflow.FileSigned, workflow.FileAttachment, workflow.FileAttachment, workflow.FileAttachment} {
		at := t0
		if i > 7 {
			at = issued
		}
		files = append(files, workflow.File{SHA256: string(rune('a' + i)), Name: "tệp.pdf", Kind: k, CreatedAt: at})
	}
	d := &workflow.Document{Direction: workflow.Outgoing, Type: "QĐ", Subject: strings.Repeat("Quyết định dài ", 20), Notation: "5/QĐ-UBND",
		IssuedAt: &issued, Files: files}
	seen := map[string]int{}
	for i, f := range files {
		name := strings.ToLower(workflow.DownloadName(d, f))
		if j, ok := seen[name]; ok {
			t.Errorf("files %d and %d are both named %q", j, i, name)
		}
		seen[name] = i
		if n := utf8.RuneCountInString(strings.TrimSuffix(name, ".pdf")); n > workflow.MaxDownloadStem {
			t.Errorf("%q: %d characters before the extension", name, n)
		}
	}
}
