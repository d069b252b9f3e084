package workflow

import (
	"regexp"
	"slices"
	"time"
)

// Direction says whether a document leaves the agency or arrives at it.
type Direction string

const (
	Outgoing Direction = "outgoing" // văn bản đi
	Incoming Direction = "incoming" // văn bản đến
)

// Urgency is the document's độ khẩn.
type Urgency string

const (
	UrgencyNormal     Urgency = "normal"      // thường
	UrgencyUrgent     Urgency = "urgent"      // Khẩn
	UrgencyVeryUrgent Urgency = "very_urgent" // Thượng khẩn
	UrgencyFlash      Urgency = "flash"       // Hỏa tốc
)

// Valid reports whether u is a known urgency.
func (u Urgency) Valid() bool {
	switch u {
	case UrgencyNormal, UrgencyUrgent, UrgencyVeryUrgent, UrgencyFlash:
		return true
	}
	return false
}

// Confidentiality is the document's độ mật.
type Confidentiality string

const (
	Public       Confidentiality = "normal"
	Confidential Confidentiality = "confidential" // Mật
	Secret       Confidentiality = "secret"       // Tối mật
	TopSecret    Confidentiality = "top_secret"   // Tuyệt mật
)

// Valid reports whether c is a known level.
func (c Confidentiality) Valid() bool {
	switch c {
	case Public, Confidential, Secret, TopSecret:
		return true
	}
	return false
}

// Classified reports whether c restricts who may see the document.
func (c Confidentiality) Classified() bool { return c != Public && c != "" }

// DocType is the Appendix III abbreviation of a document type ("QĐ",
// "TB"...); công văn, which has none, is "CV".
type DocType string

// CongVan is the type code of công văn (no abbreviation in notations).
const CongVan DocType = "CV"

// DocTypes maps every type code of Decree 30 Appendix III to its name.
var DocTypes = map[DocType]string{
	"NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế",
	"QyĐ": "Quy định", "TC": "Thông cáo", "TB": "Thông báo", "HD": "Hướng dẫn",
	"CTr": "Chương trình", "KH": "Kế hoạch", "PA": "Phương án", "ĐA": "Đề án",
	"DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTr": "Tờ trình",
	"HĐ": "Hợp đồng", "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận",
	"GUQ": "Giấy ủy quyền", "GM": "Giấy mời", "GGT": "Giấy giới thiệu",
	"GNP": "Giấy nghỉ phép", "PG": "Phiếu gửi", "PC": "Phiếu chuyển", "PB": "Phiếu báo",
	"CV": "Công văn", "TCg": "Thư công",
}

// Valid reports whether t is a known type code.
func (t DocType) Valid() bool { _, ok := DocTypes[t]; return ok }

// HasAbbreviation reports whether the type appears in notations; công văn
// and thư công do not.
func (t DocType) HasAbbreviation() bool { return t != CongVan && t != "TCg" }

// Org is an agency: its organisation code (e.g. "000.00.12.H13") and name.
type Org struct {
	OrgID string `json:"org_id"`
	Name  string `json:"name"`
}

var orgIDPattern = regexp.MustCompile(`^[0-9A-Z]+(\.[0-9A-Z]+)+$`)

// ValidOrgID reports whether id looks like an organisation code:
// dot-separated groups of digits and capitals.
func ValidOrgID(id string) bool { return orgIDPattern.MatchString(id) }

// FileKind says what a document file is.
type FileKind string

const (
	FileMain       FileKind = "main"       // the document as uploaded or received
	FileAttachment FileKind = "attachment" // a separate attachment
	FileSigned     FileKind = "signed"     // a signed version (layer 1, then layer 2)
	// FileWithdrawn is a signed version withdrawn when the signed
	// document was returned to its drafter (return from officer_signed):
	// kept in the document's files and trail, never its current file.
	FileWithdrawn FileKind = "withdrawn"
)

// File is one stored file of a document, keyed by its content.
type File struct {
	SHA256    string // lowercase hex; the blob key derives from it
	Name      string // the name given on upload
	Size      int64
	Kind      FileKind
	CreatedAt time.Time
	// Base is the SHA-256 of the file of the same document this one
	// extends ("": a whole blob): the file is that one followed by its
	// tail, stored in the database (files.go).
	Base string
	// Active is what the file, a PDF, carries that acts when it is opened,
	// found when it was uploaded or received: an incoming document's, which
	// is kept as its sender made it, and its page warns of it; an outgoing
	// draft's PDF and attachments with any are refused (ErrPDFActive), so
	// theirs is none. It says something only when Inspection is Inspected.
	Active Active
	// Inspection says whether the file was inspected for it: a file
	// stored before this was recorded is NotInspected (nothing known),
	// until vanthu files inspect fills it in (InspectionFill).
	Inspection Inspection
}

// BlobKey is the object key under which content with this hash is stored.
func BlobKey(sha256 string) string {
	return "blobs/" + sha256[:2] + "/" + sha256
}

