package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	testPassword = "mật khẩu thử nghiệm dài"
	testAgency   = "000.00.40.H26" // a commune of Hà Nội in the demo data
)

// buildEgov compiles the egov command for the test.
func buildEgov(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the test builds egov with the go command, which is not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "egov")
	if out, err := exec.Command(goTool, "build", "-o", bin, "../../cmd/egov").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startEgov runs `egov serve --demo` on a fresh data directory with a
// receiver at testAgency, and returns its URL.
func startEgov(t *testing.T) string {
	t.Helper()
	bin := buildEgov(t)
	data := t.TempDir()
	if out, err := exec.Command(bin, "demo", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("egov demo: %v\n%s", err, out)
	}
	add := exec.Command(bin, "official", "add", "--data", data, "--agency", testAgency, "--role", "receiver", "--username", "load.tiepnhan")
	add.Stdin = strings.NewReader(testPassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("egov official add: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--demo", "--data", data, "--addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	var logs bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if !sent && json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "egov serving" {
				addr <- rec.Addr
				sent = true
			}
			if !sent {
				logs.Write(sc.Bytes())
				logs.WriteByte('\n')
			}
		}
		if !sent {
			close(addr)
		}
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("egov serve exited before serving:\n%s", logs.String())
		}
		return "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatal("egov serve is not serving after 60 s")
	}
	return ""
}

// TestLoadAgainstDemoServer runs the tool for a short time against a real
// `egov serve --demo`: every kind is made, none fails, and both
// baselines are measured.
func TestLoadAgainstDemoServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts egov")
	}
	base := startEgov(t)
	cfg, err := parseFlags([]string{"-url", base, "-duration", "3s", "-concurrency", "4", "-citizens", "3",
		"-official", "load.tiepnhan", "-password", testPassword, "-baseline-duration", "1s", "-ceiling", "sqlite", "-seed", "42"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	rep := run(context.Background(), cfg, &logs)
	var out bytes.Buffer
	rep.print(&out)
	t.Log("\n" + out.String())
	if rep.SetupErr != nil {
		t.Fatalf("set-up: %v\n%s", rep.SetupErr, logs.String())
	}
	for _, k := range rep.Mix {
		got := rep.Main.kind(k.name)
		switch {
		case got == nil || got.Count == 0:
			t.Errorf("kind %s: no request made", k.name)
		case got.Errors != 0:
			t.Errorf("kind %s: %d errors: %s", k.name, got.Errors, got.FirstError)
		case got.P50 <= 0 || got.P99 < got.P50:
			t.Errorf("kind %s: p50 %s p99 %s", k.name, got.P50, got.P99)
		}
	}
	if len(rep.Mix) != 9 {
		t.Errorf("mix has %d kinds, want all 9", len(rep.Mix))
	}
	if rep.Bare == nil || rep.Bare.kind("bare") == nil || rep.Bare.kind("bare").Count == 0 || rep.Bare.errors() != 0 {
		t.Errorf("bare handler baseline not measured: %+v", rep.Bare)
	}
	if rep.Ceiling == nil || rep.Ceiling.Err != nil || rep.Ceiling.InsertTPS <= 0 {
		t.Errorf("SQLite ceiling not measured: %+v", rep.Ceiling)
	}
	for _, want := range []string{"reads/s", "bare handler", "submissions/s", "SQLite insert loop"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestUnreachableServer: the run stops at once with a clear error, and the
// report says it.
func TestUnreachableServer(t *testing.T) {
	var out, errw bytes.Buffer
	t0 := time.Now()
	err := mainErr(context.Background(), []string{"-url", "http://127.0.0.1:1", "-duration", "1m"}, &out, &errw)
	if err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("error %v, want one saying the server is not reachable", err)
	}
	if !strings.Contains(out.String(), "ERROR: the load did not start") || !strings.Contains(out.String(), "127.0.0.1:1") {
		t.Errorf("report:\n%s", out.String())
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("took %s to give up", d)
	}
}

// TestErrorsAreCounted: answers that are not 2xx or 3xx are counted per
// kind and by status, never dropped.
func TestErrorsAreCounted(t *testing.T) {
	rec := recorder{}
	rec.of("search").add(2*time.Millisecond, 100)
	rec.of("search").fail(3*time.Millisecond, "500", "GET /thu-tuc?q=x: 500 boom")
	rec.of("search").fail(1*time.Millisecond, "refused", "dial: connection refused")
	rec.of("tracking").add(time.Millisecond, 10)
	ks := merge([]recorder{rec}, time.Second)
	if len(ks) != 2 || ks[0].Kind != "search" || ks[0].Count != 3 || ks[0].Errors != 2 ||
		ks[0].ErrorKinds["500"] != 1 || ks[0].ErrorKinds["refused"] != 1 || ks[1].Errors != 0 {
		t.Fatalf("%+v", ks)
	}
	var out bytes.Buffer
	printKinds(&out, ks, time.Second)
	if !strings.Contains(out.String(), "ERRORS search: 2 of 3 (500×1, refused×1); first: GET /thu-tuc?q=x: 500 boom") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {95, 95}, {99, 99}, {100, 100}, {1, 1}} {
		if got := percentile(ds, c.p); got != c.want {
			t.Errorf("p%g = %d, want %d", c.p, got, c.want)
		}
	}
	if percentile(nil, 50) != 0 || percentile(ds[:1], 99) != 1 {
		t.Error("edge cases")
	}
}

func TestParsePgbenchTPS(t *testing.T) {
	out := `pgbench (15.8 (Debian 15.8-0+deb12u1))
transaction type: <builtin: select only>
scaling factor: 10
number of clients: 16
latency average = 1.234 ms
initial connection time = 20.123 ms
tps = 12965.432100 (without initial connection time)
`
	tps, err := parsePgbenchTPS(out)
	if err != nil || tps != 12965.4321 {
		t.Errorf("tps %v, %v", tps, err)
	}
	if _, err := parsePgbenchTPS("connection refused"); err == nil {
		t.Error("no tps line, no error")
	}
}

func TestParseMix(t *testing.T) {
	p := &portal{}
	w, err := parseMix(defaultMix, p.kinds())
	if err != nil || len(w) != 9 {
		t.Fatalf("%v %v", w, err)
	}
	if _, err := parseMix("search=1,nope=2", p.kinds()); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := parseMix("search=0", p.kinds()); err == nil {
		t.Error("empty mix accepted")
	}
}
