package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/store"
)

// Config tunes the identity service.
type Config struct {
	// PublicURL is where citizens reach the portal, for links in e-mails
	// (https://dichvucong.example.gov.vn).
	PublicURL string
	// SessionIdle and SessionAbsolute end a web session after that long
	// without a request, or after that long in all.
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	// TokenLifetime is how long an API bearer token lives.
	TokenLifetime time.Duration
	// Argon2 is the password hashing cost; tests lower it.
	Argon2 Argon2Params
	// Now is the clock; tests move it.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.SessionIdle == 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionAbsolute == 0 {
		c.SessionAbsolute = 12 * time.Hour
	}
	if c.TokenLifetime == 0 {
		c.TokenLifetime = time.Hour
	}
	if c.Argon2 == (Argon2Params{}) {
		c.Argon2 = DefaultArgon2
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
}

// Service manages accounts, sign-in and sessions.
type Service struct {
	db    *store.DB
	queue *jobs.Queue
	audit *audit.Log
	cfg   Config
	log   *slog.Logger
}

// NewService returns the identity service. queue carries the e-mails.
func NewService(db *store.DB, queue *jobs.Queue, cfg Config, log *slog.Logger) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, queue: queue, audit: audit.New(db), cfg: cfg, log: log}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Request describes where a call comes from, for the audit log and for
// limiting password guessing.
type Request struct {
	IP        string
	UserAgent string
}

const accountColumns = `a.id, a.kind, a.username, a.full_name, a.date_of_birth, a.sex, a.phone, a.email,
	a.email_verified_at IS NOT NULL, a.address, COALESCE(a.agency_code, ''), COALESCE(a.representative_id, 0),
	a.created_at, a.disabled_at IS NOT NULL`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.Kind, &a.Username, &a.FullName, &a.DateOfBirth, &a.Sex, &a.Phone, &a.Email,
		&a.EmailVerified, &a.Address, &a.AgencyCode, &a.RepresentativeID, &a.CreatedAt, &a.Disabled)
	return a, err
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Service) loadRoles(ctx context.Context, q querier, a *Account) error {
	rows, err := q.QueryContext(ctx, `SELECT role FROM account_roles WHERE account_id = $1 ORDER BY role`, a.ID)
	if err != nil {
		return fmt.Errorf("load roles: %w", err)
	}
	defer rows.Close()
	a.Roles = nil
	for rows.Next() {
		var r Role
		if err := rows.Scan(&r); err != nil {
			return fmt.Errorf("load roles: %w", err)
		}
		a.Roles = append(a.Roles, r)
	}
	return rows.Err()
}

func (s *Service) accountWhere(ctx context.Context, q querier, where string, arg any) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("account: %w", egov.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("account: %w", err)
	}
	return a, s.loadRoles(ctx, q, &a)
}

// Account returns the account with id.
func (s *Service) Account(ctx context.Context, id int64) (Account, error) {
	return s.accountWhere(ctx, s.db, `a.id = $1`, id)
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, actor *Account, req Request, action, subject, agency string, details map[string]any) error {
	_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: action,
		Subject: subject, AgencyCode: agency, Details: details})
	return err
}

func (s *Service) sendEmail(ctx context.Context, tx *sql.Tx, e notify.Email) error {
	if s.queue == nil || e.To == "" {
		return nil
	}
	return s.queue.InsertTx(ctx, tx, notify.EmailArgs{Email: e}, nil)
}

// CitizenRegistration is what a citizen gives to open an account.
type CitizenRegistration struct {
	IDNumber    string `json:"id_number"`
	FullName    string `json:"full_name"`
	DateOfBirth string `json:"date_of_birth"` // YYYY-MM-DD
	Sex         string `json:"sex"`           // male or female
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	Password    string `json:"password"`
}

func validName(fe egov.FieldErrors, key, name string) string {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		fe[key] = "Vui lòng nhập họ và tên."
	case utf8.RuneCountInString(name) > 100:
		fe[key] = "Họ và tên dài quá 100 ký tự."
	case strings.ContainsAny(name, "<>{}$%@#0123456789"):
		fe[key] = "Họ và tên chỉ gồm chữ cái và dấu cách."
	}
	return name
}

func validEmail(fe egov.FieldErrors, key, email string, required bool) string {
	email = strings.TrimSpace(email)
	if email == "" {
		if required {
			fe[key] = "Vui lòng nhập địa chỉ thư điện tử."
		}
		return ""
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") || len(email) > 254 {
		fe[key] = "Địa chỉ thư điện tử không hợp lệ, ví dụ đúng: ten@example.vn."
		return email
	}
	return strings.ToLower(email)
}

// RegisterCitizen opens a citizen account and sends the link that verifies
// the e-mail address. Every invalid field is reported at once.
func (s *Service) RegisterCitizen(ctx context.Context, in CitizenRegistration, req Request) (Account, error) {
	in, dob, fe := s.checkCitizen(in)
	if len(fe) > 0 {
		return Account{}, fe
	}
	hash, err := hashPassword(in.Password, s.cfg.Argon2)
	if err != nil {
		return Account{}, err
	}
	return s.createCitizen(ctx, in, dob, hash, req)
}

