//go:build !amd64 || purego

package isa

// feature is a CPU feature a level needs, and whether this build has it.
type feature struct {
	name string
	has  bool
}

// cpuRequired lists what level l needs: the kernels are amd64 assembly, left
// out of other architectures and of the purego build.
func cpuRequired(l Level) []feature {
	if l == Go {
		return nil
	}
	return []feature{{"amd64 assembly (this build has none)", false}}
}
