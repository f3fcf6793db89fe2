package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths of the sandbox, relative to SandboxConfig.Prefix. The first and the
// last are VNPay's own paths, so that switching between the sandbox and
// sandbox.vnpayment.vn changes only the origin.
const (
	sandboxPayPage  = "/paymentv2/vpcpay.html"           // GET: the payer's page
	sandboxDecide   = "/paymentv2/pay"                   // POST: the payer's choice
	sandboxCSS      = "/paymentv2/sandbox.css"           // GET: the page's style sheet
	sandboxQueryAPI = "/merchant_webapi/api/transaction" // POST: querydr and refund
)

const (
	ipnTimeout      = 30 * time.Second // VNPay gives up on a slow IPN too
	maxForm         = 16 << 10         // the payer's form is three fields
	sandboxFirstNo  = 14_000_000       // transaction numbers look like VNPay's 8 digits
	sandboxBankCode = "NCB"            // VNPay's sandbox test bank, the default method
	sandboxCardType = "ATM"            // what NCB's test card is
	sandboxNoTxnNo  = "0"              // VNPay's TransactionNo of a failure
	sandboxMaxIDs   = 10_000           // merchant API request IDs remembered before pruning
	sandboxIDMaxAge = 24 * time.Hour   // "không được trùng lặp trong ngày"
)

// sandboxBanks are the methods the payer page offers when the order did not
// choose one.
var sandboxBanks = []string{"NCB", "VNPAYQR", "VNBANK", "INTCARD"}

// SandboxConfig sets up a Sandbox.
type SandboxConfig struct {
	// Prefix is the path the sandbox is mounted under, such as
	// "/sandbox/vnpay": it starts with '/' and does not end with one, or is
	// empty for the root. Mount the Sandbox at Prefix+"/" without
	// http.StripPrefix; it matches the full path itself.
	Prefix string
	// TmnCode and HashSecret are the merchant's, as VNPay would issue them.
	// The egov side must be configured with the same two.
	TmnCode    string
	HashSecret string
	// IPNURL is the merchant's IPN endpoint, which VNPay keeps in the
	// merchant's settings rather than in each request. Empty: no IPN.
	IPNURL string
	// Client makes the IPN calls; nil means a client with a 30-second
	// timeout.
	Client *http.Client
	// Now is the sandbox's clock (PayDate, expiry); nil means time.Now.
	Now func() time.Time
	// Logger records IPN deliveries; nil discards.
	Logger *slog.Logger
	// Faults are the misbehaviours to start with; see SetFaults.
	Faults SandboxFaults
}

// SandboxFaults are the ways the sandbox can misbehave on purpose, to test
// the merchant's side against what the real gateway does on a bad day.
type SandboxFaults struct {
	// SkipIPN: the payer's choice sends no IPN, as when the gateway's call
	// is lost. The merchant learns the result only from the return URL or
	// Query. SendIPN still works.
	SkipIPN bool
	// DelayIPN > 0: the IPN is sent in the background this long after the
	// payer is redirected, so the return URL comes first.
	DelayIPN time.Duration
	// Down: the payment page, the payer's choice and the merchant API
	// (querydr and refund) answer 503 Service Unavailable.
	Down bool
}

// IPNDelivery is one IPN call the sandbox made and what came of it.
type IPNDelivery struct {
	At     time.Time
	Answer IPNAnswer // the merchant's answer; zero when Err is set
	Err    error     // the call failed or the answer was not an IPN answer
}

// SandboxTransaction is the sandbox's record of one payment, as Transaction
// returns it.
type SandboxTransaction struct {
	TxnRef    string
	Amount    int64 // in đồng
	OrderInfo string
	ReturnURL string
	CreatedAt time.Time
	ExpiresAt time.Time
	// Decided is whether the payer has paid or cancelled; Result is the
	// outcome, as sent to the return URL and the IPN.
	Decided bool
	Result  Result
	// IPNs are the IPN calls made so far, oldest first.
	IPNs []IPNDelivery
	// Refunds are the refunds the sandbox accepted, oldest first.
	Refunds []SandboxRefund
}

