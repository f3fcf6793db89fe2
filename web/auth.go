package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
)

// sessionCookie holds a web session's token. Its name carries the __Host-
// prefix under TLS, which browsers bind to this host, path / and Secure.
const sessionCookie = "egov_session"

func cookieName(r *http.Request) string {
	if r.TLS != nil {
		return "__Host-" + sessionCookie
	}
	return sessionCookie
}

const accountKey ctxKey = iota + 100

// caller returns the signed-in account of the request, or nil.
func caller(r *http.Request) *identity.Account {
	a, _ := r.Context().Value(accountKey).(*identity.Account)
	return a
}

func clientRequest(r *http.Request) identity.Request {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return identity.Request{IP: host, UserAgent: r.UserAgent()}
}

// authenticate puts the caller's account in the request context: from a
// bearer token on the API, from the session cookie on pages. A bad or
// expired credential is not an error here: the request goes on
// anonymously, and handlers that need an account refuse it.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Identity == nil {
			next.ServeHTTP(w, r)
			return
		}
		var token, kind string
		if isAPI(r) {
			if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
				token, kind = strings.TrimPrefix(h, "Bearer "), identity.SessionAPI
			}
		} else if c, err := r.Cookie(cookieName(r)); err == nil {
			token, kind = c.Value, identity.SessionWeb
		}
		if token != "" {
			a, err := s.cfg.Identity.Authenticate(r.Context(), token, kind)
			switch {
			case err == nil:
				r = r.WithContext(context.WithValue(r.Context(), accountKey, &a))
			case errors.Is(err, egov.ErrForbidden):
				if kind == identity.SessionWeb {
					clearSessionCookie(w, r)
				}
			default:
				s.internalError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, sess identity.Session) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// maxJSONBody bounds a request body on the API.
const maxJSONBody = 64 << 10

// decodeJSON reads one JSON object into dst, refusing unknown keys, so that
// a misspelt field is an error and not silently ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return egov.FieldErrors{"body": "Nội dung phải là JSON (Content-Type: application/json)."}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var mbe *http.MaxBytesError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return egov.FieldErrors{"body": fmt.Sprintf("Nội dung lớn quá %d KB.", maxJSONBody>>10)}
		case errors.As(err, &te):
			return egov.FieldErrors{te.Field: fmt.Sprintf("Sai kiểu dữ liệu: cần %s.", te.Type)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return egov.FieldErrors{strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`): "Trường không được hỗ trợ."}
		case errors.Is(err, io.EOF):
			return egov.FieldErrors{"body": "Thiếu nội dung JSON."}
		default:
			return egov.FieldErrors{"body": "JSON không hợp lệ: " + err.Error()}
		}
	}
	if dec.More() {
		return egov.FieldErrors{"body": "Chỉ gửi một đối tượng JSON."}
	}
	return nil
}

func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="egov"`)
		writeAPIError(w, http.StatusUnauthorized, "unauthenticated", "Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization: Bearer <access_token>.", nil)
		return
	}
	http.Redirect(w, r, "/dang-nhap?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// requireAccount runs h only for a signed-in caller.
func (s *Server) requireAccount(h func(w http.ResponseWriter, r *http.Request, a *identity.Account)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := caller(r)
		if a == nil {
			s.unauthenticated(w, r)
			return
		}
		h(w, r, a)
	})
}

// failAuth answers sign-in errors: 401 for wrong credentials, 429 with
// Retry-After while locked.
func (s *Server) failAuth(w http.ResponseWriter, r *http.Request, err error) {
	var locked *identity.LockedError
	if errors.As(err, &locked) {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(locked.Until).Seconds()+0.5))))
		writeAPIError(w, http.StatusTooManyRequests, "locked", locked.Error(), nil)
		return
	}
	if errors.Is(err, identity.ErrBadCredentials) {
		writeAPIError(w, http.StatusUnauthorized, "unauthenticated", err.Error(), nil)
		return
	}
	s.fail(w, r, err)
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

func (s *Server) apiRegister() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in identity.CitizenRegistration
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		a, err := s.cfg.Identity.RegisterCitizen(r.Context(), in, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/me")
		encode(w, http.StatusCreated, a)
	})
}

func (s *Server) apiToken() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		sess, _, err := s.cfg.Identity.SignIn(r.Context(), in.Username, in.Password, identity.SessionAPI, clientRequest(r))
		if err != nil {
			s.failAuth(w, r, err)
			return
		}
		encode(w, http.StatusOK, tokenResponse{AccessToken: sess.Token, TokenType: "Bearer", ExpiresIn: int(time.Until(sess.ExpiresAt).Seconds() + 0.5)})
	})
}

func (s *Server) apiRevokeToken() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if err := s.cfg.Identity.SignOut(r.Context(), token, clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) apiMe() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		encode(w, http.StatusOK, a)
	})
}

func (s *Server) apiUpdateContact() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in identity.ContactChange
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := s.cfg.Identity.UpdateContact(r.Context(), a, in, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) apiRegisterBusiness() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in identity.BusinessRegistration
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		b, err := s.cfg.Identity.RegisterBusiness(r.Context(), a, in, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, b)
	})
}

func (s *Server) apiOfficials() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		list, err := s.cfg.Identity.Officials(r.Context(), a, r.PathValue("code"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if list == nil {
			list = []identity.Account{}
		}
		encode(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	})
}

func (s *Server) apiAddOfficial() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in identity.NewOfficial
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		in.AgencyCode = r.PathValue("code")
		o, err := s.cfg.Identity.AddOfficial(r.Context(), a, in, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, o)
	})
}

func (s *Server) apiSetRoles() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.notFound(w, r)
			return
		}
		var in struct {
			Roles []identity.Role `json:"roles"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		o, err := s.cfg.Identity.SetRoles(r.Context(), a, id, in.Roles, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, o)
	})
}

func encodeCookie(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decodeCookie(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s) // bad input: nil, which fails to parse
	return b
}
