package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"io"

	"github.com/pkg/errors"
)

// gzipMagic starts every gzip stream (RFC 1952).
var gzipMagic = [2]byte{0x1f, 0x8b}

// contents returns a reader over the contents of r, decompressed when they
// start with the gzip magic number (whatever the file is called), and
// whether they were.
func contents(path string, r io.Reader) (io.Reader, bool, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(2)
	if err != nil || magic[0] != gzipMagic[0] || magic[1] != gzipMagic[1] {
		return br, false, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, errors.Wrapf(err, "%s: corrupt gzip header", path)
	}
	return zr, true, nil
}

// readVerb names reading for error messages.
func readVerb(gzipped bool) string {
	if gzipped {
		return "decompressing"
	}
	return "reading"
}

// readUpTo reads from r until EOF or until it holds limit bytes. It starts
// with room for hint bytes and grows as data arrives, so a header that
// claims a huge size cannot make it allocate much more than the data
// actually present.
func readUpTo(r io.Reader, limit, hint int64) ([]byte, error) {
	if hint > limit {
		hint = limit
	}
	buf := make([]byte, 0, max(hint, min(limit, 1<<20)))
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(limit, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// checkEOF reports an error unless r is at its end: trailing data, or a
// corrupt gzip trailer (checksum, length) that only shows at the end.
func checkEOF(path string, r io.Reader) error {
	var b [1]byte
	n, err := io.ReadFull(r, b[:])
	switch {
	case n > 0:
		return errors.Errorf("%s: trailing data after what the header describes", path)
	case err == io.EOF:
		return nil
	default:
		return errors.Wrapf(err, "%s: after the data", path)
	}
}

// maxDeflateRatio bounds how many bytes one compressed byte can expand to
// (deflate's limit is about 1032).
const maxDeflateRatio = 1032

// gzipSizeHint returns the uncompressed size a gzip file of the given size
// records in its last four bytes (modulo 2^32), bounded by what deflate can
// produce from that many bytes; 0 if it cannot be read. It is only a hint
// for sizing buffers.
func gzipSizeHint(f io.ReaderAt, size int64) int64 {
	var b [4]byte
	if size < 18 {
		return 0
	}
	if _, err := f.ReadAt(b[:], size-4); err != nil {
		return 0
	}
	return min(int64(binary.LittleEndian.Uint32(b[:])), size*maxDeflateRatio)
}
