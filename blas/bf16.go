package blas

import (
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas/onednn"
	"github.com/aim-go/aim/internal/half"
	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/internal/scratch"
)

// Precision is how matrix products compute.
type Precision uint8

// The precisions. In PrecisionBF16 every input of a product is rounded to
// bfloat16 (to nearest, ties to even), the products accumulate in float32
// and return float32: what a CPU's bf16 units (AMX, AVX512-BF16) compute.
// Everything that is not a matrix product stays float32.
const (
	PrecisionF32 Precision = iota
	PrecisionBF16
)

// Precisions lists the names ParsePrecision accepts.
var Precisions = []string{"f32", "bf16"}

func (p Precision) String() string {
	if p == PrecisionBF16 {
		return "bf16"
	}
	return "f32"
}

// MarshalText writes the precision's name, as in JSON options.
func (p Precision) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a precision's name.
func (p *Precision) UnmarshalText(b []byte) error {
	v, err := ParsePrecision(string(b))
	if err == nil {
		*p = v
	}
	return err
}

// ParsePrecision returns the precision called name ("f32" or "bf16").
func ParsePrecision(name string) (Precision, error) {
	switch strings.ToLower(name) {
	case "f32", "fp32", "float32":
		return PrecisionF32, nil
	case "bf16", "bfloat16":
		return PrecisionBF16, nil
	}
	return 0, errors.Errorf("unknown precision %q: want %s", name, strings.Join(Precisions, " or "))
}

// CheckPrecision returns why products cannot run in p here: for bf16,
// oneDNN missing (naming the Debian package) or unable to compute bf16 on
// this CPU.
func CheckPrecision(p Precision) error {
	if p != PrecisionBF16 {
		return nil
	}
	return onednn.CheckBF16()
}

// versions counts, by the address of their first value, how often weights
// were written in place (WeightsChanged): unsafe.Pointer → *atomic.Uint64.
var versions sync.Map

