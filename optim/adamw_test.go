package optim

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// problem is a small training run: initial parameters and, per step, a
// learning rate and the gradients of every parameter.
type problem struct {
	names []string
	decay []bool
	init  [][]float64
	lrs   []float64
	grads [][][]float64 // grads[step][param]
}

// newProblem draws a run whose gradient scale changes from step to step so
// that clipping at 1 is active on some steps and not on others.
func newProblem(seed uint64) problem {
	r := rand.New(rand.NewPCG(seed, 7))
	pr := problem{
		names: []string{"w", "b", "s", "norm.weight"},
		decay: []bool{true, false, true, false},
	}
	sizes := []int{12, 5, 1, 4}
	for _, n := range sizes {
		pr.init = append(pr.init, randVec(r, n, 1))
	}
	scales := []float64{0.05, 3, 0.2, 10, 0.01, 1.5, 0.3, 40}
	for i, sc := range scales {
		pr.lrs = append(pr.lrs, 1e-2/float64(i+1))
		var gs [][]float64
		for _, n := range sizes {
			gs = append(gs, randVec(r, n, sc))
		}
		pr.grads = append(pr.grads, gs)
	}
	return pr
}

func randVec(r *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

// params returns the initial parameters of pr as Param[T].
func params[T Float](pr problem) []Param[T] {
	ps := make([]Param[T], len(pr.names))
	for i, name := range pr.names {
		ps[i] = Param[T]{Name: name, Data: convert[T](pr.init[i]), Grad: make([]T, len(pr.init[i])), Decay: pr.decay[i]}
	}
	return ps
}

func convert[T Float](xs []float64) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = T(x)
	}
	return out
}

// setGrads copies the gradients of step into ps.
func setGrads[T Float](ps []Param[T], pr problem, step int) {
	for i := range ps {
		for j, g := range pr.grads[step][i] {
			ps[i].Grad[j] = T(g)
		}
	}
}

// reference runs pr with textbook AdamW written independently of the
// package: clipping when the norm exceeds clip, then decoupled decay, then
// the update with explicitly bias-corrected moments. It returns the
// parameters after each step and the norm of each step.
func reference(pr problem, wd, clip float64) (after [][][]float64, norms []float64) {
	const b1, b2, eps = 0.9, 0.95, 1e-8
	p := make([][]float64, len(pr.init))
	m := make([][]float64, len(pr.init))
	v := make([][]float64, len(pr.init))
	for i := range p {
		p[i] = slices.Clone(pr.init[i])
		m[i] = make([]float64, len(p[i]))
		v[i] = make([]float64, len(p[i]))
	}
	for s, grads := range pr.grads {
		t := float64(s + 1)
		sum := 0.0
		for _, g := range grads {
			for _, x := range g {
				sum += x * x
			}
		}
		norm := math.Sqrt(sum)
		norms = append(norms, norm)
		scale := 1.0
		if clip > 0 && norm > clip {
			scale = clip / (norm + 1e-6)
		}
		lr := pr.lrs[s]
		for i := range p {
			for j := range p[i] {
				g := grads[i][j] * scale
				if pr.decay[i] {
					p[i][j] *= 1 - lr*wd
				}
				m[i][j] = b1*m[i][j] + (1-b1)*g
				v[i][j] = b2*v[i][j] + (1-b2)*g*g
				mhat := m[i][j] / (1 - math.Pow(b1, t))
				vhat := v[i][j] / (1 - math.Pow(b2, t))
				p[i][j] -= lr * mhat / (math.Sqrt(vhat) + eps)
			}
		}
		snap := make([][]float64, len(p))
		for i := range p {
			snap[i] = slices.Clone(p[i])
		}
		after = append(after, snap)
	}
	return after, norms
}