// CheckCitizen validates a registration without storing anything, for a
// form that has problems of its own to report beside these.
func (s *Service) CheckCitizen(in CitizenRegistration) egov.FieldErrors {
	_, _, fe := s.checkCitizen(in)
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func (s *Service) checkCitizen(in CitizenRegistration) (CitizenRegistration, time.Time, egov.FieldErrors) {
	fe := egov.FieldErrors{}
	in.IDNumber = NormalizeIDNumber(in.IDNumber)
	in.FullName = validName(fe, "full_name", in.FullName)
	dob, err := time.Parse("2006-01-02", strings.TrimSpace(in.DateOfBirth))
	switch {
	case err != nil:
		fe["date_of_birth"] = "Ngày sinh phải có dạng năm-tháng-ngày, ví dụ 1990-05-12."
	case dob.After(s.now()):
		fe["date_of_birth"] = "Ngày sinh không thể ở tương lai."
	case dob.Year() < 1900:
		fe["date_of_birth"] = "Ngày sinh không hợp lệ."
	}
	sex := Sex(in.Sex)
	if !sex.Valid() {
		fe["sex"] = "Vui lòng chọn giới tính: nam (male) hoặc nữ (female)."
	}
	if _, ok := fe["date_of_birth"]; !ok && sex.Valid() {
		if err := ValidateIDNumber(in.IDNumber, dob, sex); err != nil {
			fe["id_number"] = err.Error()
		}
	} else if _, err := ParseIDNumber(in.IDNumber); err != nil {
		fe["id_number"] = err.Error()
	}
	phone, err := NormalizePhone(in.Phone)
	if err != nil {
		fe["phone"] = err.Error()
	}
	email := validEmail(fe, "email", in.Email, true)
	if err := CheckPassword(in.Password, in.IDNumber, phone, strings.Split(email, "@")[0], foldName(in.FullName)); err != nil {
		fe["password"] = err.Error()
	}
	in.Phone, in.Email = phone, email
	return in, dob, fe
}

func (s *Service) createCitizen(ctx context.Context, in CitizenRegistration, dob time.Time, hash string, req Request) (Account, error) {
	sex, phone, email := Sex(in.Sex), in.Phone, in.Email
	var a Account
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts (kind, username, full_name, date_of_birth, sex, phone, email, password_hash, created_at, updated_at)
			VALUES ('citizen', $1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			in.IDNumber, in.FullName, dob.Format("2006-01-02"), string(sex), phone, email, hash, now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return egov.FieldErrors{"id_number": "Số định danh này đã có tài khoản. Hãy đăng nhập, hoặc dùng “Quên mật khẩu”."}
		}
		if err != nil {
			return fmt.Errorf("register citizen: %w", err)
		}
		if a, err = s.accountWhere(ctx, tx, `a.id = $1`, id); err != nil {
			return err
		}
		if err := s.record(ctx, tx, &a, req, "account.created", fmt.Sprintf("account:%d", id), "", map[string]any{"kind": "citizen"}); err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, &a, email)
	})
	return a, err
}

func foldName(name string) string {
	return strings.ToLower(strings.ReplaceAll(FoldVietnamese(name), " ", ""))
}

func (s *Service) sendVerification(ctx context.Context, tx *sql.Tx, a *Account, email string) error {
	token, hash, err := newToken()
	if err != nil {
		return err
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO email_tokens (token_hash, account_id, purpose, email, created_at, expires_at)
		VALUES ($1, $2, 'verify', $3, $4, $5)`, hash, a.ID, email, now, now.Add(72*time.Hour)); err != nil {
		return fmt.Errorf("verification link: %w", err)
	}
	return s.sendEmail(ctx, tx, notify.Email{
		To:      email,
		Subject: "Xác thực địa chỉ thư điện tử của tài khoản Dịch vụ công",
		Text: fmt.Sprintf("Xin chào %s,\n\nĐể xác thực địa chỉ thư điện tử của tài khoản Dịch vụ công, hãy mở liên kết sau (có hiệu lực 72 giờ):\n\n%s/xac-thuc-email?token=%s\n\nNếu bạn không đăng ký tài khoản, hãy bỏ qua thư này.\n",
			a.FullName, s.cfg.PublicURL, token),
	})
}

// VerifyEmail consumes a verification link.
func (s *Service) VerifyEmail(ctx context.Context, token string, req Request) (Account, error) {
	var a Account
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, email, err := s.useEmailToken(ctx, tx, token, "verify")
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email = $3`, s.now(), id, email)
		if err != nil {
			return fmt.Errorf("verify e-mail: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrLinkInvalid // the address changed since the link was sent
		}
		if a, err = s.accountWhere(ctx, tx, `a.id = $1`, id); err != nil {
			return err
		}
		return s.record(ctx, tx, &a, req, "account.email_verified", fmt.Sprintf("account:%d", id), a.AgencyCode, map[string]any{"email": email})
	})
	return a, err
}

// ErrLinkInvalid is the answer to an unknown, used or expired e-mail link.
var ErrLinkInvalid = &Error{Msg: "Liên kết không hợp lệ hoặc đã hết hạn. Hãy yêu cầu gửi lại liên kết mới.", Kind: egov.ErrInvalid}

func (s *Service) useEmailToken(ctx context.Context, tx *sql.Tx, token, purpose string) (int64, string, error) {
	var id int64
	var email string
	err := tx.QueryRowContext(ctx, `UPDATE email_tokens SET used_at = $1
		WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
		RETURNING account_id, email`, s.now(), tokenHash(token), purpose).Scan(&id, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", ErrLinkInvalid
	}
	if err != nil {
		return 0, "", fmt.Errorf("e-mail link: %w", err)
	}
	return id, email, nil
}

// Error is an identity error with a message for the person.
type Error struct {
	Msg  string
	Kind error // egov.ErrInvalid, egov.ErrForbidden...
}

func (e *Error) Error() string        { return e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }
