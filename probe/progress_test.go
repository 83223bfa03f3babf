package probe

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/aim-go/aim/internal/console"
)

// TestBarOutsideATerminal: a log gets the phase's start, a plain line
// every 10 s and its end.
func TestBarOutsideATerminal(t *testing.T) {
	var log bytes.Buffer
	now := time.Unix(0, 0)
	b := NewBar(&log)
	b.pace.Now = func() time.Time { return now }
	b.Start("features", 50)
	for i := 1; i <= 25; i++ {
		now = now.Add(time.Second)
		b.Step(i, "")
	}
	b.Finish()
	want := "features: 50 steps\nfeatures: 10/50  ETA 40s\nfeatures: 20/50  ETA 30s\nfeatures: done in 25s\n"
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
}

// TestBarInANotebook: in a notebook each phase is one line shown in
// place, from its start to its end, and nothing is printed.
func TestBarInANotebook(t *testing.T) {
	var shown []string
	ids := map[string]bool{}
	old := console.SetLive(func(id, text string) { ids[id] = true; shown = append(shown, text) })
	defer console.SetLive(old)
	var log bytes.Buffer
	now := time.Unix(0, 0)
	b := NewBar(&log)
	b.pace.Now = func() time.Time { return now }
	b.Start("probe", 4)
	for i := 1; i <= 2; i++ {
		now = now.Add(time.Second)
		b.Step(i, "loss 0.5")
	}
	b.Finish()
	want := []string{"probe: 4 steps", "probe: 1/4  loss 0.5  ETA 3s", "probe: 2/4  loss 0.5  ETA 2s", "probe: done in 2s"}
	if log.Len() != 0 || len(ids) != 1 || strings.Join(shown, "|") != strings.Join(want, "|") {
		t.Errorf("printed %q; shown %q in %d displays, want %q", log.String(), shown, len(ids), want)
	}
}
