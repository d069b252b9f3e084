package edxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// sampleDocument is a complete document as vanthu would send it.
func sampleDocument() Document {
	return Document{
		From: Organization{
			ID: "000.00.12.H13", InCharge: "UBND tỉnh Cao Bằng", Name: "Sở Thông tin và Truyền thông tỉnh Cao Bằng",
			Address: "Số 011 Hoàng Đình Giong, Cao Bằng", Email: "stttt@caobang.gov.vn", Telephone: "0206 3852 139",
		},
		To: []Organization{
			{ID: "000.00.00.H41", Name: "UBND Tỉnh Nghệ An"},
			{ID: "000.00.00.G22", Name: "Văn phòng Chính phủ"},
		},
		Number: "125", Notation: "STTTT-VP", Place: "Cao Bằng",
		PromulgationDate: day(2026, 3, 2),
		TypeCode:         "1", TypeDetail: "0", TypeName: "Công văn",
		Subject:  "V/v triển khai liên thông văn bản điện tử <năm 2026> & các năm sau",
		Content:  "Đề nghị các cơ quan phối hợp.",
		Signer:   Signer{Competence: "KT. GIÁM ĐỐC", Position: "Phó Giám đốc", FullName: "Nông Văn Tuấn"},
		DueDate:  day(2026, 3, 31),
		ToPlaces: []string{"Như trên", "Lưu: VT"},
		Priority: 1, Sphere: "Liên thông văn bản quốc gia", TyperNotation: "VT", PromulgationAmount: 2, PageAmount: 3,
		Direction: "false", Appendixes: []string{"Phụ lục I"}, SteeringType: "1",
		Trace:    []Hop{{OrganID: "000.00.12.H13", Time: at(2026, 3, 2, 9, 15, 0)}},
		Business: Business{Type: BusinessNew, Reason: "Văn bản điện tử mới", Paper: "0", Staff: &Staff{Department: "Văn phòng", Name: "Lê Thị Hoa", Email: "hoa@caobang.gov.vn"}},
		Attachments: []Attachment{
			{ContentID: "cid:1", Name: "125-STTTT-VP.signed.pdf", ContentType: "application/pdf", Description: "Văn bản ký số", Data: []byte("%PDF-1.7\n\x00\x01\x02 binary \xff")},
			{ContentID: "cid:2", Name: "phu-luc.docx", Data: bytes.Repeat([]byte{0xAB}, 1000)},
		},
	}
}

func TestBuildParseRoundTrip(t *testing.T) {
	doc := sampleDocument()
	out, err := Build(doc)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	m, err := Parse(bytes.NewReader(out), Limits{})
	if err != nil {
		t.Fatalf("Parse(Build()): %v\n%s", err, out)
	}
	if m.Kind != KindDocument {
		t.Fatalf("Kind = %q", m.Kind)
	}
	got := m.Document
	want := doc
	want.DocumentID = "000.00.12.H13,2026/03/02,125/STTTT-VP"
	want.DocumentIDAsSent = want.DocumentID // as Build wrote it
	want.Attachments = slices.Clone(doc.Attachments)
	want.Attachments[1].ContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	if got.DocumentID != want.DocumentID {
		t.Errorf("DocumentID = %q, want %q", got.DocumentID, want.DocumentID)
	}
	if !reflect.DeepEqual(normalise(*got), normalise(want)) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", normalise(*got), normalise(want))
	}
}

// normalise makes times comparable with DeepEqual.
func normalise(d Document) Document {
	fix := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(time.UTC)
	}
	d.Trace = slices.Clone(d.Trace)
	for i := range d.Trace {
		d.Trace[i].Time = fix(d.Trace[i].Time)
	}
	if d.ResponseFor != nil {
		r := *d.ResponseFor
		d.ResponseFor = &r
	}
	return d
}

