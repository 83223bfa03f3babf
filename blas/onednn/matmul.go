//go:build linux && (amd64 || arm64)

package onednn

import (
	"runtime"
	"sort"
	"sync"
	"unsafe"

	"github.com/pkg/errors"
)

// mdBytes is sizeof(dnnl_memory_desc_t) in oneDNN 2.x; opDescBytes leaves
// room for dnnl_matmul_desc_t (2,800 bytes in 2.6).
const (
	mdBytes     = 696
	opDescBytes = 4096
)

// oneDNN's constants (dnnl_types.h, 2.6).
const (
	tagAny         = 1   // dnnl_format_tag_any
	queryImplInfo  = 8   // dnnl_query_impl_info_str
	queryWeightsMD = 131 // dnnl_query_weights_md
	argSrc         = 1   // DNNL_ARG_SRC, DNNL_ARG_FROM
	argDst         = 17  // DNNL_ARG_DST, DNNL_ARG_TO
	argWeights     = 33
	argBias        = 41
	memoryAllocate = ^uintptr(0) // DNNL_MEMORY_ALLOCATE
	memoryNoHandle = 0           // DNNL_MEMORY_NONE
)

// memoryDesc is a dnnl_memory_desc_t, kept in Go memory.
type memoryDesc [mdBytes]byte

// onHeap returns a new zero T on the Go heap. Memory whose address is
// handed to C as an integer must never be on a goroutine's stack: the
// stack moves when it grows, and the address would then point at nothing
// (the compiler keeps a value that does not escape on the stack, and an
// address turned into a uintptr does not escape). A function that is
// never inlined and returns what it allocated always allocates it on the
// heap, where nothing moves; callers keep it alive across the call with
// runtime.KeepAlive.
//
//go:noinline
func onHeap[T any]() *T { return new(T) }

func (m *memoryDesc) ptr() uintptr { return uintptr(unsafe.Pointer(m)) }

// execArg is a dnnl_exec_arg_t.
type execArg struct {
	arg int32
	_   int32
	mem uintptr
}

// primitive is a matmul primitive with its memory objects, whose data
// handles are set on every call.
type primitive struct {
	pd, prim       uintptr
	a, b, c, bias  uintptr
	args           [4]execArg // the arguments of every execution
	weights        memoryDesc // the layout of B when it is packed
	implementation string
	calls          int
}

// primitives are the primitives made so far; only the worker touches them.
var primitives = map[Product]*primitive{}

// stats counts calls by product, for Stats; read from any goroutine.
var stats struct {
	sync.Mutex
	byProduct map[Product]*primitive
}

// Matmul computes the product p of a, b and bias into c (see Product): a
// and b point at p.Type values (bf16 as uint16 bits), bias (nil without
// p.Bias) and c at float32s, of the lengths given in elements.
func Matmul(p Product, a unsafe.Pointer, lenA int, b unsafe.Pointer, lenB int, bias []float32, c []float32) error {
	if p.PackedB {
		return errors.Errorf("onednn: product %v: packed weights go through (*Packed).Matmul", p)
	}
	if err := checkCall(p, lenA, lenB, bias, c); err != nil {
		return err
	}
	return do(func() error {
		prim, err := primitiveFor(p)
		if err != nil {
			return err
		}
		return prim.run(uintptr(a), uintptr(b), bias, c)
	})
}

// checkCall loads the library and checks a product's buffers.
func checkCall(p Product, lenA, lenB int, bias, c []float32) error {
	if err := Load(); err != nil {
		return err
	}
	if err := p.validate(lenA, lenB, len(c)); err != nil {
		return err
	}
	if p.Bias && p.Alpha != 1 {
		return errors.Errorf("onednn: product %v: a bias goes with alpha 1, not %v", p, p.Alpha)
	}
	if p.Bias != (bias != nil) || (bias != nil && len(bias) < p.N) {
		return errors.Errorf("onednn: product %v: bias of %d values, want %d (Bias %t)", p, len(bias), p.N, p.Bias)
	}
	return nil
}

