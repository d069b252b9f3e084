package api_test

import (
	"net/http"
	"strings"
	"testing"

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
