//go:build darwin || freebsd || linux

package dynlib

import (
	"maps"
	"slices"
	"strings"

	"github.com/ebitengine/purego"
	"github.com/pkg/errors"
)

// Symbols maps the names of the C functions a binding calls to where Open
// stores their addresses.
type Symbols map[string]*uintptr

// Open loads the library at path and stores the address of each of syms.
// It returns the library's handle; on error (naming the path, and the first
// missing symbol in name order) the library is closed again.
func Open(path string, syms Symbols) (uintptr, error) {
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return 0, errors.Wrapf(err, "dlopen %s", path)
	}
	for _, name := range slices.Sorted(maps.Keys(syms)) {
		if *syms[name], err = purego.Dlsym(h, name); err != nil {
			purego.Dlclose(h)
			return 0, errors.Wrapf(err, "%s: no symbol %s", path, name)
		}
	}
	return h, nil
}

// First returns what open makes of the first of paths it loads. When none
// loads, the error says that what (a library's name, "OpenBLAS") was not
// found and lists each path's failure.
func First[T any](what string, paths []string, open func(path string) (T, error)) (T, error) {
	var failures []string
	for _, p := range paths {
		lib, err := open(p)
		if err == nil {
			return lib, nil
		}
		failures = append(failures, err.Error())
	}
	var none T
	return none, errors.Errorf("%s not found: %s", what, strings.Join(failures, "; "))
}
