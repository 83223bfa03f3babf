// Package regular opens input files that must be regular files: a FIFO or
// a device such as /dev/zero named as a dataset or a photo would make a
// reader block or run forever, so both are refused with an error naming
// the path.
package regular
