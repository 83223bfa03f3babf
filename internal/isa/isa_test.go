package isa

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Level
		err  bool
	}{
		{"go", Go, false}, {"AVX2", AVX2, false}, {" avx512 ", AVX512, false},
		{"", Best(), false}, {"auto", Best(), false}, {"sse4", Go, true}, {"avx-512", Go, true},
	} {
		got, err := Parse(c.in)
		if (err != nil) != c.err || (err == nil && got != c.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %t", c.in, got, err, c.want, c.err)
		}
		if err != nil && !strings.Contains(err.Error(), "want go, avx2, avx512 or auto") {
			t.Errorf("Parse(%q): error %q does not list the levels", c.in, err)
		}
	}
	for _, l := range Levels() {
		if back, err := Parse(l.String()); err != nil || back != l {
			t.Errorf("Parse(%v.String()) = %v, %v", l, back, err)
		}
	}
}

// TestLevelsNest checks that each level needs everything the one below it
// needs, that the portable level needs nothing, and that Best and Available
// agree with Supported.
func TestLevelsNest(t *testing.T) {
	if m := Missing(Go); len(m) > 0 {
		t.Fatalf("the portable level needs %v", m)
	}
	for i := 1; i < len(Levels()); i++ {
		lower, upper := required(Levels()[i-1]), required(Levels()[i])
		for _, f := range lower {
			found := false
			for _, g := range upper {
				found = found || g.name == f.name
			}
			if !found {
				t.Errorf("%v does not need %s, which %v needs", Levels()[i], f.name, Levels()[i-1])
			}
		}
	}
	avail := Available()
	if avail[len(avail)-1] != Best() {
		t.Errorf("Available() = %v, Best() = %v", avail, Best())
	}
	for _, l := range Levels() {
		if Supported(l) != (l <= Best()) {
			t.Errorf("Supported(%v) = %t with Best() = %v: the levels do not nest", l, Supported(l), Best())
		}
	}
}

// TestSet switches to every level the CPU runs and refuses the others,
// naming what the CPU lacks.
func TestSet(t *testing.T) {
	prev := Active()
	defer Set(prev)
	for _, l := range Levels() {
		err := Set(l)
		switch {
		case Supported(l) && (err != nil || Active() != l):
			t.Errorf("Set(%v) = %v, Active() = %v", l, err, Active())
		case !Supported(l) && (err == nil || !strings.Contains(err.Error(), Missing(l)[0])):
			t.Errorf("Set(%v) on a CPU without %v = %v, want an error naming it", l, Missing(l), err)
		}
		if !Supported(l) {
			t.Logf("level %v: this CPU lacks %s", l, strings.Join(Missing(l), ", "))
		}
	}
	if err := Set(Level(7)); err == nil {
		t.Error("Set(Level(7)) succeeded")
	}
}

// TestInitFromEnvironment runs the test binary under values of AIM_ISA and
// checks the level it starts on and the error Init returns.
func TestInitFromEnvironment(t *testing.T) {
	if os.Getenv("AIM_ISA_CHILD") == "1" {
		err := Init()
		fmt.Printf("active=%v err=%v\n", Active(), err)
		return
	}
	cases := []struct{ value, want string }{
		{"", "active=" + Best().String() + " err=<nil>"},
		{"auto", "active=" + Best().String() + " err=<nil>"},
		{"bogus", `active=` + Best().String() + ` err=AIM_ISA="bogus": unknown instruction-set level`},
	}
	for _, l := range Levels() {
		want := "active=" + l.String() + " err=<nil>"
		if !Supported(l) {
			want = fmt.Sprintf("active=%v err=AIM_ISA=%q: this CPU cannot run the %v kernels: it lacks %s", Best(), l.String(), l, strings.Join(Missing(l), ", "))
		}
		cases = append(cases, struct{ value, want string }{l.String(), want})
	}
	for _, c := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^TestInitFromEnvironment$")
		cmd.Env = append(os.Environ(), "AIM_ISA_CHILD=1", EnvVar+"="+c.value)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("AIM_ISA=%q: %v: %s", c.value, err, out)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("AIM_ISA=%q: got %q, want %q", c.value, out, c.want)
		}
	}
}

// TestCPUWithoutAVX512 plays a CPU with AVX2 but no AVX-512: the avx512
// level is refused, naming what is missing, and the others still work.
func TestCPUWithoutAVX512(t *testing.T) {
	prev := Active()
	defer func() { required = cpuRequired; Set(prev) }()
	required = func(l Level) []feature {
		fs := []feature{}
		if l >= AVX2 {
			fs = append(fs, feature{"AVX2", true}, feature{"FMA", true}, feature{"F16C", true})
		}
		if l >= AVX512 {
			fs = append(fs, feature{"AVX512F", false}, feature{"AVX512BW", false})
		}
		return fs
	}
	if Best() != AVX2 || len(Available()) != 2 {
		t.Fatalf("Best() = %v, Available() = %v; want avx2 and two levels", Best(), Available())
	}
	if err := Set(AVX512); err == nil || !strings.Contains(err.Error(), "lacks AVX512F, AVX512BW") {
		t.Errorf("Set(avx512) = %v, want an error naming AVX512F and AVX512BW", err)
	}
	if _, err := fromEnv("avx512"); err == nil || !strings.Contains(err.Error(), `AIM_ISA="avx512": this CPU cannot run the avx512 kernels: it lacks AVX512F`) {
		t.Errorf("fromEnv(avx512) = %v", err)
	}
	if l, err := fromEnv("avx512"); l != AVX2 {
		t.Errorf("fromEnv(avx512) falls back to %v (%v), want avx2", l, err)
	}
	if err := Set(Go); err != nil || Active() != Go {
		t.Errorf("Set(go) = %v, Active() = %v", err, Active())
	}
}

func TestForced(t *testing.T) {
	for _, c := range []struct {
		value string
		want  Level
		ok    bool
	}{{"", Go, false}, {"auto", Go, false}, {"AVX2", AVX2, true}, {"go", Go, true}, {"avx512", AVX512, true}, {"sse", Go, false}} {
		t.Setenv(EnvVar, c.value)
		if l, ok := Forced(); l != c.want || ok != c.ok {
			t.Errorf("AIM_ISA=%q: Forced() = %v, %t; want %v, %t", c.value, l, ok, c.want, c.ok)
		}
	}
}