// run executes the primitive on the given buffers and waits for it.
func (prim *primitive) run(a, b uintptr, bias, c []float32) error {
	f := &loaded.fn
	handles := []struct {
		mem uintptr
		at  uintptr
	}{{prim.a, a}, {prim.b, b}, {prim.c, uintptr(unsafe.Pointer(unsafe.SliceData(c)))}}
	if bias != nil {
		handles = append(handles, struct{ mem, at uintptr }{prim.bias, uintptr(unsafe.Pointer(unsafe.SliceData(bias)))})
	}
	for _, h := range handles {
		if err := check("memory_set_data_handle", call(f.memSetHandle, h.mem, h.at)); err != nil {
			return err
		}
	}
	nargs := 3
	if bias != nil {
		nargs = 4
	}
	err := check("primitive_execute", call(f.primExecute, prim.prim, loaded.stream, uintptr(nargs), uintptr(unsafe.Pointer(&prim.args[0]))))
	if err == nil {
		err = check("stream_wait", call(f.streamWait, loaded.stream))
	}
	runtime.KeepAlive(bias)
	runtime.KeepAlive(c)
	stats.Lock()
	prim.calls++
	stats.Unlock()
	return err
}

// primitiveFor returns the primitive of p, creating it on first use.
func primitiveFor(p Product) (*primitive, error) {
	if prim, ok := primitives[p]; ok {
		return prim, nil
	}
	prim, err := newPrimitive(p)
	if err != nil {
		return nil, err
	}
	primitives[p] = prim
	stats.Lock()
	if stats.byProduct == nil {
		stats.byProduct = map[Product]*primitive{}
	}
	stats.byProduct[p] = prim
	stats.Unlock()
	return prim, nil
}

// newPrimitive creates the matmul primitive of p and its memory objects.
func newPrimitive(p Product) (*primitive, error) {
	mds := onHeap[[4]memoryDesc]()
	defer runtime.KeepAlive(mds)
	a, b, c, bias := &mds[0], &mds[1], &mds[2], &mds[3]
	if err := matrixDesc(a, p.Type, p.TransA, p.M, p.K, p.LDA); err != nil {
		return nil, err
	}
	if err := weightsDesc(b, p); err != nil {
		return nil, err
	}
	if err := matrixDesc(c, F32, false, p.M, p.N, p.LDC); err != nil {
		return nil, err
	}
	biasPtr := uintptr(0)
	if p.Bias {
		if err := matrixDesc(bias, F32, false, 1, p.N, p.N); err != nil {
			return nil, err
		}
		biasPtr = bias.ptr()
	}
	prim := &primitive{}
	if err := prim.create(p, a, b, biasPtr, c); err != nil {
		return nil, errors.Wrapf(err, "onednn: product %v", p)
	}
	prim.args = [4]execArg{{arg: argSrc, mem: prim.a}, {arg: argWeights, mem: prim.b}, {arg: argDst, mem: prim.c}, {arg: argBias, mem: prim.bias}}
	return prim, nil
}

// create makes the primitive descriptor, the primitive and the memory
// objects of the given descriptions.
func (prim *primitive) create(p Product, a, b *memoryDesc, bias uintptr, c *memoryDesc) error {
	f := &loaded.fn
	desc := onHeap[[opDescBytes]byte]()
	defer runtime.KeepAlive(desc)
	if err := check("matmul_desc_init", call(f.matmulDesc, uintptr(unsafe.Pointer(desc)), a.ptr(), b.ptr(), bias, c.ptr())); err != nil {
		return err
	}
	attr, err := newAttr(p.Alpha, p.Beta)
	if err != nil {
		return err
	}
	defer call(f.attrDestroy, attr)
	if err := check("primitive_desc_create", call(f.pdCreate, uintptr(unsafe.Pointer(&prim.pd)), uintptr(unsafe.Pointer(desc)), attr, loaded.engine, 0)); err != nil {
		return err
	}
	if err := check("primitive_create", call(f.primCreate, uintptr(unsafe.Pointer(&prim.prim)), prim.pd)); err != nil {
		return err
	}
	impl := onHeap[uintptr]()
	if check("primitive_desc_query", call(f.pdQuery, prim.pd, queryImplInfo, 0, uintptr(unsafe.Pointer(impl)))) == nil {
		prim.implementation = cString(*impl)
	}
	wmd := pointer(call(f.pdQueryMD, prim.pd, queryWeightsMD, 0))
	prim.weights = *(*memoryDesc)(wmd)
	return prim.memories(a, &prim.weights, bias, c)
}

