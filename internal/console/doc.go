// Package console shows the progress of long runs: a progress bar (NewBar)
// where output goes to a terminal (IsTerminal), a plain line every
// LineEvery (Pacer) where it goes to a log, where a bar would be noise, and
// a line updated in place in a notebook (Live, installed by the kernel with
// SetLive). Display chooses among the three for a run of steps and keeps
// its time; the progress reporters of the packages format their figures.
package console
