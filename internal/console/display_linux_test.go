package console

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openTerminal opens a pseudo-terminal: what is written to tty can be read
// back from pty.
func openTerminal(t *testing.T) (pty, tty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { pty.Close() })
	if err := unix.IoctlSetPointerInt(int(pty.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("pseudo-terminal not unlocked: %v", err)
	}
	n, err := unix.IoctlGetInt(int(pty.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pseudo-terminal without a number: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("pseudo-terminal side not opened: %v", err)
	}
	return pty, tty
}

// TestDisplayOnATerminal: on a terminal the run is a bar drawn from the
// start; a note erases it, takes a line of its own and the bar is drawn
// again below it; plain lines are not printed.
func TestDisplayOnATerminal(t *testing.T) {
	pty, tty := openTerminal(t)
	d := NewDisplay(tty, "x", nil)
	d.Start("title", 4, 0)
	d.InPlace("in place")
	d.Line("a line")
	d.Note("a note")
	d.Finish()
	tty.Close()
	var out bytes.Buffer
	_, _ = io.Copy(&out, pty) // ends with EIO once the terminal side is closed
	got := strings.ReplaceAll(out.String(), "\r\n", "\n")
	bar := `\rtitle +0% \| +\| \(0/4\) \[[^\]]*\]`
	want := regexp.MustCompile(`^` + bar + `\r +\ra note\n(?s:.*)` + bar + `(?s:.*)\(4/4\)\n$`)
	if !want.MatchString(got) {
		t.Errorf("terminal got %q, want the bar, erased, the note on its own line, the bar again", got)
	}
	if strings.Contains(got, "a line") || strings.Contains(got, "in place") {
		t.Errorf("terminal got %q, want no plain lines beside the bar", got)
	}
}
