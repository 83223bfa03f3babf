// Package layering holds the test that keeps the package import graph in
// the layers docs/architecture.md draws: each package imports only
// packages of its own layer or below.
package layering
