package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/blob"
	"github.com/egov-vn/egov/cabinet"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
)

// postedForm is a multipart form of the portal: its values, and the files
// it carried, already in the caller's document store.
type postedForm struct {
	values map[string][]string
	files  []uploadedFile
	errors egov.FieldErrors // refused files, by input name
}

func (p *postedForm) get(k string) string {
	if v := p.values[k]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

// readPostedForm reads a page's form. Files go to the caller's document
// store as they stream in; a refused file is reported by its input and
// does not stop the rest, so the person fixes everything at once.
func (s *Server) readPostedForm(w http.ResponseWriter, r *http.Request, a *identity.Account) (*postedForm, error) {
	p := &postedForm{values: map[string][]string{}, errors: egov.FieldErrors{}}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return nil, egov.FieldErrors{"body": "Biểu mẫu không hợp lệ."}
		}
		p.values = r.PostForm
		return p, nil
	}
	_, perDossier := s.cfg.Dossiers.Limits()
	r.Body = http.MaxBytesReader(w, r.Body, perDossier+maxMultipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, egov.FieldErrors{"body": "Biểu mẫu không hợp lệ."}
	}
	var valueBytes int
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return p, egov.FieldErrors{"body": fmt.Sprintf("Tổng dung lượng các tệp vượt quá %d MB.", perDossier>>20)}
			}
			return p, egov.FieldErrors{"body": "Biểu mẫu không hợp lệ."}
		}
		name := part.FormName()
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, maxJSONBody+1))
			part.Close()
			valueBytes += len(b)
			if err != nil || valueBytes > maxJSONBody {
				return p, egov.FieldErrors{"body": "Biểu mẫu quá lớn."}
			}
			p.values[name] = append(p.values[name], string(b))
			continue
		}
		doc, created, err := s.cfg.Dossiers.Upload(r.Context(), a, part.FileName(), part, clientRequest(r))
		part.Close()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return p, egov.FieldErrors{"body": fmt.Sprintf("Tổng dung lượng các tệp vượt quá %d MB.", perDossier>>20)}
			}
			if msg := personMessage(err); msg != "" && errors.Is(err, egov.ErrInvalid) {
				p.errors[name] = part.FileName() + ": " + msg
				continue
			}
			return p, err
		}
		p.files = append(p.files, uploadedFile{field: name, doc: doc, created: created})
	}
	return p, nil
}

// formInput is one input of an application form, ready to draw.
type formInput struct {
	Name     string // HTML name, "d.<field>"
	Label    string
	Help     string
	Type     egov.FieldType
	Required bool
	Value    string
	Options  []string
	Error    string
	Fixed    bool // known to the state: shown, not asked (once-only)
	Address  *addressInput
	Columns  []formInput
	Rows     [][]formInput
}

type addressInput struct {
	Detail                      string
	Province, District, Commune string
	Provinces                   []egov.Agency
	Districts                   []egov.Agency
	Communes                    []egov.Agency
}

// paperInput is one component of the dossier: its files and the documents
// of the store that could serve.
type paperInput struct {
	Component egov.Component
	Error     string
	Choices   []docChoice
}

type docChoice struct {
	Doc     dossier.Document
	Checked bool
}

// applyPage is what the application form shows.
type applyPage struct {
	P          egov.Procedure
	Ref        string // the draft being edited, if any
	Version    int
	Provinces  []egov.Agency
	Province   string
	Agencies   []egov.Agency
	AgencyCode string
	Inputs     []formInput
	Papers     []paperInput
	Errors     egov.FieldErrors
	Alert      string
	Notice     string
	MaxFileMB  int64
	Accept     string
}

const acceptTypes = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,application/pdf,image/jpeg,image/png"

// ErrorOrder is the order of the application form: the agency, the fields,
// the papers.
func (p applyPage) ErrorOrder() []string {
	order := []string{"agency_code"}
	for _, in := range p.Inputs {
		order = append(order, "data."+strings.TrimPrefix(in.Name, "d."))
	}
	for _, pi := range p.Papers {
		order = append(order, "papers."+pi.Component.Code)
	}
	return order
}