// WeightsChanged tells the package that the float32 weights w were written
// in place (an optimiser step, weights copied in from another rank): a
// bf16 copy made before (PackedWeights) is made again on next use. Weights
// never marked — inference — are rounded and packed once; other weights in
// the same process are not affected (a frozen trunk's, while a probe head
// trains).
func WeightsChanged(w []float32) {
	if len(w) == 0 {
		return
	}
	ptr := unsafe.Pointer(unsafe.SliceData(w))
	v, ok := versions.Load(ptr)
	if !ok {
		v, _ = versions.LoadOrStore(ptr, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(1)
}

// version returns how often the weights at ptr were marked changed.
func version(ptr unsafe.Pointer) uint64 {
	if v, ok := versions.Load(ptr); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}

// bf16Rounded rounds src to bf16 values held as float32.
func bf16Rounded(dst, src []float32) {
	for i, v := range src {
		dst[i] = half.BF16(half.ToBF16(v))
	}
}

// toBF16Go rounds src to bf16 bits in dst, in Go.
func toBF16Go(dst []uint16, src []float32) {
	for i, v := range src {
		dst[i] = half.ToBF16(v)
	}
}

// roundRowsF32 writes the rows×cols matrix at src (row stride ld) rounded
// to bf16 values, held as float32, contiguously into dst.
func roundRowsF32(dst, src []float32, rows, cols, ld int) {
	parallel.For(rows, max(1, 4096/max(cols, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			bf16Rounded(dst[i*cols:(i+1)*cols], src[i*ld:i*ld+cols])
		}
	})
}

var (
	bitsScratch scratch.List[uint16]
	f32Scratch  scratch.List[float32]
)

// smallBF16 is the size m·n·k under which GemmBF16 multiplies the rounded
// operands on the float32 kernels: per-head attention products, where a
// call into oneDNN (one thread for the process) costs more than it saves
// and the float32 kernels run heads in parallel. The result is the same
// up to the order of float32 summation.
const smallBF16 = 1 << 20

// GemmBF16 is Gemm for float32 in PrecisionBF16: C = alpha·op(A)·op(B) +
// beta·C with A and B rounded to bf16, the products accumulated in float32.
// Large products run on oneDNN (see package onednn); small ones on the
// float32 kernels with the operands rounded. Like Gemm, it panics on
// invalid dimensions; oneDNN's failures are returned.
func GemmBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) error {
	tA, tB := transpose(transA), transpose(transB)
	if !checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		return nil
	}
	if scaleOnly(tA, tB, m, n, k, len(a), lda, len(b), ldb, alpha, beta, c, ldc) {
		return nil
	}
	if m*n*k < smallBF16 {
		GemmRoundedBF16(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return nil
	}
	mp, kp := m, padded(k)
	if beta == 0 {
		mp = padded(m)
	}
	ar, ac := shape(transA, m, k)
	pr, pc := shape(transA, mp, kp)
	ra := bitsScratch.Get(pr * pc)
	defer bitsScratch.Put(ra)
	roundPadded(ra, a, ar, ac, lda, pr, pc)
	br, bc := shape(transB, k, n)
	qr, qc := shape(transB, kp, n)
	rb := bitsScratch.Get(qr * qc)
	defer bitsScratch.Put(rb)
	roundPadded(rb, b, br, bc, ldb, qr, qc)
	p := onednn.Product{M: mp, N: n, K: kp, TransA: transA, TransB: transB, LDA: pc, LDB: qc, LDC: ldc,
		Type: onednn.BF16, Alpha: alpha, Beta: beta}
	out := c[:(m-1)*ldc+n]
	if mp > m {
		out = f32Scratch.Get(mp * n)
		defer f32Scratch.Put(out)
		p.LDC = n
	}
	if err := onednn.Matmul(p, unsafe.Pointer(unsafe.SliceData(ra)), len(ra), unsafe.Pointer(unsafe.SliceData(rb)), len(rb), nil, out); err != nil {
		return err
	}
	if mp > m {
		copyRows(c, ldc, out, n, m, n)
	}
	return nil
}

// padGrain is the multiple to which GemmBF16 and LinearBF16 pad the
// dimensions that vary from one call to the next (rows under a row limit,
// the rows summed over in a weight gradient), with zeros that change
// nothing: each distinct shape is a oneDNN primitive to create and keep,
// and a training run would otherwise make one per step.
const padGrain = 64

// padded returns n rounded up to a multiple of padGrain.
func padded(n int) int { return (n + padGrain - 1) / padGrain * padGrain }

// roundPadded writes the rows×cols matrix at src (row stride ld) as bf16
// bits into dst, a prows×pcols matrix whose other entries are set to 0.
func roundPadded(dst []uint16, src []float32, rows, cols, ld, prows, pcols int) {
	parallel.For(prows, max(1, 4096/max(pcols, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out := dst[i*pcols : (i+1)*pcols]
			if i >= rows {
				clear(out)
				continue
			}
			toBF16(out[:cols], src[i*ld:i*ld+cols])
			clear(out[cols:])
		}
	})
}

// copyRows copies rows×cols values from src (row stride lds) to dst (ldd).
func copyRows(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	for i := 0; i < rows; i++ {
		copy(dst[i*ldd:i*ldd+cols], src[i*lds:i*lds+cols])
	}
}

// GemmRoundedBF16 computes what GemmBF16 does on the float32 kernels: it
// rounds copies of A and B to bf16 values and multiplies them with Gemm.
// The result is GemmBF16's up to the order of float32 summation, on any
// CPU; it serves products too small or too many for one oneDNN thread
// (attention's, head by head, from many goroutines).
func GemmRoundedBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	tA, tB := transpose(transA), transpose(transB)
	if !checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		return
	}
	if scaleOnly(tA, tB, m, n, k, len(a), lda, len(b), ldb, alpha, beta, c, ldc) {
		return
	}
	ar, ac := shape(transA, m, k)
	br, bc := shape(transB, k, n)
	ra, rb := f32Scratch.Get(ar*ac), f32Scratch.Get(br*bc)
	defer f32Scratch.Put(ra)
	defer f32Scratch.Put(rb)
	roundRowsF32(ra, a, ar, ac, lda)
	roundRowsF32(rb, b, br, bc, ldb)
	Gemm(transA, transB, m, n, k, alpha, ra, ac, rb, bc, beta, c, ldc)
}

