package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	platform "github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/exchange/edxml"
)

const exchangeUsage = `usage:
  egov exchange send FILE --to CODE[,CODE...] --from CODE --key KEY.pem --cert CERT.pem \
      --number N --notation KH --subject TEXT --place PLACE --signer-name NAME --signer-position TITLE [flags]
  egov exchange receive --out DIR --from CODE [--key KEY.pem --cert CERT.pem] [flags]
The client's secret is read from EGOV_EXCHANGE_CLIENT_SECRET only. Run "egov exchange send -h" for every flag.`

// Limits of the axis (exchange.Config's defaults, web's request limit).
const (
	axisMaxMessage = 50 << 20
	// inboxPage is how many messages one inbox request asks for: each may
	// be 50 MB of XML, sent as base64 in JSON.
	inboxPage = 10
)

// Names of the files written for a message, besides its attachments.
const (
	messageFile = "message.xml" // the signed edXML, byte for byte as received
	receiptFile = "receipt.xml" // the signed receipt 01 sent back, if any
)

// cmdExchange runs the document axis's client subcommands, for an agency
// system with no user interface: send a document, receive the inbox.
func cmdExchange(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{exchangeUsage}
	}
	switch args[0] {
	case "send":
		return cmdExchangeSend(ctx, args[1:], stdout, stderr)
	case "receive":
		return cmdExchangeReceive(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown exchange command %q\n%s", args[0], exchangeUsage)}
}

// axisFlags are the flags of both subcommands: where the axis is, who the
// system is, and its signing key.
type axisFlags struct {
	server, clientID, from, key, cert string
}

func addAxisFlags(fs *flag.FlagSet, f *axisFlags, keyUse string) {
	fs.StringVar(&f.server, "server", env("EGOV_EXCHANGE_SERVER", "http://localhost:8080"), "address of the document axis (EGOV_EXCHANGE_SERVER)")
	fs.StringVar(&f.clientID, "client-id", env("EGOV_EXCHANGE_CLIENT_ID", ""), "OAuth2 client ID of this system on the axis; the secret comes from EGOV_EXCHANGE_CLIENT_SECRET (EGOV_EXCHANGE_CLIENT_ID)")
	fs.StringVar(&f.key, "key", env("EGOV_EXCHANGE_KEY", ""), "PEM file of the agency's private signing key, RSA, ECDSA or Ed25519, PKCS#8 or PKCS#1/SEC 1, not encrypted, "+keyUse+" (EGOV_EXCHANGE_KEY)")
	fs.StringVar(&f.cert, "cert", env("EGOV_EXCHANGE_CERT", ""), "PEM file of the key's certificate, as registered on the axis (EGOV_EXCHANGE_CERT)")
}

// missing collects the required flags that were not given.
type missing []string

func (m *missing) need(ok bool, what string) {
	if !ok {
		*m = append(*m, what)
	}
}

func (m missing) err() error {
	if len(m) == 0 {
		return nil
	}
	return usageError{"missing: " + strings.Join(m, "; ")}
}

func (f *axisFlags) check(m *missing) {
	f.clientID, f.from = strings.TrimSpace(f.clientID), strings.TrimSpace(f.from)
	m.need(f.clientID != "", "--client-id (the OAuth2 client ID the system administrator gave this system, or EGOV_EXCHANGE_CLIENT_ID)")
	m.need(os.Getenv("EGOV_EXCHANGE_CLIENT_SECRET") != "", "EGOV_EXCHANGE_CLIENT_SECRET (the client's secret: from the environment only, never a flag)")
}

// parseArgs parses flags and positional arguments in any order, as in
// "send FILE --to CODE": the flag package stops at the first argument that
// is not a flag.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func cmdExchangeSend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("exchange send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af axisFlags
	addAxisFlags(fs, &af, "to sign the document")
	fs.StringVar(&af.from, "from", env("EGOV_EXCHANGE_FROM", ""), "code of the sending agency, a member of the axis, e.g. 000.00.00.G22 (EGOV_EXCHANGE_FROM)")
	to := fs.String("to", "", "codes of the receiving agencies, separated by commas")
	number := fs.String("number", "", "the document's number (số), e.g. 12")
	notation := fs.String("notation", "", "the document's notation (ký hiệu), e.g. UBND-VP")
	subject := fs.String("subject", "", "the document's subject (trích yếu)")
	typeName := fs.String("type-name", "Công văn", "the kind of document, in words")
	typeCode := fs.Int("type", 1, "code of the kind of document (DocumentType/Type)")
	typeDetail := fs.Int("type-detail", 0, "detailed code of the kind of document (DocumentType/TypeDetail)")
	signerName := fs.String("signer-name", "", "full name of the official who signed the document")
	signerPosition := fs.String("signer-position", "", "position of the official who signed, e.g. Chủ tịch")
	signerCompetence := fs.String("signer-competence", "", "competence of the signer, e.g. KT. CHỦ TỊCH (optional)")
	place := fs.String("place", "", "place of promulgation, e.g. Hà Nội")
	date := fs.String("date", "", "date of promulgation, YYYY-MM-DD; today in Vietnam by default")
	priority := fs.Int("priority", 0, "urgency (độ khẩn): 0 normal, a higher number more urgent")
	messageID := fs.String("message-id", "", "the message's ID; a new random one by default. Give the ID of an earlier try to retry a send safely: the axis keeps one message per ID")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{fmt.Sprintf("one FILE to send, got %d: %s\n%s", len(pos), strings.Join(pos, " "), exchangeUsage)}
	}
	trim := []*string{to, number, notation, subject, typeName, signerName, signerPosition, signerCompetence, place, date, messageID}
	for _, p := range trim {
		*p = strings.TrimSpace(*p)
	}
	var m missing
	m.need(len(pos) == 1, "FILE (the file to send, the document's attachment)")
	m.need(*to != "", "--to (the codes of the receiving agencies, separated by commas)")
	m.need(strings.TrimSpace(af.from) != "", "--from (the code of the sending agency)")
	m.need(af.key != "", "--key (the PEM file of the agency's signing key)")
	m.need(af.cert != "", "--cert (the PEM file of the key's certificate)")
	m.need(*number != "", "--number (the document's number, số)")
	m.need(*notation != "", "--notation (the document's notation, ký hiệu)")
	m.need(*subject != "", "--subject (the document's subject, trích yếu)")
	m.need(*typeName != "", "--type-name (the kind of document, e.g. Công văn)")
	m.need(*signerName != "", "--signer-name (the official who signed the document)")
	m.need(*signerPosition != "", "--signer-position (the signer's position)")
	m.need(*place != "", "--place (the place of promulgation)")
	af.check(&m)
	if err := m.err(); err != nil {
		return err
	}
	day := time.Now().In(calendar.Vietnam)
	if *date != "" {
		if day, err = time.ParseInLocation(time.DateOnly, *date, calendar.Vietnam); err != nil {
			return usageError{fmt.Sprintf("invalid --date %q: use YYYY-MM-DD, for example 2026-12-04", *date)}
		}
	}
	promulgated := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if *priority < 0 {
		return usageError{fmt.Sprintf("invalid --priority %d: 0 (normal) or more", *priority)}
	}
	if *typeCode < 1 || *typeDetail < 0 {
		return usageError{"invalid --type or --type-detail: --type is a positive code, --type-detail 0 or more"}
	}
	recipients, err := agencyCodes(*to)
	if err != nil {
		return err
	}
	if *messageID == "" {
		*messageID = newMessageID()
	}
	axis, err := newAxisClient(ctx, af)
	if err != nil {
		return err
	}

	file := pos[0]
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("cannot read the file to send: %w", err)
	}
	signing, err := loadSigningKey(af.key, af.cert)
	if err != nil {
		return err
	}
	sender, err := axis.member(ctx, af.from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	now := time.Now()
	e := &edxml.Envelope{
		MessageID:    *messageID,
		DocumentID:   af.from + "," + promulgated.Format("2006/01/02") + "," + *number + "/" + *notation,
		From:         edxml.Organ{OrganID: af.from, OrganName: sender.Name},
		Code:         edxml.Code{CodeNumber: *number, CodeNotation: *notation},
		Promulgation: edxml.Promulgation{Place: *place, Date: promulgated},
		DocumentType: edxml.DocumentType{Type: *typeCode, TypeDetail: *typeDetail, TypeName: *typeName},
		Subject:      *subject,
		Signer:       edxml.Signer{Competence: *signerCompetence, Position: *signerPosition, FullName: *signerName},
		Priority:     *priority,
		Traces:       []edxml.Trace{{OrganID: af.from, Timestamp: now}},
		Attachments: []edxml.Attachment{{ContentID: "att1", ContentType: contentType(file, data), Name: filepath.Base(file),
			Data: data}},
	}
	for _, code := range recipients {
		r, err := axis.member(ctx, code)
		if err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		e.To = append(e.To, edxml.Organ{OrganID: code, OrganName: r.Name})
	}
	doc, err := edxml.Marshal(e)
	if err != nil {
		return envelopeError(err)
	}
	signed, err := edxml.Sign(doc, signing.key, signing.cert)
	if err != nil {
		return fmt.Errorf("signing the document with --key: %w", err)
	}
	if len(signed) > axisMaxMessage {
		return fmt.Errorf("the signed message is %.1f MB; the axis takes at most %d MB (the file grows by a third in base64): send a smaller file",
			float64(len(signed))/(1<<20), axisMaxMessage>>20)
	}
	dup, err := axis.submit(ctx, signed)
	if err != nil {
		return fmt.Errorf("sending %s: %w", filepath.Base(file), err)
	}
	if dup {
		_, err = fmt.Fprintf(stdout, "duplicate message %s: the axis already had a message with this ID; nothing changed\n", e.MessageID)
		return err
	}
	_, err = fmt.Fprintf(stdout, "new message %s: %s %q to %s\n", e.MessageID, e.Code, e.Subject, strings.Join(recipients, ","))
	return err
}

