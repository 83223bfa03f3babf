// Package optest holds what the tests of package ops and its sub-packages
// share: random and constant inputs, one forward run of a graph, the
// element-wise comparison, and the finite-difference gradient check.
package optest
