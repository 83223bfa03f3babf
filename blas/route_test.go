package blas

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"

	gblas "gonum.org/v1/gonum/blas"

	"github.com/aim-go/aim/internal/isa"
)

// route is one way through the package: the instruction-set level of its
// own kernels (package isa), the X·Wᵀ kernel's route, and the backend.
type route struct {
	level   isa.Level
	xwt     int32
	backend string
}

func (r route) String() string {
	s := r.level.String()
	if r.level == isa.AVX512 {
		s += "-xwt_" + xwtNames[r.xwt]
	}
	return s + "/" + r.backend
}

// allRoutes lists every route a CPU could take: each level, the X·Wᵀ
// kernel's three routes at avx512 (below it the kernel is off), each
// backend. A variable set in the environment (AIM_ISA, AIM_XWT, AIM_BLAS)
// keeps only the routes it forces, so that a test run under a forced route
// (as .ci/run does for each) tests that route alone.
func allRoutes() []route {
	var routes []route
	for _, level := range isa.Levels() {
		modes := []int32{xwtOff}
		if level == isa.AVX512 {
			modes = []int32{xwtAuto, xwtAlways, xwtOff}
		}
		for _, mode := range modes {
			for _, backend := range []string{OpenBLAS, Gonum} {
				r := route{level, mode, backend}
				if r.forced() {
					routes = append(routes, r)
				}
			}
		}
	}
	return routes
}

// forced reports whether r is one of the routes the environment allows.
func (r route) forced() bool {
	if l, ok := isa.Forced(); ok && l != r.level {
		return false
	}
	if v := os.Getenv(XWTEnvVar); v != "" && r.level == isa.AVX512 {
		if m, err := parseXWT(v); err != nil || m != r.xwt {
			return false
		}
	}
	if v := strings.ToLower(strings.TrimSpace(os.Getenv(EnvVar))); v != "" && v != "auto" && v != r.backend {
		return false
	}
	return true
}

// use switches the package to r for the rest of the test, or skips the
// test, naming the route and what this machine lacks for it.
func (r route) use(t *testing.T) {
	t.Helper()
	if missing := isa.Missing(r.level); len(missing) > 0 {
		t.Skipf("route %v: this CPU lacks %s", r, strings.Join(missing, ", "))
	}
	prevLevel, prevBackend := isa.Active(), Backend()
	if err := Use(r.backend); err != nil {
		t.Skipf("route %v: %v", r, err)
	}
	if err := isa.Set(r.level); err != nil {
		t.Fatal(err)
	}
	restoreXWT := setXWT(r.xwt)
	t.Cleanup(func() {
		restoreXWT()
		mustUse(t, prevBackend)
		if err := isa.Set(prevLevel); err != nil {
			t.Error(err)
		}
	})
}

// eachRoute runs f as a subtest on every route of allRoutes, skipping
// by name those this machine cannot take.
func eachRoute(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, r := range allRoutes() {
		t.Run(r.String(), func(t *testing.T) {
			r.use(t)
			f(t)
		})
	}
}

// eachLevel runs f as a subtest on every instruction-set level allowed by
// AIM_ISA, for the tests of kernels that do not depend on the backend or the
// X·Wᵀ route, skipping by name the levels this CPU cannot run.
func eachLevel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	seen := map[isa.Level]bool{}
	for _, r := range allRoutes() {
		if seen[r.level] {
			continue
		}
		seen[r.level] = true
		t.Run(r.level.String(), func(t *testing.T) {
			if missing := isa.Missing(r.level); len(missing) > 0 {
				t.Skipf("level %v: this CPU lacks %s", r.level, strings.Join(missing, ", "))
			}
			prev := isa.Active()
			if err := isa.Set(r.level); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { isa.Set(prev) })
			f(t)
		})
	}
}

// nanSlice returns n NaNs.
func nanSlice[T Float](n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(math.NaN())
	}
	return s
}

// TestGemmAlphaZero checks that with alpha = 0, and with k = 0, no route
// reads A or B: C becomes beta·C although A and B hold NaNs, for products
// that reach each path (one backend call, the split over goroutines, the
// X·Wᵀ kernel), through Gemm, GemmHalf and the gorgonia Implementation.
// OpenBLAS's SkylakeX kernels and gonum both read A and B when alpha = 0.
func TestGemmAlphaZero(t *testing.T) {
	nans, halfNaN := nanSlice[float32](1536*1536), halfNaNs(1536*1536)
	eachRoute(t, func(t *testing.T) {
		for _, s := range [][4]int{{8, 12, 512, 0}, {40, 48, 64, 0}, {300, 200, 100, 0}, {256, 1536, 1536, 0}, {9, 7, 0, 1}} {
			m, n, k := s[0], s[1], s[2]
			alpha := float32(s[3]) // 0, or 1 with k = 0
			for _, tB := range []bool{false, true} {
				for _, beta := range []float32{0, 0.5, 1} {
					name := fmt.Sprintf("%dx%dx%d_tB%t_alpha%v_beta%v", m, n, k, tB, alpha, beta)
					t.Run(name, func(t *testing.T) {
						checkScaleOnly(t, m, n, beta, func(c []float32) {
							Gemm(false, tB, m, n, k, alpha, nans[:m*max(1, k)], max(1, k), nans[:n*max(1, k)], ldbOf(tB, n, k), beta, c, n)
						})
						if tB {
							checkScaleOnly(t, m, n, beta, func(c []float32) {
								GemmHalf(BF16, m, n, k, alpha, nans[:m*max(1, k)], max(1, k), halfNaN[:n*max(1, k)], max(1, k), beta, c, n)
							})
						}
						checkScaleOnly(t, m, n, beta, func(c []float32) {
							GorgoniaImpl().Sgemm(gblas.NoTrans, transpose(tB), m, n, k, alpha, nans[:m*max(1, k)], max(1, k), nans[:n*max(1, k)], ldbOf(tB, n, k), beta, c, n)
						})
					})
				}
			}
		}
		var y []float32
		for _, beta := range []float32{0, 0.5} {
			y = []float32{1, float32(math.NaN()), 3}
			GorgoniaImpl().Sgemv(gblas.NoTrans, 3, 4, 0, nanSlice[float32](12), 4, nanSlice[float32](4), 1, beta, y, 1)
			for i, v := range y {
				if want := scaled(beta, []float32{1, float32(math.NaN()), 3}[i]); v != want && !(v != v && want != want) {
					t.Errorf("Sgemv alpha 0 beta %v: y[%d] = %v, want %v", beta, i, v, want)
				}
			}
		}
	})
}

