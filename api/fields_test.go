package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestCreateErrorFields: a new document with several problems is
// refused (400) with every one in "fields", in order, and the first as
// the error's own code, message and field — the answer the request with
// only that problem gets; one problem has no "fields".
func TestCreateErrorFields(t *testing.T) {
	f := newFixture(t, 1<<20)
	type fieldJSON struct{ Field, Message string }
	type body struct {
		Error struct {
			Code, Message, Field string
			Fields               []fieldJSON
		}
	}
	post := func(t *testing.T, user string, meta map[string]any) (int, body) {
		t.Helper()
		b, ct := multipartBody(t, meta, testpdf.Make(1, "x"))
		rec := f.do(t, user, "POST", "/api/v1/documents", b, ct)
		var e body
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%d %s: %v", rec.Code, rec.Body.String(), err)
		}
		return rec.Code, e
	}
	tests := []struct {
		name   string
		user   string
		meta   func() map[string]any
		change []func(map[string]any)
		fields []string
	}{
		{"incoming/subject, sender code, number", "clerk", incomingMeta, []func(map[string]any){
			func(m map[string]any) { m["subject"] = " " },
			func(m map[string]any) {
				m["sender"] = map[string]string{"org_id": "H13", "name": "UBND thành phố Cần Thơ"}
			},
			func(m map[string]any) { delete(m, "original_number") },
		}, []string{"subject", "sender.org_id", "original_number"}},
		{"outgoing/type, urgency, signer", "handler", f.outgoingMeta, []func(map[string]any){
			func(m map[string]any) { m["type"] = "XYZ" },
			func(m map[string]any) { m["urgency"] = "now" },
			func(m map[string]any) { m["signer_id"] = "u-nobody" },
		}, []string{"type", "urgency", "signer_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := tt.meta()
			tt.change[0](first)
			_, one := post(t, tt.user, first)
			if one.Error.Field != tt.fields[0] || one.Error.Fields != nil {
				t.Fatalf("one problem: %+v, want field %q and no fields", one.Error, tt.fields[0])
			}
			all := tt.meta()
			for _, c := range tt.change {
				c(all)
			}
			status, e := post(t, tt.user, all)
			if status != http.StatusBadRequest || e.Error.Code != one.Error.Code || e.Error.Message != one.Error.Message || e.Error.Field != one.Error.Field {
				t.Fatalf("%d %+v, want 400 with the first problem as alone (%+v)", status, e.Error, one.Error)
			}
			var got []string
			for _, p := range e.Error.Fields {
				if p.Message == "" {
					t.Errorf("problem on %q has no message", p.Field)
				}
				got = append(got, p.Field)
			}
			if !slices.Equal(got, tt.fields) || e.Error.Fields[0].Message != e.Error.Message {
				t.Fatalf("fields %+v, want %q, the first the error's own", e.Error.Fields, tt.fields)
			}
		})
	}
}
