package graph

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/offheap"
	"github.com/aim-go/aim/internal/parallel"
)

// mappedSource is a checkpoint whose tensors may be used in place: a
// checkpoint.Mapped, or a view of one under other names.
type mappedSource interface {
	checkpoint.Source
	View(name string) ([]float32, bool)
	HalfView(name string) (dtype string, bits []uint16, ok bool)
	Release(name string)
}

// hubPatchEmbed is the tensor that marks transformers' names for AIMv2
// (Aimv2VisionModel).
const hubPatchEmbed = "embeddings.patch_embed.weight"

// hubRenames maps transformers' Aimv2VisionModel names to ml-aim's; %s is
// a block index. The fused qkv and the position table are handled apart.
var hubRenames = []struct{ hub, aim string }{
	{"embeddings.patch_embed.weight", "preprocessor.patchifier.proj.weight"},
	{"embeddings.patch_embed.bias", "preprocessor.patchifier.proj.bias"},
	{"embeddings.rms_norm.weight", "preprocessor.patchifier.norm.weight"},
	{"rms_norm.weight", "trunk.post_trunk_norm.weight"},
	{"encoder.layers.%s.rms_norm1.weight", "trunk.blocks.%s.norm_1.weight"},
	{"encoder.layers.%s.rms_norm2.weight", "trunk.blocks.%s.norm_2.weight"},
	{"encoder.layers.%s.attention.out_proj.weight", "trunk.blocks.%s.attn.proj.weight"},
	{"encoder.layers.%s.ffn.gate_proj.weight", "trunk.blocks.%s.mlp.fc1.weight"},
	{"encoder.layers.%s.ffn.up_proj.weight", "trunk.blocks.%s.mlp.fc3.weight"},
	{"encoder.layers.%s.ffn.down_proj.weight", "trunk.blocks.%s.mlp.fc2.weight"},
}

// hubPosEmbed is transformers' learned position table, (K, D); ml-aim's
// preprocessor.pos_embed is (1, K, D).
const hubPosEmbed = "embeddings.position_embedding.weight"

var hubQKV = regexp.MustCompile(`^encoder\.layers\.(\d+)\.attention\.([qkv])_proj\.weight$`)

// hubView presents a checkpoint written with transformers' AIMv2 names
// under ml-aim's: the renamed tensors are the file's own (used in place
// where the file allows), the position table gains its leading 1, and each
// block's q, k and v projections are read as one fused qkv (rows q, k, v),
// which is converted, or for 16-bit files copied into one 16-bit matrix,
// rather than used in place. Names it does not know
// keep their own, so the loader reports them.
type hubView struct {
	src      checkpoint.Source
	names    map[string]string    // ml-aim name → the file's
	qkv      map[string][3]string // ml-aim qkv name → the file's q, k, v
	releases []func()             // frees the fused 16-bit qkv matrices
	copies   map[string]*loadCopy // the fused 16-bit qkv matrices
}

// newHubView indexes the names of src; a block with some but not all of
// q, k and v is an error naming the one missing.
func newHubView(src checkpoint.Source) (*hubView, error) {
	v := &hubView{src: src, names: map[string]string{}, qkv: map[string][3]string{}, copies: map[string]*loadCopy{}}
	for _, name := range src.Names() {
		if m := hubQKV.FindStringSubmatch(name); m != nil {
			fused := fmt.Sprintf("trunk.blocks.%s.attn.qkv.weight", m[1])
			parts := v.qkv[fused]
			parts[strings.Index("qkv", m[2])] = name
			v.qkv[fused] = parts
			continue
		}
		v.names[aimName(name)] = name
	}
	for fused, parts := range v.qkv {
		for i, p := range parts {
			if p == "" {
				block := strings.Split(fused, ".")[2]
				return nil, errors.Errorf("checkpoint: no tensor \"encoder.layers.%s.attention.%c_proj.weight\" beside the block's other attention projections", block, "qkv"[i])
			}
		}
	}
	return v, nil
}

// aimName returns ml-aim's name for one of transformers' (not q, k, v), or
// the name itself.
func aimName(hub string) string {
	if hub == hubPosEmbed {
		return "preprocessor.pos_embed"
	}
	for _, r := range hubRenames {
		if name, ok := rename(hub, r.hub, r.aim); ok {
			return name
		}
	}
	return hub
}