// agencyChoices lists where a procedure's dossiers may go: the agencies its
// record names, or the agencies of its levels, by province.
func (s *Server) agencyChoices(ctx context.Context, p *egov.Procedure, province string) (provinces, agencies []egov.Agency, err error) {
	for _, ia := range p.ImplementingAgencies {
		if ia.Code == "" {
			continue
		}
		if a, err := s.cfg.Catalog.Agency(ctx, ia.Code); err == nil {
			agencies = append(agencies, a)
		}
	}
	if len(agencies) > 0 {
		return nil, agencies, nil
	}
	if slices.Contains(p.Levels, egov.LevelCentral) {
		central, err := s.cfg.Catalog.Agencies(ctx, catalog.AgencyFilter{Level: egov.LevelCentral, Parent: "-"})
		if err != nil {
			return nil, nil, err
		}
		agencies = append(agencies, central...)
	}
	provinces, err = s.cfg.Catalog.Agencies(ctx, catalog.AgencyFilter{Level: egov.LevelProvince, Parent: "-"})
	if err != nil {
		return nil, nil, err
	}
	if province == "" {
		return provinces, agencies, nil
	}
	prov, err := s.cfg.Catalog.Agency(ctx, province)
	if err != nil || prov.Level != egov.LevelProvince {
		return provinces, agencies, nil
	}
	if slices.Contains(p.Levels, egov.LevelProvince) {
		agencies = append(agencies, prov)
	}
	below, err := s.descendants(ctx, prov.Code, 2)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range below {
		if slices.Contains(p.Levels, a.Level) {
			agencies = append(agencies, a)
		}
	}
	return provinces, agencies, nil
}

// descendants lists the agencies under code, depth levels down.
func (s *Server) descendants(ctx context.Context, code string, depth int) ([]egov.Agency, error) {
	children, err := s.cfg.Catalog.Agencies(ctx, catalog.AgencyFilter{Parent: code})
	if err != nil {
		return nil, err
	}
	out := append([]egov.Agency(nil), children...)
	if depth > 1 {
		for _, c := range children {
			if c.Level == egov.LevelCommune {
				continue
			}
			more, err := s.descendants(ctx, c.Code, depth-1)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
	}
	return out, nil
}

// stringValue shows a stored form value in an input.
func stringValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case map[string]any:
		if t, ok := x["text"].(string); ok {
			return t
		}
	}
	return fmt.Sprint(v)
}

