package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

func TestService(t *testing.T) {
	p := newTestPKI(t, "rsa")
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	officer := &workflow.User{ID: "u1", FullName: "Nguyễn Văn Sĩ", Title: "Chủ tịch"}
	svc, err := NewService(Config{
		Agency: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy",
		Officer: func(_ context.Context, u *workflow.User) (keys.Key, []byte, error) {
			if u.ID != "u1" {
				return keys.Key{}, nil, workflow.Errorf(workflow.EUNAVAILABLE, "no key for %s", u.ID)
			}
			return p.Officer, nil, nil
		},
		Roots: roots,
		Now:   func() time.Time { return at },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := svc.InspectPDF(ctx, bytes.NewReader([]byte("x")), 1); workflow.ErrorCode(err) != workflow.EUNSUPPORTEDMEDIA {
		t.Errorf("InspectPDF: %v", err)
	}
	d := &workflow.Document{ID: "d1"}
	if _, err := svc.SignOfficial(ctx, d, &workflow.User{ID: "u2"}, smallPDF()); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("unknown officer: %v", err)
	}
	l1, err := svc.SignOfficial(ctx, d, officer, smallPDF())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignAgency(ctx, d, l1); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Errorf("no notation: %v", err)
	}
	d.Notation = "15/QĐ-UBND"
	issued := at
	d.IssuedAt = &issued
	l2, err := svc.SignAgency(ctx, d, l1)
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.Verify(ctx, l2)
	if err != nil {
		t.Fatal(err)
	}
	if v.Verdict != workflow.VerdictValid || !bytes.Contains(v.Report, []byte(`"verdict":"valid"`)) {
		t.Errorf("Verify = %s %v\n%s", v.Verdict, v.Reasons, v.Report)
	}
	if v, _ := svc.Verify(ctx, smallPDF()); v.Verdict != workflow.VerdictUnsigned {
		t.Errorf("unsigned: %s", v.Verdict)
	}
	att, err := svc.SignAttachment(ctx, d, smallPDF())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := svc.Verify(ctx, att); v.Verdict != workflow.VerdictValid {
		t.Errorf("attachment: %s %v", v.Verdict, v.Reasons)
	}
}

func TestSafelyTurnsPanicsIntoErrors(t *testing.T) {
	_, err := safely("layer 1", func() ([]byte, error) { panic("index out of range") })
	if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("got %v", err)
	}
}

// TestSignerView: the Service signs and verifies SignerView(d) as it does
// d, byte for byte, with every field of d set — it fails when the Service
// reads a field of the document that the view leaves out (what crosses to
// a signing worker).
func TestSignerView(t *testing.T) {
	p := newTestPKI(t, "rsa")
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	svc, err := NewService(Config{
		Agency: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy", PublicURL: "https://vanthu.example",
		Officer: func(context.Context, *workflow.User) (keys.Key, []byte, error) { return p.Officer, nil, nil },
		Roots:   roots,
		Now:     func() time.Time { return at },
	})
	if err != nil {
		t.Fatal(err)
	}
	d := fullDocument(t)
	view := SignerView(d)
	if reflect.DeepEqual(view, d) {
		t.Fatal("the view is the whole document: nothing is left out")
	}
	ctx := context.Background()
	officer := &workflow.User{ID: "u1", FullName: "Nguyễn Văn Sĩ", Title: "Chủ tịch"}
	run := func(d *workflow.Document) (l1, l2, att []byte, v workflow.Verification) {
		t.Helper()
		l1, err := svc.SignOfficial(ctx, d, officer, smallPDF())
		if err != nil {
			t.Fatal(err)
		}
		if l2, err = svc.SignAgency(ctx, d, l1); err != nil {
			t.Fatal(err)
		}
		if att, err = svc.SignAttachment(ctx, d, smallPDF()); err != nil {
			t.Fatal(err)
		}
		if v, err = svc.VerifyDocument(ctx, d, l2); err != nil {
			t.Fatal(err)
		}
		return l1, l2, att, v
	}
	l1, l2, att, v := run(d)
	vl1, vl2, vatt, vv := run(view)
	if v.Verdict != workflow.VerdictValid {
		t.Fatalf("verdict %s %v", v.Verdict, v.Reasons)
	}
	for _, c := range []struct {
		what       string
		full, view []byte
	}{{"layer 1", l1, vl1}, {"layer 2", l2, vl2}, {"attachment", att, vatt}, {"report", v.Report, vv.Report}} {
		if !bytes.Equal(c.full, c.view) {
			t.Errorf("%s differs between the document and its view", c.what)
		}
	}
}

