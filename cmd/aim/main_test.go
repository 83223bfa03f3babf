package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// runMainEnv makes the test binary run aim itself, with its arguments:
// tests that need a fresh process (the BLAS backend is chosen once per
// process) run os.Args[0] with it set.
const runMainEnv = "AIM_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// The bf16 hint depends on the CPU; TestPrecisionHint turns it on.
	os.Setenv(hintEnvVar, "off")
	os.Exit(m.Run())
}

// runAim runs aim in a fresh process with extra environment variables and
// returns its exit status, standard output and standard error.
func runAim(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), runMainEnv+"=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func commandNames() []string {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestCommandHelp: "aim COMMAND -h" prints the usage and flags on standard
// output and exits 0, with nothing on standard error.
func TestCommandHelp(t *testing.T) {
	for _, name := range commandNames() {
		for _, h := range []string{"-h", "--help", "-help"} {
			var stdout, stderr bytes.Buffer
			code := run([]string{name, h}, &stdout, &stderr)
			if code != 0 || stderr.Len() > 0 {
				t.Errorf("aim %s %s: exit %d, stderr %q; want exit 0 and nothing on stderr", name, h, code, stderr.String())
			}
			out := stdout.String()
			if !strings.HasPrefix(out, "Usage: aim "+name+" [flags]") || !strings.Contains(out, commands[name].summary[1:]) {
				t.Errorf("aim %s %s printed %q; want the usage line and summary", name, h, out)
			}
			if name != "version" && !strings.Contains(out, "\n  -") {
				t.Errorf("aim %s %s printed no flags: %q", name, h, out)
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"help", "pretrain"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "-steps int") {
		t.Errorf("aim help pretrain: exit %d, stdout %q", code, stdout.String())
	}
}

// TestTopLevelHelp: aim help, -h and --help list the commands on standard
// output and exit 0; bare aim is an error.
func TestTopLevelHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 0 || stderr.Len() > 0 || !strings.HasPrefix(stdout.String(), "Usage: aim COMMAND") || !strings.Contains(stdout.String(), "pretrain") {
			t.Errorf("aim %s: exit %d, stdout %q, stderr %q; want the command list on stdout and exit 0", args, code, stdout.String(), stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(nil, &stdout, &stderr); code != 2 || stdout.Len() > 0 || !strings.Contains(stderr.String(), "Usage: aim COMMAND") {
		t.Errorf("aim: exit %d, stdout %q, stderr %q; want the usage on stderr and exit 2", code, stdout.String(), stderr.String())
	}
}

// TestFlagErrorIsShort: a bad flag is reported once on stderr with a hint
// at -h, not with the whole flag list.
func TestFlagErrorIsShort(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"pretrain", "--bogus"}, &stdout, &stderr)
	want := "aim pretrain: flag provided but not defined: -bogus\nRun \"aim pretrain -h\" for its flags.\n"
	if code != 2 || stdout.Len() > 0 || stderr.String() != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout.String(), stderr.String(), want)
	}
}

// TestSlowBLASNotice: without OpenBLAS, a command says once on stderr that
// it runs on the pure-Go backend and what to install; not when AIM_BLAS
// asks for gonum, and not for -h.
func TestSlowBLASNotice(t *testing.T) {
	if testing.Short() {
		t.Skip("runs bench in subprocesses")
	}
	noLib := []string{"AIM_BLAS=", "AIM_BLAS_LIB=" + t.TempDir() + "/libopenblas.so.0"}
	bench := []string{"bench", "--preset", "tiny", "--batch", "2", "--steps", "1"}
	code, stdout, stderr := runAim(t, noLib, bench...)
	if code != 0 {
		t.Fatalf("aim bench: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"blas": "gonum"`) {
		t.Fatalf("aim bench with an unloadable AIM_BLAS_LIB did not run on gonum: %s", stdout)
	}
	if n := strings.Count(stderr, "OpenBLAS was not found"); n != 1 {
		t.Errorf("the notice is on stderr %d times, want once:\n%s", n, stderr)
	}
	for _, want := range []string{"gonum's pure-Go BLAS", "5–8× slower", "apt-get install libopenblas0-pthread", "AIM_BLAS=gonum"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the notice lacks %q:\n%s", want, stderr)
		}
	}
	if _, _, stderr := runAim(t, append(noLib, "AIM_BLAS=gonum"), bench...); strings.Contains(stderr, "OpenBLAS") {
		t.Errorf("with AIM_BLAS=gonum the notice was printed:\n%s", stderr)
	}
	if code, _, stderr := runAim(t, noLib, "bench", "-h"); code != 0 || stderr != "" {
		t.Errorf("aim bench -h: exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
}

// TestVersion: aim version and aim --version print the same JSON: the
// build (module, version, VCS data when recorded, Go, platform) beside the
// BLAS backend and CPU routes.
func TestVersion(t *testing.T) {
	var outs []string
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("aim %v: exit %d: %s", args, code, stderr.String())
		}
		outs = append(outs, stdout.String())
	}
	if outs[0] != outs[1] {
		t.Errorf("aim version printed %q, aim --version %q", outs[0], outs[1])
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(outs[0]), &v); err != nil {
		t.Fatalf("%q: %v", outs[0], err)
	}
	for _, key := range []string{"module", "version", "vcs_revision", "vcs_time", "vcs_modified", "blas", "blas_info", "routes", "isa", "isa_available"} {
		if _, ok := v[key]; !ok {
			t.Errorf("no %q in %s", key, outs[0])
		}
	}
	if v["go"] != runtime.Version() || v["platform"] != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("go %v, platform %v", v["go"], v["platform"])
	}
}