// buildApplyPage draws the form of p with the values of data (as stored,
// or as posted), the errors, and the documents of the caller.
func (s *Server) buildApplyPage(ctx context.Context, a *identity.Account, p egov.Procedure, data map[string]any, posted *postedForm, chosen map[string][]int64, errs egov.FieldErrors) (applyPage, error) {
	page := applyPage{P: p, Errors: errs, Accept: acceptTypes}
	perFile, _ := s.cfg.Dossiers.Limits()
	page.MaxFileMB = perFile >> 20
	var prefilled map[string]any
	if a != nil && a.Kind != identity.KindOfficial {
		prefilled = dossier.Prefilled(p.FormFields, a)
	}
	fieldErr := func(key string) string {
		if errs == nil {
			return ""
		}
		return errs[key]
	}
	var provinces []egov.Agency
	getProvinces := func() ([]egov.Agency, error) {
		if provinces == nil {
			var err error
			provinces, err = s.cfg.Catalog.Agencies(ctx, catalog.AgencyFilter{Level: egov.LevelProvince, Parent: "-"})
			return provinces, err
		}
		return provinces, nil
	}
	for _, f := range p.FormFields {
		in := formInput{Name: "d." + f.Name, Label: f.Label, Help: f.Help, Type: f.Type, Required: f.Required,
			Options: f.Options, Error: fieldErr("data." + f.Name)}
		if v, ok := prefilled[f.Name]; ok {
			in.Fixed, in.Value = true, stringValue(v)
			page.Inputs = append(page.Inputs, in)
			continue
		}
		switch f.Type {
		case egov.FieldAddress:
			ai := &addressInput{}
			if posted != nil {
				ai.Detail, ai.Province = posted.get(in.Name+".detail"), posted.get(in.Name+".province")
				ai.District, ai.Commune = posted.get(in.Name+".district"), posted.get(in.Name+".commune")
			} else if m, ok := data[f.Name].(map[string]any); ok {
				ai.Detail, _ = m["detail"].(string)
				ai.Province, _ = m["province"].(string)
				ai.District, _ = m["district"].(string)
				ai.Commune, _ = m["commune"].(string)
				if ai.Detail == "" && ai.Province == "" {
					ai.Detail, _ = m["text"].(string)
				}
			}
			provs, err := getProvinces()
			if err != nil {
				return page, err
			}
			ai.Provinces = provs
			if ai.Province != "" {
				children, err := s.cfg.Catalog.Agencies(ctx, catalog.AgencyFilter{Parent: ai.Province})
				if err != nil {
					return page, err
				}
				for _, c := range children {
					if c.Level == egov.LevelDistrict {
						ai.Districts = append(ai.Districts, c)
					} else if c.Level == egov.LevelCommune {
						ai.Communes = append(ai.Communes, c)
					}
				}
				if ai.District != "" && len(ai.Districts) > 0 {
					ai.Communes, err = s.cfg.Catalog.Agencies(ctx, catalog.AgencyFilter{Parent: ai.District})
					if err != nil {
						return page, err
					}
				}
			}
			in.Address = ai
		case egov.FieldTable:
			for _, c := range f.Columns {
				in.Columns = append(in.Columns, formInput{Label: c.Label, Type: c.Type, Required: c.Required, Options: c.Options, Help: c.Help})
			}
			var rows []map[string]string
			if posted != nil {
				n, _ := strconv.Atoi(posted.get(in.Name + ".rows"))
				if posted.get("action") == "add_row:"+f.Name {
					n++
				}
				for i := 0; i < min(n, 100); i++ {
					row := map[string]string{}
					for _, c := range f.Columns {
						row[c.Name] = posted.get(fmt.Sprintf("%s.%d.%s", in.Name, i, c.Name))
					}
					rows = append(rows, row)
				}
			} else if list, ok := data[f.Name].([]any); ok {
				for _, r := range list {
					m, _ := r.(map[string]any)
					row := map[string]string{}
					for _, c := range f.Columns {
						row[c.Name] = stringValue(m[c.Name])
					}
					rows = append(rows, row)
				}
			}
			if len(rows) == 0 {
				rows = append(rows, map[string]string{})
			}
			for i, row := range rows {
				var cells []formInput
				for _, c := range f.Columns {
					cells = append(cells, formInput{Name: fmt.Sprintf("%s.%d.%s", in.Name, i, c.Name), Label: c.Label, Type: c.Type,
						Options: c.Options, Value: row[c.Name], Error: fieldErr(fmt.Sprintf("data.%s[%d].%s", f.Name, i, c.Name))})
				}
				in.Rows = append(in.Rows, cells)
			}
		default:
			if posted != nil {
				in.Value = posted.get(in.Name)
			} else {
				in.Value = stringValue(data[f.Name])
			}
		}
		page.Inputs = append(page.Inputs, in)
	}
	var docs []dossier.Document
	if a != nil {
		var err error
		if docs, err = s.cfg.Dossiers.Documents(ctx, a); err != nil {
			return page, err
		}
	}
	for _, c := range p.Components {
		pi := paperInput{Component: c, Error: fieldErr("papers." + c.Code)}
		for _, d := range docs {
			pi.Choices = append(pi.Choices, docChoice{Doc: d, Checked: slices.Contains(chosen[c.Code], d.ID)})
		}
		// The chosen ones first: they are the dossier's papers.
		sort.SliceStable(pi.Choices, func(i, j int) bool { return pi.Choices[i].Checked && !pi.Choices[j].Checked })
		page.Papers = append(page.Papers, pi)
	}
	return page, nil
}

