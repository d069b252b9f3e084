package edxml

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vanthu/vanthu/internal/edxmlid"
	"github.com/vanthu/vanthu/workflow"
)

// problems collects field errors so that one answer names every bad field.
type problems []string

const maxProblems = 10

func (p *problems) add(field, format string, args ...any) {
	if len(*p) >= maxProblems {
		return
	}
	*p = append(*p, field+": "+fmt.Sprintf(format, args...))
}

// has reports whether field already has a problem (e.g. a date that did not
// parse), so that it is not reported again as missing.
func (p problems) has(field string) bool {
	for _, s := range p {
		if strings.HasPrefix(s, field+":") {
			return true
		}
	}
	return false
}

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return workflow.Errorf(workflow.EINVALID, "edxml: %s: %s", what, strings.Join(p, "; "))
}

// Organisation codes. Build writes only the strict form of the standard
// (workflow.ValidOrgID: dot-separated groups of digits and capitals, like
// 000.00.00.H13). Parse also accepts lower-case letters: the national
// platform's own SaaS test units send packages as "vxp.saas.03"
// (fixtures gateway-2025-*).
var receivedOrgID = regexp.MustCompile(`^[0-9A-Za-z]+(\.[0-9A-Za-z]+)+$`)

// uuidPattern: packages relayed by the national platform's gateway carry a
// UUID as DocumentId instead of the "OrganId,date,Số/KýHiệu" form.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// dateShape and timeShape are the standard's forms, which Build writes
// and a DocumentId's date has.
var (
	dateShape = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9]{2}$`)
	timeShape = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$`)
)

// MakeDocumentID returns the QCVN 102 document identifier
// "OrganId,yyyy/MM/dd,Số/KýHiệu".
func MakeDocumentID(organID string, promulgated workflow.Date, number, notation string) string {
	return organID + "," + formatDate(promulgated) + "," + number + "/" + notation
}

type idCheck int

const (
	idOwn      idCheck = iota // this package's own id: real calendar date
	idRef                     // a reference to another package: date shape only
	idBuildOwn                // written by us: strict org code, real date, no UUID
)

// checkDocumentID reports what is wrong with id, or "" when it is well formed.
//
// References to other documents (Bussiness/DocumentId, ReplacementInfo,
// ResponseFor) are checked for shape only: the SDK's own sample update
// package refers to "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT", and a
// receiver cannot correct another agency's identifier anyway.
func checkDocumentID(id string, mode idCheck) string {
	if id == "" {
		return "missing"
	}
	if mode != idBuildOwn && uuidPattern.MatchString(id) {
		return ""
	}
	parts := strings.SplitN(id, ",", 3)
	if len(parts) != 3 {
		return fmt.Sprintf("%q is not like OrganId,yyyy/MM/dd,Số/KýHiệu", id)
	}
	org, date, code := parts[0], parts[1], parts[2]
	if mode == idBuildOwn && !workflow.ValidOrgID(org) || mode != idBuildOwn && !receivedOrgID.MatchString(org) {
		return fmt.Sprintf("%q: organisation code %q is not like 000.00.00.H13", id, org)
	}
	if !dateShape.MatchString(date) {
		return fmt.Sprintf("%q: date %q is not yyyy/MM/dd", id, date)
	}
	if mode != idRef {
		if _, err := time.ParseInLocation(dateLayout, date, Location); err != nil {
			return fmt.Sprintf("%q: %q is not a calendar date", id, date)
		}
	}
	if num, notation, ok := strings.Cut(code, "/"); !ok || strings.TrimSpace(num) == "" || strings.TrimSpace(notation) == "" {
		return fmt.Sprintf("%q: %q is not Số/KýHiệu", id, code)
	}
	return ""
}