func TestBuildDefaults(t *testing.T) {
	doc := sampleDocument()
	doc.Trace = nil
	doc.Business = Business{}
	doc.Attachments = []Attachment{{Name: "a.pdf", Data: []byte("x")}}
	before := time.Now().Truncate(time.Second)
	out, err := Build(doc)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	s := string(out)
	m := regexp.MustCompile(`<edXML:OrganId>000.00.12.H13</edXML:OrganId>\n          <edXML:Timestamp>([^<]+)</edXML:Timestamp>`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no TraceHeader for the sender:\n%s", s)
	}
	if at, err := time.ParseInLocation("2006/01/02 15:04:05", m[1], Location); err != nil || at.Before(before) || at.After(after) {
		t.Errorf("default TraceHeader at %q (%v), want the time of Build (%v .. %v) in Vietnam", m[1], err, before, after)
	}
	// A hop's time is written in Vietnam time: 17:30:05 UTC on 31
	// December is 00:30:05 on 1 January.
	doc.Trace = []Hop{{OrganID: doc.From.ID, Time: time.Date(2026, 12, 31, 17, 30, 5, 0, time.UTC)}}
	out2, err := Build(doc)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<edXML:OrganId>000.00.12.H13</edXML:OrganId>\n          <edXML:Timestamp>2027/01/01 00:30:05</edXML:Timestamp>"; !strings.Contains(string(out2), want) {
		t.Errorf("output lacks %q", want)
	}
	for _, want := range []string{
		"<edXML:BussinessDocType>0</edXML:BussinessDocType>",
		"<ContentType>application/pdf</ContentType>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !regexp.MustCompile(`<ContentId>cid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}</ContentId>`).MatchString(s) {
		t.Errorf("no generated cid:uuid ContentId")
	}
	if doc.Attachments[0].ContentID != "" {
		t.Errorf("Build changed the caller's attachment")
	}
}

func TestBuildFieldChecks(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Document)
		want   []string
	}{
		{"SubjectTooLong", func(d *Document) { d.Subject = strings.Repeat("ă", 501) }, []string{"MessageHeader/Subject", "501 characters, at most 500"}},
		{"SubjectMissing", func(d *Document) { d.Subject = "  " }, []string{"MessageHeader/Subject: missing"}},
		{"NoRecipient", func(d *Document) { d.To = nil }, []string{"MessageHeader/To: at least one recipient"}},
		{"RepeatedRecipient", func(d *Document) { d.To = append(d.To, Organization{ID: "000.00.00.H41"}) }, []string{"MessageHeader/To[3]/OrganId", "000.00.00.H41 is already recipient 1"}},
		{"BadSender", func(d *Document) { d.From.ID = "000.00.00.h13" }, []string{"MessageHeader/From/OrganId", `"000.00.00.h13" is not like 000.00.00.H13`}},
		{"BadRecipient", func(d *Document) { d.To[1].ID = "H13" }, []string{"MessageHeader/To[2]/OrganId", `"H13"`}},
		{"BadDocumentID", func(d *Document) { d.DocumentID = "000.00.12.H13,2026/02/30,125/STTTT-VP" }, []string{"MessageHeader/DocumentId", `"2026/02/30" is not a calendar date`}},
		{"UUIDDocumentID", func(d *Document) { d.DocumentID = "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb" }, []string{"MessageHeader/DocumentId", "not like OrganId,yyyy/MM/dd"}},
		{"NoDate", func(d *Document) { d.PromulgationDate = workflow.Date{}; d.DocumentID = "" }, []string{"PromulgationInfo/PromulgationDate: missing", "MessageHeader/DocumentId: missing"}},
		{"NoNumber", func(d *Document) { d.Number = "" }, []string{"Code/CodeNumber: missing"}},
		{"BadBusiness", func(d *Document) { d.Business.Type = "7" }, []string{"BussinessDocType", `"7" is not 0 (new)`}},
		{"ReplaceWithoutTarget", func(d *Document) { d.Business.Type = BusinessReplace }, []string{"ReplacementInfoList", "must name the document it replaces"}},
		{"BadPriority", func(d *Document) { d.Priority = 9 }, []string{"OtherInfo/Priority", "9 is not 0 to 4"}},
		{"ControlCharacter", func(d *Document) { d.Content = "a\x00b" }, []string{"Document.Content", "control characters"}},
		{"InvalidUTF8", func(d *Document) { d.Signer.FullName = "\xff" }, []string{"Document.Signer.FullName", "invalid UTF-8"}},
		{"AttachmentName", func(d *Document) { d.Attachments[0].Name = "" }, []string{"AttachmentEncoded/Attachment[1]/AttachmentName: missing"}},
		{"DuplicateCID", func(d *Document) { d.Attachments[1].ContentID = "cid:1" }, []string{"Attachment[2]/ContentId", `"cid:1" used twice`}},
		{"SeveralAtOnce", func(d *Document) { d.Subject = ""; d.To = nil }, []string{"Subject: missing", "To: at least one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sampleDocument()
			tt.change(&d)
			_, err := Build(d)
			assertInvalid(t, err, tt.want...)
		})
	}
}

