package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"unsafe"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/internal/isa"
)

// Both gorgonia and tensor accept the Implementation.
var (
	_ gorgonia.BLAS = GorgoniaImpl()
	_ tensor.BLAS   = GorgoniaImpl()
)

// eachBackend runs f as a subtest on every backend available here, and
// restores the active backend afterwards.
func eachBackend(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	prev := Backend()
	t.Cleanup(func() { mustUse(t, prev) })
	for _, name := range Available() {
		t.Run(name, func(t *testing.T) {
			mustUse(t, name)
			f(t)
		})
	}
}

func mustUse(t testing.TB, name string) {
	t.Helper()
	if err := Use(name); err != nil {
		t.Fatal(err)
	}
}

// refGemm is the textbook triple loop in float64, returning the result and,
// for each element of C, the sum of the magnitudes of its terms, the scale of
// its rounding error.
func refGemm[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) (want, scale []float64) {
	at := func(x []T, ld int, trans bool, i, j int) float64 {
		if trans {
			return float64(x[j*ld+i])
		}
		return float64(x[i*ld+j])
	}
	want, scale = make([]float64, m*n), make([]float64, m*n)
	for i := range m {
		for j := range n {
			s := float64(beta) * float64(c[i*ldc+j])
			abs := math.Abs(s)
			for l := range k {
				p := float64(alpha) * at(a, lda, tA, i, l) * at(b, ldb, tB, l, j)
				s += p
				abs += math.Abs(p)
			}
			want[i*n+j], scale[i*n+j] = s, abs
		}
	}
	return want, scale
}

// tolerance is the relative error allowed for T.
func tolerance[T Float]() float64 {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return 1e-5
	}
	return 1e-12
}

func randSlice[T Float](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(r.Float64()*2 - 1)
	}
	return s
}

type gemmCase struct {
	tA, tB      bool
	m, n, k     int
	alpha, beta float64
	pad         int // added to every leading dimension
}

func (c gemmCase) String() string {
	return fmt.Sprintf("%s%s_%dx%dx%d_a%g_b%g_pad%d", flag(c.tA), flag(c.tB), c.m, c.n, c.k, c.alpha, c.beta, c.pad)
}

func flag(t bool) string {
	if t {
		return "T"
	}
	return "N"
}

func gemmCases() []gemmCase {
	// The last three are split over goroutines: by rows, and by columns
	// (few rows, many columns).
	sizes := [][3]int{{1, 1, 1}, {0, 5, 3}, {4, 0, 3}, {3, 4, 0}, {7, 5, 3}, {49, 49, 64}, {300, 200, 100}, {24, 700, 160}, {100, 1100, 40}}
	scalars := [][2]float64{{1, 0}, {0.5, -1.5}, {-2, 1}, {0, 0.25}}
	var cases []gemmCase
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for i, s := range sizes {
				for j, ab := range scalars {
					pad := (i + j) % 3 * 5 // 0, 5 or 10: strided sub-matrices
					cases = append(cases, gemmCase{tA, tB, s[0], s[1], s[2], ab[0], ab[1], pad})
				}
			}
		}
	}
	return cases
}

// gemmData is a case's operands and its float64 reference, drawn once and
// checked on every route.
type gemmData[T Float] struct {
	tc            gemmCase
	lda, ldb, ldc int
	a, b, c       []T
	want, scale   []float64
}

func newGemmData[T Float](r *rand.Rand, tc gemmCase) gemmData[T] {
	rowsA, colsA := shape(tc.tA, tc.m, tc.k)
	rowsB, colsB := shape(tc.tB, tc.k, tc.n)
	d := gemmData[T]{tc: tc, lda: max(1, colsA) + tc.pad, ldb: max(1, colsB) + tc.pad, ldc: max(1, tc.n) + tc.pad}
	d.a = randSlice[T](r, rowsA*d.lda)
	d.b = randSlice[T](r, rowsB*d.ldb)
	d.c = randSlice[T](r, tc.m*d.ldc)
	d.want, d.scale = refGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, T(tc.alpha), d.a, d.lda, d.b, d.ldb, T(tc.beta), d.c, d.ldc)
	return d
}

// checkGemmCase runs one case through Gemm and compares it with refGemm. It
// also checks that the padding between rows of C is left alone.
func checkGemmCase[T Float](t *testing.T, r *rand.Rand, tc gemmCase) {
	t.Helper()
	newGemmData[T](r, tc).check(t)
}

