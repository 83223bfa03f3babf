package onednn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unsafe"

	"github.com/aim-go/aim/internal/half"
)

// needLibrary skips a test where oneDNN is not installed.
func needLibrary(t *testing.T) {
	t.Helper()
	if err := Load(); err != nil {
		t.Skipf("oneDNN not loaded: %v", err)
	}
}

// isaEnv is oneDNN's own variable capping its ISA.
const isaEnv = "DNNL_MAX_CPU_ISA"

// forcedISAs are the values of DNNL_MAX_CPU_ISA the tests run under, best
// first, with the effective ISA each gives on a CPU that has it.
var forcedISAs = []struct{ env, isa string }{
	{"AVX512_CORE_AMX", "avx512_core_amx"},
	{"AVX512_CORE_BF16", "avx512_core_bf16"},
	{"AVX512_CORE", "avx512_core"},
	{"AVX2", "avx2"},
}

// skipUnlessForcedISA skips where DNNL_MAX_CPU_ISA asks for an ISA this CPU
// does not have (oneDNN then quietly runs a lesser one).
func skipUnlessForcedISA(t *testing.T) {
	t.Helper()
	env := strings.ToUpper(os.Getenv(isaEnv))
	for _, f := range forcedISAs {
		if f.env == env && ISA() != f.isa {
			t.Skipf("%s=%s: this CPU lacks it (oneDNN runs %s)", isaEnv, env, ISA())
		}
	}
}

// TestEveryISA runs the product tests in one process per ISA this CPU can
// run (oneDNN reads DNNL_MAX_CPU_ISA once per process), and skips by name
// the ones it cannot.
func TestEveryISA(t *testing.T) {
	needLibrary(t)
	if os.Getenv(isaEnv) != "" {
		t.Skipf("%s is set: this process tests that ISA alone", isaEnv)
	}
	for _, f := range forcedISAs {
		t.Run(f.env, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestProducts$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), isaEnv+"="+f.env)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s=%s: %v\n%s", isaEnv, f.env, err, out)
			}
			if strings.Contains(string(out), "lacks it") {
				t.Skipf("this CPU lacks %s", f.env)
			}
			if !strings.Contains(string(out), "--- PASS: TestProducts") {
				t.Fatalf("%s=%s: TestProducts did not pass:\n%s", isaEnv, f.env, out)
			}
		})
	}
}

// shape is one product of the tests.
type shape struct {
	name           string
	m, n, k        int
	transA, transB bool
	padA, padB     int // extra columns in the stored rows
	alpha, beta    float32
	bias, packed   bool
}

// shapes are the kinds of products the model makes: linear layers (X·Wᵀ,
// with and without bias, packed weights), their gradients (dY·W and
// dYᵀ·X), attention's scaled QKᵀ and P·V inside wider rows, odd sizes.
var shapes = []shape{
	{name: "linear", m: 49, n: 192, k: 64, transB: true, bias: true, alpha: 1},
	{name: "linear-packed", m: 256, n: 576, k: 192, transB: true, bias: true, packed: true, alpha: 1},
	{name: "linear-packed-nobias", m: 37, n: 200, k: 130, transB: true, packed: true, alpha: 1},
	{name: "linear-wide-k", m: 64, n: 96, k: 1536, transB: true, packed: true, alpha: 1},
	{name: "dx", m: 98, n: 192, k: 576, alpha: 1, packed: true},
	{name: "dw", m: 576, n: 192, k: 98, transA: true, alpha: 1},
	{name: "scores", m: 49, n: 49, k: 32, transB: true, padA: 160, padB: 160, alpha: 0.17677669},
	{name: "probs-v", m: 49, n: 32, k: 49, padB: 544, alpha: 1},
	{name: "accumulate", m: 17, n: 23, k: 29, alpha: 1, beta: 1},
	{name: "scaled-accumulate", m: 5, n: 7, k: 3, transA: true, transB: true, alpha: -0.5, beta: 0.25},
	{name: "one", m: 1, n: 1, k: 1, alpha: 1},
}

