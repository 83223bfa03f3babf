package graph

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// BenchmarkTrainStep measures one forward and backward pass of the bench
// preset at batch 64 (the optimiser step is in package optim).
func BenchmarkTrainStep(b *testing.B) {
	cfg, _ := Preset("bench")
	m, err := New(cfg, tensor.Float32, 1)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 64
	tg, err := m.NewTrainGraph(batch, Objective{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	images := randomImages(rng, batch, cfg)
	prefixes := make([]int, batch)
	for i := range prefixes {
		prefixes[i] = 1 + rng.IntN(48)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tg.Step(images, prefixes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkFeatures measures the frozen-trunk forward pass of the bench
// preset at batch 64.
func BenchmarkFeatures(b *testing.B) {
	cfg, _ := Preset("bench")
	m, err := New(cfg, tensor.Float32, 1)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 64
	fg, err := m.NewFeatureGraph(batch, nil)
	if err != nil {
		b.Fatal(err)
	}
	images := randomImages(rand.New(rand.NewPCG(1, 1)), batch, cfg)
	var out []float32
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out, err = fg.Features(images, out[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "images/s")
}
