package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/dist"
)

// noticeAfterParse, when set, is called once by the next successful parse:
// run sets it so that a notice about the command's setup is printed once,
// after the flags are known to be good and before the command's work, but
// not for -h.
var noticeAfterParse func()

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
	l, launched, err := dist.Launched()
	return err != nil || !launched || l.Rank == 0
}
