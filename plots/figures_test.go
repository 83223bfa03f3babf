package plots

import (
	"encoding/xml"
	"flag"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

var samples = flag.String("samples", "", "also write the test figures to this directory, to look at")

// paperPoints are the paper's pre-training validation losses and 15-benchmark averages.
var paperPoints = []LabeledPoint{
	{Label: "AIM-0.6B", X: 0.3119, Y: 75.6},
	{Label: "AIM-1B", X: 0.3084, Y: 76.9},
	{Label: "AIM-3B", X: 0.3039, Y: 77.6},
	{Label: "AIM-7B", X: 0.2989, Y: 77.8},
}

func imageCurves() []Curve {
	n := []float64{1000, 6000, 60000}
	return []Curve{
		{Label: "average", X: n, Y: []float64{61.2, 68.9, 74.3}},
		{Label: "MNIST", X: n, Y: []float64{91.5, 95.8, 97.9}, Dashed: true},
		{Label: "Fashion-MNIST", X: n, Y: []float64{70.3, 78.1, 83.6}, Dashed: true},
		{Label: "CIFAR-10", X: n, Y: []float64{21.8, 32.7, 41.4}, Dashed: true},
	}
}

// lossRuns are synthetic: losses decaying towards a floor that falls with model size, with
// validation every 500 steps, training every 50 with noise, and the smallest model overfitting.
func lossRuns() []LossHistory {
	var runs []LossHistory
	for m, name := range []string{"AIM-0.6B", "AIM-1B", "AIM-3B"} {
		floor := 0.32 - 0.01*float64(m)
		r := LossHistory{Label: name}
		for s := 0; s <= 20000; s += 50 {
			v := floor + 0.5*math.Exp(-float64(s)/2500)
			noise := 0.006 * math.Sin(float64(s)*0.37+float64(m))
			r.TrainSteps = append(r.TrainSteps, float64(s))
			r.Train = append(r.Train, v-0.01+noise)
			if s%500 == 0 {
				if m == 0 && s > 12000 {
					v += 0.000002 * float64(s-12000)
				}
				r.ValSteps = append(r.ValSteps, float64(s))
				r.Val = append(r.Val, v)
			}
		}
		runs = append(runs, r)
	}
	return runs
}

func flopCurves() []Curve {
	var cs []Curve
	for m, name := range []string{"AIM-0.6B", "AIM-1B", "AIM-3B", "AIM-7B"} {
		params := []float64{0.6e9, 1.2e9, 2.7e9, 6.5e9}[m]
		c := Curve{Label: name}
		for k := 0; k <= 30; k++ {
			tokens := 2e10 * math.Pow(10, float64(k)/15)
			c.X = append(c.X, 6*params*tokens)
			c.Y = append(c.Y, 0.28+0.5*math.Pow(params/1e8, -0.25)+3*math.Pow(tokens/1e8, -0.3))
		}
		cs = append(cs, c)
	}
	return cs
}

// manyCurves returns n parallel straight lines over three decades of FLOPs.
func manyCurves(n int) []Curve {
	var cs []Curve
	for i := 0; i < n; i++ {
		c := Curve{Label: fmt.Sprintf("model %d", i)}
		for k := 0; k < 6; k++ {
			c.X = append(c.X, 1e18*math.Pow(3, float64(k)))
			c.Y = append(c.Y, 1-0.05*float64(i)-0.05*float64(k))
		}
		cs = append(cs, c)
	}
	return cs
}

type figureCase struct {
	name   string
	build  func() (*plot.Plot, error)
	texts  []string // must appear as text in the SVG
	series []string
}

func figureCases() []figureCase {
	labels := func(ls ...string) []string { return ls }
	return []figureCase{
		{"loss-vs-accuracy", func() (*plot.Plot, error) { return LossVsAccuracy(paperPoints) },
			labels("Pre-training validation loss (normalised-pixel MSE)", "Average downstream top-1 accuracy (%)",
				"least-squares fit", "Spearman ρ = −1.00 (n = 4)"),
			labels("AIM-0.6B", "AIM-1B", "AIM-3B", "AIM-7B")},
		{"accuracy-vs-images", func() (*plot.Plot, error) { return AccuracyVsImages(imageCurves()) },
			labels("Unique pre-training images (log scale)", "Downstream top-1 accuracy (%)", "1k", "6k", "60k"),
			labels("average", "MNIST", "Fashion-MNIST", "CIFAR-10")},
		{"loss-curves", func() (*plot.Plot, error) { return LossCurves(lossRuns()) },
			labels("Training step", "Loss (normalised-pixel MSE)", "validation", "training", "10k", "20k"),
			labels("AIM-0.6B", "AIM-1B", "AIM-3B")},
		{"loss-vs-flops", func() (*plot.Plot, error) { return LossVsFLOPs(flopCurves()) },
			labels("Pre-training compute (FLOPs, log scale)", "Validation loss (normalised-pixel MSE)"),
			labels("AIM-0.6B", "AIM-1B", "AIM-3B", "AIM-7B")},
		// Intervals: error bars on both axes, on a curve, and bands with fits.
		{"loss-vs-accuracy-intervals", func() (*plot.Plot, error) { return LossVsAccuracy(seedPoints()) },
			labels("Spearman ρ = −1.00 (n = 4)"), labels("AIM-0.6B", "AIM-7B")},
		{"accuracy-vs-images-intervals", func() (*plot.Plot, error) {
			images, _ := intervalCurves()
			return AccuracyVsImages(images)
		}, nil, labels("average", "MNIST")},
		{"loss-vs-flops-bands", func() (*plot.Plot, error) {
			_, flops := intervalCurves()
			return LossVsFLOPs(flops)
		}, nil, labels("AIM-0.6B", "AIM-1B")},
		{"loss-curves-bands", func() (*plot.Plot, error) { return LossCurves(bandedRuns()) },
			labels("validation", "training"), labels("AIM-0.6B", "AIM-3B")},
		{"differences", func() (*plot.Plot, error) {
			return Differences("Ablations, paired by seed", "Accuracy difference (points)", ablationDiffs())
		}, labels("Accuracy difference (points)", "causal", "raw targets", "head depth 0"), labels("suite average", "Fashion-MNIST")},
		// Edge cases: a legend too tall to fit inside, lone points, a training-only run.
		{"eight-curves", func() (*plot.Plot, error) { return LossVsFLOPs(manyCurves(8)) },
			nil, labels("model 0", "model 7")},
		{"one-point", func() (*plot.Plot, error) { return LossVsAccuracy(paperPoints[:1]) },
			nil, labels("AIM-0.6B")},
		{"single-point-curve", func() (*plot.Plot, error) {
			return AccuracyVsImages([]Curve{{Label: "IN-1k", X: []float64{1.28e6}, Y: []float64{73.5}}})
		}, labels("1.28M"), labels("IN-1k")},
		{"training-only", func() (*plot.Plot, error) {
			return LossCurves([]LossHistory{{Label: "tiny", TrainSteps: []float64{0, 10, 20}, Train: []float64{0.9, 0.5, 0.4}}})
		}, labels("training"), labels("tiny")},
	}
}

func TestFiguresSave(t *testing.T) {
	const w, h = 6 * vg.Inch, 4.5 * vg.Inch
	for _, tc := range figureCases() {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.build()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			base := filepath.Join(dir, "sub", tc.name)
			if err := Save(p, base, w, h); err != nil {
				t.Fatal(err)
			}
			if *samples != "" {
				if err := Save(p, filepath.Join(*samples, tc.name), w, h); err != nil {
					t.Fatal(err)
				}
			}

			f, err := os.Open(base + ".png")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("decoding %s.png: %v", base, err)
			}
			if got := img.Bounds().Size(); got.X != 6*DPI || got.Y != 4.5*DPI {
				t.Errorf("PNG is %v pixels, want %dx%d", got, 6*DPI, int(4.5*DPI))
			}

			texts := svgTexts(t, base+".svg")
			want := append([]string{p.Title.Text}, tc.texts...)
			for _, s := range append(want, tc.series...) {
				if !texts[s] {
					t.Errorf("SVG has no text %q", s)
				}
			}

			entries, err := os.ReadDir(filepath.Dir(base))
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 2 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("directory holds %v, want only the PNG and the SVG", names)
			}
		})
	}
}

// svgTexts parses an SVG file as XML and returns the contents of its text elements.
func svgTexts(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	texts := map[string]bool{}
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", path, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts[strings.TrimSpace(string(tok))] = true
			}
		}
	}
	if len(texts) == 0 {
		t.Fatalf("%s has no text elements", path)
	}
	return texts
}
