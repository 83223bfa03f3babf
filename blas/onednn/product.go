package onednn

import (
	"fmt"

	"github.com/pkg/errors"
)

// Product describes C = Alpha·op(A)·op(B) + Beta·C (+ a bias row) of row-major
// matrices: op(A) is M×K, op(B) is K×N and C is M×N, float32. A and B are
// both of Type; op(X) is X, or Xᵀ when TransX is set (X then stored K×M or
// N×K); LDX is the distance between X's rows as stored. With Bias, a float32
// vector of N values is added to every row of C. With PackedB, B is a
// Packed operand in oneDNN's own layout and LDB is ignored.
type Product struct {
	M, N, K        int
	TransA, TransB bool
	LDA, LDB, LDC  int
	Type           DataType
	Alpha, Beta    float32
	Bias, PackedB  bool
}

// String names the product as the package's statistics do, e.g.
// "bf16 256x4608x1536 NT".
func (p Product) String() string {
	t := []byte("NN")
	if p.TransA {
		t[0] = 'T'
	}
	if p.TransB {
		t[1] = 'T'
	}
	return fmt.Sprintf("%v %dx%dx%d %s", p.Type, p.M, p.N, p.K, t)
}

// rowsCols returns the stored shape of an operand whose op() is r×c.
func rowsCols(trans bool, r, c int) (int, int) {
	if trans {
		return c, r
	}
	return r, c
}

// validate checks that the product makes sense and that buffers of the
// given lengths (in elements) hold its operands.
func (p Product) validate(lenA, lenB, lenC int) error {
	if p.M <= 0 || p.N <= 0 || p.K <= 0 {
		return errors.Errorf("onednn: product %v: sizes must be positive", p)
	}
	if p.Type != BF16 && p.Type != F32 {
		return errors.Errorf("onednn: product %v: operands must be bf16 or f32", p)
	}
	if err := fits("A", p.TransA, p.M, p.K, p.LDA, lenA); err != nil {
		return errors.Wrapf(err, "onednn: product %v", p)
	}
	if !p.PackedB {
		if err := fits("B", p.TransB, p.K, p.N, p.LDB, lenB); err != nil {
			return errors.Wrapf(err, "onednn: product %v", p)
		}
	}
	return errors.Wrapf(fits("C", false, p.M, p.N, p.LDC, lenC), "onednn: product %v", p)
}

// fits checks that a buffer of n elements holds a stored matrix whose op()
// is r×c with leading dimension ld.
func fits(name string, trans bool, r, c, ld, n int) error {
	rows, cols := rowsCols(trans, r, c)
	if ld < cols {
		return errors.Errorf("%s: leading dimension %d is less than its %d columns", name, ld, cols)
	}
	if need := (rows-1)*ld + cols; n < need {
		return errors.Errorf("%s: %d elements hold less than the %d it needs", name, n, need)
	}
	return nil
}

// Use records how often a product ran and on which implementation.
type Use struct {
	Product        string `json:"product"`
	Implementation string `json:"implementation"`
	Calls          int    `json:"calls"`
}
