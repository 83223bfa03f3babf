package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Info is what the binary records of its build: the module and its version
// ("(devel)" for a build from a checkout), the VCS revision, its time and
// whether the tree had changes (empty when the build recorded no VCS data:
// -buildvcs=false, `go test`, or a build outside a repository), the Go
// toolchain and the platform.
type Info struct {
	Module      string `json:"module"`
	Version     string `json:"version"`
	VCSRevision string `json:"vcs_revision"`
	VCSTime     string `json:"vcs_time"`
	VCSModified bool   `json:"vcs_modified"`
	Go          string `json:"go"`
	Platform    string `json:"platform"`
}

// Read returns the running binary's Info.
func Read() Info {
	b := Info{Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Module, b.Version = info.Main.Path, info.Main.Version
	if b.Module == "" {
		b.Module = info.Path
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.VCSRevision = s.Value
		case "vcs.time":
			b.VCSTime = s.Value
		case "vcs.modified":
			b.VCSModified = s.Value == "true"
		}
	}
	return b
}

// Code names the code of the build in a few characters: the revision's
// first 7 hex digits, with "+modified" when the tree had uncommitted
// changes, or "" when the build recorded no revision.
func (b Info) Code() string {
	if b.VCSRevision == "" {
		return ""
	}
	code := b.VCSRevision[:min(7, len(b.VCSRevision))]
	if b.VCSModified {
		code += "+modified"
	}
	return code
}