func TestParseFieldChecks(t *testing.T) {
	base, err := Build(sampleDocument())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"SubjectTooLong", "<edXML:Subject>V/v", "<edXML:Subject>" + strings.Repeat("ư", 500), []string{"MessageHeader/Subject", "at most 500"}},
		{"NoTo", "edXML:To>", "edXML:Tx>", []string{"MessageHeader/To: at least one recipient"}}, // all To renamed to an unknown element
		{"BadOrgID", "<edXML:OrganId>000.00.12.H13</edXML:OrganId>\n          <edXML:OrganizationInCharge>", "<edXML:OrganId>000..H13</edXML:OrganId>\n          <edXML:OrganizationInCharge>", []string{"MessageHeader/From/OrganId", `"000..H13"`}},
		{"BadDocumentID", "<edXML:DocumentId>000.00.12.H13,2026/03/02,125/STTTT-VP", "<edXML:DocumentId>000.00.12.H13;2026/03/02;125", []string{"MessageHeader/DocumentId", "not like OrganId,yyyy/MM/dd,Số/KýHiệu"}},
		{"BadDate", "<edXML:PromulgationDate>2026/03/02", "<edXML:PromulgationDate>2026/13/02", []string{"PromulgationDate", `"2026/13/02" is not a calendar date`}},
		{"WordsDate", "<edXML:DueDate>2026/03/31", "<edXML:DueDate>31 tháng 3", []string{"MessageHeader/DueDate", "is not yyyy/MM/dd"}},
		{"BadTimestamp", "2026/03/02 09:15:00", "2026/03/02T09:15", []string{"TraceHeader[1]/Timestamp", "not yyyy/MM/dd HH:mm:ss"}},
		{"BadBusiness", "<edXML:BussinessDocType>0<", "<edXML:BussinessDocType>4<", []string{"BussinessDocType", `"4"`}},
		{"BadBase64", "<edXML:ContentTransferEncoded xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">", "<edXML:ContentTransferEncoded xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">!!", []string{"Attachment[1]/ContentTransferEncoded", "not base64"}},
		{"UnlistedAttachment", "<ContentId>cid:2</ContentId>", "<ContentId>cid:9</ContentId>", []string{`"cid:9" is not in the edXMLManifest`, `Reference[2]: no AttachmentEncoded/Attachment with ContentId "cid:2"`}},
		{"BadPriority", "<edXML:Priority>1<", "<edXML:Priority>khẩn<", []string{"OtherInfo/Priority", `"khẩn" is not a whole number`}},
		{"WrongRoot", "<edXML xmlns=", "<edxml xmlns=", []string{"root element is <edxml>"}},
		{"WrongNamespace", `<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">`, `<edXML xmlns="urn:other">`, []string{`want <edXML> in "http://www.mic.gov.vn/TBT/QCVN_102_2016"`}},
		{"MismatchedTag", "</edXML:Subject>", "</edXML:Subjec>", []string{"malformed XML", "line"}},
		{"Doctype", `<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE edXML [<!ENTITY a "b">]>`, []string{"DTDs"}},
		{"Latin1", `encoding="UTF-8"`, `encoding="ISO-8859-1"`, []string{"malformed XML"}},
		{"WhitespaceBeforeDecl", `<?xml`, ` <?xml`, []string{"XML declaration must come first"}},
		{"TextAfterRoot", "</edXML>\n", "</edXML>\ntrailing", []string{`text "trailing" outside the root element`}},
		{"TwoRoots", "</edXML>\n", "</edXML>\n<edXML/>", []string{"more than one root element"}},
		{"Truncated", "</edXML>\n", "", []string{"malformed XML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(base, []byte(tt.old)) {
				t.Fatalf("test broken: %q not in built package", tt.old)
			}
			n := 1
			if tt.name == "NoTo" {
				n = -1
			}
			b := bytes.Replace(base, []byte(tt.old), []byte(tt.new), n)
			_, err := Parse(bytes.NewReader(b), Limits{})
			assertInvalid(t, err, tt.want...)
		})
	}
}