// checkClipMix fails the test unless clipping at clip (when on) applies to
// some steps of a run and not to others, with no norm so close to clip that
// the clipping conditions norm > clip and norm + 1e-6 > clip could differ.
func checkClipMix(t *testing.T, norms []float64, clip float64) {
	t.Helper()
	if clip == 0 {
		return
	}
	clipped := 0
	for _, n := range norms {
		if n > clip {
			clipped++
		}
		if math.Abs(n-clip) < 1e-3 {
			t.Fatalf("norm %v too close to the clipping threshold %v", n, clip)
		}
	}
	if clipped == 0 || clipped == len(norms) {
		t.Fatalf("%d of %d steps clipped at %v, want some but not all", clipped, len(norms), clip)
	}
}

// relErr is |got − want| relative to |want|, with a floor of 1e-3 on the
// scale so that values near zero are compared absolutely.
func relErr(got, want float64) float64 {
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-3)
}

// run steps a new optimizer through pr and returns the parameters after
// each step and the norms.
func run[T Float](t *testing.T, pr problem, wd, clip float64) (after [][][]float64, norms []float64) {
	t.Helper()
	o := NewAdamW[T]()
	o.WeightDecay, o.ClipNorm = wd, clip
	ps := params[T](pr)
	for s := range pr.grads {
		setGrads(ps, pr, s)
		norm, err := o.Step(ps, pr.lrs[s])
		if err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		norms = append(norms, norm)
		snap := make([][]float64, len(ps))
		for i, p := range ps {
			snap[i] = make([]float64, len(p.Data))
			for j, x := range p.Data {
				snap[i][j] = float64(x)
			}
		}
		after = append(after, snap)
	}
	if o.Steps() != len(pr.grads) {
		t.Errorf("Steps() = %d, want %d", o.Steps(), len(pr.grads))
	}
	return after, norms
}

// compare fails the test where got and want differ by more than tol (or are NaN)
// relative, and returns the largest relative error.
func compare(t *testing.T, pr problem, got, want [][][]float64, gotNorms, wantNorms []float64, tol float64) float64 {
	t.Helper()
	worst := 0.0
	for s := range want {
		if e := relErr(gotNorms[s], wantNorms[s]); !(e <= tol) {
			t.Errorf("step %d: norm %.17g, want %.17g", s, gotNorms[s], wantNorms[s])
		}
		for i := range want[s] {
			for j := range want[s][i] {
				e := relErr(got[s][i][j], want[s][i][j])
				worst = max(worst, e)
				if !(e <= tol) {
					t.Errorf("step %d, %s[%d] = %.17g, want %.17g (relative error %.2g)", s, pr.names[i], j, got[s][i][j], want[s][i][j], e)
				}
			}
		}
	}
	return worst
}

func TestAgainstReference(t *testing.T) {
	pr := newProblem(1)
	tests := []struct {
		name      string
		wd, clip  float64
		float32   bool
		tolerance float64
	}{
		{"float64 clip 1", 0.05, 1, false, 1e-12},
		{"float64 no clipping", 0.05, 0, false, 1e-12},
		{"float64 strong decay", 0.5, 1, false, 1e-12},
		{"float64 no decay", 0, 2, false, 1e-12},
		{"float32 clip 1", 0.05, 1, true, 1e-5},
		{"float32 no clipping", 0.05, 0, true, 1e-5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, wantNorms := reference(pr, tt.wd, tt.clip)
			checkClipMix(t, wantNorms, tt.clip)
			var got [][][]float64
			var gotNorms []float64
			if tt.float32 {
				got, gotNorms = run[float32](t, pr, tt.wd, tt.clip)
			} else {
				got, gotNorms = run[float64](t, pr, tt.wd, tt.clip)
			}
			worst := compare(t, pr, got, want, gotNorms, wantNorms, tt.tolerance)
			t.Logf("largest relative error %.3g", worst)
		})
	}
}

// snapshot is everything a failed Step must leave untouched.
type snapshot[T Float] struct {
	data  [][]T
	grad  [][]T
	step  int
	m, v  map[string][]T
	steps int
}

