package train

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

var smallModel = graph.Config{Patch: 4, Width: 16, Depth: 2, Heads: 2, MLPRatio: 2, HeadWidth: 16, HeadDepth: 1}

func syntheticSet(n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &data.Dataset{Name: "synthetic", N: n, C: 1, H: 8, W: 12, Images: make([]float32, n*96)}
	for i := range d.Images {
		d.Images[i] = float32(rng.NormFloat64())
	}
	return d
}

// cancelAt cancels a context when a given step completes.
type cancelAt struct {
	Silent
	step   int
	cancel context.CancelFunc
}

func (c cancelAt) Step(done int, _, _ float64) {
	if done == c.step {
		c.cancel()
	}
}

func testOptions(dir string) Options {
	o := NewOptions()
	o.Model, o.Steps, o.Batch, o.EvalEvery, o.Seed, o.Out = smallModel, 7, 4, 2, 5, dir
	return o
}

func TestResumeFollowsTheUninterruptedRun(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(3, 2)
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	straight := t.TempDir()
	if _, err := Pretrain(context.Background(), testOptions(straight), trainSet, valSet, norm, Silent{}); err != nil {
		t.Fatal(err)
	}

	broken := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Pretrain(ctx, testOptions(broken), trainSet, valSet, norm, cancelAt{step: 3, cancel: cancel})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run returned %v", err)
	}
	if _, err := Pretrain(context.Background(), testOptions(broken), trainSet, valSet, norm, Silent{}); err == nil {
		t.Fatal("a new run over an existing checkpoint was not refused")
	}
	// The training time carries over: pretend the first part took 1000 s.
	f := mustRead(t, broken)
	if s, err := strconv.ParseFloat(f.Meta[schema.Seconds], 64); err != nil || !(s > 0) {
		t.Fatalf("interrupted checkpoint records %q training seconds (%v); want a positive number", f.Meta[schema.Seconds], err)
	}
	f.Meta[schema.Seconds] = "1000"
	if err := checkpoint.Write(filepath.Join(broken, CheckpointFile), f); err != nil {
		t.Fatal(err)
	}
	resumed := testOptions(broken)
	resumed.Resume = true
	sum, err := Pretrain(context.Background(), resumed, trainSet, valSet, norm, Silent{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.ResumedAtStep != 3 {
		t.Errorf("resumed at step %d, want 3", sum.ResumedAtStep)
	}

	a, b := mustMetrics(t, straight), mustMetrics(t, broken)
	if len(a) != 4 || len(a) != len(b) {
		t.Fatalf("%d and %d metrics lines, want 4", len(a), len(b))
	}
	for i := range a {
		if a[i].Step != b[i].Step || a[i].TrainLoss != b[i].TrainLoss || a[i].ValLoss != b[i].ValLoss || a[i].LR != b[i].LR {
			t.Errorf("line %d: uninterrupted %+v, resumed %+v", i, a[i], b[i])
		}
	}
	if last := b[len(b)-1].ElapsedSec; last < 1000 || last > 1000+time.Minute.Seconds() {
		t.Errorf("elapsed time after resuming %g s; want the 1000 s before the interruption plus this invocation's", last)
	}
	ca, cb := mustRead(t, straight), mustRead(t, broken)
	for _, name := range ca.Names() {
		if !slices.Equal(ca.Tensors[name].Data, cb.Tensors[name].Data) {
			t.Errorf("tensor %s differs between the uninterrupted and the resumed run", name)
		}
	}

	other := testOptions(broken)
	other.Resume, other.LR = true, 5e-4
	if _, err := Pretrain(context.Background(), other, trainSet, valSet, norm, Silent{}); err == nil || !strings.Contains(err.Error(), "same flags") {
		t.Errorf("resuming with another learning rate: %v", err)
	}
}

func mustMetrics(t *testing.T, dir string) []Metrics {
	t.Helper()
	m, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustRead(t *testing.T, dir string) *checkpoint.File {
	t.Helper()
	f, err := checkpoint.Read(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// poisonAfterEval makes every training pixel infinite once the first
// evaluation (and checkpoint) is done.
type poisonAfterEval struct {
	Silent
	set *data.Dataset
}

func (p poisonAfterEval) Evaluated(Metrics) {
	for i := range p.set.Images {
		p.set.Images[i] = float32(math.Inf(1))
	}
}

func TestDivergenceStopsAndKeepsTheLastCheckpoint(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(3, 2)
	dir := t.TempDir()
	o := testOptions(dir)
	o.Augment = nil
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	_, err := Pretrain(context.Background(), o, trainSet, valSet, norm, poisonAfterEval{set: trainSet})
	if err == nil || !strings.Contains(err.Error(), "step 3") || !strings.Contains(err.Error(), "training stopped") {
		t.Fatalf("a run on infinite pixels returned %v; want it stopped at step 3", err)
	}
	f := mustRead(t, dir)
	if f.Meta[schema.Step] != "2" {
		t.Errorf("checkpoint at step %s, want the last good one, 2", f.Meta[schema.Step])
	}
	for _, name := range f.Names() {
		for _, v := range f.Tensors[name].Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("checkpoint tensor %s holds %v", name, v)
			}
		}
	}
}
