package main

import (
	"net/http"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestIntegrationSignPasswordAPI: serve with VANTHU_SIGN_CONFIRM_API=
// password asks the API's sign and issue for the caller's password
// (403 without it, 401 wrong, done with it) and remembers it with the
// session in the database for VANTHU_SIGN_CONFIRM_TTL: the official's
// next signature sends none; a value other than off or password is
// refused at start.
func TestIntegrationSignPasswordAPI(t *testing.T) {
	if _, err := LoadConfig(newFlagSet(), nil, func(k string) string {
		return map[string]string{"VANTHU_SIGN_CONFIRM_API": "yes", "VANTHU_DATA_DIR": t.TempDir()}[k]
	}); err == nil {
		t.Error("VANTHU_SIGN_CONFIRM_API=yes accepted")
	}
	s := startServer(t, map[string]string{"VANTHU_SIGN_CONFIRM_API": "password"})
	ids, clerk, officer, handler := officeStaff(t, s)
	approved := func() string {
		t.Helper()
		doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định về việc ban hành quy chế",
			"urgency": "normal", "confidentiality": "normal", "signer_id": ids["officer"],
			"recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}}, testpdf.Make(1, "Quyet dinh"))
		if code != 201 {
			t.Fatalf("upload: %d", code)
		}
		handler.act(doc["id"].(string), "submit", nil)
		officer.act(doc["id"].(string), "approve", nil)
		return doc["id"].(string)
	}
	post := func(c *client, id, action, pw string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", c.base+"/api/v1/documents/"+id+"/actions/"+action, nil)
		if pw != "" {
			req.Header.Set(api.HeaderSignPassword, pw)
		}
		return c.send(req, nil)
	}
	id := approved()
	for _, tc := range []struct {
		who        *client
		action, pw string
		status     int
	}{
		{officer, "sign", "", 403},
		{officer, "sign", "password-clerk", 401},
		{officer, "sign", "password-officer", 200},
		{clerk, "issue", "", 403},
		{clerk, "issue", "password-clerk", 200},
	} {
		if code := post(tc.who, id, tc.action, tc.pw); code != tc.status {
			t.Fatalf("%s with %q: %d, want %d", tc.action, tc.pw, code, tc.status)
		}
	}
	if code := post(officer, approved(), "sign", ""); code != 200 {
		t.Errorf("the next signature of the session within the TTL: %d, want 200", code)
	}
}
