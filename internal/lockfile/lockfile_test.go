package lockfile

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func skipWithoutLocks(t *testing.T) {
	if !locks {
		t.Skip("this system has no file locks")
	}
}

// wantHeld checks that err refuses the lock, naming path and the holder's
// PID and host.
func wantHeld(t *testing.T, err error, path string, pid int) {
	t.Helper()
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("Acquire of a held lock returned %v, want a *HeldError", err)
	}
	host, _ := os.Hostname()
	if held.File != path || held.Holder.PID != pid || held.Holder.Host != host {
		t.Errorf("holder %+v of %s, want PID %d on %s of %s", held.Holder, held.File, pid, host, path)
	}
	for _, want := range []string{path, "process " + strconv.Itoa(pid), "host " + host} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestSecondAcquireIsRefusedUntilRelease(t *testing.T) {
	skipWithoutLocks(t)
	path := filepath.Join(t.TempDir(), "run.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path)
	wantHeld(t, err, path, os.Getpid())
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("released lock file holds %q, want it empty", b)
	}
	again, err := Acquire(path)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	if err := again.Release(); err != nil {
		t.Fatal(err)
	}
}

func TestAcquireNamesAnUnrecordedHolder(t *testing.T) {
	skipWithoutLocks(t)
	path := filepath.Join(t.TempDir(), "run.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if err := l.f.Truncate(0); err != nil { // as between its lock and its record
		t.Fatal(err)
	}
	_, err = Acquire(path)
	var held *HeldError
	if !errors.As(err, &held) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not recorded") {
		t.Errorf("Acquire of a lock with no record returned %v", err)
	}
}

// TestAcquireRefusesAnythingButARegularFile: a directory or a symbolic
// link in the lock file's place is refused, and the link's target is left
// as it was.
func TestAcquireRefusesAnythingButARegularFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Acquire(dir); err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Acquire of the directory %s returned %v, want an error naming it", dir, err)
	}
	target, link := filepath.Join(dir, "data.npy"), filepath.Join(dir, "run.lock")
	if err := os.WriteFile(target, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	l, err := Acquire(link)
	if err == nil {
		l.Release()
	}
	if err == nil || !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Acquire of the symbolic link %s returned %v, want an error naming it", link, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Errorf("the link's target holds %q after Acquire, want it unchanged", b)
	}
}

// holderEnv names the lock file a helper process locks before it waits to
// be killed.
const holderEnv = "LOCKFILE_TEST_HOLD"

// TestHelperHoldsTheLock is the helper process of
// TestKilledHolderReleasesTheLock; it does nothing in a normal test run.
func TestHelperHoldsTheLock(t *testing.T) {
	path := os.Getenv(holderEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	if _, err := Acquire(path); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	os.Stdin.Read(make([]byte, 1)) // until killed
}

func TestKilledHolderReleasesTheLock(t *testing.T) {
	skipWithoutLocks(t)
	path := filepath.Join(t.TempDir(), "run.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsTheLock$")
	cmd.Env = append(os.Environ(), holderEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper process printed %q (%v), want locked", line, err)
	}
	_, err = Acquire(path)
	wantHeld(t, err, path, cmd.Process.Pid)

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	cmd.Wait()
	if b, _ := os.ReadFile(path); len(b) == 0 {
		t.Error("the killed holder's record is gone; the test does not test a lock file left behind")
	}
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	l.Release()
}