// agencyCodes reads --to: codes separated by commas, each once.
func agencyCodes(s string) ([]string, error) {
	var out []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if strings.ContainsFunc(c, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' }) {
			return nil, usageError{fmt.Sprintf("invalid agency code %q in --to: codes such as 000.00.00.H41, separated by commas", c)}
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, usageError{"--to names no agency: give codes such as 000.00.00.H41, separated by commas"}
	}
	return out, nil
}

// envelopeFlags names the flag behind each field that Validate may refuse.
var envelopeFlags = map[string]string{
	"message_id": "--message-id", "document_id": "--number/--notation", "code.code_number": "--number",
	"code.code_notation": "--notation", "promulgation.place": "--place", "document_type.type_name": "--type-name",
	"subject": "--subject", "signer.competence": "--signer-competence", "signer.position": "--signer-position",
	"signer.full_name": "--signer-name", "from.organ_id": "--from", "attachments[0].name": "FILE's name",
	"attachments[0].content_type": "FILE's type",
}

func envelopeError(err error) error {
	var fe platform.FieldErrors
	if !errors.As(err, &fe) {
		return fmt.Errorf("writing the edXML document: %w", err)
	}
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		name := envelopeFlags[k]
		if name == "" {
			name = k
		}
		parts = append(parts, name+": "+fe[k])
	}
	return usageError{"the document cannot be written as edXML: " + strings.Join(parts, "; ")}
}

