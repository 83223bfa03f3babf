//go:build linux

package dynlib

import (
	"strings"
	"testing"
)

// libc is a library every Linux machine that runs the tests has.
const libc = "libc.so.6"

func TestOpenResolvesSymbols(t *testing.T) {
	var strlen, memcpy uintptr
	h, err := Open(libc, Symbols{"strlen": &strlen, "memcpy": &memcpy})
	if err != nil {
		t.Fatal(err)
	}
	if h == 0 || strlen == 0 || memcpy == 0 || strlen == memcpy {
		t.Errorf("handle %#x, strlen %#x, memcpy %#x: want three distinct non-zero addresses", h, strlen, memcpy)
	}
}

func TestOpenNamesTheMissingSymbol(t *testing.T) {
	var a, b uintptr
	_, err := Open(libc, Symbols{"strlen": &a, "no_such_function_b": &b, "no_such_function_a": &b})
	if err == nil || !strings.Contains(err.Error(), libc+": no symbol no_such_function_a") {
		t.Errorf("error = %v, want one naming %s and the first missing symbol in name order", err, libc)
	}
}

func TestFirstTakesTheFirstThatLoadsAndListsFailures(t *testing.T) {
	open := func(path string) (string, error) {
		_, err := Open(path, nil)
		return path, err
	}
	got, err := First("libc", []string{"/nonexistent/libc.so", libc}, open)
	if err != nil || got != libc {
		t.Errorf("First = %q, %v; want %q", got, err, libc)
	}
	_, err = First("Thing", []string{"/nonexistent/a.so", "/nonexistent/b.so"}, open)
	if err == nil || !strings.HasPrefix(err.Error(), "Thing not found: ") ||
		!strings.Contains(err.Error(), "/nonexistent/a.so") || !strings.Contains(err.Error(), "/nonexistent/b.so") {
		t.Errorf("error = %v, want one saying Thing was not found and naming both paths", err)
	}
}
