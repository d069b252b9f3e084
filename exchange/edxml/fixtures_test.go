package edxml

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/interop"
	"github.com/vanthu/vanthu/workflow"
)

// readFixture reads a real package made by the national platform's SDK
// from the interop corpus (VANTHU_INTEROP_FIXTURES/edxml; the test skips
// without it). own_corpus_test.go covers the same paths with packages our
// builder makes.
func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	return interop.File(tb, "edxml", name)
}

func day(y int, m time.Month, d int) workflow.Date { return workflow.NewDate(y, m, d) }

func at(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, Location)
}

type wantAttachment struct {
	cid, name, contentType string
	size                   int
	magic                  string
}

type wantDoc struct {
	documentID   string
	from, fromNm string
	to           []string
	number       string
	notation     string
	promulgated  workflow.Date
	typeCode     string
	typeName     string
	subject      string
	priority     int
	business     BusinessType
	trace        []Hop
	responseFor  *DocRef
	attachments  []wantAttachment
	check        func(t *testing.T, d *Document) // extra, fixture-specific
}

const vpcpSubject = "V/v kết nối, liên thông phần mềm quản lý văn bản"

var sdkAttachment = wantAttachment{"cid:209", "1896_QD-TTg_m_294779.doc", "application/zip", 270823, "PK\x03\x04"}

