package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/exchange/edxml"
	"github.com/egov-vn/egov/identity"
)

// The clerk's (văn thư's) pages of the document interconnection axis: the
// documents the agency received and sent, and one document with its
// deliveries and its trail in the message log. The agency's document
// management system sends, pulls and answers through the API; these pages
// let the clerk follow what the axis did, without JavaScript.

// exchangeState is a delivery state in words, with the class that colours
// it: the words carry the meaning, the colour only repeats it.
type exchangeState struct {
	Class, Text string
}

// exchangeDelivery is a delivery as the pages show it.
type exchangeDelivery struct {
	Recipient     string // the recipient's name
	Code          string // its agency code
	State         exchangeState
	Attempts      int
	LastError     string
	LastAttemptAt *time.Time
	DeliveredAt   *time.Time
	Receipt       string // the recipient's last receipt in words; empty if none
}

// exchangeItem is a card of the list.
type exchangeItem struct {
	Link       string
	Number     string
	Subject    string
	Sender     string
	ReceivedAt time.Time
	RecalledAt *time.Time
	// Own is the agency's own delivery of a document it receives.
	Own        *exchangeDelivery
	Deliveries []exchangeDelivery
}

// exchangeTab is a tab of the list: the inbox or the outbox.
type exchangeTab struct {
	Label, URL string
	Current    bool
}

// exchangePage is the list of an agency's documents on the axis.
type exchangePage struct {
	Agency     string
	AgencyName string
	Box        string // inbox or outbox
	Tabs       []exchangeTab
	// The search form's values, as typed.
	Number, Since, Until, State string
	States                      []option
	Filtered                    bool
	ClearURL                    string
	Items                       []exchangeItem
	More                        int // the limit, when the list reached it
	// NotMember explains why an agency that is not a member sees nothing.
	NotMember string
	Errors    egov.FieldErrors
	Alert     string
	Notice    string
}

// ErrorOrder is the order of the search form.
func (exchangePage) ErrorOrder() []string {
	return []string{"box", "number", "since", "until", "state"}
}

// exchangeEvent is an entry of a message's trail, in words.
type exchangeEvent struct {
	At     time.Time
	Action string
	Detail string
	Class  string
}

// exchangeMessagePage is one message with its deliveries and its trail.
type exchangeMessagePage struct {
	Agency     string
	AgencyName string
	Message    exchange.Message
	Number     string
	Sender     string
	Incoming   bool // the agency receives it (else it sent it)
	Kind       string
	Receipt    string // a receipt message: its status in words
	// The long identifiers, breakable on a phone's narrow screen.
	MessageID, DocumentID template.HTML
	Signer                string // in groups of four
	Promulgated           string // DD/MM/YYYY
	Deliveries            []exchangeDelivery
	Trail                 []exchangeEvent
	XMLLink               string
	BackLink              string
}

// exchangeListLimit is how many documents a list shows: the newest.
const exchangeListLimit = 50

// exchangeAgency is the member agency whose documents the caller sees:
// an official's own, or for a system administrator the one picked with
// ?co-quan=. It answers the request itself and returns false when the
// caller may not see the pages.
func (s *Server) exchangeAgency(w http.ResponseWriter, r *http.Request, a *identity.Account) (agency, name string, member bool, ok bool) {
	if a.Kind != identity.KindOfficial || a.Disabled {
		s.forbidden(w, r, translate(language(r), "exchange.forbidden"))
		return "", "", false, false
	}
	agency = strings.TrimSpace(officialAgency(r, a))
	if agency == "" {
		s.forbidden(w, r, translate(language(r), "exchange.forbidden"))
		return "", "", false, false
	}
	name = agency
	m, err := s.cfg.Exchange.Member(r.Context(), agency)
	switch {
	case errors.Is(err, egov.ErrNotFound):
	case err != nil:
		s.fail(w, r, err)
		return "", "", false, false
	default:
		member, name = true, m.Name
	}
	if ag, err := s.cfg.Catalog.Agency(r.Context(), agency); err == nil {
		name = ag.Name
	}
	return agency, name, member, true
}

