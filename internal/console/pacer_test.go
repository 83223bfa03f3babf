package console

import (
	"testing"
	"time"
)

// TestPacer: a line every 10 s of the given clock, none at the start.
func TestPacer(t *testing.T) {
	now := time.Unix(0, 0)
	p := Pacer{Now: func() time.Time { return now }}
	var due []int
	for s := 0; s <= 35; s++ {
		if p.Due() {
			due = append(due, s)
		}
		now = now.Add(time.Second)
	}
	if len(due) != 3 || due[0] != 10 || due[1] != 20 || due[2] != 30 {
		t.Errorf("lines due at %v s, want 10, 20, 30", due)
	}
}
