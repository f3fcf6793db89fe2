package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/payment"
)

// pagePay starts an online payment of the dossier's fee from its page and
// sends the payer's browser to the gateway.
func (s *Server) pagePay() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		_, payURL, err := s.cfg.Dossiers.StartPayment(r.Context(), a, r.PathValue("ref"), clientRequest(r))
		if err != nil {
			s.dossierPageError(w, r, a, err)
			return
		}
		http.Redirect(w, r, payURL, http.StatusSeeOther)
	})
}

// paymentReturnPage is what the payer sees back from the gateway.
type paymentReturnPage struct {
	P dossier.Payment
	// Said is what the gateway's redirect says, which is not yet the
	// record: "paid", "cancelled" or "failed".
	Said string
}

// pagePaymentReturn is the gateway's return URL. It shows the payment as
// recorded; when the IPN has not come yet it says the payment is being
// confirmed, never that it failed.
func (s *Server) pagePaymentReturn() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		p, res, err := s.cfg.Dossiers.PaymentReturn(r.Context(), r.URL.Query())
		if err == nil {
			// Only the payer's own dossier: the signed URL alone is no
			// key to someone else's payment.
			_, err = s.cfg.Dossiers.Get(r.Context(), a, p.DossierCode)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page := paymentReturnPage{P: p, Said: string(dossier.PaymentFailed)}
		switch {
		case res.Success:
			page.Said = string(dossier.PaymentPaid)
		case res.ResponseCode == payment.ResponseCancelled:
			page.Said = string(dossier.PaymentCancelled)
		}
		s.render(w, r, http.StatusOK, "payment", translate(language(r), "pay.return_title"), page)
	})
}

// apiPaymentIPN is the gateway's server-to-server notice (IPN). It takes
// no session: the gateway's signature is its credential, and the answer is
// the protocol's JSON, whatever happened.
func (s *Server) apiPaymentIPN() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payment.WriteIPNAnswer(w, s.cfg.Dossiers.HandleIPN(r.Context(), r.URL.Query()))
	})
}

// paymentStarted is the answer to POST /api/v1/dossiers/{ref}/payments.
type paymentStarted struct {
	Payment dossier.Payment `json:"payment"`
	PayURL  string          `json:"pay_url"`
}

func (s *Server) apiStartPayment() http.Handler {
	return jsonAction(s, http.StatusCreated, func(r *http.Request, a *identity.Account, _ *struct{}) (any, error) {
		p, u, err := s.cfg.Dossiers.StartPayment(r.Context(), a, r.PathValue("ref"), clientRequest(r))
		if err != nil {
			return nil, err
		}
		return paymentStarted{Payment: p, PayURL: u}, nil
	})
}

func (s *Server) apiPayments() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		ps, err := s.cfg.Dossiers.Payments(r.Context(), a, r.PathValue("ref"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"payments": ps})
	})
}

// dossierPageError shows the dossier page again with err, a refusal of a
// change posted from it.
func (s *Server) dossierPageError(w http.ResponseWriter, r *http.Request, a *identity.Account, err error) {
	var fe egov.FieldErrors
	msg := personMessage(err)
	if !errors.As(err, &fe) && (msg == "" || errors.Is(err, egov.ErrNotFound)) {
		s.fail(w, r, err)
		return
	}
	cur, gerr := s.cfg.Dossiers.Get(r.Context(), a, r.PathValue("ref"))
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	page, gerr := s.dossierPageData(r.Context(), a, cur)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	page.Errors, page.Alert = fe, msg
	status := http.StatusBadRequest
	if errors.Is(err, egov.ErrConflict) {
		status = http.StatusConflict
	} else if errors.Is(err, egov.ErrForbidden) {
		status = http.StatusForbidden
	}
	s.render(w, r, status, "dossier", cur.Code, page)
}

// feeSchedule is how a procedure's online fees read before one applies:
// each line with what it is counted by and when it applies, and who pays
// less.
type feeSchedule struct {
	Lines      []string
	Exemptions []string
	Timing     egov.FeeTiming
	Refund     bool
}

// scheduleOf describes p's online fees in lang; nil when nothing is due.
func scheduleOf(lang string, p egov.Procedure) *feeSchedule {
	label := func(name string) string {
		for _, f := range p.FormFields {
			if f.Name == name {
				return f.Label
			}
		}
		return name
	}
	fs := &feeSchedule{Timing: p.FeeTiming()}
	for _, f := range p.OnlineFees() {
		if f.Amount <= 0 {
			continue
		}
		line := f.Name + ": " + formatMoney(f.Amount)
		if f.Unit != "" {
			line += "/" + strings.TrimPrefix(f.Unit, "đồng/")
		}
		if f.Per != "" {
			line += " × " + strings.ToLower(label(f.Per))
			if f.FreeUnits > 0 {
				line += " " + translate(lang, "pay.from_unit", f.FreeUnits+1)
			}
		}
		if f.When != nil {
			line += " — " + translate(lang, "pay.when", strings.ToLower(label(f.When.Field)), strings.Join(f.When.Values, ", "))
		}
		fs.Lines = append(fs.Lines, line)
	}
	if len(fs.Lines) == 0 {
		return nil
	}
	if p.FeePolicy != nil {
		fs.Refund = p.FeePolicy.RefundOnRefusal
		for _, ex := range p.FeePolicy.Exemptions {
			if ex.Percent == 0 {
				fs.Exemptions = append(fs.Exemptions, ex.Name+": "+translate(lang, "pay.exempt"))
			} else {
				fs.Exemptions = append(fs.Exemptions, ex.Name+": "+translate(lang, "pay.percent_due", ex.Percent))
			}
		}
	}
	return fs
}

func init() {
	dossierFuncs["feeSchedule"] = scheduleOf
	dossierFuncs["sub"] = func(a, b int64) int64 { return a - b }
	dossierFuncs["payStatus"] = dossier.PaymentStatusName
}
