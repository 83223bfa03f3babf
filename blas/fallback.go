package blas

import (
	"os"
	"strings"
)

// WhyNotOpenBLAS reports why matrix products run on gonum although nobody
// asked for it: the error of loading OpenBLAS. It returns nil when OpenBLAS
// is the active backend, and when AIM_BLAS names gonum. Like every function
// of the package it chooses the backend if that has not happened yet.
func WhyNotOpenBLAS() error {
	if Backend() != Gonum || strings.EqualFold(strings.TrimSpace(os.Getenv(EnvVar)), Gonum) {
		return nil
	}
	_, err := loadOpenBLAS()
	return err
}
