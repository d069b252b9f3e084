package edxml

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestParseDatesOtherVendorsWrite: dates and times in the unambiguous
// forms other vendors' systems write (ISO 8601 with or without a zone,
// day-first dd/MM/yyyy) are read, on every date field of a document and a
// status message; a time without a zone is Vietnam time. Before, each
// refused the whole package with 400.
func TestParseDatesOtherVendorsWrite(t *testing.T) {
	base, err := Build(sampleDocument()) // PromulgationDate 2026/03/02, DueDate 2026/03/31, trace 2026/03/02 09:15:00
	if err != nil {
		t.Fatal(err)
	}
	ict := func(y int, m time.Month, d, hh, mm, ss, ns int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, ns, Location)
	}
	for _, tc := range []struct {
		old, new string
		date     func(*Document) workflow.Date
		want     workflow.Date
		trace    time.Time
	}{
		{"<edXML:PromulgationDate>2026/03/02", "<edXML:PromulgationDate>02/03/2026", promulgated, day(2026, 3, 2), time.Time{}},
		{"<edXML:PromulgationDate>2026/03/02", "<edXML:PromulgationDate>2026-03-02", promulgated, day(2026, 3, 2), time.Time{}},
		{"<edXML:PromulgationDate>2026/03/02", "<edXML:PromulgationDate>02-03-2026", promulgated, day(2026, 3, 2), time.Time{}},
		// A date sent as a date and time is that day in Vietnam.
		{"<edXML:PromulgationDate>2026/03/02", "<edXML:PromulgationDate>2026-03-01T17:30:00Z", promulgated, day(2026, 3, 2), time.Time{}},
		{"<edXML:DueDate>2026/03/31", "<edXML:DueDate>31/03/2026", due, day(2026, 3, 31), time.Time{}},
		// An xs:date with its zone: the day as written.
		{"<edXML:PromulgationDate>2026/03/02", "<edXML:PromulgationDate>2026-03-02+07:00", promulgated, day(2026, 3, 2), time.Time{}},
		{"<edXML:PromulgationDate>2026/03/02", "<edXML:PromulgationDate>2026-03-02Z", promulgated, day(2026, 3, 2), time.Time{}},
		{"<edXML:DueDate>2026/03/31", "<edXML:DueDate>2026-03-31-0500", due, day(2026, 3, 31), time.Time{}},
		{"2026/03/02 09:15:00", "2026-03-02+07:00", nil, workflow.Date{}, ict(2026, 3, 2, 0, 0, 0, 0)},
		{"2026/03/02 09:15:00", "2026-03-01Z", nil, workflow.Date{}, ict(2026, 3, 1, 7, 0, 0, 0)},
		{"2026/03/02 09:15:00", "2026-03-02T09:15:00+07:00", nil, workflow.Date{}, ict(2026, 3, 2, 9, 15, 0, 0)},
		{"2026/03/02 09:15:00", "2026-03-02T02:15:00Z", nil, workflow.Date{}, ict(2026, 3, 2, 9, 15, 0, 0)},
		{"2026/03/02 09:15:00", "2026-03-02T09:15:00.250+0700", nil, workflow.Date{}, ict(2026, 3, 2, 9, 15, 0, 250e6)},
		{"2026/03/02 09:15:00", "2026-03-02T09:15:00", nil, workflow.Date{}, ict(2026, 3, 2, 9, 15, 0, 0)},
		{"2026/03/02 09:15:00", "2026-03-02 09:15:00", nil, workflow.Date{}, ict(2026, 3, 2, 9, 15, 0, 0)},
		{"2026/03/02 09:15:00", "02/03/2026 09:15:00", nil, workflow.Date{}, ict(2026, 3, 2, 9, 15, 0, 0)},
		{"2026/03/02 09:15:00", "2026/03/02 09:15", nil, workflow.Date{}, ict(2026, 3, 2, 9, 15, 0, 0)},
		{"2026/03/02 09:15:00", "02/03/2026", nil, workflow.Date{}, ict(2026, 3, 2, 0, 0, 0, 0)},
	} {
		t.Run(tc.new, func(t *testing.T) {
			m, err := ParseBytes(bytes.Replace(base, []byte(tc.old), []byte(tc.new), 1), Limits{})
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.date != nil && tc.date(m.Document) != tc.want {
				t.Fatalf("date %v, want %v", tc.date(m.Document), tc.want)
			}
			if !tc.trace.IsZero() && !m.Document.Trace[0].Time.Equal(tc.trace) {
				t.Fatalf("trace time %v, want %v", m.Document.Trace[0].Time, tc.trace)
			}
		})
	}
	for _, bad := range []string{"2026/03/32", "32/03/2026", "03/32/2026", "hôm qua", "2026/03/02T09:15", "2026-02-30+07:00", "2026/03/02+07:00", "2026-03-02+7"} {
		_, err := ParseBytes(bytes.Replace(base, []byte("<edXML:DueDate>2026/03/31"), []byte("<edXML:DueDate>"+bad), 1), Limits{})
		assertCode(t, err, workflow.EINVALID, "MessageHeader/DueDate")
	}
}

