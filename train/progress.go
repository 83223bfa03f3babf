package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/aim-go/aim/internal/console"
)

// Progress receives the progress of a run.
type Progress interface {
	Start(total, done int)
	Step(done int, loss, imagesPerSec float64)
	Evaluated(m Metrics)
	Finish()
}

// Silent is a Progress that shows nothing.
type Silent struct{}

func (Silent) Start(int, int)             {}
func (Silent) Step(int, float64, float64) {}
func (Silent) Evaluated(Metrics)          {}
func (Silent) Finish()                    {}

// Bar shows a progress bar with the step, the loss, the throughput and the
// time left, and prints a line at every evaluation. When w is not a
// terminal (a log file, a notebook, CI) it prints a plain line with the
// same figures every console.LineEvery (10 s) instead of the bar, and the
// evaluation lines.
type Bar struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	total int
	start time.Time
	first int
	pace  console.Pacer
}

// NewBar returns a Bar writing to w (usually os.Stderr).
func NewBar(w io.Writer) *Bar { return &Bar{w: w} }

// Start begins a bar of total steps, done of them already completed.
func (b *Bar) Start(total, done int) {
	b.total, b.start, b.first = total, b.now(), done
	if !console.IsTerminal(b.w) {
		b.pace.Due() // starts the clock of the plain lines
		return
	}
	b.bar = console.NewBar(b.w, total, "pretrain")
	_ = b.bar.Set(done)
}

// Step advances the bar, or prints a plain line when one is due.
func (b *Bar) Step(done int, loss, imagesPerSec float64) {
	if b.bar == nil {
		if b.pace.Due() {
			fmt.Fprintf(b.w, "step %6d/%d  loss %.4f  %5.0f img/s  ETA %s\n", done, b.total, loss, imagesPerSec, b.eta(done))
		}
		return
	}
	b.bar.Describe(fmt.Sprintf("loss %.4f  %5.0f img/s", loss, imagesPerSec))
	_ = b.bar.Set(done)
}

// Evaluated prints the evaluation on its own line above the bar.
func (b *Bar) Evaluated(m Metrics) {
	if b.bar != nil {
		_ = b.bar.Clear()
	}
	fmt.Fprintf(b.w, "step %6d/%d  epoch %6.2f  train %.4f  val %.4f  lr %.2e  %5.0f img/s  ETA %s\n",
		m.Step, b.total, m.Epoch, m.TrainLoss, m.ValLoss, m.LR, m.ImagesPerSec, b.eta(m.Step))
	if b.bar != nil {
		_ = b.bar.RenderBlank()
	}
}

// eta estimates the time left from the pace since Start.
func (b *Bar) eta(done int) time.Duration {
	if done <= b.first {
		return 0
	}
	per := b.now().Sub(b.start) / time.Duration(done-b.first)
	return (per * time.Duration(b.total-done)).Round(time.Second)
}

func (b *Bar) now() time.Time {
	if b.pace.Now != nil {
		return b.pace.Now()
	}
	return time.Now()
}

// Finish ends the bar.
func (b *Bar) Finish() {
	if b.bar == nil {
		return
	}
	_ = b.bar.Finish()
	fmt.Fprintln(b.w)
}
