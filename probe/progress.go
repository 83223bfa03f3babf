package probe

import (
	"fmt"
	"io"

	"github.com/aim-go/aim/internal/console"
)

// Progress receives the progress of feature extraction and probe training.
type Progress interface {
	// Start begins a phase of total steps ("features mnist/train", "probe").
	Start(phase string, total int)
	// Step reports done steps of the phase and a short status (the loss).
	Step(done int, status string)
	// Note reports a line worth keeping (a skipped dataset, a result).
	Note(line string)
	// Finish ends the phase.
	Finish()
}

// Silent is a Progress that shows nothing.
type Silent struct{}

func (Silent) Start(string, int) {}
func (Silent) Step(int, string)  {}
func (Silent) Note(string)       {}
func (Silent) Finish()           {}

// Bar shows each phase as a progress bar with its step count, status and
// remaining time, and notes as lines above it. When w is not a terminal (a
// log file, CI) it prints a line at the start and end of each phase and a
// plain line with the step count, status and remaining time every
// console.LineEvery (10 s) between; in a notebook (console.Live) that line
// is one display per phase, updated in place every second.
type Bar struct {
	show  *console.Display
	pace  console.Pacer // paces show's plain lines; its clock times the phases
	phase string
	total int
}

// NewBar returns a Bar writing to w (usually os.Stderr).
func NewBar(w io.Writer) *Bar {
	b := &Bar{}
	b.show = console.NewDisplay(w, "probe", &b.pace)
	return b
}

// Start begins a bar of total steps.
func (b *Bar) Start(phase string, total int) {
	b.phase, b.total = phase, total
	b.show.Start(phase, total, 0)
	b.show.Line(fmt.Sprintf("%s: %d steps", phase, total))
}

// Step advances the bar, or prints a plain line when one is due.
func (b *Bar) Step(done int, status string) {
	describe := ""
	if status != "" {
		describe = b.phase + "  " + status
	}
	b.show.Update(done, describe, func() string { return b.plainLine(done, status) })
}

// Note prints a line above the bar.
func (b *Bar) Note(line string) { b.show.Note(line) }

// Finish ends the bar; without one, a line says how long the phase took.
func (b *Bar) Finish() {
	if b.phase != "" {
		b.show.Line(fmt.Sprintf("%s: done in %s", b.phase, b.show.Elapsed()))
	}
	b.show.Finish()
	b.phase = ""
}

// plainLine is "features: 1200/5000  loss 0.31  ETA 1m20s".
func (b *Bar) plainLine(done int, status string) string {
	line := fmt.Sprintf("%s: %d/%d", b.phase, done, b.total)
	if status != "" {
		line += "  " + status
	}
	if done > 0 && done < b.total {
		line += "  ETA " + b.show.ETA(done).String()
	}
	return line
}
