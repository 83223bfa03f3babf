// Package table lays out result tables in the two forms a result shows
// itself in: Markdown (a notebook, a report) and plain text with aligned
// columns (a terminal, a log).
package table
