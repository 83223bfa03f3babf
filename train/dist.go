package train

import (
	"context"
	"math"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/mpi"
	"github.com/aim-go/aim/optim"
)

// bucketValues bounds the gradient values one all-reduce moves: parameters
// are packed, in model order, into buckets of at most this many values
// (16 MiB of float32); a larger parameter is a bucket of its own, reduced
// in place.
const bucketValues = 4 << 20

// gradSync sums the gradients of every rank into the gradient of the
// global batch.
type gradSync struct {
	comm    mpi.Comm
	buckets [][]optim.Param[float32]
	staging []float32 // a packed bucket
}

func newGradSync(comm mpi.Comm, params []optim.Param[float32]) *gradSync {
	s := &gradSync{comm: comm}
	var bucket []optim.Param[float32]
	size, largest := 0, 0
	for _, p := range params {
		if len(bucket) > 0 && size+len(p.Grad) > bucketValues {
			s.buckets, bucket, size = append(s.buckets, bucket), nil, 0
		}
		bucket, size = append(bucket, p), size+len(p.Grad)
		if len(bucket) > 1 {
			largest = max(largest, size)
		}
	}
	if len(bucket) > 0 {
		s.buckets = append(s.buckets, bucket)
	}
	s.staging = make([]float32, largest)
	return s
}

// reduce turns this rank's loss and gradients into those of the global
// batch. The graph gives the mean over the rank's own counted target
// patches (counted[0]); the global loss is the mean over all of them
// (counted[1], which every rank knows from the prefix lengths), so each
// rank scales its gradients by counted[0]/counted[1] and the ranks sum
// them. The loss sum, the patch count and an interruption flag (ctx) are
// reduced first, so that every rank stops, or goes on, at the same step;
// when one is interrupted the gradients are not reduced.
func (s *gradSync) reduce(ctx context.Context, loss float64, counted [2]int) (global float64, stop bool, err error) {
	scalars := []float64{loss * float64(counted[0]), float64(counted[0]), 0}
	if ctx.Err() != nil {
		scalars[2] = 1
	}
	if err := s.comm.AllReduceFloat64(scalars); err != nil {
		return 0, false, errors.Wrap(err, "reducing the loss")
	}
	if scalars[1] != float64(counted[1]) {
		return 0, false, errors.Errorf("the ranks count %g target patches in the batch, this rank expected %d: the ranks do not draw the same batches", scalars[1], counted[1])
	}
	if scalars[2] > 0 {
		return 0, true, nil
	}
	scale := float32(float64(counted[0]) / float64(counted[1]))
	for _, b := range s.buckets {
		if err := s.reduceBucket(b, scale); err != nil {
			return 0, false, errors.Wrap(err, "reducing the gradients")
		}
	}
	return scalars[0] / scalars[1], false, nil
}

// reduceBucket sums the scaled gradients of a bucket over the ranks: in
// place for a bucket of one parameter, through the staging buffer
// otherwise.
func (s *gradSync) reduceBucket(b []optim.Param[float32], scale float32) error {
	if len(b) == 1 {
		g := b[0].Grad
		for i := range g {
			g[i] *= scale
		}
		return s.comm.AllReduceFloat32(g)
	}
	n := 0
	for _, p := range b {
		for i, v := range p.Grad {
			s.staging[n+i] = v * scale
		}
		n += len(p.Grad)
	}
	if err := s.comm.AllReduceFloat32(s.staging[:n]); err != nil {
		return err
	}
	n = 0
	for _, p := range b {
		n += copy(p.Grad, s.staging[n:])
	}
	return nil
}

// share gives every rank rank 0's state: the weights (so that the
// replicas start equal even if initialisation ever differed between
// machines) and, when resuming, the progress and the AdamW moments rank 0
// read from the checkpoint.
func (r *runner) share() error {
	prog := []float64{float64(r.start), r.prog.lossSum, float64(r.prog.lossCount), r.priorTime, r.lastValLoss}
	if err := r.comm.BroadcastFloat64(prog, 0); err != nil {
		return errors.Wrap(err, "sharing the progress")
	}
	r.start, r.prog.lossSum, r.prog.lossCount, r.priorTime, r.lastValLoss = int(prog[0]), prog[1], int(prog[2]), prog[3], prog[4]
	r.prog.step, r.prog.seconds, r.savedStep = r.start, r.priorTime, r.start
	if err := r.shareWeights(); err != nil {
		return err
	}
	if r.start == 0 {
		return nil
	}
	return r.shareMoments(r.start)
}

