package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/identity"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// localPath returns next if it is a path on this site, else "/": never an
// open redirect to another site. Browsers drop tabs and newlines from a
// Location and read a backslash as a slash, so "/<TAB>/evil.example" and
// "/\\evil.example" are refused too.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	return next
}

// form is what a form page shows: the values typed, the errors by field,
// and a notice.
type form struct {
	Values map[string]string
	Errors egov.FieldErrors
	Notice string
	Alert  string
	Next   string
	Extra  any
	Status int      // the status to answer with, when not the usual
	Order  []string // the form's fields in order, for the error summary
}

// ErrorOrder is the order of the form's fields.
func (f form) ErrorOrder() []string { return f.Order }

func newForm(r *http.Request, keys ...string) form {
	f := form{Values: map[string]string{}, Errors: egov.FieldErrors{}, Order: keys}
	for _, k := range keys {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	return f
}

// formErrors turns a service error into the form's errors; it reports
// false for errors that are not the person's to fix.
func (f *form) absorb(err error) bool {
	var fe egov.FieldErrors
	var ie *identity.Error
	var le *identity.LockedError
	if f.Errors == nil {
		f.Errors = egov.FieldErrors{}
	}
	switch {
	case errors.As(err, &fe):
		for k, v := range fe {
			f.Errors[k] = v
		}
	case errors.As(err, &le):
		f.Alert = le.Error()
		f.Status = http.StatusTooManyRequests
	case errors.As(err, &ie):
		f.Alert = ie.Msg
		switch {
		case errors.Is(err, identity.ErrBadCredentials):
			f.Status = http.StatusUnauthorized
		case errors.Is(err, egov.ErrForbidden):
			f.Status = http.StatusForbidden
		}
	default:
		return false
	}
	return true
}

func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, name, titleKey string, f form) {
	status := http.StatusOK
	if len(f.Errors) > 0 || f.Alert != "" {
		status = http.StatusBadRequest
	}
	if f.Status != 0 {
		status = f.Status
	}
	s.render(w, r, status, name, translate(language(r), titleKey), f)
}

func (s *Server) pageRegister() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			s.renderForm(w, r, "register", "register.title", form{Values: map[string]string{}})
			return
		}
		f := newForm(r, "id_number", "full_name", "date_of_birth", "sex", "phone", "email")
		in := identity.CitizenRegistration{IDNumber: f.Values["id_number"], FullName: f.Values["full_name"],
			DateOfBirth: f.Values["date_of_birth"], Sex: f.Values["sex"], Phone: f.Values["phone"],
			Email: f.Values["email"], Password: r.PostFormValue("password")}
		if r.PostFormValue("password") != r.PostFormValue("password2") {
			// Report every other problem too, not one at a time.
			for k, v := range s.cfg.Identity.CheckCitizen(in) {
				f.Errors[k] = v
			}
			f.Errors["password2"] = "Hai lần nhập mật khẩu không giống nhau."
		}
		if len(f.Errors) == 0 {
			_, err := s.cfg.Identity.RegisterCitizen(r.Context(), in, clientRequest(r))
			if err == nil {
				sess, _, err := s.cfg.Identity.SignIn(r.Context(), in.IDNumber, in.Password, identity.SessionWeb, clientRequest(r))
				if err != nil {
					s.fail(w, r, err)
					return
				}
				setSessionCookie(w, r, sess)
				http.Redirect(w, r, "/tai-khoan?moi=1", http.StatusSeeOther)
				return
			}
			if !f.absorb(err) {
				s.fail(w, r, err)
				return
			}
		}
		s.renderForm(w, r, "register", "register.title", f)
	})
}

func (s *Server) pageSignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			f := form{Values: map[string]string{}, Next: localPath(r.URL.Query().Get("next"))}
			if r.URL.Query().Get("het-han") != "" {
				f.Notice = identity.ErrNoSession.Msg
			}
			f.Extra = s.cfg.OIDC != nil
			s.renderForm(w, r, "signin", "signin.title", f)
			return
		}
		f := newForm(r, "username")
		f.Next = localPath(r.PostFormValue("next"))
		f.Extra = s.cfg.OIDC != nil
		sess, acct, err := s.cfg.Identity.SignIn(r.Context(), f.Values["username"], r.PostFormValue("password"), identity.SessionWeb, clientRequest(r))
		if err != nil {
			if !f.absorb(err) {
				s.fail(w, r, err)
				return
			}
			s.renderForm(w, r, "signin", "signin.title", f)
			return
		}
		setSessionCookie(w, r, sess)
		// An official of a one-stop desk who asked for no page in
		// particular starts where the work is.
		if f.Next == "/" && s.cfg.Dossiers != nil && (acct.HasRole(identity.RoleReceiver) ||
			acct.HasRole(identity.RoleSpecialist) || acct.HasRole(identity.RoleLeader)) {
			f.Next = "/mot-cua"
		}
		http.Redirect(w, r, f.Next, http.StatusSeeOther)
	})
}

