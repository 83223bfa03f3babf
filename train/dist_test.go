package train

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/mpi"
)

// distOptions are testOptions with a global batch of 6, which 1, 2 and 3
// ranks divide.
func distOptions(dir string) Options {
	o := testOptions(dir)
	o.Batch = 6
	return o
}

// onRanks runs Pretrain on n Local ranks, each in its goroutine. Rank 0
// writes to o.Out with bar0 as its progress; every other rank is given a
// directory of its own, which must stay empty (rank 0 alone writes).
func onRanks(t *testing.T, n int, o Options, ctx context.Context, bar0 Progress, trainSet, valSet *data.Dataset) ([]*Summary, []error) {
	t.Helper()
	comms := mpi.Local(n)
	sums, errs := make([]*Summary, n), make([]error, n)
	dirs := make([]string, n)
	var wg sync.WaitGroup
	for r := range n {
		or := o
		or.Comm = comms[r]
		bar := bar0
		if r > 0 {
			dirs[r] = t.TempDir()
			or.Out, bar = dirs[r], panicBar{} // a worker must not report progress
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
			sums[r], errs[r] = Pretrain(ctx, or, trainSet, valSet, norm, bar)
		}()
	}
	wg.Wait()
	for _, d := range dirs[1:] {
		if entries, _ := os.ReadDir(d); len(entries) > 0 {
			t.Errorf("a rank other than 0 wrote %s in its run directory", entries[0].Name())
		}
	}
	return sums, errs
}

// panicBar fails the run if it is used.
type panicBar struct{}

func (panicBar) Start(int, int)             { panic("a rank other than 0 started a progress bar") }
func (panicBar) Step(int, float64, float64) { panic("a rank other than 0 reported a step") }
func (panicBar) Evaluated(Metrics)          { panic("a rank other than 0 reported an evaluation") }
func (panicBar) Finish()                    { panic("a rank other than 0 finished a progress bar") }

// closeTo reports whether a and b agree to a relative 1e-5.
func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-5*math.Max(math.Abs(a), math.Abs(b)) }

// followsRun checks that the run in dir b followed the run in dir a: losses
// at every evaluation to a relative 1e-5, and every tensor of the final
// checkpoint to ‖Δw‖/‖w‖ ≤ 1e-5.
func followsRun(t *testing.T, a, b string) {
	t.Helper()
	ma, mb := mustMetrics(t, a), mustMetrics(t, b)
	if len(ma) != len(mb) || len(ma) == 0 {
		t.Fatalf("%d and %d metrics lines", len(ma), len(mb))
	}
	for i := range ma {
		if ma[i].Step != mb[i].Step || !closeTo(ma[i].TrainLoss, mb[i].TrainLoss) || !closeTo(ma[i].ValLoss, mb[i].ValLoss) {
			t.Errorf("evaluation %d: %+v and %+v", i, ma[i], mb[i])
		}
	}
	ca, cb := mustRead(t, a), mustRead(t, b)
	for _, name := range ca.Names() {
		wa, wb := ca.Tensors[name].Data, cb.Tensors[name].Data
		var diff, norm float64
		for i := range wa {
			diff += math.Pow(float64(wa[i]-wb[i]), 2)
			norm += math.Pow(float64(wa[i]), 2)
		}
		if diff > 1e-10*norm {
			t.Errorf("tensor %s: ‖Δw‖/‖w‖ = %.2g", name, math.Sqrt(diff/norm))
		}
	}
}

// TestRanksFollowTheSingleProcess: 2 and 3 ranks give the losses and the
// weights of one process with the same global batch.
func TestRanksFollowTheSingleProcess(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(5, 2)
	single := t.TempDir()
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	if _, err := Pretrain(context.Background(), distOptions(single), trainSet, valSet, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3} {
		dir := t.TempDir()
		sums, errs := onRanks(t, n, distOptions(dir), context.Background(), Silent{}, trainSet, valSet)
		for r, err := range errs {
			if err != nil {
				t.Fatalf("%d ranks, rank %d: %v", n, r, err)
			}
		}
		followsRun(t, single, dir)
		if m := mustMetrics(t, dir); m[0].Ranks != n || sums[0].Ranks != n {
			t.Errorf("%d ranks: metrics say %d ranks, the summary %d", n, m[0].Ranks, sums[0].Ranks)
		}
	}
	if m := mustMetrics(t, single); m[0].Ranks != 1 {
		t.Errorf("a single process's metrics say %d ranks", m[0].Ranks)
	}
}

