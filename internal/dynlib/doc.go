//go:build darwin || freebsd || linux

// Package dynlib loads C libraries at run time (with purego, so without
// cgo): First tries candidate files in turn, Open loads one and resolves
// the functions a binding calls. Packages blas (OpenBLAS) and blas/onednn
// (oneDNN) load their libraries through it.
package dynlib
