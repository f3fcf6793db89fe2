package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/egov-vn/egov/audit"
	"github.com/egov-vn/egov/jobs"
	"github.com/egov-vn/egov/store"
)

func TestVerifyAudit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, jobs.Migrate(db)); err != nil {
		t.Fatal(err)
	}
	log := audit.New(db)
	for i := range 5 {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := log.Append(ctx, tx, audit.Entry{
				Actor:   "official:hn-receiver-1",
				Action:  "account.created",
				Subject: fmt.Sprintf("account:%d", i+1),
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// --db= overrides an EGOV_DATABASE_URL in the environment.
	args := []string{"--data=" + dir, "--db="}
	var out bytes.Buffer
	if err := cmdVerifyAudit(ctx, args, &out, &out); err != nil || !strings.Contains(out.String(), "intact: 5 entries") {
		t.Fatalf("intact log: %v\n%s", err, out.String())
	}

	if _, err := db.ExecContext(ctx, `UPDATE audit_log SET actor = 'official:someone-else' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = cmdVerifyAudit(ctx, args, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "entry 3") || !strings.Contains(out.String(), "entry 3") {
		t.Fatalf("altered log: %v\n%s", err, out.String())
	}
}