// check runs the case through Gemm on the active route.
func (d gemmData[T]) check(t *testing.T) {
	t.Helper()
	tc := d.tc
	c := append([]T(nil), d.c...)
	Gemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, T(tc.alpha), d.a, d.lda, d.b, d.ldb, T(tc.beta), c, d.ldc)
	tol := tolerance[T]()
	for i := range tc.m {
		for j := range d.ldc {
			got := float64(c[i*d.ldc+j])
			if j >= tc.n {
				if got != float64(d.c[i*d.ldc+j]) {
					t.Fatalf("C[%d][%d] in the padding changed", i, j)
				}
				continue
			}
			w, s := d.want[i*tc.n+j], d.scale[i*tc.n+j]
			if math.Abs(got-w) > tol*max(s, 1e-30) {
				t.Fatalf("C[%d][%d] = %v, want %v (scale %v)", i, j, got, w, s)
			}
		}
	}
}

// TestGemm checks every case on every route in float32, and in float64 —
// which only the backend computes — once per backend.
func TestGemm(t *testing.T) {
	var f32s []gemmData[float32]
	var f64s []gemmData[float64]
	for _, tc := range gemmCases() {
		r := rand.New(rand.NewPCG(1, uint64(tc.m*1000+tc.n)))
		f32s, f64s = append(f32s, newGemmData[float32](r, tc)), append(f64s, newGemmData[float64](r, tc))
	}
	eachRoute(t, func(t *testing.T) {
		float64s := isa.Active() == isa.Best() && xwtMode() == xwtAuto
		for i, d := range f32s {
			t.Run("float32/"+d.tc.String(), d.check)
			if float64s {
				t.Run("float64/"+d.tc.String(), f64s[i].check)
			}
		}
	})
}

// weight is a named float type: Gemm must reinterpret it, not drop it.
type weight float32

func TestGemmNamedType(t *testing.T) {
	eachRoute(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(2, 2))
		checkGemmCase[weight](t, r, gemmCase{tB: true, m: 5, n: 6, k: 7, alpha: 1, beta: 0.5, pad: 2})
	})
}

// TestGemmPanics checks that invalid arguments panic with gonum's message on
// every backend instead of reaching C.
func TestGemmPanics(t *testing.T) {
	s := make([]float32, 12)
	cases := []struct {
		name string
		call func()
		msg  string
	}{
		{"short a", func() { Gemm(false, false, 4, 3, 3, 1, s[:11], 3, s, 3, 0, s, 3) }, shortA},
		{"short b", func() { Gemm(false, true, 3, 4, 3, 1, s, 3, s[:10], 3, 0, s, 4) }, shortB},
		{"short c", func() { Gemm(false, false, 3, 4, 3, 1, s, 3, s, 4, 0, s[:11], 4) }, shortC},
		{"bad lda", func() { Gemm(true, false, 3, 4, 2, 1, s, 2, s, 4, 0, s, 4) }, badLdA},
		{"bad ldb", func() { Gemm(false, false, 3, 4, 2, 1, s, 2, s, 3, 0, s, 4) }, badLdB},
		{"bad ldc", func() { Gemm(false, false, 3, 4, 2, 1, s, 2, s, 4, 0, s, 3) }, badLdC},
		{"k < 0", func() { Gemm(false, false, 3, 4, -1, 1, s, 2, s, 4, 0, s, 4) }, kLT0},
	}
	eachBackend(t, func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				defer func() {
					if r := recover(); r != tc.msg {
						t.Errorf("panic %v, want %q", r, tc.msg)
					}
				}()
				tc.call()
			})
		}
	})
}