// ldbOf returns the row stride of B (k×n, or n×k when transposed).
func ldbOf(tB bool, n, k int) int {
	if tB {
		return max(1, k)
	}
	return n
}

// halfNaNs returns n BF16 NaNs.
func halfNaNs(n int) []uint16 {
	s := make([]uint16, n)
	for i := range s {
		s[i] = 0x7fc0
	}
	return s
}

// checkScaleOnly runs product on a C of known values (NaNs when beta = 0,
// which must be overwritten) and checks that C became beta·C.
func checkScaleOnly(t *testing.T, m, n int, beta float32, product func(c []float32)) {
	t.Helper()
	c := make([]float32, m*n)
	for i := range c {
		c[i] = float32(i%97) - 48
		if beta == 0 {
			c[i] = float32(math.NaN())
		}
	}
	want := make([]float32, len(c))
	for i, v := range c {
		want[i] = scaled(beta, v)
	}
	product(c)
	for i, v := range c {
		if math.Float32bits(v) != math.Float32bits(want[i]) {
			t.Fatalf("C[%d] = %v, want %v (beta %v)", i, v, want[i], beta)
		}
	}
}

// TestRoutesFromEnvironment runs the test binary under each value of
// AIM_ISA and AIM_XWT and checks what blas.Init makes of it: the route it
// names when the CPU runs it, else an error naming what the CPU lacks.
func TestRoutesFromEnvironment(t *testing.T) {
	if os.Getenv("AIM_TEST_ROUTE_CHILD") == "1" {
		err := Init()
		fmt.Printf("routes=%s err=%v\n", Routes(), err)
		return
	}
	cases := []struct {
		env, want, wantErr string
	}{
		{"AIM_ISA=go", "isa go, X·Wᵀ kernel off (needs avx512)", ""},
		{"AIM_ISA=avx2", "isa avx2, X·Wᵀ kernel off (needs avx512)", ""},
		{"AIM_ISA=avx512", "isa avx512, X·Wᵀ kernel auto", ""},
		{"AIM_XWT=always", "X·Wᵀ kernel always", ""},
		{"AIM_XWT=off", "X·Wᵀ kernel off", ""},
		{"AIM_ISA=sse9", "", `AIM_ISA="sse9": unknown instruction-set level`},
		{"AIM_XWT=sometimes", "", `AIM_XWT="sometimes": unknown X·Wᵀ kernel route`},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			want, wantErr := c.want, c.wantErr
			name, value, _ := strings.Cut(c.env, "=")
			switch {
			case name == isa.EnvVar && value != "sse9" && !isa.Supported(mustParse(t, value)):
				want, wantErr = "", "this CPU cannot run the "+value+" kernels: it lacks"
			case c.env == "AIM_XWT=always" && !isa.Supported(isa.AVX512):
				want, wantErr = "", "the X·Wᵀ kernel needs AVX-512"
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestRoutesFromEnvironment$")
			cmd.Env = append(os.Environ(), "AIM_TEST_ROUTE_CHILD=1", isa.EnvVar+"=", XWTEnvVar+"=", c.env)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if !strings.Contains(string(out), want) || (wantErr == "") != strings.Contains(string(out), "err=<nil>") || !strings.Contains(string(out), wantErr) {
				t.Errorf("%s: got %q, want routes containing %q and error containing %q", c.env, out, want, wantErr)
			}
		})
	}
}

func mustParse(t *testing.T, s string) isa.Level {
	t.Helper()
	l, err := isa.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestCoreTypeCheck checks the instructions required of each OpenBLAS
// core type against the CPU: a core the CPU lacks instructions for is
// refused by name, and one it has, or an unknown one, is left to OpenBLAS.
func TestCoreTypeCheck(t *testing.T) {
	for _, core := range []string{"SkylakeX", "Cooperlake", "SapphireRapids", "Haswell", "Zen", "Sandybridge", "Prescott", "NoSuchCore"} {
		needs, has := coreNeeds(core)
		err := checkCoreType(core)
		switch {
		case has && err != nil:
			t.Errorf("%s: the CPU has %q, but checkCoreType says %v", core, needs, err)
		case !has && (err == nil || !strings.Contains(err.Error(), "OPENBLAS_CORETYPE="+core) || !strings.Contains(err.Error(), needs)):
			t.Errorf("%s: the CPU lacks %s, but checkCoreType says %v", core, needs, err)
		}
	}
}
