// Package edxml reads, writes, signs and verifies edXML messages: the
// format of QCVN 102:2016/BTTTT (Circular 10/2016/TT-BTTTT) in which Vietnamese
// agencies exchange official documents over the national document
// interconnection axis (trục liên thông văn bản quốc gia).
//
// Two kinds of message are handled: an [Envelope] carries a document (its
// metadata and its attached files) and a [Status] carries a receipt or a
// processing status for a document received earlier.
//
// Reading is lenient: elements are matched by local name, with any prefix or
// namespace or none, case-insensitively; unknown elements are ignored; dates
// are accepted as yyyy-MM-dd, yyyy/MM/dd or dd/MM/yyyy, with or without a
// time. Writing is strict: every element is in the edXML namespace with the
// prefix edXML, in a fixed order, and dates are written yyyy-MM-dd and
// timestamps as xs:dateTime in Vietnam time (+07:00).
//
// The shape written for a document:
//
//	edXML:edXML
//	  edXML:edXMLEnvelope
//	    edXML:edXMLHeader
//	      edXML:MessageHeader     From, To*, Code, PromulgationInfo, DocumentType, Subject,
//	                              Content, SignerInfo, DueDate?, ToPlaces?, OtherInfo,
//	                              ResponseFor*, SteeringType, DocumentId
//	      edXML:TraceHeaderList   TraceHeader*, Bussiness
//	      ds:Signature            added by Sign
//	    edXML:edXMLBody
//	      edXML:edXMLManifest     Reference* (ContentId, ContentType, AttachmentName, Description)
//	  edXML:AttachmentEncoded     Attachment* (ContentId, ..., ContentTransferEncoded: base64)
//
// A status message is an edXML:Status root element: ResponseFor, From,
// StatusCode, Description, Timestamp, StaffInfo, then ds:Signature once
// signed. (Some senders put the Status element in a SOAP header; ParseStatus
// reads that too.) The root element's name thus tells the two kinds apart.
//
// The message's own identifier ([Envelope.MessageID], used to drop
// duplicates) has no element of its own in QCVN 102. It is written as
// MessageHeader/OtherInfo/MessageId, the last element of OtherInfo: OtherInfo
// is the part of the header meant for information beyond the document's
// official metadata, and receivers that do not know the element ignore it.
// TraceHeader was not used because it records the hops of a message (one
// per agency that handled it), not the message itself.
//
// Signatures ([Sign], [Verifier.Verify]) are enveloped XML-DSig signatures
// made and checked by github.com/russellhaering/goxmldsig: the reference is
// the whole document (URI=""), with the enveloped-signature transform and
// exclusive canonicalization, SHA-256 digests, RSA, ECDSA or Ed25519 keys,
// and the signer's certificate in KeyInfo/X509Data. The ds:Signature element
// is the last child of edXMLHeader in a document and of the Status root
// element in a status message, and nowhere else.
//
// Ed25519 signatures (RFC 9231's eddsa-ed25519) take another path, because
// goxmldsig has no EdDSA and no way to add a signature method: this package
// assembles and checks them itself, in the same form and with the same
// checks as the others, but writes no cryptography of its own. It uses only
// library primitives: goxmldsig's exclusive canonicalizer for the message
// and for SignedInfo, crypto/sha256 for the digest (crypto/sha512 for the
// stronger digests another signer may use) and crypto/ed25519 for the
// signature.
package edxml

import (
	"errors"
	"time"
)

// Namespace is the XML namespace of edXML elements, and Prefix the prefix
// written for it.
const (
	Namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
	Prefix    = "edXML"
)

// Errors that callers test with errors.Is. Every error returned by this
// package wraps one of them, with the reason.
var (
	// ErrMalformed: the input is not a readable edXML message (not XML, too
	// deep, too large, a missing part, a value of the wrong kind, an
	// attachment that is not valid base64).
	ErrMalformed = errors.New("edxml: malformed message")
	// ErrTooLarge: the input is larger than the limit. Errors that wrap it
	// also wrap ErrMalformed.
	ErrTooLarge = errors.New("edxml: message too large")
	// ErrUnsigned: the message has no signature.
	ErrUnsigned = errors.New("edxml: message is not signed")
	// ErrBadSignature: the signature does not match the message (the
	// message was changed after signing), is not of the form this package
	// makes, or is in the wrong place.
	ErrBadSignature = errors.New("edxml: bad signature")
	// ErrUnknownKey: the message is signed with a certificate that is not
	// among the trusted ones, or that is not valid at the time of checking.
	ErrUnknownKey = errors.New("edxml: signed by an unknown key")
	// ErrUnsupportedKey: Sign was given a key of a type that cannot be used
	// (one that is not RSA, ECDSA or Ed25519).
	ErrUnsupportedKey = errors.New("edxml: unsupported key type")
)

