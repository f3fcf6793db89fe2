package web

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/cabinet"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/identity"
)

//go:embed openapi.json
var openAPIDocument []byte

// apiError is the body of every API error.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// encode writes v as JSON with status.
func encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // the client may have gone; nothing to do about it
}

func writeAPIError(w http.ResponseWriter, status int, code, message string, fields map[string]string) {
	encode(w, status, apiError{apiErrorBody{Code: code, Message: message, Fields: fields}})
}

// fail answers err with the status and body its kind calls for, as JSON on
// the API and as a page elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var fe egov.FieldErrors
	switch {
	case errors.As(err, &fe):
		if isAPI(r) {
			writeAPIError(w, http.StatusBadRequest, "invalid_argument", "Tham số không hợp lệ: "+fe.Error(), fe)
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "Yêu cầu không hợp lệ", fe.Error())
	case errors.Is(err, egov.ErrNotFound):
		if msg := personMessage(err); msg != "" {
			// A reason worth more than "not found", such as a dossier
			// that has no result yet.
			if isAPI(r) {
				writeAPIError(w, http.StatusNotFound, "not_found", msg, nil)
				return
			}
			s.errorPage(w, r, http.StatusNotFound, s.pages.t(r, "notfound.title"), msg)
			return
		}
		s.notFound(w, r)
	case errors.Is(err, egov.ErrForbidden):
		msg := personMessage(err)
		if msg == "" {
			msg = "Bạn không có quyền thực hiện thao tác này."
		}
		s.forbidden(w, r, msg)
	case errors.Is(err, egov.ErrConflict):
		msg := personMessage(err)
		if msg == "" {
			msg = "Thao tác không thực hiện được ở trạng thái hiện tại."
		}
		if isAPI(r) {
			writeAPIError(w, http.StatusConflict, "conflict", msg, nil)
			return
		}
		s.errorPage(w, r, http.StatusConflict, "Không thực hiện được", msg)
	case errors.Is(err, blob.ErrTooLarge):
		if isAPI(r) {
			writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", personMessage(err), nil)
			return
		}
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Tệp quá lớn", personMessage(err))
	case errors.Is(err, egov.ErrInvalid):
		// An invalid request whose message is for the person, such as an
		// expired link or a file of the wrong type.
		msg := personMessage(err)
		if msg == "" {
			msg = err.Error()
		}
		if isAPI(r) {
			writeAPIError(w, http.StatusBadRequest, "invalid_argument", msg, nil)
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "Yêu cầu không hợp lệ", msg)
	default:
		s.internalError(w, r, err)
	}
}

// personMessage returns the Vietnamese sentence for the person that a
// service put in err, without the context added for the logs; "" if none.
func personMessage(err error) string {
	var ie *identity.Error
	var de *dossier.Error
	var ve *identity.ValidationError
	var ce *cabinet.Error
	var xe *exchange.Error
	var fe *federation.Error
	switch {
	case errors.As(err, &fe):
		return fe.Msg
	case errors.As(err, &xe):
		return xe.Msg
	case errors.As(err, &ce):
		return ce.Msg
	case errors.As(err, &de):
		return de.Msg
	case errors.As(err, &ie):
		return ie.Msg
	case errors.As(err, &ve):
		return ve.Msg
	}
	return blob.Message(err)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		writeAPIError(w, http.StatusNotFound, "not_found", "Không tìm thấy: "+r.URL.Path, nil)
		return
	}
	s.errorPage(w, r, http.StatusNotFound, s.pages.t(r, "notfound.title"), s.pages.t(r, "notfound.text"))
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, msg string) {
	if isAPI(r) {
		writeAPIError(w, http.StatusForbidden, "forbidden", msg, nil)
		return
	}
	s.errorPage(w, r, http.StatusForbidden, "Không được phép", msg)
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "internal error", "err", err)
	msg := "Hệ thống gặp lỗi. Vui lòng thử lại sau; nếu lỗi lặp lại, hãy báo mã yêu cầu " + RequestID(r.Context()) + "."
	if isAPI(r) {
		writeAPIError(w, http.StatusInternalServerError, "internal", msg, nil)
		return
	}
	s.errorPage(w, r, http.StatusInternalServerError, "Lỗi hệ thống", msg)
}

