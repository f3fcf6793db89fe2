package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/identity"
)

// The document interconnection axis's API. Member systems authenticate
// with OAuth2 client credentials (POST /api/v1/exchange/token) and send
// the access token as a bearer token; officials of a member agency read
// its messages with their own account; the system administrator registers
// members, certificates and clients.

// apiExchangeToken is OAuth2's token endpoint for the client credentials
// grant of the axis's members.
func (s *Server) apiExchangeToken() http.Handler {
	return s.clientCredentialsToken("egov exchange", s.cfg.Exchange.IssueToken, exchange.ErrBadClient)
}

// clientCredentialsToken is an OAuth2 token endpoint for the client
// credentials grant (RFC 6749 section 4.4): client_secret_basic or
// client_secret_post, answered, errors included, in RFC 6749's JSON.
func (s *Server) clientCredentialsToken(realm string, issue func(ctx context.Context, id, secret string) (string, time.Duration, error), badClient error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		oauthError := func(status int, code, description string) {
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
			}
			encode(w, status, map[string]string{"error": code, "error_description": description})
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			oauthError(http.StatusBadRequest, "invalid_request", "The body must be application/x-www-form-urlencoded.")
			return
		}
		switch gt := r.PostForm.Get("grant_type"); gt {
		case "client_credentials":
		case "":
			oauthError(http.StatusBadRequest, "invalid_request", "grant_type is missing: send grant_type=client_credentials.")
			return
		default:
			oauthError(http.StatusBadRequest, "unsupported_grant_type", "Only grant_type=client_credentials is supported.")
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		token, lifetime, err := issue(r.Context(), id, secret)
		if errors.Is(err, badClient) {
			oauthError(http.StatusUnauthorized, "invalid_client", "Unknown client, wrong secret, or a revoked client.")
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		w.Header().Set("Pragma", "no-cache") // RFC 6749 section 5.1, beside encode's Cache-Control: no-store
		encode(w, http.StatusOK, tokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int(lifetime.Seconds())})
	})
}

// requireMember runs h for a request with a member's access token.
func (s *Server) requireMember(h func(w http.ResponseWriter, r *http.Request, agency string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(value)
		}
		agency, err := s.cfg.Exchange.Authenticate(r.Context(), token)
		if errors.Is(err, exchange.ErrBadClient) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="egov exchange"`)
			writeAPIError(w, http.StatusUnauthorized, "unauthenticated", "Cần mã truy cập của thành viên trục liên thông (POST /api/v1/exchange/token).", nil)
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		h(w, r, agency)
	})
}

// memberOrOfficial runs h for a member system, or for an official of a
// member agency (a system administrator names the agency with ?co-quan=).
func (s *Server) memberOrOfficial(h func(w http.ResponseWriter, r *http.Request, agency string)) http.Handler {
	member := s.requireMember(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := caller(r); a != nil {
			if a.Kind != identity.KindOfficial {
				s.forbidden(w, r, "Văn bản liên thông dành cho cán bộ của cơ quan gửi và nhận.")
				return
			}
			h(w, r, officialAgency(r, a))
			return
		}
		member.ServeHTTP(w, r)
	})
}

// exchangeAnswer is the answer to a submission.
type exchangeAnswer struct {
	Message   exchange.Message `json:"message"`
	Duplicate bool             `json:"duplicate"`
}

func (s *Server) apiExchangeSubmit() http.Handler {
	return s.requireMember(func(w http.ResponseWriter, r *http.Request, agency string) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 50<<20))
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", "Thông điệp quá lớn: tối đa 50 MB.", nil)
			return
		}
		if err != nil {
			writeAPIError(w, http.StatusBadRequest, "invalid_argument", "Không đọc được nội dung thông điệp; hãy gửi lại.", nil)
			return
		}
		m, dup, err := s.cfg.Exchange.Submit(r.Context(), agency, body, clientRequest(r).IP)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		status := http.StatusCreated
		if dup {
			status = http.StatusOK
		}
		encode(w, status, exchangeAnswer{Message: m, Duplicate: dup})
	})
}

func (s *Server) apiExchangeInbox() http.Handler {
	return s.requireMember(func(w http.ResponseWriter, r *http.Request, agency string) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		items, err := s.cfg.Exchange.Inbox(r.Context(), agency, after, limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"messages": items})
	})
}

func (s *Server) apiExchangeAck() http.Handler {
	return s.requireMember(func(w http.ResponseWriter, r *http.Request, agency string) {
		id, err := idOf(r, "id")
		if err == nil {
			err = s.cfg.Exchange.Ack(r.Context(), agency, id, clientRequest(r).IP)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// exchangeFilter reads a list's query: box, number, since and until
// (YYYY-MM-DD, days in Vietnam), state.
func exchangeFilter(r *http.Request, agency string) (exchange.Filter, error) {
	q := r.URL.Query()
	f := exchange.Filter{Agency: agency, Box: q.Get("box"), Number: strings.TrimSpace(q.Get("number")), State: q.Get("state")}
	fe := egov.FieldErrors{}
	switch f.Box {
	case "", "inbox", "outbox":
	default:
		fe["box"] = "Chọn inbox (văn bản đến) hoặc outbox (văn bản đi)."
	}
	switch f.State {
	case "", exchange.DeliveryPending, exchange.DeliveryDelivered, exchange.DeliveryRecalled, exchange.DeliveryGivenUp:
	default:
		fe["state"] = "Trạng thái là pending, delivered, recalled hoặc given_up."
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, calendar.Vietnam)
			if err != nil {
				fe[name] = "Ngày theo dạng YYYY-MM-DD, ví dụ 2026-12-01."
				continue
			}
			if name == "until" {
				t = t.AddDate(0, 0, 1) // through the whole day
			}
			*dst = t
		}
	}
	if len(fe) > 0 {
		return f, fe
	}
	return f, nil
}

func (s *Server) apiExchangeMessages() http.Handler {
	return s.memberOrOfficial(func(w http.ResponseWriter, r *http.Request, agency string) {
		f, err := exchangeFilter(r, agency)
		var list []exchange.Message
		if err == nil {
			list, err = s.cfg.Exchange.List(r.Context(), f)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if list == nil {
			list = []exchange.Message{}
		}
		encode(w, http.StatusOK, map[string]any{"messages": list})
	})
}

// exchangeMessage is a message with its trail in the message log.
type exchangeMessage struct {
	exchange.Message
	Trail []audit.Entry `json:"trail"`
}

func (s *Server) apiExchangeMessage() http.Handler {
	return s.memberOrOfficial(func(w http.ResponseWriter, r *http.Request, agency string) {
		m, err := s.cfg.Exchange.Message(r.Context(), agency, r.PathValue("id"))
		var trail []audit.Entry
		if err == nil {
			trail, err = s.cfg.Exchange.Trail(r.Context(), agency, m.MessageID)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if trail == nil {
			trail = []audit.Entry{}
		}
		encode(w, http.StatusOK, exchangeMessage{Message: m, Trail: trail})
	})
}

func (s *Server) apiExchangeBody() http.Handler {
	return s.memberOrOfficial(func(w http.ResponseWriter, r *http.Request, agency string) {
		b, err := s.cfg.Exchange.Body(r.Context(), agency, r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="edxml.xml"`)
		w.Write(b)
	})
}

