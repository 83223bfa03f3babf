package main

import (
	"fmt"
	"io"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

// keptSizes is how many image sizes keep what was built for them (graphs
// sized to the batch) while images of other sizes come.
const keptSizes = 4

// sizedRunners builds what runs a model on images of one size — a feature
// extractor, a classifier — for every size images come in, and keeps those
// of the most recently seen sizes: AIMv2's native model takes every photo
// at its own size, one pass per grid.
type sizedRunners[T interface{ Close() error }] struct {
	model  *graph.Model
	build  func(sized *graph.Model) (T, error)
	log    io.Writer // told the grid of every new size
	bySize map[[3]int]T
	recent [][3]int // the sizes kept, least recently used first
	seen   map[[3]int]bool
}

func newSizedRunners[T interface{ Close() error }](m *graph.Model, log io.Writer, build func(*graph.Model) (T, error)) *sizedRunners[T] {
	return &sizedRunners[T]{model: m, build: build, log: log, bySize: map[[3]int]T{}, seen: map[[3]int]bool{}}
}

// get returns the runner for the images of d, first naming the first of
// them in errors.
func (s *sizedRunners[T]) get(d *data.Dataset, first string) (T, error) {
	key := [3]int{d.C, d.H, d.W}
	if r, ok := s.bySize[key]; ok {
		s.touch(key)
		return r, nil
	}
	var zero T
	sized, err := s.model.WithImage(d.C, d.H, d.W)
	if err != nil {
		return zero, errors.Wrapf(err, "%s (%d×%d×%d images)", first, d.C, d.H, d.W)
	}
	if !s.seen[key] {
		fmt.Fprintln(s.log, describeGrid(d, s.model.Config, sized.Config))
		s.seen[key] = true
	}
	r, err := s.build(sized)
	if err != nil {
		return zero, err
	}
	if len(s.recent) == keptSizes {
		s.bySize[s.recent[0]].Close()
		delete(s.bySize, s.recent[0])
		s.recent = s.recent[1:]
	}
	s.bySize[key] = r
	s.recent = append(s.recent, key)
	return r, nil
}

// touch marks a size as the most recently used.
func (s *sizedRunners[T]) touch(key [3]int) {
	for i, k := range s.recent {
		if k == key {
			s.recent = append(append(s.recent[:i:i], s.recent[i+1:]...), key)
			return
		}
	}
}

// Close releases every runner kept.
func (s *sizedRunners[T]) Close() {
	for _, k := range s.recent {
		s.bySize[k].Close()
	}
	s.bySize, s.recent = map[[3]int]T{}, nil
}
