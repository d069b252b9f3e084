package edxml

// The wire structs below mirror what the national platform's SDK writes
// (the interop corpus, VANTHU_INTEROP_FIXTURES/edxml). They are used for reading only: Build
// writes the XML itself so that prefixes, element order and indentation
// match those packages exactly. Every element is in the edXML namespace,
// whether written with the edXML: prefix or as the default namespace.

type wirePackage struct {
	Envelope    wireEnvelope     `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 edXMLEnvelope"`
	Attachments []wireAttachment `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 AttachmentEncoded>Attachment"`
}

type wireEnvelope struct {
	MessageHeader wireMessageHeader `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 edXMLHeader>MessageHeader"`
	Trace         *wireTraceList    `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 edXMLHeader>TraceHeaderList"`
	Manifest      []wireReference   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 edXMLBody>edXMLManifest>Reference"`
}

type wireOrg struct {
	OrganID   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OrganId"`
	InCharge  string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OrganizationInCharge"`
	Name      string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OrganName"`
	Address   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OrganAdd"`
	Email     string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Email"`
	Telephone string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Telephone"`
	Fax       string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Fax"`
	Website   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Website"`
}

type wireDocRef struct {
	OrganID          string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OrganId"`
	Code             string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Code"`
	PromulgationDate string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 PromulgationDate"`
	DocumentID       string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 DocumentId"`
}

type wireStaff struct {
	Department string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Department"`
	Staff      string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Staff"`
	Mobile     string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Mobile"`
	Email      string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Email"`
}

// wireMessageHeader is the union of a document's and a status message's
// MessageHeader; StatusCode tells them apart.
type wireMessageHeader struct {
	From       wireOrg   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 From"`
	To         []wireOrg `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 To"`
	DocumentID string    `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 DocumentId"`
	Code       struct {
		Number   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 CodeNumber"`
		Notation string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 CodeNotation"`
	} `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Code"`
	Promulgation struct {
		Place string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Place"`
		Date  string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 PromulgationDate"`
	} `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 PromulgationInfo"`
	DocumentType struct {
		Type   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Type"`
		Detail string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 TypeDetail"`
		Name   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 TypeName"`
	} `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 DocumentType"`
	Subject string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Subject"`
	Content string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Content"`
	Signer  struct {
		Competence string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Competence"`
		Position   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Position"`
		FullName   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 FullName"`
	} `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 SignerInfo"`
	DueDate   string   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 DueDate"`
	ToPlaces  []string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ToPlaces>Place"`
	OtherInfo struct {
		Priority           string   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Priority"`
		Sphere             string   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 SphereOfPromulgation"`
		TyperNotation      string   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 TyperNotation"`
		PromulgationAmount string   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 PromulgationAmount"`
		PageAmount         string   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 PageAmount"`
		Direction          string   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Direction"`
		Appendixes         []string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Appendixes>Appendix"`
	} `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OtherInfo"`
	ResponseFor  *wireDocRef `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ResponseFor"`
	SteeringType string      `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 SteeringType"`

	// Status message fields.
	StaffInfo   *wireStaff `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 StaffInfo"`
	StatusCode  *string    `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 StatusCode"`
	Description string     `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Description"`
	Timestamp   string     `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Timestamp"`
}

type wireTraceList struct {
	Headers  []wireTraceHeader `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 TraceHeader"`
	Business *wireBusiness     `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Bussiness"`
}

type wireTraceHeader struct {
	OrganID   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OrganId"`
	Timestamp string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Timestamp"`
}

type wireBusiness struct {
	DocumentID   string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 DocumentId"`
	DocType      string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 BussinessDocType"`
	Reason       string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 BussinessDocReason"`
	Paper        string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Paper"`
	Replacements []struct {
		DocumentID string   `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 DocumentId"`
		OrganIDs   []string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OrganIdList>OrganId"`
	} `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ReplacementInfoList>ReplacementInfo"`
	DocumentInfo *struct {
		DocumentInfo     string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 DocumentInfo"`
		DocumentReceiver string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 DocumentReceiver"`
		Receivers        []struct {
			OrganID string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 OrganId"`
			Type    string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ReceiverType"`
		} `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ReceiverList>Receiver"`
	} `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 BussinessDocumentInfo"`
	StaffInfo *wireStaff `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 StaffInfo"`
}

type wireReference struct {
	ContentID      string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ContentId"`
	ContentType    string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ContentType"`
	Description    string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Description"`
	AttachmentName string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 AttachmentName"`
}

type wireAttachment struct {
	ContentID      string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ContentId"`
	AttachmentName string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 AttachmentName"`
	Description    string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 Description"`
	ContentType    string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ContentType"`
	Encoded        string `xml:"http://www.mic.gov.vn/TBT/QCVN_102_2016 ContentTransferEncoded"`
}
