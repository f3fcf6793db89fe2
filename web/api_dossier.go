package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
)

// maxMultipartOverhead is what a multipart body may carry beyond its files:
// headers, boundaries and the JSON part.
const maxMultipartOverhead = 1 << 20

// dossierResponse is a dossier as the API shows it: with the actions the
// caller may take now and its timeliness.
type dossierResponse struct {
	dossier.Dossier
	Timeliness string           `json:"timeliness,omitempty"`
	Actions    []dossier.Action `json:"actions"`
	ReceiptURL string           `json:"receipt_url,omitempty"`
}

func (s *Server) dossierBody(r *http.Request, a *identity.Account, d dossier.Dossier) dossierResponse {
	out := dossierResponse{Dossier: d, Timeliness: dossier.Timeliness(&d, time.Now()), Actions: []dossier.Action{}}
	if a != nil && a.Kind == identity.KindOfficial {
		if acts := s.cfg.Dossiers.Allowed(r.Context(), a, &d); acts != nil {
			out.Actions = acts
		}
	}
	if d.Code != "" {
		out.ReceiptURL = "/api/v1/dossiers/" + d.Code + "/receipt"
	}
	// The applicant sees the result once it is theirs.
	if d.ResultDocument != nil && a != nil && a.ID == d.Applicant.AccountID &&
		(d.Status != dossier.StatusReturned && d.Status != dossier.StatusDone || s.cfg.Dossiers.ResultWithheld(&d)) {
		out.ResultDocument = nil
	}
	return out
}

// uploadedFile is one file part of a multipart request, stored in the
// caller's document store.
type uploadedFile struct {
	field   string
	doc     dossier.Document
	created bool // new in the store with this request
}

// discard removes the documents that a failed request added to the
// caller's store: a refused request leaves nothing behind.
func (s *Server) discard(r *http.Request, a *identity.Account, files []uploadedFile) {
	var ids []int64
	for _, f := range files {
		if f.created {
			ids = append(ids, f.doc.ID)
		}
	}
	if err := s.cfg.Dossiers.Discard(context.WithoutCancel(r.Context()), a, ids); err != nil {
		s.log.ErrorContext(r.Context(), "discard uploads of a refused request", "err", err)
	}
}

// readMultipart walks a multipart body: file parts go straight to the
// caller's document store (streamed, never held in memory), and the value
// of the form field named jsonField is returned.
func (s *Server) readMultipart(w http.ResponseWriter, r *http.Request, a *identity.Account, jsonField string) ([]byte, []uploadedFile, error) {
	value, files, err := s.walkMultipart(w, r, a, jsonField)
	if err != nil {
		s.discard(r, a, files)
		return nil, nil, err
	}
	return value, files, nil
}

func (s *Server) walkMultipart(w http.ResponseWriter, r *http.Request, a *identity.Account, jsonField string) (value []byte, files []uploadedFile, err error) {
	_, perDossier := s.cfg.Dossiers.Limits()
	r.Body = http.MaxBytesReader(w, r.Body, perDossier+maxMultipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, egov.FieldErrors{"body": "Nội dung phải là multipart/form-data."}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, files, egov.FieldErrors{"body": fmt.Sprintf("Tổng dung lượng vượt quá %d MB.", perDossier>>20)}
			}
			return nil, files, egov.FieldErrors{"body": "Nội dung multipart không hợp lệ."}
		}
		name := part.FormName()
		if part.FileName() == "" {
			if name == jsonField {
				value, err = io.ReadAll(io.LimitReader(part, maxJSONBody+1))
				if err != nil {
					return nil, files, egov.FieldErrors{"body": "Nội dung multipart không hợp lệ."}
				}
				if len(value) > maxJSONBody {
					return nil, files, egov.FieldErrors{jsonField: fmt.Sprintf("Lớn quá %d KB.", maxJSONBody>>10)}
				}
			}
			part.Close()
			continue
		}
		doc, created, err := s.cfg.Dossiers.Upload(r.Context(), a, part.FileName(), part, clientRequest(r))
		part.Close()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, files, egov.FieldErrors{"body": fmt.Sprintf("Tổng dung lượng vượt quá %d MB.", perDossier>>20)}
			}
			return nil, files, fileError(name, part.FileName(), err)
		}
		files = append(files, uploadedFile{field: name, doc: doc, created: created})
	}
	return value, files, nil
}

