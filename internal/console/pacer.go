package console

import "time"

// LineEvery is how often a plain progress line is printed where there is no
// terminal for a bar (a log file, a notebook, CI).
const LineEvery = 10 * time.Second

// Pacer says when a plain progress line is due: not at the first call (the
// caller prints its start), then each time Every (LineEvery when 0) has
// passed since the last line. Now is the clock (time.Now when nil).
type Pacer struct {
	Now   func() time.Time
	Every time.Duration
	last  time.Time
}

// Due reports whether a line is due now, and if so counts it as printed.
func (p *Pacer) Due() bool {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	every := p.Every
	if every <= 0 {
		every = LineEvery
	}
	t := now()
	if p.last.IsZero() {
		p.last = t
		return false
	}
	if t.Sub(p.last) < every {
		return false
	}
	p.last = t
	return true
}