var documentFixtures = map[string]wantDoc{
	"edoc_replacement.edxml": {
		documentID: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
		from:       "000.00.00.G22", fromNm: "Văn phòng Chính phủ",
		to:     []string{"000.00.00.H41", "000.00.00.H14", "000.00.00.G17"},
		number: "7816", notation: "VPCP-TTĐT", promulgated: day(2018, 9, 28),
		typeCode: "1", typeName: "Công văn", subject: vpcpSubject,
		business:    BusinessReplace,
		trace:       []Hop{{"000.00.00.G22", at(2018, 9, 28, 0, 0, 0)}},
		attachments: []wantAttachment{sdkAttachment},
		check: func(t *testing.T, d *Document) {
			want := []Replacement{
				{"000.00.00.G22,2014/01/30,7806/VPCP-TTĐT", []string{"000.00.00.H41", "000.00.00.H14"}},
				{"000.00.00.G22,2014/01/30,7806/VPCP-TTĐT", []string{"000.00.00.H41", "000.00.00.H14"}},
			}
			if !slices.EqualFunc(d.Business.Replaces, want, func(a, b Replacement) bool {
				return a.DocumentID == b.DocumentID && slices.Equal(a.OrganIDs, b.OrganIDs)
			}) {
				t.Errorf("Replaces = %+v, want %+v", d.Business.Replaces, want)
			}
			if d.Business.Reason != "Văn bản thay thế" {
				t.Errorf("Reason = %q", d.Business.Reason)
			}
			if d.Business.Staff == nil || d.Business.Staff.Name != "Nguyễn Thị Ngọc Trâm" {
				t.Errorf("Business.Staff = %+v", d.Business.Staff)
			}
			if d.Signer.FullName != "Nguyen Thanh Phuc" || d.Signer.Competence != "TL. BO TRUONG" {
				t.Errorf("Signer = %+v", d.Signer)
			}
			if d.DueDate != day(2018, 9, 28) || d.PageAmount != 22 || d.PromulgationAmount != 2 {
				t.Errorf("DueDate %v PageAmount %d PromulgationAmount %d", d.DueDate, d.PageAmount, d.PromulgationAmount)
			}
			if len(d.ToPlaces) != 2 || d.ToPlaces[1] != "Uy ban nhan dan cac tinh, TP" {
				t.Errorf("ToPlaces = %q", d.ToPlaces)
			}
		},
	},
	"edoc_revocation.edxml": {
		documentID: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
		from:       "000.00.00.G22", fromNm: "Văn phòng Chính phủ",
		to:     []string{"000.00.00.H41", "000.00.00.H14", "000.00.00.G17"},
		number: "7816", notation: "VPCP-TTĐT", promulgated: day(2018, 9, 28),
		typeCode: "1", typeName: "Công văn", subject: vpcpSubject,
		business:    BusinessRevoke,
		trace:       []Hop{{"000.00.00.G22", at(2018, 9, 28, 0, 0, 0)}},
		responseFor: &DocRef{"000.00.00.H14", "267/VPCP-TTĐT", day(2018, 9, 28), "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"},
		attachments: []wantAttachment{sdkAttachment},
		check: func(t *testing.T, d *Document) {
			if d.Business.Reason != "Thu hồi văn bản điện tử" {
				t.Errorf("Reason = %q", d.Business.Reason)
			}
		},
	},
	"edoc_update.edxml": {
		documentID: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
		from:       "000.00.00.G22", fromNm: "Văn phòng Chính phủ",
		to:     []string{"000.00.00.H41", "000.00.00.H14", "000.00.00.G17"},
		number: "7816", notation: "VPCP-TTĐT", promulgated: day(2018, 9, 28),
		typeCode: "1", typeName: "Công văn", subject: vpcpSubject,
		business:    BusinessUpdate,
		trace:       []Hop{{"000.00.00.G22", at(2018, 9, 28, 0, 0, 0)}},
		attachments: []wantAttachment{sdkAttachment},
		check: func(t *testing.T, d *Document) {
			// The SDK's sample refers to a 30 February: kept verbatim (a
			// reference to another agency's document is checked for shape).
			if d.Business.DocumentID != "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT" {
				t.Errorf("Business.DocumentID = %q", d.Business.DocumentID)
			}
			u := d.Business.Update
			if u == nil || u.DocumentInfo != "1" || len(u.Receivers) != 2 ||
				u.Receivers[0] != (Receiver{"000.00.00.H41", "0"}) || u.Receivers[1] != (Receiver{"000.00.00.H14", "1"}) {
				t.Errorf("Update = %+v", u)
			}
		},
	},
	"gateway-2019-852e179c.edxml": {
		documentID: "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb",
		from:       "000.00.15.H51", fromNm: "Văn phòng Chính phủ",
		to:     []string{"000.00.15.H51"},
		number: "1223412", notation: "PRO-TEST-CASE1", promulgated: day(2019, 1, 17),
		typeCode: "1", typeName: "Thông tư", subject: "Văn bản liên thông chỉ đạo - 190701",
		business: BusinessNew,
		trace:    []Hop{{"01.02.G22", at(2018, 6, 20, 16, 35, 56)}, {"001.00.20.TT2", at(2019, 5, 17, 18, 16, 33)}},
		// The manifest says application/pdf, the attachment itself
		// application/zip, and the bytes are a zip: the attachment wins.
		attachments: []wantAttachment{{"cid:36b8a92e-f054-11e7-842b-005056b672fc", "GUIDE_INSTALL OPENVPN.SIGNED.PDF", "application/zip", 214, "PK\x03\x04"}},
		check: func(t *testing.T, d *Document) {
			if d.DueDate != day(2018, 6, 25) {
				t.Errorf("DueDate = %v", d.DueDate)
			}
			if d.Content != "test gửi liên thông vpcp" || d.Signer.FullName != "Trương Minh Tuấn" {
				t.Errorf("Content %q Signer %+v", d.Content, d.Signer)
			}
		},
	},
	"gateway-2025-874e0f18.edxml": {
		documentID: "5e515fca-3627-4f2e-b517-7169acdc8bda",
		from:       "vxp.saas.03", fromNm: "",
		to:     []string{"vxp.saas.03"},
		number: "BINTEST123", notation: "GW-AUTO", promulgated: day(2025, 10, 23),
		typeCode: "1", typeName: "Công văn", subject: "Binary fix test",
		business:    BusinessNew,
		trace:       []Hop{{"null", at(2025, 10, 23, 16, 28, 42)}, {"", at(2025, 10, 23, 16, 28, 43)}},
		attachments: []wantAttachment{{"cid:56fb5bcb-8229-4691-8b4f-51305171b954", "1761211722949_TestTrucLienThong.pdf", "application/pdf", 10689, "PK\x03\x04"}},
		check: func(t *testing.T, d *Document) {
			if !d.DueDate.IsZero() {
				t.Errorf("DueDate = %v, want none", d.DueDate)
			}
		},
	},
	"gateway-2025-9e272474.edxml": {
		documentID: "efa170d6-eca4-47e1-aef7-a6dafce24e9e",
		from:       "vxp.saas.03", fromNm: "Đơn vị test vxp 3",
		to:     []string{"vxp.saas.03"},
		number: "202545", notation: "VPCP-TTĐT", promulgated: day(2025, 10, 20),
		typeCode: "2", typeName: "Báo cáo", subject: "Gộp 3 file", priority: 1,
		business:    BusinessNew,
		trace:       []Hop{{"null", at(2025, 10, 23, 15, 46, 18)}, {"", at(2025, 10, 23, 15, 46, 19)}},
		attachments: []wantAttachment{{"cid:a2e27520-f053-46f9-93ac-4b0d2f956d1b", "1761209178887_TestTrucLienThong.pdf", "application/pdf", 18839, "%PDF-1.3"}},
		check: func(t *testing.T, d *Document) {
			if !slices.Equal(d.Appendixes, []string{"Phụ lục 1", "Phụ lục 2"}) || d.SteeringType != "2" || d.TypeDetail != "1" {
				t.Errorf("Appendixes %q SteeringType %q TypeDetail %q", d.Appendixes, d.SteeringType, d.TypeDetail)
			}
			if d.Place != "Thành phố Đà Nẵng" || d.Sphere != "Công khai" || d.Direction != "true" {
				t.Errorf("Place %q Sphere %q Direction %q", d.Place, d.Sphere, d.Direction)
			}
		},
	},
}

