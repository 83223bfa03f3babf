// Package checkpoint reads and writes model weights in the safetensors
// format, the format of the checkpoints that Apple's ml-aim publishes.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON header and a data buffer. The header maps each tensor name to its
// dtype, shape and [begin, end) byte offsets into the buffer, plus an optional
// "__metadata__" object of string pairs. Tensor data is row-major and
// little-endian, and the tensors tile the buffer exactly: no gaps, no overlap,
// no trailing bytes.
//
// Read reads a whole file into a File, converting F32, F64, F16 and BF16
// tensors to float32, the element type of the model. Integer and boolean
// tensors (such as a BatchNorm's num_batches_tracked) are skipped and
// listed in File.Skipped, small I64 ones also kept in File.Int64s; any
// other dtype is an error. Write writes F32 tensors (and I64 ones for
// File.Int64s) atomically — temporary file, sync, rename — with the header
// laid out byte for byte as the reference implementation
// (huggingface/safetensors) lays it out for the same tensors: compact
// JSON, "__metadata__" first, tensors in name order, the header padded
// with spaces to a multiple of 8 bytes. Metadata keys are written in
// sorted order (the reference writes them in hash-map order) and an empty
// metadata map is omitted.
//
// Open maps a file instead of reading it (Mapped), for models of several
// gigabytes: F32 tensors are used in place (View), BF16 and F16 ones can
// be read in place as 16-bit values (HalfView), and the others are
// converted on demand (Float32). Use guards code that reads the mapping,
// so that a file rewritten or truncated meanwhile is reported as a
// *ChangedError rather than read as wrong values or ending the process.
// File and Mapped are both a Source, from which models are built.
// File.CheckFinite reports the tensors that hold NaN or infinite values as
// a *NonFiniteError naming each; CountNonFinite and CountNonFiniteHalf
// count them in a tensor's float32 or 16-bit values, such as a mapped one.
//
// # Why not github.com/nlpodyssey/safetensors
//
// This package does not use it:
//
//   - It decodes the header into a Go map, so a header that names the same
//     tensor twice is silently accepted with the last entry winning.
//   - Its writer encodes the header with encoding/json over a Go map: keys are
//     sorted as Go strings, which puts "__metadata__" after names that start
//     with a digit or an upper-case letter, and "<", ">" and "&" are escaped
//     as \u003c…; either makes the bytes differ from the reference writer's.
//   - Some of its errors do not say which tensor is at fault, it needs the
//     whole file in memory as one []byte, it has no F16 or BF16 conversion
//     (which this package needs anyway), and DType.Size panics on an invalid
//     value.
//
// The format is small enough that a reader and writer of a few hundred lines,
// with every validation the project asks for, is simpler than wrapping it.
//
// # Validation
//
// Read rejects, with an error naming the file and, where there is one, the
// tensor: a file shorter than 8 bytes; a header length over 100 MB or beyond
// the end of the file; a header that is not valid UTF-8 or not one JSON
// object; duplicate names; a missing or malformed dtype, shape or
// data_offsets; an unsupported dtype; negative dimensions; offsets outside
// the data buffer, overlapping, leaving gaps or leaving trailing bytes; and a
// byte size that differs from prod(shape)·dtype size. Memory allocated by
// Read is bounded by the size of the file.
package checkpoint
