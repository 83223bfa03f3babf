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
	statusPath   = "/proc/self/status"
)

// addressSpaceLimit returns the soft RLIMIT_AS of the process, and false
// when there is none; a variable so that tests can pretend a limit.
var addressSpaceLimit = rlimitAS

// Available returns the bytes of memory the process can still use: the
// lowest of the MemAvailable of /proc/meminfo, the room left under the
// cgroup's memory limit and the room left under the address-space limit
// (RLIMIT_AS, as set by ulimit -v or prlimit --as) — the limit less the
// VmSize of /proc/self/status, as the Go runtime reserves address space
// beyond what it uses and every reservation counts against the limit.
// source names where the figure comes from. ok is false where none can be
// read (systems other than Linux).
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
	if room, err := addressSpaceRoom(); err == nil && (!ok || room < bytes) {
		bytes, source, ok = room, "the address-space limit RLIMIT_AS less the VmSize in "+statusPath, true
	}
	return bytes, source, ok
}

// addressSpaceRoom returns the process's RLIMIT_AS less the address space
// it has already mapped (VmSize); an error when there is no limit or the
// size cannot be read.
func addressSpaceRoom() (int64, error) {
	limit, ok := addressSpaceLimit()
	if !ok {
		return 0, errors.New("no address-space limit")
	}
	used, err := statusBytes(statusPath, "VmSize:")
	if err != nil {
		return 0, err
	}
	if limit > 1<<62 {
		limit = 1 << 62
	}
	return max(int64(limit)-used, 0), nil
}

// memAvailable reads the MemAvailable line of a meminfo file, in bytes.
func memAvailable(path string) (int64, error) {
	return statusBytes(path, "MemAvailable:")
}

// statusBytes reads the line "KEY N kB" of a file such as /proc/meminfo or
// /proc/self/status, in bytes.
func statusBytes(path, key string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != key {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			return 0, errors.Wrapf(err, "%s: %s", path, strings.TrimSuffix(key, ":"))
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, errors.Wrap(err, path)
	}
	return 0, errors.Errorf("%s has no %s line", path, strings.TrimSuffix(key, ":"))
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
