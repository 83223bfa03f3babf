package probe

import (
	"fmt"
	"io"
	"sync/atomic"
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
// remaining time, and notes as lines above it. When w is not a terminal (a
// log file, CI) it prints a line at the start and end of each phase and a
// plain line with the step count, status and remaining time every
// console.LineEvery (10 s) between; in a notebook (console.Live) that line
// is one display per phase, updated in place every second.
type Bar struct {
	w     io.Writer
	phase string
	bar   *progressbar.ProgressBar
	began time.Time
	total int
	pace  console.Pacer
	live  func(id, text string) // in a notebook: the line shown in place
	id    string
}

// liveBars numbers the progress lines shown in place.
var liveBars atomic.Int64

// NewBar returns a Bar writing to w (usually os.Stderr).
func NewBar(w io.Writer) *Bar { return &Bar{w: w} }

// Start begins a bar of total steps.
func (b *Bar) Start(phase string, total int) {
	b.phase, b.began, b.total, b.pace = phase, b.now(), total, console.Pacer{Now: b.pace.Now}
	if !console.IsTerminal(b.w) {
		if b.live = console.Live(); b.live != nil {
			b.id, b.pace.Every = fmt.Sprintf("aim-probe-%d", liveBars.Add(1)), time.Second
		}
		b.line(fmt.Sprintf("%s: %d steps", phase, total))
		b.pace.Due() // starts the clock of the plain lines
		return
	}
	b.bar = console.NewBar(b.w, total, phase)
}

// Step advances the bar, or prints a plain line when one is due.
func (b *Bar) Step(done int, status string) {
	if b.bar == nil {
		if b.phase != "" && b.pace.Due() {
			b.line(b.plainLine(done, status))
		}
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
			b.line(fmt.Sprintf("%s: done in %s", b.phase, b.now().Sub(b.began).Round(time.Second)))
			b.phase = ""
		}
		return
	}
	_ = b.bar.Finish()
	fmt.Fprintln(b.w)
	b.bar, b.phase = nil, ""
}

// line prints a progress line, or in a notebook shows it in place.
func (b *Bar) line(text string) {
	if b.live != nil {
		b.live(b.id, text)
		return
	}
	fmt.Fprintln(b.w, text)
}

// plainLine is "features: 1200/5000  loss 0.31  ETA 1m20s".
func (b *Bar) plainLine(done int, status string) string {
	line := fmt.Sprintf("%s: %d/%d", b.phase, done, b.total)
	if status != "" {
		line += "  " + status
	}
	if done > 0 && done < b.total {
		left := b.now().Sub(b.began) / time.Duration(done) * time.Duration(b.total-done)
		line += "  ETA " + left.Round(time.Second).String()
	}
	return line
}

func (b *Bar) now() time.Time {
	if b.pace.Now != nil {
		return b.pace.Now()
	}
	return time.Now()
}
