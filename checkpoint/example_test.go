package checkpoint_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/aim-go/aim/checkpoint"
)

// Write a safetensors file and read it back: tensors come back as float32
// under their names, with the string metadata.
func Example() {
	dir, err := os.MkdirTemp("", "checkpoint-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")
	f := &checkpoint.File{
		Tensors: map[string]checkpoint.Tensor{
			"trunk.post_trunk_norm.weight": {Shape: []int{4}, Data: []float32{1, 1, 1, 1}},
			"trunk.post_trunk_norm.bias":   {Shape: []int{4}, Data: []float32{0, 0, 0, 0}},
		},
		Meta: map[string]string{"num_heads": "1"},
	}
	if err := checkpoint.Write(path, f); err != nil {
		log.Fatal(err)
	}
	back, err := checkpoint.Read(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range back.Names() {
		fmt.Println(name, back.Tensors[name].Shape)
	}
	fmt.Println("num_heads:", back.Meta["num_heads"])
	w, err := back.Lookup("trunk.post_trunk_norm.weight", 4)
	fmt.Println(w.Data, err)
	_, err = back.Lookup("trunk.post_trunk_norm.weight", 8)
	fmt.Println(err != nil)
	// Output:
	// trunk.post_trunk_norm.bias [4]
	// trunk.post_trunk_norm.weight [4]
	// num_heads: 1
	// [1 1 1 1] <nil>
	// true
}
