package mpi

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/pkg/errors"
)

// Digest identifies the contents of an input: the SHA-256 of its bytes
// and its size in bytes.
type Digest struct {
	Sum  [sha256.Size]byte
	Size int64
}

// short is the first 12 hex digits of the sum, enough to tell two apart
// in a message.
func (d Digest) short() string { return hex.EncodeToString(d.Sum[:6]) + "…" }

// hashBuffer is the size of the reads of DigestFile (SHA-256 runs at about
// 1.4 GB/s on a core with the SHA extensions; reads of a few MiB keep it
// busy).
const hashBuffer = 4 << 20

// DigestFile reads the file at path and returns its digest.
func DigestFile(path string) (Digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return Digest{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, hashBuffer))
	if err != nil {
		return Digest{}, errors.Wrapf(err, "reading %s", path)
	}
	return sum(h, n), nil
}

// DigestFiles returns the digest of files (a folder's, say) as one input:
// the SHA-256 covers, in the order given, each file's name relative to
// root, its size and its bytes, and Size is their total, so that a file
// renamed, added, left out or changed changes the digest.
func DigestFiles(root string, files []string) (Digest, error) {
	h := sha256.New()
	buf := make([]byte, hashBuffer)
	var total int64
	for _, path := range files {
		rel, err := filepath.Rel(root, path)
		if err != nil {
			rel = path
		}
		f, err := os.Open(path)
		if err != nil {
			return Digest{}, err
		}
		info, err := f.Stat()
		if err == nil {
			fmt.Fprintf(h, "%q %d\n", filepath.ToSlash(rel), info.Size())
			var n int64
			n, err = io.CopyBuffer(h, f, buf)
			total += n
		}
		f.Close()
		if err != nil {
			return Digest{}, errors.Wrapf(err, "reading %s", path)
		}
	}
	return sum(h, total), nil
}

// DigestValues returns the digest of float32 values (their bits, in the
// machine's byte order) and labels, say a dataset as it was read and
// decoded; Size counts their bytes.
func DigestValues(values []float32, labels []int) Digest {
	h := sha256.New()
	h.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(values))), 4*len(values)))
	var b [8]byte
	for _, l := range labels {
		binary.LittleEndian.PutUint64(b[:], uint64(l))
		h.Write(b[:])
	}
	return sum(h, int64(4*len(values)+8*len(labels)))
}

func sum(h hash.Hash, size int64) Digest {
	d := Digest{Size: size}
	h.Sum(d.Sum[:0])
	return d
}

// words spreads d over float64 values that hold it exactly (32-bit
// pieces of the sum, then the size, far below 2⁵³), for the float64
// collectives.
func (d Digest) words() []float64 {
	w := make([]float64, 0, digestWords)
	for i := 0; i < len(d.Sum); i += 4 {
		w = append(w, float64(binary.BigEndian.Uint32(d.Sum[i:])))
	}
	return append(w, float64(d.Size))
}

// digestFrom is the inverse of words.
func digestFrom(w []float64) Digest {
	var d Digest
	for i := range len(d.Sum) / 4 {
		binary.BigEndian.PutUint32(d.Sum[4*i:], uint32(w[i]))
	}
	d.Size = int64(w[len(d.Sum)/4])
	return d
}

// digestWords is the length of Digest.words.
const digestWords = sha256.Size/4 + 1

// Input is something every rank reads for itself, named as the command
// line names it (a flag and a path, say), with the digest of what this
// rank read.
type Input struct {
	Name   string
	Digest Digest
}

// SameInputs is a collective that compares every rank's inputs with rank
// 0's: every rank passes the same inputs (the same names, in the same
// order) with the digests of its own copies. Either every rank gets nil,
// or every rank gets a *Failure (see Agree), whose error, on each rank
// whose copies differ, names those inputs and both digests. With a single
// rank it returns nil.
func SameInputs(c Comm, inputs []Input) error {
	if c.Size() == 1 {
		return nil
	}
	count := []float64{float64(len(inputs))}
	if err := c.BroadcastFloat64(count, 0); err != nil {
		return errors.Wrap(err, "comparing the inputs of the ranks")
	}
	var err error
	if int(count[0]) != len(inputs) {
		err = errors.Errorf("rank %d compares %d inputs with rank 0's %d: every rank must be given the same inputs", c.Rank(), len(inputs), int(count[0]))
	}
	if err := Agree(c, err); err != nil {
		return err
	}
	root := make([]float64, 0, len(inputs)*digestWords)
	for _, in := range inputs {
		root = append(root, in.Digest.words()...)
	}
	if err := c.BroadcastFloat64(root, 0); err != nil {
		return errors.Wrap(err, "comparing the inputs of the ranks")
	}
	return Agree(c, differences(inputs, root))
}

// differences names the inputs whose digests differ from rank 0's, given
// as words.
func differences(inputs []Input, root []float64) error {
	var diffs []string
	for i, in := range inputs {
		theirs := digestFrom(root[i*digestWords:])
		if theirs == in.Digest {
			continue
		}
		d := fmt.Sprintf("%s differs from rank 0's copy (sha256 %s here, %s on rank 0", in.Name, in.Digest.short(), theirs.short())
		if theirs.Size != in.Digest.Size {
			d += fmt.Sprintf("; %d bytes here, %d on rank 0", in.Digest.Size, theirs.Size)
		}
		diffs = append(diffs, d+")")
	}
	if len(diffs) == 0 {
		return nil
	}
	return errors.Errorf("%s: every rank must read identical inputs (on several machines, identical copies at the same path)", strings.Join(diffs, "; "))
}