// TestResumeOnAnotherRankCount: a run interrupted on 2 ranks (the
// interruption reaching the ranks at different times) and resumed on 3,
// then on 1, follows the uninterrupted single-process run.
func TestResumeOnAnotherRankCount(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(5, 2)
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	o := distOptions("")
	o.Steps = 9
	straight := t.TempDir()
	o.Out = straight
	if _, err := Pretrain(context.Background(), o, trainSet, valSet, norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	broken := t.TempDir()
	o.Out = broken
	ctx, cancel := context.WithCancel(context.Background())
	_, errs := onRanks(t, 2, o, ctx, cancelAt{step: 3, cancel: cancel}, trainSet, valSet)
	for r, err := range errs {
		if !errors.Is(err, ErrInterrupted) || !mpi.IsEverywhere(err) || !strings.Contains(err.Error(), "after step 3") {
			t.Fatalf("rank %d of the interrupted run returned %v; want every rank interrupted after step 3", r, err)
		}
	}
	if f := mustRead(t, broken); f.Meta[schema.Step] != "3" {
		t.Fatalf("the interrupted run saved step %s, want 3", f.Meta[schema.Step])
	}
	o.Resume, o.Steps = true, 9
	ctx, cancel = context.WithCancel(context.Background())
	if _, errs := onRanks(t, 3, o, ctx, cancelAt{step: 7, cancel: cancel}, trainSet, valSet); !errors.Is(errs[2], ErrInterrupted) {
		t.Fatalf("the run resumed on 3 ranks: %v", errs[2])
	}
	sum, err := Pretrain(context.Background(), o, trainSet, valSet, norm, Silent{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.ResumedAtStep != 7 {
		t.Errorf("the last invocation resumed at step %d, want 7", sum.ResumedAtStep)
	}
	followsRun(t, straight, broken)
}

// TestNonFiniteLossStopsEveryRank: an image of infinite pixels, drawn into
// one rank's share, stops every rank at the step where a single process
// stops, with its message.
func TestNonFiniteLossStopsEveryRank(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(5, 2)
	for i := range 96 {
		trainSet.Images[7*96+i] = float32(math.Inf(1))
	}
	o := distOptions(t.TempDir())
	o.Augment = nil
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	_, want := Pretrain(context.Background(), o, trainSet, valSet, norm, Silent{})
	o.Out = t.TempDir()
	if want == nil || !strings.Contains(want.Error(), "training stopped") {
		t.Fatalf("a single process returned %v, want it stopped", want)
	}
	stopped := strings.SplitN(want.Error(), ";", 2)[0] // "step N: the loss is NaN"
	_, errs := onRanks(t, 2, o, context.Background(), Silent{}, trainSet, valSet)
	for r, err := range errs {
		if err == nil || !mpi.IsEverywhere(err) || !strings.HasPrefix(err.Error(), stopped+"; training stopped") {
			t.Errorf("rank %d returned %v, want it stopped like the single process (%v)", r, err, want)
		}
	}
}

// TestBadSetupFailsEveryRank: a batch the ranks do not divide, or a rank
// whose data differs from rank 0's, fails every rank, naming the cause on
// the ranks that have it.
func TestBadSetupFailsEveryRank(t *testing.T) {
	trainSet, valSet := syntheticSet(10, 1), syntheticSet(5, 2)
	o := distOptions(t.TempDir())
	o.Batch = 5
	_, errs := onRanks(t, 2, o, context.Background(), Silent{}, trainSet, valSet)
	for r, err := range errs {
		var f *mpi.Failure
		if !errors.As(err, &f) || !slices.Equal(f.Ranks, []int{0, 1}) || !strings.Contains(err.Error(), "batch 5: the global batch is split evenly over the 2 ranks") {
			t.Errorf("batch 5 on 2 ranks, rank %d: %v", r, err)
		}
	}

	comms := mpi.Local(2)
	errs = make([]error, 2)
	var wg sync.WaitGroup
	for r := range 2 {
		o := distOptions(t.TempDir())
		o.Comm = comms[r]
		set := trainSet
		if r == 1 {
			set = syntheticSet(10, 3)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[r] = Pretrain(context.Background(), o, set, valSet, Normalization{Mean: []float32{0}, Std: []float32{1}}, Silent{})
		}()
	}
	wg.Wait()
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "rank 1's 10 training images differ from rank 0's") {
		t.Errorf("rank 1 with other data: %v", errs[1])
	}
	if errs[0] == nil || errs[0].Error() != "rank 1 of 2 failed (see its error in the output)" {
		t.Errorf("rank 0 when rank 1 has other data: %v", errs[0])
	}
}

// TestEachRankDrawsItsShare: the images and prefix lengths rank r of n
// loads for a step are exactly its share of what a single process loads.
func TestEachRankDrawsItsShare(t *testing.T) {
	trainSet := syntheticSet(10, 1)
	o := distOptions("")
	o.Batch = 12
	o.Model = o.Model.WithImage(1, 8, 12)
	load := func(rank, ranks, step int) *runner {
		r := &runner{o: o, runData: runData{trainSet: trainSet, permEpoch: -1}, rankShare: rankShare{rank: rank, ranks: ranks, local: o.Batch / ranks}}
		r.first = rank * r.local
		r.images, r.prefixes = make([]float32, r.local*96), make([]int, r.local)
		r.stream = rand.NewPCG(0, 0)
		r.rng = rand.New(r.stream)
		r.loadBatch(step)
		return r
	}
	for _, step := range []int{0, 5} {
		whole := load(0, 1, step)
		for _, n := range []int{2, 3, 4} {
			for rank := range n {
				r := load(rank, n, step)
				if !slices.Equal(r.prefixes, whole.prefixes[r.first:r.first+r.local]) ||
					!slices.Equal(r.images, whole.images[r.first*96:(r.first+r.local)*96]) {
					t.Errorf("step %d, rank %d of %d: its share differs from the single process's", step, rank, n)
				}
				if r.counted[1] != whole.counted[0] {
					t.Errorf("step %d, rank %d of %d counts %d patches in the batch, the single process %d", step, rank, n, r.counted[1], whole.counted[0])
				}
			}
		}
	}
}