// fullDocument is an outgoing, numbered document with every field set:
// strings to a text of their own, numbers to 1, pointers, slices and
// booleans filled in (the layout's boxes where the template would put
// them).
func fullDocument(t *testing.T) *workflow.Document {
	t.Helper()
	issued := at
	d := &workflow.Document{Direction: workflow.Outgoing, Number: 15, Notation: "15/QĐ-UBND", IssuedAt: &issued,
		VerifyCode: "ABCD-EFGH", Year: 2026, Register: workflow.RegisterKind("outgoing"),
		Layout: &workflow.Layout{Signature: &workflow.Box{Page: 0, X: 300, Y: 170, W: 170, H: 60},
			Number: &workflow.Box{Page: 1, X: 60, Y: 740, W: 160, H: 14}, Date: &workflow.Box{Page: 1, X: 330, Y: 740, W: 220, H: 14},
			Source: "manual", Notes: []string{"note"}}}
	fill(t, reflect.ValueOf(d).Elem())
	return d
}

// fill sets every zero field of the struct v.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.IsZero() || !f.CanSet() {
			continue
		}
		name := v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString("x-" + name)
		case reflect.Int, reflect.Int64:
			f.SetInt(1)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			if e := f.Index(0); e.Kind() == reflect.Struct {
				fill(t, e)
			} else if e.Kind() == reflect.String {
				e.SetString("x-" + name)
			}
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			if e := f.Elem(); e.Kind() == reflect.Struct && e.Type() != reflect.TypeOf(time.Time{}) {
				fill(t, e)
			} else if e.Type() == reflect.TypeOf(time.Time{}) {
				e.Set(reflect.ValueOf(at))
			}
		case reflect.Struct:
			if f.Type() == reflect.TypeOf(time.Time{}) {
				f.Set(reflect.ValueOf(at))
			} else {
				fill(t, f)
			}
		}
	}
}

// TestOutgoingDraftMustBeUnsigned: layer 2 follows exactly one signature,
// so a draft that carries one already (a file signed elsewhere, an issued
// document uploaded again) could be signed by the official but never
// issued. It is refused at upload (CheckSignable) and at layer 1, with
// EUNPROCESSABLE, not at issue with a conflict.
func TestOutgoingDraftMustBeUnsigned(t *testing.T) {
	svc := newTestService(t, newTestPKI(t, "ec"))
	ctx := context.Background()
	officer := &workflow.User{ID: "u1", FullName: "Nguyễn Văn Sĩ", Title: "Chủ tịch"}
	d := &workflow.Document{ID: "d1", Notation: "15/QĐ-UBND"}
	l1, err := svc.SignOfficial(ctx, d, officer, smallPDF())
	if err != nil {
		t.Fatal(err)
	}
	l2, err := svc.SignAgency(ctx, d, l1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		pdf  []byte
		code string
	}{
		{"unsigned", smallPDF(), ""},
		{"layer 1", l1, workflow.EUNPROCESSABLE},
		{"issued", l2, workflow.EUNPROCESSABLE},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := svc.CheckSignable(ctx, bytes.NewReader(c.pdf), int64(len(c.pdf)))
			if workflow.ErrorCode(err) != c.code {
				t.Errorf("CheckSignable: %v, want code %q", err, c.code)
			}
			_, err = svc.SignOfficial(ctx, d, officer, c.pdf)
			if workflow.ErrorCode(err) != c.code {
				t.Errorf("SignOfficial: %v, want code %q", err, c.code)
			}
			if c.code != "" && !strings.Contains(workflow.ErrorMessage(err), "already carries") {
				t.Errorf("message %q does not say why", workflow.ErrorMessage(err))
			}
		})
	}
}

