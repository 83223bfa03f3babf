package probe

import (
	"bytes"
	"testing"
	"time"
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
