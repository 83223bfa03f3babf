package probe

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/mpi"
)

// onRanks runs fn on n Local ranks, each in its goroutine with its
// communicator, and returns their errors.
func onRanks(n int, fn func(comm mpi.Comm, rank int) error) []error {
	comms := mpi.Local(n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r] = fn(comms[r], r)
		}()
	}
	wg.Wait()
	return errs
}

// trunks returns n copies of the same trunk, one per rank (no goroutine
// shares a model).
func trunks(t *testing.T, n int) []*Trunk {
	out := make([]*Trunk, n)
	for i := range out {
		out[i] = tinyTrunk(t, true, nil)
	}
	return out
}

// cacheOn computes the cached features of set.
func cacheOn(comm mpi.Comm, tr *Trunk, set *data.Dataset, pooled bool) (cached, error) {
	ex, err := newExtractor(tr.Model, 7, nil, pooled, nil)
	if err != nil {
		return cached{}, err
	}
	defer ex.close()
	return cache(context.Background(), mpi.Or(comm), live{ex, set}, Silent{})
}

// TestRanksShareTheFeaturePass: on 2 and 3 ranks (96 images: shares of 48,
// and 32; batches of 7 that do not divide them) rank 0 gathers the
// features a single process computes, in order; the other ranks keep none.
func TestRanksShareTheFeaturePass(t *testing.T) {
	set := quadrants("quadrants/train", 96, 1)
	for _, pooled := range []bool{false, true} {
		want, err := cacheOn(nil, tinyTrunk(t, true, nil), set, pooled)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{2, 3} {
			got, trs := make([]cached, n), trunks(t, n)
			errs := onRanks(n, func(comm mpi.Comm, r int) error {
				var err error
				got[r], err = cacheOn(comm, trs[r], set, pooled)
				return err
			})
			for r, err := range errs {
				if err != nil {
					t.Fatalf("%d ranks, rank %d: %v", n, r, err)
				}
				if r > 0 && got[r].values != nil {
					t.Errorf("%d ranks: rank %d kept %d feature values", n, r, len(got[r].values))
				}
			}
			if len(got[0].values) != len(want.values) || got[0].row != want.row {
				t.Fatalf("%d ranks: rank 0 holds %d values of rows of %d, want %d of %d", n, len(got[0].values), got[0].row, len(want.values), want.row)
			}
			for i, v := range want.values {
				if math.Abs(float64(got[0].values[i]-v)) > 1e-5*(1+math.Abs(float64(v))) {
					t.Fatalf("%d ranks, pooled %t: feature value %d is %v, a single process computes %v", n, pooled, i, got[0].values[i], v)
				}
			}
		}
	}
}

// TestRunOnRanks: rank 0 trains the probe on the gathered features and
// reports the split; the other ranks return after the feature pass.
func TestRunOnRanks(t *testing.T) {
	results, trs := make([]*Result, 2), trunks(t, 2)
	errs := onRanks(2, func(comm mpi.Comm, r int) error {
		var err error
		o := quickOptions(Attentive)
		o.Comm = comm
		results[r], _, err = Run(context.Background(), trs[r], "quadrants", quadrantSource(), o, Silent{})
		return err
	})
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
	if r := results[0]; r.FeatureRanks != 2 || r.Epochs != 3 || !(r.TestAccuracy > 0) {
		t.Errorf("rank 0's result: %d feature ranks, %d epochs, test accuracy %g; want 2, 3 and a measured accuracy", r.FeatureRanks, r.Epochs, r.TestAccuracy)
	}
	if r := results[1]; r.Epochs != 0 || r.TestAccuracy != 0 {
		t.Errorf("rank 1 trained a probe: %d epochs, test accuracy %g", r.Epochs, r.TestAccuracy)
	}
}

// TestRanksRefuseDifferentDatasets: ranks about to exchange the features
// of different datasets fail, naming the rank.
func TestRanksRefuseDifferentDatasets(t *testing.T) {
	trs := trunks(t, 2)
	errs := onRanks(2, func(comm mpi.Comm, r int) error {
		set := quadrants("quadrants/train", 96, 1)
		if r == 1 {
			set = quadrants("quadrants/test", 40, 2)
		}
		_, err := cacheOn(comm, trs[r], set, false)
		return err
	})
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "rank 1 is computing the features of 40 images of quadrants/test") {
		t.Errorf("rank 1: %v", errs[1])
	}
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "rank 1 of 2 failed") {
		t.Errorf("rank 0: %v", errs[0])
	}
}

// TestRanksRefuseDifferentCopies: ranks holding different images under
// the same name and count (copies of a dataset that differ between
// machines) fail before computing features, the rank that differs naming
// the dataset.
func TestRanksRefuseDifferentCopies(t *testing.T) {
	trs := trunks(t, 2)
	errs := onRanks(2, func(comm mpi.Comm, r int) error {
		_, err := cacheOn(comm, trs[r], quadrants("quadrants/train", 96, 1+uint64(r)), false)
		return err
	})
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "dataset quadrants/train (its 96 images and labels as this rank read them) differs from rank 0's copy (sha256 ") {
		t.Errorf("rank 1: %v", errs[1])
	}
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "rank 1 of 2 failed") {
		t.Errorf("rank 0: %v", errs[0])
	}
}
