package sysmem

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSystem points the package at files in a temporary directory; an empty
// content leaves the file absent. The process has no address-space limit
// (see fakeAddressSpace).
func fakeSystem(t *testing.T, meminfo, v2max, v2used, v1max, v1used string) {
	t.Helper()
	fakeAddressSpace(t, 0, false, "")
	dir := t.TempDir()
	paths := []*string{&meminfoPath, &cgroupV2Max, &cgroupV2Used, &cgroupV1Max, &cgroupV1Used}
	contents := []string{meminfo, v2max, v2used, v1max, v1used}
	for i, p := range paths {
		old := *p
		t.Cleanup(func() { *p = old })
		*p = filepath.Join(dir, filepath.Base(old)+string(rune('a'+i)))
		if contents[i] != "" {
			if err := os.WriteFile(*p, []byte(contents[i]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

const meminfo = "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:    2000000 kB\n"

func TestAvailable(t *testing.T) {
	cases := []struct {
		name                   string
		meminfo, v2max, v2used string
		v1max, v1used          string
		want                   int64
		source                 string
		ok                     bool
	}{
		{"meminfo only", meminfo, "", "", "", "", 2000000 * 1024, "MemAvailable", true},
		{"cgroup v2 without limit", meminfo, "max\n", "5000\n", "", "", 2000000 * 1024, "MemAvailable", true},
		{"cgroup v2 lower", meminfo, "1000000000\n", "400000000\n", "", "", 600000000, "memory.max", true},
		{"cgroup v2 higher", meminfo, "100000000000\n", "0\n", "", "", 2000000 * 1024, "MemAvailable", true},
		{"cgroup v1 lower", meminfo, "", "", "900000000\n", "100000000\n", 800000000, "limit_in_bytes", true},
		{"cgroup v1 unlimited", meminfo, "", "", "9223372036854771712\n", "100\n", 2000000 * 1024, "MemAvailable", true},
		{"cgroup over its limit", meminfo, "1000\n", "5000\n", "", "", 0, "memory.max", true},
		{"nothing readable", "", "", "", "", "", 0, "", false},
		{"meminfo without the line", "MemTotal: 5 kB\n", "", "", "", "", 0, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakeSystem(t, c.meminfo, c.v2max, c.v2used, c.v1max, c.v1used)
			got, source, ok := Available()
			if ok != c.ok || got != c.want {
				t.Fatalf("Available() = %d, %q, %v; want %d, %v", got, source, ok, c.want, c.ok)
			}
			if ok && !strings.Contains(source, c.source) {
				t.Errorf("source %q does not name %q", source, c.source)
			}
		})
	}
}

func TestMalformedFiles(t *testing.T) {
	fakeSystem(t, "MemAvailable: lots kB\n", "", "", "", "")
	if _, err := memAvailable(meminfoPath); err == nil || !strings.Contains(err.Error(), "MemAvailable") {
		t.Errorf("malformed MemAvailable: error %v", err)
	}
	fakeSystem(t, meminfo, "twelve\n", "0\n", "", "")
	if _, err := cgroupRoom(cgroupV2Max, cgroupV2Used); err == nil || !strings.Contains(err.Error(), "twelve") {
		t.Errorf("malformed memory.max: error %v", err)
	}
}

// fakeAddressSpace pretends an RLIMIT_AS of limit (none unless set) and a
// /proc/self/status of the given content (absent if empty).
func fakeAddressSpace(t *testing.T, limit uint64, set bool, status string) {
	t.Helper()
	oldLimit, oldStatus := addressSpaceLimit, statusPath
	t.Cleanup(func() { addressSpaceLimit, statusPath = oldLimit, oldStatus })
	addressSpaceLimit = func() (uint64, bool) { return limit, set }
	statusPath = filepath.Join(t.TempDir(), "status")
	if status != "" {
		if err := os.WriteFile(statusPath, []byte(status), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// status is a /proc/self/status with a VmSize of 1 GiB.
const status = "Name:\taim\nVmPeak:\t 1100000 kB\nVmSize:\t 1048576 kB\nVmRSS:\t  20000 kB\n"

// TestAvailableUnderAnAddressSpaceLimit: RLIMIT_AS less the address space
// already mapped (VmSize) bounds the memory available, when it is the
// lowest figure; a status without VmSize leaves it out.
func TestAvailableUnderAnAddressSpaceLimit(t *testing.T) {
	cases := []struct {
		name   string
		limit  uint64
		set    bool
		status string
		want   int64
		source string
	}{
		{"no limit", 0, false, status, 2000000 * 1024, "MemAvailable"},
		{"limit lower", 1<<30 + 300_000_000, true, status, 300_000_000, "RLIMIT_AS"},
		{"limit higher", 100 << 30, true, status, 2000000 * 1024, "MemAvailable"},
		{"limit below VmSize", 1 << 29, true, status, 0, "RLIMIT_AS"},
		{"no VmSize", 1 << 29, true, "Name:\taim\n", 2000000 * 1024, "MemAvailable"},
		{"no status", 1 << 29, true, "", 2000000 * 1024, "MemAvailable"},
		{"unlimited in effect", ^uint64(0) - 1, true, status, 2000000 * 1024, "MemAvailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakeSystem(t, meminfo, "", "", "", "")
			fakeAddressSpace(t, c.limit, c.set, c.status)
			got, source, ok := Available()
			if !ok || got != c.want || !strings.Contains(source, c.source) {
				t.Fatalf("Available() = %d, %q, %v; want %d from %s", got, source, ok, c.want, c.source)
			}
		})
	}
}