func TestBuildStatus(t *testing.T) {
	st := Status{
		From:        Organization{ID: "000.00.00.H41", Name: "UBND Tỉnh Nghệ An"},
		ResponseFor: DocRef{OrganID: "000.00.12.H13", Code: "125/STTTT-VP", PromulgationDate: day(2026, 3, 2), DocumentID: "000.00.12.H13,2026/03/02,125/STTTT-VP"},
		Code:        StatusRejected,
		Description: "Văn bản thiếu chữ ký số của cơ quan",
		Staff:       Staff{Department: "Văn thư", Name: "Nguyễn Thị Ngọc Trâm", Mobile: "84912000001"},
		Time:        at(2026, 3, 2, 10, 0, 1),
	}
	out, err := BuildStatus(st)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(out), Limits{})
	if err != nil {
		t.Fatalf("Parse(BuildStatus()): %v\n%s", err, out)
	}
	if m.Kind != KindStatus {
		t.Fatalf("Kind = %q", m.Kind)
	}
	got := *m.Status
	if got.Code != st.Code || got.Description != st.Description || got.From != st.From || got.Staff != st.Staff ||
		!got.Time.Equal(st.Time) || !docRefEqual(got.ResponseFor, st.ResponseFor) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, st)
	}
	// Same element order as the SDK's status messages (interop corpus).
	t.Run("SDKOrder", func(t *testing.T) {
		if got, want := childNames(t, out, "MessageHeader"), childNames(t, readFixture(t, "status_rejection_02.edxml"), "MessageHeader"); !slices.Equal(got, want) {
			t.Errorf("MessageHeader children = %q, fixture has %q", got, want)
		}
	})

	bad := []struct {
		name   string
		change func(*Status)
		want   string
	}{
		{"UnknownCode", func(s *Status) { s.Code = "07" }, `MessageHeader/StatusCode: "07" is not one of`},
		{"RejectWithoutReason", func(s *Status) { s.Description = "" }, "a refusal (02) must give its reason"},
		{"NoDocumentID", func(s *Status) { s.ResponseFor.DocumentID = "" }, "ResponseFor/DocumentId: missing"},
		{"BadFrom", func(s *Status) { s.From.ID = "vxp.saas.03" }, "MessageHeader/From/OrganId"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			s := st
			tt.change(&s)
			_, err := BuildStatus(s)
			assertInvalid(t, err, tt.want)
		})
	}
}

