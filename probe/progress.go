package probe

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

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
// remaining time, and notes as lines above it.
type Bar struct {
	w     io.Writer
	phase string
	bar   *progressbar.ProgressBar
	began time.Time // when not on a terminal: only start and end lines
}

// NewBar returns a Bar writing to w (usually os.Stderr).
func NewBar(w io.Writer) *Bar { return &Bar{w: w} }

// Start begins a bar of total steps.
func (b *Bar) Start(phase string, total int) {
	b.phase, b.began = phase, time.Now()
	if !console.IsTerminal(b.w) {
		fmt.Fprintf(b.w, "%s: %d steps\n", phase, total)
		return
	}
	b.bar = console.NewBar(b.w, total, phase)
}

// Step advances the bar.
func (b *Bar) Step(done int, status string) {
	if b.bar == nil {
		return
	}
	if status != "" {
		b.bar.Describe(b.phase + "  " + status)
	}
	_ = b.bar.Set(done)
}

// Note prints a line above the bar.
func (b *Bar) Note(line string) {
	if b.bar != nil {
		_ = b.bar.Clear()
	}
	fmt.Fprintln(b.w, line)
	if b.bar != nil && !b.bar.IsFinished() {
		_ = b.bar.RenderBlank()
	}
}

// Finish ends the bar.
func (b *Bar) Finish() {
	if b.bar == nil {
		if b.phase != "" {
			fmt.Fprintf(b.w, "%s: done in %s\n", b.phase, time.Since(b.began).Round(time.Second))
			b.phase = ""
		}
		return
	}
	_ = b.bar.Finish()
	fmt.Fprintln(b.w)
	b.bar, b.phase = nil, ""
}
