package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
)

// A citizen's documents follow them from the national portal to a
// connected portal: the national instance lets a portal that signed the
// citizen in through its OpenID provider read the citizen's document store
// with the access token of that sign-in (and with nothing else: the token
// opens no other route), and the portal copies what it does not have into
// the citizen's store there.

// oidcAccount is the account an access token of this instance's OpenID
// provider was issued for.
func (s *Server) oidcAccount(r *http.Request) (*identity.Account, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" || s.cfg.OIDCProvider == nil {
		return nil, egov.ErrNotFound
	}
	id, err := s.cfg.OIDCProvider.AccountOfToken(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	a, err := s.cfg.Identity.Account(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if a.Disabled {
		return nil, egov.ErrNotFound
	}
	return &a, nil
}

func (s *Server) federationDocumentsAuth(h func(w http.ResponseWriter, r *http.Request, a *identity.Account)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.oidcAccount(r)
		if err != nil {
			if !errors.Is(err, egov.ErrNotFound) {
				s.log.WarnContext(r.Context(), "federation documents: token", "err", err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="egov", error="invalid_token"`)
			writeAPIError(w, http.StatusUnauthorized, "unauthenticated",
				"Cần mã truy cập (access token) do Cổng quốc gia cấp khi công dân đăng nhập qua định danh tại Cổng quốc gia.", nil)
			return
		}
		h(w, r, a)
	})
}

func (s *Server) apiFederationDocuments() http.Handler {
	return s.federationDocumentsAuth(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		docs, err := s.cfg.Dossiers.Documents(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"documents": docs})
	})
}

func (s *Server) apiFederationDocument() http.Handler {
	return s.federationDocumentsAuth(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, egov.ErrNotFound)
			return
		}
		s.serveDocument(w, r, a, id)
	})
}

// maxFollowedDocuments bounds what one sign-in copies, so that the
// sign-in stays quick; the rest follow at the next one.
const maxFollowedDocuments = 50

// followDocuments copies into a's document store the documents a holds at
// the national portal, with the access token of the sign-in there. What a
// already has (the same content) is skipped. A failure is logged and does
// not stop the sign-in.
func (s *Server) followDocuments(ctx context.Context, a *identity.Account, accessToken string, req identity.Request) {
	if s.cfg.Federation == nil || s.cfg.Federation.NationalURL() == "" || accessToken == "" || s.cfg.Dossiers == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	n, err := s.copyNationalDocuments(ctx, a, s.cfg.Federation.NationalURL(), accessToken, req)
	if err != nil {
		s.log.WarnContext(ctx, "documents from the national portal", "account", a.ID, "copied", n, "err", err)
		return
	}
	if n > 0 {
		s.log.InfoContext(ctx, "documents from the national portal", "account", a.ID, "copied", n)
	}
}

func (s *Server) copyNationalDocuments(ctx context.Context, a *identity.Account, national, token string, req identity.Request) (int, error) {
	client := &http.Client{Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, error) {
		hr, err := http.NewRequestWithContext(ctx, http.MethodGet, national+path, nil)
		if err != nil {
			return nil, err
		}
		hr.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(hr)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusOK {
			res.Body.Close()
			return nil, fmt.Errorf("GET %s: %s", path, res.Status)
		}
		return res, nil
	}
	res, err := get("/api/v1/federation/documents")
	if err != nil {
		return 0, err
	}
	var list struct {
		Documents []dossier.Document `json:"documents"`
	}
	err = json.NewDecoder(io.LimitReader(res.Body, 4<<20)).Decode(&list)
	res.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("the national portal's list of documents: %w", err)
	}
	have, err := s.cfg.Dossiers.Documents(ctx, a)
	if err != nil {
		return 0, err
	}
	known := map[string]bool{}
	for _, d := range have {
		known[d.Hash] = true
	}
	perFile, _ := s.cfg.Dossiers.Limits()
	copied := 0
	for _, d := range list.Documents {
		if copied == maxFollowedDocuments {
			break
		}
		if known[d.Hash] || d.Size > perFile {
			continue
		}
		res, err := get("/api/v1/federation/documents/" + url.PathEscape(strconv.FormatInt(d.ID, 10)))
		if err != nil {
			return copied, err
		}
		// Upload checks the content's type and size as for any upload.
		_, created, err := s.cfg.Dossiers.Upload(ctx, a, d.Name, io.LimitReader(res.Body, perFile+1), req)
		res.Body.Close()
		if err != nil {
			return copied, fmt.Errorf("document %q: %w", d.Name, err)
		}
		known[d.Hash] = true
		if created {
			copied++
		}
	}
	return copied, nil
}
