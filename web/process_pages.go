package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/identity"
)

// The process editor: how an agency handles a procedure's dossiers (steps,
// who acts, how long, and where each action leads), on the API and on a
// page that works without JavaScript. The rules are in dossier.Process.

// stepRoles are the roles that act at a step.
var stepRoles = []identity.Role{identity.RoleReceiver, identity.RoleSpecialist, identity.RoleLeader}

// agencyProcedure returns the procedure code names if agency handles it;
// otherwise it answers 404 and reports false.
func (s *Server) agencyProcedure(w http.ResponseWriter, r *http.Request, code string, agency egov.Agency) (egov.Procedure, bool) {
	if !catalog.ValidProcedureCode(code) {
		s.notFound(w, r)
		return egov.Procedure{}, false
	}
	p, err := s.cfg.Catalog.Procedure(r.Context(), code)
	if err != nil {
		s.fail(w, r, err)
		return p, false
	}
	if !dossier.Receives(&p, agency) {
		msg := translate(language(r), "process.not_handled", agency.Name, p.Code)
		if isAPI(r) {
			writeAPIError(w, http.StatusNotFound, "not_found", msg, nil)
		} else {
			s.errorPage(w, r, http.StatusNotFound, p.Name, msg)
		}
		return p, false
	}
	return p, true
}

// processAnswer is the API's view of the process in force for a procedure
// at an agency.
type processAnswer struct {
	ProcedureCode string          `json:"procedure_code"`
	AgencyCode    string          `json:"agency_code"`
	ProcessID     int64           `json:"process_id"` // 0 for the default
	Default       bool            `json:"default"`
	LegalDays     float64         `json:"legal_days"`
	Process       dossier.Process `json:"process"`
}

func (s *Server) processAnswer(ctx context.Context, p *egov.Procedure, agency string) (processAnswer, error) {
	pr, id, err := s.cfg.Dossiers.Process(ctx, p.Code, agency)
	if err != nil {
		return processAnswer{}, err
	}
	if pr.Steps == nil {
		pr.Steps = []dossier.Step{}
	}
	for i := range pr.Steps {
		if pr.Steps[i].Unit == "" { // the default process says none
			pr.Steps[i].Unit = egov.UnitWorkingDays
		}
	}
	return processAnswer{ProcedureCode: p.Code, AgencyCode: agency, ProcessID: id, Default: id == 0,
		LegalDays: dossier.LegalDays(p), Process: pr}, nil
}

// apiAgencyProcedure resolves the agency and procedure of a process route.
func (s *Server) apiAgencyProcedure(w http.ResponseWriter, r *http.Request) (egov.Procedure, egov.Agency, bool) {
	agency, err := s.cfg.Catalog.Agency(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return egov.Procedure{}, agency, false
	}
	p, ok := s.agencyProcedure(w, r, r.PathValue("procedure"), agency)
	return p, agency, ok
}

// apiProcess is GET /api/v1/agencies/{code}/processes/{procedure}: the
// process in force, for the agency's officials.
func (s *Server) apiProcess() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if !a.ActsFor(r.PathValue("code"), identity.RoleReceiver, identity.RoleSpecialist, identity.RoleLeader, identity.RoleAgencyAdmin) {
			s.fail(w, r, &dossier.Error{Msg: translate(langVI, "process.forbidden_view"), Kind: egov.ErrForbidden})
			return
		}
		p, agency, ok := s.apiAgencyProcedure(w, r)
		if !ok {
			return
		}
		out, err := s.processAnswer(r.Context(), &p, agency.Code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, out)
	})
}

// apiSaveProcess is PUT /api/v1/agencies/{code}/processes/{procedure}: a
// new version of the agency's process, for dossiers submitted from now on.
func (s *Server) apiSaveProcess() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		var in dossier.Process
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		p, agency, ok := s.apiAgencyProcedure(w, r)
		if !ok {
			return
		}
		if _, err := s.cfg.Dossiers.SaveProcess(r.Context(), a, p.Code, agency.Code, in, clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := s.processAnswer(r.Context(), &p, agency.Code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, out)
	})
}

