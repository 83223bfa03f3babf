package console

import "sync"

// A notebook shows a progress line in place: a display that each new
// figure replaces, rather than a line every 10 seconds. The notebook
// kernel installs the function that shows one (SetLive); progress
// reporters call Live when it is there.

var (
	liveMu sync.Mutex
	live   func(id, text string)
)

// SetLive installs the function that shows the progress line id (created
// at its first call, replaced at the next ones) and returns the one it
// replaces; nil removes it. It is for the notebook kernel.
func SetLive(f func(id, text string)) func(id, text string) {
	liveMu.Lock()
	defer liveMu.Unlock()
	old := live
	live = f
	return old
}

// Live is the function that shows a progress line in place, or nil
// outside a notebook.
func Live() func(id, text string) {
	liveMu.Lock()
	defer liveMu.Unlock()
	return live
}
