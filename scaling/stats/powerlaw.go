package stats

import (
	"math"
	"slices"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// PowerLaw is L(C) = A·C^(−B) + E, fitted by least squares on log-spaced
// data with gonum/optimize. NoFloor marks a fit whose floor E is held at
// its bound 0 because the data show none above it (see FitPowerLaw).
type PowerLaw struct {
	A       float64 `json:"a"`
	B       float64 `json:"b"`
	E       float64 `json:"e"`
	NoFloor bool    `json:"no_floor,omitempty"`
}

// Loss is the law's loss at compute c.
func (p PowerLaw) Loss(c float64) float64 { return p.A*math.Pow(c, -p.B) + p.E }

// minPowerLawPoints is the fewest points FitPowerLaw fits three parameters to.
const minPowerLawPoints = 4

// FitPowerLaw fits L(C) = A·C^(−B) + E to loss[i] at compute[i] by least
// squares on the loss, subject to E ≥ 0: the floor is an irreducible loss,
// and the losses fitted here (mean squared errors) are never negative. Where
// the data show no floor above zero — a curve about straight in log
// compute, whose unconstrained fit runs off towards E → −∞, B → 0 — the
// optimum lies on the bound: E = 0, a pure power law (NoFloor). It needs at
// least 4 points at at least 3 distinct positive compute values, positive
// finite losses that are not all equal, and an optimisation that
// converges; otherwise the error names the problem.
func FitPowerLaw(compute, loss []float64) (PowerLaw, error) {
	if err := checkCurve(compute, loss); err != nil {
		return PowerLaw{}, errors.Wrap(err, "power-law fit")
	}
	prob := newScaledFit(compute, loss)
	theta, err := prob.minimize()
	if err == nil && theta[2] < 0 {
		err = errors.Errorf("the floor came out at %.3g, below 0", prob.scale*theta[2])
	}
	noFloor := err != nil
	if noFloor {
		bounded, boundErr := prob.minimizeNoFloor()
		if boundErr != nil {
			return PowerLaw{}, errors.Wrapf(boundErr, "power-law fit: without a bound (%v); at the bound E = 0", err)
		}
		theta = bounded
	}
	p := prob.unscale(theta)
	p.NoFloor = noFloor
	if !isFinite(p.A) || !isFinite(p.B) || !isFinite(p.E) {
		return PowerLaw{}, errors.Errorf("power-law fit: parameters A=%v B=%v E=%v are not finite", p.A, p.B, p.E)
	}
	return p, nil
}

// checkCurve checks FitPowerLaw's input.
func checkCurve(compute, loss []float64) error {
	if len(compute) != len(loss) {
		return errors.Errorf("%d compute values and %d losses, expected one loss per compute", len(compute), len(loss))
	}
	if len(compute) < minPowerLawPoints {
		return errors.Errorf("%d points, expected at least %d to fit A, B and E", len(compute), minPowerLawPoints)
	}
	for i, c := range compute {
		if !(c > 0) || math.IsInf(c, 0) {
			return errors.Errorf("compute[%d] is %v, expected a positive finite number", i, c)
		}
	}
	if d := distinct(compute); d < 3 {
		return errors.Errorf("compute takes %d distinct values, expected at least 3", d)
	}
	if err := CheckFinite("loss", loss); err != nil {
		return err
	}
	for i, l := range loss {
		if !(l > 0) {
			return errors.Errorf("loss[%d] is %v, expected a positive loss", i, l)
		}
	}
	if allEqual(loss) {
		return errors.Errorf("loss is %v at every compute; a power law needs a loss that changes with compute", loss[0])
	}
	return nil
}

// distinct counts the distinct values of v.
func distinct(v []float64) int {
	s := slices.Clone(v)
	slices.Sort(s)
	return len(slices.Compact(s))
}

// scaledFit is the least-squares problem in a well-conditioned form: compute
// divided by its geometric mean g, loss by its mean magnitude s, and
// parameters θ = (ln a, b, e) of l(x) = a·x^(−b) + e, so that A = s·a·g^b,
// B = b and E = s·e.
type scaledFit struct {
	logX, l     []float64
	logG, scale float64
}

// newScaledFit scales loss at compute; checkCurve has passed them.
func newScaledFit(compute, loss []float64) *scaledFit {
	f := &scaledFit{logX: make([]float64, len(compute)), l: make([]float64, len(loss))}
	for i, c := range compute {
		f.logX[i] = math.Log(c)
	}
	f.logG = stat.Mean(f.logX, nil)
	floats.AddConst(-f.logG, f.logX)
	f.scale = floats.Norm(loss, 1) / float64(len(loss))
	floats.ScaleTo(f.l, 1/f.scale, loss)
	return f
}

// unscale converts θ to the caller's units.
func (f *scaledFit) unscale(theta []float64) PowerLaw {
	return PowerLaw{
		A: f.scale * math.Exp(theta[0]+theta[1]*f.logG),
		B: theta[1],
		E: f.scale * theta[2],
	}
}

// objective is half the mean squared residual at θ.
func (f *scaledFit) objective(theta []float64) float64 {
	var sum float64
	for i, lx := range f.logX {
		r := math.Exp(theta[0]-theta[1]*lx) + theta[2] - f.l[i]
		sum += r * r
	}
	return sum / float64(2*len(f.l))
}

// gradient writes the objective's gradient at θ into grad.
func (f *scaledFit) gradient(grad, theta []float64) {
	clear(grad)
	for i, lx := range f.logX {
		term := math.Exp(theta[0] - theta[1]*lx)
		r := term + theta[2] - f.l[i]
		grad[0] += r * term
		grad[1] -= r * term * lx
		grad[2] += r
	}
	floats.Scale(1/float64(len(f.l)), grad)
}

// start is the starting point: of a few floors e just below the least loss,
// the one whose log-log line through l − e fits best, with that line's slope
// and intercept.
func (f *scaledFit) start() []float64 {
	lo, hi := floats.Min(f.l), floats.Max(f.l)
	var best []float64
	for _, k := range []float64{0.01, 0.1, 0.3, 1, 3} {
		e := lo - k*(hi-lo)
		y := make([]float64, len(f.l))
		for i, l := range f.l {
			y[i] = math.Log(l - e)
		}
		lnA, slope := stat.LinearRegression(f.logX, y, nil, false)
		theta := []float64{lnA, -slope, e}
		if best == nil || f.objective(theta) < f.objective(best) {
			best = theta
		}
	}
	return best
}

// The fit is scaled so that the parameters and the loss are of order one,
// which makes absolute gradient tolerances meaningful. BFGS stops at
// gradientTolerance; on noisy data rounding lets the line search stall a
// little above it, where stalledTolerance still counts as converged.
const (
	gradientTolerance = 1e-12
	stalledTolerance  = 1e-8
	maxIterations     = 1000
)

// minimize runs BFGS from the start and returns θ at the least-squares
// minimum, or an error when the gradient there is not close to zero.
func (f *scaledFit) minimize() ([]float64, error) {
	return minimizeBFGS(optimize.Problem{Func: f.objective, Grad: f.gradient}, f.start())
}

// minimizeNoFloor fits l(x) = a·x^(−b) with the floor held at 0, from the
// log-log regression line, and returns θ = (ln a, b, 0). It is the
// constrained optimum only if raising the floor would not lower the
// objective there (the floor's partial derivative is not negative);
// otherwise a floor above zero fits better and the error says so.
func (f *scaledFit) minimizeNoFloor() ([]float64, error) {
	full := func(t []float64) []float64 { return []float64{t[0], t[1], 0} }
	grad3 := make([]float64, 3)
	p := optimize.Problem{
		Func: func(t []float64) float64 { return f.objective(full(t)) },
		Grad: func(grad, t []float64) {
			f.gradient(grad3, full(t))
			copy(grad, grad3[:2])
		},
	}
	y := make([]float64, len(f.l))
	for i, l := range f.l {
		y[i] = math.Log(l)
	}
	lnA, slope := stat.LinearRegression(f.logX, y, nil, false)
	t, err := minimizeBFGS(p, []float64{lnA, -slope})
	if err != nil {
		return nil, err
	}
	theta := full(t)
	f.gradient(grad3, theta)
	if grad3[2] < -stalledTolerance {
		return nil, errors.Errorf("a floor above 0 fits better (the objective falls as it rises: %.3g), but the fit with one did not converge", grad3[2])
	}
	return theta, nil
}

// minimizeBFGS minimises p from start with BFGS and returns the minimiser,
// or an error when p's gradient there is not close to zero.
func minimizeBFGS(p optimize.Problem, start []float64) ([]float64, error) {
	settings := &optimize.Settings{GradientThreshold: gradientTolerance, MajorIterations: maxIterations}
	res, err := optimize.Minimize(p, start, settings, &optimize.BFGS{})
	if res == nil {
		return nil, errors.Wrap(err, "optimisation did not start")
	}
	grad := make([]float64, len(res.X))
	p.Grad(grad, res.X)
	if g := floats.Norm(grad, math.Inf(1)); !(g <= stalledTolerance) {
		why := res.Status.String()
		if err != nil {
			why += ": " + err.Error()
		}
		return nil, errors.Errorf("did not converge: BFGS stopped (%s) after %d iterations with gradient %.3g, expected at most %g",
			why, res.MajorIterations, g, stalledTolerance)
	}
	return res.X, nil
}
