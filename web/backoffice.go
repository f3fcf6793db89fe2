package web

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
)

// queueFilter reads a queue's filter from the query string.
func queueFilter(r *http.Request, fe egov.FieldErrors) dossier.QueueFilter {
	q := r.URL.Query()
	return dossier.QueueFilter{Queue: dossier.Queue(q.Get("queue")), Query: q.Get("q"), Procedure: q.Get("procedure"),
		Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
}

// apiAgencyQueue is GET /api/v1/agencies/{code}/dossiers: a queue of the
// dossiers the agency holds, with the count of every queue.
func (s *Server) apiAgencyQueue() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		fe := egov.FieldErrors{}
		f := queueFilter(r, fe)
		if len(fe) > 0 {
			s.fail(w, r, fe)
			return
		}
		view, err := s.cfg.Dossiers.AgencyQueue(r.Context(), a, r.PathValue("code"), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, view)
	})
}

// apiCounterIntake is POST /api/v1/agencies/{code}/dossiers: a receiver
// enters a paper dossier at the desk, as JSON with scans already uploaded
// or as multipart with a "dossier" JSON part and "file.<component>" scans.
func (s *Server) apiCounterIntake() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency := r.PathValue("code")
		if !a.ActsFor(agency, identity.RoleReceiver) {
			s.fail(w, r, &dossier.Error{Msg: "Chỉ cán bộ tiếp nhận của cơ quan tiếp nhận hồ sơ tại quầy.", Kind: egov.ErrForbidden})
			return
		}
		var in dossier.Intake
		var files []uploadedFile
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			value, uploaded, err := s.readMultipart(w, r, a, "dossier")
			if err != nil {
				s.fail(w, r, err)
				return
			}
			files = uploaded
			if len(value) == 0 {
				s.discard(r, a, files)
				s.fail(w, r, egov.FieldErrors{"dossier": "Thiếu phần \"dossier\" chứa hồ sơ dạng JSON."})
				return
			}
			dec := json.NewDecoder(strings.NewReader(string(value)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				s.discard(r, a, files)
				s.fail(w, r, egov.FieldErrors{"dossier": "JSON không hợp lệ: " + err.Error()})
				return
			}
			for _, f := range files {
				comp, ok := strings.CutPrefix(f.field, "file.")
				if !ok {
					s.discard(r, a, files)
					s.fail(w, r, egov.FieldErrors{f.field: "Tên phần tệp phải là file.<mã thành phần hồ sơ>, ví dụ file.TP1."})
					return
				}
				in.Papers = append(in.Papers, dossier.PaperRef{Component: comp, DocumentID: f.doc.ID})
			}
		} else if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		d, replayed, err := s.cfg.Dossiers.Receive(r.Context(), a, agency, in, r.Header.Get("Idempotency-Key"), clientRequest(r))
		if err != nil {
			s.discard(r, a, files)
			s.fail(w, r, err)
			return
		}
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.Header().Set("Location", "/api/v1/dossiers/"+d.Code)
		encode(w, http.StatusCreated, s.dossierBody(r, a, d))
	})
}

