//go:build !unix

package kernel

import "os"

// redirectStdio points os.Stdout and os.Stderr at stdout and stderr where
// file descriptors cannot be redirected: compiled Go code that prints
// through them reaches the front end. It returns the original stderr for
// the kernel's own log and a function that undoes the change.
func redirectStdio(stdout, stderr *os.File) (*os.File, func(), error) {
	origOut, origErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = stdout, stderr
	return origErr, func() { os.Stdout, os.Stderr = origOut, origErr }, nil
}
