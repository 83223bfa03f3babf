package console

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// NewBar returns the project's progress bar on w: total steps, the step
// count, the elapsed and remaining time, redrawn at most five times a
// second. Call it only when IsTerminal(w).
func NewBar(w io.Writer, total int, description string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetWidth(24),
	)
}