// exchangeQuery keeps a system administrator on the agency picked.
func exchangeQuery(a *identity.Account, agency string) url.Values {
	v := url.Values{}
	if a.IsSystemAdmin() && agency != a.AgencyCode {
		v.Set("co-quan", agency)
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// exchangeLink is the page of one message: its ID escaped as one path
// segment, whatever it holds.
func exchangeLink(a *identity.Account, agency, messageID, suffix string) string {
	return withQuery("/lien-thong/"+url.PathEscape(messageID)+suffix, exchangeQuery(a, agency))
}

// agencyNames names agencies for the pages: by the catalog, else by the
// name the member was registered with, else by code. It remembers what it
// looked up, for one request.
type agencyNames struct {
	s     *Server
	ctx   context.Context
	names map[string]string
}

func (n *agencyNames) name(code string) string {
	if v, ok := n.names[code]; ok {
		return v
	}
	v := code
	if ag, err := n.s.cfg.Catalog.Agency(n.ctx, code); err == nil && ag.Name != "" {
		v = ag.Name
	} else if m, err := n.s.cfg.Exchange.Member(n.ctx, code); err == nil && m.Name != "" {
		v = m.Name
	}
	n.names[code] = v
	return v
}

// deliveryState says a delivery state in words.
func deliveryState(lang, state string) exchangeState {
	class := map[string]string{exchange.DeliveryPending: "status-processing", exchange.DeliveryDelivered: "status-done",
		exchange.DeliveryRecalled: "status-supplement_requested", exchange.DeliveryGivenUp: "status-refused"}[state]
	text := translate(lang, "exchange.state."+state)
	if text == "exchange.state."+state {
		text = state
	}
	return exchangeState{Class: class, Text: text}
}

// receiptText says a status code of QCVN 102 in words.
func receiptText(lang, code string) string {
	if code == "" {
		return ""
	}
	if v := translate(lang, "exchange.receipt."+code); v != "exchange.receipt."+code {
		return v
	}
	if v, ok := edxml.StatusCodes[code]; ok {
		return v
	}
	return code
}

func documentNumber(m exchange.Message) string {
	return strings.Trim(m.CodeNumber+"/"+m.CodeNotation, "/")
}

func (s *Server) exchangeDeliveries(lang string, names *agencyNames, list []exchange.Delivery) []exchangeDelivery {
	out := make([]exchangeDelivery, 0, len(list))
	for _, d := range list {
		out = append(out, exchangeDelivery{Recipient: names.name(d.Recipient), Code: d.Recipient, State: deliveryState(lang, d.State),
			Attempts: d.Attempts, LastError: d.LastError, LastAttemptAt: d.LastAttemptAt, DeliveredAt: d.DeliveredAt,
			Receipt: receiptText(lang, d.StatusCode)})
	}
	return out
}

// pageExchange is GET /lien-thong: the inbox (văn bản đến) or the outbox
// (văn bản đi) of the caller's agency, with a search form.
func (s *Server) pageExchange() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency, name, member, ok := s.exchangeAgency(w, r, a)
		if !ok {
			return
		}
		lang := language(r)
		q := r.URL.Query()
		page := exchangePage{Agency: agency, AgencyName: name, Box: q.Get("box"), Number: strings.TrimSpace(q.Get("number")),
			Since: q.Get("since"), Until: q.Get("until"), State: q.Get("state")}
		if page.Box == "" {
			page.Box = "inbox"
		}
		for _, box := range []string{"inbox", "outbox"} {
			v := exchangeQuery(a, agency)
			if box != "inbox" {
				v.Set("box", box)
			}
			page.Tabs = append(page.Tabs, exchangeTab{Label: translate(lang, "exchange."+box), URL: withQuery("/lien-thong", v), Current: box == page.Box})
		}
		for _, st := range []string{exchange.DeliveryPending, exchange.DeliveryDelivered, exchange.DeliveryRecalled, exchange.DeliveryGivenUp} {
			page.States = append(page.States, option{st, translate(lang, "exchange.state."+st), st == page.State})
		}
		clear := exchangeQuery(a, agency)
		if page.Box != "inbox" {
			clear.Set("box", page.Box)
		}
		page.ClearURL = withQuery("/lien-thong", clear)
		page.Filtered = page.Number != "" || page.Since != "" || page.Until != "" || page.State != ""
		title := translate(lang, "exchange.title")
		if !member {
			page.NotMember = translate(lang, "exchange.not_member", name)
			if a.IsSystemAdmin() {
				page.NotMember = translate(lang, "exchange.not_member_admin", name)
			}
			s.render(w, r, http.StatusForbidden, "exchange", title, page)
			return
		}
		f, err := exchangeFilter(r, agency)
		var fe egov.FieldErrors
		if errors.As(err, &fe) {
			// The API's checks, in the page's language.
			page.Errors = egov.FieldErrors{}
			for k := range fe {
				page.Errors[k] = translate(lang, "exchange.error."+k)
			}
		} else if err != nil {
			s.fail(w, r, err)
			return
		}
		if page.Errors == nil && !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
			page.Errors = egov.FieldErrors{"until": translate(lang, "exchange.error.order")}
		}
		if page.Errors != nil {
			s.render(w, r, http.StatusBadRequest, "exchange", title, page)
			return
		}
		f.Box, f.Limit = page.Box, exchangeListLimit
		list, err := s.cfg.Exchange.List(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(list) == exchangeListLimit {
			page.More = exchangeListLimit
		}
		names := &agencyNames{s: s, ctx: r.Context(), names: map[string]string{}}
		for _, m := range list {
			it := exchangeItem{Link: exchangeLink(a, agency, m.MessageID, ""), Number: documentNumber(m), Subject: m.Subject,
				Sender: names.name(m.Sender), ReceivedAt: m.ReceivedAt, RecalledAt: m.RecalledAt}
			if page.Box == "inbox" {
				i := slices.IndexFunc(m.Deliveries, func(d exchange.Delivery) bool { return d.Recipient == agency })
				if i < 0 {
					continue
				}
				// The state searched for is the agency's own delivery's, not
				// another recipient's.
				if f.State != "" && m.Deliveries[i].State != f.State {
					continue
				}
				own := s.exchangeDeliveries(lang, names, m.Deliveries[i:i+1])[0]
				it.Own = &own
			} else {
				it.Deliveries = s.exchangeDeliveries(lang, names, m.Deliveries)
			}
			page.Items = append(page.Items, it)
		}
		s.render(w, r, http.StatusOK, "exchange", title, page)
	})
}

