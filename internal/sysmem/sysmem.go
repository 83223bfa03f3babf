// Package sysmem tells how much memory the process may still use, so that a
// run too large for the machine is refused before it allocates rather than
// stalling the machine.
package sysmem

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Files read on Linux; variables so that tests can point them elsewhere.
var (
	meminfoPath  = "/proc/meminfo"
	cgroupV2Max  = "/sys/fs/cgroup/memory.max"
	cgroupV2Used = "/sys/fs/cgroup/memory.current"
	cgroupV1Max  = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
	cgroupV1Used = "/sys/fs/cgroup/memory/memory.usage_in_bytes"
)

// Available returns the bytes of memory the process can still use: the
// MemAvailable of /proc/meminfo, or the room left under the cgroup's memory
// limit where that is lower. source names where the figure comes from. ok
// is false where neither can be read (systems other than Linux).
func Available() (bytes int64, source string, ok bool) {
	if v, err := memAvailable(meminfoPath); err == nil {
		bytes, source, ok = v, "MemAvailable in "+meminfoPath, true
	}
	for _, files := range [][2]string{{cgroupV2Max, cgroupV2Used}, {cgroupV1Max, cgroupV1Used}} {
		room, err := cgroupRoom(files[0], files[1])
		if err != nil {
			continue
		}
		if !ok || room < bytes {
			bytes, source, ok = room, "the cgroup memory limit in "+files[0], true
		}
		break
	}
	return bytes, source, ok
}

// memAvailable reads the MemAvailable line of a meminfo file, in bytes.
func memAvailable(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "MemAvailable:" {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			return 0, errors.Wrapf(err, "%s: MemAvailable", path)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, errors.Wrap(err, path)
	}
	return 0, errors.Errorf("%s has no MemAvailable line", path)
}

// cgroupRoom returns the cgroup's limit less its usage; an error when
// there is no limit ("max", or v1's huge sentinel) or the files are absent.
func cgroupRoom(maxPath, usedPath string) (int64, error) {
	limit, err := readBytes(maxPath)
	if err != nil {
		return 0, err
	}
	if limit >= 1<<60 {
		return 0, errors.Errorf("%s: no limit", maxPath)
	}
	used, err := readBytes(usedPath)
	if err != nil {
		return 0, err
	}
	return max(limit-used, 0), nil
}

// readBytes reads a file holding one number of bytes, or "max".
func readBytes(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 1 << 62, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, errors.Wrapf(err, "%s holds %q, not a byte count", path, s)
}
