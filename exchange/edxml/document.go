// Package edxml builds, parses, signs and verifies the interagency exchange
// packages of QCVN 102:2016/BTTTT ("edXML"): documents (văn bản điện tử) and
// the status messages (MessageStatus) that answer them.
//
// The wire shape follows the packages made by the national document exchange
// platform's own SDK (interop corpus, VANTHU_INTEROP_FIXTURES/edxml): the root is
//
//	<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
//	  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
//	    <edXML:edXMLHeader> MessageHeader, TraceHeaderList, Signature </edXML:edXMLHeader>
//	    <edXML:edXMLBody><edXML:edXMLManifest> Reference... </edXML:edXMLManifest></edXML:edXMLBody>
//	  </edXML:edXMLEnvelope>
//	  <AttachmentEncoded> Attachment... (base64) </AttachmentEncoded>
//	</edXML>
//
// with dates as yyyy/MM/dd and times as yyyy/MM/dd HH:mm:ss in Vietnam time.
//
// Callers see the plain Go types of this file (Document, Status, Message);
// the XML wire structs stay inside the package.
package edxml

import (
	"fmt"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Namespace is the XML namespace of QCVN 102:2016 edXML.
const Namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

// Location is the time zone edXML dates and times are written in (they carry
// no zone): Indochina Time, UTC+7, which Vietnam uses all year.
var Location = time.FixedZone("ICT", 7*60*60)

const (
	dateLayout = "2006/01/02"          // yyyy/MM/dd
	timeLayout = "2006/01/02 15:04:05" // yyyy/MM/dd HH:mm:ss
)

// MaxSubject is the longest Subject (trích yếu) accepted, in characters.
const MaxSubject = 500

// MaxDescription is the longest Description of a status message accepted,
// in characters: a refusal's or a revocation answer's reason, as long as
// a comment our clerks may write (workflow.MaxComment). It is kept in the
// sender's trail and shown and mailed to its clerks: before, a peer's 02
// could carry megabytes of it (up to the package limit).
const MaxDescription = workflow.MaxComment

// Organization is an agency as edXML describes it (From, To).
type Organization struct {
	ID        string // OrganId, e.g. "000.00.00.H13"
	InCharge  string // OrganizationInCharge (cơ quan chủ quản)
	Name      string // OrganName
	Address   string // OrganAdd
	Email     string
	Telephone string
	Fax       string
	Website   string
}

// Signer is the person who signed the document (SignerInfo).
type Signer struct {
	Competence string // thẩm quyền, e.g. "TL. BỘ TRƯỞNG", "KT. CHỦ TỊCH"
	Position   string // chức vụ
	FullName   string
}

// Staff is the clerk who handled a message (StaffInfo).
type Staff struct {
	Department string
	Name       string // Staff
	Mobile     string
	Email      string
}

// DocRef points at another document (ResponseFor, a status's subject).
type DocRef struct {
	OrganID          string        // the issuing organisation
	Code             string        // "Số/KýHiệu", e.g. "7816/VPCP-TTĐT"
	PromulgationDate workflow.Date // zero when absent
	DocumentID       string        // "OrganId,yyyy/MM/dd,Số/KýHiệu"
}

// IsZero reports whether r names nothing (an empty ResponseFor).
func (r DocRef) IsZero() bool {
	return r.OrganID == "" && r.Code == "" && r.PromulgationDate.IsZero() && r.DocumentID == ""
}

// Hop is one TraceHeader: an organisation the package passed through.
type Hop struct {
	OrganID string // may be empty or "null" in packages relayed by the national platform
	Time    time.Time
}

// BusinessType is the Bussiness/BussinessDocType of a document package.
type BusinessType string

const (
	BusinessNew     BusinessType = "0" // văn bản mới
	BusinessRevoke  BusinessType = "1" // thu hồi
	BusinessUpdate  BusinessType = "2" // cập nhật
	BusinessReplace BusinessType = "3" // thay thế
)

// Valid reports whether t is one of the four known business types.
func (t BusinessType) Valid() bool {
	switch t {
	case BusinessNew, BusinessRevoke, BusinessUpdate, BusinessReplace:
		return true
	}
	return false
}

func (t BusinessType) String() string {
	switch t {
	case BusinessNew:
		return "new"
	case BusinessRevoke:
		return "revoke"
	case BusinessUpdate:
		return "update"
	case BusinessReplace:
		return "replace"
	}
	return fmt.Sprintf("BusinessType(%q)", string(t))
}

// Replacement names a document a replacing package (type 3) supersedes, and
// the organisations it had been sent to (ReplacementInfo).
type Replacement struct {
	DocumentID string
	OrganIDs   []string
}

// Receiver is one entry of an update's ReceiverList.
type Receiver struct {
	OrganID string
	Type    string // ReceiverType
}

// UpdateInfo is Bussiness/BussinessDocumentInfo of an update (type 2).
type UpdateInfo struct {
	DocumentInfo     string
	DocumentReceiver string
	Receivers        []Receiver
}

// Business is the Bussiness element of the TraceHeaderList: what the package
// does to the document (new, revoke, update, replace) and why.
type Business struct {
	Type       BusinessType // "" is read as BusinessNew
	Reason     string       // BussinessDocReason
	DocumentID string       // Bussiness/DocumentId: the document acted on (revoke/update)
	Paper      string       // "0" no paper copy follows, "1" one does
	Replaces   []Replacement
	Update     *UpdateInfo
	Staff      *Staff
}

// Attachment is one file of the package: the signed PDF, annexes.
type Attachment struct {
	ContentID   string // "cid:..."; Build makes one when empty
	Name        string // AttachmentName
	ContentType string // e.g. "application/pdf"
	Description string
	Data        []byte
}

// Document is an edXML document package in plain Go terms.
type Document struct {
	From Organization
	To   []Organization

	// DocumentID is "OrganId,yyyy/MM/dd,Số/KýHiệu". Build derives it from
	// From.ID, PromulgationDate, Number and Notation when empty. Packages
	// relayed by the national platform may carry a UUID instead. Parse
	// reads it as an identifier (Identifier: white space beside the
	// separators dropped, runs collapsed, NFC).
	DocumentID string
	// DocumentIDAsSent is MessageHeader/DocumentId exactly as the package
	// wrote it (the element's text); set by Parse, ignored by Build. The
	// status messages about the document echo it: a sender finds them by
	// the string it sent.
	DocumentIDAsSent string

	Number           string        // Code/CodeNumber (số)
	Notation         string        // Code/CodeNotation (ký hiệu)
	Place            string        // PromulgationInfo/Place
	PromulgationDate workflow.Date // a calendar day: yyyy/MM/dd on the wire

	TypeCode   string // DocumentType/Type
	TypeDetail string // DocumentType/TypeDetail
	TypeName   string // DocumentType/TypeName, e.g. "Công văn"

	Subject string // trích yếu, at most MaxSubject characters
	Content string
	Signer  Signer
	DueDate workflow.Date // zero when none

	ToPlaces []string // nơi nhận in words

	// OtherInfo.
	Priority           int    // 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ
	Sphere             string // SphereOfPromulgation
	TyperNotation      string
	PromulgationAmount int
	PageAmount         int
	Direction          string // OtherInfo/Direction ("true"/"false"), kept verbatim
	Appendixes         []string

	SteeringType string
	ResponseFor  *DocRef // the document this one answers; nil when none

	Trace    []Hop // Build writes one hop (From.ID, now) when empty
	Business Business

	Attachments []Attachment
}

// StatusCode is the code of a status message.
type StatusCode string

const (
	StatusArrived        StatusCode = "01" // đã đến
	StatusRejected       StatusCode = "02" // từ chối tiếp nhận
	StatusAccepted       StatusCode = "03" // đã tiếp nhận, vào sổ
	StatusAssigned       StatusCode = "04" // phân công
	StatusInProgress     StatusCode = "05" // đang xử lý
	StatusCompleted      StatusCode = "06" // hoàn thành
	StatusRevokeRequest  StatusCode = "13" // yêu cầu lấy lại
	StatusRevokeAccepted StatusCode = "15" // đồng ý lấy lại/cập nhật
	StatusRevokeRefused  StatusCode = "16" // từ chối lấy lại/cập nhật
)

// Valid reports whether c is one of the known status codes.
func (c StatusCode) Valid() bool {
	switch c {
	case StatusArrived, StatusRejected, StatusAccepted, StatusAssigned, StatusInProgress,
		StatusCompleted, StatusRevokeRequest, StatusRevokeAccepted, StatusRevokeRefused:
		return true
	}
	return false
}

// Status is a MessageStatus: an organisation's answer about a document.
type Status struct {
	From        Organization
	ResponseFor DocRef // the document the status is about
	Code        StatusCode
	Description string // for 02 the reason of the refusal
	Staff       Staff
	Time        time.Time
}

// Kind says what a parsed package holds.
type Kind string

const (
	KindDocument Kind = "document"
	KindStatus   Kind = "status"
)

// Message is a parsed edXML package: a document or a status message.
type Message struct {
	Kind     Kind
	Document *Document // set when Kind == KindDocument
	Status   *Status   // set when Kind == KindStatus
	// Signed reports whether the package carries an XML signature in the
	// xmldsig namespace. Parse does not check it: call Verify.
	Signed bool
}

// Limits bound what Parse accepts. Zero fields take the defaults.
type Limits struct {
	MaxBytes       int64 // whole package; default 64 MiB
	MaxDepth       int   // element nesting; default 64
	MaxAttachments int   // default 100
}

// Default limits.
const (
	DefaultMaxBytes       = 64 << 20
	DefaultMaxDepth       = 64
	DefaultMaxAttachments = 100
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = DefaultMaxAttachments
	}
	return l
}
