package display

import (
	"encoding/base64"
	"sync"

	"github.com/pkg/errors"
)

// MIME types of the bundles this package makes.
const (
	MIMEPNG      = "image/png"
	MIMESVG      = "image/svg+xml"
	MIMEMarkdown = "text/markdown"
	MIMEHTML     = "text/html"
	MIMEText     = "text/plain"
)

// Data is one displayable value: its representations by MIME type (a PNG
// base64-encoded, as Jupyter's display_data carries it; the others as text)
// and optional metadata per MIME type (say, an image's display width). A
// front end shows the richest representation it supports.
type Data struct {
	MIME     map[string]string
	Metadata map[string]map[string]any
}

// ErrNoFrontEnd is returned by Show outside a notebook kernel.
var ErrNoFrontEnd = errors.New("display: no notebook front end (Show works inside aim-kernel)")

// PNG displays encoded PNG bytes.
func PNG(png []byte) Data {
	return bundle(MIMEPNG, base64.StdEncoding.EncodeToString(png))
}

// SVG displays an SVG document.
func SVG(svg string) Data { return bundle(MIMESVG, svg) }

// Markdown displays Markdown text (tables, emphasis, LaTeX between $…$).
func Markdown(md string) Data { return bundle(MIMEMarkdown, md) }

// HTML displays an HTML fragment.
func HTML(html string) Data { return bundle(MIMEHTML, html) }

// Text displays plain text.
func Text(text string) Data { return bundle(MIMEText, text) }

func bundle(mime, content string) Data {
	return Data{MIME: map[string]string{mime: content}}
}

// With returns d with the representations of other added (other's win
// where both have a MIME type), so one value can carry, say, a PNG and
// its SVG.
func (d Data) With(other Data) Data {
	out := Data{MIME: map[string]string{}, Metadata: map[string]map[string]any{}}
	for _, src := range []Data{d, other} {
		for k, v := range src.MIME {
			out.MIME[k] = v
		}
		for k, v := range src.Metadata {
			out.Metadata[k] = v
		}
	}
	if len(out.Metadata) == 0 {
		out.Metadata = nil
	}
	return out
}

// WithSize returns d with a display size for its images, in CSS pixels
// (0 leaves that side free): a high-resolution PNG then shows sharp at a
// reasonable size.
func (d Data) WithSize(width, height int) Data {
	out := d.With(Data{})
	for _, mime := range []string{MIMEPNG, MIMESVG} {
		if _, ok := out.MIME[mime]; !ok {
			continue
		}
		m := map[string]any{}
		if width > 0 {
			m["width"] = width
		}
		if height > 0 {
			m["height"] = height
		}
		if out.Metadata == nil {
			out.Metadata = map[string]map[string]any{}
		}
		out.Metadata[mime] = m
	}
	return out
}

// Empty reports whether d has no representation.
func (d Data) Empty() bool { return len(d.MIME) == 0 }

// Publisher sends a bundle to the front end; the kernel installs one for
// the cell that is running.
type Publisher func(Data) error

var (
	mu        sync.Mutex
	publisher Publisher
)

// SetPublisher installs the function Show sends bundles to and returns the
// one it replaces; nil removes it. It is for the kernel, not for notebooks.
func SetPublisher(p Publisher) Publisher {
	mu.Lock()
	defer mu.Unlock()
	old := publisher
	publisher = p
	return old
}

// Show displays each value now, below the running cell, rendered as Render
// does. It returns ErrNoFrontEnd outside the kernel, and the first error of
// rendering or sending (the other values are still shown).
func Show(values ...any) error {
	mu.Lock()
	p := publisher
	mu.Unlock()
	if p == nil {
		return ErrNoFrontEnd
	}
	var first error
	for _, v := range values {
		d, err := Render(v)
		if err == nil {
			err = p(d)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}
