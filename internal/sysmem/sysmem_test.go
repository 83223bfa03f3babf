package sysmem

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSystem points the package at files in a temporary directory; an empty
// content leaves the file absent.
func fakeSystem(t *testing.T, meminfo, v2max, v2used, v1max, v1used string) {
	t.Helper()
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