// Sandbox is a stand-in for VNPay's gateway for demos and tests: it speaks
// the same protocol, signs everything it sends with Sign, and keeps its
// payments in memory. It is an http.Handler; its routes, relative to
// SandboxConfig.Prefix, are
//
//	GET  /paymentv2/vpcpay.html              the payment page (VNPay's path)
//	POST /paymentv2/pay                      the payer's "Thanh toán" or "Hủy giao dịch"
//	GET  /paymentv2/sandbox.css              the payment page's style sheet
//	POST /merchant_webapi/api/transaction    the querydr and refund API (VNPay's path)
//
// When the payer decides, the sandbox first calls the merchant's IPN URL
// (GET, signed result parameters) and records the answer, then redirects the
// browser with 303 See Other to the order's vnp_ReturnUrl with the same
// parameters. IPN first is the happy case, where the merchant already knows
// the result when the payer lands; at VNPay the two race, and SandboxFaults
// reproduces the other cases (IPN late, IPN lost). The gateway's automatic
// IPN retries are not simulated: SendIPN sends one again by hand.
//
// The pages follow vnp_Locale (Vietnamese, or English for "en"), work
// without JavaScript and set their own Content-Security-Policy, whose
// form-action allows the redirect to the order's return URL.
//
// It is for demos and tests only: anybody who can reach it can "pay".
type Sandbox struct {
	cfg   SandboxConfig
	mux   *http.ServeMux
	pages *template.Template

	ctx    context.Context // cancelled by Close; delayed IPNs stop
	cancel context.CancelFunc
	wg     sync.WaitGroup // delayed IPNs in flight

	mu         sync.Mutex
	closed     bool
	faults     SandboxFaults
	txns       map[string]*sandboxTxn // by key(TmnCode, TxnRef)
	byToken    map[string]*sandboxTxn // by the payer form's token
	requestIDs map[string]time.Time   // merchant API request IDs seen, for code 94
	lastNo     int64
}

// sandboxTxn is a payment as the sandbox stores it. Its fields are guarded
// by Sandbox.mu.
type sandboxTxn struct {
	key       string
	token     string
	request   url.Values // the verified payment request
	order     sandboxOrder
	decided   bool
	result    Result
	signed    url.Values // the result's signed parameters, once decided
	ipns      []IPNDelivery
	createRaw string // vnp_CreateDate as sent, which querydr must repeat
	refunds   []SandboxRefund
}

// sandboxOrder is the part of a payment request the sandbox acts on.
type sandboxOrder struct {
	TxnRef, OrderInfo, Locale, BankCode, ReturnURL string
	Amount                                         int64
	CreatedAt, ExpiresAt                           time.Time
}