// PackedWeights are a linear layer's weights (out×in, row-major, PyTorch's
// layout) as bf16, packed into oneDNN's layout for LinearBF16: the only
// copy kept. From float32 weights the package rounds them itself, and
// packs them again when the weights move or WeightsChanged says they were
// written; 16-bit weights (a BF16 or F16 file) are inference weights and
// are packed once. The zero value is empty and ready.
type PackedWeights struct {
	mu     sync.Mutex
	src    unsafe.Pointer // the weights the copy was made from
	epoch  uint64
	packed *onednn.Packed
	// OnPacked, when set, is called once, after the weights were first
	// packed: the source has been read and is needed again only if
	// a product wants another layout, or the weights change.
	OnPacked func()
}

// Free releases the packed copy (it is also released once w is
// collected).
func (w *PackedWeights) Free() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.packed != nil {
		w.packed.Free()
	}
	w.src, w.epoch, w.packed = nil, 0, nil
}

// LinearBF16 computes y = x·Wᵀ (+ bias on every row) in PrecisionBF16 for
// x (n×in) and W (out×in) given as float32 values w32 or as 16-bit values
// bits of format h (w32 nil), through the packed copy w. bias is nil or
// out values; y is n×out.
func LinearBF16(w *PackedWeights, x, w32 []float32, h Half, bits []uint16, bias, y []float32, n, in, out int) error {
	if n == 0 || out == 0 {
		return nil
	}
	if len(x) < n*in || len(y) < n*out || (bias != nil && len(bias) < out) {
		return errors.Errorf("blas: LinearBF16: %d inputs, %d outputs, %d biases for %d rows of %d → %d", len(x), len(y), len(bias), n, in, out)
	}
	if in == 0 {
		fillRows(y, bias, n, out)
		return nil
	}
	np := padded(n)
	p := onednn.Product{M: np, N: out, K: in, TransB: true, LDA: in, LDB: in, LDC: out,
		Type: onednn.BF16, Alpha: 1, Bias: bias != nil, PackedB: true}
	src := weightsSource{w32, h, bits}
	packed, err := w.pack(p, src)
	if err != nil {
		return err
	}
	xb := bitsScratch.Get(np * in)
	defer bitsScratch.Put(xb)
	roundPadded(xb, x, n, in, in, np, in)
	dst := y[:n*out]
	if np > n {
		dst = f32Scratch.Get(np * out)
		defer f32Scratch.Put(dst)
	}
	err = packed.Matmul(p, unsafe.Pointer(unsafe.SliceData(xb)), len(xb), bias, dst)
	if errors.Is(err, onednn.ErrOtherLayout) {
		if err = w.addLayout(p, src); err == nil {
			err = packed.Matmul(p, unsafe.Pointer(unsafe.SliceData(xb)), len(xb), bias, dst)
		}
	}
	if err != nil {
		return err
	}
	if np > n {
		copy(y[:n*out], dst[:n*out])
	}
	return nil
}

// Ready reports whether w holds a packed copy.
func (w *PackedWeights) Ready() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.packed != nil
}

// Pack makes the bf16 copy of out×in weights now (given as for
// LinearBF16), rather than at the first product: at load, so that the
// source can be released (OnPacked) before the next weights are read.
func (w *PackedWeights) Pack(w32 []float32, h Half, bits []uint16, out, in int) error {
	if out <= 0 || in <= 0 {
		return errors.Errorf("blas: PackedWeights.Pack: shape %d×%d", out, in)
	}
	p := onednn.Product{M: padGrain, N: out, K: in, TransB: true, LDA: in, LDB: in, LDC: out,
		Type: onednn.BF16, Alpha: 1, PackedB: true}
	_, err := w.pack(p, weightsSource{w32, h, bits})
	return err
}

// weightsSource are a layer's weights as LinearBF16 receives them.
type weightsSource struct {
	w32  []float32
	h    Half
	bits []uint16
}

// identity returns what tells one source from another: its address, and
// for float32 weights, which may be trained, their WeightsChanged count.
func (s weightsSource) identity() (unsafe.Pointer, uint64) {
	if s.w32 != nil {
		ptr := unsafe.Pointer(unsafe.SliceData(s.w32))
		return ptr, version(ptr)
	}
	return unsafe.Pointer(unsafe.SliceData(s.bits)), 0
}