// TestImplementation checks the gemm and gemv methods of GorgoniaImpl
// against gonum on every backend, with negative increments.
func TestImplementation(t *testing.T) {
	const m, n, lda = 13, 9, 11
	r := rand.New(rand.NewPCG(3, 3))
	a := randSlice[float64](r, m*lda)
	x := randSlice[float64](r, 3*m)
	y0 := randSlice[float64](r, 2*m)
	eachRoute(t, func(t *testing.T) {
		impl := GorgoniaImpl()
		for _, tA := range []gblas.Transpose{gblas.NoTrans, gblas.Trans} {
			for _, inc := range [][2]int{{1, 1}, {3, -2}, {-2, 2}} {
				want, got := append([]float64(nil), y0...), append([]float64(nil), y0...)
				gonum.Implementation{}.Dgemv(tA, m, n-2, 0.7, a, lda, x, inc[0], -0.3, want, inc[1])
				impl.Dgemv(tA, m, n-2, 0.7, a, lda, x, inc[0], -0.3, got, inc[1])
				assertClose(t, fmt.Sprint("Dgemv", tA, inc), got, want, 1e-12)
				w32, g32 := f32(y0), f32(y0)
				gonum.Implementation{}.Sgemv(tA, m, n-2, 0.7, f32(a), lda, f32(x), inc[0], -0.3, w32, inc[1])
				impl.Sgemv(tA, m, n-2, 0.7, f32(a), lda, f32(x), inc[0], -0.3, g32, inc[1])
				assertClose(t, fmt.Sprint("Sgemv", tA, inc), f64(g32), f64(w32), 1e-5)
			}
		}
		c0 := randSlice[float64](r, 8*8)
		want, got := append([]float64(nil), c0...), append([]float64(nil), c0...)
		gonum.Implementation{}.Dgemm(gblas.Trans, gblas.NoTrans, 8, 8, 5, 2, a, lda, a[3:], lda, 0.5, want, 8)
		impl.Dgemm(gblas.Trans, gblas.NoTrans, 8, 8, 5, 2, a, lda, a[3:], lda, 0.5, got, 8)
		assertClose(t, "Dgemm", got, want, 1e-12)
		w32, g32 := f32(c0), f32(c0)
		gonum.Implementation{}.Sgemm(gblas.NoTrans, gblas.Trans, 8, 8, 5, 2, f32(a), lda, f32(a[3:]), lda, 0.5, w32, 8)
		impl.Sgemm(gblas.NoTrans, gblas.Trans, 8, 8, 5, 2, f32(a), lda, f32(a[3:]), lda, 0.5, g32, 8)
		assertClose(t, "Sgemm", f64(g32), f64(w32), 1e-5)
	})
}

func f32(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

func f64(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*max(1, math.Abs(want[i])) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestGorgoniaMatMul runs a gorgonia matrix product with GorgoniaImpl
// installed, on every backend.
func TestGorgoniaMatMul(t *testing.T) {
	t.Cleanup(func() { gorgonia.Use(gonum.Implementation{}) })
	gorgonia.Use(GorgoniaImpl())
	r := rand.New(rand.NewPCG(4, 4))
	av, bv := randSlice[float32](r, 6*4), randSlice[float32](r, 4*5)
	want, _ := refGemm(false, false, 6, 5, 4, 1, av, 4, bv, 5, 0, make([]float32, 30), 5)
	eachRoute(t, func(t *testing.T) {
		g := gorgonia.NewGraph()
		a := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(6, 4), gorgonia.WithValue(tensor.New(tensor.WithShape(6, 4), tensor.WithBacking(av))))
		b := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(4, 5), gorgonia.WithValue(tensor.New(tensor.WithShape(4, 5), tensor.WithBacking(bv))))
		c := gorgonia.Must(gorgonia.Mul(a, b))
		vm := gorgonia.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "MatMul", f64(c.Value().Data().([]float32)), want, 1e-5)
	})
}