// steppedOnce returns a float32 AdamW that has taken one step on pr's
// parameters, the parameters, and a snapshot of both after that step.
func steppedOnce(t *testing.T, pr problem) (*AdamW[float32], []Param[float32], snapshot[float32]) {
	t.Helper()
	o := NewAdamW[float32]()
	ps := params[float32](pr)
	setGrads(ps, pr, 0)
	if _, err := o.Step(ps, 1e-3); err != nil {
		t.Fatal(err)
	}
	return o, ps, take(o, ps)
}

func take[T Float](o *AdamW[T], ps []Param[T]) snapshot[T] {
	var s snapshot[T]
	for _, p := range ps {
		s.data = append(s.data, slices.Clone(p.Data))
		s.grad = append(s.grad, slices.Clone(p.Grad))
	}
	s.step, s.m, s.v = o.State()
	s.steps = o.Steps()
	return s
}

// sameBits reports whether two slices hold identical bit patterns.
func sameBits[T Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

func sameMaps[T Float](a, b map[string][]T) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		if y, ok := b[k]; !ok || !sameBits(x, y) {
			return false
		}
	}
	return true
}

func (s snapshot[T]) check(t *testing.T, o *AdamW[T], ps []Param[T]) {
	t.Helper()
	now := take(o, ps)
	for i := range s.data {
		if i >= len(now.data) || !sameBits(s.data[i], now.data[i]) {
			t.Errorf("param %d data changed", i)
		}
	}
	if now.step != s.step || now.steps != s.steps || !sameMaps(now.m, s.m) || !sameMaps(now.v, s.v) {
		t.Errorf("optimizer state changed: step %d → %d", s.step, now.step)
	}
}

func TestNonFiniteGradientChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		param int
		value float64
	}{
		{"NaN", 1, math.NaN()},
		{"+Inf", 0, math.Inf(1)},
		{"-Inf", 3, math.Inf(-1)},
		{"overflowing square", 2, 1e200},
	}
	pr := newProblem(2)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewAdamW[float64]()
			ps := params[float64](pr)
			for s := 0; s < 3; s++ {
				setGrads(ps, pr, s)
				if _, err := o.Step(ps, pr.lrs[s]); err != nil {
					t.Fatal(err)
				}
			}
			setGrads(ps, pr, 3)
			ps[tt.param].Grad[0] = tt.value
			before := take(o, ps)
			norm, err := o.Step(ps, pr.lrs[3])
			if err == nil || !strings.Contains(err.Error(), pr.names[tt.param]) {
				t.Fatalf("got error %v, want one naming param %q", err, pr.names[tt.param])
			}
			if !math.IsNaN(norm) && !math.IsInf(norm, 1) {
				t.Errorf("returned norm %v, want NaN or +Inf", norm)
			}
			before.check(t, o, ps)
			// The run continues as if the bad batch had not been seen.
			want, _ := reference(problem{names: pr.names, decay: pr.decay, init: pr.init, lrs: pr.lrs[:4], grads: pr.grads[:4]}, DefaultWeightDecay, DefaultClipNorm)
			setGrads(ps, pr, 3)
			if _, err := o.Step(ps, pr.lrs[3]); err != nil {
				t.Fatal(err)
			}
			for i, p := range ps {
				for j, x := range p.Data {
					if e := relErr(x, want[3][i][j]); !(e <= 1e-12) {
						t.Fatalf("after the skipped batch, %s[%d] = %g, want %g", pr.names[i], j, x, want[3][i][j])
					}
				}
			}
		})
	}
}

func TestInvalidStepChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64)
		wantS string
	}{
		{"short gradient", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			ps[0].Grad = ps[0].Grad[:3]
			return ps, 1e-3
		}, `param "w" has 3 gradient values for 12 values`},
		{"duplicate", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			return append(ps[:3:3], ps[0]), 1e-3
		}, `param "w" is passed twice`},
		{"unknown param", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			ps[1].Name = "bias"
			return ps, 1e-3
		}, `param "bias" has no optimizer state`},
		{"missing param", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			return ps[:3], 1e-3
		}, `missing: "norm.weight"`},
		{"resized param", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			ps[2].Data, ps[2].Grad = make([]float32, 2), make([]float32, 2)
			return ps, 1e-3
		}, `param "s" has 2 values but its optimizer state has 1`},
		{"NaN learning rate", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			return ps, math.NaN()
		}, "learning rate NaN"},
		{"negative learning rate", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			return ps, -1
		}, "learning rate -1"},
		{"Beta1 = 1", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			o.Beta1 = 1
			return ps, 1e-3
		}, "Beta1 1"},
		{"Beta2 < 0", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			o.Beta2 = -0.1
			return ps, 1e-3
		}, "Beta2 -0.1"},
		{"zero Eps", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			o.Eps = 0
			return ps, 1e-3
		}, "Eps 0"},
		{"negative decay", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			o.WeightDecay = -1
			return ps, 1e-3
		}, "WeightDecay -1"},
		{"infinite clip", func(o *AdamW[float32], ps []Param[float32]) ([]Param[float32], float64) {
			o.ClipNorm = math.Inf(1)
			return ps, 1e-3
		}, "ClipNorm +Inf"},
	}
	pr := newProblem(3)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ps, before := steppedOnce(t, pr)
			bad, lr := tt.edit(o, slices.Clone(ps))
			_, err := o.Step(bad, lr)
			if err == nil || !strings.Contains(err.Error(), tt.wantS) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantS)
			}
			before.check(t, o, ps)
		})
	}
}

// TestFirstStepFailureKeepsNoState checks that a first step that fails does
// not fix the parameter set.
func TestFirstStepFailureKeepsNoState(t *testing.T) {
	o := NewAdamW[float64]()
	bad := []Param[float64]{{Name: "a", Data: []float64{1}, Grad: []float64{math.NaN()}}}
	if _, err := o.Step(bad, 1e-3); err == nil {
		t.Fatal("step with a NaN gradient succeeded")
	}
	good := []Param[float64]{{Name: "b", Data: []float64{1}, Grad: []float64{0.5}}}
	if _, err := o.Step(good, 1e-3); err != nil {
		t.Fatalf("first successful step: %v", err)
	}
	if step, m, _ := o.State(); step != 1 || len(m) != 1 || m["b"] == nil {
		t.Errorf("state after one step: step %d, moments %v", step, m)
	}
}

// TestStepAllocatesNothing checks the steady state of the training loop.
func TestStepAllocatesNothing(t *testing.T) {
	pr := newProblem(4)
	o := NewAdamW[float32]()
	ps := params[float32](pr)
	setGrads(ps, pr, 0)
	if _, err := o.Step(ps, 1e-3); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := o.Step(ps, 1e-3); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Step allocates %v times per call, want 0", allocs)
	}
}

// BenchmarkStep times one step over 3M float32 values, the size of the
// project's small models.
func BenchmarkStep(b *testing.B) {
	const n, k = 3 << 20, 24
	r := rand.New(rand.NewPCG(1, 2))
	ps := make([]Param[float32], k)
	for i := range ps {
		ps[i] = Param[float32]{Name: string(rune('a' + i)), Data: make([]float32, n/k), Grad: make([]float32, n/k), Decay: i%2 == 0}
		for j := range ps[i].Grad {
			ps[i].Data[j] = float32(r.NormFloat64())
			ps[i].Grad[j] = float32(r.NormFloat64())
		}
	}
	o := NewAdamW[float32]()
	b.SetBytes(n * 4)
	for b.Loop() {
		if _, err := o.Step(ps, 1e-4); err != nil {
			b.Fatal(err)
		}
	}
}
