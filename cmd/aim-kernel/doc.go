// Command aim-kernel is a Jupyter kernel for Go with AIM built in: Go cells
// run in the yaegi interpreter, with the project's packages, gorgonia,
// tensor and gonum/plot compiled in.
//
//	go build -o aim-kernel ./cmd/aim-kernel
//	./aim-kernel install --user          # or --prefix /usr/local
//	jupyter lab                          # pick the "Go (AIM)" kernel
//
// Jupyter starts it as `aim-kernel CONNECTION_FILE`. See docs/notebooks.md.
package main
