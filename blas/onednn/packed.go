//go:build linux && (amd64 || arm64)

package onednn

import (
	"runtime"
	"unsafe"

	"github.com/pkg/errors"
)

// Packed is a B operand (weights) reordered into the layout oneDNN's
// primitives prefer for it, to serve many products. It holds copies only:
// its source may change or go away once Pack, Repack or AddLayout returns.
// A product whose primitive prefers a layout it does not hold (in oneDNN
// 2.6 the layout depends on N and K, not on the row count M, so this is
// rare) fails with ErrOtherLayout; AddLayout then adds that layout.
type Packed struct {
	key packedKey
	*copies
}

// ErrOtherLayout is the error of a product whose primitive wants the
// packed operand in a layout it does not hold yet (see AddLayout).
var ErrOtherLayout = errors.New("onednn: the product wants the packed weights in another layout")

// copies are a Packed operand's copies, apart from it so that a cleanup can
// free them once it is collected.
type copies struct{ layouts []*layout }

// packedKey is what a packed operand must agree on with a product.
type packedKey struct {
	K, N   int
	TransB bool
	LDB    int
	Type   DataType
}

// layout is one copy of the weights in one oneDNN layout.
type layout struct {
	md   memoryDesc
	mem  uintptr
	data uintptr // the buffer oneDNN allocated for it
}

// Pack reorders the B operand of products like p (K×N after op(), stored as
// p.TransB and p.LDB say, p.Type values at b, lenB elements) into the
// layout p's primitive prefers. p.M and the other fields choose that
// primitive; products with other M may use the result.
func Pack(p Product, b unsafe.Pointer, lenB int) (*Packed, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	if p.Type != BF16 && p.Type != F32 {
		return nil, errors.Errorf("onednn: packing %v: operands must be bf16 or f32", p)
	}
	w := &Packed{key: packedKey{p.K, p.N, p.TransB, p.LDB, p.Type}, copies: &copies{}}
	if err := w.AddLayout(p, b, lenB); err != nil {
		w.Free()
		return nil, err
	}
	runtime.AddCleanup(w, (*copies).free, w.copies)
	return w, nil
}

// AddLayout reorders b, the operand's values (as for Pack), into the
// layout p's primitive prefers, unless w holds it already.
func (w *Packed) AddLayout(p Product, b unsafe.Pointer, lenB int) error {
	if err := w.matches(p); err != nil {
		return err
	}
	if err := fits("B", p.TransB, p.K, p.N, p.LDB, lenB); err != nil {
		return errors.Wrapf(err, "onednn: packing %v", p)
	}
	p.PackedB = true
	return do(func() error {
		prim, err := primitiveFor(p)
		if err != nil {
			return err
		}
		if w.layoutOf(prim) != nil {
			return nil
		}
		return w.addLayout(prim, b)
	})
}

// Repack reorders new values of the same shape (an optimiser step changed
// the weights) into every layout w holds.
func (w *Packed) Repack(b unsafe.Pointer) error {
	return do(func() error {
		for _, l := range w.layouts {
			if err := w.reorder(l, b); err != nil {
				return err
			}
		}
		return nil
	})
}

// Free releases the packed copies now rather than when w is collected; w
// must not be used afterwards.
func (w *Packed) Free() { w.copies.free() }

// free destroys the memory objects of the copies.
func (c *copies) free() {
	layouts := c.layouts
	c.layouts = nil
	if len(layouts) == 0 {
		return
	}
	do(func() error {
		for _, l := range layouts {
			call(loaded.fn.memDestroy, l.mem)
		}
		return nil
	})
}

// Matmul computes the product p of a and w into c (see Product and
// Matmul); p.PackedB must be set and p agree with w's shape. A product
// that wants another layout fails with ErrOtherLayout.
func (w *Packed) Matmul(p Product, a unsafe.Pointer, lenA int, bias []float32, c []float32) error {
	if !p.PackedB {
		return errors.Errorf("onednn: product %v: a packed B needs Product.PackedB", p)
	}
	if err := w.matches(p); err != nil {
		return err
	}
	if err := checkCall(p, lenA, 0, bias, c); err != nil {
		return err
	}
	return do(func() error {
		prim, err := primitiveFor(p)
		if err != nil {
			return err
		}
		l := w.layoutOf(prim)
		if l == nil {
			return ErrOtherLayout
		}
		return prim.run(uintptr(a), l.data, bias, c)
	})
}

// matches checks that p's B has w's shape and type.
func (w *Packed) matches(p Product) error {
	if k := (packedKey{p.K, p.N, p.TransB, p.LDB, p.Type}); k != w.key {
		return errors.Errorf("onednn: product %v does not match weights packed for %dx%d %v", p, w.key.K, w.key.N, w.key.Type)
	}
	return nil
}

// layoutOf returns w's copy in the layout prim wants, or nil.
func (w *Packed) layoutOf(prim *primitive) *layout {
	for _, l := range w.layouts {
		if call(loaded.fn.mdEqual, l.md.ptr(), prim.weights.ptr()) != 0 {
			return l
		}
	}
	return nil
}

// addLayout reorders b into a new copy in the layout prim wants.
func (w *Packed) addLayout(prim *primitive, b unsafe.Pointer) error {
	l := &layout{md: prim.weights}
	if err := check("memory_create", call(loaded.fn.memCreate, uintptr(unsafe.Pointer(&l.mem)), l.md.ptr(), loaded.engine, memoryAllocate)); err != nil {
		return err
	}
	w.layouts = append(w.layouts, l)
	if err := check("memory_get_data_handle", call(loaded.fn.memGetHandle, l.mem, uintptr(unsafe.Pointer(&l.data)))); err != nil {
		return err
	}
	return w.reorder(l, b)
}

// reorderCall is the memory a reorder hands to C (see onHeap).
type reorderCall struct {
	src              memoryDesc
	srcMem, pd, prim uintptr
	args             [2]execArg
}

// reorder copies the values at b into layout l.
func (w *Packed) reorder(l *layout, b unsafe.Pointer) error {
	f := &loaded.fn
	c := onHeap[reorderCall]()
	defer runtime.KeepAlive(c)
	k := w.key
	if err := matrixDesc(&c.src, k.Type, k.TransB, k.K, k.N, k.LDB); err != nil {
		return err
	}
	if err := check("memory_create", call(f.memCreate, uintptr(unsafe.Pointer(&c.srcMem)), c.src.ptr(), loaded.engine, uintptr(b))); err != nil {
		return err
	}
	defer call(f.memDestroy, c.srcMem)
	if err := check("reorder_primitive_desc_create", call(f.reorderPD, uintptr(unsafe.Pointer(&c.pd)), c.src.ptr(), loaded.engine, l.md.ptr(), loaded.engine, 0)); err != nil {
		return err
	}
	defer call(f.pdDestroy, c.pd)
	if err := check("primitive_create", call(f.primCreate, uintptr(unsafe.Pointer(&c.prim)), c.pd)); err != nil {
		return err
	}
	defer call(f.primDestroy, c.prim)
	c.args = [2]execArg{{arg: argSrc, mem: c.srcMem}, {arg: argDst, mem: l.mem}}
	if err := check("reorder", call(f.primExecute, c.prim, loaded.stream, 2, uintptr(unsafe.Pointer(&c.args[0])))); err != nil {
		return err
	}
	return check("stream_wait", call(f.streamWait, loaded.stream))
}

// Bytes returns the memory the packed copies take.
func (w *Packed) Bytes() int {
	n := 0
	for _, l := range w.layouts {
		n += int(call(loaded.fn.mdSize, l.md.ptr()))
	}
	return n
}