// apiNotFound answers API requests that no route takes: 405 with Allow when
// the path exists under another method, else 404, both as JSON.
func (s *Server) apiNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeAPIError(w, http.StatusMethodNotAllowed, "method_not_allowed",
				fmt.Sprintf("Phương thức %s không được hỗ trợ ở địa chỉ này; dùng %s.", r.Method, strings.Join(allowed, ", ")), nil)
			return
		}
		s.notFound(w, r)
	})
}

func (s *Server) apiOpenAPI() http.Handler { return OpenAPIHandler() }

// OpenAPIHandler serves the API's OpenAPI 3 document.
func OpenAPIHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(openAPIDocument)
	})
}

// intParam reads an optional integer query parameter.
func intParam(r *http.Request, name string, def int, fe egov.FieldErrors) int {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fe[name] = fmt.Sprintf("%q không phải số nguyên", v)
		return def
	}
	return n
}

// searchQuery reads the catalog search parameters shared by the API and
// the search page.
func searchQuery(r *http.Request) (catalog.Query, egov.FieldErrors) {
	v := r.URL.Query()
	fe := egov.FieldErrors{}
	q := catalog.Query{
		Text:      strings.TrimSpace(v.Get("q")),
		Field:     v.Get("field"),
		Level:     egov.Level(v.Get("level")),
		Online:    egov.OnlineLevel(v.Get("online")),
		Agency:    v.Get("agency"),
		LifeEvent: v.Get("life_event"),
		Target:    egov.TargetUser(v.Get("target")),
		Limit:     intParam(r, "limit", 20, fe),
		Offset:    intParam(r, "offset", 0, fe),
	}
	if q.Limit == 0 {
		fe["limit"] = fmt.Sprintf("số kết quả mỗi trang phải từ 1 đến %d", catalog.MaxPage)
	}
	for k, msg := range q.Validate() {
		if _, ok := fe[k]; !ok {
			fe[k] = msg
		}
	}
	if len(fe) > 0 {
		return q, fe
	}
	return q, nil
}

type procedureList struct {
	Items  []catalog.Summary `json:"items"`
	Total  int               `json:"total"`
	Limit  int               `json:"limit"`
	Offset int               `json:"offset"`
}

func (s *Server) apiProcedures() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, fe := searchQuery(r)
		if fe != nil {
			s.fail(w, r, fe)
			return
		}
		res, err := s.cfg.Catalog.Search(r.Context(), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, procedureList{Items: res.Items, Total: res.Total, Limit: q.Limit, Offset: q.Offset})
	})
}

func (s *Server) apiProcedure() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		if !catalog.ValidProcedureCode(code) {
			writeAPIError(w, http.StatusNotFound, "not_found",
				fmt.Sprintf("Không có thủ tục mã %q: mã thủ tục có dạng một chữ số, dấu chấm, sáu chữ số (ví dụ 1.001193).", code), nil)
			return
		}
		p, err := s.cfg.Catalog.Procedure(r.Context(), code)
		if errors.Is(err, egov.ErrNotFound) {
			writeAPIError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Không có thủ tục mã %s trong danh mục.", code), nil)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, p)
	})
}

func (s *Server) apiAgencies() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := catalog.AgencyFilter{Level: egov.Level(r.URL.Query().Get("level")), Parent: r.URL.Query().Get("parent")}
		list, err := s.cfg.Catalog.Agencies(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	})
}

func (s *Server) apiAgency() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		a, err := s.cfg.Catalog.Agency(r.Context(), code)
		if errors.Is(err, egov.ErrNotFound) {
			writeAPIError(w, http.StatusNotFound, "not_found", fmt.Sprintf("Không có cơ quan mã %q.", code), nil)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, a)
	})
}

func (s *Server) apiFields() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := s.cfg.Catalog.Fields(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	})
}

func (s *Server) apiLifeEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := s.cfg.Catalog.LifeEvents(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	})
}
