package train

import (
	"fmt"
	"io"
	"sync/atomic"
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
// terminal (a log file, CI) it prints a plain line with the same figures
// every console.LineEvery (10 s) instead of the bar, and the evaluation
// lines; in a notebook (console.Live) that line is one display, updated in
// place every second.
type Bar struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	total int
	start time.Time
	first int
	pace  console.Pacer
	live  func(id, text string) // in a notebook: the line shown in place
	id    string
}

// liveBars numbers the progress lines shown in place.
var liveBars atomic.Int64

// NewBar returns a Bar writing to w (usually os.Stderr).
func NewBar(w io.Writer) *Bar { return &Bar{w: w} }

// Start begins a bar of total steps, done of them already completed.
func (b *Bar) Start(total, done int) {
	b.total, b.start, b.first = total, b.now(), done
	if !console.IsTerminal(b.w) {
		if b.live = console.Live(); b.live != nil {
			b.id = fmt.Sprintf("aim-pretrain-%d", liveBars.Add(1))
			b.pace.Every = time.Second
			b.live(b.id, fmt.Sprintf("step %6d/%d", done, total))
		}
		b.pace.Due() // starts the clock of the plain lines
		return
	}
	b.bar = console.NewBar(b.w, total, "pretrain")
	_ = b.bar.Set(done)
}

// Step advances the bar, or prints a plain line when one is due.
func (b *Bar) Step(done int, loss, imagesPerSec float64) {
	if b.bar == nil {
		if !b.pace.Due() {
			return
		}
		line := fmt.Sprintf("step %6d/%d  loss %.4f  %5.0f img/s  ETA %s", done, b.total, loss, imagesPerSec, b.eta(done))
		if b.live != nil {
			b.live(b.id, line)
			return
		}
		fmt.Fprintln(b.w, line)
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
	if b.live != nil {
		b.live(b.id, fmt.Sprintf("done in %s", b.now().Sub(b.start).Round(time.Second)))
	}
	if b.bar == nil {
		return
	}
	_ = b.bar.Finish()
	fmt.Fprintln(b.w)
}