// Box is a rectangle on a page, in PDF points (1/72 inch) from the
// lower-left corner of the page as displayed. Page 1 is the first page;
// Page 0 means the last page.
type Box struct {
	Page       int
	X, Y, W, H float64
}

// Layout says where a document's template puts the stamps; a nil box
// means the default position.
type Layout struct {
	Signature *Box // the signature block: layer 1's image, and the seal over its left third
	Number    *Box // "Số: 15/QĐ-UBND", always on page 1 (Page 0 or 1)
	Date      *Box // the place and date line, always on page 1 (Page 0 or 1)

	// NumberOnly says the Number box is the template's own blank between
	// "Số:" and "/QĐ-UBND": only the number is written there, right
	// aligned against the slash. Otherwise the box gets "Số: 15/QĐ-UBND".
	NumberOnly bool
	// DateBlanks, when set, says the Date box is the template's own date
	// line: the centres (points from Date.X) of the day, month and year
	// blanks, where only those are written (0 = already filled in).
	// Otherwise the box gets the whole line "Bình Thủy, ngày 25 tháng 11
	// năm 2026".
	DateBlanks []float64
	// DateBlanksBelow, when set with DateBlanks, says how far (points)
	// below the Date box's line each blank's line is: a date line that
	// wraps after "ngày" has its month and year, and maybe its day, on the
	// line below. Nil: every blank is on the box's line.
	DateBlanksBelow []float64
	// DateShortYear, with DateBlanks, says the year's blank follows the
	// century, "năm 20…" as Decree 30's forms print it: only the year's
	// last two digits are written there.
	DateShortYear bool
	// Source says how the layout was made: LayoutDetected (found in the
	// draft's text at upload) or LayoutManual (given or corrected by a
	// person).
	Source string
	// Notes says why a detected part fell back to its default position.
	Notes []string
}

// Layout sources.
const (
	LayoutDetected = "detected"
	LayoutManual   = "manual"
)

// Validate returns EINVALID for a box outside any page, and for date
// blanks or flags that do not fit the boxes: every problem, one per field
// (joined, the first one first; see problems).
func (l *Layout) Validate() error {
	if l == nil {
		return nil
	}
	var p problems
	for _, b := range []struct {
		name string
		box  *Box
	}{{"signature", l.Signature}, {"number", l.Number}, {"date", l.Date}} {
		if b.box == nil {
			continue
		}
		x := b.box
		if x.Page < 0 || x.X < 0 || x.Y < 0 || x.W <= 0 || x.H <= 0 || x.X+x.W > 14400 || x.Y+x.H > 14400 {
			p.add(Errorf(EINVALID, "layout.%s: page >= 0 (0 = last), x, y >= 0 and w, h > 0 in points", b.name).On("layout." + b.name))
		}
	}
	for _, b := range []struct {
		name string
		box  *Box
	}{{"number", l.Number}, {"date", l.Date}} {
		if b.box != nil && b.box.Page > 1 && !p.has("layout."+b.name) {
			p.add(Errorf(EINVALID, "layout: the number and the date go on page 1").On("layout." + b.name + ".page"))
		}
	}
	l.validateDateBlanks(&p)
	if l.NumberOnly && l.Number == nil {
		p.add(Errorf(EINVALID, "layout.number_only needs the number box").On("layout.number_only"))
	}
	return p.err()
}

// validateDateBlanks checks the date's blanks and their flags.
func (l *Layout) validateDateBlanks(p *problems) {
	if len(l.DateBlanks) > 0 {
		if len(l.DateBlanks) != 3 || l.Date == nil {
			p.add(Errorf(EINVALID, "layout.date_blanks: three offsets (day, month, year) inside the date box").On("layout.date_blanks"))
		} else if slices.ContainsFunc(l.DateBlanks, func(o float64) bool { return o < 0 || o > l.Date.W+200 }) {
			p.add(Errorf(EINVALID, "layout.date_blanks: offsets from the date box's left edge, 0 = not written").On("layout.date_blanks"))
		}
	}
	if len(l.DateBlanksBelow) > 0 {
		if len(l.DateBlanksBelow) != 3 || len(l.DateBlanks) != 3 || l.Date == nil {
			p.add(Errorf(EINVALID, "layout.date_blanks_below: three distances (day, month, year), with date_blanks").On("layout.date_blanks_below"))
		} else if slices.ContainsFunc(l.DateBlanksBelow, func(d float64) bool { return d < 0 || d > 3*l.Date.H || d > l.Date.Y }) {
			p.add(Errorf(EINVALID, "layout.date_blanks_below: points below the date box's line, at most three lines, on the page").On("layout.date_blanks_below"))
		}
	}
	if l.DateShortYear && len(l.DateBlanks) != 3 {
		p.add(Errorf(EINVALID, "layout.date_short_year needs date_blanks").On("layout.date_short_year"))
	}
}

