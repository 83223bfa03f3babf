package optim

import (
	"slices"
	"testing"
)

// The non-generic entry points are the float32 instances.
func TestFloat32EntryPoints(t *testing.T) {
	step := func(o *AdamW[float32]) []float32 {
		p := Param32{Name: "w", Data: []float32{1, -2, 3}, Grad: []float32{0.5, 0.25, -1}, Decay: true}
		if _, err := o.Step([]Param32{p}, 1e-2); err != nil {
			t.Fatal(err)
		}
		return p.Data
	}
	a, b := step(NewAdamW32()), step(NewAdamW[float32]())
	if !slices.Equal(a, b) || a[0] == 1 {
		t.Errorf("NewAdamW32 stepped to %v, NewAdamW[float32] to %v", a, b)
	}
}