// applicationFromForm reads the application out of a posted form.
func applicationFromForm(p *egov.Procedure, pf *postedForm) (dossier.Application, map[string][]int64) {
	app := dossier.Application{ProcedureCode: p.Code, AgencyCode: pf.get("agency_code"), Data: map[string]any{}}
	for _, f := range p.FormFields {
		name := "d." + f.Name
		switch f.Type {
		case egov.FieldAddress:
			m := map[string]any{}
			for _, k := range []string{"detail", "province", "district", "commune"} {
				if v := pf.get(name + "." + k); v != "" {
					m[k] = v
				}
			}
			if len(m) > 0 {
				app.Data[f.Name] = m
			}
		case egov.FieldTable:
			n, _ := strconv.Atoi(pf.get(name + ".rows"))
			var rows []any
			for i := 0; i < min(n, 100); i++ {
				row := map[string]any{}
				for _, c := range f.Columns {
					if v := pf.get(fmt.Sprintf("%s.%d.%s", name, i, c.Name)); v != "" {
						row[c.Name] = v
					}
				}
				rows = append(rows, row)
			}
			if len(rows) > 0 {
				app.Data[f.Name] = rows
			}
		default:
			if v := pf.get(name); v != "" {
				app.Data[f.Name] = v
			}
		}
	}
	chosen := map[string][]int64{}
	for _, c := range p.Components {
		for _, v := range pf.values["doc."+c.Code] {
			if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && !slices.Contains(chosen[c.Code], id) {
				chosen[c.Code] = append(chosen[c.Code], id)
			}
		}
	}
	for _, f := range pf.files {
		if comp, ok := strings.CutPrefix(f.field, "file."); ok && !slices.Contains(chosen[comp], f.doc.ID) {
			chosen[comp] = append(chosen[comp], f.doc.ID)
		}
	}
	for _, c := range p.Components {
		for _, id := range chosen[c.Code] {
			app.Papers = append(app.Papers, dossier.PaperRef{Component: c.Code, DocumentID: id})
		}
	}
	return app, chosen
}

func (s *Server) onlineProcedure(w http.ResponseWriter, r *http.Request, code string) (egov.Procedure, bool) {
	if !catalog.ValidProcedureCode(code) {
		s.notFound(w, r)
		return egov.Procedure{}, false
	}
	p, err := s.cfg.Catalog.Procedure(r.Context(), code)
	if err != nil {
		s.fail(w, r, err)
		return p, false
	}
	if !p.AllowsOnline() {
		s.errorPage(w, r, http.StatusBadRequest, p.Name, "Thủ tục này chưa cung cấp dịch vụ công trực tuyến: vui lòng nộp hồ sơ trực tiếp hoặc qua bưu chính tại cơ quan giải quyết.")
		return p, false
	}
	return p, true
}

// pageApply is the application form of a procedure (GET) and its
// submission (POST): save as draft, submit, or refresh the pickers.
func (s *Server) pageApply() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if a.Kind == identity.KindOfficial {
			s.forbidden(w, r, "Cán bộ tiếp nhận hồ sơ tại quầy dùng chức năng tiếp nhận của bộ phận một cửa.")
			return
		}
		p, ok := s.onlineProcedure(w, r, r.PathValue("code"))
		if !ok {
			return
		}
		if r.Method == http.MethodGet {
			province := r.URL.Query().Get("tinh")
			page, err := s.buildApplyPage(r.Context(), a, p, nil, nil, nil, nil)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			page.Province, page.AgencyCode = province, r.URL.Query().Get("co_quan")
			if page.Provinces, page.Agencies, err = s.agencyChoices(r.Context(), &p, province); err != nil {
				s.fail(w, r, err)
				return
			}
			s.render(w, r, http.StatusOK, "apply", p.Name, page)
			return
		}
		s.postApplication(w, r, a, p, "", 0)
	})
}

