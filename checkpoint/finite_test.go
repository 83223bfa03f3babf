package checkpoint

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	f := &File{Tensors: map[string]Tensor{
		"a":   {Shape: []int{3}, Data: []float32{1, 2, 3}},
		"b.w": {Shape: []int{4}, Data: []float32{nan, 1, inf, nan}},
		"c":   {Shape: []int{2}, Data: []float32{0, inf}},
	}}
	got := f.NonFinite()
	want := []NonFiniteTensor{{Name: "b.w", NaN: 2, Inf: 1, Len: 4}, {Name: "c", Inf: 1, Len: 2}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("NonFinite() = %+v, want %+v", got, want)
	}
	err := f.CheckFinite()
	var nf *NonFiniteError
	if !errors.As(err, &nf) || len(nf.Tensors) != 2 {
		t.Fatalf("CheckFinite() = %v, want a *NonFiniteError of 2 tensors", err)
	}
	for _, s := range []string{"tensor b.w holds 2 NaN and 1 infinite values (of 4)", "tensor c holds 0 NaN and 1 infinite values (of 2)"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if strings.Contains(err.Error(), "tensor a ") {
		t.Errorf("error %q names the finite tensor a", err)
	}
}

func TestCheckFiniteOnFiniteFile(t *testing.T) {
	f := &File{Tensors: map[string]Tensor{"a": {Shape: []int{2}, Data: []float32{1, float32(math.MaxFloat32)}}}}
	if err := f.CheckFinite(); err != nil {
		t.Fatal(err)
	}
	if got := f.NonFinite(); got != nil {
		t.Fatalf("NonFinite() = %v, want nil", got)
	}
}

func TestNonFiniteErrorCountsTheRest(t *testing.T) {
	f := &File{Tensors: map[string]Tensor{}}
	for _, name := range []string{"t1", "t2", "t3", "t4", "t5"} {
		f.Tensors[name] = Tensor{Shape: []int{1}, Data: []float32{float32(math.NaN())}}
	}
	msg := f.CheckFinite().Error()
	if !strings.Contains(msg, "tensor t3 holds") || strings.Contains(msg, "tensor t4") || !strings.HasSuffix(msg, "and 2 more tensors") {
		t.Fatalf("error %q: want t1–t3 named and the 2 others counted", msg)
	}
}