// Limits of the reading functions, used when a [Limits] field is zero.
const (
	DefaultMaxSize  = 50 << 20 // bytes
	DefaultMaxDepth = 64       // nesting of elements; edXML itself needs about 10
)

// Organ is an agency as edXML names it (From, To, the sender of a status).
type Organ struct {
	OrganID              string `json:"organ_id"` // national agency code, e.g. 000.00.00.G22
	OrganizationInCharge string `json:"organization_in_charge"`
	OrganName            string `json:"organ_name"`
	OrganAdd             string `json:"organ_add"` // address
	Email                string `json:"email"`
	Telephone            string `json:"telephone"`
	Fax                  string `json:"fax"`
	Website              string `json:"website"`
}

// Code is the number and notation of a document (số và ký hiệu), e.g. "7816"
// and "VPCP-TTĐT" for "7816/VPCP-TTĐT".
type Code struct {
	CodeNumber   string `json:"code_number"`
	CodeNotation string `json:"code_notation"`
}

// String gives the usual written form, number/notation.
func (c Code) String() string {
	switch {
	case c.CodeNumber == "":
		return c.CodeNotation
	case c.CodeNotation == "":
		return c.CodeNumber
	}
	return c.CodeNumber + "/" + c.CodeNotation
}

// Promulgation is where and when the document was issued. Date is a calendar
// date: Parse returns it at midnight UTC and Marshal writes its year, month
// and day as they are, yyyy-MM-dd.
type Promulgation struct {
	Place string    `json:"place"`
	Date  time.Time `json:"date"`
}

// DocumentType is the kind of document (công văn, quyết định...), coded as in
// the national list, with its name.
type DocumentType struct {
	Type       int    `json:"type"`
	TypeDetail int    `json:"type_detail"`
	TypeName   string `json:"type_name"`
}

// Signer is the official who signed the document on paper or digitally
// (SignerInfo); not to be confused with the XML signature of the message.
type Signer struct {
	Competence string `json:"competence"` // thẩm quyền, e.g. "KT. Bộ trưởng"
	Position   string `json:"position"`
	FullName   string `json:"full_name"`
}

