package graph

import (
	"fmt"

	"github.com/aim-go/aim/checkpoint"
)

// renamedSource is a checkpoint read under names other than its file's
// (transformers' AIMv2 names read as ml-aim's): messages about its tensors
// name them as the file does.
type renamedSource interface {
	checkpoint.Source
	fileName(name string) string
	hasShape(name string) string
	parts(name string) []string
}

// fileName returns the name src's file gives a tensor.
func fileName(src checkpoint.Source, name string) string {
	if r, ok := src.(renamedSource); ok {
		return r.fileName(name)
	}
	return name
}

// fileParts returns the file's tensors that make up a tensor of src, in
// the order of its values.
func fileParts(src checkpoint.Source, name string) []string {
	if r, ok := src.(renamedSource); ok {
		return r.parts(name)
	}
	return []string{name}
}

// hasShape describes a tensor of src as its file holds it: "name has
// shape [a b]".
func hasShape(src checkpoint.Source, name string) string {
	if r, ok := src.(renamedSource); ok {
		return r.hasShape(name)
	}
	shape, _ := src.Shape(name)
	return fmt.Sprintf("%s has shape %v", name, shape)
}

// tensorError is an error about one tensor whose message names it as the
// file does; the model's error is its message alone, without the
// parameter's own name around it.
type tensorError struct{ err error }

func (e *tensorError) Error() string { return e.err.Error() }
func (e *tensorError) Unwrap() error { return e.err }
