package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/egov-vn/egov"
	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/clientcred"
	"github.com/egov-vn/egov/identity"
)

// System is a one-stop system connected to this national instance.
type System struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Agencies are the agencies it speaks for, each with the agencies
	// below it in the agency tree.
	Agencies []string `json:"agencies"`
	// Procedures are the codes of the procedures it serves; empty for any
	// procedure of the national catalog.
	Procedures []string   `json:"procedures"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

var systemID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

func mayAdminister(actor *identity.Account) error {
	if actor == nil || !actor.IsSystemAdmin() {
		return refuse(egov.ErrForbidden, "forbidden", "Chỉ quản trị hệ thống đăng ký hệ thống kết nối.")
	}
	return nil
}

// SaveSystem registers a connected system, or changes its name, agencies
// and procedures. Every agency must be in the agency tree and every
// procedure in the catalog.
func (s *Service) SaveSystem(ctx context.Context, actor *identity.Account, sys System, req identity.Request) (System, error) {
	if err := mayAdminister(actor); err != nil {
		return System{}, err
	}
	sys.ID, sys.Name = strings.TrimSpace(sys.ID), strings.TrimSpace(sys.Name)
	fe := egov.FieldErrors{}
	if !systemID.MatchString(sys.ID) {
		fe["id"] = "Mã hệ thống gồm 2 đến 40 chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ ha-noi."
	}
	if sys.Name == "" {
		fe["name"] = "Nhập tên hệ thống, ví dụ Hệ thống thông tin một cửa điện tử thành phố Hà Nội."
	}
	if len(sys.Agencies) == 0 {
		fe["agencies"] = "Nhập ít nhất một mã cơ quan mà hệ thống giải quyết hồ sơ, ví dụ 000.00.00.H26."
	}
	for _, a := range sys.Agencies {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM agencies WHERE code = $1`, a).Scan(&n); err != nil {
			return System{}, fmt.Errorf("system %s: %w", sys.ID, err)
		}
		if n == 0 {
			fe["agencies"] = "Không có cơ quan mã «" + a + "» trong danh mục cơ quan."
		}
	}
	for _, p := range sys.Procedures {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM procedures WHERE code = $1`, p).Scan(&n); err != nil {
			return System{}, fmt.Errorf("system %s: %w", sys.ID, err)
		}
		if n == 0 {
			fe["procedures"] = "Không có thủ tục mã «" + p + "» trong Cơ sở dữ liệu quốc gia về thủ tục hành chính."
		}
	}
	if len(fe) > 0 {
		return System{}, fe
	}
	if sys.Procedures == nil {
		sys.Procedures = []string{}
	}
	procs, err := json.Marshal(sys.Procedures)
	if err != nil {
		return System{}, fmt.Errorf("system %s: %w", sys.ID, err)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO federation_systems (id, name, procedures, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET name = $2, procedures = $3`,
			sys.ID, sys.Name, string(procs), actor.Actor(), s.now()); err != nil {
			return fmt.Errorf("system %s: %w", sys.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM federation_system_agencies WHERE system_id = $1`, sys.ID); err != nil {
			return fmt.Errorf("system %s: %w", sys.ID, err)
		}
		for _, a := range sys.Agencies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO federation_system_agencies (system_id, agency_code) VALUES ($1, $2)
				ON CONFLICT DO NOTHING`, sys.ID, a); err != nil {
				return fmt.Errorf("system %s: %w", sys.ID, err)
			}
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "federation.system_saved",
			Subject: "system:" + sys.ID, Details: map[string]any{"name": sys.Name, "agencies": sys.Agencies, "procedures": sys.Procedures}})
		return err
	})
	if err != nil {
		return System{}, err
	}
	return s.System(ctx, sys.ID)
}

// System returns a connected system.
func (s *Service) System(ctx context.Context, id string) (System, error) {
	var sys System
	var procs string
	var disabled sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT id, name, procedures, created_at, disabled_at FROM federation_systems WHERE id = $1`, id).
		Scan(&sys.ID, &sys.Name, &procs, &sys.CreatedAt, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return sys, fmt.Errorf("system %s: %w", id, egov.ErrNotFound)
	}
	if err != nil {
		return sys, fmt.Errorf("system %s: %w", id, err)
	}
	sys.CreatedAt = sys.CreatedAt.UTC()
	if disabled.Valid {
		t := disabled.Time.UTC()
		sys.DisabledAt = &t
	}
	if err := json.Unmarshal([]byte(procs), &sys.Procedures); err != nil {
		return sys, fmt.Errorf("procedures of system %s: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT agency_code FROM federation_system_agencies WHERE system_id = $1 ORDER BY agency_code`, id)
	if err != nil {
		return sys, fmt.Errorf("agencies of system %s: %w", id, err)
	}
	defer rows.Close()
	sys.Agencies = []string{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return sys, fmt.Errorf("agencies of system %s: %w", id, err)
		}
		sys.Agencies = append(sys.Agencies, a)
	}
	return sys, rows.Err()
}

// AddClient makes an OAuth2 client (client credentials) for a connected
// system. The secret is shown once; only its SHA-256 is kept.
func (s *Service) AddClient(ctx context.Context, actor *identity.Account, system string, req identity.Request) (clientID, secret string, err error) {
	if err := mayAdminister(actor); err != nil {
		return "", "", err
	}
	if _, err := s.System(ctx, system); err != nil {
		return "", "", err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if clientID, secret, err = s.clients.AddTx(ctx, tx, "fed-", system); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor.Actor(), ActorIP: req.IP, Action: "federation.client_added",
			Subject: "system:" + system, Details: map[string]any{"client_id": clientID}})
		return err
	})
	return clientID, secret, err
}

// ErrBadClient is a failed client authentication: OAuth2's invalid_client.
var ErrBadClient = clientcred.ErrBadClient

// IssueToken is OAuth2's client credentials grant: an access token for the
// client's system, valid for Config.TokenLifetime.
func (s *Service) IssueToken(ctx context.Context, clientID, secret string) (token string, lifetime time.Duration, err error) {
	return s.clients.Issue(ctx, clientID, secret)
}

// Authenticate returns the connected system of an access token.
func (s *Service) Authenticate(ctx context.Context, token string) (string, error) {
	return s.clients.Authenticate(ctx, token)
}

// speaksFor reports whether the system speaks for agency: one of its
// agencies is agency or above it in the agency tree.
func speaksFor(ctx context.Context, q querier, sys *System, agency string) (bool, error) {
	code := agency
	for range 8 { // the tree has at most four levels; a cycle ends here too
		if slices.Contains(sys.Agencies, code) {
			return true, nil
		}
		var parent sql.NullString
		err := q.QueryRowContext(ctx, `SELECT parent_code FROM agencies WHERE code = $1`, code).Scan(&parent)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !parent.Valid {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("agency %s: %w", code, err)
		}
		code = parent.String
	}
	return false, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