// apiExchangeMember shows a member and its certificates: public, so that
// recipients can check the signatures of what they receive.
func (s *Server) apiExchangeMember() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := s.cfg.Exchange.Member(r.Context(), r.PathValue("code"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m.Endpoint = "" // where a member's system listens is not for everyone
		encode(w, http.StatusOK, m)
	})
}

func (s *Server) apiExchangeSaveMember() http.Handler {
	return jsonAction(s, http.StatusOK, func(r *http.Request, a *identity.Account, in *struct {
		Name     string `json:"name"`
		Endpoint string `json:"endpoint"`
	}) (any, error) {
		return s.cfg.Exchange.SaveMember(r.Context(), a, exchange.Member{AgencyCode: r.PathValue("code"), Name: in.Name, Endpoint: in.Endpoint}, clientRequest(r))
	})
}

func (s *Server) apiExchangeAddKey() http.Handler {
	return jsonAction(s, http.StatusCreated, func(r *http.Request, a *identity.Account, in *struct {
		Certificate string `json:"certificate"`
	}) (any, error) {
		return s.cfg.Exchange.AddKey(r.Context(), a, r.PathValue("code"), []byte(in.Certificate), clientRequest(r))
	})
}

func (s *Server) apiExchangeRevokeKey() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if err := s.cfg.Exchange.RevokeKey(r.Context(), a, r.PathValue("fingerprint"), clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) apiExchangeRevokeClient() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if err := s.cfg.Exchange.RevokeClient(r.Context(), a, r.PathValue("id"), clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) apiExchangeAddClient() http.Handler {
	return jsonAction(s, http.StatusCreated, func(r *http.Request, a *identity.Account, _ *struct{}) (any, error) {
		id, secret, err := s.cfg.Exchange.AddClient(r.Context(), a, r.PathValue("code"), clientRequest(r))
		if err != nil {
			return nil, err
		}
		return map[string]string{"client_id": id, "client_secret": secret,
			"note": "Lưu mật khẩu này ngay: hệ thống chỉ giữ mã băm và không hiển thị lại."}, nil
	})
}
