package data

import (
	_ "embed"
	"os"
	"strings"

	"github.com/pkg/errors"
)

// imagenetClasses is torchvision 0.14's list of the ImageNet-1k class names
// (torchvision/models/_meta.py, _IMAGENET_CATEGORIES; BSD-3-Clause,
// Copyright Facebook, Inc. and its affiliates), one per line in class-index
// order: the labels of Apple's released AIM classifier heads.
//
//go:embed imagenet_classes.txt
var imagenetClasses string

// ImageNetClasses returns the 1,000 ImageNet-1k class names in class-index
// order (torchvision's names: "tench", "goldfish", …).
func ImageNetClasses() []string {
	return strings.Split(strings.TrimSuffix(imagenetClasses, "\n"), "\n")
}

// ReadLabels reads class names from a text file, one per line in
// class-index order; blank lines are refused, as they would shift every
// later class.
func ReadLabels(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "reading labels")
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			return nil, errors.Errorf("%s: line %d is blank: expected one class name per line", path, i+1)
		}
	}
	return lines, nil
}
