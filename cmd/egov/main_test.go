package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func egov(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String() + errb.String(), err
}

func TestCatalogImportExport(t *testing.T) {
	dir := t.TempDir()
	data := "--data=" + filepath.Join(dir, "data")
	if out, err := egov(t, "", "demo", data); err != nil || !strings.Contains(out, "new procedures") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, format := range []string{"json", "csv"} {
		file := filepath.Join(dir, "catalog."+format)
		if out, err := egov(t, "", "export", "catalog", data, "--format="+format, "--out="+file); err != nil {
			t.Fatalf("export %s: %v\n%s", format, err, out)
		}
		out, err := egov(t, "", "import", "catalog", data, file)
		if err != nil {
			t.Fatalf("import %s: %v\n%s", format, err, out)
		}
		if !strings.Contains(out, "0 added") || !strings.Contains(out, "updated") {
			t.Errorf("re-importing the export: %s", out)
		}
	}

	// A file with one bad record is refused whole and names the spot.
	raw, err := os.ReadFile(filepath.Join(dir, "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(raw, &recs); err != nil {
		t.Fatal(err)
	}
	recs[0]["name"] = "Tên mới không được lưu"
	recs[1]["processing_days"] = -3
	bad, _ := json.MarshalIndent(recs, "", "  ")
	badFile := filepath.Join(dir, "bad.json")
	os.WriteFile(badFile, bad, 0o600)
	out, err := egov(t, "", "import", "catalog", data, badFile)
	if err == nil || !strings.Contains(err.Error(), "processing_days") || !strings.Contains(err.Error(), "dòng") {
		t.Fatalf("bad import: err = %v\n%s", err, out)
	}
	exported, _ := egov(t, "", "export", "catalog", data)
	if strings.Contains(exported, "Tên mới không được lưu") {
		t.Error("a refused import changed a stored procedure")
	}

	// Standard input works with an explicit format.
	if out, err := egov(t, "[]", "import", "catalog", data, "--format=json", "-"); err == nil {
		t.Errorf("an empty catalog was accepted: %s", out)
	}
	if _, err := egov(t, "", "import", "catalog", data, filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
	if _, err := egov(t, "", "import", "catalog", data, "--format=xml", badFile); err == nil {
		t.Error("an unknown format was accepted")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"fly"}, {"import"}, {"import", "agencies"}, {"serve", "--nope"}, {"serve", "--log-level=loud"}} {
		_, err := egov(t, "", args...)
		if _, ok := err.(usageError); !ok {
			t.Errorf("egov %q: err = %v, want a usage error", args, err)
		}
	}
	if out, err := egov(t, "", "version"); err != nil || !strings.HasPrefix(out, "egov ") {
		t.Errorf("version: %q, %v", out, err)
	}
}

// egov serve starts, answers, and on cancellation (SIGINT/SIGTERM in main)
// finishes in-flight requests and returns without error.
func TestServeStartsAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr=127.0.0.1:0", "--data=" + dir}, nil, io.Discard, pw)
		pw.Close()
	}()
	addr := ""
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "egov serving" {
			addr, _ = rec["addr"].(string)
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" {
		t.Fatalf("server did not start: %v", <-done)
	}
	for _, path := range []string{"/readyz", "/api/v1/procedures/1.001193", "/"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "egov.db")); err != nil {
		t.Errorf("no SQLite database in the data directory: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop within 25s of cancellation")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestOfficialAdd(t *testing.T) {
	dir := t.TempDir()
	data := "--data=" + filepath.Join(dir, "data")
	if out, err := egov(t, "", "demo", data); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	args := []string{"official", "add", data, "--agency=000.00.40.H26", "--role=agency_admin,receiver", "--username=hk.quantri", "--name=Lê Thị Hoa"}
	out, err := egov(t, "một mật khẩu ban đầu dài\n", args...)
	if err != nil || !strings.Contains(out, "hk.quantri") || !strings.Contains(out, "000.00.40.H26") {
		t.Fatalf("official add: %v\n%s", err, out)
	}
	if out, err := egov(t, "một mật khẩu ban đầu dài\n", args...); err == nil || !strings.Contains(err.Error(), "đã được dùng") {
		t.Errorf("adding the same user name twice: %v\n%s", err, out)
	}
	if _, err := egov(t, "", args...); err == nil {
		t.Error("no password on standard input was accepted")
	}
	bad := append([]string{}, args...)
	bad[3] = "--agency=000.00.99.H99"
	bad[5] = "--username=ghost"
	if _, err := egov(t, "một mật khẩu ban đầu dài\n", bad...); err == nil || !strings.Contains(err.Error(), "000.00.99.H99") {
		t.Errorf("unknown agency: %v", err)
	}
	if _, err := egov(t, "x\n", "official", "add", data, "--agency=000.00.40.H26"); err == nil {
		t.Error("missing flags were accepted")
	}
	if out, err := egov(t, "", "verify-audit", data); err != nil || !strings.Contains(out, "intact") {
		t.Errorf("verify-audit after adding an official: %v\n%s", err, out)
	}
}