// Dates and times as other vendors' systems write them. The standard's
// forms (yyyy/MM/dd, yyyy/MM/dd HH:mm:ss) are what Build writes; on
// receipt the unambiguous others are read too: ISO 8601 (2026-12-01,
// 2026-12-01T10:00:00 with or without a zone and fractions of a second,
// 2026-12-01 10:00:00) and the Vietnamese day-first dd/MM/yyyy (there is
// no month-first use in Vietnam). A time without a zone is Vietnam time;
// a date given as a date and time is that day in Vietnam. Before, any
// other form refused the whole package (400), and the sender's delivery
// of a document or status failed for good over a date's spelling.
var (
	dateLayouts = []string{dateLayout, "2006-01-02", "02/01/2006", "02-01-2006"}
	timeLayouts = []string{timeLayout, "2006-01-02 15:04:05", "02/01/2006 15:04:05",
		"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006/01/02 15:04:05Z07:00",
		"02/01/2006 15:04:05Z07:00", "02/01/2006 15:04Z07:00", "2006/01/02 15:04Z07:00", "2006-01-02 15:04Z07:00",
		"2006/01/02 15:04", "2006-01-02 15:04", "02/01/2006 15:04", "2006-01-02T15:04Z07:00", "2006-01-02T15:04"}
	dateShapes  = regexp.MustCompile(`^([0-9]{4}[/-][0-9]{2}[/-][0-9]{2}|[0-9]{2}[/-][0-9]{2}[/-][0-9]{4})$`)
	zoneNoColon = regexp.MustCompile(`([+-][0-9]{2})([0-9]{2})$`)
	// dateZone is an XML Schema xs:date with its zone (2026-12-01+07:00,
	// 2026-12-01Z), as systems that bind the field to xs:date write it.
	dateZone   = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:?[0-9]{2})$`)
	timeShapes = regexp.MustCompile(`^([0-9]{4}/[0-9]{2}/[0-9]{2} |[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]|[0-9]{2}/[0-9]{2}/[0-9]{4} )` +
		`[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$`)
)

// parseDate reads a calendar date (see dateLayouts): a day, with no time
// zone; an xs:date's zone is dropped, the day kept as written (before,
// 400).
func parseDate(s string) (workflow.Date, error) {
	if m := dateZone.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	if !dateShapes.MatchString(s) {
		if t, err := parseTime(s); err == nil && timeShapes.MatchString(s) {
			return workflow.DateOf(t.In(Location)), nil
		}
		return workflow.Date{}, fmt.Errorf("%q is not yyyy/MM/dd", s)
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return workflow.DateOf(t), nil
		}
	}
	return workflow.Date{}, fmt.Errorf("%q is not a calendar date", s)
}

// parseTime reads a date and time (see timeLayouts), or a date alone (its
// midnight in Vietnam).
func parseTime(s string) (time.Time, error) {
	if dateShapes.MatchString(s) {
		d, err := parseDate(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a valid date and time", s)
		}
		return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Location), nil
	}
	if dateZone.MatchString(s) { // an xs:date with its zone: its midnight there
		if t, err := time.Parse("2006-01-02Z07:00", zoneNoColon.ReplaceAllString(s, "$1:$2")); err == nil {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%q is not a valid date", s)
	}
	if !timeShapes.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not yyyy/MM/dd HH:mm:ss", s)
	}
	v := zoneNoColon.ReplaceAllString(strings.Replace(s, ",", ".", 1), "$1:$2") // +0700
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, v, Location); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a valid date and time", s) // its shape is, a field is out of range
}

func parseCount(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// xmlText reports whether s can be written as XML 1.0 character data.
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

// orgCheck checks an organisation code; strict is for what we write.
func checkOrgID(p *problems, field, id string, strict bool) {
	switch {
	case id == "":
		p.add(field, "missing")
	case strict && !workflow.ValidOrgID(id):
		p.add(field, "%q is not like 000.00.00.H13 (groups of digits and capitals separated by dots)", id)
	case !strict && !receivedOrgID.MatchString(id):
		p.add(field, "%q is not like 000.00.00.H13", id)
	}
}

// checkDocument applies the field rules shared by Build (strict) and Parse.
func checkDocument(p *problems, doc *Document, strict bool) {
	mh := "MessageHeader/"
	checkOrgID(p, mh+"From/OrganId", doc.From.ID, strict)
	checkRecipients(p, doc.To, strict)
	checkHeaderFields(p, doc, strict)
	if r := doc.ResponseFor; r != nil && !r.IsZero() {
		checkDocRef(p, mh+"ResponseFor/", *r)
	}
	checkTrace(p, doc, strict)
	checkAttachments(p, doc.Attachments, strict)
}

// checkRecipients requires at least one recipient, each well formed and
// named once.
func checkRecipients(p *problems, to []Organization, strict bool) {
	mh := "MessageHeader/"
	if len(to) == 0 {
		p.add(mh+"To", "at least one recipient is required")
	}
	seen := map[string]int{}
	for i, o := range to {
		f := fmt.Sprintf("%sTo[%d]/OrganId", mh, i+1)
		checkOrgID(p, f, o.ID, strict)
		if j, ok := seen[o.ID]; ok && o.ID != "" {
			p.add(f, "%s is already recipient %d", o.ID, j)
		}
		seen[o.ID] = i + 1
	}
}

// checkHeaderFields checks the document's own fields in the message
// header: its identifier, number and notation, date, type, subject,
// priority and amounts.
func checkHeaderFields(p *problems, doc *Document, strict bool) {
	mh := "MessageHeader/"
	mode := idOwn
	if strict {
		mode = idBuildOwn
	}
	if msg := checkDocumentID(doc.DocumentID, mode); msg != "" {
		p.add(mh+"DocumentId", "%s", msg)
	}
	if doc.Number == "" {
		p.add(mh+"Code/CodeNumber", "missing")
	}
	if doc.Notation == "" {
		p.add(mh+"Code/CodeNotation", "missing")
	}
	if doc.PromulgationDate.IsZero() && !p.has(mh+"PromulgationInfo/PromulgationDate") {
		p.add(mh+"PromulgationInfo/PromulgationDate", "missing")
	}
	if doc.TypeCode == "" {
		p.add(mh+"DocumentType/Type", "missing")
	}
	switch n := utf8.RuneCountInString(doc.Subject); {
	case strings.TrimSpace(doc.Subject) == "":
		p.add(mh+"Subject", "missing")
	case n > MaxSubject:
		p.add(mh+"Subject", "%d characters, at most %d allowed", n, MaxSubject)
	}
	if doc.Priority < 0 || doc.Priority > 4 {
		p.add(mh+"OtherInfo/Priority", "%d is not 0 to 4", doc.Priority)
	}
	if doc.PromulgationAmount < 0 {
		p.add(mh+"OtherInfo/PromulgationAmount", "negative")
	}
	if doc.PageAmount < 0 {
		p.add(mh+"OtherInfo/PageAmount", "negative")
	}
}

// checkDocRef checks a reference to another document (the fields under
// prefix): its agency and document identifiers.
func checkDocRef(p *problems, prefix string, r DocRef) {
	checkOrgID(p, prefix+"OrganId", r.OrganID, false)
	// As a reader reads it (Identifier): a status message echoes a
	// received DocumentId as its sender spelled it.
	if msg := checkDocumentID(edxmlid.Identifier(r.DocumentID), idRef); msg != "" {
		p.add(prefix+"DocumentId", "%s", msg)
	}
}

// checkTrace checks the trace headers and the business information: the
// kind of document (new, revoke, update, replace) and the documents it
// changes.
func checkTrace(p *problems, doc *Document, strict bool) {
	for i, h := range doc.Trace {
		if f := fmt.Sprintf("TraceHeaderList/TraceHeader[%d]/Timestamp", i+1); h.Time.IsZero() && !p.has(f) {
			p.add(f, "missing")
		}
		if strict {
			checkOrgID(p, fmt.Sprintf("TraceHeaderList/TraceHeader[%d]/OrganId", i+1), h.OrganID, true)
		}
	}
	b := doc.Business
	if b.Type != "" && !b.Type.Valid() {
		p.add("TraceHeaderList/Bussiness/BussinessDocType", "%q is not 0 (new), 1 (revoke), 2 (update) or 3 (replace)", string(b.Type))
	}
	if b.DocumentID != "" {
		if msg := checkDocumentID(b.DocumentID, idRef); msg != "" {
			p.add("TraceHeaderList/Bussiness/DocumentId", "%s", msg)
		}
	}
	for i, r := range b.Replaces {
		if msg := checkDocumentID(r.DocumentID, idRef); msg != "" {
			p.add(fmt.Sprintf("TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo[%d]/DocumentId", i+1), "%s", msg)
		}
	}
	if strict && b.Type == BusinessReplace && len(b.Replaces) == 0 && doc.ResponseFor == nil {
		p.add("TraceHeaderList/Bussiness/ReplacementInfoList", "a replacing document must name the document it replaces")
	}
}

// checkAttachments requires every attachment to have a name and a content
// ID of its own, and (strict) no more than DefaultMaxAttachments.
func checkAttachments(p *problems, atts []Attachment, strict bool) {
	cids := map[string]bool{}
	for i, a := range atts {
		f := fmt.Sprintf("AttachmentEncoded/Attachment[%d]", i+1)
		if strings.TrimSpace(a.Name) == "" {
			p.add(f+"/AttachmentName", "missing")
		}
		if a.ContentID != "" {
			if cids[a.ContentID] {
				p.add(f+"/ContentId", "%q used twice", a.ContentID)
			}
			cids[a.ContentID] = true
		}
	}
	if strict && len(atts) > DefaultMaxAttachments {
		p.add("AttachmentEncoded", "%d attachments, at most %d", len(atts), DefaultMaxAttachments)
	}
}

func checkStatus(p *problems, st *Status, strict bool) {
	mh := "MessageHeader/"
	checkOrgID(p, mh+"From/OrganId", st.From.ID, strict)
	checkDocRef(p, mh+"ResponseFor/", st.ResponseFor)
	if !st.Code.Valid() {
		p.add(mh+"StatusCode", "%q is not one of 01 02 03 04 05 06 13 15 16", string(st.Code))
	}
	if st.Time.IsZero() && !p.has(mh+"Timestamp") {
		p.add(mh+"Timestamp", "missing")
	}
	if strict && st.Code == StatusRejected && strings.TrimSpace(st.Description) == "" {
		p.add(mh+"Description", "a refusal (02) must give its reason")
	}
	if n := utf8.RuneCountInString(st.Description); n > MaxDescription {
		p.add(mh+"Description", "%d characters, at most %d allowed", n, MaxDescription)
	}
}
