package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/payment"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFS embed.FS

func staticFiles() http.Handler {
	sub, _ := fs.Sub(staticFS, "static") // a constant, existing directory
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

type pages struct {
	byName map[string]*template.Template
}

// Languages: Vietnamese first.
const (
	langVI = "vi"
	langEN = "en"
)

func translate(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == langEN && m[1] != "" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// formatMoney writes đồng the Vietnamese way: 1.250.000 đ.
func formatMoney(amount int64) string {
	return payment.FormatDong(amount) + " đ"
}

// feeSummary says in a few words what a procedure costs: each distinct
// amount once, "free" for zero.
func feeSummary(lang string, fees []egov.Fee) string {
	if len(fees) == 0 {
		return translate(lang, "proc.free")
	}
	amounts := map[int64]bool{}
	var list []int64
	for _, f := range fees {
		if !amounts[f.Amount] {
			amounts[f.Amount] = true
			list = append(list, f.Amount)
		}
	}
	slices.Sort(list)
	parts := make([]string, len(list))
	for i, a := range list {
		if a == 0 {
			parts[i] = translate(lang, "proc.free")
		} else {
			parts[i] = formatMoney(a)
		}
	}
	return strings.Join(parts, "; ")
}

func newPages() (*pages, error) {
	funcs := template.FuncMap{
		"t":         translate,
		"money":     formatMoney,
		"add":       func(a, b int) int { return a + b },
		"fees":      feeSummary,
		"field":     field,
		"errorList": errorList,
		"year":      func() int { return time.Now().Year() },
		"withLang": func(lang string, items []catalog.Summary) map[string]any {
			return map[string]any{"Lang": lang, "Items": items}
		},
	}
	for k, v := range dossierFuncs {
		funcs[k] = v
	}
	for k, v := range reportFuncs {
		funcs[k] = v
	}
	p := &pages{byName: map[string]*template.Template{}}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" || base == "forms" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/forms.html", name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// language picks the page language: the lang cookie, else Vietnamese. The
// portal serves Vietnamese citizens first, whatever their browser says.
func language(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && c.Value == langEN {
		return langEN
	}
	return langVI
}

func (p *pages) t(r *http.Request, key string) string { return translate(language(r), key) }

// view is what every template receives.
type view struct {
	Lang  string
	Title string
	Path  string // the current path and query, for the language switch
	Query string // the search box's text
	// Account is the signed-in caller, or nil; SignIn says whether
	// accounts exist at all on this server.
	Account *identity.Account
	SignIn  bool
	Data    any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.internalError(w, r, fmt.Errorf("no template %q", name))
		return
	}
	v := view{Lang: language(r), Title: title, Path: r.URL.RequestURI(), Query: r.URL.Query().Get("q"), Data: data,
		Account: caller(r), SignIn: s.cfg.Identity != nil}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "template", name, "err", err)
		http.Error(w, "Lỗi hiển thị trang", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	if v.Account != nil {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	s.render(w, r, status, "error", title, map[string]any{"Status": status, "Heading": title, "Text": text})
}

func (s *Server) pageNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r) })
}

func (s *Server) setLanguage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := r.PathValue("lang")
		if lang != langVI && lang != langEN {
			s.notFound(w, r)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
	})
}

type homeData struct {
	Events []egov.LifeEvent
	Fields []egov.Field
}

func (s *Server) pageHome() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		events, err := s.cfg.Catalog.LifeEvents(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		fields, err := s.cfg.Catalog.Fields(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(fields) > 12 {
			fields = fields[:12]
		}
		s.render(w, r, http.StatusOK, "home", "", homeData{Events: events, Fields: fields})
	})
}

// option is a choice in a filter.
type option struct {
	Value, Label string
	Selected     bool
}

type searchData struct {
	Query      catalog.Query
	Result     catalog.Result
	Errors     egov.FieldErrors
	Fields     []option
	Levels     []option
	Online     []option
	Targets    []option
	Events     []option
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	HasFilters bool
}

