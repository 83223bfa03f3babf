package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/aim-go/aim/data/photo"
)

// FromPhotos makes a batch of photos an unlabeled RGB dataset named
// "photos" that shares the batch's values.
func TestFromPhotos(t *testing.T) {
	b := photo.Batch{N: 2, H: 1, W: 2, Values: []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}
	d := FromPhotos(b)
	checkValid(t, d)
	if d.Name != "photos" || d.N != 2 || d.C != 3 || d.H != 1 || d.W != 2 || d.Labels != nil || d.Classes != 0 {
		t.Fatalf("dataset %q (%d, %d, %d, %d), labels %v, %d classes; want \"photos\" (2, 3, 1, 2), unlabeled", d.Name, d.N, d.C, d.H, d.W, d.Labels, d.Classes)
	}
	if !slices.Equal(d.Image(1), b.Image(1)) {
		t.Errorf("image 1 is %v, want the batch's %v", d.Image(1), b.Image(1))
	}
	d.Images[0] = -1
	if b.Values[0] != -1 {
		t.Error("the dataset does not share the batch's values")
	}
}

func TestValidate(t *testing.T) {
	ok := func() *Dataset {
		return &Dataset{Name: "t", N: 2, C: 1, H: 1, W: 2, Images: []float32{0, 1, 2, 3}, Labels: []int{0, 2}, Classes: 3}
	}
	tests := []struct {
		name   string
		change func(d *Dataset)
		want   string // "" for valid
	}{
		{"valid", func(d *Dataset) {}, ""},
		{"unlabeled", func(d *Dataset) { d.Labels, d.Classes = nil, 0 }, ""},
		{"empty", func(d *Dataset) { d.N, d.Images, d.Labels = 0, nil, nil; d.Classes = 0 }, ""},
		{"zero channels", func(d *Dataset) { d.C = 0 }, "invalid shape"},
		{"negative N", func(d *Dataset) { d.N = -1 }, "invalid shape"},
		{"too large", func(d *Dataset) { d.N = 1 << 40 }, "too large"},
		{"short images", func(d *Dataset) { d.Images = d.Images[:3] }, "3 image values, want N·C·H·W = 4"},
		{"labels count", func(d *Dataset) { d.Labels = d.Labels[:1] }, "1 labels for 2 images"},
		{"label too big", func(d *Dataset) { d.Labels[1] = 3 }, "label 3 of image 1 outside [0, 3)"},
		{"negative label", func(d *Dataset) { d.Labels[0] = -1 }, "label -1"},
		{"labels, no classes", func(d *Dataset) { d.Classes = 0 }, "Classes = 0"},
		{"classes, no labels", func(d *Dataset) { d.Labels = nil }, "no labels but Classes = 3"},
		{"NaN", func(d *Dataset) { d.Images[3] = float32(math.NaN()) }, "image 1 holds non-finite value NaN"},
		{"Inf", func(d *Dataset) { d.Images[0] = float32(math.Inf(-1)) }, "non-finite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok()
			tt.change(d)
			err := d.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error saying %q", err, tt.want)
			}
		})
	}
	if err := (*Dataset)(nil).Validate(); err == nil {
		t.Error("nil dataset validates")
	}
}

func TestImageAndSubset(t *testing.T) {
	d := &Dataset{Name: "t", N: 3, C: 2, H: 1, W: 1, Images: []float32{0, 1, 10, 11, 20, 21}, Labels: []int{0, 1, 2}, Classes: 3}
	if got := d.Image(1); !slices.Equal(got, []float32{10, 11}) || cap(got) != 2 {
		t.Errorf("Image(1) = %v (cap %d), want [10 11] (cap 2)", got, cap(got))
	}
	s := d.Subset([]int{2, 0, 2})
	checkValid(t, s)
	if !slices.Equal(s.Images, []float32{20, 21, 0, 1, 20, 21}) || !slices.Equal(s.Labels, []int{2, 0, 2}) || s.Classes != 3 {
		t.Errorf("Subset = %v %v, classes %d", s.Images, s.Labels, s.Classes)
	}
	s.Images[0] = -1
	if d.Images[4] != 20 {
		t.Error("Subset shares memory with its source")
	}
	u := (&Dataset{N: 1, C: 1, H: 1, W: 1, Images: []float32{5}}).Subset([]int{0})
	if u.Labels != nil {
		t.Error("Subset of an unlabeled dataset has labels")
	}
	defer func() {
		if recover() == nil {
			t.Error("Image(3) did not panic")
		}
	}()
	d.Image(3)
}
