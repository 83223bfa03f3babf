package plots

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

func labelsOf(ticks []plot.Tick) []string {
	var ls []string
	for _, tk := range ticks {
		if tk.Label != "" {
			ls = append(ls, tk.Label)
		}
	}
	return ls
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		power    bool
		want     []string
	}{
		{500, 60000, false, []string{"500", "1k", "2k", "5k", "10k", "20k", "50k"}},
		{800, 75000, false, []string{"1k", "2k", "5k", "10k", "20k", "50k"}},
		{2e5, 3e9, false, []string{"1M", "10M", "100M", "1B"}},
		{2e11, 3e14, false, []string{"300B", "1T", "3T", "10T", "30T", "100T", "300T"}}, // not 1000B
		{1e18, 1e22, true, []string{"10^18", "10^19", "10^20", "10^21", "10^22"}},
		{1e20, 2e21, true, []string{"10^20", "2×10^20", "5×10^20", "10^21", "2×10^21"}},
		{500, 900, false, []string{"500", "700"}},
		{510, 590, false, []string{"510", "590"}}, // no round value inside: the ends
	}
	for _, tc := range tests {
		ticks := logTicks{power: tc.power}.Ticks(tc.min, tc.max)
		if got := labelsOf(ticks); !slices.Equal(got, tc.want) {
			t.Errorf("Ticks(%g, %g) labels %q, want %q", tc.min, tc.max, got, tc.want)
		}
		for _, tk := range ticks {
			if tk.Value < tc.min*(1-1e-9) || tk.Value > tc.max*(1+1e-9) {
				t.Errorf("Ticks(%g, %g): tick %g outside the range", tc.min, tc.max, tk.Value)
			}
		}
	}
	minor := 0
	for _, tk := range (logTicks{}).Ticks(500, 60000) {
		if tk.IsMinor() {
			minor++
		}
	}
	if minor == 0 {
		t.Error("Ticks(500, 60000) has no minor ticks")
	}
	for _, r := range [][2]float64{{0, 10}, {-1, 10}, {10, 1}, {math.NaN(), 1}, {1, math.Inf(1)}} {
		if ticks := (logTicks{}).Ticks(r[0], r[1]); ticks != nil {
			t.Errorf("Ticks(%g, %g) = %v, want none", r[0], r[1], ticks)
		}
	}
}

func TestLogAxisTicks(t *testing.T) {
	// A few well-spaced image counts label themselves, the decades become minor ticks.
	xs := []float64{1000, 6000, 60000, 1000}
	ticks := logAxisTicks(xs, 800, 75000).Ticks(800, 75000)
	if got, want := labelsOf(ticks), []string{"1k", "6k", "60k"}; !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
	if len(ticks) <= 3 {
		t.Errorf("only %d ticks: no minor ticks for scale", len(ticks))
	}
	// Values too close together for their labels fall back on the 1-2-5 ticks.
	ticks = logAxisTicks([]float64{1000, 1100, 60000}, 800, 75000).Ticks(800, 75000)
	if got := labelsOf(ticks); slices.Contains(got, "1.1k") || !slices.Contains(got, "10k") {
		t.Errorf("crowded values gave labels %q", got)
	}
	// FLOPs are not labelled at the data (2.7×10^19 reads badly).
	if _, ok := logAxisTicks([]float64{1e20, 3e20, 9e20}, 8e19, 1e21).(logTicks); !ok {
		t.Error("FLOP values got value ticks")
	}
}