// TestProducts checks every shape, f32 and bf16, against a float64 product
// of the same (bf16-rounded) inputs: the only difference allowed is the
// order of float32 summation.
func TestProducts(t *testing.T) {
	needLibrary(t)
	skipUnlessForcedISA(t)
	t.Logf("oneDNN %s, ISA %s", Version(), ISA())
	types := []DataType{F32, BF16}
	if err := CheckBF16(); err != nil {
		if NativeBF16() || ISA() == "avx512_core" || !strings.Contains(err.Error(), "use f32 precision") {
			t.Fatalf("bf16 refused on %s: %v", ISA(), err)
		}
		t.Logf("bf16 refused with a clear error, as expected on %s: %v", ISA(), err)
		types = types[:1]
	}
	for _, s := range shapes {
		for _, typ := range types {
			t.Run(fmt.Sprintf("%s/%v", s.name, typ), func(t *testing.T) { checkProduct(t, s, typ) })
		}
	}
}

// operands holds a product's inputs as float32 (already rounded to bf16
// where the type says so) and as the bits handed to oneDNN.
type operands struct {
	a, b, c, bias []float32
	aBits, bBits  []uint16
}

func newOperands(s shape, typ DataType, p Product, rng *rand.Rand) *operands {
	ar, ac := rowsCols(s.transA, s.m, s.k)
	br, bc := rowsCols(s.transB, s.k, s.n)
	o := &operands{a: random(rng, ar*p.LDA), b: random(rng, br*p.LDB), c: random(rng, s.m*s.n)}
	_, _ = ac, bc
	if s.bias {
		o.bias = random(rng, s.n)
	}
	if typ == BF16 {
		o.aBits, o.bBits = round(o.a), round(o.b)
	}
	return o
}

// random returns n normal values.
func random(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// round rounds v to bf16 in place and returns the bits.
func round(v []float32) []uint16 {
	bits := make([]uint16, len(v))
	for i, x := range v {
		bits[i] = half.ToBF16(x)
		v[i] = half.BF16(bits[i])
	}
	return bits
}

func (o *operands) pointers(typ DataType) (a, b unsafe.Pointer) {
	if typ == BF16 {
		return unsafe.Pointer(&o.aBits[0]), unsafe.Pointer(&o.bBits[0])
	}
	return unsafe.Pointer(&o.a[0]), unsafe.Pointer(&o.b[0])
}

func checkProduct(t *testing.T, s shape, typ DataType) {
	p := Product{M: s.m, N: s.n, K: s.k, TransA: s.transA, TransB: s.transB, Type: typ,
		Alpha: s.alpha, Beta: s.beta, Bias: s.bias, LDC: s.n}
	_, p.LDA = rowsCols(s.transA, s.m, s.k)
	_, p.LDB = rowsCols(s.transB, s.k, s.n)
	p.LDA += s.padA
	p.LDB += s.padB
	o := newOperands(s, typ, p, rand.New(rand.NewPCG(uint64(s.m), uint64(s.k))))
	want := reference(p, o)
	a, b := o.pointers(typ)
	var err error
	if s.packed {
		var w *Packed
		if w, err = Pack(p, b, len(o.b)); err != nil {
			t.Fatal(err)
		}
		defer w.Free()
		p.PackedB = true
		err = w.Matmul(p, a, len(o.a), o.bias, o.c)
	} else {
		err = Matmul(p, a, len(o.a), b, len(o.b), o.bias, o.c)
	}
	if err != nil {
		t.Fatal(err)
	}
	compare(t, o.c, want, 1e-5)
}

// reference computes the product in float64 from the float32 inputs.
func reference(p Product, o *operands) []float64 {
	at := func(v []float32, trans bool, ld, i, j int) float64 {
		if trans {
			return float64(v[j*ld+i])
		}
		return float64(v[i*ld+j])
	}
	out := make([]float64, p.M*p.N)
	for i := 0; i < p.M; i++ {
		for j := 0; j < p.N; j++ {
			var sum float64
			for l := 0; l < p.K; l++ {
				sum += at(o.a, p.TransA, p.LDA, i, l) * at(o.b, p.TransB, p.LDB, l, j)
			}
			v := float64(p.Alpha)*sum + float64(p.Beta)*float64(o.c[i*p.LDC+j])
			if o.bias != nil {
				v += float64(o.bias[j])
			}
			out[i*p.N+j] = v
		}
	}
	return out
}

// compare fails when max|got−want| > tol·max|want|.
func compare(t *testing.T, got []float32, want []float64, tol float64) {
	t.Helper()
	worst, scale := 0.0, 0.0
	for i, w := range want {
		worst = max(worst, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
	}
	if worst > tol*scale || math.IsNaN(worst) {
		t.Fatalf("max|Δ| = %.3g = %.3g·max|ref|, want ≤ %g", worst, worst/scale, tol)
	}
}
