package edxml

import (
	"encoding/base64"
	"strconv"
	"time"

	"github.com/beevik/etree"
)

const xlinkNamespace = "http://www.w3.org/1999/xlink"

// Formats of written dates and timestamps.
const (
	dateLayout      = "2006-01-02"
	timestampLayout = "2006-01-02T15:04:05-07:00"
)

// Marshal writes the envelope as an unsigned edXML document, after checking
// it with [Envelope.Validate] (whose error it returns as is). The output is
// indented UTF-8 with the edXML prefix on every element and the elements in
// the order of the package documentation; optional dates, lists and groups
// are left out when empty, text and number elements are always written.
func Marshal(e *Envelope) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	doc, root := newDocument("edXML", len(e.Attachments) > 0)
	envelope := add(root, "edXMLEnvelope")
	header := add(envelope, "edXMLHeader")
	writeMessageHeader(add(header, "MessageHeader"), e)
	writeTraceHeaderList(add(header, "TraceHeaderList"), e)

	manifest := add(add(envelope, "edXMLBody"), "edXMLManifest")
	manifest.CreateAttr("version", "1.0")
	for _, a := range e.Attachments {
		ref := add(manifest, "Reference")
		ref.CreateAttr("xlink:href", "cid:"+a.ContentID)
		ref.CreateAttr("xlink:type", "simple")
		text(ref, "ContentId", "cid:"+a.ContentID)
		text(ref, "ContentType", a.ContentType)
		text(ref, "AttachmentName", a.Name)
		text(ref, "Description", a.Description)
	}
	if len(e.Attachments) > 0 {
		encoded := add(root, "AttachmentEncoded")
		for _, a := range e.Attachments {
			att := add(encoded, "Attachment")
			text(att, "ContentId", a.ContentID)
			text(att, "ContentType", a.ContentType)
			text(att, "AttachmentName", a.Name)
			text(att, "Description", a.Description)
			text(att, "ContentTransferEncoded", base64.StdEncoding.EncodeToString(a.Data))
		}
	}
	return write(doc)
}

// MarshalStatus writes the status message as an unsigned edXML document,
// after checking it with [Status.Validate].
func MarshalStatus(s *Status) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	doc, st := newDocument("Status", false)
	writeResponseFor(add(st, "ResponseFor"), s.ResponseFor)
	writeOrgan(add(st, "From"), s.From)
	text(st, "StatusCode", s.StatusCode)
	text(st, "Description", s.Description)
	text(st, "Timestamp", formatTimestamp(s.Timestamp))
	staff := add(st, "StaffInfo")
	text(staff, "Department", s.Department)
	text(staff, "Staff", s.Staff)
	return write(doc)
}

func newDocument(rootTag string, xlink bool) (*etree.Document, *etree.Element) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement(Prefix + ":" + rootTag)
	root.CreateAttr("xmlns:"+Prefix, Namespace)
	if xlink {
		root.CreateAttr("xmlns:xlink", xlinkNamespace)
	}
	return doc, root
}

// writeSettings escape what a reader would otherwise normalize (carriage
// returns in text, tabs and newlines in attributes), so that what is read
// back is exactly what was written: a signature depends on it.
var writeSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}

func write(doc *etree.Document) ([]byte, error) {
	doc.WriteSettings = writeSettings
	doc.Indent(2)
	return doc.WriteToBytes()
}

