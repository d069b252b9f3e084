package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/verify"
)

// TestHostilePDFThroughAPI sends every hostile PDF (testpdf.Hostile) to
// POST /api/v1/verify and as an incoming document: each gets a JSON
// answer (a report, indeterminate with the reason for files past the
// verifier's limits; 422 with the reason at upload) and the server is
// still up afterwards. The server runs in a child process: before the
// limits, the first file ended it with a fatal stack overflow.
func TestHostilePDFThroughAPI(t *testing.T) {
	out, parent := testpdf.RunIsolated(t, func() string {
		s := startServer(t, nil)
		admin := s.login(t, "admin", "admin-password-1")
		if code := admin.call("POST", "/api/v1/users", map[string]any{"username": "clerk", "password": "password-clerk",
			"full_name": "Nguyễn Văn Clerk", "roles": []string{"clerk"}}, nil); code != 201 {
			t.Fatalf("create clerk: %d", code)
		}
		clerk := s.login(t, "clerk", "password-clerk")
		meta := map[string]any{"direction": "incoming", "type": "CV", "subject": "Hostile", "urgency": "normal", "confidentiality": "normal",
			"sender":          map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
			"original_number": "1/UBND", "original_date": "2026-11-20"}
		for _, tc := range testpdf.Hostile(verify.DefaultLimits.MaxSections) {
			pdf := tc.PDF()
			code, body := clerk.multipart("/api/v1/verify", nil, pdf)
			var rep struct {
				Verdict string   `json:"verdict"`
				Reasons []string `json:"reasons"`
			}
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			switch {
			case code == 200 && json.Unmarshal(body, &rep) == nil && rep.Verdict != "":
				if !tc.ReaderOnly && (rep.Verdict != verify.Indeterminate || !strings.Contains(strings.Join(rep.Reasons, " "), tc.Reason)) {
					t.Errorf("%s: /verify: %s %q, want indeterminate with %q", tc.Name, rep.Verdict, rep.Reasons, tc.Reason)
				}
			case code == 422 && json.Unmarshal(body, &e) == nil && e.Error.Code != "":
			default:
				t.Errorf("%s: /verify answered %d %.300s", tc.Name, code, body)
			}
			code, body = clerk.multipart("/api/v1/documents", meta, pdf)
			e.Error.Message = ""
			if tc.VerifierOnly {
				if code != 201 && code != 422 {
					t.Errorf("%s: incoming upload answered %d %.300s", tc.Name, code, body)
				}
				continue
			}
			if code != 422 || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error.Message, tc.Reason) {
				t.Errorf("%s: incoming upload answered %d %.300s, want 422 with %q", tc.Name, code, body, tc.Reason)
			}
		}
		if code := admin.call("GET", "/healthz", nil, nil); code != 200 {
			t.Errorf("healthz after the hostile files: %d", code)
		}
		return "done"
	})
	if parent && out != "done" {
		t.Errorf("child: %q", out)
	}
}

// multipart posts pdf as the part "file" (and meta as JSON in "meta" when
// set) and returns the status and body whatever they are.
func (c *client) multipart(path string, meta map[string]any, pdf []byte) (int, []byte) {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if meta != nil {
		if err := apitest.WriteJSONPart(w, "meta", meta); err != nil {
			c.t.Fatal(err)
		}
	}
	fw, _ := w.CreateFormFile("file", "hostile.pdf")
	fw.Write(pdf)
	w.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http().Do(req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
