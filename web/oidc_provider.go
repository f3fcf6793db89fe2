package web

import (
	"net/http"
	"net/url"

	"github.com/egov-vn/egov/identity"
)

// pageOIDCContinue is where a sign-in through this instance's OpenID
// provider (identity/oidcop) passes: a citizen not signed in yet signs in on
// the portal's own page and comes back; a signed-in citizen goes on to the
// portal that asked.
func (s *Server) pageOIDCContinue() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		if id == "" || len(id) > 64 {
			s.errorPage(w, r, http.StatusBadRequest, translate(language(r), "sso.title"), translate(language(r), "sso.no_request"))
			return
		}
		a := caller(r)
		if a == nil {
			http.Redirect(w, r, "/dang-nhap?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if a.Kind != identity.KindCitizen {
			s.forbidden(w, r, translate(language(r), "sso.citizens_only"))
			return
		}
		next, err := s.cfg.OIDCProvider.Continue(r.Context(), id, a, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}
