package blas

import (
	"os"
	"testing"
)

func TestWhyNotOpenBLAS(t *testing.T) {
	_, loadErr := loadOpenBLAS()
	why := WhyNotOpenBLAS()
	switch {
	case loadErr == nil && why != nil:
		t.Errorf("OpenBLAS loads, yet WhyNotOpenBLAS says %v", why)
	case loadErr != nil && os.Getenv(EnvVar) == "" && why == nil:
		t.Errorf("OpenBLAS does not load (%v), and WhyNotOpenBLAS gives no reason", loadErr)
	}
}
