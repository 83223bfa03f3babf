package train

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/aim-go/aim/internal/console"
)

// TestBarOutsideATerminal: a log gets a plain progress line every 10 s
// of the run, not only at the evaluations.
func TestBarOutsideATerminal(t *testing.T) {
	var log bytes.Buffer
	now := time.Unix(0, 0)
	b := NewBar(&log)
	b.pace.Now = func() time.Time { return now }
	b.Start(100000, 0)
	for step := 1; step <= 40; step++ {
		now = now.Add(time.Second)
		b.Step(step, 0.5, 30)
	}
	b.Finish()
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "step     10/100000  loss 0.5000     30 img/s  ETA ") {
		t.Fatalf("log:\n%s\nwant 4 lines, one every 10 s", log.String())
	}
	if !strings.HasSuffix(lines[3], "ETA 27h46m0s") {
		t.Errorf("last line %q: want the time left at 1 s a step", lines[3])
	}
}

// TestBarInANotebook: in a notebook the progress line is shown in place,
// updated every second, and nothing is printed.
func TestBarInANotebook(t *testing.T) {
	var shown []string
	ids := map[string]bool{}
	old := console.SetLive(func(id, text string) { ids[id] = true; shown = append(shown, text) })
	defer console.SetLive(old)
	var log bytes.Buffer
	now := time.Unix(0, 0)
	b := NewBar(&log)
	b.pace.Now = func() time.Time { return now }
	b.Start(100, 0)
	for step := 1; step <= 3; step++ {
		now = now.Add(time.Second)
		b.Step(step, 0.5, 30)
	}
	b.Finish()
	if log.Len() != 0 || len(ids) != 1 || len(shown) != 5 || !strings.HasPrefix(shown[3], "step      3/100  loss 0.5000") || shown[4] != "done in 3s" {
		t.Errorf("printed %q; shown %q in %d displays", log.String(), shown, len(ids))
	}
}
