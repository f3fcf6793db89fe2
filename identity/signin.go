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

// Session kinds.
const (
	SessionWeb = "web" // a browser's cookie
	SessionAPI = "api" // a bearer token
)

// Session is a signed-in session. Token is shown once to the client; the
// server keeps only its hash.
type Session struct {
	Token     string
	Kind      string
	ExpiresAt time.Time
}

// Limits on password guessing. An account is locked for a while after
// lockAfter failures in a row, longer at each further series; an address
// after addrLockAfter failures on any accounts.
const (
	lockAfter     = 5
	addrLockAfter = 20
	failureMemory = 24 * time.Hour // failures older than this are forgotten
)

// lockFor is how long the n-th failure in a row locks an account: nothing
// before lockAfter, then 1 minute, 15 minutes, 1 hour, 1 hour...
func lockFor(n int) time.Duration {
	switch {
	case n < lockAfter:
		return 0
	case n < 2*lockAfter:
		return time.Minute
	case n < 3*lockAfter:
		return 15 * time.Minute
	default:
		return time.Hour
	}
}

// LockedError says that sign-in is refused until a time.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		loc = time.FixedZone("ICT", 7*3600)
	}
	return fmt.Sprintf("Đăng nhập sai quá nhiều lần. Tài khoản tạm khóa để bảo vệ bạn; hãy thử lại sau %s (giờ Việt Nam), hoặc dùng “Quên mật khẩu”.",
		e.Until.In(loc).Format("15:04:05 ngày 02/01/2006"))
}

// Is makes a LockedError match egov.ErrForbidden.
func (e *LockedError) Is(target error) bool { return target == egov.ErrForbidden }

// ErrBadCredentials is the answer to a wrong user name or password; it
// does not say which, so that nobody learns who has an account.
var ErrBadCredentials = &Error{Msg: "Tên đăng nhập hoặc mật khẩu không đúng.", Kind: egov.ErrForbidden}

type failureRow struct {
	failures    int
	lastAt      time.Time
	lockedUntil sql.NullTime
}

func readFailures(ctx context.Context, tx *sql.Tx, key string) (failureRow, error) {
	var f failureRow
	err := tx.QueryRowContext(ctx, `SELECT failures, last_at, locked_until FROM sign_in_failures WHERE key = $1`, key).
		Scan(&f.failures, &f.lastAt, &f.lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return failureRow{}, nil
	}
	if err != nil {
		return f, fmt.Errorf("read sign-in failures: %w", err)
	}
	return f, nil
}

// SignIn checks a user name (ID number, tax code or an official's user
// name) and password and opens a session of kind. It slows down and then
// locks guessing, per account and per address, and records every attempt
// in the audit log.
func (s *Service) SignIn(ctx context.Context, username, password, kind string, req Request) (Session, Account, error) {
	username = strings.TrimSpace(username)
	// An ID number may be typed with dots or spaces; a user name such as
	// "x.chuyenvien2" also has twelve characters without its dot, so only
	// digits count as an ID number.
	if id := NormalizeIDNumber(username); len(id) == 12 && strings.Trim(id, "0123456789") == "" {
		username = id
	}
	accountKey, addrKey := "account:"+username, "ip:"+req.IP
	var sess Session
	var acct Account
	var signInErr error
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		for _, key := range []string{accountKey, addrKey} {
			f, err := readFailures(ctx, tx, key)
			if err != nil {
				return err
			}
			if f.lockedUntil.Valid && f.lockedUntil.Time.After(now) {
				signInErr = &LockedError{Until: f.lockedUntil.Time}
				return s.record(ctx, tx, nil, req, "auth.sign_in_refused_locked", key, "", map[string]any{"username": username})
			}
		}
		a, err := s.accountWhere(ctx, tx, `a.username = $1`, username)
		var hash string
		if err == nil {
			err = tx.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE id = $1`, a.ID).Scan(&hash)
		}
		if err != nil && !errors.Is(err, egov.ErrNotFound) {
			return err
		}
		ok := false
		if hash != "" && !a.Disabled {
			if ok, err = checkPassword(password, hash); err != nil {
				return fmt.Errorf("sign in %s: %w", username, err)
			}
		} else {
			// The same work as a real check, so that timing does not tell
			// whether the account exists.
			checkPassword(password, dummyHash)
		}
		if !ok {
			signInErr = ErrBadCredentials
			return s.recordFailure(ctx, tx, accountKey, addrKey, username, req, now)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE key = $1`, accountKey); err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
		if sess, err = s.openSession(ctx, tx, a.ID, kind, req); err != nil {
			return err
		}
		acct = a
		return s.record(ctx, tx, &a, req, "auth.sign_in", fmt.Sprintf("account:%d", a.ID), a.AgencyCode, map[string]any{"session": kind})
	})
	if err != nil {
		return Session{}, Account{}, err
	}
	if signInErr != nil {
		return Session{}, Account{}, signInErr
	}
	return sess, acct, nil
}

