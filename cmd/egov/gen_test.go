package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestGen(t *testing.T) {
	dir := t.TempDir()
	data := "--data=" + filepath.Join(dir, "data")
	tiny := []string{"gen", data, "--procedures=40", "--citizens=80", "--dossiers=300", "--communes=40", "--years=1",
		"--seed=2", "--now=2026-12-04", "--quiet"}
	out, err := egov(t, "", tiny...)
	if err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	for _, want := range []string{"dossiers", "300", "dossier_history", "procedures", "40", "phase", "total", "size", "egov-demo-2026",
		"report figures rebuilt from 300 dossiers"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The figures count the generated dossiers, as verify confirms.
	if out, err := egov(t, "", "report", "verify", data); err != nil || !strings.Contains(out, "agree") {
		t.Errorf("report verify after gen: %v\n%s", err, out)
	}
	// Generating twice would mix two data sets; --append says that is meant.
	if out, err := egov(t, "", tiny...); err == nil || !strings.Contains(err.Error(), "already has dossiers") {
		t.Errorf("second gen without --append: %v\n%s", err, out)
	}
	if out, err := egov(t, "", append(tiny, "--append", "--seed=3")...); err != nil {
		t.Errorf("gen --append: %v\n%s", err, out)
	}
	// Progress lines go to standard error with their rates.
	out, err = egov(t, "", "gen", "--data="+filepath.Join(dir, "other"), "--procedures=10", "--citizens=10", "--dossiers=20",
		"--communes=34", "--years=0.5")
	if err != nil || !strings.Contains(out, "rows/s") || !strings.Contains(out, "gen: done dossiers 20/20") {
		t.Errorf("progress: %v\n%s", err, out)
	}
	for _, bad := range [][]string{
		{"gen", data, "--shape=three-level"},
		{"gen", data, "--now=yesterday"},
		{"gen", data, "--dossiers=10", "--procedures=0"},
		{"gen", data, "extra"},
	} {
		if _, err := egov(t, "", bad...); err == nil {
			t.Errorf("%q accepted", bad)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
}
