package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/store"
)

// RequestPasswordReset e-mails a reset link to the account named by
// username (ID number, tax code or user name) if it has a verified address.
// It says nothing either way, so that nobody learns who has an account.
func (s *Service) RequestPasswordReset(ctx context.Context, username string, req Request) error {
	username = strings.TrimSpace(username)
	if id := NormalizeIDNumber(username); len(id) == 12 && strings.Trim(id, "0123456789") == "" {
		username = id
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := s.accountWhere(ctx, tx, `a.username = $1`, username)
		if errors.Is(err, egov.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !a.EmailVerified || a.Disabled {
			return nil
		}
		token, hash, err := newToken()
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_tokens (token_hash, account_id, purpose, email, created_at, expires_at)
			VALUES ($1, $2, 'reset', $3, $4, $5)`, hash, a.ID, a.Email, now, now.Add(time.Hour)); err != nil {
			return fmt.Errorf("reset link: %w", err)
		}
		if err := s.record(ctx, tx, &a, req, "account.password_reset_requested", fmt.Sprintf("account:%d", a.ID), a.AgencyCode, nil); err != nil {
			return err
		}
		return s.sendEmail(ctx, tx, notify.Email{
			To:      a.Email,
			Subject: "Đặt lại mật khẩu tài khoản Dịch vụ công",
			Text: fmt.Sprintf("Xin chào %s,\n\nĐể đặt mật khẩu mới, hãy mở liên kết sau (có hiệu lực 1 giờ, dùng được một lần):\n\n%s/dat-lai-mat-khau?token=%s\n\nNếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không thay đổi.\n",
				a.FullName, s.cfg.PublicURL, token),
		})
	})
}

// ResetPassword sets a new password with a reset link and ends every
// session of the account: whoever knew the old password is signed out.
func (s *Service) ResetPassword(ctx context.Context, token, password string, req Request) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, _, err := s.useEmailToken(ctx, tx, token, "reset")
		if err != nil {
			return err
		}
		a, err := s.accountWhere(ctx, tx, `a.id = $1`, id)
		if err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, &a, password); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE key = $1`, "account:"+a.Username); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		return s.record(ctx, tx, &a, req, "account.password_reset", fmt.Sprintf("account:%d", a.ID), a.AgencyCode, nil)
	})
}

func (s *Service) setPassword(ctx context.Context, tx *sql.Tx, a *Account, password string) error {
	if err := CheckPassword(password, a.Username, a.Phone, strings.Split(a.Email, "@")[0], foldName(a.FullName)); err != nil {
		return egov.FieldErrors{"password": err.Error()}
	}
	hash, err := hashPassword(password, s.cfg.Argon2)
	if err != nil {
		return err
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, now, a.ID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL`, now, a.ID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// ChangePassword replaces actor's password after checking the current one,
// and ends every session: the caller opens a new one.
func (s *Service) ChangePassword(ctx context.Context, actor *Account, current, password string, req Request) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var hash string
		if err := tx.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE id = $1`, actor.ID).Scan(&hash); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if ok, _ := checkPassword(current, hash); !ok {
			return egov.FieldErrors{"current_password": "Mật khẩu hiện tại không đúng."}
		}
		if err := s.setPassword(ctx, tx, actor, password); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, req, "account.password_changed", fmt.Sprintf("account:%d", actor.ID), actor.AgencyCode, nil)
	})
}

// ContactChange is new contact data; empty fields are left as they are.
type ContactChange struct {
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Address string `json:"address"`
}

