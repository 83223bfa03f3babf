// Package half converts between float32 and 16-bit floating-point values:
// bfloat16 (the top half of a float32) and IEEE 754 binary16. Widening is
// exact, both being subsets of float32; narrowing rounds to nearest, ties
// to even.
package half