func (s *Server) pageSignOut() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(cookieName(r)); err == nil {
			if err := s.cfg.Identity.SignOut(r.Context(), c.Value, clientRequest(r)); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		clearSessionCookie(w, r)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
}

func (s *Server) pageVerifyEmail() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Opening the link shows a button: mail scanners that fetch links
		// must not consume them.
		if r.Method == http.MethodGet {
			s.renderForm(w, r, "verify", "verify.title", form{Values: map[string]string{"token": r.URL.Query().Get("token")}})
			return
		}
		f := newForm(r, "token")
		if _, err := s.cfg.Identity.VerifyEmail(r.Context(), f.Values["token"], clientRequest(r)); err != nil {
			if !f.absorb(err) {
				s.fail(w, r, err)
				return
			}
		} else {
			f.Notice = translate(language(r), "verify.done")
		}
		s.renderForm(w, r, "verify", "verify.title", f)
	})
}

func (s *Server) pageForgotPassword() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			s.renderForm(w, r, "forgot", "forgot.title", form{Values: map[string]string{}})
			return
		}
		f := newForm(r, "username")
		if f.Values["username"] == "" {
			f.Errors["username"] = "Vui lòng nhập số định danh cá nhân, mã số thuế hoặc tên đăng nhập."
		} else if err := s.cfg.Identity.RequestPasswordReset(r.Context(), f.Values["username"], clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		} else {
			f.Notice = translate(language(r), "forgot.sent")
		}
		s.renderForm(w, r, "forgot", "forgot.title", f)
	})
}

func (s *Server) pageResetPassword() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			s.renderForm(w, r, "reset", "reset.title", form{Values: map[string]string{"token": r.URL.Query().Get("token")}})
			return
		}
		f := newForm(r, "token")
		if r.PostFormValue("password") != r.PostFormValue("password2") {
			f.Errors["password2"] = "Hai lần nhập mật khẩu không giống nhau."
		} else if err := s.cfg.Identity.ResetPassword(r.Context(), f.Values["token"], r.PostFormValue("password"), clientRequest(r)); err != nil {
			if !f.absorb(err) {
				s.fail(w, r, err)
				return
			}
		} else {
			f.Notice = translate(language(r), "reset.done")
		}
		s.renderForm(w, r, "reset", "reset.title", f)
	})
}

type accountData struct {
	form
	Account *identity.Account
	Welcome bool
}

func (s *Server) pageAccount() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		d := accountData{form: form{Values: map[string]string{"phone": a.Phone, "email": a.Email, "address": a.Address}, Errors: egov.FieldErrors{}},
			Account: a, Welcome: r.URL.Query().Get("moi") != ""}
		if r.URL.Query().Get("da-luu") != "" {
			d.Notice = translate(language(r), "account.saved")
		}
		s.render(w, r, http.StatusOK, "account", translate(language(r), "account.title"), d)
	})
}

func (s *Server) pageUpdateContact() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		f := newForm(r, "phone", "email", "address")
		_, err := s.cfg.Identity.UpdateContact(r.Context(), a, identity.ContactChange{Phone: f.Values["phone"], Email: f.Values["email"], Address: f.Values["address"]}, clientRequest(r))
		if err == nil {
			http.Redirect(w, r, "/tai-khoan?da-luu=1", http.StatusSeeOther)
			return
		}
		if !f.absorb(err) {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusBadRequest, "account", translate(language(r), "account.title"), accountData{form: f, Account: a})
	})
}