// exchangeMessageOf finds the message of the path for the caller's agency:
// a message it neither sent nor receives is not found.
func (s *Server) exchangeMessageOf(w http.ResponseWriter, r *http.Request, a *identity.Account) (exchange.Message, string, string, bool) {
	agency, name, member, ok := s.exchangeAgency(w, r, a)
	if !ok {
		return exchange.Message{}, "", "", false
	}
	if !member {
		s.notFound(w, r)
		return exchange.Message{}, "", "", false
	}
	m, err := s.cfg.Exchange.Message(r.Context(), agency, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return m, "", "", false
	}
	return m, agency, name, true
}

// pageExchangeMessage is GET /lien-thong/{id}: one message, its
// deliveries and its trail.
func (s *Server) pageExchangeMessage() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		m, agency, name, ok := s.exchangeMessageOf(w, r, a)
		if !ok {
			return
		}
		trail, err := s.cfg.Exchange.Trail(r.Context(), agency, m.MessageID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		lang := language(r)
		names := &agencyNames{s: s, ctx: r.Context(), names: map[string]string{}}
		page := exchangeMessagePage{Agency: agency, AgencyName: name, Message: m, Number: documentNumber(m), Sender: names.name(m.Sender),
			Incoming: m.Sender != agency, Kind: translate(lang, "exchange.kind."+m.Kind), Receipt: receiptText(lang, m.StatusCode),
			Deliveries: s.exchangeDeliveries(lang, names, m.Deliveries), XMLLink: exchangeLink(a, agency, m.MessageID, "/xml")}
		page.MessageID, page.DocumentID = breakable(m.MessageID), breakable(m.DocumentID)
		page.Signer = groups(m.Signer, 4)
		if d, err := time.Parse("2006-01-02", m.Promulgated); err == nil {
			page.Promulgated = d.Format("02/01/2006")
		}
		back := exchangeQuery(a, agency)
		if !page.Incoming {
			back.Set("box", "outbox")
		}
		page.BackLink = withQuery("/lien-thong", back)
		for _, e := range trail {
			page.Trail = append(page.Trail, trailEvent(lang, names, e))
		}
		title := page.Number
		if title == "" {
			title = translate(lang, "exchange.message")
		}
		s.render(w, r, http.StatusOK, "exchange_message", title, page)
	})
}

