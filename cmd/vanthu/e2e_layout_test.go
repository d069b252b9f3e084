package main

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// inked counts the pixels in a rectangle given in PDF points (origin at
// the lower left of an A4 page rendered at 72 dpi) that are not white.
func inked(img image.Image, x, y, w, h int) int {
	height := img.Bounds().Dy()
	n := 0
	for py := height - (y + h); py < height-y; py++ {
		for px := x; px < x+w; px++ {
			r, g, b, _ := img.At(px, py).RGBA()
			if r < 0xe000 || g < 0xe000 || b < 0xe000 {
				n++
			}
		}
	}
	return n
}

// TestIntegrationLayoutPlacesStamps gives a document its own signature,
// number and date positions and checks, in a poppler rendering, that the
// stamps are drawn there and not at the defaults.
func TestIntegrationLayoutPlacesStamps(t *testing.T) {
	pdftoppm := needTool(t, "pdftoppm")
	s := startServer(t, nil)
	admin := s.login(t, "admin", "admin-password-1")
	ids := map[string]string{}
	for _, r := range []string{"clerk", "officer", "handler"} {
		var u struct{ ID string }
		admin.call("POST", "/api/v1/users", map[string]any{"username": r, "password": "password-" + r,
			"full_name": "Nguyễn Thị " + r, "title": "Chủ tịch", "roles": []string{r}}, &u)
		ids[r] = u.ID
	}
	clerk, officer, handler := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer"), s.login(t, "handler", "password-handler")
	layout := map[string]any{
		"signature": map[string]any{"page": 0, "x": 40, "y": 60, "w": 220, "h": 90},
		"number":    map[string]any{"page": 1, "x": 40, "y": 420, "w": 200, "h": 20},
		"date":      map[string]any{"page": 1, "x": 300, "y": 420, "w": 260, "h": 20},
	}
	id, _ := issueOutgoing(t, handler, officer, clerk, map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định có bố cục riêng",
		"signer_id": ids["officer"], "layout": layout}, testpdf.Make(1, "layout"))

	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "issued.pdf")
	os.WriteFile(pdfPath, clerk.get("/api/v1/documents/"+id+"/file"), 0o600)
	if out, err := exec.Command(pdftoppm, "-r", "72", "-png", "-f", "1", "-l", "1", pdfPath, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
	if len(matches) != 1 {
		t.Fatalf("rendered %v", matches)
	}
	f, _ := os.Open(matches[0])
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n := inked(img, 40, 60, 220, 90); n < 200 {
		t.Errorf("signature box at the layout position has %d inked pixels", n)
	}
	if n := inked(img, 40, 420, 200, 20); n < 30 {
		t.Errorf("number at the layout position has %d inked pixels", n)
	}
	if n := inked(img, 300, 420, 260, 20); n < 30 {
		t.Errorf("date at the layout position has %d inked pixels", n)
	}
	// The default signature block (right half, lower part) stays blank.
	if n := inked(img, 330, 60, 220, 200); n > 0 {
		t.Errorf("%d inked pixels at the default signature position", n)
	}

	// A layout off the page is refused at upload.
	_, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "x", "signer_id": ids["officer"],
		"layout": map[string]any{"number": map[string]any{"page": 3, "x": 1, "y": 1, "w": 10, "h": 10}}}, testpdf.Make(1, "bad"))
	if code != 400 {
		t.Fatalf("number on page 3: %d", code)
	}
	// Boxes the draft's pages do not hold are refused when they are given,
	// at upload and by PUT /layout, not only when the official signs or
	// the clerk issues.
	for name, l := range map[string]map[string]any{
		"signature on page 2 of 1": {"signature": map[string]any{"page": 2, "x": 40, "y": 60, "w": 220, "h": 90}},
		"signature right of page":  {"signature": map[string]any{"page": 1, "x": 700, "y": 60, "w": 220, "h": 90}},
		"date above page":          {"date": map[string]any{"page": 1, "x": 300, "y": 900, "w": 260, "h": 20}},
	} {
		if _, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "x", "signer_id": ids["officer"], "layout": l}, testpdf.Make(1, "bad")); code != 400 {
			t.Errorf("upload, %s: %d, want 400", name, code)
		}
	}
	draft, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Bố cục sửa sau", "signer_id": ids["officer"]}, testpdf.Make(1, "later"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	put := func(l map[string]any) int {
		return handler.call("PUT", "/api/v1/documents/"+draft["id"].(string)+"/layout", map[string]any{"layout": l}, nil)
	}
	if code := put(map[string]any{"signature": map[string]any{"page": 0, "x": 700, "y": 60, "w": 220, "h": 90}}); code != 400 {
		t.Errorf("PUT layout, signature right of the last page: %d, want 400", code)
	}
	if code := put(map[string]any{"signature": map[string]any{"page": 4, "x": 40, "y": 60, "w": 220, "h": 90}}); code != 400 {
		t.Errorf("PUT layout, signature on page 4 of 1: %d, want 400", code)
	}
	if code := put(layout); code != 200 {
		t.Errorf("PUT layout on the page: %d, want 200", code)
	}
}

// TestUnsignableDraftRefusedAtUpload: an outgoing draft that cannot be
// signed (an XFA form without fields: its pages are not what viewers
// show) is refused at upload with a clear 422; the same file as an
// incoming document is kept as received.
func TestUnsignableDraftRefusedAtUpload(t *testing.T) {
	form, err := os.ReadFile("../../signing/testdata/form-xfa.pdf")
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, nil)
	admin := s.login(t, "admin", "admin-password-1")
	var off struct{ ID string }
	admin.call("POST", "/api/v1/users", map[string]any{"username": "officer", "password": "password-officer", "roles": []string{"officer"}}, &off)
	admin.call("POST", "/api/v1/users", map[string]any{"username": "handler", "password": "password-handler", "roles": []string{"handler"}}, nil)
	admin.call("POST", "/api/v1/users", map[string]any{"username": "clerk", "password": "password-clerk", "roles": []string{"clerk"}}, nil)
	handler, clerk := s.login(t, "handler", "password-handler"), s.login(t, "clerk", "password-clerk")
	if _, code := handler.upload(map[string]any{"direction": "outgoing", "type": "TB", "subject": "Mẫu có ô nhập",
		"signer_id": off.ID}, form); code != 422 {
		t.Fatalf("outgoing form: %d, want 422", code)
	}
	if _, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": "Mẫu có ô nhập",
		"sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND TP Cần Thơ"}, "original_number": "9/UBND",
		"original_date": "2026-11-01"}, form); code != 201 {
		t.Fatalf("incoming form: %d, want 201", code)
	}
	var list struct{ Items []map[string]any }
	handler.call("GET", "/api/v1/documents?direction=outgoing", nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("the refused draft was kept: %v", list.Items)
	}
}