// newMessageID is a random UUID (version 4).
func newMessageID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// contentType is the file's type by its extension, or by its content.
func contentType(name string, data []byte) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t
	}
	return http.DetectContentType(data)
}

// signingKey is an agency's key with its certificate.
type signingKey struct {
	key  crypto.Signer
	cert *x509.Certificate
}

// loadSigningKey reads a private key (PKCS#8, PKCS#1 RSA or SEC 1 EC, in
// PEM) and its certificate, and checks that they go together.
func loadSigningKey(keyPath, certPath string) (signingKey, error) {
	return loadSigningKeyOf(keyPath, certPath, "--key", "--cert")
}

// loadSigningKeyOf is loadSigningKey for the flags named keyFlag and
// certFlag, which its messages name.
func loadSigningKeyOf(keyPath, certPath, keyFlag, certFlag string) (signingKey, error) {
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return signingKey{}, fmt.Errorf("%s: cannot read the signing key: %w", keyFlag, err)
	}
	key, err := parsePrivateKey(kb)
	if err != nil {
		return signingKey{}, fmt.Errorf("%s %s: %w", keyFlag, keyPath, err)
	}
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return signingKey{}, fmt.Errorf("%s: cannot read the certificate: %w", certFlag, err)
	}
	cert, err := parseCertificate(cb)
	if err != nil {
		return signingKey{}, fmt.Errorf("%s %s: %w", certFlag, certPath, err)
	}
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key.Public()) {
		return signingKey{}, fmt.Errorf("%s %s is not the certificate of the key in %s %s: give the certificate issued for that key", certFlag, certPath, keyFlag, keyPath)
	}
	now := time.Now()
	if now.After(cert.NotAfter) {
		return signingKey{}, fmt.Errorf("%s %s expired on %s: the axis refuses what it signs; use a current certificate", certFlag, certPath, cert.NotAfter.Format(time.DateOnly))
	}
	if now.Before(cert.NotBefore) {
		return signingKey{}, fmt.Errorf("%s %s is valid only from %s", certFlag, certPath, cert.NotBefore.Format(time.RFC3339))
	}
	return signingKey{key, cert}, nil
}