func TestLabels(t *testing.T) {
	counts := map[float64]string{
		0: "0", 1: "1", 500: "500", 999: "999", 1000: "1k", 1500: "1.5k", 6000: "6k", 60000: "60k",
		999999: "1M", 1281167: "1.28M", 2e9: "2B", 5e12: "5T", -2000: "−2k",
	}
	for v, want := range counts {
		if got := countLabel(v); got != want {
			t.Errorf("countLabel(%g) = %q, want %q", v, got, want)
		}
	}
	powers := map[float64]string{1e18: "10^18", 3e20: "3×10^20", 2.5e21: "2.5×10^21", 9.999e21: "10^22"}
	for v, want := range powers {
		if got := powerLabel(v); got != want {
			t.Errorf("powerLabel(%g) = %q, want %q", v, got, want)
		}
	}
}

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		want     []string
	}{
		{0.296, 0.314, nil}, // checked for form only, below
		{75.2, 78.6, []string{"75.5", "76.0", "76.5", "77.0", "77.5", "78.0", "78.5"}},
		{-600, 20600, []string{"0", "5k", "10k", "15k", "20k"}},
		{-1, 1, []string{"−1.0", "−0.5", "0", "0.5", "1.0"}},
	}
	for _, tc := range tests {
		got := labelsOf(linearTicks{}.Ticks(tc.min, tc.max))
		if len(tc.want) == 0 {
			// Only the count and form are fixed: at most maxLinearTicks, three decimals.
			if len(got) < 3 || len(got) > maxLinearTicks {
				t.Errorf("Ticks(%g, %g) gave %d labels %q", tc.min, tc.max, len(got), got)
			}
			for _, l := range got {
				if len(l) != len("0.300") {
					t.Errorf("Ticks(%g, %g): label %q, want three decimals", tc.min, tc.max, l)
				}
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Ticks(%g, %g) labels %q, want %q", tc.min, tc.max, got, tc.want)
		}
	}
}

func TestBadInputs(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	good := []float64{1000, 2000}
	tests := []errorCase{
		{"no points", func() error { _, err := LossVsAccuracy(nil); return err }, []string{"LossVsAccuracy", "no points"}},
		{"NaN loss", func() error {
			_, err := LossVsAccuracy([]LabeledPoint{{Label: "0.6B", X: 0.31, Y: 75}, {Label: "1B", X: nan, Y: 76}})
			return err
		}, []string{`point "1B"`, "X (loss) is NaN"}},
		{"Inf accuracy, unlabelled", func() error {
			_, err := LossVsAccuracy([]LabeledPoint{{Label: "", X: 0.31, Y: inf}})
			return err
		}, []string{"point 0 (unlabelled)", "Y (accuracy) is +Inf"}},
		{"no curves", func() error { _, err := AccuracyVsImages(nil); return err }, []string{"AccuracyVsImages", "no curves"}},
		{"empty curve", func() error { _, err := AccuracyVsImages([]Curve{{Label: "avg"}}); return err }, []string{`curve "avg"`, "no points"}},
		{"lengths", func() error {
			_, err := AccuracyVsImages([]Curve{{Label: "avg", X: []float64{1, 2, 3}, Y: []float64{1, 2}}})
			return err
		}, []string{`curve "avg"`, "X has 3 values but Y has 2"}},
		{"zero on log axis", func() error {
			_, err := AccuracyVsImages([]Curve{{Label: "avg", X: []float64{0, 10}, Y: []float64{1, 2}}})
			return err
		}, []string{`curve "avg"`, "X[0] = 0 is not positive", "logarithmic"}},
		{"negative FLOPs", func() error {
			_, err := LossVsFLOPs([]Curve{{Label: "1B", X: []float64{1e20, -1e21}, Y: []float64{1, 2}}})
			return err
		}, []string{"LossVsFLOPs", `curve "1B"`, "X[1] = -1e+21 is not positive"}},
		{"Inf loss", func() error {
			_, err := LossVsFLOPs([]Curve{{Label: "1B", X: good, Y: []float64{1, inf}}})
			return err
		}, []string{`curve "1B"`, "Y[1] is +Inf"}},
		{"duplicate labels", func() error {
			_, err := AccuracyVsImages([]Curve{{Label: "avg", X: good, Y: good}, {Label: "avg", X: good, Y: good}})
			return err
		}, []string{"curves 0 and 1", `"avg"`}},
		{"no runs", func() error { _, err := LossCurves(nil); return err }, []string{"LossCurves", "no runs"}},
		{"empty run", func() error { _, err := LossCurves([]LossHistory{{Label: "1B"}}); return err }, []string{`run "1B"`, "no training or validation"}},
		{"train lengths", func() error {
			_, err := LossCurves([]LossHistory{{Label: "1B", TrainSteps: []float64{1, 2}, Train: []float64{1}}})
			return err
		}, []string{`run "1B" training`, "TrainSteps has 2 values but Train has 1"}},
		{"NaN val", func() error {
			_, err := LossCurves([]LossHistory{{Label: "1B", ValSteps: []float64{1, 2}, Val: []float64{0.5, nan}}})
			return err
		}, []string{`run "1B" validation`, "Val[1] is NaN"}},
		{"steps without losses", func() error {
			_, err := LossCurves([]LossHistory{{Label: "1B", ValSteps: []float64{1, 2}}})
			return err
		}, []string{`run "1B" validation`, "ValSteps has 2 values but Val has 0"}},
	}
	checkErrors(t, tests)
}

