package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/identity/oidcop"
)

const federationUsage = `usage:
  egov federation add-system --id ID --name NAME --agencies CODE[,CODE...] [--procedures CODE,...] [flags]
        register (or change) a one-stop system connected to this national instance,
        and print a new OAuth2 client of it as JSON (the secret is shown once)
  egov federation sync-catalog --national-url URL --national-client-id ID [flags]
        take the national portal's catalog of procedures now (serve does it daily);
        the client secret from EGOV_NATIONAL_CLIENT_SECRET`

func cmdFederation(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{federationUsage}
	}
	switch args[0] {
	case "add-system":
		return cmdFederationAddSystem(ctx, args[1:], stdout, stderr)
	case "sync-catalog":
		return cmdFederationSyncCatalog(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown federation command %q\n%s", args[0], federationUsage)}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cmdFederationAddSystem registers a connected system from the command
// line: the operator who runs it has the database, as for official add.
func cmdFederationAddSystem(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("federation add-system", &cfg, stderr)
	id := fs.String("id", "", "short name of the system, e.g. ha-noi (required)")
	name := fs.String("name", "", "name of the system (required)")
	agencies := fs.String("agencies", "", "codes of the agencies it speaks for, with those below them, comma-separated (required)")
	procedures := fs.String("procedures", "", "codes of the procedures it serves, comma-separated; empty for any of the catalog")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *id == "" || *name == "" || *agencies == "" || fs.NArg() != 0 {
		return usageError{federationUsage}
	}
	log := newLogger(io.Discard, slog.LevelError)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := federation.NewService(db, nil, federation.Config{}, log)
	admin := &identity.Account{Kind: identity.KindOfficial, Username: "cli", Roles: []identity.Role{identity.RoleSystemAdmin}}
	req := identity.Request{IP: "cli"}
	sys, err := svc.SaveSystem(ctx, admin, federation.System{ID: *id, Name: *name, Agencies: splitList(*agencies),
		Procedures: splitList(*procedures)}, req)
	if err != nil {
		return fmt.Errorf("add system: %w", err)
	}
	clientID, secret, err := svc.AddClient(ctx, admin, sys.ID, req)
	if err != nil {
		return fmt.Errorf("add system: %w", err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"system": sys, "client_id": clientID, "client_secret": secret})
}

// cmdFederationSyncCatalog takes the national catalog into this
// instance's, as serve's daily job does.
func cmdFederationSyncCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("federation sync-catalog", &cfg, stderr)
	var nf nationalFlags
	addNationalFlags(fs, &nf)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if nf.url == "" || fs.NArg() != 0 {
		return usageError{federationUsage}
	}
	fcfg, err := nf.config()
	if err != nil {
		return err
	}
	log := newLogger(io.Discard, slog.LevelError)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	cat := catalog.NewService(db, log)
	defer cat.Close()
	res, err := federation.NewService(db, nil, fcfg, log).SyncCatalog(ctx, cat)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "national catalog taken: %d procedures added, %d updated, %d new fields\n", res.Added, res.Updated, res.NewFields)
	return nil
}

// nationalFlags are serve's flags of the national portal it reports to.
type nationalFlags struct {
	url, clientID string
	maxBackoff    time.Duration
}

func addNationalFlags(fs *flag.FlagSet, f *nationalFlags) {
	fs.StringVar(&f.url, "national-url", env("EGOV_NATIONAL_URL", ""), "national portal this instance reports every dossier change to; empty reports to none (EGOV_NATIONAL_URL)")
	fs.StringVar(&f.clientID, "national-client-id", env("EGOV_NATIONAL_CLIENT_ID", ""), "OAuth2 client ID of this instance at the national portal; the secret only from EGOV_NATIONAL_CLIENT_SECRET (EGOV_NATIONAL_CLIENT_ID)")
	fs.DurationVar(&f.maxBackoff, "national-retry-max", envDuration("EGOV_NATIONAL_RETRY_MAX", 10*time.Minute), "longest wait between two attempts to reach the national portal (EGOV_NATIONAL_RETRY_MAX)")
}

func (f *nationalFlags) config() (federation.Config, error) {
	if err := checkEnvDuration("EGOV_NATIONAL_RETRY_MAX"); err != nil {
		return federation.Config{}, err
	}
	c := federation.Config{NationalURL: f.url, ClientID: f.clientID, ClientSecret: os.Getenv("EGOV_NATIONAL_CLIENT_SECRET"), MaxBackoff: f.maxBackoff}
	if f.url == "" {
		return c, nil
	}
	if !strings.HasPrefix(f.url, "https://") && !strings.HasPrefix(f.url, "http://") {
		return c, usageError{fmt.Sprintf("--national-url %q is not an http or https URL", f.url)}
	}
	if f.clientID == "" || c.ClientSecret == "" {
		return c, usageError{"--national-url needs --national-client-id and EGOV_NATIONAL_CLIENT_SECRET: the client the national portal registered for this instance (egov federation add-system there)"}
	}
	return c, nil
}

const oidcUsage = `usage:
  egov oidc add-client --name NAME --redirect-uri URL[,URL...] [flags]
        register a portal that signs its citizens in through this instance's
        OpenID provider (serve --oidc-provider), and print its client as JSON
        (the secret is shown once)`

func cmdOIDC(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add-client" {
		return usageError{oidcUsage}
	}
	var cfg config
	fs := newFlagSet("oidc add-client", &cfg, stderr)
	name := fs.String("name", "", "name of the portal (required)")
	redirects := fs.String("redirect-uri", "", "its redirect URIs, comma-separated, e.g. https://dichvucong.hanoi.gov.vn/dang-nhap/vneid/callback (required)")
	publicURL := fs.String("public-url", env("EGOV_PUBLIC_URL", "http://localhost:8080"), "this instance's public URL, as serve has it (EGOV_PUBLIC_URL)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *name == "" || *redirects == "" || fs.NArg() != 0 {
		return usageError{oidcUsage}
	}
	log := newLogger(io.Discard, slog.LevelError)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	ids := identity.NewService(db, nil, identity.Config{}, log)
	p, err := oidcop.New(ctx, db, ids, oidcop.Config{Issuer: strings.TrimRight(*publicURL, "/") + oidcop.Prefix, Logger: log})
	if err != nil {
		return err
	}
	admin := &identity.Account{Kind: identity.KindOfficial, Username: "cli", Roles: []identity.Role{identity.RoleSystemAdmin}}
	id, secret, err := p.AddClient(ctx, admin, *name, splitList(*redirects), identity.Request{IP: "cli"})
	if err != nil {
		return fmt.Errorf("add client: %w", err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]string{"issuer": p.Issuer(), "client_id": id, "client_secret": secret})
}
