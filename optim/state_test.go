package optim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func cloneParams[T Float](ps []Param[T]) []Param[T] {
	out := make([]Param[T], len(ps))
	for i, p := range ps {
		out[i] = Param[T]{Name: p.Name, Data: slices.Clone(p.Data), Grad: slices.Clone(p.Grad), Decay: p.Decay}
	}
	return out
}

// testResume runs one optimizer straight through pr and a second one that
// takes over the state of the first after split steps, and requires both to
// end bit for bit identical.
func testResume[T Float](t *testing.T, split int) {
	pr := newProblem(5)
	a := NewAdamW[T]()
	ps := params[T](pr)
	for s := 0; s < split; s++ {
		setGrads(ps, pr, s)
		if _, err := a.Step(ps, pr.lrs[s]); err != nil {
			t.Fatal(err)
		}
	}
	step, m, v := a.State()
	if step != split {
		t.Fatalf("State step %d, want %d", step, split)
	}
	b := NewAdamW[T]()
	if err := b.SetState(step, m, v); err != nil {
		t.Fatal(err)
	}
	// Neither optimizer may share memory with the maps handed over.
	for name := range m {
		for i := range m[name] {
			m[name][i], v[name][i] = 1e3, 1e3
		}
	}
	qs := cloneParams(ps)
	for s := split; s < len(pr.grads); s++ {
		setGrads(ps, pr, s)
		setGrads(qs, pr, s)
		na, errA := a.Step(ps, pr.lrs[s])
		nb, errB := b.Step(qs, pr.lrs[s])
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if na != nb {
			t.Errorf("step %d: norms %v and %v", s, na, nb)
		}
	}
	for i := range ps {
		if !sameBits(ps[i].Data, qs[i].Data) {
			t.Errorf("param %s differs after resuming: %v vs %v", ps[i].Name, ps[i].Data, qs[i].Data)
		}
	}
	sa, ma, va := a.State()
	sb, mb, vb := b.State()
	if sa != sb || !sameMaps(ma, mb) || !sameMaps(va, vb) {
		t.Error("optimizer states differ after resuming")
	}
}

func TestResume(t *testing.T) {
	for _, split := range []int{0, 1, 3, 7} {
		t.Run(fmt.Sprintf("float64 after %d", split), func(t *testing.T) { testResume[float64](t, split) })
		t.Run(fmt.Sprintf("float32 after %d", split), func(t *testing.T) { testResume[float32](t, split) })
	}
}

// TestSetStateMatchesSteps checks that a state set by hand is the one the
// next step uses: with m = v = 0 after 4 steps the update is the one of a
// fifth step from zero moments, worked out in closed form.
func TestSetStateMatchesSteps(t *testing.T) {
	o := NewAdamW[float64]()
	o.ClipNorm, o.WeightDecay = 0, 0
	if err := o.SetState(4, map[string][]float64{"p": {0}}, map[string][]float64{"p": {0}}); err != nil {
		t.Fatal(err)
	}
	ps := []Param[float64]{{Name: "p", Data: []float64{1}, Grad: []float64{2}}}
	if _, err := o.Step(ps, 0.1); err != nil {
		t.Fatal(err)
	}
	// t = 5: m = 0.1·2, v = 0.05·4, m̂ = 0.2/(1−0.9⁵), v̂ = 0.2/(1−0.95⁵).
	mhat := 0.2 / (1 - math.Pow(0.9, 5))
	vhat := 0.2 / (1 - math.Pow(0.95, 5))
	want := 1 - 0.1*mhat/(math.Sqrt(vhat)+1e-8)
	if got := ps[0].Data[0]; !(relErr(got, want) <= 1e-14) {
		t.Errorf("got %.17g, want %.17g", got, want)
	}
	if o.Steps() != 5 {
		t.Errorf("Steps() = %d, want 5", o.Steps())
	}
}

func TestSetStateInvalid(t *testing.T) {
	ok := map[string][]float32{"a": {1, 2}}
	tests := []struct {
		name string
		step int
		m, v map[string][]float32
		want string
	}{
		{"negative step", -1, nil, nil, "step -1"},
		{"moments at step 0", 0, ok, ok, "at step 0 has moments for 1 params"},
		{"more first moments", 3, map[string][]float32{"a": {1, 2}, "b": {1}}, ok, "first moments for 2 params and second moments for 1"},
		{"different names", 3, ok, map[string][]float32{"b": {1, 2}}, `param "a" has first moments but no second moments`},
		{"different lengths", 3, ok, map[string][]float32{"a": {1}}, `param "a" has 2 first moments and 1 second moments`},
		{"NaN first moment", 3, map[string][]float32{"a": {1, float32(math.NaN())}}, ok, `param "a": first moment 1 is NaN`},
		{"infinite second moment", 3, ok, map[string][]float32{"a": {float32(math.Inf(1)), 1}}, `param "a": second moment 0 is +Inf`},
		{"negative second moment", 3, ok, map[string][]float32{"a": {1, -2}}, `param "a": second moment 1 is -2`},
	}
	pr := newProblem(6)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ps, before := steppedOnce(t, pr)
			err := o.SetState(tt.step, tt.m, tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			before.check(t, o, ps)
		})
	}
}

// TestSetStateThenMismatchedStep checks that the parameters of the step
// after SetState are validated against the restored state.
func TestSetStateThenMismatchedStep(t *testing.T) {
	o := NewAdamW[float64]()
	if err := o.SetState(2, map[string][]float64{"a": {0.1, 0.2}}, map[string][]float64{"a": {0.01, 0.02}}); err != nil {
		t.Fatal(err)
	}
	ps := []Param[float64]{{Name: "a", Data: []float64{1, 2, 3}, Grad: []float64{1, 1, 1}}}
	if _, err := o.Step(ps, 1e-3); err == nil || !strings.Contains(err.Error(), `param "a" has 3 values but its optimizer state has 2`) {
		t.Errorf("got error %v, want a length mismatch", err)
	}
	if err := o.SetState(0, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Step(ps, 1e-3); err != nil {
		t.Errorf("step after a reset: %v", err)
	}
	if o.Steps() != 1 {
		t.Errorf("Steps() = %d after a reset and one step, want 1", o.Steps())
	}
}
