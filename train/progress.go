package train

import (
	"fmt"
	"io"

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
	show  *console.Display
	pace  console.Pacer // paces show's plain lines; its clock times the run
	total int
}

// NewBar returns a Bar writing to w (usually os.Stderr).
func NewBar(w io.Writer) *Bar {
	b := &Bar{}
	b.show = console.NewDisplay(w, "pretrain", &b.pace)
	return b
}

// Start begins a bar of total steps, done of them already completed.
func (b *Bar) Start(total, done int) {
	b.total = total
	b.show.Start("pretrain", total, done)
	b.show.InPlace(fmt.Sprintf("step %6d/%d", done, total))
}

// Step advances the bar, or prints a plain line when one is due.
func (b *Bar) Step(done int, loss, imagesPerSec float64) {
	b.show.Update(done, fmt.Sprintf("loss %.4f  %5.0f img/s", loss, imagesPerSec), func() string {
		return fmt.Sprintf("step %6d/%d  loss %.4f  %5.0f img/s  ETA %s", done, b.total, loss, imagesPerSec, b.show.ETA(done))
	})
}

// Evaluated prints the evaluation on its own line above the bar.
func (b *Bar) Evaluated(m Metrics) {
	b.show.Note(fmt.Sprintf("step %6d/%d  epoch %6.2f  train %.4f  val %.4f  lr %.2e  %5.0f img/s  ETA %s",
		m.Step, b.total, m.Epoch, m.TrainLoss, m.ValLoss, m.LR, m.ImagesPerSec, b.show.ETA(m.Step)))
}

// Finish ends the bar; in a notebook its line says how long the run took.
func (b *Bar) Finish() {
	b.show.InPlace(fmt.Sprintf("done in %s", b.show.Elapsed()))
	b.show.Finish()
}