// UpdateContact changes actor's phone, e-mail or address. A new e-mail
// address is unverified until its link is opened.
func (s *Service) UpdateContact(ctx context.Context, actor *Account, in ContactChange, req Request) (Account, error) {
	fe := egov.FieldErrors{}
	phone := actor.Phone
	if strings.TrimSpace(in.Phone) != "" {
		p, err := NormalizePhone(in.Phone)
		if err != nil {
			fe["phone"] = err.Error()
		}
		phone = p
	}
	email := actor.Email
	if strings.TrimSpace(in.Email) != "" {
		email = validEmail(fe, "email", in.Email, true)
	}
	address := actor.Address
	if a := strings.TrimSpace(in.Address); a != "" {
		if len([]rune(a)) > 300 {
			fe["address"] = "Địa chỉ dài quá 300 ký tự."
		}
		address = a
	}
	if len(fe) > 0 {
		return Account{}, fe
	}
	var out Account
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		emailChanged := email != actor.Email
		q := `UPDATE accounts SET phone = $1, email = $2, address = $3, updated_at = $4 WHERE id = $5`
		if emailChanged {
			q = `UPDATE accounts SET phone = $1, email = $2, address = $3, updated_at = $4, email_verified_at = NULL WHERE id = $5`
		}
		if _, err := tx.ExecContext(ctx, q, phone, email, address, now, actor.ID); err != nil {
			return fmt.Errorf("update contact: %w", err)
		}
		var err error
		if out, err = s.accountWhere(ctx, tx, `a.id = $1`, actor.ID); err != nil {
			return err
		}
		changes := map[string]any{}
		if phone != actor.Phone {
			changes["phone"] = true
		}
		if emailChanged {
			changes["email"] = true
		}
		if address != actor.Address {
			changes["address"] = true
		}
		if err := s.record(ctx, tx, actor, req, "account.contact_changed", fmt.Sprintf("account:%d", actor.ID), actor.AgencyCode, changes); err != nil {
			return err
		}
		if emailChanged {
			return s.sendVerification(ctx, tx, &out, email)
		}
		return nil
	})
	return out, err
}

// BusinessRegistration is what a business gives to open an account. Its
// representative is the citizen who registers it.
type BusinessRegistration struct {
	TaxCode  string `json:"tax_code"`
	Name     string `json:"name"`
	Address  string `json:"address"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// RegisterBusiness opens a business account represented by actor, a
// citizen with an account.
func (s *Service) RegisterBusiness(ctx context.Context, actor *Account, in BusinessRegistration, req Request) (Account, error) {
	if actor == nil || actor.Kind != KindCitizen {
		return Account{}, &Error{Msg: "Doanh nghiệp phải do người đại diện là công dân có tài khoản đăng ký. Hãy đăng nhập bằng tài khoản công dân.", Kind: egov.ErrForbidden}
	}
	fe := egov.FieldErrors{}
	taxCode := NormalizeTaxCode(in.TaxCode)
	if err := ValidateTaxCode(taxCode); err != nil {
		fe["tax_code"] = err.Error()
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	if name == "" || len([]rune(name)) > 300 {
		fe["name"] = "Vui lòng nhập tên doanh nghiệp (tối đa 300 ký tự)."
	}
	address := strings.TrimSpace(in.Address)
	if address == "" {
		fe["address"] = "Vui lòng nhập địa chỉ trụ sở."
	}
	phone, err := NormalizePhone(in.Phone)
	if err != nil {
		fe["phone"] = err.Error()
	}
	email := validEmail(fe, "email", in.Email, true)
	if err := CheckPassword(in.Password, taxCode, phone, strings.Split(email, "@")[0]); err != nil {
		fe["password"] = err.Error()
	}
	if len(fe) > 0 {
		return Account{}, fe
	}
	hash, err := hashPassword(in.Password, s.cfg.Argon2)
	if err != nil {
		return Account{}, err
	}
	var a Account
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts (kind, username, full_name, phone, email, address, password_hash, representative_id, created_at, updated_at)
			VALUES ('business', $1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			taxCode, name, phone, email, address, hash, actor.ID, s.now()).Scan(&id)
		if store.IsUniqueViolation(err) {
			return egov.FieldErrors{"tax_code": "Mã số thuế này đã có tài khoản doanh nghiệp."}
		}
		if err != nil {
			return fmt.Errorf("register business: %w", err)
		}
		if a, err = s.accountWhere(ctx, tx, `a.id = $1`, id); err != nil {
			return err
		}
		if err := s.record(ctx, tx, actor, req, "account.created", fmt.Sprintf("account:%d", id), "", map[string]any{"kind": "business", "tax_code": taxCode}); err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, &a, email)
	})
	return a, err
}

var usernameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,39}$`)

