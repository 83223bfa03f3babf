// Package sysmem tells how much memory the process may still use, so that a
// run too large for the machine is refused before it allocates rather than
// stalling the machine or dying of an allocation the system refuses.
package sysmem
