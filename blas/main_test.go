package blas

import (
	"fmt"
	"os"
	"testing"
)

// TestMain refuses to test when the environment forces a route this
// machine cannot take (AIM_ISA, AIM_XWT, AIM_BLAS or OPENBLAS_CORETYPE):
// the tests would otherwise run on another route than the one named.
// The subprocesses of the tests that check those errors are let through.
func TestMain(m *testing.M) {
	if os.Getenv("BLAS_TEST_CHILD") == "" && os.Getenv("AIM_TEST_ROUTE_CHILD") == "" {
		if err := Init(); err != nil {
			fmt.Fprintf(os.Stderr, "blas tests: the environment forces a route this machine cannot take: %v\n", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}