func parsePrivateKey(b []byte) (crypto.Signer, error) {
	var key any
	var err error
	sawPEM := false
	for rest := b; key == nil && err == nil; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		sawPEM = true
		if block.Headers["Proc-Type"] != "" && strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("the key is encrypted with a passphrase: write it without one (openssl pkey -in KEY -out PLAIN.pem) and keep that file readable only by this system")
		}
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "CERTIFICATE":
			return nil, errors.New("this is a certificate, not a private key: give it to --cert, and the private key to --key")
		}
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("the private key cannot be read: %w", err)
	case key == nil && !sawPEM:
		return nil, errors.New("not a PEM file: expected -----BEGIN PRIVATE KEY----- (or EC PRIVATE KEY, RSA PRIVATE KEY)")
	case key == nil:
		return nil, errors.New("no private key in the file: expected a PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block")
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("an RSA key of %d bits: the axis takes RSA keys of 2048 bits or more", k.N.BitLen())
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("a key of type %T: edXML signatures are made with RSA, ECDSA or Ed25519 keys only", key)
}

func parseCertificate(b []byte) (*x509.Certificate, error) {
	for rest := b; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return nil, errors.New("no certificate in the file: expected a PEM block -----BEGIN CERTIFICATE-----")
		}
		switch {
		case block.Type == "CERTIFICATE":
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("the certificate cannot be read: %w", err)
			}
			return cert, nil
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			return nil, errors.New("this is a private key, not a certificate: give it to --key, and the certificate to --cert")
		}
	}
}

// axisClient speaks to the axis's API as one member system.
type axisClient struct {
	server  string
	api     *http.Client // with the OAuth2 token
	public  *http.Client
	members map[string]*axisMember
}

// axisMember is a member as GET /api/v1/exchange/members/{code} shows it.
type axisMember struct {
	AgencyCode string `json:"agency_code"`
	Name       string `json:"name"`
	Keys       []struct {
		RevokedAt   *time.Time `json:"revoked_at"`
		Certificate string     `json:"certificate"`
	} `json:"keys"`
	certs []*x509.Certificate
}

func newAxisClient(ctx context.Context, f axisFlags) (*axisClient, error) {
	server := strings.TrimRight(strings.TrimSpace(f.server), "/")
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, usageError{fmt.Sprintf("invalid --server %q: the axis's address, such as https://truclienthong.example.gov.vn", f.server)}
	}
	base := &http.Client{Timeout: 5 * time.Minute}
	cc := clientcredentials.Config{ClientID: f.clientID, ClientSecret: os.Getenv("EGOV_EXCHANGE_CLIENT_SECRET"),
		TokenURL: server + "/api/v1/exchange/token"}
	api := cc.Client(context.WithValue(ctx, oauth2.HTTPClient, base))
	api.Timeout = base.Timeout
	return &axisClient{server: server, api: api, public: base, members: map[string]*axisMember{}}, nil
}

// apiError is a refusal by the axis, with its message in Vietnamese.
type apiError struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
}

