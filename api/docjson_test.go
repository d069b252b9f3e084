package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestDocumentJSONFieldsKnown: appendDocumentJSON writes the fields of
// DocumentJSON listed here; a field added to DocumentJSON fails this test
// until the encoder writes it (and it is added here).
func TestDocumentJSONFieldsKnown(t *testing.T) {
	known := []string{"id", "direction", "type", "type_name", "subject", "urgency", "confidentiality", "state", "version",
		"register", "year", "number", "notation", "verify_code,omitempty", "signer_id,omitempty", "recipients,omitempty",
		"drafting_unit,omitempty", "layout,omitempty", "sender,omitempty", "original_number,omitempty", "original_date,omitempty",
		"signed_at", "issued_at", "registered_at", "assignee_id,omitempty", "due_date,omitempty", "retention,omitempty", "notes,omitempty",
		"revoke_state,omitempty", "revoke_reason,omitempty", "revoke_answer,omitempty", "reject_reason,omitempty",
		"replaces,omitempty", "updates,omitempty", "replaced_by,omitempty", "updated_by,omitempty",
		"replies_to,omitempty", "replied_by,omitempty", "files", "verification",
		"created_by", "created_at", "updated_at", "allowed_actions", "unavailable_actions,omitempty"}
	var got []string
	ty := reflect.TypeOf(DocumentJSON{})
	for i := range ty.NumField() {
		got = append(got, ty.Field(i).Tag.Get("json"))
	}
	if !slices.Equal(got, known) {
		t.Errorf("DocumentJSON's fields changed: update appendDocumentJSON, then this list\ngot  %v\nwant %v", got, known)
	}
	for _, typ := range []reflect.Type{reflect.TypeOf(FileJSON{}), reflect.TypeOf(VerificationJSON{}), reflect.TypeOf(workflow.Org{}), reflect.TypeOf(UnavailableActionJSON{})} {
		if n := map[string]int{"FileJSON": 7, "VerificationJSON": 2, "Org": 2, "UnavailableActionJSON": 2}[typ.Name()]; typ.NumField() != n {
			t.Errorf("%s has %d fields, appendDocumentJSON writes %d", typ.Name(), typ.NumField(), n)
		}
	}
}

// awkward are strings encoding/json escapes in every way it has.
var awkward = []string{"", "plain", "Quyết định số 15/QĐ-UBND", "\x00\x01\b\f\n\r\t\x1f\x7f", `<script>&"quote"\back\slash/`,
	"line\u2028sep\u2029", "bad\xffutf8\xc3", "emoji 😀", "\xed\xa0\x80 surrogate"}

func fullDocumentJSON(s string) DocumentJSON {
	str := func(v string) *string { return &v }
	n := func(v int) *int { return &v }
	tm := time.Date(2026, 11, 25, 8, 30, 0, 123456000, time.UTC)
	tz := tm.In(time.FixedZone("ICT", 7*3600))
	return DocumentJSON{ID: "id" + s, Direction: "outgoing" + s, Type: "QĐ" + s, TypeName: s, Subject: s, Urgency: s, Confidentiality: s,
		State: s, Version: -3, Register: str(s), Year: n(2026), Number: n(15), Notation: str(s), VerifyCode: s, SignerID: s,
		Recipients: []workflow.Org{{OrgID: s, Name: s}, {OrgID: "b", Name: s}}, DraftingUnit: s,
		Layout: &LayoutJSON{Signature: &BoxJSON{Page: 1, X: 1.5, Y: 2.25, W: 3, H: 4}, DateBlanks: []float64{1.5}, DateBlanksBelow: []float64{0, 15.5}, DateShortYear: true, Notes: []string{s}, Source: s},
		Sender: &workflow.Org{OrgID: s, Name: s}, OriginalNumber: s, OriginalDate: str(s), SignedAt: &tz, IssuedAt: &tm, RegisteredAt: &tz,
		AssigneeID: s, DueDate: str(s), Retention: s, Notes: s, RevokeState: s, RevokeReason: s, RevokeAnswer: s, RejectReason: s,
		Replaces: s, Updates: s, ReplacedBy: s, UpdatedBy: s, RepliesTo: s, RepliedBy: s,
		Files:        []FileJSON{{SHA256: s, Name: s, Size: 1 << 40, Kind: s, CreatedAt: tm, Inspected: true, ActiveContent: []string{s, "launch"}}, {CreatedAt: tz}},
		Verification: &VerificationJSON{Verdict: s, Reasons: []string{s, "x"}}, CreatedBy: s, CreatedAt: tm, UpdatedAt: tz,
		AllowedActions: []string{s, "submit"}, UnavailableActions: []UnavailableActionJSON{{Action: s, Message: s}, {Action: "send"}}}
}

// TestAppendDocumentJSONIsEncodingJSON: the hand-written encoder writes
// exactly encoding/json's bytes, for full and empty documents and strings
// that need every kind of escape.
func TestAppendDocumentJSONIsEncodingJSON(t *testing.T) {
	cases := map[string]DocumentJSON{"zero": {}, "empty slices": {Files: []FileJSON{{ActiveContent: []string{}}}, AllowedActions: []string{}, Recipients: []workflow.Org{},
		Verification: &VerificationJSON{Reasons: []string{}}, UnavailableActions: []UnavailableActionJSON{}}}
	for _, s := range awkward {
		cases["full "+s] = fullDocumentJSON(s)
	}
	for i := range 0x80 { // every ASCII character, in every string field
		cases["char "+string(rune(i))] = fullDocumentJSON("a" + string(rune(i)) + "b")
	}
	for r := rune(0x80); r <= 0x10ffff; r += 331 { // runes across the planes
		cases["rune "+string(r)] = fullDocumentJSON("a" + string(r) + string(r+0x2028-0x80) + "b")
	}
	for i, f := range []float64{0, -0.5, 1e-7, 1.5e-7, 1e-6, 9.99e-7, 1e20, 1e21, 1.5e21, -3e-9, 123456789.125, 0.1, 1.0 / 3, 595.2756, 1e200, math.SmallestNonzeroFloat64} {
		d := fullDocumentJSON("f")
		d.Layout = &LayoutJSON{Number: &BoxJSON{Page: -1, X: f, Y: -f, W: f * 3, H: f / 7}, Date: &BoxJSON{X: f}, NumberOnly: true,
			DateBlanks: []float64{f, -f, f * 1e10}, DateBlanksBelow: []float64{f / 3, f}}
		cases["float "+strconv.Itoa(i)] = d
	}
	for _, l := range []*LayoutJSON{{}, {Source: "manual"}, {Notes: []string{"a"}}, {NumberOnly: true}, {DateBlanks: []float64{}}, {DateBlanksBelow: []float64{}}, {Date: &BoxJSON{}}} {
		d := fullDocumentJSON("l")
		d.Layout = l
		cases[fmt.Sprintf("layout %+v", *l)] = d
	}
	for name, d := range cases {
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendDocumentJSON(nil, &d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%q:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestAppendFloatRefusesNaN(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		d := DocumentJSON{Layout: &LayoutJSON{Signature: &BoxJSON{X: f}}}
		if _, err := appendDocumentJSON(nil, &d); err == nil {
			t.Errorf("%v: no error (encoding/json refuses it)", f)
		}
	}
}

func TestAppendTimeOutOfRange(t *testing.T) {
	d := DocumentJSON{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := appendDocumentJSON(nil, &d); err == nil || !strings.Contains(err.Error(), "year") {
		t.Errorf("year 10000: err = %v, want encoding/json's error", err)
	}
}
