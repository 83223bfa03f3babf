package offheap

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

func TestFloat32sAreUsableAndOffTheHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 16 << 20 // 64 MB
	buf, release, err := Float32s(n)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if len(buf) != n || buf[0] != 0 || buf[n-1] != 0 {
		t.Fatalf("buffer of %d values, ends %v %v; want %d zeros", len(buf), buf[0], buf[n-1], n)
	}
	for i := range buf {
		buf[i] = float32(i)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); runtime.GOOS == "linux" && grew > 8<<20 {
		t.Errorf("the Go heap grew by %d MB for a 64 MB off-heap buffer", grew>>20)
	}
	if buf[n-1] != float32(n-1) {
		t.Error("the buffer did not keep its values")
	}
	empty, free, err := Float32s(0)
	if err != nil || len(empty) != 0 {
		t.Errorf("Float32s(0) = %d values, %v", len(empty), err)
	}
	free()
}

func TestHugeSliceIsZeroedKeptAndUnpadded(t *testing.T) {
	for _, n := range []int{1000, hugePage / 4, 3*hugePage/4 + 123} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		buf := HugeSlice[float32](n)
		runtime.ReadMemStats(&after)
		if len(buf) != n || cap(buf) != n {
			t.Fatalf("HugeSlice(%d): len %d cap %d", n, len(buf), cap(buf))
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(4*n)+64<<10 {
			t.Errorf("HugeSlice(%d) allocated %d bytes for %d", n, grew, 4*n)
		}
		for i, v := range buf {
			if v != 0 {
				t.Fatalf("HugeSlice(%d)[%d] = %v, want 0", n, i, v)
			}
			buf[i] = float32(i)
		}
		runtime.GC()
		for i, v := range buf {
			if v != float32(i) {
				t.Fatalf("HugeSlice(%d)[%d] = %v after a collection, want %d", n, i, v, i)
			}
		}
	}
	if s := HugeSlice[float64](0); len(s) != 0 {
		t.Errorf("HugeSlice(0) has %d values", len(s))
	}
}

// TestReservedIsNeitherBackedNorReadable reserves 1 GB: the process's
// resident memory must not grow, and reading the stand-in must fault.
func TestReservedIsNeitherBackedNorReadable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("resident memory is read from /proc")
	}
	before := residentKB(t)
	const n = 1 << 28 // 1 GB
	buf, release, err := Reserved(n)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if len(buf) != n {
		t.Fatalf("%d values reserved, want %d", len(buf), n)
	}
	if grew := residentKB(t) - before; grew > 16<<10 {
		t.Errorf("resident memory grew by %d KB for reserved address space", grew)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	read := func(i int) (faulted bool) {
		defer func() { faulted = recover() != nil }()
		sink = buf[i]
		return false
	}
	for _, i := range []int{0, n / 2, n - 1} {
		if !read(i) {
			t.Errorf("reading value %d of reserved space did not fault", i)
		}
	}
}

// sink keeps the compiler from dropping a read.
var sink float32

// residentKB returns the process's resident memory (VmRSS).
func residentKB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
