package layers

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// SinCos2D returns the fixed 2D sin-cos position embedding (rows·cols, dim)
// for a rows×cols grid of tokens in raster order, row-major in a flat slice.
// The first dim/2 features encode the token's column and the last dim/2 its
// row; each half is [sin(pos·ω), cos(pos·ω)] with ω_i = 1/10000^(i/(dim/4)),
// i < dim/4 (MAE's and ml-aim's get_2d_sincos_pos_embed). dim must be a
// multiple of 4.
func SinCos2D(dim, rows, cols int) ([]float64, error) {
	if dim%4 != 0 || dim <= 0 {
		return nil, errors.Errorf("sin-cos position embedding: width %d is not a positive multiple of 4", dim)
	}
	q := dim / 4
	omega := make([]float64, q)
	for i := range omega {
		omega[i] = 1 / math.Pow(10000, float64(i)/float64(q))
	}
	out := make([]float64, rows*cols*dim)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			e := out[(r*cols+c)*dim : (r*cols+c+1)*dim]
			for i, w := range omega {
				e[i], e[q+i] = math.Sin(float64(c)*w), math.Cos(float64(c)*w)
				e[2*q+i], e[3*q+i] = math.Sin(float64(r)*w), math.Cos(float64(r)*w)
			}
		}
	}
	return out, nil
}

// PositionEmbedding adds the (K, dim) embedding of a rows×cols grid to the
// graph as a constant input. order, when not nil, lists the grid position of
// each token (for patch orders other than raster).
func PositionEmbedding(b *Builder, name string, dim, rows, cols int, order []int) *G.Node {
	if b.err != nil {
		return nil
	}
	emb, err := SinCos2D(dim, rows, cols)
	if err != nil {
		b.Fail(err, name)
		return nil
	}
	t := b.NewTensor(rows*cols, dim)
	for tok := 0; tok < rows*cols; tok++ {
		pos := tok
		if order != nil {
			pos = order[tok]
		}
		src := emb[pos*dim : (pos+1)*dim]
		switch d := t.Data().(type) {
		case []float32:
			for j, v := range src {
				d[tok*dim+j] = float32(v)
			}
		case []float64:
			copy(d[tok*dim:], src)
		}
	}
	return b.Input(name, t)
}
