// Package sizes does the size arithmetic of the readers of untrusted files
// (dataset headers, photo dimensions): products of dimensions that refuse
// negative factors and stay far from integer overflow.
package sizes