// TestOutgoingDraftWithoutActiveContent: a draft that acts when it is
// opened — JavaScript, a launch action, an embedded or attached file — is
// refused at upload (CheckSignable) and at layer 1, EUNPROCESSABLE with
// workflow.ErrPDFActive: the official's signature would vouch for it and
// the agencies it is sent to would open it in readers that run it. Before,
// a handler's draft with /OpenAction JavaScript was signed and issued.
func TestOutgoingDraftWithoutActiveContent(t *testing.T) {
	svc := newTestService(t, newTestPKI(t, "ec"))
	ctx := context.Background()
	officer := &workflow.User{ID: "u1", FullName: "Nguyễn Văn Sĩ", Title: "Chủ tịch"}
	d := &workflow.Document{ID: "d1", Notation: "15/QĐ-UBND"}
	js := "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
	for _, c := range []struct {
		name, want string
		pdf        []byte
	}{
		{"plain", "", testpdf.Active("", "")},
		{"a link", "", testpdf.Active("", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://example.vn/) >> >>]")},
		{"open action", "JavaScript run on opening", testpdf.Active("/OpenAction 6 0 R", "", js)},
		{"after a go-to", "JavaScript run on opening", testpdf.Active("/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next [6 0 R] >>", "", js)},
		{"empty name trees", "", testpdf.Active("/Names << /EmbeddedFiles << /Names [] >> /JavaScript << /Kids [<< /Names [] >>] >> >>", "")},
		{"embedded file under a kid", "an embedded file", testpdf.Active("/Names << /EmbeddedFiles << /Kids [<< /Limits [(a) (a)] /Names [(a.exe) 6 0 R] >>] >> >>", "",
			"<< /Type /Filespec /F (a.exe) >>")},
		{"named script", "JavaScript", testpdf.Active("/Names << /JavaScript << /Names [(a) 6 0 R] >> >>", "", js)},
		{"document trigger", "JavaScript", testpdf.Active("/AA << /WC 6 0 R >>", "", js)},
		{"page trigger", "JavaScript (page 1)", testpdf.Active("", "/AA << /O 6 0 R >>", js)},
		{"launch", "a launch action (page 1)", testpdf.Active("", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (cmd.exe) >> >>]")},
		{"embedded file", "an embedded file", testpdf.Active("/Names << /EmbeddedFiles << /Names [(a.exe) 6 0 R] >> >>", "",
			"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>", "<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream")},
		{"attached file", "an attached file (page 1)", testpdf.Active("", "/Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS 6 0 R >>]",
			"<< /Type /Filespec /F (a.exe) >>")},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := svc.CheckSignable(ctx, bytes.NewReader(c.pdf), int64(len(c.pdf)))
			_, serr := svc.SignOfficial(ctx, d, officer, c.pdf)
			for what, err := range map[string]error{"CheckSignable": err, "SignOfficial": serr} {
				switch {
				case c.want == "" && err != nil:
					t.Errorf("%s: %v", what, err)
				case c.want != "" && (!errors.Is(err, workflow.ErrPDFActive) || workflow.ErrorCode(err) != workflow.EUNPROCESSABLE ||
					!strings.Contains(workflow.ErrorMessage(err), "contains "+c.want+",")):
					t.Errorf("%s: %v, want EUNPROCESSABLE ErrPDFActive with %q", what, err, c.want)
				}
			}
		})
	}
}

// TestInspectActive: the inspection says everything a file carries that
// acts when it is opened (Info.Active, from the one walk that refuses an
// outgoing draft): each kind once, however often and wherever found, a
// link or an empty name tree none — what an incoming document's page
// warns of.
func TestInspectActive(t *testing.T) {
	js := "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
	for _, c := range []struct {
		name string
		pdf  []byte
		want workflow.Active
	}{
		{"plain", testpdf.Make(2, "plain"), 0},
		{"a link", testpdf.Active("", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://example.vn/) >> >>]"), 0},
		{"empty name tree", testpdf.Active("/Names << /EmbeddedFiles << /Names [] >> >>", ""), 0},
		{"open action", testpdf.ActiveJS(), workflow.ActiveJavaScript},
		{"launch", testpdf.ActiveLaunch(), workflow.ActiveLaunch},
		{"script and embedded file", testpdf.ActiveJSEmbedded(), workflow.ActiveJavaScript | workflow.ActiveEmbeddedFile},
		{"script then launch in one chain, and an attached file", testpdf.Active("/OpenAction << /S /JavaScript /JS (1) /Next << /S /Launch /F (a.exe) >> >>",
			"/AA << /O 6 0 R >> /Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS 7 0 R >>]", js, "<< /Type /Filespec /F (a.exe) >>"),
			workflow.ActiveJavaScript | workflow.ActiveLaunch | workflow.ActiveEmbeddedFile},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, err := Inspect(bytes.NewReader(c.pdf), int64(len(c.pdf)))
			if err != nil || info.Active != c.want {
				t.Errorf("Active = %v (%q), %v; want %v", info.Active, info.Active.Kinds(), err, c.want)
			}
		})
	}
}