func (e *apiError) Error() string {
	msg := fmt.Sprintf("the axis refused (HTTP %d %s): %s", e.Status, e.Code, e.Message)
	if len(e.Fields) > 0 && !strings.Contains(e.Message, ":") {
		msg += " (" + platform.FieldErrors(e.Fields).Error() + ")"
	}
	return msg
}

// call makes a request and decodes a JSON answer into out (when not nil)
// if the status is one of ok.
func (c *axisClient) call(ctx context.Context, client *http.Client, method, path, ctype string, body []byte, out any, ok ...int) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			why := re.ErrorCode
			if re.ErrorDescription != "" {
				why += ": " + re.ErrorDescription
			}
			if why == "" && re.Response != nil {
				why = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
			}
			return 0, fmt.Errorf("the axis at %s gave no access token (%s): check --client-id and EGOV_EXCHANGE_CLIENT_SECRET", c.server, why)
		}
		return 0, fmt.Errorf("cannot reach the axis at %s (check --server): %w", c.server, err)
	}
	defer res.Body.Close()
	if slices.Contains(ok, res.StatusCode) {
		if out == nil {
			return res.StatusCode, nil
		}
		if err := json.NewDecoder(io.LimitReader(res.Body, 1<<30)).Decode(out); err != nil {
			return res.StatusCode, fmt.Errorf("the axis's answer to %s %s cannot be read: %w", method, path, err)
		}
		return res.StatusCode, nil
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
		text := strings.TrimSpace(strings.ToValidUTF8(string(b), ""))
		if len(text) > 200 {
			text = text[:200] + "…"
		}
		return res.StatusCode, fmt.Errorf("the axis answered %s %s with HTTP %d: %s", method, path, res.StatusCode, text)
	}
	return res.StatusCode, &apiError{Status: res.StatusCode, Code: e.Error.Code, Message: e.Error.Message, Fields: e.Error.Fields}
}

// member returns a member with its certificates that are not revoked
// (public: no token needed).
func (c *axisClient) member(ctx context.Context, code string) (*axisMember, error) {
	if m, ok := c.members[code]; ok {
		return m, nil
	}
	m := &axisMember{}
	if _, err := c.call(ctx, c.public, http.MethodGet, "/api/v1/exchange/members/"+url.PathEscape(code), "", nil, m, http.StatusOK); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return nil, fmt.Errorf("%s is not a member of the axis at %s: check the agency code", code, c.server)
		}
		return nil, fmt.Errorf("member %s: %w", code, err)
	}
	for _, k := range m.Keys {
		if k.RevokedAt != nil {
			continue
		}
		if block, _ := pem.Decode([]byte(k.Certificate)); block != nil && block.Type == "CERTIFICATE" {
			if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
				m.certs = append(m.certs, cert)
			}
		}
	}
	c.members[code] = m
	return m, nil
}

// submit posts a signed message: duplicate is true when the axis had it.
func (c *axisClient) submit(ctx context.Context, signed []byte) (duplicate bool, err error) {
	status, err := c.call(ctx, c.api, http.MethodPost, "/api/v1/exchange/messages", "application/xml", signed, nil, http.StatusCreated, http.StatusOK)
	return status == http.StatusOK, err
}

// inboxItem is a message waiting in the inbox.
type inboxItem struct {
	DeliveryID int64     `json:"delivery_id"`
	MessageID  string    `json:"message_id"`
	Kind       string    `json:"kind"`
	Sender     string    `json:"sender"`
	ReceivedAt time.Time `json:"received_at"`
	Body       []byte    `json:"body"`
}

// inbox reads a page of the inbox after the delivery after.
func (c *axisClient) inbox(ctx context.Context, after int64) ([]inboxItem, error) {
	var page struct {
		Messages []inboxItem `json:"messages"`
	}
	path := "/api/v1/exchange/inbox?limit=" + strconv.Itoa(inboxPage) + "&after=" + strconv.FormatInt(after, 10)
	if _, err := c.call(ctx, c.api, http.MethodGet, path, "", nil, &page, http.StatusOK); err != nil {
		return nil, fmt.Errorf("reading the inbox: %w", err)
	}
	return page.Messages, nil
}

