package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSpearmanWithTies(t *testing.T) {
	// x 10, 20, 20, 30, 40 ranks 1, 2.5, 2.5, 4, 5; y 0.2, 0.1, 0.3, 0.3, 0.4
	// ranks 2, 1, 3.5, 3.5, 5. Both rank means are 3; deviations
	// dx −2, −0.5, −0.5, 1, 2 and dy −1, −2, 0.5, 0.5, 2; Σdx·dy = 2 + 1 −
	// 0.25 + 0.5 + 4 = 7.25, Σdx² = Σdy² = 9.5, so ρ = 7.25/9.5 = 29/38.
	rho, err := Spearman([]float64{10, 20, 20, 30, 40}, []float64{0.2, 0.1, 0.3, 0.3, 0.4})
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "ρ", rho, 29.0/38, 1e-12)
}

func TestSpearmanMonotone(t *testing.T) {
	// Ranks ignore scale: a falling curve against a rising one is −1.
	x := []float64{0.1, 1, 10, 100}
	y := []float64{0.9, 0.8, 0.5, -3}
	rho, err := Spearman(x, y)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "ρ", rho, -1, 1e-12)
}

func TestSpearmanErrors(t *testing.T) {
	_, err := Spearman([]float64{1, 2, 3}, []float64{1, 2})
	wantError(t, err, "x has 3 values, y has 2")
	_, err = Spearman([]float64{1, 2}, []float64{1, 2})
	wantError(t, err, "2 points, expected at least 3")
	_, err = Spearman([]float64{1, 1, 1}, []float64{1, 2, 3})
	wantError(t, err, "every value of x is 1", "tie")
	_, err = Spearman([]float64{1, 2, 3}, []float64{4, 4, 4})
	wantError(t, err, "every value of y is 4")
	_, err = Spearman([]float64{1, 2, 3}, []float64{1, math.NaN(), 3})
	wantError(t, err, "y[1] is NaN")
}

// bootstrapPoints is five points of three seeds whose loss falls and
// accuracy rises with the point, with seed noise.
func bootstrapPoints() (loss, acc [][]float64) {
	loss = [][]float64{{0.90, 0.95, 0.86}, {0.80, 0.88, 0.83}, {0.78, 0.70, 0.74}, {0.60, 0.69, 0.66}, {0.58, 0.55, 0.61}}
	acc = [][]float64{{0.50, 0.47, 0.55}, {0.58, 0.49, 0.53}, {0.57, 0.62, 0.60}, {0.66, 0.61, 0.70}, {0.68, 0.71, 0.66}}
	return loss, acc
}

func TestSpearmanBootstrap(t *testing.T) {
	loss, acc := bootstrapPoints()
	c, err := SpearmanBootstrap(loss, acc, 2000, 7)
	if err != nil {
		t.Fatal(err)
	}
	// The point means fall in loss and rise in accuracy, so ρ = −1.
	closeTo(t, "estimate", c.Estimate, -1, 1e-12)
	if !c.HasInterval || c.Points != 5 || c.Resamples != 2000 || c.Level != 0.95 {
		t.Fatalf("SpearmanBootstrap = %+v, want an interval over 5 points from 2000 resamples at 0.95", c)
	}
	if !(c.Low <= c.Estimate && c.Estimate <= c.High) || !(c.Low < c.High) || c.Low < -1 || c.High > 1 {
		t.Errorf("interval %v … %v, want a proper interval in [−1, 1] holding %v", c.Low, c.High, c.Estimate)
	}
}

// noisyPoints is ten points of four seeds whose means trend together under
// noise large enough for the bootstrap's correlations to take many values.
func noisyPoints() (x, y [][]float64) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, y = make([][]float64, 10), make([][]float64, 10)
	for p := range x {
		for range 4 {
			x[p] = append(x[p], float64(p)+3*rng.NormFloat64())
			y[p] = append(y[p], float64(p)+3*rng.NormFloat64())
		}
	}
	return x, y
}

func TestSpearmanBootstrapSeed(t *testing.T) {
	x, y := noisyPoints()
	c, err := SpearmanBootstrap(x, y, 1000, 7)
	if err != nil {
		t.Fatal(err)
	}
	again, err := SpearmanBootstrap(x, y, 1000, 7)
	if err != nil || again != c {
		t.Errorf("same seed gave %+v, then %+v (%v)", c, again, err)
	}
	other, err := SpearmanBootstrap(x, y, 1000, 8)
	if err != nil || (other.Low == c.Low && other.High == c.High) {
		t.Errorf("seeds 7 and 8 gave the same interval %v … %v (%v)", c.Low, c.High, err)
	}
	if other.Estimate != c.Estimate || !(c.Low <= c.Estimate && c.Estimate <= c.High) {
		t.Errorf("estimates %v and %v, want equal and within %v … %v", c.Estimate, other.Estimate, c.Low, c.High)
	}
}

func TestSpearmanBootstrapOneSeed(t *testing.T) {
	c, err := SpearmanBootstrap([][]float64{{3}, {1}, {2}}, [][]float64{{0.1}, {0.3}, {0.2}}, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := Correlation{Points: 3, Estimate: -1, Level: 0.95}
	if c != want {
		t.Errorf("SpearmanBootstrap(one seed each) = %+v, want %+v", c, want)
	}
}

func TestSpearmanBootstrapErrors(t *testing.T) {
	loss, acc := bootstrapPoints()
	_, err := SpearmanBootstrap(loss[:2], acc[:2], 100, 1)
	wantError(t, err, "2 points, expected at least 3")
	_, err = SpearmanBootstrap(loss, acc[:4], 100, 1)
	wantError(t, err, "x has 5 points, y has 4")
	bad := [][]float64{acc[0], acc[1], acc[2][:2], acc[3], acc[4]}
	_, err = SpearmanBootstrap(loss, bad, 100, 1)
	wantError(t, err, "point 2 has 3 x values and 2 y values")
	_, err = SpearmanBootstrap(loss, acc, 0, 1)
	wantError(t, err, "resamples is 0")
	_, err = SpearmanBootstrap([][]float64{{1}, {}, {2}}, [][]float64{{1}, {}, {2}}, 100, 1)
	wantError(t, err, "point 1 has no seeds")
}