// postApplication handles a posted application form, new (ref "") or a
// draft.
func (s *Server) postApplication(w http.ResponseWriter, r *http.Request, a *identity.Account, p egov.Procedure, ref string, version int) {
	pf, err := s.readPostedForm(w, r, a)
	if err != nil && pf == nil {
		s.fail(w, r, err)
		return
	}
	var alert string
	if err != nil {
		var fe egov.FieldErrors
		if !errors.As(err, &fe) {
			s.fail(w, r, err)
			return
		}
		alert = fe.Error()
	}
	app, chosen := applicationFromForm(&p, pf)
	action := pf.get("action")
	if v, err := strconv.Atoi(pf.get("version")); err == nil {
		version = v
	}
	errs := egov.FieldErrors{}
	for k, v := range pf.errors {
		if comp, ok := strings.CutPrefix(k, "file."); ok {
			k = "papers." + comp
		}
		errs[k] = v
	}
	if action != "refresh" && !strings.HasPrefix(action, "add_row:") && len(errs) == 0 && alert == "" {
		submit := action == "submit"
		var d dossier.Dossier
		if ref == "" {
			d, _, err = s.cfg.Dossiers.Create(r.Context(), a, app, dossier.CreateOptions{Submit: submit, Channel: dossier.ChannelOnline}, clientRequest(r))
		} else {
			d, err = s.cfg.Dossiers.Save(r.Context(), a, ref, app, submit, version, clientRequest(r))
		}
		if err == nil {
			target := "/ho-so/" + d.Ref()
			if submit {
				target += "?da-nop=1"
			} else {
				target += "?da-luu=1"
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		var fe egov.FieldErrors
		switch {
		case errors.As(err, &fe):
			for k, v := range fe {
				errs[k] = v
			}
		case personMessage(err) != "" && !errors.Is(err, egov.ErrNotFound):
			alert = personMessage(err)
		default:
			s.fail(w, r, err)
			return
		}
	}
	page, err := s.buildApplyPage(r.Context(), a, p, nil, pf, chosen, errs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.Ref, page.Version, page.Alert = ref, version, alert
	page.AgencyCode = app.AgencyCode
	page.Province = pf.get("agency_province")
	if page.AgencyCode != "" && page.Province == "" {
		page.Province = s.provinceOf(r.Context(), page.AgencyCode)
	}
	if page.Provinces, page.Agencies, err = s.agencyChoices(r.Context(), &p, page.Province); err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if len(errs) > 0 || alert != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "apply", p.Name, page)
}

// provinceOf returns the province an agency belongs to, or "".
func (s *Server) provinceOf(ctx context.Context, code string) string {
	for depth := 0; depth < 5 && code != ""; depth++ {
		a, err := s.cfg.Catalog.Agency(ctx, code)
		if err != nil {
			return ""
		}
		if a.Level == egov.LevelProvince {
			return a.Code
		}
		code = a.ParentCode
	}
	return ""
}

// pageEditDraft is the application form of a draft.
func (s *Server) pageEditDraft() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d, err := s.cfg.Dossiers.Get(r.Context(), a, r.PathValue("ref"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Applicant.AccountID != a.ID || d.Status != dossier.StatusDraft {
			http.Redirect(w, r, "/ho-so/"+d.Ref(), http.StatusSeeOther)
			return
		}
		p, ok := s.onlineProcedure(w, r, d.ProcedureCode)
		if !ok {
			return
		}
		if r.Method == http.MethodPost {
			s.postApplication(w, r, a, p, d.Ref(), d.Version)
			return
		}
		chosen := map[string][]int64{}
		for _, pp := range d.Papers {
			chosen[pp.Component] = append(chosen[pp.Component], pp.DocumentID)
		}
		page, err := s.buildApplyPage(r.Context(), a, p, d.Data, nil, chosen, nil)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page.Ref, page.Version, page.AgencyCode = d.Ref(), d.Version, d.AgencyCode
		page.Province = r.URL.Query().Get("tinh")
		if page.Province == "" {
			page.Province = s.provinceOf(r.Context(), d.AgencyCode)
		}
		if page.Provinces, page.Agencies, err = s.agencyChoices(r.Context(), &p, page.Province); err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "apply", p.Name, page)
	})
}

// dossierListPage is "my dossiers".
type dossierListPage struct {
	Dossiers []dossier.Dossier
	Status   string
	Statuses []dossier.Status
	Now      time.Time
}

func (s *Server) pageMyDossiers() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		st := dossier.Status(r.URL.Query().Get("trang-thai"))
		if !st.Valid() {
			st = ""
		}
		list, err := s.cfg.Dossiers.Mine(r.Context(), a, dossier.ListFilter{Status: st, Limit: 200})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "dossiers", translate(language(r), "dossiers.title"),
			dossierListPage{Dossiers: list, Status: string(st), Statuses: dossier.Statuses, Now: time.Now()})
	})
}

// dossierPage is the page of one dossier, for its applicant or an official.
type dossierPage struct {
	D           dossier.Dossier
	P           egov.Procedure
	Fields      []shownField
	Components  map[string]string
	Timeliness  string
	Owner       bool
	Actions     []dossier.Action
	Documents   []dossier.Document
	Errors      egov.FieldErrors
	Alert       string
	Notice      string
	Accept      string
	Specialists []identity.Colleague
	Payments    []dossier.Payment
	CanPay      bool // the applicant may pay online now
}

type shownField struct {
	Label string
	Value string
	Rows  [][]string
	Heads []string
}

