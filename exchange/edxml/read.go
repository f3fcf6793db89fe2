package edxml

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Limits bounds what the reading functions accept. The zero value uses
// DefaultMaxSize and DefaultMaxDepth.
type Limits struct {
	MaxSize  int // largest document accepted, in bytes
	MaxDepth int // deepest nesting of elements accepted
}

// Parse reads an edXML document message with the default limits. See
// [Limits.Parse].
func Parse(b []byte) (*Envelope, error) { return Limits{}.Parse(b) }

// ParseStatus reads an edXML status message with the default limits. See
// [Limits.ParseStatus].
func ParseStatus(b []byte) (*Status, error) { return Limits{}.ParseStatus(b) }

// Parse reads an edXML document message. It is lenient about the form (see
// the package documentation) and does not check the result: call
// [Envelope.Validate] for that, and [Verifier.Verify] for the signature. Its
// errors wrap ErrMalformed; it never reads from inside a ds:Signature
// element, which the signature does not cover.
func (l Limits) Parse(b []byte) (*Envelope, error) {
	_, root, err := l.read(b)
	if err != nil {
		return nil, err
	}
	env := findEnvelope(root)
	if env == nil {
		return nil, malformed("no edXMLEnvelope element")
	}
	header := child(env, "edXMLHeader")
	if header == nil {
		header = env // some senders put MessageHeader straight in the envelope
	}
	mh := child(header, "MessageHeader")
	if mh == nil {
		return nil, malformed("no MessageHeader element in edXMLHeader")
	}
	r := reader{}
	e := &Envelope{
		DocumentID: r.text(mh, "DocumentId"),
		From:       r.organ(child(mh, "From")),
		Code: Code{
			CodeNumber:   r.text(child(mh, "Code"), "CodeNumber"),
			CodeNotation: r.text(child(mh, "Code"), "CodeNotation"),
		},
		Promulgation: Promulgation{
			Place: r.text(child(mh, "PromulgationInfo"), "Place"),
			Date:  r.date(child(mh, "PromulgationInfo"), "PromulgationDate"),
		},
		DocumentType: DocumentType{
			Type:       r.int(child(mh, "DocumentType"), "Type"),
			TypeDetail: r.int(child(mh, "DocumentType"), "TypeDetail"),
			TypeName:   r.text(child(mh, "DocumentType"), "TypeName"),
		},
		Subject: r.text(mh, "Subject"),
		Content: r.text(mh, "Content"),
		Signer: Signer{
			Competence: r.text(child(mh, "SignerInfo"), "Competence"),
			Position:   r.text(child(mh, "SignerInfo"), "Position"),
			FullName:   r.text(child(mh, "SignerInfo"), "FullName"),
		},
		DueDate:      r.date(mh, "DueDate"),
		SteeringType: r.int(mh, "SteeringType"),
	}
	for _, to := range children(mh, "To") {
		e.To = append(e.To, r.organ(to))
	}
	for _, p := range children(child(mh, "ToPlaces"), "Place") {
		e.ToPlaces = append(e.ToPlaces, textOf(p))
	}
	if other := child(mh, "OtherInfo"); other != nil {
		e.Priority = r.int(other, "Priority")
		e.SphereOfPromulgation = r.text(other, "SphereOfPromulgation")
		e.TyperNotation = r.text(other, "TyperNotation")
		e.PromulgationAmount = r.int(other, "PromulgationAmount")
		e.PageAmount = r.int(other, "PageAmount")
		for _, a := range children(child(other, "Appendixes"), "Appendix") {
			if s := textOf(a); s != "" {
				e.Appendixes = append(e.Appendixes, s)
			}
		}
		e.MessageID = r.text(other, "MessageId")
	}
	for _, rf := range children(mh, "ResponseFor") {
		e.ResponseFor = append(e.ResponseFor, r.responseFor(rf))
	}

	if list := child(header, "TraceHeaderList"); list != nil {
		for _, th := range children(list, "TraceHeader") {
			e.Traces = append(e.Traces, Trace{
				OrganID:   r.text(th, "OrganId"),
				Timestamp: r.timestamp(th, "Timestamp"),
			})
		}
		e.Business = r.business(child(list, "Bussiness", "Business"))
	}
	if r.err != nil {
		return nil, r.err
	}
	e.Attachments, err = readAttachments(root, env)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ParseStatus reads an edXML status message: an edXML:Status element in an
// edXML envelope, or in a SOAP header as some senders write it. It is
// lenient like [Limits.Parse]; a one-digit status code is padded ("1" is
// "01").
func (l Limits) ParseStatus(b []byte) (*Status, error) {
	_, root, err := l.read(b)
	if err != nil {
		return nil, err
	}
	st := root
	if !strings.EqualFold(root.Tag, "Status") {
		st = find(root, 4, "Status")
	}
	if st == nil {
		return nil, malformed("no Status element")
	}
	r := reader{}
	s := &Status{
		ResponseFor: r.responseFor(child(st, "ResponseFor")),
		From:        r.organ(child(st, "From")),
		StatusCode:  r.text(st, "StatusCode"),
		Description: r.text(st, "Description"),
		Timestamp:   r.timestamp(st, "Timestamp"),
		Staff:       r.text(child(st, "StaffInfo"), "Staff"),
		Department:  r.text(child(st, "StaffInfo"), "Department"),
	}
	if len(s.StatusCode) == 1 && s.StatusCode[0] >= '0' && s.StatusCode[0] <= '9' {
		s.StatusCode = "0" + s.StatusCode
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

// read checks the limits and parses b into a tree, returning it and its
// root element.
func (l Limits) read(b []byte) (*etree.Document, *etree.Element, error) {
	maxSize, maxDepth := l.MaxSize, l.MaxDepth
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if len(b) > maxSize {
		return nil, nil, fmt.Errorf("%w: %w: %d bytes, the limit is %d", ErrMalformed, ErrTooLarge, len(b), maxSize)
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{MaxDepth: maxDepth}
	if err := doc.ReadFromBytes(b); err != nil {
		if errors.Is(err, etree.ErrMaxDepth) {
			return nil, nil, malformed("elements nested deeper than %d", maxDepth)
		}
		return nil, nil, malformed("not well-formed XML: %v", err)
	}
	var root *etree.Element
	for _, t := range doc.Child {
		switch t := t.(type) {
		case *etree.Element:
			if root != nil {
				return nil, nil, malformed("more than one root element")
			}
			root = t
		case *etree.CharData:
			if !t.IsWhitespace() {
				return nil, nil, malformed("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, nil, malformed("no root element")
	}
	return doc, root, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// findEnvelope returns the edXMLEnvelope element: the root itself or an
// element near it (under the edXML root, or in a SOAP body).
func findEnvelope(root *etree.Element) *etree.Element {
	if strings.EqualFold(root.Tag, "edXMLEnvelope") {
		return root
	}
	return find(root, 3, "edXMLEnvelope")
}

// find returns the first element named name, breadth first, at most depth
// levels below root, without entering Signature elements.
func find(root *etree.Element, depth int, name string) *etree.Element {
	level := []*etree.Element{root}
	for d := 0; d < depth && len(level) > 0; d++ {
		var next []*etree.Element
		for _, el := range level {
			for _, c := range el.ChildElements() {
				if isSignature(c) {
					continue
				}
				if strings.EqualFold(c.Tag, name) {
					return c
				}
				next = append(next, c)
			}
		}
		level = next
	}
	return nil
}

func isSignature(el *etree.Element) bool { return strings.EqualFold(el.Tag, "Signature") }

// child returns the first child element of el with one of the names, in any
// namespace and any case, or nil. el may be nil.
func child(el *etree.Element, names ...string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.Child {
		c, ok := c.(*etree.Element)
		if !ok || isSignature(c) {
			continue
		}
		for _, n := range names {
			if strings.EqualFold(c.Tag, n) {
				return c
			}
		}
	}
	return nil
}

// children returns every child element of el named name. el may be nil.
func children(el *etree.Element, name string) []*etree.Element {
	if el == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range el.Child {
		if c, ok := c.(*etree.Element); ok && strings.EqualFold(c.Tag, name) {
			out = append(out, c)
		}
	}
	return out
}

// textOf returns all the character data directly in el (CDATA included,
// comments left out, as canonicalization leaves them out), trimmed.
func textOf(el *etree.Element) string {
	if el == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range el.Child {
		if cd, ok := c.(*etree.CharData); ok {
			b.WriteString(cd.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

// reader converts the values of elements, keeping the first error.
type reader struct{ err error }

func (r *reader) fail(el *etree.Element, what, value string) {
	if r.err == nil {
		r.err = malformed("%s: %q is not %s", path(el), value, what)
	}
}

// path names el by the local names of its ancestors, for error messages.
func path(el *etree.Element) string {
	var names []string
	for e := el; e != nil && e.Tag != ""; e = e.Parent() {
		names = append(names, e.Tag)
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return strings.Join(names, "/")
}

func (r *reader) text(parent *etree.Element, names ...string) string {
	return textOf(child(parent, names...))
}

func (r *reader) int(parent *etree.Element, names ...string) int {
	el := child(parent, names...)
	s := textOf(el)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		r.fail(el, "a whole number", s)
	}
	return n
}

// Layouts accepted for dates and timestamps, most likely first. A value
// without a zone is Vietnam time.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006/01/02 15:04:05",
	"02/01/2006 15:04:05",
	"2006-01-02",
	"2006/01/02",
	"02/01/2006",
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, vietnam); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// date reads a calendar date, returned at midnight UTC. A timestamp is
// accepted and its date (in its own zone) kept.
func (r *reader) date(parent *etree.Element, name string) time.Time {
	el := child(parent, name)
	s := textOf(el)
	if s == "" {
		return time.Time{}
	}
	t, ok := parseTime(s)
	if !ok {
		r.fail(el, "a date (yyyy-MM-dd)", s)
		return time.Time{}
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// timestamp reads an instant, returned in UTC.
func (r *reader) timestamp(parent *etree.Element, name string) time.Time {
	el := child(parent, name)
	s := textOf(el)
	if s == "" {
		return time.Time{}
	}
	t, ok := parseTime(s)
	if !ok {
		r.fail(el, "a timestamp (yyyy-MM-ddTHH:mm:ss+07:00)", s)
		return time.Time{}
	}
	return t.UTC()
}

func (r *reader) organ(el *etree.Element) Organ {
	return Organ{
		OrganID:              r.text(el, "OrganId"),
		OrganizationInCharge: r.text(el, "OrganizationInCharge"),
		OrganName:            r.text(el, "OrganName"),
		OrganAdd:             r.text(el, "OrganAdd"),
		Email:                r.text(el, "Email"),
		Telephone:            r.text(el, "Telephone"),
		Fax:                  r.text(el, "Fax"),
		Website:              r.text(el, "Website"),
	}
}

func (r *reader) responseFor(el *etree.Element) ResponseFor {
	return ResponseFor{
		OrganID:          r.text(el, "OrganId"),
		Code:             r.text(el, "Code"),
		PromulgationDate: r.date(el, "PromulgationDate"),
		DocumentID:       r.text(el, "DocumentId"),
	}
}

func (r *reader) business(el *etree.Element) Business {
	b := Business{
		DocType:    r.int(el, "BussinessDocType", "BusinessDocType"),
		Reason:     r.text(el, "BussinessDocReason", "BusinessDocReason"),
		DocumentID: r.text(el, "DocumentId"),
		Paper:      r.int(el, "Paper"),
	}
	if info := child(el, "BussinessDocumentInfo", "BusinessDocumentInfo"); info != nil {
		in := &BusinessDocumentInfo{
			DocumentInfo:     r.int(info, "DocumentInfo"),
			DocumentReceiver: r.int(info, "DocumentReceiver"),
		}
		for _, rec := range children(child(info, "ReceiverList"), "Receiver") {
			in.Receivers = append(in.Receivers, UpdateReceiver{
				ReceiverType: r.int(rec, "ReceiverType"),
				OrganID:      r.text(rec, "OrganId"),
			})
		}
		b.DocumentInfo = in
	}
	if staff := child(el, "StaffInfo"); staff != nil {
		b.Staff = StaffInfo{
			Department: r.text(staff, "Department"),
			Staff:      r.text(staff, "Staff"),
			Mobile:     r.text(staff, "Mobile"),
			Email:      r.text(staff, "Email"),
		}
	}
	if info := child(child(el, "ReplacementInfoList"), "ReplacementInfo"); info != nil {
		b.ReplacedDocumentID = r.text(info, "DocumentId")
		for _, id := range children(child(info, "OrganIdList"), "OrganId") {
			if s := textOf(id); s != "" {
				b.ReplacementOrganIDs = append(b.ReplacementOrganIDs, s)
			}
		}
	}
	return b
}

// contentID normalizes a content identifier: "cid:" and angle brackets, as
// in MIME, are dropped.
func contentID(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 4 && strings.EqualFold(s[:4], "cid:") {
		s = s[4:]
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
}

// readAttachments pairs the manifest's references with the encoded files by
// content identifier, in the manifest's order; encoded files that no
// reference names follow, and a reference without a file has no Data.
func readAttachments(root, env *etree.Element) ([]Attachment, error) {
	var encoded []*etree.Element
	parents := []*etree.Element{root}
	if env != root {
		parents = append(parents, env)
	}
	parents = append(parents, child(env, "edXMLBody"))
	for _, parent := range parents {
		for _, ae := range children(parent, "AttachmentEncoded") {
			encoded = append(encoded, children(ae, "Attachment")...)
		}
	}
	files := map[string]int{}
	var out []Attachment
	for _, el := range encoded {
		a := Attachment{
			ContentID:   contentID(textOf(child(el, "ContentId"))),
			ContentType: textOf(child(el, "ContentType")),
			Name:        textOf(child(el, "AttachmentName")),
			Description: textOf(child(el, "Description")),
		}
		data, err := decodeBase64(textOf(child(el, "ContentTransferEncoded")))
		if err != nil {
			return nil, malformed("attachment %q (%s): ContentTransferEncoded is not valid base64: %v", a.ContentID, a.Name, err)
		}
		a.Data = data
		if _, dup := files[a.ContentID]; dup {
			return nil, malformed("two attachments have the content identifier %q", a.ContentID)
		}
		files[a.ContentID] = len(out)
		out = append(out, a)
	}

	manifest := child(child(env, "edXMLBody"), "edXMLManifest")
	var ordered []Attachment
	used := make([]bool, len(out))
	for _, ref := range children(manifest, "Reference") {
		id := textOf(child(ref, "ContentId"))
		if id == "" {
			id = ref.SelectAttrValue("href", "") // xlink:href, whatever the prefix
		}
		id = contentID(id)
		a := Attachment{ContentID: id}
		if i, ok := files[id]; ok {
			if used[i] {
				return nil, malformed("two manifest references name the attachment %q", id)
			}
			a, used[i] = out[i], true
		}
		if s := textOf(child(ref, "ContentType")); s != "" {
			a.ContentType = s
		}
		if s := textOf(child(ref, "AttachmentName")); s != "" {
			a.Name = s
		}
		if s := textOf(child(ref, "Description")); s != "" {
			a.Description = s
		}
		ordered = append(ordered, a)
	}
	for i, a := range out {
		if !used[i] {
			ordered = append(ordered, a)
		}
	}
	return ordered, nil
}

// decodeBase64 decodes standard base64, ignoring the line breaks and spaces
// that some senders wrap it with, and accepting missing padding.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	if len(s)%4 != 0 && !strings.HasSuffix(s, "=") {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return base64.StdEncoding.DecodeString(s)
}