func promulgated(d *Document) workflow.Date { return d.PromulgationDate }
func due(d *Document) workflow.Date         { return d.DueDate }

// TestParseStatusOtherVendorsWrite: a status message's Timestamp in ISO
// 8601 or day-first form, and a code written as a number ("3"), are read.
func TestParseStatusOtherVendorsWrite(t *testing.T) {
	st := Status{From: Organization{ID: "000.00.00.H41"}, Code: StatusAccepted, Time: time.Date(2026, 12, 1, 10, 0, 0, 0, Location),
		ResponseFor: DocRef{OrganID: "000.00.00.G22", Code: "7/VPCP", DocumentID: "000.00.00.G22,2026/11/30,7/VPCP"}}
	base, err := BuildStatus(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ old, new, code string }{
		{"2026/12/01 10:00:00", "2026-12-01T10:00:00+07:00", "03"},
		{"2026/12/01 10:00:00", "2026-12-01T03:00:00.000Z", "03"},
		{"2026/12/01 10:00:00", "01/12/2026 10:00:00", "03"},
		{">03<", ">3<", "03"},
		{">03<", ">16<", "16"},
	} {
		m, err := ParseBytes(bytes.Replace(base, []byte(tc.old), []byte(tc.new), 1), Limits{})
		if err != nil {
			t.Fatalf("%s: refused: %v", tc.new, err)
		}
		if !m.Status.Time.Equal(st.Time) || string(m.Status.Code) != tc.code {
			t.Fatalf("%s: %s at %v, want %s at %v", tc.new, m.Status.Code, m.Status.Time, tc.code, st.Time)
		}
	}
	for _, bad := range []string{">7<", ">99<", ">-3<", ">3a<"} {
		_, err := ParseBytes(bytes.Replace(base, []byte(">03<"), []byte(bad), 1), Limits{})
		assertCode(t, err, workflow.EINVALID, "MessageHeader/StatusCode")
	}
}

// TestParseBase64WithoutPadding: an attachment whose base64 has no "="
// padding (as some encoders write it) is decoded, whether its text is
// stepped over (Open) or read through (an element with a comment).
func TestParseBase64WithoutPadding(t *testing.T) {
	for _, n := range []int{1, 2, 3, 100, 101} {
		data := bytes.Repeat([]byte{0xfb, 'x', 0x00}, n)[:n+n%2]
		d := sampleDocument()
		d.Attachments = []Attachment{{ContentID: "cid:1", Name: "a.pdf", Data: data}}
		b, err := Build(d)
		if err != nil {
			t.Fatal(err)
		}
		enc := base64.StdEncoding.EncodeToString(data)
		raw := strings.TrimRight(enc, "=")
		for _, text := range []string{raw, raw[:len(raw)/2] + "<!-- -->" + raw[len(raw)/2:]} {
			m, err := ParseBytes(bytes.Replace(b, []byte(enc+"<"), []byte(text+"<"), 1), Limits{})
			if err != nil {
				t.Fatalf("%d bytes, %q: %v", len(data), text, err)
			}
			if got := m.Document.Attachments[0].Data; !bytes.Equal(got, data) {
				t.Fatalf("%d bytes: decoded %x", len(data), got)
			}
		}
	}
}
