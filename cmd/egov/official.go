package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/egov-vn/egov/identity"
)

// cmdOfficialAdd creates an official from the command line: the operator
// who runs it has the database, so no signed-in administrator is needed.
// The password is read from standard input, never from the arguments,
// which other users of the machine can see.
func cmdOfficialAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("official add", &cfg, stderr)
	agency := fs.String("agency", "", "code of the official's agency, e.g. 000.00.40.H26 (required)")
	role := fs.String("role", "", "roles, comma-separated: receiver, specialist, leader, agency_admin, report_viewer, system_admin (required)")
	username := fs.String("username", "", "user name, e.g. hn.tiepnhan01 (required)")
	name := fs.String("name", "", "full name (default: the user name)")
	email := fs.String("email", "", "e-mail address")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *agency == "" || *role == "" || *username == "" || fs.NArg() != 0 {
		return usageError{"usage: egov official add --agency CODE --role ROLE[,ROLE] --username NAME [--name \"Full Name\"] [--email ADDR] < password"}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return usageError{"no password on standard input: echo the password into the command, or type it and press Enter"}
	}
	var roles []identity.Role
	for _, r := range strings.Split(*role, ",") {
		roles = append(roles, identity.Role(strings.TrimSpace(r)))
	}
	if *name == "" {
		*name = *username
	}
	log := newLogger(io.Discard, slog.LevelError)
	db, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := identity.NewService(db, nil, identity.Config{}, log)
	a, err := svc.AddOfficial(ctx, nil, identity.NewOfficial{AgencyCode: *agency, Username: *username, FullName: *name,
		Email: *email, Roles: roles, Password: password}, identity.Request{IP: "cli"})
	if err != nil {
		return fmt.Errorf("add official: %w", err)
	}
	fmt.Fprintf(stdout, "official %s (id %d) added to %s with roles %s\n", a.Username, a.ID, a.AgencyCode, *role)
	return nil
}