// fileError names the file in a refusal of it.
func fileError(field, name string, err error) error {
	if msg := personMessage(err); msg != "" && errors.Is(err, egov.ErrInvalid) {
		return egov.FieldErrors{field: fmt.Sprintf("%s: %s", name, msg)}
	}
	return err
}

// apiCreateDossier is POST /api/v1/dossiers: JSON with papers already in
// the document store, or multipart/form-data with a "dossier" JSON part and
// files in parts named "file.<component code>".
func (s *Server) apiCreateDossier() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in struct {
			dossier.Application
			Submit bool `json:"submit"`
		}
		failed := false
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			if a.Kind != identity.KindCitizen && a.Kind != identity.KindBusiness {
				s.fail(w, r, egov.ErrForbidden)
				return
			}
			value, files, err := s.readMultipart(w, r, a, "dossier")
			if err != nil {
				s.fail(w, r, err)
				return
			}
			// From here on, a refusal takes the uploads back.
			defer func() {
				if failed {
					s.discard(r, a, files)
				}
			}()
			failed = true
			if len(value) == 0 {
				s.fail(w, r, egov.FieldErrors{"dossier": "Thiếu phần \"dossier\" chứa hồ sơ dạng JSON."})
				return
			}
			dec := json.NewDecoder(strings.NewReader(string(value)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				s.fail(w, r, egov.FieldErrors{"dossier": "JSON không hợp lệ: " + err.Error()})
				return
			}
			for _, f := range files {
				comp, ok := strings.CutPrefix(f.field, "file.")
				if !ok {
					s.fail(w, r, egov.FieldErrors{f.field: "Tên phần tệp phải là file.<mã thành phần hồ sơ>, ví dụ file.TP1."})
					return
				}
				in.Papers = append(in.Papers, dossier.PaperRef{Component: comp, DocumentID: f.doc.ID})
			}
		} else if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		d, replayed, err := s.cfg.Dossiers.Create(r.Context(), a, in.Application, dossier.CreateOptions{
			Submit: in.Submit, Channel: dossier.ChannelAPI, IdempotencyKey: r.Header.Get("Idempotency-Key")}, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		failed = false
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.Header().Set("Location", "/api/v1/dossiers/"+d.Ref())
		encode(w, http.StatusCreated, s.dossierBody(r, a, d))
	})
}

func (s *Server) apiMyDossiers() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		fe := egov.FieldErrors{}
		f := dossier.ListFilter{Status: dossier.Status(r.URL.Query().Get("status")),
			Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
		if len(fe) > 0 {
			s.fail(w, r, fe)
			return
		}
		list, err := s.cfg.Dossiers.Mine(r.Context(), a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"dossiers": list})
	})
}

func (s *Server) apiDossier() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d, err := s.cfg.Dossiers.Get(r.Context(), a, r.PathValue("ref"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, s.dossierBody(r, a, d))
	})
}

