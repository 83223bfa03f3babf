package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aim-go/aim/probe"
)

// TestHelpGroupsEveryFlag: each command's help lists every flag once,
// spelled --name, under a group heading, never spells a flag -name in the
// text, and ends with examples that use only the command's flags.
func TestHelpGroupsEveryFlag(t *testing.T) {
	for _, name := range commandNames() {
		var stdout, stderr bytes.Buffer
		if code := run([]string{name, "-h"}, &stdout, &stderr); code != 0 {
			t.Fatalf("aim %s -h: exit %d", name, code)
		}
		out := stdout.String()
		fs := flagSetOf(t, name)
		fs.VisitAll(func(f *flag.Flag) {
			if n := strings.Count(out, "\n  --"+f.Name+" ") + strings.Count(out, "\n  --"+f.Name+"\n"); n != 1 {
				t.Errorf("aim %s -h lists --%s %d times, want once", name, f.Name, n)
			}
			if regexp.MustCompile(`(^|[\s(])-` + regexp.QuoteMeta(f.Name) + `\b`).MatchString(out) {
				t.Errorf("aim %s -h spells the flag -%s; the help spells flags --%s", name, f.Name, f.Name)
			}
		})
		if hasFlags(fs) && !regexp.MustCompile(`\n(Data|Model|Training|Computation|Output|Other):\n`).MatchString(out) {
			t.Errorf("aim %s -h has no group headings:\n%s", name, out)
		}
		ex := strings.SplitN(out, "\nExamples:\n", 2)
		if len(ex) != 2 {
			t.Errorf("aim %s -h has no examples", name)
			continue
		}
		for _, used := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(ex[1], -1) {
			if fs.Lookup(used[1]) == nil && used[1] != "version" {
				t.Errorf("aim %s -h: an example uses --%s, which the command does not have", name, used[1])
			}
		}
	}
	var stdout, stderr bytes.Buffer
	run([]string{"pretrain", "-h"}, &stdout, &stderr)
	if n := strings.Count(stdout.String(), "npy:FILE"); n != 1 {
		t.Errorf("aim pretrain -h names npy:FILE %d times, want once", n)
	}
}

// flagSetOf returns the flags the command registers: those its -h parse
// saw.
func flagSetOf(t *testing.T, name string) *flag.FlagSet {
	t.Helper()
	var got *flag.FlagSet
	restore := noticeAfterParse
	defer func() { noticeAfterParse = restore }()
	var stdout, stderr bytes.Buffer
	err := commands[name].run(nil, []string{"-h"}, &stdout, &stderr)
	h, ok := err.(helpRequested)
	if !ok {
		t.Fatalf("aim %s -h: %v, want the help", name, err)
	}
	got = h.fs
	return got
}

// TestPlotSuite: aim plot --suite draws a suite.json's accuracies (beside
// the untrained trunk's) and a probe's result.json, and names a file of
// neither kind.
func TestPlotSuite(t *testing.T) {
	dir := t.TempDir()
	suite := probe.SuiteResult{Entries: []probe.SuiteEntry{
		{Dataset: "mnist", Result: &probe.Result{Dataset: "mnist", TestAccuracy: 0.97}, RandomInit: &probe.Result{Dataset: "mnist", TestAccuracy: 0.9}},
		{Dataset: "emoji", Skipped: "not installed"},
		{Dataset: "optdigits", Result: &probe.Result{Dataset: "optdigits", TestAccuracy: 0.95}},
	}}
	one := probe.Result{Dataset: "fashion-mnist", TestAccuracy: 0.85}
	for name, v := range map[string]any{"suite.json": suite, "result.json": one, "other.json": map[string]int{"steps": 3}} {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"suite.json", "result.json"} {
		out := filepath.Join(dir, "fig-"+name)
		var stdout, stderr bytes.Buffer
		if code := run([]string{"plot", "--suite", filepath.Join(dir, name), "--out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
		}
		if st, err := os.Stat(filepath.Join(out, suiteFigure+".png")); err != nil || st.Size() == 0 {
			t.Errorf("%s: no figure: %v", name, err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"plot", "--suite", filepath.Join(dir, "other.json"), "--out", filepath.Join(dir, "x")}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "--suite") {
		t.Errorf("a file of neither kind: exit %d, %q", code, stderr.String())
	}
}
