package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/blas/onednn"
	"github.com/aim-go/aim/mpi"
)

// noticeAfterParse, when set, is called once by the next successful parse:
// run sets it so that a notice about the command's setup is printed once,
// after the flags are known to be good and before the command's work, but
// not for -h.
var noticeAfterParse func(*flag.FlagSet)

// slowBLASNotice is the notice run prints when OpenBLAS could not be loaded
// and AIM_BLAS did not ask for gonum, and "" otherwise, for commands that
// multiply no matrices, and on the ranks of an mpirun job other than rank
// 0 (every rank would print the same). The figures are those of a 512³
// float32 product on 2 cores.
func slowBLASNotice(command string) string {
	if command == "version" || command == "plot" || !firstRank() {
		return ""
	}
	why := blas.WhyNotOpenBLAS()
	if why == nil {
		return ""
	}
	detail := ""
	if os.Getenv(blas.LibEnvVar) != "" { // the user's library: say why it failed
		detail = fmt.Sprintf(" (%s)", strings.TrimPrefix(why.Error(), "OpenBLAS not found: "))
	}
	return fmt.Sprintf("aim: OpenBLAS was not found%s, so matrix products run on gonum's pure-Go BLAS,\n"+
		"  about 5–8× slower (a 512³ float32 product on 2 cores: 20–25 GFLOP/s, against 170–200 with OpenBLAS).\n"+
		"  Install it with \"apt-get install libopenblas0-pthread\" (Debian, Ubuntu), or set %s=%s to silence this notice.\n",
		detail, blas.EnvVar, blas.Gonum)
}

// firstRank reports whether this process is rank 0 of the job mpirun
// started, or runs outside mpirun; known from the environment, before
// MPI starts.
func firstRank() bool {
	l, launched, err := mpi.Launched()
	return err != nil || !launched || l.Rank == 0
}

// bf16Speedup measures bf16 against f32 (a variable for tests).
var bf16Speedup = blas.BF16Speedup

// hintEnvVar set to "off" silences precisionHint.
const hintEnvVar = "AIM_PRECISION_HINT"

// precisionHint is the line a command with --precision prints when it runs
// in f32 on a CPU whose bf16 products are measured faster (blas.BF16Speedup
// at least 1.2×), or in bf16 where oneDNN emulates bf16, and "" otherwise,
// on ranks other than 0 and when AIM_PRECISION_HINT=off.
func precisionHint(fs *flag.FlagSet) string {
	f := fs.Lookup("precision")
	if f == nil || os.Getenv(hintEnvVar) == "off" || !firstRank() {
		return ""
	}
	if f.Value.String() != blas.PrecisionF32.String() {
		if blas.CheckPrecision(blas.PrecisionBF16) != nil || onednn.NativeBF16() {
			return ""
		}
		return fmt.Sprintf("aim: this CPU has no bf16 units (oneDNN %s runs %s): --precision bf16 is emulated here,\n"+
			"  several times slower than f32; it gives the same results as on a CPU with them.\n", onednn.Version(), onednn.ISA())
	}
	speedup, err := bf16Speedup()
	if err != nil || speedup < 1.2 {
		return ""
	}
	return fmt.Sprintf("aim: this CPU multiplies about %.1f× faster in bf16 (oneDNN %s, %s): --precision bf16 uses it,\n"+
		"  rounding the inputs of matrix products to bfloat16 (results within about 1e-2 of f32; see docs/performance.md).\n"+
		"  %s=off silences this line.\n", speedup, onednn.Version(), onednn.ISA(), hintEnvVar)
}