func (s *Server) pageChangePassword() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		f := form{Values: map[string]string{"phone": a.Phone, "email": a.Email, "address": a.Address}, Errors: egov.FieldErrors{}}
		if r.PostFormValue("password") != r.PostFormValue("password2") {
			f.Errors["password2"] = "Hai lần nhập mật khẩu không giống nhau."
		} else if err := s.cfg.Identity.ChangePassword(r.Context(), a, r.PostFormValue("current_password"), r.PostFormValue("password"), clientRequest(r)); err != nil {
			if !f.absorb(err) {
				s.fail(w, r, err)
				return
			}
		} else {
			// Every session ended, this one too: sign in again with the
			// new password.
			sess, _, err := s.cfg.Identity.SignIn(r.Context(), a.Username, r.PostFormValue("password"), identity.SessionWeb, clientRequest(r))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			setSessionCookie(w, r, sess)
			http.Redirect(w, r, "/tai-khoan?da-luu=1", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusBadRequest, "account", translate(language(r), "account.title"), accountData{form: f, Account: a})
	})
}

func (s *Server) pageSignOutEverywhere() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if err := s.cfg.Identity.SignOutEverywhere(r.Context(), a, clientRequest(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		clearSessionCookie(w, r)
		http.Redirect(w, r, "/dang-nhap", http.StatusSeeOther)
	})
}

func (s *Server) pageRegisterBusiness() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		if r.Method == http.MethodGet {
			s.renderForm(w, r, "business", "business.title", form{Values: map[string]string{}})
			return
		}
		f := newForm(r, "tax_code", "name", "address", "phone", "email")
		_, err := s.cfg.Identity.RegisterBusiness(r.Context(), a, identity.BusinessRegistration{TaxCode: f.Values["tax_code"], Name: f.Values["name"],
			Address: f.Values["address"], Phone: f.Values["phone"], Email: f.Values["email"], Password: r.PostFormValue("password")}, clientRequest(r))
		if err == nil {
			f = form{Values: map[string]string{}, Notice: translate(language(r), "business.done")}
		} else if !f.absorb(err) {
			s.fail(w, r, err)
			return
		}
		s.renderForm(w, r, "business", "business.title", f)
	})
}

type officialsData struct {
	form
	Agency    string
	Officials []identity.Account
	Roles     []identity.Role
}

func (s *Server) officialsPage(w http.ResponseWriter, r *http.Request, a *identity.Account, f form, status int) {
	agency := a.AgencyCode
	if q := r.URL.Query().Get("co-quan"); q != "" && a.IsSystemAdmin() {
		agency = q
	}
	list, err := s.cfg.Identity.Officials(r.Context(), a, agency)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Values == nil {
		f.Values = map[string]string{}
		f.Errors = egov.FieldErrors{}
	}
	s.render(w, r, status, "officials", translate(language(r), "officials.title"),
		officialsData{form: f, Agency: agency, Officials: list, Roles: identity.Roles})
}

func (s *Server) pageOfficials() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		f := form{}
		if r.URL.Query().Get("da-luu") != "" {
			f.Notice = translate(language(r), "account.saved")
		}
		s.officialsPage(w, r, a, f, http.StatusOK)
	})
}

func (s *Server) pageAddOfficial() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		f := newForm(r, "username", "full_name", "email", "agency_code")
		r.ParseForm()
		var roles []identity.Role
		for _, v := range r.PostForm["roles"] {
			roles = append(roles, identity.Role(v))
		}
		agency := a.AgencyCode
		if f.Values["agency_code"] != "" && a.IsSystemAdmin() {
			agency = f.Values["agency_code"]
		}
		_, err := s.cfg.Identity.AddOfficial(r.Context(), a, identity.NewOfficial{AgencyCode: agency, Username: f.Values["username"],
			FullName: f.Values["full_name"], Email: f.Values["email"], Roles: roles, Password: r.PostFormValue("password")}, clientRequest(r))
		if err == nil {
			http.Redirect(w, r, "/quan-tri/can-bo?da-luu=1", http.StatusSeeOther)
			return
		}
		if !f.absorb(err) {
			s.fail(w, r, err)
			return
		}
		s.officialsPage(w, r, a, f, http.StatusBadRequest)
	})
}

func (s *Server) pageSetRoles() http.Handler {
	return s.requireAccount(func(w http.ResponseWriter, r *http.Request, a *identity.Account) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.notFound(w, r)
			return
		}
		r.ParseForm()
		var roles []identity.Role
		for _, v := range r.PostForm["roles"] {
			roles = append(roles, identity.Role(v))
		}
		f := form{Values: map[string]string{}, Errors: egov.FieldErrors{}}
		if _, err := s.cfg.Identity.SetRoles(r.Context(), a, id, roles, clientRequest(r)); err != nil {
			if !f.absorb(err) {
				s.fail(w, r, err)
				return
			}
			s.officialsPage(w, r, a, f, http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/quan-tri/can-bo?da-luu=1", http.StatusSeeOther)
	})
}
