package isa

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"
)

// Level is an instruction-set level of the project's kernels.
type Level int32

// The levels, from the most portable.
const (
	Go     Level = iota // portable Go, no assembly
	AVX2                // AVX2, FMA and F16C
	AVX512              // AVX-512 F, BW, DQ and VL, on top of AVX2
)

// EnvVar is the environment variable that caps the level.
const EnvVar = "AIM_ISA"

var levelNames = [...]string{Go: "go", AVX2: "avx2", AVX512: "avx512"}

// Levels lists every level, from the most portable.
func Levels() []Level { return []Level{Go, AVX2, AVX512} }

func (l Level) String() string {
	if l >= Go && l <= AVX512 {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int32(l))
}

// Parse returns the level called name ("go", "avx2", "avx512"); "auto" and
// "" stand for the best level the CPU runs.
func Parse(name string) (Level, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || n == "auto" {
		return Best(), nil
	}
	for l, s := range levelNames {
		if n == s {
			return Level(l), nil
		}
	}
	return Go, errors.Errorf("unknown instruction-set level %q (want go, avx2, avx512 or auto)", name)
}

// required lists the features level l needs and whether the CPU has them;
// tests replace it to play a CPU they do not run on.
var required = cpuRequired

// Missing lists the CPU features that level l needs and this CPU (or this
// build: assembly is amd64-only and left out by the purego tag) lacks;
// none for a level the CPU runs.
func Missing(l Level) []string {
	var missing []string
	for _, f := range required(l) {
		if !f.has {
			missing = append(missing, f.name)
		}
	}
	return missing
}

// Supported reports whether the CPU runs level l.
func Supported(l Level) bool { return len(Missing(l)) == 0 }

// Best returns the best level the CPU runs.
func Best() Level {
	best := Go
	for _, l := range Levels() {
		if Supported(l) {
			best = l
		}
	}
	return best
}

// Available lists the levels the CPU runs, from the most portable.
func Available() []Level {
	var ls []Level
	for _, l := range Levels() {
		if Supported(l) {
			ls = append(ls, l)
		}
	}
	return ls
}

var (
	initOnce sync.Once
	initErr  error
	active   atomic.Int32
)

// Init reads AIM_ISA, unless Init or Set has run already, and returns the
// error of that choice: an unknown value, or a level this CPU cannot run
// (the best level it has is then active). Active calls it implicitly.
func Init() error {
	initOnce.Do(func() {
		l, err := fromEnv(os.Getenv(EnvVar))
		initErr = err
		active.Store(int32(l))
	})
	return initErr
}

// fromEnv returns the level the value of AIM_ISA asks for, and the best
// level with an error when that cannot be had.
func fromEnv(v string) (Level, error) {
	l, err := Parse(v)
	if err != nil {
		return Best(), errors.Wrapf(err, "%s=%q", EnvVar, v)
	}
	if err := check(l); err != nil {
		return Best(), errors.Wrapf(err, "%s=%q", EnvVar, v)
	}
	return l, nil
}

// check returns an error naming what the CPU lacks to run level l.
func check(l Level) error {
	if missing := Missing(l); len(missing) > 0 {
		return errors.Errorf("this CPU cannot run the %s kernels: it lacks %s", l, strings.Join(missing, ", "))
	}
	return nil
}

// Set makes l the active level, overriding AIM_ISA, which is no longer
// consulted. It returns an error, and changes nothing, if the CPU cannot
// run l. Kernels already running finish on the level they started with.
func Set(l Level) error {
	if l < Go || l > AVX512 {
		return errors.Errorf("unknown instruction-set level %v", l)
	}
	if err := check(l); err != nil {
		return err
	}
	initOnce.Do(func() {}) // the environment is overridden
	active.Store(int32(l))
	return nil
}

// Forced returns the level AIM_ISA names, and false when it names none
// (unset, "auto") or is not a level: the level a run under this
// environment is meant to take, whether or not the CPU can.
func Forced() (Level, bool) {
	v := strings.TrimSpace(os.Getenv(EnvVar))
	if v == "" || strings.EqualFold(v, "auto") {
		return Go, false
	}
	l, err := Parse(v)
	return l, err == nil
}

// Active returns the level the kernels use now.
func Active() Level {
	Init()
	return Level(active.Load())
}

// AtLeast reports whether the active level is l or better: the check in
// front of every assembly kernel.
func AtLeast(l Level) bool { return Active() >= l }