func TestParseFixtureDocuments(t *testing.T) {
	for name, want := range documentFixtures {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(bytes.NewReader(readFixture(t, name)), Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Kind != KindDocument || m.Document == nil || m.Status != nil {
				t.Fatalf("Kind = %q, Document %v, Status %v", m.Kind, m.Document != nil, m.Status != nil)
			}
			d := m.Document
			if d.DocumentID != want.documentID {
				t.Errorf("DocumentID = %q, want %q", d.DocumentID, want.documentID)
			}
			if d.From.ID != want.from || d.From.Name != want.fromNm {
				t.Errorf("From = %q %q, want %q %q", d.From.ID, d.From.Name, want.from, want.fromNm)
			}
			var to []string
			for _, o := range d.To {
				to = append(to, o.ID)
			}
			if !slices.Equal(to, want.to) {
				t.Errorf("To = %q, want %q", to, want.to)
			}
			if d.Number != want.number || d.Notation != want.notation {
				t.Errorf("Code = %q/%q, want %q/%q", d.Number, d.Notation, want.number, want.notation)
			}
			if d.PromulgationDate != want.promulgated {
				t.Errorf("PromulgationDate = %v, want %v", d.PromulgationDate, want.promulgated)
			}
			if d.TypeCode != want.typeCode || d.TypeName != want.typeName {
				t.Errorf("DocumentType = %q %q, want %q %q", d.TypeCode, d.TypeName, want.typeCode, want.typeName)
			}
			if d.Subject != want.subject {
				t.Errorf("Subject = %q, want %q", d.Subject, want.subject)
			}
			if d.Priority != want.priority {
				t.Errorf("Priority = %d, want %d", d.Priority, want.priority)
			}
			if d.Business.Type != want.business {
				t.Errorf("BussinessDocType = %s, want %s", d.Business.Type, want.business)
			}
			if !slices.EqualFunc(d.Trace, want.trace, func(a, b Hop) bool { return a.OrganID == b.OrganID && a.Time.Equal(b.Time) }) {
				t.Errorf("Trace = %+v, want %+v", d.Trace, want.trace)
			}
			switch {
			case want.responseFor == nil && d.ResponseFor != nil:
				t.Errorf("ResponseFor = %+v, want none", *d.ResponseFor)
			case want.responseFor != nil && (d.ResponseFor == nil || !docRefEqual(*d.ResponseFor, *want.responseFor)):
				t.Errorf("ResponseFor = %+v, want %+v", d.ResponseFor, *want.responseFor)
			}
			if len(d.Attachments) != len(want.attachments) {
				t.Fatalf("%d attachments, want %d", len(d.Attachments), len(want.attachments))
			}
			for i, wa := range want.attachments {
				a := d.Attachments[i]
				if a.ContentID != wa.cid || a.Name != wa.name || a.ContentType != wa.contentType {
					t.Errorf("attachment %d = %q %q %q, want %q %q %q", i, a.ContentID, a.Name, a.ContentType, wa.cid, wa.name, wa.contentType)
				}
				if len(a.Data) != wa.size || !bytes.HasPrefix(a.Data, []byte(wa.magic)) {
					t.Errorf("attachment %d: %d bytes starting %q, want %d starting %q", i, len(a.Data), a.Data[:min(8, len(a.Data))], wa.size, wa.magic)
				}
			}
			if want.check != nil {
				want.check(t, d)
			}
		})
	}
}

