// Command egov runs the e-government platform.
//
//	egov serve      run the portal, the API and the background jobs
//	egov migrate    apply database migrations and exit
//	egov demo       load the demo data set
//	egov import catalog FILE    import procedures from JSON or CSV
//	egov export catalog         write every procedure as JSON or CSV
//	egov gen        generate a national-scale data set for benchmarks
//	egov version
//
// Every flag has an EGOV_* environment variable; see egov serve -h.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "egov:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "egov:", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `egov: the e-government platform

Usage:
  egov serve [flags]             run the portal, API and background jobs
  egov migrate [flags]           apply database migrations
  egov demo [flags]              load the demo data set (idempotent)
  egov import catalog [flags] FILE   import procedures (.json or .csv)
  egov export catalog [flags]    write all procedures (--format json|csv)
  egov verify-audit [flags]      check the audit log's hash chain
  egov gen [flags]               generate a national-scale data set (benchmarks)
  egov report rebuild|verify [flags]
                                 recompute, or check, the report figures from the dossiers
  egov payments reconcile --date YYYY-MM-DD [--agency CODE] [flags]
                                 check a day's payments against the gateway
  egov official add [flags] < password   create an official of an agency
  egov exchange send FILE --to CODE[,CODE...] --from CODE --key KEY.pem --cert CERT.pem [flags]
                                 sign a document and send it over the document axis
  egov exchange receive --out DIR --from CODE [--key KEY.pem --cert CERT.pem] [flags]
                                 write the inbox's messages to DIR, with receipts
  egov federation add-system --id ID --name NAME --agencies CODE[,CODE...] [--procedures CODE,...] [flags]
                                 register a one-stop system connected to this national instance
  egov oidc add-client --name NAME --redirect-uri URL[,URL...] [flags]
                                 register a portal that signs citizens in through this instance
  egov version

Run "egov COMMAND -h" for the flags of a command.`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args[1:], stdout, stderr)
	case "import":
		if len(args) < 2 || args[1] != "catalog" {
			return usageError{"usage: egov import catalog FILE"}
		}
		return cmdImportCatalog(ctx, args[2:], stdin, stdout, stderr)
	case "export":
		if len(args) < 2 || args[1] != "catalog" {
			return usageError{"usage: egov export catalog [--format json|csv] [--out FILE]"}
		}
		return cmdExportCatalog(ctx, args[2:], stdout, stderr)
	case "official":
		if len(args) < 2 || args[1] != "add" {
			return usageError{"usage: egov official add --agency CODE --role ROLE --username NAME < password"}
		}
		return cmdOfficialAdd(ctx, args[2:], stdin, stdout, stderr)
	case "verify-audit":
		return cmdVerifyAudit(ctx, args[1:], stdout, stderr)
	case "gen":
		return cmdGen(ctx, args[1:], stdout, stderr)
	case "payments":
		return cmdPayments(ctx, args[1:], stdout, stderr)
	case "report":
		return cmdReport(ctx, args[1:], stdout, stderr)
	case "exchange":
		return cmdExchange(ctx, args[1:], stdout, stderr)
	case "federation":
		return cmdFederation(ctx, args[1:], stdout, stderr)
	case "oidc":
		return cmdOIDC(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "egov", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		fmt.Fprintln(stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(logHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}
