package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomDataset returns n labeled images of c×h×w with values in [0, 1).
func randomDataset(n, c, h, w, classes int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Dataset{Name: "random", N: n, C: c, H: h, W: w, Images: make([]float32, n*c*h*w), Labels: make([]int, n), Classes: classes}
	for i := range d.Images {
		d.Images[i] = rng.Float32()
	}
	for i := range d.Labels {
		d.Labels[i] = rng.IntN(classes)
	}
	return d
}

func TestChannelStatsAndNormalize(t *testing.T) {
	d := randomDataset(7, 3, 4, 5, 2, 1)
	for i := range d.Images { // give each channel its own offset
		d.Images[i] += float32(i / 20 % 3)
	}
	mean, std := ChannelStats(d)
	for k := range d.C {
		var vals []float64
		for i := range d.N {
			for _, v := range d.Image(i)[k*20 : (k+1)*20] {
				vals = append(vals, float64(v))
			}
		}
		m, s := meanStd(vals)
		if math.Abs(float64(mean[k])-m) > 1e-6 || math.Abs(float64(std[k])-s) > 1e-6 {
			t.Errorf("channel %d: stats (%v, %v), want (%v, %v)", k, mean[k], std[k], m, s)
		}
	}
	if err := d.Normalize(mean, std); err != nil {
		t.Fatal(err)
	}
	mean, std = ChannelStats(d)
	for k := range d.C {
		if math.Abs(float64(mean[k])) > 1e-5 || math.Abs(float64(std[k])-1) > 1e-5 {
			t.Errorf("channel %d after Normalize: mean %v, std %v; want 0, 1", k, mean[k], std[k])
		}
	}
	if m, s := ChannelStats(&Dataset{C: 2, H: 1, W: 1}); !slices.Equal(m, []float32{0, 0}) || !slices.Equal(s, []float32{0, 0}) {
		t.Errorf("stats of an empty dataset: %v %v, want zeros", m, s)
	}
}

func meanStd(v []float64) (float64, float64) {
	var s, ss float64
	for _, x := range v {
		s += x
	}
	m := s / float64(len(v))
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(v)))
}

func TestNormalizeErrors(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name      string
		mean, std []float32
	}{
		{"too few", []float32{0}, []float32{1}},
		{"too many std", []float32{0, 0}, []float32{1, 1, 1}},
		{"zero std", []float32{0, 0}, []float32{1, 0}},
		{"negative std", []float32{0, 0}, []float32{-1, 1}},
		{"NaN std", []float32{0, 0}, []float32{nan, 1}},
		{"NaN mean", []float32{nan, 0}, []float32{1, 1}},
		{"Inf std", []float32{0, 0}, []float32{1, float32(math.Inf(1))}},
	}
	for _, tt := range tests {
		d := randomDataset(2, 2, 2, 2, 2, 3)
		before := slices.Clone(d.Images)
		if err := d.Normalize(tt.mean, tt.std); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
		if !slices.Equal(d.Images, before) {
			t.Errorf("%s: failed Normalize changed the images", tt.name)
		}
	}
}

func TestPermutation(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 1000} {
		p := Permutation(n, 42, 0)
		if len(p) != n || !slices.Equal(slices.Sorted(slices.Values(p)), seqInts(n)) {
			t.Fatalf("Permutation(%d) = %v is not a permutation", n, p)
		}
	}
	if !slices.Equal(Permutation(100, 42, 3), Permutation(100, 42, 3)) {
		t.Error("same seed and epoch gave different permutations")
	}
	seen := map[string]bool{}
	for epoch := range uint64(20) {
		seen[string(intsKey(Permutation(100, 42, epoch)))] = true
	}
	if len(seen) != 20 {
		t.Errorf("20 epochs gave %d distinct permutations", len(seen))
	}
	if slices.Equal(Permutation(100, 1, 0), Permutation(100, 2, 0)) {
		t.Error("different seeds gave the same permutation")
	}
	if p := Permutation(-1, 0, 0); p == nil || len(p) != 0 {
		t.Errorf("Permutation(-1) = %v, want empty", p)
	}
}

func seqInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func intsKey(p []int) []byte {
	b := make([]byte, 0, 2*len(p))
	for _, v := range p {
		b = append(b, byte(v), byte(v>>8))
	}
	return b
}

func TestSplitValidation(t *testing.T) {
	d := randomDataset(50, 1, 1, 1, 5, 7)
	for i := range d.Images {
		d.Images[i] = float32(i) // identify images by value
	}
	for _, n := range []int{-3, 0, 1, 10, 50, 80} {
		train, val := SplitValidation(d, n, 9)
		checkValid(t, train)
		checkValid(t, val)
		want := max(0, min(n, 50))
		if val.N != want || train.N != 50-want {
			t.Fatalf("n=%d: sizes %d/%d, want %d/%d", n, train.N, val.N, 50-want, want)
		}
		all := slices.Concat(train.Images, val.Images)
		slices.Sort(all)
		for i, v := range all {
			if v != float32(i) {
				t.Fatalf("n=%d: train and val are not a disjoint cover: %v", n, all)
			}
		}
		if !slices.IsSorted(train.Images) || !slices.IsSorted(val.Images) {
			t.Errorf("n=%d: splits do not keep the dataset order", n)
		}
		for j, v := range val.Images {
			if val.Labels[j] != d.Labels[int(v)] {
				t.Fatalf("n=%d: label of image %v moved", n, v)
			}
		}
	}
	_, a := SplitValidation(d, 10, 1)
	_, b := SplitValidation(d, 10, 1)
	_, c := SplitValidation(d, 10, 2)
	if !slices.Equal(a.Images, b.Images) || slices.Equal(a.Images, c.Images) {
		t.Error("split is not determined by the seed")
	}
}