// pack returns the packed copy of the weights, making it when there is none
// or the float32 weights moved or changed since.
func (w *PackedWeights) pack(p onednn.Product, src weightsSource) (*onednn.Packed, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ptr, epoch := src.identity()
	if w.packed != nil && w.src == ptr && w.epoch == epoch {
		return w.packed, nil
	}
	bits, release, err := src.bf16Bits(p)
	if err != nil {
		return nil, err
	}
	defer release()
	first := w.packed == nil
	if w.packed != nil && w.src == ptr {
		err = w.packed.Repack(unsafe.Pointer(unsafe.SliceData(bits)))
	} else {
		if w.packed != nil {
			w.packed.Free()
		}
		w.packed, err = onednn.Pack(p, unsafe.Pointer(unsafe.SliceData(bits)), len(bits))
	}
	if err != nil {
		w.packed = nil
		return nil, err
	}
	w.src, w.epoch = ptr, epoch
	if first && w.OnPacked != nil {
		w.OnPacked()
	}
	return w.packed, nil
}

// addLayout packs the weights into the layout p's primitive wants too.
func (w *PackedWeights) addLayout(p onednn.Product, src weightsSource) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	bits, release, err := src.bf16Bits(p)
	if err != nil {
		return err
	}
	defer release()
	return w.packed.AddLayout(p, unsafe.Pointer(unsafe.SliceData(bits)), len(bits))
}

// bf16Bits returns the weights as bf16 bits: BF16 bits as they are, others
// rounded into a scratch buffer that release gives back.
func (s weightsSource) bf16Bits(p onednn.Product) (bits []uint16, release func(), err error) {
	size := p.N * p.K
	switch {
	case s.w32 != nil && len(s.w32) < size:
		return nil, nil, errors.Errorf("blas: LinearBF16: %d float32 weights for %d×%d", len(s.w32), p.N, p.K)
	case s.w32 == nil && (!s.h.Valid() || len(s.bits) < size):
		return nil, nil, errors.Errorf("blas: LinearBF16: %d weights of format %v for %d×%d", len(s.bits), s.h, p.N, p.K)
	case s.w32 == nil && s.h == BF16:
		return s.bits[:size], func() {}, nil
	}
	out := bitsScratch.Get(size)
	release = func() { bitsScratch.Put(out) }
	if s.w32 != nil {
		roundPadded(out, s.w32, p.N, p.K, p.K, p.N, p.K)
		return out, release, nil
	}
	parallel.For(size, 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = half.ToBF16(half.F16(s.bits[i]))
		}
	})
	return out, release, nil
}

// fillRows sets each of the n rows of y to bias, or to zero without one.
func fillRows(y, bias []float32, n, out int) {
	for i := 0; i < n; i++ {
		row := y[i*out : (i+1)*out]
		if bias == nil {
			clear(row)
		} else {
			copy(row, bias)
		}
	}
}

// BF16Speedup measures how much faster a linear layer of AIM-0.6B's size
// (256 rows, 1536 → 1536) runs in PrecisionBF16 than in float32 on this
// machine, each by the route the model takes (best of three runs after
// one to warm up; some tens of milliseconds in all). It returns the ratio
// of the float32 time to the bf16 time.
func BF16Speedup() (float64, error) {
	if err := CheckPrecision(PrecisionBF16); err != nil {
		return 0, err
	}
	const n, in, out = 256, 1536, 1536
	x, w, y := make([]float32, n*in), make([]float32, out*in), make([]float32, n*out)
	for i := range x {
		x[i] = float32(i%17) - 8
	}
	for i := range w {
		w[i] = float32(i%13)/64 - 0.1
	}
	var pw PackedWeights
	defer pw.Free()
	bf16, err := bestOf(7, func() error { return LinearBF16(&pw, x, w, 0, nil, nil, y, n, in, out) })
	if err != nil {
		return 0, err
	}
	f32, _ := bestOf(7, func() error { Gemm(false, true, n, out, in, 1, x, in, w, in, 0, y, out); return nil })
	return f32 / bf16, nil
}

// bestOf runs f runs times and returns the shortest time of all but the
// first, in seconds.
func bestOf(runs int, f func() error) (float64, error) {
	best := math.Inf(1)
	for i := 0; i < runs; i++ {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		if i > 0 {
			best = min(best, time.Since(start).Seconds())
		}
	}
	return best, nil
}