func docRefEqual(a, b DocRef) bool {
	return a.OrganID == b.OrganID && a.Code == b.Code && a.DocumentID == b.DocumentID && a.PromulgationDate == b.PromulgationDate
}

func TestParseFixtureStatuses(t *testing.T) {
	const vpcpDoc = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
	nghean, vpcp := "000.00.00.H41", "000.00.00.G22"
	later := at(2015, 9, 20, 11, 8, 36)
	tests := []struct {
		file       string
		code       StatusCode
		from, resp string
		respDate   workflow.Date
		when       time.Time
		staff      string
		descPrefix string
	}{
		{"status.edxml", StatusArrived, nghean, vpcp, day(2018, 9, 28), at(2018, 9, 28, 17, 25, 11), "Nguyễn Thị Ngọc Trâm", "Văn thư - Phòng Văn thư - Lưu trữ: Đã đến"},
		{"status_inbox_01.edxml", StatusArrived, nghean, vpcp, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Văn thư - Phòng Văn thư - Lưu trữ: Đã đến"},
		{"status_rejection_02.edxml", StatusRejected, nghean, vpcp, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Văn thư - Phòng Văn thư - Lưu trữ: Từ chối không tiếp nhận"},
		{"status_acceptance_03.edxml", StatusAccepted, nghean, vpcp, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Văn thư cơ - Phòng Văn thư - Lưu trữ: Tiếp nhận"},
		{"status_assignment_04.edxml", StatusAssigned, nghean, vpcp, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Lãnh đạo: Phân công xử lý"},
		{"status_processing_05.edxml", StatusInProgress, nghean, vpcp, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Đang xử lý văn bản đến"},
		{"status_finish_06.edxml", StatusCompleted, nghean, vpcp, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Văn thư: Ban hành văn bản đến"},
		// 13 goes the other way: the sender asks the receiver to give it back.
		{"status_cancellation_13.edxml", StatusRevokeRequest, vpcp, nghean, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Văn thư yêu cầu lấy lại"},
		{"status_change-acceptance_15.edxml", StatusRevokeAccepted, nghean, vpcp, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Văn thư đồng ý"},
		{"status_change-rejection_16.edxml", StatusRevokeRefused, nghean, vpcp, day(2015, 9, 30), later, "Nguyen thi ngoc tram", "Văn thư từ chối"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Parse(bytes.NewReader(readFixture(t, tt.file)), Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Kind != KindStatus || m.Status == nil || m.Document != nil {
				t.Fatalf("Kind = %q", m.Kind)
			}
			st := m.Status
			if st.Code != tt.code {
				t.Errorf("StatusCode = %q, want %q", st.Code, tt.code)
			}
			if st.From.ID != tt.from {
				t.Errorf("From = %q, want %q", st.From.ID, tt.from)
			}
			want := DocRef{tt.resp, "7816/VPCP-TTĐT", tt.respDate, vpcpDoc}
			if !docRefEqual(st.ResponseFor, want) {
				t.Errorf("ResponseFor = %+v, want %+v", st.ResponseFor, want)
			}
			if !st.Time.Equal(tt.when) {
				t.Errorf("Timestamp = %v, want %v", st.Time, tt.when)
			}
			if st.Staff.Name != tt.staff {
				t.Errorf("Staff = %q, want %q", st.Staff.Name, tt.staff)
			}
			if !strings.HasPrefix(st.Description, tt.descPrefix) {
				t.Errorf("Description = %q, want prefix %q", st.Description, tt.descPrefix)
			}
		})
	}
}

// TestParseFixturesAll makes sure no fixture is left out of the tables above
// (and that a new one gets an expectation).
func TestParseFixturesAll(t *testing.T) {
	files := interop.Files(t, "edxml", "*.edxml")
	malformed := map[string]bool{"edoc.edxml": true, "edoc_new.edxml": true}
	for _, f := range files {
		name := filepath.Base(f)
		_, isDoc := documentFixtures[name]
		if !isDoc && !strings.HasPrefix(name, "status") && !malformed[name] {
			t.Errorf("fixture %s has no expectation", name)
		}
	}
}

func TestParseMalformedFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []string // all in the error message
	}{
		// Unbound prefixes: xlink:href on the manifest Reference, and
		// edXML:AttachmentEncoded outside the element declaring edXML.
		{"edoc.edxml", []string{"malformed XML", "line 116", `namespace prefix "xlink"`, "not declared"}},
		{"edoc_new.edxml", []string{"malformed XML", `"1212<?xml`, "before the XML declaration"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(readFixture(t, tt.file)), Limits{})
			assertInvalid(t, err, tt.want...)
		})
	}
	t.Run("edoc.edxml/AttachmentEncoded", func(t *testing.T) {
		// With xlink declared, the next unbound prefix is still found.
		b := bytes.Replace(readFixture(t, "edoc.edxml"), []byte(`xlink:href=""`), []byte(`xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href=""`), 1)
		_, err := Parse(bytes.NewReader(b), Limits{})
		assertInvalid(t, err, `namespace prefix "edXML" of <edXML:AttachmentEncoded> is not declared`)
	})
	t.Run("edoc_new.edxml/without junk", func(t *testing.T) {
		// Without the junk the same package is fine: the refusal is about
		// the junk, not about anything else in it.
		b := bytes.TrimPrefix(readFixture(t, "edoc_new.edxml"), []byte("1212"))
		m, err := Parse(bytes.NewReader(b), Limits{})
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if m.Document.From.ID != "002.00.20.H13" || m.Document.To[0].ID != "28.22.H17" || m.Document.Business.Type != BusinessNew {
			t.Errorf("From %q To %q Business %s", m.Document.From.ID, m.Document.To[0].ID, m.Document.Business.Type)
		}
	})
}

func assertInvalid(t *testing.T, err error, want ...string) {
	t.Helper()
	assertCode(t, err, workflow.EINVALID, want...)
}

func assertCode(t *testing.T, err error, code string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s error containing %q", code, want)
	}
	var we *workflow.Error
	if !errors.As(err, &we) {
		t.Fatalf("err = %T %v, want *workflow.Error", err, err)
	}
	if we.Code != code {
		t.Errorf("code = %q, want %q (%v)", we.Code, code, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