// TestConcurrentGemm calls Gemm from many goroutines at once, with small
// products (single-threaded inside OpenBLAS) and large ones (multi-threaded),
// and checks every result against the reference.
func TestConcurrentGemm(t *testing.T) {
	type job struct {
		tc          gemmCase
		a, b, c     []float32
		lda, ldb    int
		want, scale []float64
	}
	r := rand.New(rand.NewPCG(5, 5))
	var jobs []job
	for _, tc := range []gemmCase{
		{false, true, 49, 49, 64, 0.125, 0, 0},
		{false, false, 49, 64, 49, 1, 0, 3},
		{true, false, 49, 64, 49, 1, 1, 0},
		{false, true, 300, 200, 100, 1, 0, 0},
	} {
		rowsA, colsA := shape(tc.tA, tc.m, tc.k)
		rowsB, colsB := shape(tc.tB, tc.k, tc.n)
		j := job{tc: tc, lda: colsA + tc.pad, ldb: colsB + tc.pad}
		j.a, j.b = randSlice[float32](r, rowsA*j.lda), randSlice[float32](r, rowsB*j.ldb)
		j.c = randSlice[float32](r, tc.m*tc.n)
		j.want, j.scale = refGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), j.a, j.lda, j.b, j.ldb, float32(tc.beta), j.c, tc.n)
		jobs = append(jobs, j)
	}
	const goroutines, rounds = 8, 200
	eachRoute(t, func(t *testing.T) {
		rounds := rounds
		if testing.Short() || isa.Active() != isa.Best() || xwtMode() != xwtAuto {
			rounds = 40 // the default route of each backend runs them all
		}
		var wg sync.WaitGroup
		errs := make(chan string, goroutines)
		for g := range goroutines {
			wg.Go(func() {
				for i := range rounds {
					j := jobs[(g+i)%len(jobs)]
					c := append([]float32(nil), j.c...)
					Gemm(j.tc.tA, j.tc.tB, j.tc.m, j.tc.n, j.tc.k, float32(j.tc.alpha), j.a, j.lda, j.b, j.ldb, float32(j.tc.beta), c, j.tc.n)
					for e := range c {
						if math.Abs(float64(c[e])-j.want[e]) > 1e-5*j.scale[e] {
							errs <- fmt.Sprintf("goroutine %d round %d %v: element %d = %v, want %v", g, i, j.tc, e, c[e], j.want[e])
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
}

// TestFromEnv checks how each value of AIM_BLAS is resolved.
func TestFromEnv(t *testing.T) {
	_, obErr := loadOpenBLAS()
	haveOB := obErr == nil
	auto := Gonum
	if haveOB {
		auto = OpenBLAS
	}
	forced, forcedErr := OpenBLAS, false
	if !haveOB {
		forced, forcedErr = Gonum, true
	}
	cases := []struct {
		env     string
		want    string
		wantErr bool
	}{
		{"", auto, false},
		{"auto", auto, false},
		{" Auto ", auto, false},
		{"gonum", Gonum, false},
		{"GONUM", Gonum, false},
		{"openblas", forced, forcedErr},
		{"mkl", Gonum, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.env), func(t *testing.T) {
			b, err := fromEnv(tc.env)
			if b.Name() != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("fromEnv(%q) = %s, %v; want %s, error %v", tc.env, b.Name(), err, tc.want, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), EnvVar) {
				t.Errorf("error %q does not name %s", err, EnvVar)
			}
		})
	}
}

// TestInitFromEnvironment runs the test binary again with AIM_BLAS and
// AIM_BLAS_LIB set, so that Init sees a fresh process.
func TestInitFromEnvironment(t *testing.T) {
	if os.Getenv("BLAS_TEST_CHILD") != "" {
		err := Init()
		fmt.Printf("backend=%s error=%v\n", Backend(), err != nil)
		return
	}
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	auto := Available()[len(Available())-1]
	const missing = "/nonexistent/libopenblas.so.0"
	cases := []struct {
		blas, lib string
		want      string
		wantErr   bool
	}{
		{"", "", auto, false},
		{"gonum", "", Gonum, false},
		{"openblas", "", auto, auto != OpenBLAS},
		{"bogus", "", Gonum, true},
		{"", missing, Gonum, false},
		{"openblas", missing, Gonum, true},
	}
	for _, tc := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^TestInitFromEnvironment$", "-test.count=1")
		cmd.Env = append(os.Environ(), "BLAS_TEST_CHILD=1", EnvVar+"="+tc.blas, LibEnvVar+"="+tc.lib)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s=%q %s=%q: %v\n%s", EnvVar, tc.blas, LibEnvVar, tc.lib, err, out)
		}
		if line := fmt.Sprintf("backend=%s error=%v\n", tc.want, tc.wantErr); !strings.Contains(string(out), line) {
			t.Errorf("%s=%q %s=%q: got %q, want %q", EnvVar, tc.blas, LibEnvVar, tc.lib, out, line)
		}
	}
}

func TestUse(t *testing.T) {
	prev := Backend()
	t.Cleanup(func() { mustUse(t, prev) })
	mustUse(t, Gonum)
	if err := Use("mkl"); err == nil || Backend() != Gonum {
		t.Errorf("Use(mkl) = %v, backend %s; want an error and gonum kept", err, Backend())
	}
	if _, err := loadOpenBLAS(); err != nil {
		if err := Use(OpenBLAS); err == nil || Backend() != Gonum {
			t.Errorf("Use(openblas) without OpenBLAS = %v, backend %s", err, Backend())
		}
		return
	}
	mustUse(t, "auto")
	if Backend() != OpenBLAS {
		t.Errorf("Use(auto) chose %s with OpenBLAS present", Backend())
	}
}

func TestThreads(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		def := Threads()
		if def < 1 {
			t.Fatalf("Threads() = %d", def)
		}
		SetThreads(1)
		if Backend() == OpenBLAS && Threads() != 1 {
			t.Errorf("after SetThreads(1), Threads() = %d", Threads())
		}
		SetThreads(0)
		if Threads() != def {
			t.Errorf("after SetThreads(0), Threads() = %d, want %d", Threads(), def)
		}
	})
}
