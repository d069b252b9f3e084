package web

import (
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

var numberInputRe = regexp.MustCompile(`<input type="number"([^>]*)>`)
var attrRe = regexp.MustCompile(`\b(step|value|name)="([^"]*)"`)

// TestStampLayoutValuesSubmit: every number on the stamp layout page is
// one its input accepts, so that the form can be sent unchanged. A box
// found on the page (or saved) at 47.6224 pt stood in an input of step
// 0.01: the browser refused to send the form ("enter a valid value")
// until the clerk had retyped every such field.
func TestStampLayoutValuesSubmit(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định có bố cục"}, "signer_id": {e.users["lanhdao"].ID}}
	id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": testpdf.Make(1, "layout")}))
	form := url.Values{"version": {"0"}, "signature_page": {"1"}, "date_fields": {"1"},
		"date_blanks": {"12.3456", "40.125", "80.0625"}, "date_blanks_below": {"0", "0", "0"}}
	for k, v := range map[string]string{"number_x": "47.6224", "number_y": "700.3333", "number_w": "120.125", "number_h": "18",
		"date_x": "300.0001", "date_y": "700", "date_w": "240", "date_h": "18.75",
		"signature_x": "320.5", "signature_y": "420", "signature_w": "170", "signature_h": "70"} {
		form.Set(k, v)
	}
	if p := h.post("/documents/"+id+"/layout", form); p.Status != http.StatusSeeOther {
		t.Fatalf("save layout: %d\n%s", p.Status, p.Body)
	}
	inputs := numberInputRe.FindAllStringSubmatch(h.get("/documents/"+id+"/layout").Body, -1)
	if len(inputs) < 12 {
		t.Fatalf("%d number inputs", len(inputs))
	}
	for _, in := range inputs {
		a := map[string]string{"step": "1"} // HTML's default step
		for _, m := range attrRe.FindAllStringSubmatch(in[1], -1) {
			a[m[1]] = m[2]
		}
		if a["value"] == "" || a["step"] == "any" {
			continue
		}
		v, err1 := strconv.ParseFloat(a["value"], 64)
		step, err2 := strconv.ParseFloat(a["step"], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: value %q step %q", a["name"], a["value"], a["step"])
		}
		if q := v / step; math.Abs(q-math.Round(q)) > 1e-6 {
			t.Errorf("%s: value %s is not a multiple of its step %s: the browser refuses to send the form", a["name"], a["value"], a["step"])
		}
	}
}