func TestStratifiedSplit(t *testing.T) {
	d := randomDataset(200, 1, 1, 1, 3, 11)
	count := make([]int, 3)
	for _, l := range d.Labels {
		count[l]++
	}
	train, test := stratifiedSplit(d, 0.2, 5)
	checkValid(t, train)
	checkValid(t, test)
	got := make([]int, 3)
	for _, l := range test.Labels {
		got[l]++
	}
	for c := range 3 {
		if want := int(math.Round(0.2 * float64(count[c]))); got[c] != want {
			t.Errorf("class %d: %d test images, want %d of %d", c, got[c], want, count[c])
		}
	}
	if train.N+test.N != 200 {
		t.Errorf("split sizes %d + %d != 200", train.N, test.N)
	}
}

func TestFit(t *testing.T) {
	grey := randomDataset(2, 1, 6, 4, 2, 1)
	rgb := randomDataset(2, 3, 6, 4, 2, 2)
	tests := []struct {
		name    string
		d       *Dataset
		c, h, w int
		check   func(t *testing.T, out *Dataset)
	}{
		{"same", rgb, 3, 6, 4, func(t *testing.T, out *Dataset) {
			if !slices.Equal(out.Images, rgb.Images) {
				t.Error("same size changed the images")
			}
		}},
		{"1→3", grey, 3, 6, 4, func(t *testing.T, out *Dataset) {
			img := out.Image(1)
			if !slices.Equal(img[:24], grey.Image(1)) || !slices.Equal(img[24:48], img[:24]) || !slices.Equal(img[48:], img[:24]) {
				t.Error("1→3 did not replicate the grey plane")
			}
		}},
		{"3→1", rgb, 1, 6, 4, func(t *testing.T, out *Dataset) {
			src := rgb.Image(0)
			for j, v := range out.Image(0) {
				if want := (src[j] + src[24+j] + src[48+j]) / 3; math.Abs(float64(v-want)) > 1e-6 {
					t.Fatalf("3→1 value %d = %v, want mean %v", j, v, want)
				}
			}
		}},
		{"upscale", grey, 1, 12, 8, nil},
		{"downscale", rgb, 3, 3, 2, func(t *testing.T, out *Dataset) {
			// Halving averages 2×2 blocks (plus a little of their neighbours).
			var s, t2 float64
			for _, v := range out.Images {
				s += float64(v)
			}
			for _, v := range rgb.Images {
				t2 += float64(v)
			}
			if math.Abs(s/float64(len(out.Images))-t2/float64(len(rgb.Images))) > 0.05 {
				t.Errorf("downscaling changed the mean from %v to %v", t2/float64(len(rgb.Images)), s/float64(len(out.Images)))
			}
		}},
		{"1→3 and resize", grey, 3, 5, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Fit(tt.d, tt.c, tt.h, tt.w)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, out)
			if out.N != tt.d.N || out.C != tt.c || out.H != tt.h || out.W != tt.w || !slices.Equal(out.Labels, tt.d.Labels) {
				t.Fatalf("shape (%d, %d, %d, %d), want (%d, %d, %d, %d)", out.N, out.C, out.H, out.W, tt.d.N, tt.c, tt.h, tt.w)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
			for _, v := range out.Images {
				if v < 0 || v > 1 {
					t.Fatalf("value %v outside the source range [0, 1]", v)
				}
			}
		})
	}
	flat := &Dataset{N: 1, C: 1, H: 3, W: 5, Images: slices.Repeat([]float32{0.25}, 15)}
	for _, size := range [][2]int{{7, 2}, {1, 1}, {3, 5}, {30, 50}} {
		out, _ := Fit(flat, 1, size[0], size[1])
		for _, v := range out.Images {
			if math.Abs(float64(v)-0.25) > 1e-6 {
				t.Fatalf("resizing a flat image to %v gave %v", size, v)
			}
		}
	}
	for _, bad := range [][3]int{{2, 4, 4}, {4, 4, 4}, {0, 4, 4}, {1, 0, 4}, {1, 4, -1}} {
		if _, err := Fit(rgb, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Fit(3 channels → %v) gave no error", bad)
		}
	}
}

func TestBilinearTaps(t *testing.T) {
	// Doubling (align_corners=false): output 1 sits at input index
	// (1+0.5)/2 - 0.5 = 0.25 → 0.75·x0 + 0.25·x1.
	taps := bilinearTaps(0, 2, 4)
	if len(taps[1]) != 2 || taps[1][0] != (tap{0, 0.75}) || taps[1][1] != (tap{1, 0.25}) {
		t.Errorf("taps for output 1 of 2→4: %v", taps[1])
	}
	for o, ts := range bilinearTaps(3, 10, 3) {
		var sum float32
		for _, tp := range ts {
			sum += tp.w
			if tp.i < 3 || tp.i >= 13 {
				t.Errorf("output %d taps input %d outside [3, 13)", o, tp.i)
			}
		}
		if math.Abs(float64(sum)-1) > 1e-6 {
			t.Errorf("output %d weights sum to %v", o, sum)
		}
	}
}
