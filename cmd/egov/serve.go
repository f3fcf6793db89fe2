package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/cabinet"
	"github.com/egov-vn/egov/calendar"
	"github.com/egov-vn/egov/catalog"
	"github.com/egov-vn/egov/demo"
	"github.com/egov-vn/egov/dossier"
	"github.com/egov-vn/egov/exchange"
	"github.com/egov-vn/egov/federation"
	"github.com/egov-vn/egov/identity"
	"github.com/egov-vn/egov/identity/oidcop"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/notify"
	"github.com/egov-vn/egov/payment"
	"github.com/egov-vn/egov/web"
)

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("serve", &cfg, stderr)
	fs.StringVar(&cfg.addr, "addr", env("EGOV_ADDR", ":8080"), "address to listen on (EGOV_ADDR)")
	fs.BoolVar(&cfg.demo, "demo", envBool("EGOV_DEMO"), "load the demo data set at start; loading twice adds nothing twice (EGOV_DEMO)")
	publicURL := fs.String("public-url", env("EGOV_PUBLIC_URL", "http://localhost:8080"), "address citizens reach the portal at, for links in e-mails (EGOV_PUBLIC_URL)")
	var smtpCfg notify.SMTPConfig
	fs.StringVar(&smtpCfg.Addr, "smtp-addr", env("EGOV_SMTP_ADDR", ""), "mail server host:port; empty logs e-mails instead of sending them (EGOV_SMTP_ADDR)")
	fs.StringVar(&smtpCfg.From, "smtp-from", env("EGOV_SMTP_FROM", "Cổng Dịch vụ công <no-reply@localhost>"), "sender of e-mails (EGOV_SMTP_FROM)")
	fs.StringVar(&smtpCfg.Username, "smtp-user", env("EGOV_SMTP_USER", ""), "mail server user (EGOV_SMTP_USER)")
	smtpCfg.Password = os.Getenv("EGOV_SMTP_PASSWORD") // a secret: from the environment only
	fs.BoolVar(&smtpCfg.ImplicitTLS, "smtp-tls", envBool("EGOV_SMTP_TLS"), "connect to the mail server with TLS from the start (port 465) (EGOV_SMTP_TLS)")
	var oidcCfg identity.OIDCConfig
	fs.StringVar(&oidcCfg.Issuer, "oidc-issuer", env("EGOV_OIDC_ISSUER", ""), "OpenID Connect issuer of the national identity service; empty disables single sign-on (EGOV_OIDC_ISSUER)")
	fs.StringVar(&oidcCfg.ClientID, "oidc-client-id", env("EGOV_OIDC_CLIENT_ID", ""), "OpenID Connect client ID (EGOV_OIDC_CLIENT_ID)")
	oidcCfg.ClientSecret = os.Getenv("EGOV_OIDC_CLIENT_SECRET") // a secret: from the environment only
	var gw gatewayConfig
	addGatewayFlags(fs, &gw)
	var xcfg exchange.Config
	fs.StringVar(&xcfg.AdminEmail, "exchange-admin-email", env("EGOV_EXCHANGE_ADMIN_EMAIL", ""), "who is alerted when the document axis gives up a delivery (EGOV_EXCHANGE_ADMIN_EMAIL)")
	xkey := fs.String("exchange-key", env("EGOV_EXCHANGE_KEY", ""), "private key (PEM) egov signs with for the agencies whose back office it runs, e.g. transfers of dossiers; empty: transfers stay inside egov (EGOV_EXCHANGE_KEY)")
	xcert := fs.String("exchange-cert", env("EGOV_EXCHANGE_CERT", ""), "certificate (PEM) of --exchange-key, to register for each such agency on the axis (EGOV_EXCHANGE_CERT)")
	fs.DurationVar(&xcfg.GiveUpAfter, "exchange-give-up", envDuration("EGOV_EXCHANGE_GIVE_UP", 72*time.Hour), "how long a push to a member's endpoint is retried (EGOV_EXCHANGE_GIVE_UP)")
	oidcProvider := fs.Bool("oidc-provider", envBool("EGOV_OIDC_PROVIDER"), "act as the OpenID Connect provider of the connected portals, at <public URL>/oidc (EGOV_OIDC_PROVIDER)")
	var nf nationalFlags
	addNationalFlags(fs, &nf)
	fs.StringVar(&oidcCfg.IDNumberClaim, "oidc-id-claim", env("EGOV_OIDC_ID_CLAIM", "id_number"), "claim that carries the personal identification number (EGOV_OIDC_ID_CLAIM)")
	pprofAddr := fs.String("pprof-addr", env("EGOV_PPROF_ADDR", ""), "address of a separate listener serving GET /debug/pprof/ (profiling; keep it on the loopback interface); empty: off (EGOV_PPROF_ADDR)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if err := checkEnvDuration("EGOV_EXCHANGE_GIVE_UP"); err != nil {
		return err
	}
	if (*xkey == "") != (*xcert == "") {
		return usageError{"--exchange-key and --exchange-cert go together: give both, or neither"}
	}
	if *xkey != "" {
		k, err := loadSigningKeyOf(*xkey, *xcert, "--exchange-key", "--exchange-cert")
		if err != nil {
			return err
		}
		xcfg.Key, xcfg.Certificate = k.key, k.cert
	}
	fcfg, err := nf.config()
	if err != nil {
		return err
	}
	level, err := parseLevel(cfg.logLevel)
	if err != nil {
		return err
	}
	log := newLogger(stderr, level)

	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()

	cat := catalog.NewService(db, log)
	defer cat.Close()
	if cfg.demo {
		sum, err := demo.Load(ctx, cat)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "demo data loaded", "new_agencies", sum.Agencies, "new_procedures", sum.Procedures)
	}
	if err := cat.Refresh(ctx); err != nil {
		return err
	}
	go cat.Watch(ctx, 30*time.Second)

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "egov_jobs_heartbeat_age_seconds",
		Help: "Seconds since the background job queue last ran its heartbeat job; above a few minutes, jobs are not running.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		at, err := jobs.LastHeartbeat(ctx, db)
		if err != nil || at.IsZero() {
			return -1
		}
		return time.Since(at).Seconds()
	}))

	blobs, err := openBlobs(&cfg)
	if err != nil {
		return err
	}
	cal := calendar.NewService(db, audit.New(db))
	// The services insert jobs through a client that is never started;
	// the started queue below works them. The dossier service must exist
	// before the queue because its deadline sweep is one of the queue's
	// periodic jobs.
	inserter, err := jobs.New(db, jobs.Config{Logger: log})
	if err != nil {
		return err
	}
	gateway, err := gw.gateway(*publicURL, cfg.demo)
	if err != nil {
		return err
	}
	dcfg := dossier.Config{PublicURL: *publicURL}
	var sandbox *payment.Sandbox
	if gateway != nil {
		dcfg.Gateway = gateway
		if gw.useSandbox(cfg.demo) {
			ipn := strings.TrimRight(*publicURL, "/") + "/api/v1/payments/vnpay/ipn"
			if sandbox, err = newSandbox(ipn, log); err != nil {
				return err
			}
			defer sandbox.Close()
			log.InfoContext(ctx, "payments go through the sandbox gateway: for demos only", "at", strings.TrimRight(*publicURL, "/")+sandboxPrefix)
		}
	}
	axis := exchange.NewService(db, inserter, xcfg, log)
	dcfg.Axis = axis
	fed := federation.NewService(db, inserter, fcfg, log)
	dcfg.Federated = fed
	if fed.Reporting() {
		dcfg.National = fed
		log.InfoContext(ctx, "reporting every dossier change to the national portal", "national_url", fcfg.NationalURL)
	}
	dossiers := dossier.NewService(db, inserter, cat, blobs, cal, dcfg, log)

	jcfg := jobs.Config{Logger: log, Workers: river.NewWorkers()}
	jobs.AddHeartbeat(db, &jcfg)
	notify.AddWorkers(jcfg.Workers, notify.NewMailer(smtpCfg, log))
	dossiers.AddDeadlineSweep(&jcfg, dossier.SweepInterval)
	dossiers.AddPaymentWorkers(&jcfg)
	dossiers.AddReconciliation(&jcfg)
	if cfg.demo {
		admin := &identity.Account{Kind: identity.KindOfficial, Username: "demo", Roles: []identity.Role{identity.RoleSystemAdmin}}
		n, err := demo.LoadExchange(ctx, axis, admin)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "demo documents loaded on the document axis", "new_messages", n)
	}
	axis.AddWorkers(&jcfg)
	fed.AddWorkers(&jcfg)
	fed.AddCatalogSync(&jcfg, cat, 24*time.Hour)
	cab := cabinet.NewService(db, inserter, blobs, cabinet.Config{PublicURL: *publicURL}, log)
	cab.AddReminders(&jcfg, time.Hour)
	queue, err := jobs.New(db, jcfg)
	if err != nil {
		return err
	}
	ids := identity.NewService(db, queue, identity.Config{PublicURL: *publicURL}, log)
	var sso *identity.OIDC
	if oidcCfg.Issuer != "" {
		oidcCfg.RedirectURL = strings.TrimRight(*publicURL, "/") + "/dang-nhap/vneid/callback"
		if sso, err = identity.NewOIDC(ctx, oidcCfg); err != nil {
			return err
		}
	}
	var idp *oidcop.Provider
	if *oidcProvider {
		if idp, err = oidcop.New(ctx, db, ids, oidcop.Config{Issuer: strings.TrimRight(*publicURL, "/") + oidcop.Prefix, Logger: log}); err != nil {
			return err
		}
		log.InfoContext(ctx, "OpenID Connect provider of the connected portals", "issuer", idp.Issuer())
	}
	// Not ctx: cancelling River's start context cancels the jobs running,
	// where a stop should let them finish (queue.Stop below).
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}

	wcfg := web.Config{DB: db, Catalog: cat, Identity: ids, OIDC: sso, Dossiers: dossiers, Calendar: cal, Cabinet: cab,
		Exchange: axis, Federation: fed, OIDCProvider: idp, Logger: log, Registry: reg, Version: version}
	if sandbox != nil {
		wcfg.PaymentSandbox = sandbox
	}
	srv, err := web.NewServer(wcfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.InfoContext(ctx, "egov serving", "addr", ln.Addr().String(), "version", version)
	if *pprofAddr != "" {
		// On a listener of its own, so that the profiles are never
		// served on the public address.
		pln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return fmt.Errorf("listen on %s for pprof: %w", *pprofAddr, err)
		}
		pmux := http.NewServeMux()
		pmux.HandleFunc("GET /debug/pprof/", pprof.Index)
		pmux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		pmux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		pmux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		pmux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		ps := &http.Server{Handler: pmux, ReadHeaderTimeout: 10 * time.Second}
		go ps.Serve(pln)
		defer ps.Close()
		log.InfoContext(ctx, "pprof serving", "addr", pln.Addr().String())
	}

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("http shutdown", "err", err)
	}
	if err := queue.Stop(shutdownCtx); err != nil {
		// Jobs still running past the deadline are cancelled; River
		// runs them again later, on this replica or another.
		log.Error("job queue shutdown: cancelling the jobs still running", "err", err)
		cancelCtx, cancelStop := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelStop()
		if err := queue.Client().StopAndCancel(cancelCtx); err != nil {
			log.Error("job queue shutdown", "err", err)
		}
	}
	log.Info("stopped")
	return nil
}
