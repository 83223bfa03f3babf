package graph

import (
	"runtime"
	"testing"

	"gorgonia.org/tensor"
)

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// trainStepHeap returns the heap a training graph of the model holds after
// one step on batch images.
func trainStepHeap(t *testing.T, m *Model, batch int) int64 {
	t.Helper()
	before := heapInUse()
	tg, err := m.NewTrainGraph(batch, Objective{})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	images := make([]float32, batch*m.Config.Grid().ImageSize())
	for i := range images {
		images[i] = float32(i%7) - 3
	}
	prefixes := make([]int, batch)
	for i := range prefixes {
		prefixes[i] = 1 + i%(m.Config.Grid().Len()-1)
	}
	if _, err := tg.Step(images, prefixes); err != nil {
		t.Fatal(err)
	}
	held := heapInUse() - before
	runtime.KeepAlive(tg)
	return held
}

// TestTrainBytesTracksTheHeap checks the per-image part of TrainBytes
// against the growth of the heap of real training steps between two batch
// sizes, for two presets of different shapes.
func TestTrainBytesTracksTheHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("runs training steps")
	}
	for _, preset := range []string{"tiny", "bench"} {
		cfg, err := Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(cfg, tensor.Float32, 1)
		if err != nil {
			t.Fatal(err)
		}
		const small, large = 8, 24
		measured := float64(trainStepHeap(t, m, large)-trainStepHeap(t, m, small)) / (large - small)
		estimated := float64(cfg.TrainBytes(large)-cfg.TrainBytes(small)) / (large - small)
		t.Logf("%s: %.2f MB per image measured, %.2f MB estimated", preset, measured/1e6, estimated/1e6)
		if estimated < 0.85*measured || estimated > 1.25*measured {
			t.Errorf("%s: TrainBytes estimates %.2f MB per image, a training step holds %.2f MB", preset, estimated/1e6, measured/1e6)
		}
	}
}

func TestTrainBytesCountsTheModel(t *testing.T) {
	cfg, _ := Preset("tiny")
	trunk, head := cfg.ParamCount()
	if got, want := cfg.TrainBytes(0), int64(4*4*(trunk+head)); got != want {
		t.Errorf("TrainBytes(0) = %d, want weights, gradients and two moments: %d", got, want)
	}
}