// hubName returns transformers' name for one of ml-aim's (a fused qkv:
// its three projections), for messages.
func hubName(aim string) string {
	if aim == "preprocessor.pos_embed" {
		return hubPosEmbed
	}
	if block, ok := strings.CutPrefix(aim, "trunk.blocks."); ok {
		if b, rest, _ := strings.Cut(block, "."); rest == "attn.qkv.weight" {
			return fmt.Sprintf("encoder.layers.%s.attention.{q,k,v}_proj.weight", b)
		}
	}
	for _, r := range hubRenames {
		if name, ok := rename(aim, r.aim, r.hub); ok {
			return name
		}
	}
	return aim
}

// rename maps name by a pair of patterns: from matches it exactly or, with
// a %s, with a block number in its place, which to then takes.
func rename(name, from, to string) (string, bool) {
	prefix, suffix, numbered := strings.Cut(from, "%s")
	if !numbered {
		return to, name == from
	}
	if block, ok := strings.CutPrefix(name, prefix); ok {
		if block, ok = strings.CutSuffix(block, suffix); ok && isDigits(block) {
			return fmt.Sprintf(to, block), true
		}
	}
	return "", false
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// fileName returns the file's name of a tensor, for messages: a fused
// qkv is its three projections; a tensor the file lacks gets the name
// transformers would give it.
func (v *hubView) fileName(name string) string {
	if f, ok := v.names[name]; ok {
		return f
	}
	return hubName(name)
}

// hasShape describes a tensor as the file holds it: its name and shape,
// or those of each of q, k and v of a fused qkv.
func (v *hubView) hasShape(name string) string {
	parts, fused := v.qkv[name]
	if !fused {
		shape, _ := v.src.Shape(v.file(name))
		return fmt.Sprintf("%s has shape %v", v.file(name), shape)
	}
	var shapes [3][]int
	for i, p := range parts {
		shapes[i], _ = v.src.Shape(p)
	}
	return fmt.Sprintf("%s has shape %v, %s %v and %s %v", parts[0], shapes[0], parts[1], shapes[1], parts[2], shapes[2])
}

// parts returns the file's tensors that make up a tensor, in the order of
// its values: q, k and v for a fused qkv, else the one.
func (v *hubView) parts(name string) []string {
	if parts, ok := v.qkv[name]; ok {
		return parts[:]
	}
	return []string{v.file(name)}
}

// Names returns the tensors under ml-aim's names.
func (v *hubView) Names() []string {
	out := make([]string, 0, len(v.names)+len(v.qkv))
	for n := range v.names {
		out = append(out, n)
	}
	for n := range v.qkv {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Shape returns a tensor's shape under ml-aim's layout.
func (v *hubView) Shape(name string) ([]int, bool) {
	if parts, ok := v.qkv[name]; ok {
		return v.fusedShape(parts)
	}
	file, ok := v.names[name]
	if !ok {
		return nil, false
	}
	shape, ok := v.src.Shape(file)
	if ok && file == hubPosEmbed && len(shape) == 2 {
		shape = append([]int{1}, shape...)
	}
	return shape, ok
}

// fusedShape is (3·rows, cols) when q, k and v are matrices of one shape;
// otherwise q's shape, so that the loader reports a mismatch.
func (v *hubView) fusedShape(parts [3]string) ([]int, bool) {
	q, _ := v.src.Shape(parts[0])
	for _, p := range parts[1:] {
		s, _ := v.src.Shape(p)
		if len(s) != 2 || len(q) != 2 || s[0] != q[0] || s[1] != q[1] {
			return q, true
		}
	}
	return []int{3 * q[0], q[1]}, true
}

// Metadata returns the file's metadata.
func (v *hubView) Metadata() map[string]string { return v.src.Metadata() }

// Float32 converts a tensor into dst; a fused qkv is its q, k and v one
// after the other.
func (v *hubView) Float32(name string, dst []float32) error {
	parts, fused := v.qkv[name]
	if !fused {
		return v.src.Float32(v.file(name), dst)
	}
	n := len(dst) / 3
	for i, p := range parts {
		if err := v.src.Float32(p, dst[i*n:(i+1)*n]); err != nil {
			return err
		}
	}
	return nil
}

// file returns the file's name for a tensor.
func (v *hubView) file(name string) string {
	if f, ok := v.names[name]; ok {
		return f
	}
	return name
}

// View returns a renamed F32 tensor in place; never a fused qkv.
func (v *hubView) View(name string) ([]float32, bool) {
	m, ok := v.src.(mappedSource)
	if _, fused := v.qkv[name]; !ok || fused {
		return nil, false
	}
	return m.View(v.file(name))
}

// HalfView returns a renamed 16-bit tensor in place, and a fused qkv of
// 16-bit q, k and v as a copy of their values one after the other, in
// memory outside the Go heap that release frees (see halfCopy).
func (v *hubView) HalfView(name string) (string, []uint16, bool) {
	m, ok := v.src.(mappedSource)
	if !ok {
		return "", nil, false
	}
	parts, fused := v.qkv[name]
	if !fused {
		return m.HalfView(v.file(name))
	}
	dtype, views, ok := halfParts(m, parts)
	n := len(views[0])
	if !ok || n == 0 {
		return "", nil, false
	}
	buf, release, err := offheap.Float32s((3*n + 1) / 2)
	if err != nil {
		return "", nil, false
	}
	v.releases = append(v.releases, release)
	out := unsafe.Slice((*uint16)(unsafe.Pointer(&buf[0])), 3*n)
	v.copies[name] = &loadCopy{buf: buf, nonFinite: fuse(out, views, dtype, parts), fill: func() error {
		_, views, ok := halfParts(m, parts)
		if !ok {
			return errors.Errorf("checkpoint: %s: the 16-bit q, k and v are gone", v.fileName(name))
		}
		fuse(out, views, dtype, parts)
		return nil
	}}
	return dtype, out, true
}

// fuseGrain is the fewest values a goroutine copies into a fused qkv.
const fuseGrain = 1 << 20

// fuse copies q, k and v (16-bit values of dtype) one after the other into
// out, on every core, and counts the non-finite values of each (named
// names) in each piece while it is in the cache: the first read of the
// file's pages and the first write of fresh memory each cost about as much
// as the copy itself on a virtual machine, and are paid per core.
func fuse(out []uint16, views [3][]uint16, dtype string, names [3]string) []checkpoint.NonFiniteTensor {
	n := len(views[0])
	counts := make([]checkpoint.NonFiniteTensor, 3)
	for i, name := range names {
		counts[i] = checkpoint.NonFiniteTensor{Name: name, Len: n}
	}
	var mu sync.Mutex
	parallel.For(len(out), fuseGrain, func(lo, hi int) {
		for lo < hi {
			part, at := lo/n, lo%n
			end := min(hi-lo, n-at)
			copy(out[lo:lo+end], views[part][at:at+end])
			t := checkpoint.CountNonFiniteHalf(names[part], dtype, out[lo:lo+end])
			mu.Lock()
			counts[part].NaN, counts[part].Inf = counts[part].NaN+t.NaN, counts[part].Inf+t.Inf
			mu.Unlock()
			lo += end
		}
	})
	return counts
}

// halfParts returns the 16-bit values of q, k and v in place, when all
// three are of one 16-bit dtype and size.
func halfParts(m mappedSource, parts [3]string) (string, [3][]uint16, bool) {
	var views [3][]uint16
	var dtype string
	for i, p := range parts {
		dt, bits, ok := m.HalfView(p)
		if !ok || (i > 0 && (dt != dtype || len(bits) != len(views[0]))) {
			return "", views, false
		}
		dtype, views[i] = dt, bits
	}
	return dtype, views, true
}

// halfCopy returns the copy HalfView made of a fused qkv; nil for a tensor
// used in place.
func (v *hubView) halfCopy(name string) *loadCopy { return v.copies[name] }

// release frees the fused 16-bit matrices.
func (v *hubView) release() {
	for _, f := range v.releases {
		f()
	}
	v.releases = nil
}

// Release releases the pages of a tensor (each part of a fused qkv).
func (v *hubView) Release(name string) {
	m, ok := v.src.(mappedSource)
	if !ok {
		return
	}
	if parts, fused := v.qkv[name]; fused {
		for _, p := range parts {
			m.Release(p)
		}
		return
	}
	m.Release(v.file(name))
}
