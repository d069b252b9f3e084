package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestEvidenceJobOnSignedDocument: a document signed in two layers with
// the development PKI, issued and archived through the server, gets its
// first archive time-stamp from the scheduled renewal job (built-in
// authority); GET /archive/{id}/evidence then lists the chain and the
// signatures re-validated as of the time-stamp; the CLI agrees, and says
// the evidence expired when asked as of 2100.
func TestEvidenceJobOnSignedDocument(t *testing.T) {
	s := startServer(t, map[string]string{"VANTHU_EVIDENCE_INTERVAL": "200ms"})
	ids := addUsers(t, s, [4]string{"clerk", "Lê Thị Văn Thư", "Chức vụ", "clerk"},
		[4]string{"officer", "Trần Văn Quyết", "Chức vụ", "officer"}, [4]string{"handler", "Phạm Thị Chuyên", "Chức vụ", "handler"})
	clerk, officer, handler := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer"), s.login(t, "handler", "password-handler")
	id, _ := issueOutgoing(t, handler, officer, clerk, map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định lưu trữ vĩnh viễn",
		"signer_id": ids["officer"], "recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}},
		testpdf.Make(1, "Quyet dinh"))
	if doc := clerk.act(id, "archive", nil); doc["state"] != "archived" {
		t.Fatalf("archive: %v", doc)
	}

	type report struct {
		Verdict    string
		Reasons    []string
		TimeStamps []struct {
			Seq     int
			Trusted bool
		} `json:"time_stamps"`
		Document *struct{ Verdict string }
	}
	var r report
	deadline := time.Now().Add(20 * time.Second)
	for {
		r = report{}
		if code := clerk.call("GET", "/api/v1/archive/"+id+"/evidence", nil, &r); code != 200 {
			t.Fatalf("evidence: %d", code)
		}
		if len(r.TimeStamps) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("evidence of the issued document: %+v", r)
	if len(r.TimeStamps) != 1 || !r.TimeStamps[0].Trusted || r.Document == nil {
		t.Fatalf("the job added no trusted time-stamp: %+v", r)
	}
	reasons := strings.Join(r.Reasons, "\n")
	if !strings.Contains(reasons, "includes document.pdf") || !strings.Contains(reasons, "the time of archive time-stamp 0") {
		t.Fatalf("reasons:\n%s", reasons)
	}
	env := map[string]string{"VANTHU_DATA_DIR": s.dir, "VANTHU_LOG_LEVEL": "error"}
	code, out, stderr := runCLI(t, env, "archive", "verify", id)
	if !strings.Contains(out, "time-stamp 0 (") || !strings.Contains(out, "document.pdf validated as of") {
		t.Fatalf("verify: exit %d\n%s\n%s", code, out, stderr)
	}
	if (code == 0) != (r.Verdict == "valid") {
		t.Fatalf("verify exit %d, API verdict %s", code, r.Verdict)
	}
	code, out, _ = runCLI(t, env, "archive", "verify", "--at", "2100-01-01T00:00:00Z", id)
	if code != 1 || !strings.Contains(out, "the evidence expired") {
		t.Fatalf("verify in 2100: exit %d\n%s", code, out)
	}
}