// memories creates the primitive's memory objects, without buffers.
func (prim *primitive) memories(a, b *memoryDesc, bias uintptr, c *memoryDesc) error {
	f := &loaded.fn
	mds := []struct {
		md  uintptr
		mem *uintptr
	}{{a.ptr(), &prim.a}, {b.ptr(), &prim.b}, {c.ptr(), &prim.c}, {bias, &prim.bias}}
	for _, m := range mds {
		if m.md == 0 {
			continue
		}
		if err := check("memory_create", call(f.memCreate, uintptr(unsafe.Pointer(m.mem)), m.md, loaded.engine, memoryNoHandle)); err != nil {
			return err
		}
	}
	return nil
}

// newAttr returns primitive attributes scaling the product by alpha and
// adding beta·C.
func newAttr(alpha, beta float32) (uintptr, error) {
	f := &loaded.fn
	out := onHeap[uintptr]()
	if err := check("primitive_attr_create", call(f.attrCreate, uintptr(unsafe.Pointer(out)))); err != nil {
		return 0, err
	}
	attr := *out
	if alpha != 1 {
		scales := onHeap[float32]()
		*scales = alpha
		err := check("set_output_scales", call(f.attrOutputScales, attr, 1, 0, uintptr(unsafe.Pointer(scales))))
		runtime.KeepAlive(scales)
		if err != nil {
			call(f.attrDestroy, attr)
			return 0, err
		}
	}
	if beta != 0 {
		if err := addSum(attr, beta); err != nil {
			call(f.attrDestroy, attr)
			return 0, err
		}
	}
	return attr, nil
}

// addSum appends C += beta·(previous C) to attr's post-ops.
func addSum(attr uintptr, beta float32) error {
	f := &loaded.fn
	out := onHeap[uintptr]()
	if err := check("post_ops_create", call(f.postOpsCreate, uintptr(unsafe.Pointer(out)))); err != nil {
		return err
	}
	ops := *out
	defer call(f.postOpsDestroy, ops)
	if err := check("post_ops_append_sum", uintptr(loaded.appendSum(ops, beta))); err != nil {
		return err
	}
	return check("set_post_ops", call(f.attrPostOps, attr, ops))
}

// matrixDesc describes a row-major matrix whose op() is r×c.
func matrixDesc(md *memoryDesc, t DataType, trans bool, r, c, ld int) error {
	v := onHeap[[2][2]int64]() // dims, strides
	defer runtime.KeepAlive(v)
	v[0] = [2]int64{int64(r), int64(c)}
	v[1] = [2]int64{int64(ld), 1}
	if trans {
		v[1] = [2]int64{1, int64(ld)}
	}
	return check("memory_desc_init_by_strides", call(loaded.fn.mdByStrides, md.ptr(), 2, uintptr(unsafe.Pointer(&v[0])), uintptr(t), uintptr(unsafe.Pointer(&v[1]))))
}

// weightsDesc describes B: as stored, or in any layout oneDNN likes when
// it is packed.
func weightsDesc(md *memoryDesc, p Product) error {
	if !p.PackedB {
		return matrixDesc(md, p.Type, p.TransB, p.K, p.N, p.LDB)
	}
	dims := onHeap[[2]int64]()
	defer runtime.KeepAlive(dims)
	*dims = [2]int64{int64(p.K), int64(p.N)}
	return check("memory_desc_init_by_tag", call(loaded.fn.mdByTag, md.ptr(), 2, uintptr(unsafe.Pointer(dims)), uintptr(p.Type), tagAny))
}

// Stats returns the products run so far, most called first.
func Stats() []Use {
	stats.Lock()
	defer stats.Unlock()
	uses := make([]Use, 0, len(stats.byProduct))
	for p, prim := range stats.byProduct {
		uses = append(uses, Use{p.String(), prim.implementation, prim.calls})
	}
	sort.Slice(uses, func(i, j int) bool {
		if uses[i].Calls != uses[j].Calls {
			return uses[i].Calls > uses[j].Calls
		}
		return uses[i].Product < uses[j].Product
	})
	return uses
}
