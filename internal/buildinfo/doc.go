// Package buildinfo reads what the running binary records of its own build
// (the module, the VCS revision, whether the tree had changes, the Go
// toolchain, the platform), for `aim version` and for results that name
// the code they came from.
package buildinfo
