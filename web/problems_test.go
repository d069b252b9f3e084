package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
)

// TestCreateFormShowsEveryProblem: a create form with several inputs at
// fault comes back with each one's message beside it (and the input
// marked invalid), the message above saying how many, and what was typed
// kept; no document is created.
func TestCreateFormShowsEveryProblem(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name, user, path string
		form             url.Values
		inputs           []string // the inputs at fault, in the page's order
		kept             []string
	}{
		{"incoming/date, sender code, subject", "vanthu", "/incoming/new", url.Values{"type": {"CV"}, "subject": {"  "},
			"original_number": {"12/UBND-VP"}, "original_date": {"31/02/2026"}, "sender_name": {"UBND thành phố Cần Thơ"},
			"sender_org_id": {"H13"}, "urgency": {"flash"}, "confidentiality": {"normal"}},
			[]string{"original_date", "sender_org_id", "subject"}, []string{`value="31/02/2026"`, `value="H13"`, `value="12/UBND-VP"`, `value="flash" selected`}},
		{"incoming/number, sender, due date, urgency", "vanthu", "/incoming/new", url.Values{"type": {"CV"}, "subject": {"Về việc tổ chức hội nghị"},
			"original_date": {"20/11/2026"}, "due_date": {"hôm nay"}, "urgency": {"now"}, "confidentiality": {"normal"}},
			[]string{"original_number", "sender_name", "urgency", "due_date"}, []string{"Về việc tổ chức hội nghị", `value="hôm nay"`}},
		{"outgoing/signer, drafting unit, type", "chuyenvien", "/outgoing/new", url.Values{"type": {"XX"}, "subject": {"Về việc ban hành quy chế"},
			"drafting_unit": {strings.Repeat("V", 21)}, "urgency": {"normal"}, "confidentiality": {"normal"}},
			[]string{"type", "signer_id", "drafting_unit"}, []string{"Về việc ban hành quy chế", strings.Repeat("V", 21)}},
	}
	fieldError := regexp.MustCompile(`<span class="field-error" id="([a-z_]+)-error">`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.login(tt.user)
			c.get(tt.path)
			p := c.postMultipart(tt.path, tt.form, map[string][]byte{"file:congvan.pdf": fakePDF})
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			var got []string
			for _, m := range fieldError.FindAllStringSubmatch(p.Body, -1) {
				got = append(got, m[1])
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.inputs))
			if !slices.Equal(got, want) {
				t.Errorf("messages beside %q, want beside %q", got, want)
			}
			for _, id := range tt.inputs {
				if !regexp.MustCompile(`id="` + id + `"[^>]*aria-invalid="true"[^>]*aria-describedby="` + id + `-error`).MatchString(p.Body) {
					t.Errorf("input %s is not marked invalid and described by its message", id)
				}
			}
			if n := len(tt.inputs); !strings.Contains(p.Body, "Có "+string(rune('0'+n))+" lỗi") {
				t.Errorf("the message above does not say %d problems:\n%s", n, p.Body)
			}
			for _, k := range tt.kept {
				if !strings.Contains(p.Body, k) {
					t.Errorf("what was typed is lost: no %q", k)
				}
			}
		})
	}
}

