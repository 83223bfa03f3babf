package optim

import (
	"math"

	"github.com/pkg/errors"
)

// State returns the step count and copies of the first (m) and second (v)
// moments of every parameter, by name: what a checkpoint must save for a
// resumed run to continue exactly. Before the first step the maps are empty.
func (o *AdamW[T]) State() (step int, m, v map[string][]T) {
	m = make(map[string][]T, len(o.state))
	v = make(map[string][]T, len(o.state))
	for name, st := range o.state {
		m[name] = append([]T(nil), st.m...)
		v[name] = append([]T(nil), st.v...)
	}
	return o.step, m, v
}

// SetState replaces the optimizer state with copies of m and v after step
// steps, as returned by State. step 0 with empty maps resets the optimizer.
//
// SetState checks the state on its own: m and v name the same parameters
// with the same lengths, every value is finite and v is not negative. It
// cannot know the parameters; the next Step checks that they are exactly the
// ones named here, with these lengths. On error nothing changes.
func (o *AdamW[T]) SetState(step int, m, v map[string][]T) error {
	if err := checkState(step, m, v); err != nil {
		return err
	}
	o.step = step
	o.stamp = 0
	if step == 0 {
		o.state = nil
		return nil
	}
	o.state = make(map[string]*moments[T], len(m))
	for name, mm := range m {
		o.state[name] = &moments[T]{m: append([]T(nil), mm...), v: append([]T(nil), v[name]...)}
	}
	return nil
}

func checkState[T Float](step int, m, v map[string][]T) error {
	switch {
	case step < 0:
		return errors.Errorf("optim: state step %d, want ≥ 0", step)
	case step == 0 && (len(m) > 0 || len(v) > 0):
		return errors.Errorf("optim: state at step 0 has moments for %d params, want none", max(len(m), len(v)))
	case len(m) != len(v):
		return errors.Errorf("optim: state has first moments for %d params and second moments for %d", len(m), len(v))
	}
	for name, mm := range m {
		vv, ok := v[name]
		switch {
		case !ok:
			return errors.Errorf("optim: state of param %q has first moments but no second moments", name)
		case len(mm) != len(vv):
			return errors.Errorf("optim: state of param %q has %d first moments and %d second moments", name, len(mm), len(vv))
		}
		if i := firstBad(mm, false); i >= 0 {
			return errors.Errorf("optim: state of param %q: first moment %d is %v, want a finite value", name, i, mm[i])
		}
		if i := firstBad(vv, true); i >= 0 {
			return errors.Errorf("optim: state of param %q: second moment %d is %v, want a finite value ≥ 0", name, i, vv[i])
		}
	}
	return nil
}

// firstBad returns the index of the first non-finite value of xs, or of the
// first negative one when nonNegative is set, or -1.
func firstBad[T Float](xs []T, nonNegative bool) int {
	for i, x := range xs {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) || (nonNegative && f < 0) {
			return i
		}
	}
	return -1
}