// NewOfficial is an official to create.
type NewOfficial struct {
	AgencyCode string `json:"agency_code"`
	Username   string `json:"username"`
	FullName   string `json:"full_name"`
	Email      string `json:"email"`
	Roles      []Role `json:"roles"`
	Password   string `json:"password"`
}

// AddOfficial creates an official of an agency. actor must administer that
// agency, or the platform; a nil actor is the operator at the command line.
// Only a system administrator grants the system administrator role.
func (s *Service) AddOfficial(ctx context.Context, actor *Account, in NewOfficial, req Request) (Account, error) {
	if actor != nil && !actor.ActsFor(in.AgencyCode, RoleAgencyAdmin) {
		return Account{}, &Error{Msg: "Chỉ quản trị viên của cơ quan mới được thêm cán bộ cho cơ quan đó.", Kind: egov.ErrForbidden}
	}
	fe := egov.FieldErrors{}
	username := strings.ToLower(strings.TrimSpace(in.Username))
	if !usernameRE.MatchString(username) {
		fe["username"] = "Tên đăng nhập gồm 3–40 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới, bắt đầu bằng chữ."
	}
	name := validName(fe, "full_name", in.FullName)
	email := validEmail(fe, "email", in.Email, false)
	if err := checkRoles(actor, in.Roles); err != nil {
		var rfe egov.FieldErrors
		if !errors.As(err, &rfe) {
			return Account{}, err
		}
		fe["roles"] = rfe["roles"]
	}
	if err := CheckPassword(in.Password, username, strings.Split(email, "@")[0], foldName(name)); err != nil {
		fe["password"] = err.Error()
	}
	if len(fe) > 0 {
		return Account{}, fe
	}
	hash, err := hashPassword(in.Password, s.cfg.Argon2)
	if err != nil {
		return Account{}, err
	}
	var a Account
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM agencies WHERE code = $1`, in.AgencyCode).Scan(&exists); err != nil {
			return fmt.Errorf("add official: %w", err)
		}
		if exists == 0 {
			return egov.FieldErrors{"agency_code": fmt.Sprintf("Không có cơ quan mã %q.", in.AgencyCode)}
		}
		var id int64
		now := s.now()
		var verified any
		if email != "" {
			verified = now // set by the administrator, who vouches for it
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts (kind, username, full_name, email, email_verified_at, password_hash, agency_code, created_at, updated_at)
			VALUES ('official', $1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			username, name, email, verified, hash, in.AgencyCode, now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return egov.FieldErrors{"username": "Tên đăng nhập này đã được dùng."}
		}
		if err != nil {
			return fmt.Errorf("add official: %w", err)
		}
		if err := setRoles(ctx, tx, id, in.Roles); err != nil {
			return err
		}
		if a, err = s.accountWhere(ctx, tx, `a.id = $1`, id); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, req, "official.created", fmt.Sprintf("account:%d", id), in.AgencyCode,
			map[string]any{"username": username, "roles": in.Roles})
	})
	return a, err
}

// checkRoles refuses an empty or unknown role, and the system administrator
// role granted by anyone but a system administrator (a nil actor is the
// operator at the command line).
func checkRoles(actor *Account, roles []Role) error {
	if len(roles) == 0 {
		return egov.FieldErrors{"roles": "Cần ít nhất một vai trò."}
	}
	for _, r := range roles {
		if !r.Valid() {
			return egov.FieldErrors{"roles": fmt.Sprintf("Vai trò %q không hợp lệ.", r)}
		}
		if r == RoleSystemAdmin && actor != nil && !actor.IsSystemAdmin() {
			return &Error{Msg: "Chỉ quản trị hệ thống mới được cấp vai trò quản trị hệ thống.", Kind: egov.ErrForbidden}
		}
	}
	return nil
}

func setRoles(ctx context.Context, tx *sql.Tx, id int64, roles []Role) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM account_roles WHERE account_id = $1`, id); err != nil {
		return fmt.Errorf("set roles: %w", err)
	}
	seen := map[Role]bool{}
	for _, r := range roles {
		if seen[r] {
			continue
		}
		seen[r] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_roles (account_id, role) VALUES ($1, $2)`, id, string(r)); err != nil {
			return fmt.Errorf("set roles: %w", err)
		}
	}
	return nil
}

// SetRoles replaces the roles of an official, under the same rules as
// AddOfficial. An administrator cannot remove their own administrator role,
// so that an agency is never left without one by mistake.
func (s *Service) SetRoles(ctx context.Context, actor *Account, officialID int64, roles []Role, req Request) (Account, error) {
	var out Account
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		o, err := s.accountWhere(ctx, tx, `a.id = $1`, officialID)
		if err != nil {
			return err
		}
		if o.Kind != KindOfficial || (actor != nil && !actor.ActsFor(o.AgencyCode, RoleAgencyAdmin)) {
			// Not "forbidden": an official of another agency is none of
			// the actor's business, not even its existence.
			return fmt.Errorf("official %d: %w", officialID, egov.ErrNotFound)
		}
		if err := checkRoles(actor, roles); err != nil {
			return err
		}
		if actor != nil && actor.ID == o.ID && o.HasRole(RoleAgencyAdmin) {
			keeps := false
			for _, r := range roles {
				keeps = keeps || r == RoleAgencyAdmin || r == RoleSystemAdmin
			}
			if !keeps {
				return &Error{Msg: "Bạn không thể tự bỏ vai trò quản trị của mình; hãy nhờ một quản trị viên khác.", Kind: egov.ErrForbidden}
			}
		}
		if err := setRoles(ctx, tx, o.ID, roles); err != nil {
			return err
		}
		if out, err = s.accountWhere(ctx, tx, `a.id = $1`, o.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, req, "official.roles_changed", fmt.Sprintf("account:%d", o.ID), o.AgencyCode,
			map[string]any{"before": o.Roles, "after": out.Roles})
	})
	return out, err
}

// Officials lists the officials of an agency that actor administers.
func (s *Service) Officials(ctx context.Context, actor *Account, agency string) ([]Account, error) {
	if !actor.ActsFor(agency, RoleAgencyAdmin) {
		return nil, &Error{Msg: "Chỉ quản trị viên của cơ quan mới xem được danh sách cán bộ.", Kind: egov.ErrForbidden}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.kind = 'official' AND a.agency_code = $1 ORDER BY a.username`, agency)
	if err != nil {
		return nil, fmt.Errorf("list officials: %w", err)
	}
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list officials: %w", err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list officials: %w", err)
	}
	for i := range out {
		if err := s.loadRoles(ctx, s.db, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Colleague is an official as the others of their agency see them: enough
// to give them a dossier.
type Colleague struct {
	ID       int64  `json:"id"`
	FullName string `json:"full_name"`
	Username string `json:"username"`
}

// Colleagues lists the active officials of agency who hold role, for an
// official of that agency (to assign dossiers to a specialist, say).
func (s *Service) Colleagues(ctx context.Context, actor *Account, agency string, role Role) ([]Colleague, error) {
	if !actor.ActsFor(agency, RoleReceiver, RoleSpecialist, RoleLeader, RoleAgencyAdmin) {
		return nil, &Error{Msg: "Chỉ cán bộ của cơ quan xem được danh sách cán bộ.", Kind: egov.ErrForbidden}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.full_name, a.username FROM accounts a
		JOIN account_roles r ON r.account_id = a.id AND r.role = $2
		WHERE a.kind = 'official' AND a.agency_code = $1 AND a.disabled_at IS NULL ORDER BY a.full_name, a.id`, agency, string(role))
	if err != nil {
		return nil, fmt.Errorf("list colleagues: %w", err)
	}
	defer rows.Close()
	var out []Colleague
	for rows.Next() {
		var c Colleague
		if err := rows.Scan(&c.ID, &c.FullName, &c.Username); err != nil {
			return nil, fmt.Errorf("list colleagues: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
