// Package display turns Go values into what a Jupyter front end shows:
// PNG and SVG images, Markdown, HTML and plain text, each a MIME bundle
// (Data).
//
// In a notebook run by aim-kernel, the value of a cell's last expression is
// rendered with Render, so a gonum/plot *plot.Plot (every figure of plots/)
// shows inline as PNG (PlotSVG adds an SVG), an image.Image as PNG and the
// probe, suite and scaling results as Markdown tables. Show displays values
// in the middle of a cell:
//
//	p, _ := plots.LossCurves(runs)
//	display.Show(p)
//	display.Show(display.Markdown("**done**"))
//
// Outside the kernel (a plain Go program), Show has no front end to send to
// and returns ErrNoFrontEnd; the constructors and Render work anywhere.
//
// Grid lays images out in rows (patches, nearest neighbours), CaptionedGrid
// adds a short caption under each image and Titled a title above any image;
// Gray makes an image of a matrix of values. Other values show as Summary
// prints them, long slices and tensors cut to their first and last elements
// (Full shows all of one); a value with a Markdown method (Markdowner)
// shows as Markdown. The kernel installs its front end with SetPublisher.
package display