// TestAssignFormShowsEveryProblem: the assignment form with its due date,
// comment and handler at fault shows each one's message beside it, says
// there are 3 above, and keeps what was typed.
func TestAssignFormShowsEveryProblem(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	in := e.newIncoming(clerk, "Về việc phân công xử lý", nil)
	if p := clerk.post("/documents/"+in, url.Values{"action": {"register"}, "confirm": {"register"}, "version": {"1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("register: %d", p.Status)
	}
	c := e.login("lanhdao")
	c.get("/documents/" + in)
	long := strings.Repeat("ý", 4001)
	p := c.post("/documents/"+in, url.Values{"action": {"assign"}, "confirm": {"assign"}, "version": {"2"}, "due_date": {"31/02/2026"}, "comment": {long}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", p.Status)
	}
	doc := parseHTML(t, p.Body)
	want := []string{"due_date", "assign_comment", "assignee_id"}
	got := invalidInputs(doc)
	slices.Sort(got)
	if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Fatalf("inputs marked invalid %q, want %q", got, want)
	}
	for _, id := range want {
		by, _ := attrOf(byID(doc, id), "aria-describedby")
		if m := byID(doc, by); m == nil || !strings.Contains(by, id+"-error") || textOf(m) == "" {
			t.Errorf("%s is not described by its message (%q)", id, by)
		}
	}
	if !strings.Contains(p.Body, "Có 3 lỗi") {
		t.Errorf("the message above does not say 3 problems")
	}
	if v, _ := attrOf(byID(doc, "due_date"), "value"); v != "31/02/2026" {
		t.Errorf("due date shows %q after the problem", v)
	}
	if n := byID(doc, "assign_comment"); n == nil || textOf(n) != long {
		t.Errorf("the comment typed is lost")
	}
}

// TestLayoutFormShowsEveryProblem: the stamp layout form with two boxes
// at fault marks both, says there are 2 and keeps what was typed.
func TestLayoutFormShowsEveryProblem(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	h.get("/outgoing/new")
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định có bố cục"}, "signer_id": {e.users["lanhdao"].ID}}
	id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": testpdf.Make(2, "layout")}))
	h.get("/documents/" + id + "/layout")
	form := url.Values{"version": {"0"}, "signature_page": {"1"}}
	for k, v := range map[string]string{"number_x": "60", "number_y": "700", "number_w": "-3", "number_h": "18",
		"date_x": "300", "date_y": "700", "date_w": "240", "date_h": "18",
		"signature_x": "320", "signature_y": "420", "signature_w": "170", "signature_h": "0"} {
		form.Set(k, v)
	}
	p := h.post("/documents/"+id+"/layout", form)
	if !strings.Contains(p.Body, "Có 2 lỗi") {
		t.Errorf("the message above does not say 2 problems (status %d)", p.Status)
	}
	doc := parseHTML(t, p.Body)
	var marked []string
	walkHTML(doc, func(n *html.Node) {
		if v, _ := attrOf(n, "data-invalid"); v == "true" {
			id, _ := attrOf(n, "id")
			marked = append(marked, id)
		}
	})
	if want := []string{"box-number", "box-signature"}; !slices.Equal(marked, want) && !slices.Equal(marked, []string{want[1], want[0]}) {
		t.Fatalf("groups marked invalid %q, want %q", marked, want)
	}
	for _, id := range marked {
		by, _ := attrOf(byID(doc, id), "aria-describedby")
		if m := byID(doc, by); m == nil || !inside(m, byID(doc, id)) || !strings.Contains(textOf(m), "Vị trí") {
			t.Errorf("%s is not described by its message inside it (%q)", id, by)
		}
	}
	for name, want := range map[string]string{"number_w": "-3", "signature_h": "0"} {
		if !regexp.MustCompile(`name="` + name + `"[^>]*value="` + regexp.QuoteMeta(want) + `"`).MatchString(p.Body) {
			t.Errorf("%s does not keep %q", name, want)
		}
	}
}

// TestCreateFormFileProblems: a chosen file of no bytes is named empty
// beside the file input, with the form's other problems (it stopped the
// form at a message about PNG signature images); a file that is not a
// PDF (a .docx renamed) is named so, without the signature images'
// PNG, which the create form has nothing to do with — with the form's
// other problems (a draft's missing signer), not once they are put right.
func TestCreateFormFileProblems(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Inspector = headerInspector{}
	form := url.Values{"type": {"CV"}, "subject": {"Về việc tổ chức hội nghị"}, "original_number": {"12/UBND-VP"},
		"original_date": {"20/11/2026"}, "sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	noSubject := url.Values{}
	for k, v := range form {
		noSubject[k] = v
	}
	noSubject.Set("subject", " ")
	fileError := regexp.MustCompile(`<span class="field-error" id="file-error">([^<]*)</span>`)
	// An outgoing draft (an incoming document may be any file: a scan, a
	// .docx), its signer the form's first official.
	page := e.login("chuyenvien").get("/outgoing/new")
	signer := regexp.MustCompile(`<option value="([0-9a-f]+)">`).FindStringSubmatch(page.Body)
	if signer == nil {
		t.Fatal("no official to choose on the outgoing form")
	}
	draft := url.Values{"type": {"QĐ"}, "subject": {"Về việc ban hành quy chế"}, "urgency": {"normal"},
		"confidentiality": {"normal"}, "signer_id": {signer[1]}}
	noSigner := url.Values{}
	for k, v := range draft {
		noSigner[k] = v
	}
	noSigner.Del("signer_id")
	tests := []struct {
		name, user, path string
		form             url.Values
		file             map[string][]byte
		want             string
		problems         int
	}{
		{"empty", "vanthu", "/incoming/new", form, map[string][]byte{"file:congvan.pdf": {}}, "rỗng (0 byte)", 1},
		{"empty, and no subject", "vanthu", "/incoming/new", noSubject, map[string][]byte{"file:congvan.pdf": {}}, "rỗng (0 byte)", 2},
		{"a .docx renamed", "chuyenvien", "/outgoing/new", draft, map[string][]byte{"file:duthao.pdf": []byte("PK\x03\x04word/document.xml")}, "không phải là tệp PDF", 1},
		// Said with the form's other problems, not once they are put right.
		{"a .docx, and no signer", "chuyenvien", "/outgoing/new", noSigner, map[string][]byte{"file:duthao.docx": []byte("PK\x03\x04word/document.xml")}, "không phải là tệp PDF", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.login(tt.user)
			c.get(tt.path)
			p := c.postMultipart(tt.path, tt.form, tt.file)
			if p.Status/100 != 4 {
				t.Fatalf("status %d, want 4xx", p.Status)
			}
			m := fileError.FindStringSubmatch(p.Body)
			if m == nil || !strings.Contains(html.UnescapeString(m[1]), tt.want) || strings.Contains(m[1], "PNG") {
				t.Fatalf("beside the file: %q, want %q and no PNG", m, tt.want)
			}
			if tt.problems > 1 && !strings.Contains(p.Body, "Có "+string(rune('0'+tt.problems))+" lỗi") {
				t.Errorf("the message above does not say %d problems", tt.problems)
			}
		})
	}
}

// headerInspector refuses as signing's does a file without a PDF header
// (EUNSUPPORTEDMEDIA), and takes any other.
type headerInspector struct{}

func (headerInspector) InspectPDF(_ context.Context, r io.ReaderAt, _ int64) error {
	b := make([]byte, 5)
	if _, err := r.ReadAt(b, 0); err != nil || string(b) != "%PDF-" {
		return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF file (no %%PDF- header)")
	}
	return nil
}

// TestCreateFormUnusablePDF: a PDF the inspection refuses is named
// beside the file input by why, with what to do — a password-protected
// one is not called "encrypted, damaged, a form or a bad signature" —
// through signing's own inspection.
func TestCreateFormUnusablePDF(t *testing.T) {
	e := newTestEnv(t)
	intake, err := signing.NewIntake(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	e.docs.Inspector = intake
	encrypted, err := os.ReadFile("../signing/testdata/encrypted-aes256.pdf")
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"type": {"CV"}, "subject": {"Về việc tổ chức hội nghị"}, "original_number": {"12/UBND-VP"},
		"original_date": {"20/11/2026"}, "sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	fileError := regexp.MustCompile(`<span class="field-error" id="file-error">([^<]*)</span>`)
	for _, tc := range []struct {
		name string
		pdf  []byte
		want string
	}{
		{"password-protected", encrypted, "Tệp PDF được đặt mật khẩu (mã hóa)"},
		{"damaged", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R\n%%EOF\n"), "Tệp PDF bị hỏng, không đọc được"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.login("vanthu")
			c.get("/incoming/new")
			p := c.postMultipart("/incoming/new", form, map[string][]byte{"file:congvan.pdf": tc.pdf})
			m := fileError.FindStringSubmatch(p.Body)
			if p.Status/100 != 4 || m == nil || !strings.Contains(html.UnescapeString(m[1]), tc.want) {
				t.Fatalf("%d, beside the file: %q, want %q", p.Status, m, tc.want)
			}
		})
	}
}
