package workflow_test

import (
	"context"
	"io"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// detectingInspector finds a fixed layout in every upload, and notes
// whom it was told signs.
type detectingInspector struct {
	l      *workflow.Layout
	signer **workflow.User
}

func (d detectingInspector) InspectPDF(context.Context, io.ReaderAt, int64) error { return nil }
func (d detectingInspector) DetectLayout(_ context.Context, _ io.ReaderAt, _ int64, signer *workflow.User) (*workflow.Layout, error) {
	if d.signer != nil {
		*d.signer = signer
	}
	c := *d.l
	return &c, nil
}

func TestCreateDetectsLayout(t *testing.T) {
	e := newEnv(t)
	found := &workflow.Layout{Number: &workflow.Box{Page: 1, X: 100, Y: 700, W: 40, H: 17}, NumberOnly: true, Source: workflow.LayoutDetected,
		Notes: []string{"no date line"}}
	var told *workflow.User
	e.svc.Inspector = detectingInspector{found, &told}
	d := e.create(t, workflow.Outgoing, workflow.Public)
	if d.Layout == nil || d.Layout.Number == nil || d.Layout.Number.X != 100 || !d.Layout.NumberOnly || d.Layout.Source != workflow.LayoutDetected {
		t.Fatalf("detected layout not kept: %+v", d.Layout)
	}
	// The detector is told who signs (the signer's block of a joint
	// document's several).
	if told == nil || told.ID != d.SignerID {
		t.Fatalf("detector told signer %+v, want the document's (%s)", told, d.SignerID)
	}
	// Incoming documents keep no layout.
	if in := e.create(t, workflow.Incoming, workflow.Public); in.Layout != nil {
		t.Fatalf("incoming document got a layout: %+v", in.Layout)
	}
}

func TestSetLayout(t *testing.T) {
	box := func(y float64) *workflow.Layout {
		return &workflow.Layout{Signature: &workflow.Box{Page: 0, X: 300, Y: y, W: 170, H: 60}, Number: &workflow.Box{Page: 1, X: 60, Y: 700, W: 100, H: 18}}
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		state workflow.State
		who   workflow.Role
		l     *workflow.Layout
		code  string
	}{
		{"OK/handler in draft", workflow.Draft, workflow.RoleHandler, box(200), ""},
		{"OK/clerk before issue, signature unchanged", workflow.OfficerSigned, workflow.RoleClerk, nil, ""},
		{"ErrSignatureAfterLayer1", workflow.OfficerSigned, workflow.RoleClerk, box(260), workflow.ECONFLICT},
		{"ErrIssued", workflow.Issued, workflow.RoleClerk, box(200), workflow.ECONFLICT},
		{"ErrArchivist", workflow.Draft, workflow.RoleArchivist, box(200), workflow.EFORBIDDEN},
		{"ErrInvalid", workflow.Draft, workflow.RoleHandler, &workflow.Layout{Number: &workflow.Box{Page: 2, W: 1, H: 1}}, workflow.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			d := e.walkTo(t, workflow.Outgoing, tc.state)
			l := tc.l
			if tc.name == "OK/clerk before issue, signature unchanged" {
				l = &workflow.Layout{Number: &workflow.Box{Page: 1, X: 80, Y: 690, W: 90, H: 18}}
			}
			got, err := e.svc.SetLayout(ctx, e.users[tc.who], d.ID, 0, l)
			if workflow.ErrorCode(err) != tc.code {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			if err != nil {
				return
			}
			if got.Layout == nil || got.Layout.Source != workflow.LayoutManual || got.Version != d.Version+1 {
				t.Fatalf("layout %+v version %d", got.Layout, got.Version)
			}
			evs, _ := e.repo.Events(ctx, d.ID)
			if last := evs[len(evs)-1]; last.Kind != workflow.EventLayout || last.Actor != e.users[tc.who].ID {
				t.Fatalf("last event %+v", last)
			}
		})
	}
}

func TestVerifyCodeAndReformRoles(t *testing.T) {
	e := newEnv(t)
	e.svc.VerifyCodes = true
	d := e.walkTo(t, workflow.Outgoing, workflow.Issued)
	if len(d.VerifyCode) != 10 || workflow.NormalizeVerifyCode(d.VerifyCode) != d.VerifyCode {
		t.Fatalf("verify code %q", d.VerifyCode)
	}
	ctx := context.Background()
	p, err := e.svc.VerifyCode(ctx, d.VerifyCode[:5]+"-"+d.VerifyCode[5:])
	if err != nil || p.Notation != d.Notation || p.SHA256 == "" || p.Issuer != "UBND quận Bình Thủy" || p.Classified {
		t.Fatalf("public view %+v, %v", p, err)
	}
	for _, bad := range []string{"", "short", "AAAAAAAAAA", "abcdefghi1"} {
		if _, err := e.svc.VerifyCode(ctx, bad); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("code %q: %v", bad, err)
		}
	}
	// A draft has no code; without VerifyCodes, issue gives none.
	e.svc.VerifyCodes = false
	if d2 := e.walkTo(t, workflow.Outgoing, workflow.Issued); d2.VerifyCode != "" {
		t.Fatalf("code without a public URL: %q", d2.VerifyCode)
	}
	// The memory repository cannot count: the report's roles are checked first.
	if _, err := e.svc.ReformReport(ctx, e.users[workflow.RoleHandler], e.now.AddDate(0, -1, 0), e.now); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("handler: %v", err)
	}
	if _, err := e.svc.ReformReport(ctx, e.users[workflow.RoleClerk], e.now, e.now); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("empty period: %v", err)
	}
}

func TestReformFigures(t *testing.T) {
	f := workflow.ReformFigures(workflow.ReformCounts{Issued: 4, IssuedTwoLayers: 4, IncomingElectronic: 1, IncomingPaper: 3, Archived: 10, ArchiveUsed: 5})
	want := map[string][3]float64{"two_layers": {100, 100, 1}, "incoming_electronic": {25, 100, 0}, "archive_reuse": {50, 50, 1}, "on_time": {0, 100, 0}}
	for _, x := range f {
		w, ok := want[x.Key]
		if !ok {
			continue
		}
		met := 0.0
		if x.Met {
			met = 1
		}
		if x.Percent != w[0] || x.Target != w[1] || met != w[2] {
			t.Errorf("%s: %+v", x.Key, x)
		}
	}
}

// TestLayoutValidateDateBlanksBelow: the distances below the date box's
// line come three, with the three blanks, within three lines and on the
// page.
func TestLayoutValidateDateBlanksBelow(t *testing.T) {
	date := &workflow.Box{Page: 1, X: 330, Y: 720, W: 180, H: 17.5}
	for _, tc := range []struct {
		name  string
		below []float64
		code  string
	}{
		{"OK/none", nil, ""},
		{"OK/month and year on the next line", []float64{0, 15, 15}, ""},
		{"ErrTwo", []float64{0, 15}, workflow.EINVALID},
		{"ErrNegative", []float64{0, -15, 15}, workflow.EINVALID},
		{"ErrFar", []float64{0, 15, 80}, workflow.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &workflow.Layout{Date: date, DateBlanks: []float64{20, 60, 100}, DateBlanksBelow: tc.below}
			if code := workflow.ErrorCode(l.Validate()); code != tc.code {
				t.Errorf("code %q, want %q", code, tc.code)
			}
		})
	}
	l := &workflow.Layout{Date: date, DateBlanksBelow: []float64{0, 15, 15}}
	if workflow.ErrorCode(l.Validate()) != workflow.EINVALID {
		t.Error("distances below without the blanks accepted")
	}
}