func (s *Server) apiUpdateDossier() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in struct {
			AgencyCode string             `json:"agency_code"`
			Data       map[string]any     `json:"data"`
			Papers     []dossier.PaperRef `json:"papers"`
			Version    int                `json:"version"`
			Submit     bool               `json:"submit"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		d, err := s.cfg.Dossiers.Save(r.Context(), a, r.PathValue("ref"), dossier.Application{
			AgencyCode: in.AgencyCode, Data: in.Data, Papers: in.Papers}, in.Submit, in.Version, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, s.dossierBody(r, a, d))
	})
}

func (s *Server) apiDeleteDossier() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if err := s.cfg.Dossiers.DeleteDraft(r.Context(), a, r.PathValue("ref"), clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// apiAddPapers is POST /api/v1/dossiers/{ref}/papers: files for a draft, in
// multipart parts named "file.<component code>".
func (s *Server) apiAddPapers() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d, err := s.cfg.Dossiers.Get(r.Context(), a, r.PathValue("ref"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Applicant.AccountID != a.ID {
			s.fail(w, r, egov.ErrNotFound)
			return
		}
		_, files, err := s.readMultipart(w, r, a, "")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		refuse := func(err error) { s.discard(r, a, files); s.fail(w, r, err) }
		app := dossier.Application{AgencyCode: d.AgencyCode, Data: d.Data}
		for _, p := range d.Papers {
			app.Papers = append(app.Papers, dossier.PaperRef{Component: p.Component, DocumentID: p.DocumentID})
		}
		for _, f := range files {
			comp, ok := strings.CutPrefix(f.field, "file.")
			if !ok {
				refuse(egov.FieldErrors{f.field: "Tên phần tệp phải là file.<mã thành phần hồ sơ>, ví dụ file.TP1."})
				return
			}
			app.Papers = append(app.Papers, dossier.PaperRef{Component: comp, DocumentID: f.doc.ID})
		}
		if len(files) == 0 {
			s.fail(w, r, egov.FieldErrors{"body": "Chưa có tệp nào được gửi."})
			return
		}
		d, err = s.cfg.Dossiers.Save(r.Context(), a, d.Ref(), app, false, d.Version, clientRequest(r))
		if err != nil {
			refuse(err)
			return
		}
		encode(w, http.StatusOK, s.dossierBody(r, a, d))
	})
}

func (s *Server) apiSubmitDossier() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in struct {
			Version int `json:"version"`
		}
		if r.ContentLength != 0 {
			if err := decodeJSON(w, r, &in); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		d, err := s.cfg.Dossiers.Submit(r.Context(), a, r.PathValue("ref"), in.Version, clientRequest(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, s.dossierBody(r, a, d))
	})
}

func (s *Server) apiWithdrawDossier() http.Handler {
	type withdrawal struct {
		Reason  string `json:"reason"`
		Version int    `json:"version"`
	}
	return jsonAction(s, http.StatusOK, func(r *http.Request, a *identity.Account, in *withdrawal) (any, error) {
		d, err := s.cfg.Dossiers.Withdraw(r.Context(), a, r.PathValue("ref"), in.Reason, in.Version, clientRequest(r))
		if err != nil {
			return nil, err
		}
		return s.dossierBody(r, a, d), nil
	})
}

// apiSupplement is POST /api/v1/dossiers/{ref}/supplement: JSON, or
// multipart with a "supplement" JSON part and "file.<component>" files.
func (s *Server) apiSupplement() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in struct {
			dossier.Supplement
			Version int `json:"version"`
		}
		var files []uploadedFile
		refuse := func(err error) { s.discard(r, a, files); s.fail(w, r, err) }
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			value, uploaded, err := s.readMultipart(w, r, a, "supplement")
			if err != nil {
				s.fail(w, r, err)
				return
			}
			files = uploaded
			if len(value) > 0 {
				dec := json.NewDecoder(strings.NewReader(string(value)))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&in); err != nil {
					refuse(egov.FieldErrors{"supplement": "JSON không hợp lệ: " + err.Error()})
					return
				}
			}
			for _, f := range files {
				comp, ok := strings.CutPrefix(f.field, "file.")
				if !ok {
					refuse(egov.FieldErrors{f.field: "Tên phần tệp phải là file.<mã thành phần hồ sơ>, ví dụ file.TP1."})
					return
				}
				in.Papers = append(in.Papers, dossier.PaperRef{Component: comp, DocumentID: f.doc.ID})
			}
		} else if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		d, err := s.cfg.Dossiers.Supplement(r.Context(), a, r.PathValue("ref"), in.Supplement, in.Version, clientRequest(r))
		if err != nil {
			refuse(err)
			return
		}
		encode(w, http.StatusOK, s.dossierBody(r, a, d))
	})
}

func (s *Server) apiRateDossier() http.Handler {
	type rating struct {
		Score   int    `json:"score"`
		Comment string `json:"comment"`
	}
	return jsonAction(s, http.StatusOK, func(r *http.Request, a *identity.Account, in *rating) (any, error) {
		d, err := s.cfg.Dossiers.Rate(r.Context(), a, r.PathValue("ref"), in.Score, in.Comment, clientRequest(r))
		if err != nil {
			return nil, err
		}
		return s.dossierBody(r, a, d), nil
	})
}

func (s *Server) apiDossierAction() http.Handler {
	return jsonAction(s, http.StatusOK, func(r *http.Request, a *identity.Account, in *dossier.ActionRequest) (any, error) {
		d, err := s.cfg.Dossiers.Act(r.Context(), a, r.PathValue("ref"), *in, clientRequest(r))
		if err != nil {
			return nil, err
		}
		return s.dossierBody(r, a, d), nil
	})
}

// apiDossierResult downloads the result of a dossier.
func (s *Server) apiDossierResult() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d, err := s.cfg.Dossiers.Get(r.Context(), a, r.PathValue("ref"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body := s.dossierBody(r, a, d)
		if body.ResultDocument == nil {
			s.fail(w, r, &dossier.Error{Msg: "Hồ sơ chưa có kết quả điện tử.", Kind: egov.ErrNotFound})
			return
		}
		s.serveDocument(w, r, a, body.ResultDocument.ID)
	})
}

// apiDossierReceipt is the receipt and appointment slip as a PDF.
func (s *Server) apiDossierReceipt() http.Handler {
	return s.dossierPDF("giay-tiep-nhan-", s.cfg.Dossiers.Receipt)
}

// dossierPDF serves a slip of a dossier the caller may read, rendered by
// render and named prefix + code.
func (s *Server) dossierPDF(prefix string, render func(context.Context, *dossier.Dossier) ([]byte, error)) http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d, err := s.cfg.Dossiers.Get(r.Context(), a, r.PathValue("ref"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		pdf, err := render(r.Context(), &d)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", contentDisposition("inline", prefix+d.Code+".pdf"))
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
		w.Write(pdf)
	})
}

// serveDocument sends a document of the personal store that the caller
// may read.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request, a *identity.Account, id int64) {
	doc, f, err := s.cfg.Dossiers.OpenDocument(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	serveFile(w, r, doc.Name, doc.ContentType, doc.CreatedAt, f)
}

// serveFile sends a stored file. Its type is the one detected at upload;
// PDFs and images open in the browser (on a phone too), the rest download;
// nosniff and a sandboxing CSP keep a browser from running anything in it.
func serveFile(w http.ResponseWriter, r *http.Request, name, contentType string, modtime time.Time, f io.ReadSeeker) {
	disposition := "attachment"
	if contentType == "application/pdf" || strings.HasPrefix(contentType, "image/") {
		disposition = "inline"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", contentDisposition(disposition, name))
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", modtime, f)
}

// contentDisposition names a download, with an ASCII fallback for old
// clients and the UTF-8 name for the rest (RFC 6266).
func contentDisposition(kind, name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return mime.FormatMediaType(kind, map[string]string{"filename": ascii}) + "; filename*=UTF-8''" + url.PathEscape(name)
}

func (s *Server) apiUploadDocument() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		_, files, err := s.readMultipart(w, r, a, "")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(files) != 1 {
			s.discard(r, a, files)
			s.fail(w, r, egov.FieldErrors{"file": "Gửi đúng một tệp trong phần tên \"file\"."})
			return
		}
		w.Header().Set("Location", "/api/v1/documents/"+strconv.FormatInt(files[0].doc.ID, 10))
		encode(w, http.StatusCreated, files[0].doc)
	})
}

func (s *Server) apiDocuments() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		docs, err := s.cfg.Dossiers.Documents(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"documents": docs})
	})
}

func (s *Server) apiDocument() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, egov.ErrNotFound)
			return
		}
		s.serveDocument(w, r, a, id)
	})
}

// apiTracking is public: what anyone holding a dossier code may know.
func (s *Server) apiTracking() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := s.cfg.Dossiers.Track(r.Context(), r.PathValue("code"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, t)
	})
}

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

func (s *Server) apiAddWorkingDays() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fe := egov.FieldErrors{}
		from, ok := parseDate(r.URL.Query().Get("from"))
		if !ok {
			fe["from"] = "Ngày bắt đầu theo dạng YYYY-MM-DD, ví dụ 2026-02-13."
		}
		days, err := strconv.Atoi(r.URL.Query().Get("days"))
		if err != nil || days < 0 || days > 3650 {
			fe["days"] = "Số ngày làm việc là số nguyên từ 0 đến 3650."
		}
		if ok && (from.Year() < 2000 || from.Year() > 2100) {
			fe["from"] = "Năm phải từ 2000 đến 2100."
		}
		if len(fe) > 0 {
			s.fail(w, r, fe)
			return
		}
		cal, err := s.cfg.Calendar.Calendar(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]string{"date": cal.AddWorkingDays(from, days).Format("2006-01-02")})
	})
}

func (s *Server) apiHolidays() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		year, err := strconv.Atoi(r.URL.Query().Get("year"))
		if err != nil || year < 2000 || year > 2100 {
			s.fail(w, r, egov.FieldErrors{"year": "Năm là số từ 2000 đến 2100, ví dụ 2026."})
			return
		}
		cal, err := s.cfg.Calendar.Calendar(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		days := cal.Days(year)
		if days == nil {
			days = []calendar.Day{}
		}
		encode(w, http.StatusOK, map[string]any{"year": year, "covered": cal.Covers(year), "days": days})
	})
}

// apiSetCalendarDay is PUT /api/v1/calendar/days/{date}: the system
// administrator amends the holiday table when the government announces a
// change.
func (s *Server) apiSetCalendarDay() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if !a.IsSystemAdmin() {
			s.fail(w, r, egov.ErrForbidden)
			return
		}
		date, ok := parseDate(r.PathValue("date"))
		if !ok {
			s.fail(w, r, egov.FieldErrors{"date": "Ngày theo dạng YYYY-MM-DD."})
			return
		}
		var in struct {
			Kind   calendar.Kind `json:"kind"`
			Name   string        `json:"name"`
			Source string        `json:"source"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		req := clientRequest(r)
		if err := s.cfg.Calendar.SetDay(r.Context(), a.Actor(), req.IP, calendar.Day{Date: date, Kind: in.Kind, Name: in.Name, Source: in.Source}); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) apiResetCalendarDay() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if !a.IsSystemAdmin() {
			s.fail(w, r, egov.ErrForbidden)
			return
		}
		date, ok := parseDate(r.PathValue("date"))
		if !ok {
			s.fail(w, r, egov.FieldErrors{"date": "Ngày theo dạng YYYY-MM-DD."})
			return
		}
		req := clientRequest(r)
		if err := s.cfg.Calendar.ResetDay(r.Context(), a.Actor(), req.IP, date); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// jsonAction answers a signed-in caller's JSON request: it decodes the body
// into an In (unknown fields refused), calls do, and encodes its answer
// with status, or the error do returns.
func jsonAction[In any](s *Server, status int, do func(r *http.Request, a *identity.Account, in *In) (any, error)) http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in In
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := do(r, a, &in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, status, out)
	})
}

// idOf reads a numeric path value; a malformed one names nothing.
func idOf(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s %q: %w", name, r.PathValue(name), egov.ErrNotFound)
	}
	return id, nil
}