func TestSaveErrors(t *testing.T) {
	p, err := LossVsAccuracy(paperPoints)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Save(nil, filepath.Join(dir, "x"), vg.Inch, vg.Inch); err == nil {
		t.Error("Save(nil plot): no error")
	}
	for _, size := range [][2]vg.Length{{0, vg.Inch}, {vg.Inch, -1}, {vg.Length(math.NaN()), vg.Inch}, {vg.Length(math.Inf(1)), vg.Inch}} {
		if err := Save(p, filepath.Join(dir, "x"), size[0], size[1]); err == nil {
			t.Errorf("Save at %v × %v: no error", size[0], size[1])
		}
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Save(p, filepath.Join(file, "x"), vg.Inch, vg.Inch); err == nil {
		t.Error("Save under a regular file: no error")
	}

	// A plot that fails while drawing (a log axis over negative values) must leave the files
	// that were there untouched and no temporary files behind.
	base := filepath.Join(dir, "keep")
	for _, ext := range []string{".png", ".svg"} {
		if err := os.WriteFile(base+ext, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad, err := LossVsAccuracy(paperPoints)
	if err != nil {
		t.Fatal(err)
	}
	bad.X.Scale = plot.LogScale{}
	bad.X.Tick.Marker = plot.LogTicks{}
	bad.X.Min = -1
	if err := Save(bad, base, 6*vg.Inch, 4*vg.Inch); err == nil {
		t.Fatal("Save of a plot that cannot be drawn: no error")
	}
	for _, ext := range []string{".png", ".svg"} {
		if b, err := os.ReadFile(base + ext); err != nil || string(b) != "old" {
			t.Errorf("%s%s changed by a failed Save: %q, %v", base, ext, b, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}

	// An extension on base is dropped rather than doubled.
	if err := Save(p, filepath.Join(dir, "named.png"), 3*vg.Inch, 2*vg.Inch); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"named.png", "named.svg"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}

// nominalTransforms maps a finished figure's data to the nominal data area.
func nominalTransforms(f *figure) (trX, trY func(float64) vg.Length) {
	return func(v float64) vg.Length { return nominal.Max.X * vg.Length(f.p.X.Norm(v)) },
		func(v float64) vg.Length { return nominal.Max.Y * vg.Length(f.p.Y.Norm(v)) }
}

func TestLayoutAvoidsData(t *testing.T) {
	f, err := lossVsAccuracy(paperPoints)
	if err != nil {
		t.Fatal(err)
	}
	f.finish()
	trX, trY := nominalTransforms(f)
	ob := f.ov.obstacles(trX, trY)
	placed := f.ov.placeLabels(nominal, ob, trX, trY)
	if len(placed) != len(paperPoints) {
		t.Fatalf("%d labels placed, want %d", len(placed), len(paperPoints))
	}
	for i, l := range placed {
		if !inside(l.box, nominal) {
			t.Errorf("label %q at %v sticks out of the data area", l.text, l.box)
		}
		own := vg.Point{X: trX(paperPoints[i].X), Y: trY(paperPoints[i].Y)}
		others := *ob
		others.boxes = slices.Delete(slices.Clone(ob.boxes), i, i+1)
		if ink := others.cost(l.box, own); ink > 0 {
			t.Errorf("label %q covers ink %.1f", l.text, ink)
		}
	}
	if _, ink := legendSpot(nominal, f.ov.legendSize(), ob); ink > 0 || f.ov.outside {
		t.Errorf("legend covers ink %.1f (outside %v)", ink, f.ov.outside)
	}

	// Eight curves filling the plot: the legend goes to the right of the data.
	f, err = lossVsFLOPs(manyCurves(8))
	if err != nil {
		t.Fatal(err)
	}
	f.finish()
	if !f.ov.outside {
		t.Error("a legend of eight entries over a full plot was put inside")
	}
	// Three of them: there is room inside, if need be by widening the y range.
	f, err = lossVsFLOPs(manyCurves(3))
	if err != nil {
		t.Fatal(err)
	}
	f.finish()
	trX, trY = nominalTransforms(f)
	if _, ink := legendSpot(nominal, f.ov.legendSize(), f.ov.obstacles(trX, trY)); ink > 0 || f.ov.outside {
		t.Errorf("three-entry legend: ink %.1f, outside %v", ink, f.ov.outside)
	}
}

func TestLegendSpot(t *testing.T) {
	area := vg.Rectangle{Max: vg.Point{X: 400, Y: 300}}
	size := vg.Point{X: 100, Y: 50}
	// A line across the top-right corner: the legend goes top left, the next preference.
	ob := &obstacles{segs: [][2]vg.Point{{{X: 250, Y: 300}, {X: 400, Y: 150}}}}
	r, ink := legendSpot(area, size, ob)
	if ink != 0 || r.Min.X > 200 || r.Max.Y < 250 {
		t.Errorf("legend at %v with ink %v, want top left and clear", r, ink)
	}
	// Nothing in the way: top right.
	if r, _ := legendSpot(area, size, &obstacles{}); r.Max.X < 350 || r.Max.Y < 250 {
		t.Errorf("legend at %v, want top right", r)
	}
}

func TestClippedLength(t *testing.T) {
	r := vg.Rectangle{Min: vg.Point{X: 0, Y: 0}, Max: vg.Point{X: 10, Y: 10}}
	tests := []struct {
		a, b vg.Point
		want float64
	}{
		{vg.Point{X: -5, Y: 5}, vg.Point{X: 15, Y: 5}, 10}, // straight across
		{vg.Point{X: 2, Y: 2}, vg.Point{X: 5, Y: 6}, 5},    // inside
		{vg.Point{X: 20, Y: 0}, vg.Point{X: 30, Y: 10}, 0}, // outside
		{vg.Point{X: -10, Y: 0}, vg.Point{X: 0, Y: 20}, 0}, // misses the corner
		{vg.Point{X: 5, Y: -5}, vg.Point{X: 5, Y: 5}, 5},   // half in
	}
	for _, tc := range tests {
		if got := clippedLength(tc.a, tc.b, r); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("clippedLength(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestMarkerIndices(t *testing.T) {
	if got := markerIndices(5, 0, 1); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("short curve: %v", got)
	}
	got := markerIndices(401, 1, 3)
	if len(got) < denseMarkers-1 || len(got) > denseMarkers+1 {
		t.Errorf("dense curve: %d markers, want about %d", len(got), denseMarkers)
	}
	for _, i := range got {
		if i < 0 || i >= 401 {
			t.Errorf("marker index %d out of range", i)
		}
	}
	if slices.Equal(got, markerIndices(401, 0, 3)) {
		t.Error("two series of a dense plot put their markers at the same points")
	}
}

// TestSaveKeepsModes: a figure saved over files keeps their permission
// bits, and a new figure gets those os.Create gives (0666 less the umask).
func TestSaveKeepsModes(t *testing.T) {
	p, err := LossVsAccuracy(paperPoints)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "private")
	for _, ext := range []string{".png", ".svg"} {
		if err := os.WriteFile(base+ext, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(base+ext, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := Save(p, base, 3*vg.Inch, 2*vg.Inch); err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(dir, "probe")
	f, err := os.Create(probe)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	created, err := os.Stat(probe)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(p, filepath.Join(dir, "new"), 3*vg.Inch, 2*vg.Inch); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"private.png": 0o600, "private.svg": 0o600, "new.png": created.Mode().Perm(), "new.svg": created.Mode().Perm()} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", name, info.Mode().Perm(), want)
		}
	}
}

// errorCase is a call that must fail with an error saying each of want.
type errorCase struct {
	name string
	err  func() error
	want []string
}

// checkErrors runs each case and checks its error.
func checkErrors(t *testing.T, tests []errorCase) {
	t.Helper()
	for _, tc := range tests {
		err := tc.err()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tc.name, err, w)
			}
		}
	}
}