func shownFields(p *egov.Procedure, data map[string]any) []shownField {
	var out []shownField
	for _, f := range p.FormFields {
		v, ok := data[f.Name]
		if !ok {
			continue
		}
		sf := shownField{Label: f.Label}
		if f.Type == egov.FieldTable {
			for _, c := range f.Columns {
				sf.Heads = append(sf.Heads, c.Label)
			}
			list, _ := v.([]any)
			for _, r := range list {
				m, _ := r.(map[string]any)
				var cells []string
				for _, c := range f.Columns {
					cells = append(cells, stringValue(m[c.Name]))
				}
				sf.Rows = append(sf.Rows, cells)
			}
		} else {
			sf.Value = stringValue(v)
			if f.Type == egov.FieldDate {
				if t, err := time.Parse("2006-01-02", sf.Value); err == nil {
					sf.Value = t.Format("02/01/2006")
				}
			}
		}
		out = append(out, sf)
	}
	return out
}

func (s *Server) dossierPageData(ctx context.Context, a *identity.Account, d dossier.Dossier) (dossierPage, error) {
	page := dossierPage{D: d, Owner: d.Applicant.AccountID == a.ID, Timeliness: dossier.Timeliness(&d, time.Now()),
		Components: map[string]string{}, Accept: acceptTypes}
	p, err := s.cfg.Catalog.Procedure(ctx, d.ProcedureCode)
	if err != nil && !errors.Is(err, egov.ErrNotFound) {
		return page, err
	}
	page.P = p
	for _, c := range p.Components {
		page.Components[c.Code] = c.Name
	}
	page.Fields = shownFields(&p, d.Data)
	if a.Kind == identity.KindOfficial {
		page.Actions = s.cfg.Dossiers.Allowed(ctx, a, &d)
		if slices.Contains(page.Actions, dossier.ActAssign) {
			handler := d.HandlerAgency
			if handler == "" {
				handler = d.AgencyCode
			}
			if page.Specialists, err = s.cfg.Identity.Colleagues(ctx, a, handler, identity.RoleSpecialist); err != nil {
				return page, err
			}
		}
	}
	if page.Owner && d.Status == dossier.StatusSupplement {
		if page.Documents, err = s.cfg.Dossiers.Documents(ctx, a); err != nil {
			return page, err
		}
	}
	// The applicant sees the result once it is handed over, or ready.
	if page.Owner && (d.Status != dossier.StatusDone && d.Status != dossier.StatusReturned || s.cfg.Dossiers.ResultWithheld(&d)) {
		page.D.ResultDocument = nil
	}
	if d.Fee != nil && d.Code != "" {
		if page.Payments, err = s.cfg.Dossiers.PaymentsOf(ctx, &d); err != nil {
			return page, err
		}
		page.CanPay = page.Owner && s.cfg.Dossiers.PaymentsEnabled() && d.AwaitingPayment() &&
			d.Status != dossier.StatusRefused && d.Status != dossier.StatusWithdrawn
	}
	return page, nil
}

func (s *Server) pageDossier() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d, err := s.cfg.Dossiers.Get(r.Context(), a, r.PathValue("ref"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page, err := s.dossierPageData(r.Context(), a, d)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		q := r.URL.Query()
		switch {
		case q.Get("da-nop") != "":
			page.Notice = translate(language(r), "dossier.submitted_notice")
		case q.Get("da-luu") != "":
			page.Notice = translate(language(r), "dossier.saved_notice")
		case q.Get("xong") != "":
			page.Notice = translate(language(r), "dossier.done_notice")
		}
		title := d.ProcedureName
		if d.Code != "" {
			title = d.Code
		}
		s.render(w, r, http.StatusOK, "dossier", title, page)
	})
}

// dossierChange runs a change posted from the dossier page and shows the
// page again: with the errors, or with the new state.
func (s *Server) dossierChange(change func(r *http.Request, a *identity.Account, pf *postedForm) (dossier.Dossier, error)) http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		pf, err := s.readPostedForm(w, r, a)
		if err == nil && len(pf.errors) > 0 {
			err = pf.errors
		}
		var d dossier.Dossier
		if err == nil {
			d, err = change(r, a, pf)
		}
		if err == nil {
			http.Redirect(w, r, "/ho-so/"+d.Ref()+"?xong=1", http.StatusSeeOther)
			return
		}
		if pf != nil {
			s.discard(r, a, pf.files)
		}
		s.dossierPageError(w, r, a, err)
	})
}

func formVersion(pf *postedForm) int {
	v, _ := strconv.Atoi(pf.get("version"))
	return v
}

