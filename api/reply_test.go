package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestCreateReply: POST /documents takes replies_to, the incoming letter
// an outgoing draft answers: the draft says it (replies_to), the letter
// names its reply (replied_by) with a link event in its trail; an ID
// that is no document, an outgoing document or a classified letter the
// handler may not see is a 400 on replies_to, like any field.
func TestCreateReply(t *testing.T) {
	f := newFixture(t, 10<<20)
	letter := f.create(t, "clerk", incomingMeta())
	secretMeta := incomingMeta()
	secretMeta["confidentiality"] = "secret"
	secret := f.create(t, "clerk", secretMeta)
	other := f.create(t, "handler", f.outgoingMeta())
	for name, to := range map[string]string{"no such document": "d-nothing", "outgoing": other.ID, "classified": secret.ID} {
		t.Run(name, func(t *testing.T) {
			meta := f.outgoingMeta()
			meta["replies_to"] = to
			body, ct := multipartBody(t, meta, testpdf.Make(1, "x"))
			rec := f.do(t, "handler", "POST", "/api/v1/documents", body, ct)
			if e := decodeErr(t, rec); rec.Code != http.StatusBadRequest || e.Error.Field != "replies_to" {
				t.Errorf("%d %+v, want 400 on replies_to", rec.Code, e.Error)
			}
		})
	}
	meta := f.outgoingMeta()
	meta["replies_to"] = letter.ID
	reply := f.create(t, "handler", meta)
	if reply.RepliesTo != letter.ID {
		t.Errorf("reply's replies_to %q, want %q", reply.RepliesTo, letter.ID)
	}
	if got := f.get(t, "handler", letter.ID); got.RepliedBy != reply.ID {
		t.Errorf("letter's replied_by %q, want %q", got.RepliedBy, reply.ID)
	}
	rec := f.do(t, "handler", "GET", "/api/v1/documents/"+letter.ID+"/events", nil, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"replied_by":"`+reply.ID+`"`) {
		t.Errorf("letter's events: %d %s", rec.Code, rec.Body.String())
	}
}

// TestListReplies: GET /documents/{id}/replies names every reply drafted
// to a letter, oldest first (replied_by names the latest alone), each
// with its document; a classified reply is named by its ID alone to who
// may not see it (the archivist), with its document to who may (the
// clerk); a letter never answered and an outgoing document have none; a
// letter the caller may not see is 404. Through apitest.Validating.
func TestListReplies(t *testing.T) {
	f := newFixture(t, 10<<20)
	letter := f.create(t, "clerk", incomingMeta())
	quiet := f.create(t, "clerk", incomingMeta())
	secretLetterMeta := incomingMeta()
	secretLetterMeta["confidentiality"] = "secret"
	secretLetter := f.create(t, "clerk", secretLetterMeta)
	var replies []api.DocumentJSON
	for _, conf := range []string{"normal", "secret", "normal"} {
		meta := f.outgoingMeta()
		meta["replies_to"], meta["confidentiality"] = letter.ID, conf
		replies = append(replies, f.create(t, "handler", meta))
	}
	list := func(who, id string) (int, []api.ReplyJSON) {
		t.Helper()
		rec := f.do(t, who, http.MethodGet, "/api/v1/documents/"+id+"/replies", nil, "")
		var out struct{ Items []api.ReplyJSON }
		if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			t.Fatalf("%s: %s", who, rec.Body)
		}
		return rec.Code, out.Items
	}
	for who, hidden := range map[string]bool{"clerk": false, "handler": false, "archivist": true} {
		code, got := list(who, letter.ID)
		if code != http.StatusOK || len(got) != 3 {
			t.Fatalf("%s: %d %+v", who, code, got)
		}
		for i, r := range got {
			if r.ID != replies[i].ID {
				t.Errorf("%s: reply %d is %s, want %s", who, i, r.ID, replies[i].ID)
			}
			if wantDoc := i != 1 || !hidden; (r.Document != nil) != wantDoc || (wantDoc && r.Document.Subject != replies[i].Subject) {
				t.Errorf("%s: reply %d document %+v, want shown %v", who, i, r.Document, wantDoc)
			}
		}
	}
	for name, id := range map[string]string{"never answered": quiet.ID, "outgoing": replies[0].ID} {
		if code, got := list("clerk", id); code != http.StatusOK || len(got) != 0 {
			t.Errorf("%s: %d %+v", name, code, got)
		}
	}
	if code, _ := list("archivist", secretLetter.ID); code != http.StatusNotFound {
		t.Errorf("a classified letter to the archivist: %d", code)
	}
	if code, _ := list("clerk", "d-nothing"); code != http.StatusNotFound {
		t.Errorf("no such letter: %d", code)
	}
}

// TestReplyTakesLetterDue: a reply drafted through the API with no
// due_date takes its letter's (hạn xử lý, workflow.ReplyDefaults), as the
// web's reply form comes filled with it; a due_date given wins, and ""
// or null gives the reply none (the web's form cleared). The answer and
// the document read again say the same; a letter with no due date gives
// none. Through apitest.Validating.
func TestReplyTakesLetterDue(t *testing.T) {
	f := newFixture(t, 10<<20)
	lm := incomingMeta()
	lm["due_date"] = "2026-12-31"
	letter, undated := f.create(t, "clerk", lm), f.create(t, "clerk", incomingMeta())
	for _, tc := range []struct {
		name, letter string
		due          any // nil: left out
		want         string
	}{
		{"left out", letter.ID, nil, "2026-12-31"},
		{"given", letter.ID, "2027-01-15", "2027-01-15"},
		{"empty", letter.ID, "", ""},
		{"null", letter.ID, "null", ""},
		{"letter without one", undated.ID, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			meta := f.outgoingMeta()
			meta["replies_to"] = tc.letter
			if tc.due == "null" {
				meta["due_date"] = nil
			} else if tc.due != nil {
				meta["due_date"] = tc.due
			}
			reply := f.create(t, "handler", meta)
			for _, d := range []api.DocumentJSON{reply, f.get(t, "handler", reply.ID)} {
				if got := deref(d.DueDate); got != tc.want {
					t.Errorf("due_date %q, want %q", got, tc.want)
				}
			}
		})
	}
	if d := f.create(t, "handler", f.outgoingMeta()); d.DueDate != nil {
		t.Errorf("a draft answering nothing got due_date %q", *d.DueDate)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestReplyTakesLetterLevels: a reply drafted through the API with no
// urgency or confidentiality takes its letter's (độ khẩn, độ mật:
// workflow.ReplyDefaults), as the web's reply form comes filled with
// them, its due date too; each given wins, a lower one included. The
// answer and the document read again say the same; a draft answering
// nothing is normal, not classified, as before. The letter is Hỏa tốc
// and Mật, assigned to the handler (who may then see it).
func TestReplyTakesLetterLevels(t *testing.T) {
	f := newFixture(t, 10<<20)
	lm := incomingMeta()
	lm["urgency"], lm["confidentiality"], lm["due_date"] = "flash", "confidential", "2026-12-31"
	letter := f.create(t, "clerk", lm)
	for _, a := range []struct {
		action string
		body   any
	}{{"register", nil}, {"assign", map[string]any{"assignee_id": f.ids["handler"]}}} {
		if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+letter.ID+"/actions/"+a.action, a.body); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", a.action, rec.Code, rec.Body)
		}
	}
	for _, tc := range []struct {
		name  string
		to    string
		given map[string]any
		want  string // urgency confidentiality due_date
	}{
		{"left out", letter.ID, nil, "flash confidential 2026-12-31"},
		{"given", letter.ID, map[string]any{"urgency": "normal", "confidentiality": "normal"}, "normal normal 2026-12-31"},
		{"urgency given", letter.ID, map[string]any{"urgency": "urgent"}, "urgent confidential 2026-12-31"},
		{"confidentiality given", letter.ID, map[string]any{"confidentiality": "secret", "due_date": ""}, "flash secret "},
		{"no letter", "", nil, "normal normal "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			meta := f.outgoingMeta()
			delete(meta, "urgency")
			delete(meta, "confidentiality")
			if tc.to != "" {
				meta["replies_to"] = tc.to
			}
			for k, v := range tc.given {
				meta[k] = v
			}
			reply := f.create(t, "handler", meta)
			for _, d := range []api.DocumentJSON{reply, f.get(t, "handler", reply.ID)} {
				if got := fmt.Sprintf("%s %s %s", d.Urgency, d.Confidentiality, deref(d.DueDate)); got != tc.want {
					t.Errorf("reply: %q, want %q", got, tc.want)
				}
			}
		})
	}
}
