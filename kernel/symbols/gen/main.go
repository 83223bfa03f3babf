package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

func main() {
	check := flag.Bool("check", false, "compare the committed tables with fresh ones instead of writing")
	dir := flag.String("dir", "", "the kernel/symbols directory (default: found from the working directory)")
	flag.Parse()
	if err := run(*dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	if dir == "" {
		var err error
		if dir, err = symbolsDir(); err != nil {
			return err
		}
	}
	pkgs, err := extracted()
	if err != nil {
		return err
	}
	if check {
		if err := checkTables(dir, pkgs); err != nil {
			return err
		}
		return checkDocs(dir, pkgs)
	}
	if err := writeTables(dir, pkgs); err != nil {
		return err
	}
	return writeDocs(dir, pkgs)
}

// symbolsDir finds kernel/symbols: the working directory when go generate
// runs gen there, else kernel/symbols below the module root.
func symbolsDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", errors.Wrap(err, "finding the working directory")
	}
	if _, err := os.Stat(filepath.Join(wd, "symbols.go")); err == nil && filepath.Base(wd) == "symbols" {
		return wd, nil
	}
	pkgs, err := list("github.com/aim-go/aim/kernel/symbols")
	if err != nil {
		return "", err
	}
	return pkgs[0].Dir, nil
}