// shareWeights copies rank 0's weights to every rank.
func (r *runner) shareWeights() error {
	for _, name := range r.model.Params.Names() {
		w := r.model.Params.Float32s(name)
		if err := r.comm.BroadcastFloat32(w, 0); err != nil {
			return errors.Wrapf(err, "sharing %s", name)
		}
		blas.WeightsChanged(w)
	}
	return nil
}

// shareMoments copies rank 0's AdamW moments after step steps to every
// rank.
func (r *runner) shareMoments(step int) error {
	_, mom, vel := r.opt.State()
	for _, name := range r.model.Params.Names() {
		n := len(r.model.Params.Float32s(name))
		for _, st := range []map[string][]float32{mom, vel} {
			if len(st[name]) != n {
				st[name] = make([]float32, n)
			}
			if err := r.comm.BroadcastFloat32(st[name], 0); err != nil {
				return errors.Wrapf(err, "sharing the optimiser state of %s", name)
			}
		}
	}
	return errors.Wrap(r.opt.SetState(step, mom, vel), "sharing the optimiser state")
}

// checkSameData compares this rank's training and validation images with
// rank 0's through a hash: ranks on several machines may read different
// copies of a dataset, and the run is only the single-process run if they
// are the same.
func (r *runner) checkSameData() error {
	own := []float64{}
	for _, d := range []*data.Dataset{r.trainSet, r.valSet} {
		h, n := uint64(0), 0
		if d != nil {
			h, n = hashFloat32s(d.Images), d.N
		}
		own = append(own, float64(h>>32), float64(h&math.MaxUint32), float64(n))
	}
	root := append([]float64(nil), own...)
	if err := r.comm.BroadcastFloat64(root, 0); err != nil {
		return errors.Wrap(err, "comparing the data of the ranks")
	}
	for i, name := range []string{"training", "validation"} {
		if [3]float64(own[3*i:]) != [3]float64(root[3*i:]) {
			return errors.Errorf("rank %d's %d %s images differ from rank 0's %d: every rank must read the same data (on several machines, identical copies of --data)", r.rank, int(own[3*i+2]), name, int(root[3*i+2]))
		}
	}
	return nil
}

// syncReplicas checks, at an evaluation, that every rank holds rank 0's
// weights. They should, bit for bit: every rank applies the same update to
// the same reduced gradient. Should a rank ever differ, it gets rank 0's
// weights and moments, and resynced reports it.
func (r *runner) syncReplicas() (resynced bool, err error) {
	h := hashFloat32s(nil)
	for _, p := range r.params {
		h = hashFloat32sFrom(h, p.Data)
	}
	own := []float64{float64(h >> 32), float64(h & math.MaxUint32)}
	root := append([]float64(nil), own...)
	if err := r.comm.BroadcastFloat64(root, 0); err != nil {
		return false, errors.Wrap(err, "comparing the replicas")
	}
	differ := []float64{0}
	if root[0] != own[0] || root[1] != own[1] {
		differ[0] = 1
	}
	if err := r.comm.AllReduceFloat64(differ); err != nil {
		return false, errors.Wrap(err, "comparing the replicas")
	}
	if differ[0] == 0 {
		return false, nil
	}
	if err := r.shareWeights(); err != nil {
		return true, err
	}
	return true, r.shareMoments(r.opt.Steps())
}

// hashFloat32s is a 64-bit FNV-1a hash of the bits of v, a word at a time.
func hashFloat32s(v []float32) uint64 { return hashFloat32sFrom(14695981039346656037, v) }

func hashFloat32sFrom(h uint64, v []float32) uint64 {
	for _, x := range v {
		h ^= uint64(math.Float32bits(x))
		h *= 1099511628211
	}
	return h
}