func (c *axisClient) ack(ctx context.Context, it inboxItem) error {
	if _, err := c.call(ctx, c.api, http.MethodPost, "/api/v1/exchange/inbox/"+strconv.FormatInt(it.DeliveryID, 10)+"/ack", "", nil, nil, http.StatusNoContent); err != nil {
		return fmt.Errorf("acknowledging message %s (delivery %d): %w", it.MessageID, it.DeliveryID, err)
	}
	return nil
}

// receiver is one run of egov exchange receive.
type receiver struct {
	axis    *axisClient
	out     string
	from    string
	signing *signingKey // nil: no receipts
	stdout  io.Writer

	received, again, failed int
}

// refusal is a message that is not written nor acknowledged, for a reason
// of its own: the run goes on with the others.
type refusal struct{ reason string }

func (r refusal) Error() string { return r.reason }

func cmdExchangeReceive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("exchange receive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af axisFlags
	addAxisFlags(fs, &af, "to sign the receipts (status 01, arrived) sent back for documents; none are sent without --key and --cert")
	fs.StringVar(&af.from, "from", env("EGOV_EXCHANGE_FROM", ""), "code of the receiving agency, whose inbox this is (EGOV_EXCHANGE_FROM)")
	out := fs.String("out", env("EGOV_EXCHANGE_OUT", ""), "directory where each message is written, in a directory named by its message ID (EGOV_EXCHANGE_OUT)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("receive takes no arguments, got %s\n%s", strings.Join(pos, " "), exchangeUsage)}
	}
	var m missing
	m.need(strings.TrimSpace(*out) != "", "--out (the directory where the messages are written)")
	m.need(strings.TrimSpace(af.from) != "", "--from (the code of the receiving agency)")
	af.check(&m)
	if (af.key == "") != (af.cert == "") {
		m = append(m, "--key and --cert go together, to sign the receipts: give both, or neither to send no receipts")
	}
	if err := m.err(); err != nil {
		return err
	}
	r := &receiver{out: *out, from: af.from, stdout: stdout}
	if af.key != "" {
		k, err := loadSigningKey(af.key, af.cert)
		if err != nil {
			return err
		}
		r.signing = &k
	}
	if err := os.MkdirAll(r.out, 0o750); err != nil {
		return fmt.Errorf("--out: cannot create the directory: %w", err)
	}
	if r.axis, err = newAxisClient(ctx, af); err != nil {
		return err
	}
	if _, err := r.axis.member(ctx, r.from); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	return r.run(ctx)
}

