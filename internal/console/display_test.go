package console

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) tick(d time.Duration) { c.t = c.t.Add(d) }

// newFakeClock returns a clock at the epoch and a Pacer on it.
func newFakeClock() (*fakeClock, *Pacer) {
	c := &fakeClock{t: time.Unix(0, 0)}
	return c, &Pacer{Now: c.now}
}

// stepLine is the plain line of done steps.
func stepLine(done int) func() string {
	return func() string { return fmt.Sprintf("at %d", done) }
}

// showInto is a Live function that collects "id text".
func showInto(shown *[]string) func(id, text string) {
	return func(id, text string) { *shown = append(*shown, id+" "+text) }
}

// showRun takes d through a run of steps steps, a second each, with a line
// in place at its start, and a note and a line at its end.
func showRun(d *Display, clock *fakeClock, steps int) {
	d.Start("title", steps, 0)
	d.InPlace("start")
	for s := 1; s <= steps; s++ {
		clock.tick(time.Second)
		d.Update(s, "described", stepLine(s))
	}
	d.Note("note")
	d.Line("end")
	d.Finish()
}

// TestDisplayInALog: a log gets nothing at the start, then a line every
// LineEvery, Line and Note print, InPlace and the bar's description do
// not, and nothing is shown outside a run.
func TestDisplayInALog(t *testing.T) {
	var log bytes.Buffer
	clock, pace := newFakeClock()
	d := NewDisplay(&log, "x", pace)
	d.Update(1, "before", stepLine(1))
	showRun(d, clock, 25)
	clock.tick(time.Minute)
	d.Update(30, "after", stepLine(30))
	want := "at 10\nat 20\nnote\nend\n"
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
}

// TestDisplayInANotebook: in a notebook each run is one line in place of
// its own id, updated every second; only notes are printed.
func TestDisplayInANotebook(t *testing.T) {
	var shown []string
	defer SetLive(SetLive(showInto(&shown)))
	var log bytes.Buffer
	clock, pace := newFakeClock()
	d := NewDisplay(&log, "x", pace)
	showRun(d, clock, 3)
	showRun(d, clock, 3)
	ids := map[string]bool{}
	var texts []string
	for _, s := range shown {
		id, text, _ := strings.Cut(s, " ")
		if !regexp.MustCompile(`^aim-x-\d+$`).MatchString(id) {
			t.Errorf("id %q, want aim-x-N", id)
		}
		ids[id] = true
		texts = append(texts, text)
	}
	if len(ids) != 2 || strings.Join(texts, "|") != "start|at 1|at 2|at 3|end|start|at 1|at 2|at 3|end" {
		t.Errorf("shown %q in %d displays, want each run in its own", shown, len(ids))
	}
	if log.String() != "note\nnote\n" {
		t.Errorf("printed %q, want only the notes", log.String())
	}
}

// TestDisplayRunsAfresh: each run paces its lines from its own start, so
// a run in a log after one in a notebook gets a line every LineEvery again.
func TestDisplayRunsAfresh(t *testing.T) {
	var shown []string
	old := SetLive(showInto(&shown))
	var log bytes.Buffer
	clock, pace := newFakeClock()
	d := NewDisplay(&log, "x", pace)
	showRun(d, clock, 3)
	SetLive(old)
	log.Reset()
	showRun(d, clock, 25)
	if want := "at 10\nat 20\nnote\nend\n"; log.String() != want {
		t.Errorf("log of the second run:\n%s\nwant:\n%s", log.String(), want)
	}
}

// TestDisplayTimes: the time left follows the pace of the steps done since
// Start (a resumed run counts from where it resumed) and the elapsed time
// is rounded to the second.
func TestDisplayTimes(t *testing.T) {
	clock, pace := newFakeClock()
	d := NewDisplay(&bytes.Buffer{}, "x", pace)
	d.Start("title", 100, 40)
	if got := d.ETA(40); got != 0 {
		t.Errorf("ETA before the first step %v, want 0", got)
	}
	clock.tick(10*time.Second + 400*time.Millisecond)
	if got := d.ETA(50); got != 52*time.Second {
		t.Errorf("ETA at 50/100, 10 steps in 10.4 s: %v, want 52s", got)
	}
	if got := d.Elapsed(); got != 10*time.Second {
		t.Errorf("elapsed %v, want 10s", got)
	}
}