// NewSandbox checks cfg and returns a Sandbox ready to be mounted. Call
// Close when done, to stop IPNs that DelayIPN holds back.
func NewSandbox(cfg SandboxConfig) (*Sandbox, error) {
	switch {
	case cfg.TmnCode == "":
		return nil, errors.New("payment: sandbox: TmnCode is required")
	case cfg.HashSecret == "":
		return nil, ErrNoSecret
	case cfg.Prefix != "" && (!strings.HasPrefix(cfg.Prefix, "/") || strings.HasSuffix(cfg.Prefix, "/") ||
		strings.ContainsAny(cfg.Prefix, "{} \t\n?#")):
		return nil, fmt.Errorf("payment: sandbox: Prefix %q must start with '/', not end with one, and be a plain path", cfg.Prefix)
	}
	if cfg.IPNURL != "" {
		if u, err := url.Parse(cfg.IPNURL); err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
			return nil, fmt.Errorf("payment: sandbox: IPNURL %q is not an absolute http or https URL", cfg.IPNURL)
		}
	}
	if cfg.Client == nil {
		cfg.Client = defaultClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sandbox{
		cfg:        cfg,
		pages:      sandboxPages,
		faults:     cfg.Faults,
		txns:       make(map[string]*sandboxTxn),
		byToken:    make(map[string]*sandboxTxn),
		requestIDs: make(map[string]time.Time),
		lastNo:     sandboxFirstNo,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	p := cfg.Prefix
	s.mux.HandleFunc("GET "+p+sandboxPayPage, s.servePayPage)
	s.mux.HandleFunc("POST "+p+sandboxDecide, s.serveDecision)
	s.mux.HandleFunc("GET "+p+sandboxCSS, serveSandboxCSS)
	s.mux.HandleFunc("POST "+p+sandboxQueryAPI, s.serveQuery)
	return s, nil
}

// ServeHTTP serves the routes listed on Sandbox.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// VNPay returns a merchant connection to this sandbox, served at origin
// (scheme and host, such as "http://localhost:8080"), with the sandbox's
// TmnCode, HashSecret, Client and clock.
func (s *Sandbox) VNPay(origin string) *VNPay {
	base := strings.TrimRight(origin, "/") + s.cfg.Prefix
	return &VNPay{
		BaseURL:    base + sandboxPayPage,
		QueryURL:   base + sandboxQueryAPI,
		TmnCode:    s.cfg.TmnCode,
		HashSecret: s.cfg.HashSecret,
		Client:     s.cfg.Client,
		Now:        s.cfg.Now,
	}
}

// SetFaults changes the sandbox's misbehaviours from now on.
func (s *Sandbox) SetFaults(f SandboxFaults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Faults returns the sandbox's current misbehaviours.
func (s *Sandbox) Faults() SandboxFaults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Transaction returns the sandbox's record of the payment txnRef of its
// merchant, and whether there is one.
func (s *Sandbox) Transaction(txnRef string) (SandboxTransaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.txns[s.key(s.cfg.TmnCode, txnRef)]
	if t == nil {
		return SandboxTransaction{}, false
	}
	return SandboxTransaction{
		TxnRef:    t.order.TxnRef,
		Amount:    t.order.Amount,
		OrderInfo: t.order.OrderInfo,
		ReturnURL: t.order.ReturnURL,
		CreatedAt: t.order.CreatedAt,
		ExpiresAt: t.order.ExpiresAt,
		Decided:   t.decided,
		Result:    t.result,
		IPNs:      append([]IPNDelivery(nil), t.ipns...),
		Refunds:   append([]SandboxRefund(nil), t.refunds...),
	}, true
}

// SendIPN calls the merchant's IPN URL again for the decided payment txnRef,
// with the same signed parameters as the first time, whatever the faults say:
// it is how a test makes a late or a duplicate IPN. It returns the merchant's
// answer, which is also recorded.
func (s *Sandbox) SendIPN(ctx context.Context, txnRef string) (IPNAnswer, error) {
	s.mu.Lock()
	t := s.txns[s.key(s.cfg.TmnCode, txnRef)]
	decided := t != nil && t.decided
	s.mu.Unlock()
	switch {
	case t == nil:
		return IPNAnswer{}, fmt.Errorf("payment: sandbox: %w: %q", ErrTransactionNotFound, txnRef)
	case !decided:
		return IPNAnswer{}, fmt.Errorf("payment: sandbox: payment %q is not decided yet", txnRef)
	case s.cfg.IPNURL == "":
		return IPNAnswer{}, errors.New("payment: sandbox: no IPNURL configured")
	}
	return s.deliverIPN(ctx, t)
}

// Close stops the IPNs that DelayIPN still holds back and waits for those
// under way. The sandbox keeps serving, but sends no delayed IPN any more.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

// key identifies a payment as VNPay does: by merchant and reference.
func (s *Sandbox) key(tmnCode, txnRef string) string { return tmnCode + "\x00" + txnRef }

func (s *Sandbox) down() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Down
}

// servePayPage checks a payment request as the gateway would and shows the
// payer the order with the two buttons.
func (s *Sandbox) servePayPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	locale := q.Get("vnp_Locale") // only picks the page's language, so read before verifying
	if s.down() {
		s.renderError(w, http.StatusServiceUnavailable, locale, errUnavailable)
		return
	}
	if err := Verify(q, s.cfg.HashSecret); err != nil {
		s.renderError(w, http.StatusBadRequest, locale, errSignature)
		return
	}
	o, perr := s.readPayRequest(q)
	if perr != nil {
		s.renderError(w, http.StatusBadRequest, locale, *perr)
		return
	}
	if !s.cfg.Now().Before(o.ExpiresAt) {
		s.renderError(w, http.StatusBadRequest, o.Locale, errExpired)
		return
	}
	key := s.key(s.cfg.TmnCode, o.TxnRef)
	canonical := canonicalString(q)
	s.mu.Lock()
	t := s.txns[key]
	switch {
	case t == nil:
		t = &sandboxTxn{key: key, token: newToken(), request: q, order: o, createRaw: q.Get("vnp_CreateDate")}
		s.txns[key] = t
		s.byToken[t.token] = t
	case t.decided || canonicalString(t.request) != canonical:
		// A reload of the same request shows the same page; anything else
		// reusing a TxnRef is refused, as VNPay refuses it.
		s.mu.Unlock()
		s.renderError(w, http.StatusConflict, o.Locale, errDuplicate)
		return
	}
	token := t.token
	s.mu.Unlock()
	s.renderPay(w, o, token)
}

