package layers

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// maxPositionValues is the most values (tokens × width) a position
// embedding may have: 2³⁰, 4 GiB in float32, far beyond any grid the
// model configurations allow.
const maxPositionValues = 1 << 30

// SinCos2D returns the fixed 2D sin-cos position embedding (rows·cols, dim)
// for a rows×cols grid of tokens in raster order, row-major in a flat slice.
// The first dim/2 features encode the token's column and the last dim/2 its
// row; each half is [sin(pos·ω), cos(pos·ω)] with ω_i = 1/10000^(i/(dim/4)),
// i < dim/4 (MAE's and ml-aim's get_2d_sincos_pos_embed). dim must be a
// multiple of 4, and the table at most 2³⁰ values.
func SinCos2D(dim, rows, cols int) ([]float64, error) {
	if err := checkPositionGrid(dim, rows, cols); err != nil {
		return nil, err
	}
	omega := frequencies(dim)
	out := make([]float64, rows*cols*dim)
	for pos := range rows * cols {
		sinCosToken(out[pos*dim:(pos+1)*dim], pos/cols, pos%cols, omega)
	}
	return out, nil
}

// checkPositionGrid refuses a width that is not a positive multiple of 4,
// an empty grid and a table of more than maxPositionValues values.
func checkPositionGrid(dim, rows, cols int) error {
	switch {
	case dim%4 != 0 || dim <= 0:
		return errors.Errorf("sin-cos position embedding: width %d is not a positive multiple of 4", dim)
	case rows < 1 || cols < 1:
		return errors.Errorf("sin-cos position embedding: a grid of %d×%d tokens is empty", rows, cols)
	case rows > maxPositionValues/cols/dim:
		return errors.Errorf("sin-cos position embedding: a grid of %d×%d tokens of width %d exceeds %d values", rows, cols, dim, maxPositionValues)
	}
	return nil
}

// frequencies returns ω_i = 1/10000^(i/(dim/4)), i < dim/4.
func frequencies(dim int) []float64 {
	q := dim / 4
	omega := make([]float64, q)
	for i := range omega {
		omega[i] = 1 / math.Pow(10000, float64(i)/float64(q))
	}
	return omega
}

// sinCosToken writes the embedding of the token at row r and column c to e
// (4·len(omega) values).
func sinCosToken(e []float64, r, c int, omega []float64) {
	q := len(omega)
	for i, w := range omega {
		e[i], e[q+i] = math.Sin(float64(c)*w), math.Cos(float64(c)*w)
		e[2*q+i], e[3*q+i] = math.Sin(float64(r)*w), math.Cos(float64(r)*w)
	}
}

// PositionEmbedding adds the (K, dim) embedding of a rows×cols grid to the
// graph as a constant input. order, when not nil, lists the grid position of
// each token (for patch orders other than raster). The table is computed
// token by token into the graph's own tensor, without a float64 copy.
func PositionEmbedding(b *Builder, name string, dim, rows, cols int, order []int) *G.Node {
	if b.err != nil {
		return nil
	}
	if err := checkPositionGrid(dim, rows, cols); err != nil {
		b.Fail(err, name)
		return nil
	}
	omega, e := frequencies(dim), make([]float64, dim)
	t := b.NewTensor(rows*cols, dim)
	for tok := range rows * cols {
		pos := tok
		if order != nil {
			pos = order[tok]
		}
		sinCosToken(e, pos/cols, pos%cols, omega)
		switch d := t.Data().(type) {
		case []float32:
			for j, v := range e {
				d[tok*dim+j] = float32(v)
			}
		case []float64:
			copy(d[tok*dim:], e)
		}
	}
	return b.Input(name, t)
}
