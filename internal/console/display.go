package console

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Display shows the progress of a run of steps where its output goes: a
// progress bar on a terminal, a plain line every LineEvery in a log, and one
// line updated in place every second in a notebook (Live). It does the
// showing, the pacing and the timing; the progress reporters of the packages
// format their own figures and call it.
type Display struct {
	w       io.Writer
	name    string // the lines in place are "aim-<name>-N"
	pace    *Pacer
	bar     *progressbar.ProgressBar
	live    func(id, text string)
	id      string
	total   int
	first   int // the steps done before Start
	start   time.Time
	running bool
}

// displays numbers the lines shown in place.
var displays atomic.Int64

// NewDisplay returns a Display writing to w. Its lines in place in a
// notebook have the ids "aim-<name>-N", N counting the displays. pace paces
// the plain lines, and its clock (pace.Now) times the run; nil means a Pacer
// of its own on the real clock.
func NewDisplay(w io.Writer, name string, pace *Pacer) *Display {
	if pace == nil {
		pace = &Pacer{}
	}
	return &Display{w: w, name: name, pace: pace}
}

// Start begins a run of total steps, done of them already completed. On a
// terminal it draws a bar titled title at done; elsewhere it starts the
// clock of the plain lines and, in a notebook, a new line in place.
func (d *Display) Start(title string, total, done int) {
	*d.pace = Pacer{Now: d.pace.Now}
	d.total, d.first, d.start, d.running = total, done, d.now(), true
	if IsTerminal(d.w) {
		d.bar = NewBar(d.w, total, title)
		_ = d.bar.Set(done)
		return
	}
	if d.live = Live(); d.live != nil {
		d.id = fmt.Sprintf("aim-%s-%d", d.name, displays.Add(1))
		d.pace.Every = time.Second
	}
	d.pace.Due() // starts the clock of the plain lines
}

// Update reports done steps. On a terminal the bar moves to done, with
// describe as its description unless it is empty; elsewhere the line that
// line returns is shown when one is due (Line). Outside a run (before Start,
// after Finish) it shows nothing.
func (d *Display) Update(done int, describe string, line func() string) {
	switch {
	case !d.running:
	case d.bar != nil:
		if describe != "" {
			d.bar.Describe(describe)
		}
		_ = d.bar.Set(done)
	case d.pace.Due():
		d.Line(line())
	}
}

// Line shows text where there is no bar: in place in a notebook, printed on
// its own line in a log. On a terminal the bar shows the progress instead.
func (d *Display) Line(text string) {
	switch {
	case d.bar != nil:
	case d.live != nil:
		d.live(d.id, text)
	default:
		fmt.Fprintln(d.w, text)
	}
}

// InPlace shows text as the line in place in a notebook, and nothing
// elsewhere.
func (d *Display) InPlace(text string) {
	if d.live != nil {
		d.live(d.id, text)
	}
}

// Note prints line on its own, above the bar on a terminal.
func (d *Display) Note(line string) {
	if d.bar != nil {
		_ = d.bar.Clear()
	}
	fmt.Fprintln(d.w, line)
	if d.bar != nil && !d.bar.IsFinished() {
		_ = d.bar.RenderBlank()
	}
}

// ETA estimates the time left at done steps from the pace since Start, to
// the second; 0 before the first step of the run.
func (d *Display) ETA(done int) time.Duration {
	if done <= d.first {
		return 0
	}
	per := d.now().Sub(d.start) / time.Duration(done-d.first)
	return (per * time.Duration(d.total-done)).Round(time.Second)
}

// Elapsed is the time since Start, to the second.
func (d *Display) Elapsed() time.Duration {
	return d.now().Sub(d.start).Round(time.Second)
}

// Finish ends the run; on a terminal it completes the bar and its line.
func (d *Display) Finish() {
	if d.bar != nil {
		_ = d.bar.Finish()
		fmt.Fprintln(d.w)
	}
	d.bar, d.running = nil, false
}

func (d *Display) now() time.Time {
	if d.pace.Now != nil {
		return d.pace.Now()
	}
	return time.Now()
}