// readPayRequest checks the fields of a payment request whose signature
// is valid. It is lenient where VNPay's documentation is vague and strict
// where a mistake would lose money or a payment.
func (s *Sandbox) readPayRequest(q url.Values) (sandboxOrder, *sandboxError) {
	bad := func(field string) (sandboxOrder, *sandboxError) {
		e := errFormat
		e.Field = field
		return sandboxOrder{}, &e
	}
	if q.Get("vnp_TmnCode") != s.cfg.TmnCode {
		return sandboxOrder{}, &errMerchant
	}
	o := sandboxOrder{
		TxnRef:    q.Get("vnp_TxnRef"),
		OrderInfo: q.Get("vnp_OrderInfo"),
		Locale:    q.Get("vnp_Locale"),
		BankCode:  q.Get("vnp_BankCode"),
		ReturnURL: q.Get("vnp_ReturnUrl"),
	}
	var err error
	switch {
	case q.Get("vnp_Version") != Version:
		return bad("vnp_Version")
	case q.Get("vnp_Command") != "pay":
		return bad("vnp_Command")
	case q.Get("vnp_CurrCode") != "VND":
		return bad("vnp_CurrCode")
	case o.TxnRef == "" || len(o.TxnRef) > maxTxnRef:
		return bad("vnp_TxnRef")
	case o.OrderInfo == "" || len(o.OrderInfo) > maxOrderInfo:
		return bad("vnp_OrderInfo")
	case q.Get("vnp_OrderType") == "":
		return bad("vnp_OrderType")
	case o.Locale != "vn" && o.Locale != "en":
		return bad("vnp_Locale")
	case !validIP(q.Get("vnp_IpAddr")):
		return bad("vnp_IpAddr")
	case validReturnURL(o.ReturnURL) != nil:
		return bad("vnp_ReturnUrl")
	}
	if o.Amount, err = parseAmount(q.Get("vnp_Amount")); err != nil || o.Amount < 1 {
		return bad("vnp_Amount")
	}
	if o.CreatedAt, err = parseDate(q.Get("vnp_CreateDate")); err != nil {
		return bad("vnp_CreateDate")
	}
	if o.ExpiresAt, err = parseDate(q.Get("vnp_ExpireDate")); err != nil || !o.ExpiresAt.After(o.CreatedAt) {
		return bad("vnp_ExpireDate")
	}
	return o, nil
}