// breakable escapes s for HTML and lets it break after its punctuation
// and every 16 characters without any, so that an identifier with no space
// wraps instead of overflowing a phone's screen.
func breakable(s string) template.HTML {
	var b strings.Builder
	run := 0
	for _, c := range s {
		b.WriteString(template.HTMLEscapeString(string(c)))
		run++
		if strings.ContainsRune("/,.:-_@", c) || run == 16 {
			b.WriteString("<wbr>")
			run = 0
		}
	}
	return template.HTML(b.String())
}

// groups writes s in groups of n characters, as fingerprints are read out.
func groups(s string, n int) string {
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), " ")
}

// trailEvent says an entry of the message log in words.
func trailEvent(lang string, names *agencyNames, e audit.Entry) exchangeEvent {
	detail := func(key string) string {
		if v, ok := e.Details[key]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	actor := strings.TrimPrefix(e.Actor, "member:")
	ev := exchangeEvent{At: e.At, Action: translate(lang, "exchange.action."+e.Action)}
	if ev.Action == "exchange.action."+e.Action {
		ev.Action = e.Action
	}
	switch e.Action {
	case "received":
		ev.Detail, ev.Class = translate(lang, "exchange.trail.received", names.name(actor)), "status-processing"
	case "refused":
		ev.Detail, ev.Class = detail("reason"), "status-refused"
	case "delivered":
		ev.Detail, ev.Class = translate(lang, "exchange.trail.delivered_"+detail("by"), names.name(detail("recipient"))), "status-done"
		if strings.HasPrefix(ev.Detail, "exchange.trail.") {
			ev.Detail = names.name(detail("recipient"))
		}
	case "delivery_failed":
		ev.Detail, ev.Class = translate(lang, "exchange.trail.failed", names.name(detail("recipient")), detail("error")), "status-supplement_requested"
	case "given_up":
		ev.Detail, ev.Class = translate(lang, "exchange.trail.given_up", names.name(detail("recipient"))), "status-refused"
	case "status":
		ev.Detail = translate(lang, "exchange.trail.status", names.name(detail("recipient")), receiptText(lang, detail("status_code")))
		if d := detail("description"); d != "" {
			ev.Detail += " — " + d
		}
	case "recalled":
		ev.Detail, ev.Class = translate(lang, "exchange.trail.recalled", detail("undelivered")), "status-supplement_requested"
	}
	return ev
}

// pageExchangeXML is GET /lien-thong/{id}/xml: the signed edXML of the
// message, to keep or to check its signature. The API serves the same
// body to a bearer token; the page's session cookie is not read under
// /api/, so the page has its own route.
func (s *Server) pageExchangeXML() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		m, agency, _, ok := s.exchangeMessageOf(w, r, a)
		if !ok {
			return
		}
		b, err := s.cfg.Exchange.Body(r.Context(), agency, m.MessageID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+xmlFileName(m)+`"`)
		w.Header().Set("Cache-Control", "private, no-store")
		w.Write(b)
	})
}

// xmlFileName names the download after the document's number, in the
// characters every file system takes.
func xmlFileName(m exchange.Message) string {
	base := documentNumber(m)
	if base == "" {
		base = m.MessageID
	}
	var b strings.Builder
	for _, c := range base {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 80 {
			break
		}
	}
	return "edxml-" + b.String() + ".xml"
}