var dummyHash, _ = hashPassword("egov-timing-equalizer", DefaultArgon2)

func (s *Service) recordFailure(ctx context.Context, tx *sql.Tx, accountKey, addrKey, username string, req Request, now time.Time) error {
	for _, key := range []string{accountKey, addrKey} {
		f, err := readFailures(ctx, tx, key)
		if err != nil {
			return err
		}
		if now.Sub(f.lastAt) > failureMemory {
			f.failures = 0
		}
		f.failures++
		var until *time.Time
		var lock time.Duration
		if key == accountKey {
			lock = lockFor(f.failures)
		} else if f.failures >= addrLockAfter && f.failures%addrLockAfter == 0 {
			lock = 15 * time.Minute
		}
		if lock > 0 {
			u := now.Add(lock)
			until = &u
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sign_in_failures (key, failures, last_at, locked_until) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at, locked_until = excluded.locked_until`,
			key, f.failures, now, until); err != nil {
			return fmt.Errorf("record sign-in failure: %w", err)
		}
		if until != nil {
			if err := s.record(ctx, tx, nil, req, "auth.locked", key, "", map[string]any{"failures": f.failures, "until": until.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
	}
	return s.record(ctx, tx, nil, req, "auth.sign_in_failed", accountKey, "", map[string]any{"username": username})
}

func (s *Service) openSession(ctx context.Context, tx *sql.Tx, accountID int64, kind string, req Request) (Session, error) {
	if kind != SessionWeb && kind != SessionAPI {
		return Session{}, fmt.Errorf("open session: unknown kind %q", kind)
	}
	token, hash, err := newToken()
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	life := s.cfg.SessionAbsolute
	if kind == SessionAPI {
		life = s.cfg.TokenLifetime
	}
	ua := req.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_id, kind, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`, hash, accountID, kind, now, now.Add(life), req.IP, ua); err != nil {
		return Session{}, fmt.Errorf("open session: %w", err)
	}
	return Session{Token: token, Kind: kind, ExpiresAt: now.Add(life)}, nil
}

// ErrNoSession is the answer to a missing, expired or revoked session.
var ErrNoSession = &Error{Msg: "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại.", Kind: egov.ErrForbidden}

// Authenticate returns the account a session token belongs to. A web
// session ends after SessionIdle without use or SessionAbsolute in all.
func (s *Service) Authenticate(ctx context.Context, token, kind string) (Account, error) {
	if token == "" || len(token) > 100 {
		return Account{}, ErrNoSession
	}
	hash := tokenHash(token)
	var accountID int64
	var lastSeen, expires time.Time
	err := s.db.QueryRowContext(ctx, `SELECT account_id, last_seen_at, expires_at FROM sessions
		WHERE token_hash = $1 AND kind = $2 AND revoked_at IS NULL`, hash, kind).Scan(&accountID, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNoSession
	}
	if err != nil {
		return Account{}, fmt.Errorf("authenticate: %w", err)
	}
	now := s.now()
	if !now.Before(expires) || (kind == SessionWeb && now.Sub(lastSeen) >= s.cfg.SessionIdle) {
		return Account{}, ErrNoSession
	}
	a, err := s.Account(ctx, accountID)
	if err != nil {
		return Account{}, err
	}
	if a.Disabled {
		return Account{}, ErrNoSession
	}
	// Writing on every request would make every page a write; a minute of
	// imprecision in the idle time-out is harmless.
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, hash); err != nil {
			return Account{}, fmt.Errorf("authenticate: %w", err)
		}
	}
	return a, nil
}

// SignOut ends the session of token.
func (s *Service) SignOut(ctx context.Context, token string, req Request) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var accountID int64
		err := tx.QueryRowContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL RETURNING account_id`,
			s.now(), tokenHash(token)).Scan(&accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sign out: %w", err)
		}
		a, err := s.accountWhere(ctx, tx, `a.id = $1`, accountID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, &a, req, "auth.sign_out", fmt.Sprintf("account:%d", a.ID), a.AgencyCode, nil)
	})
}

// SignOutEverywhere ends every session and token of actor.
func (s *Service) SignOutEverywhere(ctx context.Context, actor *Account, req Request) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL`, s.now(), actor.ID)
		if err != nil {
			return fmt.Errorf("sign out everywhere: %w", err)
		}
		n, _ := res.RowsAffected()
		return s.record(ctx, tx, actor, req, "auth.sign_out_everywhere", fmt.Sprintf("account:%d", actor.ID), actor.AgencyCode, map[string]any{"sessions": n})
	})
}
