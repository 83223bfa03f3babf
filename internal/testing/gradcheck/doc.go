// Package gradcheck compares the gradients Gorgonia's symbolic
// differentiation builds with central finite differences, in float64.
package gradcheck
