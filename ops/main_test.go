package ops

import (
	"fmt"
	"os"
	"testing"

	"github.com/aim-go/aim/blas"
)

// TestMain refuses to test when the environment forces a route this
// machine cannot take (AIM_ISA, AIM_XWT, AIM_BLAS or OPENBLAS_CORETYPE):
// the tests would otherwise run on another route than the one named.
func TestMain(m *testing.M) {
	if err := blas.Init(); err != nil {
		fmt.Fprintf(os.Stderr, "ops tests: the environment forces a route this machine cannot take: %v\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