// Document is an official document, incoming or outgoing.
type Document struct {
	ID              string
	Direction       Direction
	Type            DocType
	Subject         string // trích yếu
	Urgency         Urgency
	Confidentiality Confidentiality
	State           State
	Version         int // optimistic concurrency; +1 on every change

	// Outgoing.
	SignerID     string  // the official who signs (layer 1)
	Recipients   []Org   // nơi nhận
	DraftingUnit string  // unit abbreviation for công văn notations (e.g. "VP")
	Layout       *Layout // where the template puts the stamps (nil = defaults)

	// Incoming.
	Sender         *Org
	OriginalNumber string // số/ký hiệu as printed by the sender
	OriginalDate   *Date  // date of the sender's document

	// Registers.
	Register     RegisterKind // which register numbered it ("" until numbered)
	Year         int          // the register year
	Number       int          // 0 until numbered
	Notation     string       // "15/QĐ-UBND"; for incoming: the incoming number as text
	IssuedAt     *time.Time
	RegisteredAt *time.Time
	// VerifyCode is the public verification code printed on an issued
	// document (when the server has a public URL): random, unique, 10
	// characters of base32. "" = none.
	VerifyCode string

	AssigneeID string
	DueDate    *Date  // hạn xử lý: a calendar day
	Retention  string // retention class: "5y", "10y", "20y", "permanent" ("" = default for the type)
	Notes      string
	Files      []File

	// Interagency exchange (liên thông).
	ExternalID string // for a document received over the exchange: the sender's edXML DocumentId, read as an identifier
	// ExternalIDAsSent is the DocumentId as the sender spelled it, when
	// that differs from ExternalID (white space, NFD): the status
	// messages about the document carry it (ExternalIDSpelled).
	ExternalIDAsSent string
	// DeliveryKey tells apart a received update or replacement sent under
	// the DocumentId of a document already received from its sender (as
	// the national platform's SDK sample does): "" for the first document
	// under a DocumentId; (sender, ExternalID, DeliveryKey) is unique.
	DeliveryKey string
	Replaces    string // ID of the document this one replaces (edXML BussinessDocType 3)
	Updates     string // ID of the document this one updates (edXML BussinessDocType 2)
	ReplacedBy  string // ID of the latest document that replaces this one
	UpdatedBy   string // ID of the latest document that updates this one
	// RepliesTo is the incoming document this outgoing one answers;
	// RepliedBy, on an incoming document, the latest outgoing one drafted
	// as its answer (reply.go).
	RepliesTo string
	RepliedBy string
	// RevokeState is where a revocation stands: "", RevokeRequested,
	// RevokeAccepted (the document is then Revoked) or RevokeRefused.
	RevokeState string
	// RevokeReason is why the sender revokes the document; RevokeAnswer
	// why the revocation was refused.
	RevokeReason string
	RevokeAnswer string
	// RejectReason is why the document was rejected: on receipt (the
	// envelope or the PDF failed verification) or by the clerk.
	RejectReason string

	// Archive (district repository).
	ArchivedAt  *time.Time
	RetainUntil *time.Time // nil: not archived; far future for "permanent"
	LegalHold   bool

	// Verification is the validation report of the document's signed PDF:
	// taken at registration for incoming documents, after issue for
	// outgoing ones. nil until verified.
	Verification *Verification

	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MainFile returns the document's current principal file: the newest
// signed version if any, else the uploaded file.
func (d *Document) MainFile() (File, bool) {
	var main File
	var found bool
	for _, f := range d.Files {
		switch f.Kind {
		case FileSigned:
			main, found = f, true
		case FileMain:
			if !found || main.Kind == FileMain {
				main, found = f, true
			}
		}
	}
	return main, found
}

// SignedAt is when the layer-1 signature that stands on d was made: the
// time of its first signed version (FileSigned; layer 2 and the agency's
// signatures on the attachments come after it, and a signature withdrawn
// by a return is FileWithdrawn), so after a return and a new signature
// the last signing. nil for an incoming document, one not signed, or a
// file stored without its time.
func (d *Document) SignedAt() *time.Time {
	if d.Direction != Outgoing {
		return nil
	}
	for _, f := range d.Files {
		if f.Kind == FileSigned {
			if f.CreatedAt.IsZero() {
				return nil
			}
			t := f.CreatedAt
			return &t
		}
	}
	return nil
}

// Source is where an incoming document came from.
type Source string

const (
	// SourceExchange: received over the exchange (liên thông), an edXML
	// package from a connected agency: it has an ExternalID.
	SourceExchange Source = "exchange"
	// SourceManual: registered by hand by a clerk, from paper or e-mail.
	SourceManual Source = "manual"
)

// Sources are the sources a list filters on.
var Sources = []Source{SourceExchange, SourceManual}

// Source is where d came from, "" for an outgoing document.
func (d *Document) Source() Source {
	switch {
	case d.Direction != Incoming:
		return ""
	case d.ExternalID != "":
		return SourceExchange
	}
	return SourceManual
}

// ExternalIDSpelled is the DocumentId of a received document as its
// sender spelled it: what the status messages about it carry, since a
// sender finds them by the string it sent.
func (d *Document) ExternalIDSpelled() string {
	if d.ExternalIDAsSent != "" {
		return d.ExternalIDAsSent
	}
	return d.ExternalID
}
