// Package console tells whether output goes to a terminal, where progress
// bars make sense, or to a log, where they would be noise.
package console