// apiAssign is POST /api/v1/agencies/{code}/dossiers/assign: several
// dossiers to one specialist.
func (s *Server) apiAssign() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in struct {
			Codes      []string `json:"codes"`
			AssigneeID int64    `json:"assignee_id"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		agency := r.PathValue("code")
		if !a.ActsFor(agency, identity.RoleReceiver, identity.RoleSpecialist, identity.RoleLeader) {
			s.fail(w, r, egov.ErrForbidden)
			return
		}
		if len(in.Codes) == 0 || len(in.Codes) > 200 {
			s.fail(w, r, egov.FieldErrors{"codes": "Chọn từ 1 đến 200 hồ sơ."})
			return
		}
		failed := s.cfg.Dossiers.AssignMany(r.Context(), a, in.Codes, in.AssigneeID, clientRequest(r))
		out := struct {
			Assigned []string          `json:"assigned"`
			Failed   map[string]string `json:"failed"`
		}{Assigned: []string{}, Failed: map[string]string{}}
		for _, c := range in.Codes {
			if err, ok := failed[c]; ok {
				msg := personMessage(err)
				var fe egov.FieldErrors
				switch {
				case errors.As(err, &fe):
					msg = fe.Error()
				case errors.Is(err, egov.ErrNotFound):
					msg = "Không tìm thấy hồ sơ."
				case msg == "":
					s.internalError(w, r, err)
					return
				}
				out.Failed[c] = msg
				continue
			}
			out.Assigned = append(out.Assigned, c)
		}
		encode(w, http.StatusOK, out)
	})
}

// apiDossierApology is the apology and new appointment letter as a PDF.
func (s *Server) apiDossierApology() http.Handler {
	return s.dossierPDF("phieu-xin-loi-", s.cfg.Dossiers.Apology)
}

// queuePage is the back office's page of an agency's queues.
type queuePage struct {
	View        dossier.QueueView
	Agencies    []egov.Agency // the agencies the caller may pick (system administrators)
	Specialists []identity.Colleague
	AgencyName  string
	Errors      egov.FieldErrors
	Alert       string
	Notice      string
	// MayReconcile: the caller sees the agency's payment reconciliation.
	MayReconcile bool
}

// officialAgency is the agency whose back office the caller sees: theirs,
// or for a system administrator the one asked for.
func officialAgency(r *http.Request, a *identity.Account) string {
	if a.IsSystemAdmin() {
		if c := r.URL.Query().Get("co-quan"); c != "" {
			return c
		}
		if c := r.PostFormValue("co-quan"); c != "" {
			return c
		}
	}
	return a.AgencyCode
}

func (s *Server) pageQueue() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		s.renderQueue(w, r, a, "", nil)
	})
}

func (s *Server) renderQueue(w http.ResponseWriter, r *http.Request, a *identity.Account, notice string, errs egov.FieldErrors) {
	if a.Kind != identity.KindOfficial {
		s.forbidden(w, r, "Trang này dành cho cán bộ bộ phận một cửa.")
		return
	}
	fe := egov.FieldErrors{}
	f := queueFilter(r, fe)
	if len(fe) > 0 {
		s.fail(w, r, fe)
		return
	}
	view, err := s.cfg.Dossiers.AgencyQueue(r.Context(), a, officialAgency(r, a), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n := r.URL.Query().Get("da-giao"); n != "" && notice == "" {
		notice = translate(language(r), "queue.assigned", n)
	}
	page := queuePage{View: view, Notice: notice, Errors: errs, AgencyName: view.Agency,
		MayReconcile: s.cfg.Dossiers.PaymentsEnabled() && mayReconcile(a, view.Agency)}
	if ag, err := s.cfg.Catalog.Agency(r.Context(), view.Agency); err == nil {
		page.AgencyName = ag.Name
	}
	page.Specialists, err = s.cfg.Identity.Colleagues(r.Context(), a, view.Agency, identity.RoleSpecialist)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "queue", translate(language(r), "queue.title"), page)
}

// pageAssign assigns the dossiers ticked in a queue to a specialist.
func (s *Server) pageAssign() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, egov.FieldErrors{"body": "Biểu mẫu không hợp lệ."})
			return
		}
		if a.Kind != identity.KindOfficial {
			s.forbidden(w, r, "Trang này dành cho cán bộ bộ phận một cửa.")
			return
		}
		assignee, _ := strconv.ParseInt(r.PostFormValue("assignee_id"), 10, 64)
		codes := r.PostForm["code"]
		if len(codes) == 0 || assignee == 0 {
			s.renderQueue(w, r, a, "", egov.FieldErrors{"assignee_id": translate(language(r), "queue.assign_choose")})
			return
		}
		failed := s.cfg.Dossiers.AssignMany(r.Context(), a, codes, assignee, clientRequest(r))
		if len(failed) > 0 {
			errs := egov.FieldErrors{}
			for c, err := range failed {
				msg := personMessage(err)
				var fe egov.FieldErrors
				if errors.As(err, &fe) {
					msg = fe.Error()
				}
				if msg == "" {
					msg = translate(language(r), "queue.assign_failed")
				}
				errs["code-"+c] = c + ": " + msg
			}
			s.renderQueue(w, r, a, "", errs)
			return
		}
		http.Redirect(w, r, "/mot-cua?da-giao="+strconv.Itoa(len(codes)), http.StatusSeeOther)
	})
}

// intakePage is the counter intake form.
type intakePage struct {
	Apply  applyPage
	Values map[string]string
	Errors egov.FieldErrors
	Alert  string
	Notice string
}

// pageIntake is the desk's form for a paper dossier (GET) and its
// reception (POST).
func (s *Server) pageIntake() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency := officialAgency(r, a)
		if !a.ActsFor(agency, identity.RoleReceiver) {
			s.forbidden(w, r, "Chỉ cán bộ tiếp nhận của cơ quan tiếp nhận hồ sơ tại quầy.")
			return
		}
		page := intakePage{Values: map[string]string{}, Errors: egov.FieldErrors{}}
		code := strings.TrimSpace(r.URL.Query().Get("thu-tuc"))
		if code == "" {
			s.render(w, r, http.StatusOK, "intake", translate(language(r), "intake.title"), page)
			return
		}
		p, err := s.cfg.Catalog.Procedure(r.Context(), code)
		if errors.Is(err, egov.ErrNotFound) {
			page.Alert = "Không có thủ tục mã " + code + "."
			s.render(w, r, http.StatusNotFound, "intake", translate(language(r), "intake.title"), page)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.Method == http.MethodGet {
			if page.Apply, err = s.buildApplyPage(r.Context(), nil, p, nil, nil, nil, nil); err != nil {
				s.fail(w, r, err)
				return
			}
			s.render(w, r, http.StatusOK, "intake", p.Name, page)
			return
		}
		pf, err := s.readPostedForm(w, r, a)
		if err != nil && pf == nil {
			s.fail(w, r, err)
			return
		}
		if err != nil {
			var fe egov.FieldErrors
			if !errors.As(err, &fe) {
				s.fail(w, r, err)
				return
			}
			page.Alert = fe.Error()
		}
		app, chosen := applicationFromForm(&p, pf)
		in := dossier.Intake{ProcedureCode: p.Code, Data: app.Data, Papers: app.Papers, Applicant: dossier.Applicant{
			Kind: pf.get("applicant.kind"), Name: pf.get("applicant.name"), IDNumber: pf.get("applicant.id_number"),
			Phone: pf.get("applicant.phone"), Email: pf.get("applicant.email"), Address: pf.get("applicant.address")}}
		for _, k := range []string{"applicant.kind", "applicant.name", "applicant.id_number", "applicant.phone", "applicant.email", "applicant.address"} {
			page.Values[k] = pf.get(k)
		}
		for k, v := range pf.errors {
			if comp, ok := strings.CutPrefix(k, "file."); ok {
				k = "papers." + comp
			}
			page.Errors[k] = v
		}
		if len(page.Errors) == 0 && page.Alert == "" {
			d, _, err := s.cfg.Dossiers.Receive(r.Context(), a, agency, in, "", clientRequest(r))
			if err == nil {
				http.Redirect(w, r, "/ho-so/"+d.Code+"?da-nop=1", http.StatusSeeOther)
				return
			}
			var fe egov.FieldErrors
			switch {
			case errors.As(err, &fe):
				for k, v := range fe {
					page.Errors[k] = v
				}
			case personMessage(err) != "" && !errors.Is(err, egov.ErrNotFound):
				page.Alert = personMessage(err)
			default:
				s.fail(w, r, err)
				return
			}
		}
		if page.Apply, err = s.buildApplyPage(r.Context(), a, p, nil, pf, chosen, page.Errors); err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusBadRequest, "intake", p.Name, page)
	})
}
