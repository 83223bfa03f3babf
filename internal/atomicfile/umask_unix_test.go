//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteHonoursTheUmask writes new files under several umasks: each
// gets 0666 less the umask, as a file os.Create makes would.
func TestWriteHonoursTheUmask(t *testing.T) {
	for _, umask := range []int{0o077, 0o027, 0o022, 0o002} {
		old := syscall.Umask(umask)
		path := filepath.Join(t.TempDir(), "new.txt")
		err := WriteFile(path, []byte("x"))
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := os.FileMode(0o666 &^ umask); info.Mode().Perm() != want {
			t.Errorf("umask %03o: new file has mode %v, want %v", umask, info.Mode().Perm(), want)
		}
	}
}