func (s *Server) pageWithdraw() http.Handler {
	return s.dossierChange(func(r *http.Request, a *identity.Account, pf *postedForm) (dossier.Dossier, error) {
		return s.cfg.Dossiers.Withdraw(r.Context(), a, r.PathValue("ref"), pf.get("reason"), formVersion(pf), clientRequest(r))
	})
}

func (s *Server) pageSupplement() http.Handler {
	return s.dossierChange(func(r *http.Request, a *identity.Account, pf *postedForm) (dossier.Dossier, error) {
		in := dossier.Supplement{Comment: pf.get("comment")}
		for _, f := range pf.files {
			if comp, ok := strings.CutPrefix(f.field, "file."); ok {
				in.Papers = append(in.Papers, dossier.PaperRef{Component: comp, DocumentID: f.doc.ID})
			}
		}
		for k, vs := range pf.values {
			comp, ok := strings.CutPrefix(k, "doc.")
			if !ok {
				continue
			}
			for _, v := range vs {
				if id, err := strconv.ParseInt(v, 10, 64); err == nil {
					in.Papers = append(in.Papers, dossier.PaperRef{Component: comp, DocumentID: id})
				}
			}
		}
		return s.cfg.Dossiers.Supplement(r.Context(), a, r.PathValue("ref"), in, formVersion(pf), clientRequest(r))
	})
}

func (s *Server) pageRate() http.Handler {
	return s.dossierChange(func(r *http.Request, a *identity.Account, pf *postedForm) (dossier.Dossier, error) {
		score, _ := strconv.Atoi(pf.get("score"))
		return s.cfg.Dossiers.Rate(r.Context(), a, r.PathValue("ref"), score, pf.get("comment"), clientRequest(r))
	})
}

func (s *Server) pageDeleteDraft() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if err := s.cfg.Dossiers.DeleteDraft(r.Context(), a, r.PathValue("ref"), clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, "/ho-so", http.StatusSeeOther)
	})
}

// pageAct is an official's action from the dossier page; for approve, the
// signed result comes as a file.
func (s *Server) pageAct() http.Handler {
	return s.dossierChange(func(r *http.Request, a *identity.Account, pf *postedForm) (dossier.Dossier, error) {
		in := dossier.ActionRequest{Action: dossier.Action(pf.get("action")), Comment: pf.get("comment"), Version: formVersion(pf),
			GenerateResult: pf.get("generate_result") != "", ToAgency: pf.get("to_agency"), NewDueDate: pf.get("new_due_date"),
			AtCounter: pf.get("at_counter") != ""}
		for _, f := range pf.files {
			if f.field == "result" {
				in.ResultDocumentID = f.doc.ID
			}
		}
		if id, err := strconv.ParseInt(pf.get("assignee_id"), 10, 64); err == nil {
			in.AssigneeID = id
		}
		return s.cfg.Dossiers.Act(r.Context(), a, r.PathValue("ref"), in, clientRequest(r))
	})
}

func (s *Server) pageDossierReceipt() http.Handler {
	return s.apiDossierReceipt()
}

func (s *Server) pageDossierResult() http.Handler {
	return s.apiDossierResult()
}

// trackPage is the public tracking page.
type trackPage struct {
	Code   string
	T      *dossier.Tracking
	Error  string
	Lookup bool
}

func (s *Server) pageTrack() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := strings.TrimSpace(r.URL.Query().Get("ma"))
		page := trackPage{Code: code}
		status := http.StatusOK
		if code != "" {
			page.Lookup = true
			t, err := s.cfg.Dossiers.Track(r.Context(), code)
			switch {
			case err == nil:
				page.T = &t
			case errors.Is(err, egov.ErrNotFound):
				page.Error = translate(language(r), "track.notfound")
				status = http.StatusNotFound
			case errors.Is(err, egov.ErrInvalid):
				page.Error = translate(language(r), "track.hint")
				status = http.StatusBadRequest
			default:
				s.fail(w, r, err)
				return
			}
		}
		s.render(w, r, status, "track", translate(language(r), "track.title"), page)
	})
}

// documentsPage is the personal document store.
type documentsPage struct {
	Docs      []dossier.Document
	Errors    egov.FieldErrors
	Alert     string
	Notice    string
	Accept    string
	MaxFileMB int64
}

