package main

import (
	"context"
	"testing"
)

func TestExampleRunsShort(t *testing.T) {
	if testing.Short() {
		t.Skip("example skipped in -short mode")
	}
	if err := run(context.Background(), 20, 500, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