// elementPaths lists every element of an XML package as a slash path of
// {namespace}local names, plus the namespace of each, in document order.
func elementPaths(tb testing.TB, b []byte) []string {
	tb.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack, paths []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return paths
		}
		if err != nil {
			tb.Fatalf("elementPaths: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if t.Name.Space != Namespace {
				name = "{" + t.Name.Space + "}" + name
			}
			stack = append(stack, name)
			paths = append(paths, strings.Join(stack, "/"))
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

// childNames lists the local names of the children of the first element
// named parent.
func childNames(tb testing.TB, b []byte, parent string) []string {
	tb.Helper()
	var names []string
	prefix := ""
	for _, p := range elementPaths(tb, b) {
		if prefix == "" && (p == parent || strings.HasSuffix(p, "/"+parent)) {
			prefix = p + "/"
			continue
		}
		if prefix != "" && strings.HasPrefix(p, prefix) && !strings.Contains(p[len(prefix):], "/") {
			names = append(names, p[len(prefix):])
		}
	}
	return names
}

// TestBuildShapeMatchesFixtures: what we write must be something the
// national platform's software already reads: every element path we write
// (in the edXML namespace) occurs in one of the SDK's packages, in the same
// order, with the same root, namespace declarations, date formats and
// AttachmentEncoded after the envelope.
func TestBuildShapeMatchesFixtures(t *testing.T) {
	doc := sampleDocument()
	doc.Business = Business{Type: BusinessReplace, Reason: "Văn bản thay thế", Paper: "0",
		Replaces: []Replacement{{DocumentID: "000.00.12.H13,2026/02/01,100/STTTT-VP", OrganIDs: []string{"000.00.00.H41"}}},
		Staff:    &Staff{Department: "Văn phòng", Name: "Lê Thị Hoa", Email: "hoa@caobang.gov.vn", Mobile: "0912"}}
	doc.ResponseFor = &DocRef{OrganID: "000.00.00.H41", Code: "9/UBND-VP", PromulgationDate: day(2026, 1, 5), DocumentID: "000.00.00.H41,2026/01/05,9/UBND-VP"}
	doc.From.Fax, doc.From.Website = "0206 1", "https://caobang.gov.vn"
	out, err := Build(doc)
	if err != nil {
		t.Fatal(err)
	}
	ours := elementPaths(t, out)

	known := map[string]bool{}
	for _, f := range []string{"edoc_replacement.edxml", "edoc_revocation.edxml", "edoc_update.edxml", "gateway-2025-9e272474.edxml"} {
		for _, p := range elementPaths(t, readFixture(t, f)) {
			known[p] = true
		}
	}
	for _, p := range ours {
		if !known[p] {
			t.Errorf("we write %s, which no SDK package has", p)
		}
	}
	// Order of the MessageHeader children follows the SDK's (revocation
	// package: it has ResponseFor).
	fixtureOrder := childNames(t, readFixture(t, "edoc_revocation.edxml"), "MessageHeader")
	if got := dedupe(childNames(t, out, "MessageHeader")); !isSubsequence(got, dedupe(fixtureOrder)) {
		t.Errorf("MessageHeader order %q is not the SDK's %q", got, dedupe(fixtureOrder))
	}
	fixtureRoot := childNames(t, readFixture(t, "edoc_replacement.edxml"), "edXML")
	if got := childNames(t, out, "edXML"); !slices.Equal(got, fixtureRoot) || !slices.Equal(got, []string{"edXMLEnvelope", "AttachmentEncoded"}) {
		t.Errorf("root children %q, fixture %q", got, fixtureRoot)
	}

	s := string(out)
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">` + "\n" +
			`  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">`,
		"  </edXML:edXMLEnvelope>\n  <AttachmentEncoded>\n    <Attachment>\n      <ContentId>cid:1</ContentId>",
		`<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">JVBERi0xLjcKAAEC`,
		`<edXML:edXMLManifest version="1.0">`,
		"<edXML:PromulgationDate>2026/03/02</edXML:PromulgationDate>",
		"<edXML:DueDate>2026/03/31</edXML:DueDate>",
		"<edXML:Timestamp>2026/03/02 09:15:00</edXML:Timestamp>",
		"<edXML:DocumentId>000.00.12.H13,2026/03/02,125/STTTT-VP</edXML:DocumentId>",
		"&lt;năm 2026&gt; &amp; các",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Every date-like value is yyyy/MM/dd or yyyy/MM/dd HH:mm:ss.
	for _, m := range regexp.MustCompile(`<edXML:(PromulgationDate|DueDate|Timestamp)>([^<]*)<`).FindAllStringSubmatch(s, -1) {
		if !dateShape.MatchString(m[2]) && !timeShape.MatchString(m[2]) {
			t.Errorf("%s = %q", m[1], m[2])
		}
	}
}

func dedupe(s []string) []string { return slices.Compact(slices.Clone(s)) }

func isSubsequence(sub, seq []string) bool {
	i := 0
	for _, s := range seq {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}