func (s *Server) pageDocuments() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		page := documentsPage{Accept: acceptTypes, Errors: egov.FieldErrors{}}
		perFile, _ := s.cfg.Dossiers.Limits()
		page.MaxFileMB = perFile >> 20
		status := http.StatusOK
		if r.Method == http.MethodPost {
			pf, err := s.readPostedForm(w, r, a)
			if err != nil {
				var fe egov.FieldErrors
				if !errors.As(err, &fe) {
					s.fail(w, r, err)
					return
				}
				page.Errors = fe
			} else {
				page.Errors = pf.errors
				if len(pf.files) == 0 && len(pf.errors) == 0 {
					page.Errors["file"] = translate(language(r), "docs.choose")
				}
			}
			if len(page.Errors) == 0 {
				http.Redirect(w, r, "/kho-giay-to?da-tai=1", http.StatusSeeOther)
				return
			}
			status = http.StatusBadRequest
		}
		if r.URL.Query().Get("da-tai") != "" {
			page.Notice = translate(language(r), "docs.uploaded")
		}
		docs, err := s.cfg.Dossiers.Documents(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page.Docs = docs
		s.render(w, r, status, "documents", translate(language(r), "docs.title"), page)
	})
}

func (s *Server) pageDocument() http.Handler {
	return s.apiDocument()
}

// sizeText writes a file size for people.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.Replace(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".", ",", 1) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " byte"
}

// dossierFuncs are the template functions of the dossier pages.
var dossierFuncs = template.FuncMap{
	"withLangInput": func(lang string, in formInput) map[string]any { return map[string]any{"Lang": lang, "Input": in} },
	"trimD":         func(name string) string { return strings.TrimPrefix(name, "d.") },
	// dataKey turns the input name d.items.0.qty into the error key
	// data.items[0].qty.
	"dataKey": func(name string) string {
		parts := strings.Split(strings.TrimPrefix(name, "d."), ".")
		if len(parts) == 3 {
			return "data." + parts[0] + "[" + parts[1] + "]." + parts[2]
		}
		return "data." + strings.Join(parts, ".")
	},
	"inputType": func(t egov.FieldType) string {
		switch t {
		case egov.FieldDate:
			return "date"
		case egov.FieldEmail:
			return "email"
		case egov.FieldPhone:
			return "tel"
		}
		return "text"
	},
	"inputMode": func(t egov.FieldType) string {
		switch t {
		case egov.FieldNumber:
			return "decimal"
		case egov.FieldIDNumber:
			return "numeric"
		}
		return ""
	},
	"unit": func(name string) string {
		return strings.TrimPrefix(strings.TrimPrefix(name, "Ủy ban nhân dân "), "UBND ")
	},
	"filetype":   blob.TypeName,
	"size":       sizeText,
	"vndate":     func(t any) string { return formatVN(t, "02/01/2006") },
	"vntime":     func(t any) string { return formatVN(t, "15:04 02/01/2006") },
	"status":     func(lang string, st dossier.Status) string { return translate(lang, "status."+string(st)) },
	"actionName": func(a any) string { return upperFirst(dossier.ActionName(dossier.Action(fmt.Sprint(a)))) },
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	},
	"hasAction": func(list []dossier.Action, a string) bool { return slices.Contains(list, dossier.Action(a)) },
	"queues":    func() []dossier.Queue { return dossier.Queues },
	"choices":   func() []string { return []string{"agree", "disagree", "other"} },
	"deref":     func(b *bool) bool { return b != nil && *b },
	"secretaryOf": func(b cabinet.Body, a *identity.Account) bool {
		for _, m := range b.Members {
			if a != nil && m.AccountID == a.ID && m.Role == cabinet.RoleSecretary {
				return true
			}
		}
		return false
	},
	// stepName names a step of the default process in words; a step of
	// an agency's own process shows its name.
	"stepName": func(lang, step string) string {
		if _, ok := messages["step."+step]; ok {
			return translate(lang, "step."+step)
		}
		return step
	},
}

func upperFirst(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// formatVN writes a time in Vietnam's time zone.
func formatVN(t any, layout string) string {
	var v time.Time
	switch x := t.(type) {
	case time.Time:
		v = x
	case *time.Time:
		if x == nil {
			return ""
		}
		v = *x
	default:
		return ""
	}
	return v.In(calendar.Vietnam).Format(layout)
}