func writeMessageHeader(mh *etree.Element, e *Envelope) {
	writeOrgan(add(mh, "From"), e.From)
	for _, o := range e.To {
		writeOrgan(add(mh, "To"), o)
	}
	code := add(mh, "Code")
	text(code, "CodeNumber", e.Code.CodeNumber)
	text(code, "CodeNotation", e.Code.CodeNotation)
	prom := add(mh, "PromulgationInfo")
	text(prom, "Place", e.Promulgation.Place)
	text(prom, "PromulgationDate", formatDate(e.Promulgation.Date))
	dt := add(mh, "DocumentType")
	number(dt, "Type", e.DocumentType.Type)
	number(dt, "TypeDetail", e.DocumentType.TypeDetail)
	text(dt, "TypeName", e.DocumentType.TypeName)
	text(mh, "Subject", e.Subject)
	text(mh, "Content", e.Content)
	signer := add(mh, "SignerInfo")
	text(signer, "Competence", e.Signer.Competence)
	text(signer, "Position", e.Signer.Position)
	text(signer, "FullName", e.Signer.FullName)
	if !e.DueDate.IsZero() {
		text(mh, "DueDate", formatDate(e.DueDate))
	}
	if len(e.ToPlaces) > 0 {
		places := add(mh, "ToPlaces")
		for _, p := range e.ToPlaces {
			text(places, "Place", p)
		}
	}
	other := add(mh, "OtherInfo")
	number(other, "Priority", e.Priority)
	text(other, "SphereOfPromulgation", e.SphereOfPromulgation)
	text(other, "TyperNotation", e.TyperNotation)
	number(other, "PromulgationAmount", e.PromulgationAmount)
	number(other, "PageAmount", e.PageAmount)
	if len(e.Appendixes) > 0 {
		apps := add(other, "Appendixes")
		for _, a := range e.Appendixes {
			text(apps, "Appendix", a)
		}
	}
	text(other, "MessageId", e.MessageID)
	for _, r := range e.ResponseFor {
		writeResponseFor(add(mh, "ResponseFor"), r)
	}
	number(mh, "SteeringType", e.SteeringType)
	text(mh, "DocumentId", e.DocumentID)
}

func writeTraceHeaderList(list *etree.Element, e *Envelope) {
	for _, t := range e.Traces {
		th := add(list, "TraceHeader")
		text(th, "OrganId", t.OrganID)
		text(th, "Timestamp", formatTimestamp(t.Timestamp))
	}
	b := e.Business
	bus := add(list, "Bussiness")
	number(bus, "BussinessDocType", b.DocType)
	text(bus, "BussinessDocReason", b.Reason)
	if in := b.DocumentInfo; in != nil {
		info := add(bus, "BussinessDocumentInfo")
		number(info, "DocumentInfo", in.DocumentInfo)
		number(info, "DocumentReceiver", in.DocumentReceiver)
		if len(in.Receivers) > 0 {
			list := add(info, "ReceiverList")
			for _, r := range in.Receivers {
				rec := add(list, "Receiver")
				number(rec, "ReceiverType", r.ReceiverType)
				text(rec, "OrganId", r.OrganID)
			}
		}
	}
	if b.DocumentID != "" {
		text(bus, "DocumentId", b.DocumentID)
	}
	staff := add(bus, "StaffInfo")
	text(staff, "Department", b.Staff.Department)
	text(staff, "Staff", b.Staff.Staff)
	text(staff, "Mobile", b.Staff.Mobile)
	text(staff, "Email", b.Staff.Email)
	number(bus, "Paper", b.Paper)
	if b.ReplacedDocumentID != "" {
		info := add(add(bus, "ReplacementInfoList"), "ReplacementInfo")
		text(info, "DocumentId", b.ReplacedDocumentID)
		if len(b.ReplacementOrganIDs) > 0 {
			ids := add(info, "OrganIdList")
			for _, id := range b.ReplacementOrganIDs {
				text(ids, "OrganId", id)
			}
		}
	}
}

func writeOrgan(el *etree.Element, o Organ) {
	text(el, "OrganId", o.OrganID)
	text(el, "OrganizationInCharge", o.OrganizationInCharge)
	text(el, "OrganName", o.OrganName)
	text(el, "OrganAdd", o.OrganAdd)
	text(el, "Email", o.Email)
	text(el, "Telephone", o.Telephone)
	text(el, "Fax", o.Fax)
	text(el, "Website", o.Website)
}

func writeResponseFor(el *etree.Element, r ResponseFor) {
	text(el, "OrganId", r.OrganID)
	text(el, "Code", r.Code)
	if !r.PromulgationDate.IsZero() {
		text(el, "PromulgationDate", formatDate(r.PromulgationDate))
	}
	text(el, "DocumentId", r.DocumentID)
}

func add(parent *etree.Element, tag string) *etree.Element {
	return parent.CreateElement(Prefix + ":" + tag)
}

func text(parent *etree.Element, tag, value string) {
	add(parent, tag).SetText(value)
}

func number(parent *etree.Element, tag string, n int) {
	text(parent, tag, strconv.Itoa(n))
}

// formatDate writes a calendar date as its own year, month and day, whatever
// its location.
func formatDate(t time.Time) string { return t.Format(dateLayout) }

func formatTimestamp(t time.Time) string { return t.In(vietnam).Format(timestampLayout) }