// Attachment is one file sent with the document. ContentID links the
// manifest's Reference with the encoded file; it is written without "cid:"
// in the file and with it in the reference, as the national SDK does.
type Attachment struct {
	ContentID   string `json:"content_id"`
	ContentType string `json:"content_type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Data        []byte `json:"data"`
}

// Business document types (BussinessDocType).
const (
	BusinessNew         = 0 // a new document
	BusinessRevocation  = 1 // revokes (thu hồi) a document sent earlier
	BusinessUpdate      = 2 // updates a document sent earlier
	BusinessReplacement = 3 // replaces a document sent earlier
)

// Business says what the message does to the document (TraceHeaderList/
// Bussiness, spelled so in the standard).
type Business struct {
	DocType int    `json:"doc_type"` // BusinessNew, BusinessRevocation, BusinessUpdate or BusinessReplacement
	Reason  string `json:"reason"`   // BussinessDocReason, required unless DocType is BusinessNew
	// DocumentID is the document that a revocation or an update is about
	// (Bussiness/DocumentId).
	DocumentID string `json:"document_id,omitempty"`
	// DocumentInfo describes an update: what changed and who must be told
	// (BussinessDocumentInfo); nil when absent.
	DocumentInfo *BusinessDocumentInfo `json:"document_info,omitempty"`
	Staff        StaffInfo             `json:"staff"`
	Paper        int                   `json:"paper"` // 1 if a paper copy is also sent
	// ReplacedDocumentID is the document that a replacement replaces, and
	// ReplacementOrganIDs the agencies that must take it as replaced
	// (ReplacementInfoList/ReplacementInfo).
	ReplacedDocumentID  string   `json:"replaced_document_id,omitempty"`
	ReplacementOrganIDs []string `json:"replacement_organ_ids,omitempty"`
}

// BusinessDocumentInfo is the detail of an update.
type BusinessDocumentInfo struct {
	DocumentInfo     int              `json:"document_info"`     // 0 metadata only, 1 also the files
	DocumentReceiver int              `json:"document_receiver"` // 0 same receivers, 1 receivers changed
	Receivers        []UpdateReceiver `json:"receivers,omitempty"`
}

// UpdateReceiver is one agency in the receiver list of an update.
type UpdateReceiver struct {
	ReceiverType int    `json:"receiver_type"` // 0 removed, 1 added
	OrganID      string `json:"organ_id"`
}

// StaffInfo is the official who handled the message at the sending agency.
type StaffInfo struct {
	Department string `json:"department"`
	Staff      string `json:"staff"`
	Mobile     string `json:"mobile"`
	Email      string `json:"email"`
}

// ResponseFor points at a document that this message answers.
type ResponseFor struct {
	OrganID          string    `json:"organ_id"`
	Code             string    `json:"code"` // number/notation of that document
	PromulgationDate time.Time `json:"promulgation_date"`
	DocumentID       string    `json:"document_id"`
}

// Trace is one agency that handled the message and when (TraceHeader).
type Trace struct {
	OrganID   string    `json:"organ_id"`
	Timestamp time.Time `json:"timestamp"`
}

// Envelope is a document message.
type Envelope struct {
	// DocumentID identifies the document nationally: sender's agency code,
	// promulgation date and number/notation, e.g.
	// "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT". The same document sent
	// twice keeps its DocumentID.
	DocumentID string `json:"document_id"`
	// MessageID identifies this message (for example a UUID), so that a
	// receiver can drop a message delivered twice. Written as
	// OtherInfo/MessageId (see the package documentation).
	MessageID string `json:"message_id"`

	From         Organ        `json:"from"`
	To           []Organ      `json:"to"`
	Code         Code         `json:"code"`
	Promulgation Promulgation `json:"promulgation"`
	DocumentType DocumentType `json:"document_type"`
	Subject      string       `json:"subject"` // trích yếu
	Content      string       `json:"content"`
	Signer       Signer       `json:"signer"`
	DueDate      time.Time    `json:"due_date"` // a calendar date, like Promulgation.Date; zero if none
	ToPlaces     []string     `json:"to_places,omitempty"`

	// OtherInfo.
	Priority             int      `json:"priority"` // độ khẩn
	SphereOfPromulgation string   `json:"sphere_of_promulgation"`
	TyperNotation        string   `json:"typer_notation"` // ký hiệu người đánh máy
	PromulgationAmount   int      `json:"promulgation_amount"`
	PageAmount           int      `json:"page_amount"`
	Appendixes           []string `json:"appendixes,omitempty"`

	ResponseFor  []ResponseFor `json:"response_for,omitempty"`
	SteeringType int           `json:"steering_type"` // chỉ đạo

	Traces      []Trace      `json:"traces"`
	Business    Business     `json:"business"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Status codes of a status message, as QCVN 102 numbers them.
const (
	StatusArrived         = "01" // đã đến
	StatusRejected        = "02" // bị từ chối
	StatusAccepted        = "03" // đã tiếp nhận
	StatusAssigned        = "04" // đã phân công
	StatusProcessing      = "05" // đang xử lý
	StatusFinished        = "06" // đã hoàn thành
	StatusRecallRequested = "13" // yêu cầu lấy lại
	StatusRecallAgreed    = "15" // đồng ý lấy lại hoặc cập nhật
	StatusRecallRefused   = "16" // từ chối lấy lại hoặc cập nhật
)

// StatusCodes lists every status code with its meaning in Vietnamese.
var StatusCodes = map[string]string{
	StatusArrived:         "Đã đến",
	StatusRejected:        "Bị từ chối",
	StatusAccepted:        "Đã tiếp nhận",
	StatusAssigned:        "Đã phân công",
	StatusProcessing:      "Đang xử lý",
	StatusFinished:        "Đã hoàn thành",
	StatusRecallRequested: "Yêu cầu lấy lại",
	StatusRecallAgreed:    "Đồng ý lấy lại hoặc cập nhật",
	StatusRecallRefused:   "Từ chối lấy lại hoặc cập nhật",
}

// Status is a status message: what the receiving agency did with a
// document.
type Status struct {
	ResponseFor ResponseFor `json:"response_for"`
	From        Organ       `json:"from"`
	StatusCode  string      `json:"status_code"` // one of the Status* constants
	Description string      `json:"description"`
	Timestamp   time.Time   `json:"timestamp"`
	Staff       string      `json:"staff"`      // StaffInfo/Staff
	Department  string      `json:"department"` // StaffInfo/Department
}

// vietnam is the time zone of written timestamps. Vietnam has kept +07:00
// without daylight saving time since 1975, so a fixed zone is exact and
// needs no time zone database.
var vietnam = time.FixedZone("ICT", 7*60*60)
