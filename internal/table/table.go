package table

import (
	"fmt"
	"strings"
)

// Table is a header, rows of cells and an optional title line.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
}

// Markdown is the table in Markdown, the title on a line of its own above
// it; a "|" inside a cell is escaped.
func (t Table) Markdown() string {
	var md strings.Builder
	if t.Title != "" {
		md.WriteString(t.Title + "\n\n")
	}
	md.WriteString("| " + strings.Join(t.Header, " | ") + " |\n|")
	for range t.Header {
		md.WriteString("---|")
	}
	md.WriteString("\n")
	for _, r := range t.Rows {
		md.WriteString("| " + strings.Join(escapeCells(r), " | ") + " |\n")
	}
	return md.String()
}

// Text is the table in plain text, columns aligned with spaces.
func (t Table) Text() string {
	widths := make([]int, len(t.Header))
	all := append([][]string{t.Header}, t.Rows...)
	for _, r := range all {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], len([]rune(c)))
			}
		}
	}
	var b strings.Builder
	if t.Title != "" {
		b.WriteString(t.Title + "\n")
	}
	for _, r := range all {
		var line strings.Builder
		for i, c := range r {
			fmt.Fprintf(&line, "%-*s", widths[min(i, len(widths)-1)]+2, c)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func escapeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return out
}

// Percent writes a fraction as a percentage with two decimals.
func Percent(f float64) string { return fmt.Sprintf("%.2f", 100*f) }