func (r *receiver) run(ctx context.Context) error {
	// The cursor moves past every message taken or refused: refused ones
	// stay in the inbox for a later run without hiding those behind them.
	var after int64
	for {
		items, err := r.axis.inbox(ctx, after)
		if err != nil {
			return err
		}
		for _, it := range items {
			after = max(after, it.DeliveryID)
			line, err := r.take(ctx, it)
			var ref refusal
			if errors.As(err, &ref) {
				r.failed++
				fmt.Fprintf(r.stdout, "refused %s from %s: %s; not written, not acknowledged\n", it.MessageID, it.Sender, ref.reason)
				continue
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(r.stdout, line)
		}
		if len(items) < inboxPage {
			break
		}
	}
	if r.received+r.again+r.failed == 0 {
		_, err := fmt.Fprintf(r.stdout, "no messages waiting for %s\n", r.from)
		return err
	}
	if r.failed > 0 {
		return fmt.Errorf("%d message(s) refused and left in the inbox, see above; %d received, %d received before and acknowledged again", r.failed, r.received, r.again)
	}
	return nil
}

// take writes one message, sends its receipt and acknowledges it, and
// returns the line to print. In that order: a run interrupted after the
// writing finds the directory and acknowledges without writing again;
// after the receipt, sends the same receipt (a duplicate to the axis).
func (r *receiver) take(ctx context.Context, it inboxItem) (string, error) {
	dir := filepath.Join(r.out, dirName(it.MessageID))
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		receipt := ""
		if it.Kind == "document" {
			var err error
			if receipt, err = r.receiptAgain(ctx, dir); err != nil {
				return "", err
			}
		}
		if err := r.axis.ack(ctx, it); err != nil {
			return "", err
		}
		r.again++
		return fmt.Sprintf("already received %s from %s in %s: acknowledged again, not rewritten%s", it.MessageID, it.Sender, dir, receipt), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("message %s: %w", it.MessageID, err)
	}

	sender, err := r.axis.member(ctx, it.Sender)
	if err != nil {
		return "", refusal{"the sender's certificates cannot be had: " + err.Error()}
	}
	if _, err := edxml.Verify(it.Body, sender.certs); err != nil {
		return "", refusal{verifyReason(err, it.Sender)}
	}
	var line string
	var files []edxml.Attachment
	var env *edxml.Envelope
	switch it.Kind {
	case "document":
		if env, err = edxml.Parse(it.Body); err != nil {
			return "", refusal{"not a readable edXML document: " + err.Error()}
		}
		switch {
		case env.From.OrganID != it.Sender:
			return "", refusal{fmt.Sprintf("the document says it is from %s, the axis says from %s", env.From.OrganID, it.Sender)}
		case env.MessageID != it.MessageID:
			return "", refusal{fmt.Sprintf("the document's message ID is %s, the axis's %s", env.MessageID, it.MessageID)}
		case !slices.ContainsFunc(env.To, func(o edxml.Organ) bool { return o.OrganID == r.from }):
			return "", refusal{fmt.Sprintf("the document is not addressed to %s (--from): check --from and --client-id", r.from)}
		}
		files = env.Attachments
		line = fmt.Sprintf("document %s from %s: %s %q, %d file(s) in %s", it.MessageID, it.Sender, env.Code, env.Subject, len(files), dir)
	case "status":
		st, err := edxml.ParseStatus(it.Body)
		if err != nil {
			return "", refusal{"not a readable edXML status message: " + err.Error()}
		}
		if st.From.OrganID != it.Sender {
			return "", refusal{fmt.Sprintf("the status says it is from %s, the axis says from %s", st.From.OrganID, it.Sender)}
		}
		line = fmt.Sprintf("status %s from %s: %s %s for %s, in %s", it.MessageID, it.Sender, st.StatusCode, edxml.StatusCodes[st.StatusCode],
			st.ResponseFor.DocumentID, dir)
	default:
		return "", refusal{fmt.Sprintf("a message of kind %q, neither document nor status", it.Kind)}
	}
	if err := writeMessage(dir, it.Body, files); err != nil {
		return "", fmt.Errorf("writing message %s: %w", it.MessageID, err)
	}
	if env != nil {
		receipt, err := r.receipt(ctx, dir, env)
		if err != nil {
			return "", err
		}
		line += receipt
	}
	if err := r.axis.ack(ctx, it); err != nil {
		return "", err
	}
	r.received++
	return line, nil
}

func verifyReason(err error, sender string) string {
	switch {
	case errors.Is(err, edxml.ErrUnsigned):
		return "not signed"
	case errors.Is(err, edxml.ErrUnknownKey):
		return "not signed with a current certificate of " + sender + " (" + err.Error() + ")"
	case errors.Is(err, edxml.ErrMalformed):
		return "not readable edXML (" + err.Error() + ")"
	}
	return "the signature does not match: the message was changed after it was signed (" + err.Error() + ")"
}

// receipt signs a receipt 01 (arrived) for the document, keeps it in dir
// and sends it.
func (r *receiver) receipt(ctx context.Context, dir string, env *edxml.Envelope) (string, error) {
	if r.signing == nil {
		return "; no receipt sent (no --key and --cert)", nil
	}
	me, err := r.axis.member(ctx, r.from)
	if err != nil {
		return "", err
	}
	st := &edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganID: env.From.OrganID, Code: env.Code.String(), PromulgationDate: env.Promulgation.Date,
			DocumentID: env.DocumentID},
		From:        edxml.Organ{OrganID: r.from, OrganName: me.Name},
		StatusCode:  edxml.StatusArrived,
		Description: edxml.StatusCodes[edxml.StatusArrived],
		Timestamp:   time.Now(),
	}
	b, err := edxml.MarshalStatus(st)
	if err != nil {
		return "", fmt.Errorf("receipt for %s: %w", env.MessageID, err)
	}
	if b, err = edxml.Sign(b, r.signing.key, r.signing.cert); err != nil {
		return "", fmt.Errorf("signing the receipt for %s with --key: %w", env.MessageID, err)
	}
	if err := writeFileSync(filepath.Join(dir, receiptFile), b); err != nil {
		return "", fmt.Errorf("receipt for %s: %w", env.MessageID, err)
	}
	return r.sendReceipt(ctx, dir, b)
}

