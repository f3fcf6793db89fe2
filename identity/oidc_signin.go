package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/egov-vn/egov"
)

// SignInWithClaims opens a web session for the person an outside identity
// provider vouched for. The account is the citizen account with the ID
// number of the claims; if there is none, one is created from the claims
// (the provider has verified them, so the e-mail counts as verified when
// it says so). Accounts of businesses and officials never sign in this way.
func (s *Service) SignInWithClaims(ctx context.Context, c Claims, req Request) (Session, Account, error) {
	id := NormalizeIDNumber(c.IDNumber)
	if _, err := ParseIDNumber(id); err != nil {
		return Session{}, Account{}, &Error{Msg: "Nhà cung cấp định danh không gửi số định danh cá nhân hợp lệ; không thể đăng nhập.", Kind: egov.ErrForbidden}
	}
	var sess Session
	var acct Account
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The provider's subject opens one account only (oidc_subject is
		// unique): one bound to another ID number is refused here rather
		// than failing on the constraint below.
		if c.Subject != "" {
			var boundTo string
			err := tx.QueryRowContext(ctx, `SELECT username FROM accounts WHERE oidc_subject = $1`, c.Subject).Scan(&boundTo)
			switch {
			case err == nil && boundTo != id:
				return &Error{Msg: "Tài khoản định danh điện tử này đã gắn với một tài khoản khác trên cổng (số định danh khác); không thể đăng nhập. Vui lòng liên hệ bộ phận hỗ trợ.", Kind: egov.ErrForbidden}
			case err != nil && !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("single sign-on: %w", err)
			}
		}
		a, err := s.accountWhere(ctx, tx, `a.username = $1`, id)
		switch {
		case errors.Is(err, egov.ErrNotFound):
			if a, err = s.createFromClaims(ctx, tx, id, c, req); err != nil {
				return err
			}
		case err != nil:
			return err
		case a.Kind != KindCitizen || a.Disabled:
			return &Error{Msg: "Tài khoản này không đăng nhập được bằng định danh điện tử.", Kind: egov.ErrForbidden}
		case c.Subject != "":
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET oidc_subject = $1, updated_at = $2 WHERE id = $3 AND (oidc_subject IS NULL OR oidc_subject = $1)`,
				c.Subject, s.now(), a.ID); err != nil {
				return fmt.Errorf("single sign-on: %w", err)
			}
		}
		if sess, err = s.openSession(ctx, tx, a.ID, SessionWeb, req); err != nil {
			return err
		}
		acct = a
		return s.record(ctx, tx, &a, req, "auth.sign_in", fmt.Sprintf("account:%d", a.ID), "", map[string]any{"session": SessionWeb, "via": "oidc"})
	})
	return sess, acct, err
}

func (s *Service) createFromClaims(ctx context.Context, tx *sql.Tx, id string, c Claims, req Request) (Account, error) {
	name := strings.Join(strings.Fields(c.FullName), " ")
	if name == "" {
		return Account{}, &Error{Msg: "Nhà cung cấp định danh không gửi họ tên; không thể tạo tài khoản.", Kind: egov.ErrForbidden}
	}
	dob := ""
	if t, err := time.Parse("2006-01-02", c.BirthDate); err == nil {
		dob = t.Format("2006-01-02")
	}
	sex := ""
	switch strings.ToLower(c.Gender) {
	case "male", "nam":
		sex = string(SexMale)
	case "female", "nữ", "nu":
		sex = string(SexFemale)
	}
	phone, _ := NormalizePhone(c.Phone)
	email := strings.ToLower(strings.TrimSpace(c.Email))
	now := s.now()
	var verified any
	if c.EmailVerified && email != "" {
		verified = now
	}
	var subject any // NULL when the provider sends none: many accounts may lack one
	if c.Subject != "" {
		subject = c.Subject
	}
	var newID int64
	err := tx.QueryRowContext(ctx, `INSERT INTO accounts (kind, username, full_name, date_of_birth, sex, phone, email, email_verified_at, oidc_subject, created_at, updated_at)
		VALUES ('citizen', $1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		id, name, dob, sex, phone, email, verified, subject, now).Scan(&newID)
	if err != nil {
		return Account{}, fmt.Errorf("single sign-on: create account: %w", err)
	}
	a, err := s.accountWhere(ctx, tx, `a.id = $1`, newID)
	if err != nil {
		return Account{}, err
	}
	return a, s.record(ctx, tx, &a, req, "account.created", fmt.Sprintf("account:%d", newID), "", map[string]any{"kind": "citizen", "via": "oidc"})
}
