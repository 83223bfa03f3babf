// Package kit is the toolkit the Gorgonia operations of package ops and its
// sub-packages are made of: the methods every operation shares (Base), the
// output buffers they keep from one run to the next (Buffer, whose memory
// package memplan may share between operations), type and shape helpers,
// and the input checks.
//
// It is internal to ops: users apply operations through the functions of
// ops and ops/probeops, never through the types here.
package kit