// receiptAgain sends the receipt kept in dir again, or a new one if a run
// stopped before signing it.
func (r *receiver) receiptAgain(ctx context.Context, dir string) (string, error) {
	if r.signing == nil {
		return "", nil
	}
	b, err := os.ReadFile(filepath.Join(dir, receiptFile))
	if errors.Is(err, os.ErrNotExist) {
		body, err := os.ReadFile(filepath.Join(dir, messageFile))
		if err != nil {
			return "", fmt.Errorf("%s: %w", dir, err)
		}
		env, err := edxml.Parse(body)
		if err != nil {
			return "", fmt.Errorf("%s: %w", filepath.Join(dir, messageFile), err)
		}
		return r.receipt(ctx, dir, env)
	}
	if err != nil {
		return "", err
	}
	return r.sendReceipt(ctx, dir, b)
}

func (r *receiver) sendReceipt(ctx context.Context, dir string, b []byte) (string, error) {
	dup, err := r.axis.submit(ctx, b)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			// Refused for good (a certificate not registered, say): the
			// next run signs a new one, with the key it is given then.
			os.Remove(filepath.Join(dir, receiptFile))
		}
		return "", fmt.Errorf("sending the receipt 01 for the message in %s (fix --key and --cert, or leave both out to acknowledge without receipts): %w", dir, err)
	}
	if dup {
		return "; receipt 01 already on the axis", nil
	}
	return "; receipt 01 sent", nil
}

// writeMessage writes the signed XML and the attachments into a new
// directory dir, whole or not at all: they are written to a temporary
// directory beside it, renamed at the end.
func writeMessage(dir string, body []byte, files []edxml.Attachment) (err error) {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".partial-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o750); err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(tmp, messageFile), body); err != nil {
		return err
	}
	used := map[string]bool{messageFile: true, receiptFile: true}
	for i, a := range files {
		name := uniqueName(fileName(baseName(a.Name), fmt.Sprintf("attachment-%d", i+1)), used)
		if err := writeFileSync(filepath.Join(tmp, name), a.Data); err != nil {
			return err
		}
	}
	return os.Rename(tmp, dir)
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// dirName is the directory of a message: its ID, or when the ID is not a
// safe file name (a receipt's ID holds slashes) the safe part and a hash
// of the ID, so that two IDs never share a directory.
func dirName(messageID string) string {
	name := fileName(messageID, "message")
	if name == messageID {
		return name
	}
	sum := sha256.Sum256([]byte(messageID))
	return name + "-" + hex.EncodeToString(sum[:6])
}

// fileName makes a name given by a sender safe as one file name: no path
// separators, no "..", no control or invisible formatting characters, no
// characters Windows refuses, no leading dot, at most 150 bytes; def when
// nothing is left.
func fileName(s, def string) string {
	s = strings.ToValidUTF8(s, "_")
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '/' || c == '\\' || unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || strings.ContainsRune(`<>:"|?*`, c):
			b.WriteByte('_')
		case unicode.IsSpace(c):
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	s = b.String()
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	s = strings.Trim(s, " .")
	if len(s) > 150 {
		ext := filepath.Ext(s)
		if len(ext) > 20 {
			ext = ""
		}
		stem := s[:150-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		s = strings.TrimRight(stem, " .") + ext
	}
	if s == "" {
		return def
	}
	stem := strings.ToUpper(strings.TrimSuffix(s, filepath.Ext(s)))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		s = "_" + s
	}
	return s
}

// baseName is the last element of a sender's path, with either
// separator: some senders give C:\Văn bản\cv.pdf.
func baseName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		return s[i+1:]
	}
	return s
}

// uniqueName returns name, or name-2, name-3... before its extension,
// the first not used yet (ignoring case, as some file systems do).
func uniqueName(name string, used map[string]bool) string {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 2; used[strings.ToLower(name)]; i++ {
		name = fmt.Sprintf("%s-%d%s", stem, i, ext)
	}
	used[strings.ToLower(name)] = true
	return name
}