func (s *Server) pageSearch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := language(r)
		q, fe := searchQuery(r)
		d := searchData{Query: q, Errors: fe}
		status := http.StatusOK
		if fe == nil {
			res, err := s.cfg.Catalog.Search(r.Context(), q)
			var bad egov.FieldErrors
			switch {
			case errors.As(err, &bad):
				d.Errors, status = bad, http.StatusBadRequest
			case err != nil:
				s.fail(w, r, err)
				return
			}
			d.Result = res
		} else {
			status = http.StatusBadRequest
		}
		fields, err := s.cfg.Catalog.Fields(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, f := range fields {
			d.Fields = append(d.Fields, option{f.Code, f.Name, f.Code == q.Field})
		}
		for _, l := range egov.Levels {
			d.Levels = append(d.Levels, option{string(l), translate(lang, "level."+string(l)), l == q.Level})
		}
		for _, o := range []egov.OnlineLevel{egov.OnlineFull, egov.OnlinePartial, egov.OnlineInformation} {
			d.Online = append(d.Online, option{string(o), translate(lang, "online."+string(o)), o == q.Online})
		}
		for _, t := range []egov.TargetUser{egov.TargetCitizen, egov.TargetBusiness} {
			d.Targets = append(d.Targets, option{string(t), translate(lang, "target."+string(t)), t == q.Target})
		}
		events, err := s.cfg.Catalog.LifeEvents(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range events {
			d.Events = append(d.Events, option{e.Code, e.Name, e.Code == q.LifeEvent})
		}
		d.HasFilters = q.Field != "" || q.Level != "" || q.Online != "" || q.Target != "" || q.LifeEvent != "" || q.Agency != ""
		if q.Limit > 0 {
			d.Page = q.Offset/q.Limit + 1
			d.Pages = (d.Result.Total + q.Limit - 1) / q.Limit
			page := func(offset int) string {
				v := r.URL.Query()
				v.Set("offset", strconv.Itoa(offset))
				return "/thu-tuc?" + v.Encode()
			}
			if q.Offset > 0 {
				d.PrevURL = page(max(0, q.Offset-q.Limit))
			}
			if q.Offset+q.Limit < d.Result.Total && q.Offset+q.Limit <= catalog.MaxOffset {
				d.NextURL = page(q.Offset + q.Limit)
			}
		}
		s.render(w, r, status, "search", translate(lang, "search.results"), d)
	})
}

type procedureData struct {
	P        egov.Procedure
	Fees     []egov.Fee
	BackURL  string
	Agencies map[string]egov.Agency
	CanApply bool // the server takes online dossiers
}

func (s *Server) pageProcedure() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		if !catalog.ValidProcedureCode(code) {
			s.notFound(w, r)
			return
		}
		p, err := s.cfg.Catalog.Procedure(r.Context(), code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d := procedureData{P: p, Fees: p.Fees(), CanApply: s.cfg.Dossiers != nil && s.cfg.Identity != nil}
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Path == "/thu-tuc" && ref.Host == r.Host {
			d.BackURL = ref.RequestURI()
		}
		s.render(w, r, http.StatusOK, "procedure", p.Name, d)
	})
}

type fieldsData struct {
	Fields []fieldCount
}

type fieldCount struct {
	Field egov.Field
	Count int
}

func (s *Server) pageFields() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fields, err := s.cfg.Catalog.Fields(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var d fieldsData
		for _, f := range fields {
			res, err := s.cfg.Catalog.Search(r.Context(), catalog.Query{Field: f.Code, Limit: 1})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if res.Total > 0 {
				d.Fields = append(d.Fields, fieldCount{f, res.Total})
			}
		}
		s.render(w, r, http.StatusOK, "fields", translate(language(r), "fields.title"), d)
	})
}

type agenciesData struct {
	Central   []egov.Agency
	Provinces []egov.Agency
}

func (s *Server) pageAgencies() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		top, err := s.cfg.Catalog.Agencies(r.Context(), catalog.AgencyFilter{Parent: "-"})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var d agenciesData
		for _, a := range top {
			if a.Level == egov.LevelCentral {
				d.Central = append(d.Central, a)
			} else {
				d.Provinces = append(d.Provinces, a)
			}
		}
		s.render(w, r, http.StatusOK, "agencies", translate(language(r), "agencies.title"), d)
	})
}

type agencyData struct {
	Agency   egov.Agency
	Parent   *egov.Agency
	Children []egov.Agency
	Result   catalog.Result
}

func (s *Server) pageAgency() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.cfg.Catalog.Agency(r.Context(), r.PathValue("code"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d := agencyData{Agency: a}
		if a.ParentCode != "" {
			if p, err := s.cfg.Catalog.Agency(r.Context(), a.ParentCode); err == nil {
				d.Parent = &p
			}
		}
		if d.Children, err = s.cfg.Catalog.Agencies(r.Context(), catalog.AgencyFilter{Parent: a.Code}); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Result, err = s.cfg.Catalog.Search(r.Context(), catalog.Query{Agency: a.Code, Limit: catalog.MaxPage}); err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "agency", a.Name, d)
	})
}

type eventData struct {
	Event  egov.LifeEvent
	Result catalog.Result
}

func (s *Server) pageLifeEvent() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		events, err := s.cfg.Catalog.LifeEvents(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range events {
			if e.Code != code {
				continue
			}
			res, err := s.cfg.Catalog.Search(r.Context(), catalog.Query{LifeEvent: code, Limit: catalog.MaxPage})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			s.render(w, r, http.StatusOK, "event", e.Name, eventData{Event: e, Result: res})
			return
		}
		s.notFound(w, r)
	})
}