// serveDecision records the payer's choice, calls the IPN, and sends the
// payer back to the merchant.
func (s *Sandbox) serveDecision(w http.ResponseWriter, r *http.Request) {
	if s.down() {
		s.renderError(w, http.StatusServiceUnavailable, "", errUnavailable)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, http.StatusBadRequest, "", errFormat)
		return
	}
	action, bank := r.PostForm.Get("action"), r.PostForm.Get("bank")
	if action != "pay" && action != "cancel" {
		s.renderError(w, http.StatusBadRequest, "", errFormat)
		return
	}
	s.mu.Lock()
	t := s.byToken[r.PostForm.Get("token")]
	if t == nil {
		s.mu.Unlock()
		s.renderError(w, http.StatusNotFound, "", errNoSuchPayment)
		return
	}
	// The first choice wins. A second submission (a double click, the back
	// button) is sent to the same result without another IPN.
	first := !t.decided
	if first {
		s.decide(t, action == "pay", bank)
	}
	returnTo := withQuery(t.order.ReturnURL, t.signed)
	ipn := ipnNone
	switch {
	case !first || s.cfg.IPNURL == "" || s.faults.SkipIPN:
	case s.faults.DelayIPN <= 0:
		ipn = ipnNow
	case !s.closed:
		ipn = ipnLater
		s.wg.Add(1) // under mu, so that Close is not already waiting
	}
	delay := s.faults.DelayIPN
	s.mu.Unlock()

	switch ipn {
	case ipnNow:
		// The gateway's IPN does not depend on the payer's browser staying
		// connected. Its outcome is recorded and logged; the payer goes
		// back to the merchant either way, as with VNPay.
		_, _ = s.deliverIPN(context.WithoutCancel(r.Context()), t)
	case ipnLater:
		go s.deliverLater(t, delay)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

// When serveDecision sends the IPN.
const (
	ipnNone  = iota // not at all
	ipnNow          // before the redirect
	ipnLater        // in the background, after DelayIPN
)

// decide fixes t's result and signs its parameters. s.mu is held.
func (s *Sandbox) decide(t *sandboxTxn, pay bool, bank string) {
	now := s.cfg.Now()
	switch {
	case t.order.BankCode != "":
		bank = t.order.BankCode // the merchant chose; the page offered no choice
	case !slices.Contains(sandboxBanks, bank):
		bank = sandboxBankCode
	}
	p := url.Values{
		"vnp_Amount":    {t.request.Get("vnp_Amount")},
		"vnp_BankCode":  {bank},
		"vnp_OrderInfo": {t.order.OrderInfo},
		"vnp_PayDate":   {formatDate(now)},
		"vnp_TmnCode":   {s.cfg.TmnCode},
		"vnp_TxnRef":    {t.order.TxnRef},
	}
	switch {
	case pay && !now.Before(t.order.ExpiresAt):
		p.Set("vnp_ResponseCode", ResponseExpired)
		p.Set("vnp_TransactionStatus", StatusFailed)
		p.Set("vnp_TransactionNo", sandboxNoTxnNo)
	case pay:
		s.lastNo++
		no := strconv.FormatInt(s.lastNo, 10)
		p.Set("vnp_ResponseCode", ResponseSuccess)
		p.Set("vnp_TransactionStatus", StatusSuccess)
		p.Set("vnp_TransactionNo", no)
		p.Set("vnp_BankTranNo", "VNP"+no)
		p.Set("vnp_CardType", sandboxCardType)
	default:
		p.Set("vnp_ResponseCode", ResponseCancelled)
		p.Set("vnp_TransactionStatus", StatusFailed)
		p.Set("vnp_TransactionNo", sandboxNoTxnNo)
	}
	p.Set(paramSecureHash, Sign(p, s.cfg.HashSecret))
	t.signed = p
	t.result, _ = resultFromParams(p) // made just above, so well formed
	t.decided = true
}

// withQuery appends signed parameters to a URL as VNPay does: the canonical
// string, then vnp_SecureHash, after '?' or after the URL's own query.
func withQuery(base string, signed url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + canonicalString(signed) + "&" + paramSecureHash + "=" + signed.Get(paramSecureHash)
}

// deliverLater sends t's IPN after delay, unless the sandbox closes first.
func (s *Sandbox) deliverLater(t *sandboxTxn, delay time.Duration) {
	defer s.wg.Done()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		_, _ = s.deliverIPN(s.ctx, t)
	case <-s.ctx.Done():
	}
}

// deliverIPN calls the merchant's IPN URL with t's signed result and records
// what came back.
func (s *Sandbox) deliverIPN(ctx context.Context, t *sandboxTxn) (IPNAnswer, error) {
	s.mu.Lock()
	target := withQuery(s.cfg.IPNURL, t.signed)
	s.mu.Unlock()
	answer, err := s.callIPN(ctx, target)
	s.mu.Lock()
	t.ipns = append(t.ipns, IPNDelivery{At: s.cfg.Now(), Answer: answer, Err: err})
	txnRef := t.order.TxnRef
	s.mu.Unlock()
	if err != nil {
		s.cfg.Logger.Warn("sandbox IPN failed", "txn_ref", txnRef, "err", err)
	} else {
		s.cfg.Logger.Info("sandbox IPN answered", "txn_ref", txnRef, "rsp_code", answer.RspCode, "message", answer.Message)
	}
	return answer, err
}

func (s *Sandbox) callIPN(ctx context.Context, target string) (IPNAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, ipnTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return IPNAnswer{}, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := s.cfg.Client.Do(req)
	if err != nil {
		return IPNAnswer{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return IPNAnswer{}, err
	}
	if res.StatusCode != http.StatusOK {
		return IPNAnswer{}, fmt.Errorf("IPN answered HTTP %s", res.Status)
	}
	var a IPNAnswer
	if err := json.Unmarshal(body, &a); err != nil || a.RspCode == "" {
		return IPNAnswer{}, fmt.Errorf("IPN answer is not {\"RspCode\",\"Message\"}: %.200q", body)
	}
	return a, nil
}
