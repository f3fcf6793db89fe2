package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/egov-vn/egov/identity"
)

// oidcCookie carries the state, nonce and PKCE verifier of a sign-in in
// progress from the redirect to the provider to the callback. It is
// HttpOnly and lives ten minutes; a forged one only breaks the forger's own
// sign-in, since the provider binds the code to the verifier's challenge.
const oidcCookie = "egov_oidc"

type oidcPending struct {
	identity.OIDCState
	Next string `json:"next"`
}

func (s *Server) pageOIDCStart() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.OIDC == nil {
			s.notFound(w, r)
			return
		}
		authURL, st, err := s.cfg.OIDC.Start()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		val, _ := json.Marshal(oidcPending{OIDCState: st, Next: localPath(r.URL.Query().Get("next"))})
		http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: encodeCookie(val), Path: "/dang-nhap/vneid",
			MaxAge: int((10 * time.Minute).Seconds()), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, authURL, http.StatusFound)
	})
}

func (s *Server) pageOIDCCallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.OIDC == nil {
			s.notFound(w, r)
			return
		}
		failed := func(msg string) {
			s.render(w, r, http.StatusBadRequest, "signin", translate(language(r), "signin.title"),
				form{Values: map[string]string{}, Alert: msg, Next: "/", Extra: true})
		}
		c, err := r.Cookie(oidcCookie)
		var p oidcPending
		if err != nil || json.Unmarshal(decodeCookie(c.Value), &p) != nil {
			failed("Phiên đăng nhập bằng định danh điện tử đã hết hạn. Vui lòng thử lại.")
			return
		}
		http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/dang-nhap/vneid", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil})
		if e := r.URL.Query().Get("error"); e != "" {
			// Anyone can put any text in this parameter: only an OAuth error
			// code is shown, not a sentence on the portal's page.
			code := ""
			if oidcErrorCode(e) {
				code = " (" + e + ")"
			}
			failed("Nhà cung cấp định danh từ chối đăng nhập" + code + ". Vui lòng thử lại hoặc đăng nhập bằng mật khẩu.")
			return
		}
		claims, err := s.cfg.OIDC.Finish(r.Context(), p.OIDCState, r.URL.Query().Get("state"), r.URL.Query().Get("code"))
		if err != nil {
			s.log.WarnContext(r.Context(), "single sign-on failed", "err", err)
			failed("Không xác thực được với nhà cung cấp định danh. Vui lòng thử lại.")
			return
		}
		sess, acct, err := s.cfg.Identity.SignInWithClaims(r.Context(), claims, clientRequest(r))
		if err != nil {
			f := form{Values: map[string]string{}, Errors: nil, Next: "/", Extra: true}
			if !f.absorb(err) {
				s.fail(w, r, err)
				return
			}
			s.render(w, r, http.StatusForbidden, "signin", translate(language(r), "signin.title"), f)
			return
		}
		s.followDocuments(r.Context(), &acct, claims.AccessToken, clientRequest(r))
		setSessionCookie(w, r, sess)
		http.Redirect(w, r, localPath(p.Next), http.StatusSeeOther)
	})
}

// oidcErrorCode reports whether e looks like an OAuth error code
// ("access_denied", "login_required", ...).
func oidcErrorCode(e string) bool {
	if len(e) > 40 {
		return false
	}
	for i := 0; i < len(e); i++ {
		if (e[i] < 'a' || e[i] > 'z') && e[i] != '_' {
			return false
		}
	}
	return true
}