// apiResetProcess is DELETE /api/v1/agencies/{code}/processes/{procedure}:
// back to the default process for new dossiers.
func (s *Server) apiResetProcess() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		p, agency, ok := s.apiAgencyProcedure(w, r)
		if !ok {
			return
		}
		if err := s.cfg.Dossiers.ResetProcess(r.Context(), a, p.Code, agency.Code, clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// processAgency is the agency whose processes the page shows: the
// caller's own, or for a system administrator the one ?co-quan= names.
// Only the agency's administrators and system administrators get it;
// others are answered 403 and it reports false.
func (s *Server) processAgency(w http.ResponseWriter, r *http.Request, a *identity.Account) (egov.Agency, bool) {
	code := a.AgencyCode
	if q := strings.TrimSpace(r.URL.Query().Get("co-quan")); q != "" && a.IsSystemAdmin() {
		code = q
	}
	if code == "" || !a.ActsFor(code, identity.RoleAgencyAdmin) {
		s.forbidden(w, r, translate(language(r), "process.forbidden"))
		return egov.Agency{}, false
	}
	agency, err := s.cfg.Catalog.Agency(r.Context(), code)
	if err != nil {
		s.fail(w, r, err)
		return agency, false
	}
	return agency, true
}

// agencyQuery is the query string that keeps a system administrator on
// another agency's processes.
func agencyQuery(a *identity.Account, agency string) string {
	if a.IsSystemAdmin() && agency != a.AgencyCode {
		return "?co-quan=" + url.QueryEscape(agency)
	}
	return ""
}

// agencyProcedures lists, by code, the procedures whose dossiers agency
// receives: the catalog search narrows the candidates, and the full
// record decides.
func (s *Server) agencyProcedures(ctx context.Context, agency egov.Agency) ([]egov.Procedure, error) {
	queries := []catalog.Query{{Agency: agency.Code}}
	if agency.Level.Valid() {
		// A ministry's search finds only the procedures that name it.
		queries = append(queries, catalog.Query{Level: agency.Level})
	}
	seen := map[string]bool{}
	var out []egov.Procedure
	for _, q := range queries {
		for q.Offset = 0; q.Offset <= catalog.MaxOffset; q.Offset += catalog.MaxPage {
			q.Limit = catalog.MaxPage
			res, err := s.cfg.Catalog.Search(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, it := range res.Items {
				if seen[it.Code] {
					continue
				}
				seen[it.Code] = true
				p, err := s.cfg.Catalog.Procedure(ctx, it.Code)
				if errors.Is(err, egov.ErrNotFound) {
					continue // the index is behind the table
				}
				if err != nil {
					return nil, err
				}
				if p.Status != "repealed" && dossier.Receives(&p, agency) {
					out = append(out, p)
				}
			}
			if q.Offset+q.Limit >= res.Total {
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// processesPage lists the procedures of an agency and their processes.
type processesPage struct {
	Agency egov.Agency
	Query  string // keeps a system administrator on this agency
	Items  []processItem
}

type processItem struct {
	Code, Name string
	Legal      string
	Own        bool
}

func (s *Server) pageProcesses() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency, ok := s.processAgency(w, r, a)
		if !ok {
			return
		}
		procs, err := s.agencyProcedures(r.Context(), agency)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		lang := language(r)
		page := processesPage{Agency: agency, Query: agencyQuery(a, agency.Code)}
		for _, p := range procs {
			_, id, err := s.cfg.Dossiers.Process(r.Context(), p.Code, agency.Code)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			page.Items = append(page.Items, processItem{Code: p.Code, Name: p.Name, Legal: legalText(lang, dossier.LegalDays(&p)), Own: id != 0})
		}
		s.render(w, r, http.StatusOK, "processes", translate(lang, "process.list_title"), page)
	})
}

// number writes a number of days or hours the way the page's language
// does: 0,5 in Vietnamese, 0.5 in English.
func number(lang string, f float64) string {
	s := strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
	if lang == langVI {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// legalText says a legal processing time in days and hours.
func legalText(lang string, days float64) string {
	if days == 0 {
		return translate(lang, "process.same_day")
	}
	return translate(lang, "process.days", number(lang, days), number(lang, days*8))
}

// stepValues are the posted values of one step of the editor: name,
// title, role, time, unit, "act.<action>" ("1" when allowed) and
// "to.<action>" (the target step).
type stepValues map[string]string

func stepValuesOf(lang string, st dossier.Step) stepValues {
	sv := stepValues{"name": st.Name, "title": st.Title, "role": string(st.Role), "time": number(lang, st.Time), "unit": string(st.Unit)}
	if sv["unit"] == "" {
		sv["unit"] = string(egov.UnitWorkingDays)
	}
	for _, t := range st.Actions {
		sv["act."+string(t.Action)] = "1"
		if t.To != "" {
			sv["to."+string(t.Action)] = t.To
		}
	}
	return sv
}

// postedSteps reads the editor's steps from a posted form.
func postedSteps(form url.Values) []stepValues {
	n, _ := strconv.Atoi(form.Get("steps"))
	n = min(max(n, 0), dossier.MaxSteps)
	steps := make([]stepValues, 0, n)
	for i := range n {
		prefix := fmt.Sprintf("steps[%d].", i)
		sv := stepValues{}
		for _, k := range []string{"name", "title", "role", "time", "unit"} {
			sv[k] = strings.TrimSpace(form.Get(prefix + k))
		}
		for _, a := range dossier.ProcessActions {
			if form.Get(prefix+"act."+string(a)) != "" {
				sv["act."+string(a)] = "1"
			}
			if dossier.Moves(a) {
				sv["to."+string(a)] = strings.TrimSpace(form.Get(prefix + "to." + string(a)))
			}
		}
		steps = append(steps, sv)
	}
	return steps
}

// processOf builds the process the editor's steps describe; the errors
// are the values it could not read (a time that is not a number).
func processOf(lang string, steps []stepValues) (dossier.Process, egov.FieldErrors) {
	pr := dossier.Process{Steps: []dossier.Step{}}
	fe := egov.FieldErrors{}
	for i, sv := range steps {
		st := dossier.Step{Name: sv["name"], Title: sv["title"], Role: identity.Role(sv["role"]), Unit: egov.TimeUnit(sv["unit"])}
		if st.Unit == "" {
			st.Unit = egov.UnitWorkingDays
		}
		if t := sv["time"]; t != "" {
			f, err := strconv.ParseFloat(strings.Replace(t, ",", ".", 1), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				fe[fmt.Sprintf("steps[%d].time", i)] = translate(lang, "process.bad_time")
			} else {
				st.Time = f
			}
		}
		for _, a := range dossier.ProcessActions {
			if sv["act."+string(a)] == "" {
				continue
			}
			t := dossier.Transition{Action: a}
			if dossier.Moves(a) {
				t.To = sv["to."+string(a)]
			}
			st.Actions = append(st.Actions, t)
		}
		pr.Steps = append(pr.Steps, st)
	}
	return pr, fe
}

var transitionKey = regexp.MustCompile(`^steps\[(\d+)\]\.actions\[(\d+)\]\.(action|to)$`)

// editorErrors puts the errors of dossier.Process.Validate on the
// editor's inputs: an action's error by its position in the step goes to
// the action's checkbox, or to its target step.
func editorErrors(fe egov.FieldErrors, pr dossier.Process) egov.FieldErrors {
	out := egov.FieldErrors{}
	for k, v := range fe {
		if m := transitionKey.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[1])
			j, _ := strconv.Atoi(m[2])
			if i < len(pr.Steps) && j < len(pr.Steps[i].Actions) {
				a := pr.Steps[i].Actions[j].Action
				if m[3] == "to" && dossier.Moves(a) {
					k = fmt.Sprintf("steps[%d].to.%s", i, a)
				} else {
					k = fmt.Sprintf("steps[%d].act.%s", i, a)
				}
			} else {
				k = fmt.Sprintf("steps[%d].actions", i)
			}
		}
		if old, ok := out[k]; ok {
			v = old + " " + v
		}
		out[k] = v
	}
	return out
}

// processPage is the process editor.
type processPage struct {
	form
	P         egov.Procedure
	Agency    egov.Agency
	Self      string // this page's address, with the agency of a system administrator
	List      string // the agency's list of processes
	ProcessID int64
	Steps     []stepView
	Summary   []fieldError // the errors in the order of the page
	Legal     string
	Total     string
	Over      bool
	CanAdd    bool
}

type fieldError struct{ Key, Message string }

type stepView struct {
	Index, Number int
	Prefix        string // "steps[0]"
	Legend        string
	Roles, Units  []option
	Actions       []transitionView
}

type transitionView struct {
	Key     string // "steps[0].act.receive"; the target is "steps[0].to.receive"
	ToKey   string
	Label   string
	ToLabel string
	Checked bool
	Moves   bool
	Targets []option
	Error   string
	ToError string
}

// buildProcessPage draws the editor for steps, with errors.
func buildProcessPage(lang string, p egov.Procedure, steps []stepValues, errs egov.FieldErrors) processPage {
	page := processPage{P: p, form: form{Values: map[string]string{}, Errors: errs}, CanAdd: len(steps) < dossier.MaxSteps}
	if page.Errors == nil {
		page.Errors = egov.FieldErrors{}
	}
	var targets []option
	for _, sv := range steps {
		if sv["name"] != "" {
			label := sv["name"]
			if sv["title"] != "" {
				label = sv["title"] + " (" + sv["name"] + ")"
			}
			targets = append(targets, option{Value: sv["name"], Label: label})
		}
	}
	addError := func(key string) {
		if msg, ok := page.Errors[key]; ok {
			page.Summary = append(page.Summary, fieldError{key, msg})
		}
	}
	addError("steps")
	for i, sv := range steps {
		prefix := fmt.Sprintf("steps[%d]", i)
		for k, v := range sv {
			page.Values[prefix+"."+k] = v
		}
		v := stepView{Index: i, Number: i + 1, Prefix: prefix, Legend: translate(lang, "process.step", i+1)}
		if sv["title"] != "" {
			v.Legend += ": " + sv["title"]
		}
		for _, r := range stepRoles {
			v.Roles = append(v.Roles, option{string(r), translate(lang, "role."+string(r)), sv["role"] == string(r)})
		}
		for _, u := range []egov.TimeUnit{egov.UnitWorkingDays, egov.UnitHours} {
			v.Units = append(v.Units, option{string(u), translate(lang, "unit."+string(u)), sv["unit"] == string(u)})
		}
		for _, k := range []string{"title", "name", "role", "time", "unit", "actions"} {
			addError(prefix + "." + k)
		}
		for _, a := range dossier.ProcessActions {
			t := transitionView{Key: prefix + ".act." + string(a), ToKey: prefix + ".to." + string(a),
				Label: translate(lang, "process.action."+string(a)), Checked: sv["act."+string(a)] != "", Moves: dossier.Moves(a)}
			t.ToLabel = translate(lang, "process.to", t.Label)
			t.Error, t.ToError = page.Errors[t.Key], page.Errors[t.ToKey]
			addError(t.Key)
			if t.Moves {
				addError(t.ToKey)
				for _, o := range targets {
					if o.Value != sv["name"] {
						t.Targets = append(t.Targets, option{o.Value, o.Label, o.Value == sv["to."+string(a)]})
					}
				}
			}
			v.Actions = append(v.Actions, t)
		}
		page.Steps = append(page.Steps, v)
	}
	// Anything left, such as the agency, in a stable order.
	listed := map[string]bool{}
	for _, e := range page.Summary {
		listed[e.Key] = true
	}
	var rest []string
	for k := range page.Errors {
		if !listed[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		addError(k)
	}
	pr, _ := processOf(lang, steps)
	var hours float64
	for _, st := range pr.Steps {
		hours += st.Hours()
	}
	legal := dossier.LegalDays(&p)
	page.Legal = legalText(lang, legal)
	page.Total = translate(lang, "process.days", number(lang, hours/8), number(lang, hours))
	limit := legal * 8
	if limit == 0 {
		limit = 8 // "within the working day"
	}
	page.Over = hours > limit+1e-9
	return page
}

// pageProcess is the process editor of a procedure (GET) and its buttons
// (POST): add or remove a step, which only draws the form again; save;
// go back to the default process.
func (s *Server) pageProcess() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		agency, ok := s.processAgency(w, r, a)
		if !ok {
			return
		}
		p, ok := s.agencyProcedure(w, r, r.PathValue("procedure"), agency)
		if !ok {
			return
		}
		lang := language(r)
		self := "/quan-tri/quy-trinh/" + p.Code + agencyQuery(a, agency.Code)
		back := func(flag string) {
			sep := "?"
			if strings.Contains(self, "?") {
				sep = "&"
			}
			http.Redirect(w, r, self+sep+flag+"=1", http.StatusSeeOther)
		}
		current, id, err := s.cfg.Dossiers.Process(r.Context(), p.Code, agency.Code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var steps []stepValues
		var errs egov.FieldErrors
		var notice, alert string
		status := http.StatusOK
		if r.Method == http.MethodGet {
			for _, st := range current.Steps {
				steps = append(steps, stepValuesOf(lang, st))
			}
			switch q := r.URL.Query(); {
			case q.Get("da-luu") != "":
				notice = translate(lang, "process.saved")
			case q.Get("mac-dinh") != "":
				notice = translate(lang, "process.reset_done")
			}
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
			if err := r.ParseForm(); err != nil {
				s.fail(w, r, egov.FieldErrors{"body": "Biểu mẫu không hợp lệ."})
				return
			}
			steps = postedSteps(r.PostForm)
			action := r.PostFormValue("action")
			switch {
			case action == "add_step":
				if len(steps) < dossier.MaxSteps {
					steps = append(steps, stepValues{"role": string(identity.RoleSpecialist), "unit": string(egov.UnitWorkingDays), "time": "0"})
					notice = translate(lang, "process.added", len(steps))
				} else {
					alert = translate(lang, "process.max_steps", dossier.MaxSteps)
					status = http.StatusBadRequest
				}
			case strings.HasPrefix(action, "remove_step:"):
				if n, err := strconv.Atoi(strings.TrimPrefix(action, "remove_step:")); err == nil && n >= 0 && n < len(steps) {
					steps = slices.Delete(steps, n, n+1)
					notice = translate(lang, "process.removed", n+1)
				}
			case action == "reset":
				if err := s.cfg.Dossiers.ResetProcess(r.Context(), a, p.Code, agency.Code, clientRequest(r)); err != nil {
					s.fail(w, r, err)
					return
				}
				back("mac-dinh")
				return
			default: // "save", and Enter in a text box
				pr, bad := processOf(lang, steps)
				if len(bad) == 0 {
					_, err := s.cfg.Dossiers.SaveProcess(r.Context(), a, p.Code, agency.Code, pr, clientRequest(r))
					var fe egov.FieldErrors
					switch {
					case err == nil:
						back("da-luu")
						return
					case errors.As(err, &fe):
						errs = editorErrors(fe, pr)
					default:
						s.fail(w, r, err)
						return
					}
				} else {
					// Report every problem at once, not only the unreadable times.
					errs = editorErrors(pr.Validate(&p), pr)
					for k, v := range bad {
						errs[k] = v
					}
				}
				status = http.StatusBadRequest
			}
		}
		page := buildProcessPage(lang, p, steps, errs)
		page.Agency, page.Self, page.ProcessID = agency, self, id
		page.List = "/quan-tri/quy-trinh" + agencyQuery(a, agency.Code)
		page.Notice, page.Alert = notice, alert
		if r.Method == http.MethodPost && notice != "" {
			page.Notice += " " + translate(lang, "process.unsaved")
		}
		s.render(w, r, status, "process", translate(lang, "process.title")+": "+p.Name, page)
	})
}
