// Package lockfile gives one process at a time the use of something, such
// as a run directory, through an exclusive lock on a file.
//
// The lock is the operating system's: flock(2) on Unix, LockFileEx on
// Windows. It belongs to the open file, so a second Acquire of the same
// file fails also within one process, and the system releases it when the
// process ends in any way, kill -9 included: a lock file left behind by a
// dead process is never in the way. The holder records its host and
// process ID in the file, for the error of the processes it refuses. On
// other systems Acquire records the holder but locks nothing.
package lockfile
