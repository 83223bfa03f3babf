package patches

import (
	"math/rand/v2"

	"github.com/pkg/errors"
)

// Grid describes how images of Channels×Height×Width are cut into patches of
// Size×Size.
type Grid struct {
	Channels, Height, Width, Size int
}

// NewGrid checks that the image can be cut into whole patches.
func NewGrid(channels, height, width, size int) (Grid, error) {
	g := Grid{channels, height, width, size}
	switch {
	case channels < 1 || height < 1 || width < 1 || size < 1:
		return g, errors.Errorf("image %d×%d×%d with patch %d: every size must be positive", channels, height, width, size)
	case height%size != 0 || width%size != 0:
		return g, errors.Errorf("image size %d×%d is not a multiple of the patch size %d", height, width, size)
	case height/size*(width/size) < 2:
		return g, errors.Errorf("image size %d×%d with patch %d gives fewer than 2 patches", height, width, size)
	}
	return g, nil
}

// Rows returns the number of patch rows.
func (g Grid) Rows() int { return g.Height / g.Size }

// Cols returns the number of patch columns.
func (g Grid) Cols() int { return g.Width / g.Size }

// Len returns the number of patches K.
func (g Grid) Len() int { return g.Rows() * g.Cols() }

// Dim returns the number of values in a patch, C·p·p.
func (g Grid) Dim() int { return g.Channels * g.Size * g.Size }

// ImageSize returns C·H·W.
func (g Grid) ImageSize() int { return g.Channels * g.Height * g.Width }

// Layout is the order of the values of a flattened patch.
type Layout int

const (
	// ChannelFirst flattens (channel, row, column): the layout of a Conv2d
	// weight (D, C, p, p), used for the patch embedding.
	ChannelFirst Layout = iota
	// ChannelLast flattens (row, column, channel), channel fastest: the
	// layout of AIM's pixel targets.
	ChannelLast
)

// Float is the element type patches are written in.
type Float interface{ ~float32 | ~float64 }

// Extract writes the K patches of img (C, H, W) into dst (K, C·p·p) in the
// given layout. order lists, for each sequence position, the grid position
// (row-major) of its patch; nil means raster order.
func Extract[T Float](g Grid, img []float32, order []int, layout Layout, dst []T) {
	p, cols, dim := g.Size, g.Cols(), g.Dim()
	for t := 0; t < g.Len(); t++ {
		pos := t
		if order != nil {
			pos = order[t]
		}
		r0, c0 := pos/cols*p, pos%cols*p
		out := dst[t*dim : (t+1)*dim]
		for c := 0; c < g.Channels; c++ {
			plane := img[c*g.Height*g.Width:]
			for y := 0; y < p; y++ {
				row := plane[(r0+y)*g.Width+c0 : (r0+y)*g.Width+c0+p]
				for x, v := range row {
					out[index(layout, g.Channels, p, c, y, x)] = T(v)
				}
			}
		}
	}
}

func index(layout Layout, channels, p, c, y, x int) int {
	if layout == ChannelFirst {
		return (c*p+y)*p + x
	}
	return (y*p+x)*channels + c
}

// Order names a patch order.
type Order string

// The patch orders of the paper's ablation.
const (
	Raster       Order = "raster"
	Spiral       Order = "spiral"
	Checkerboard Order = "checkerboard"
	Random       Order = "random"
)

// ParseOrder checks an order name.
func ParseOrder(s string) (Order, error) {
	for _, o := range Orders() {
		if string(o) == s {
			return o, nil
		}
	}
	return "", errors.Errorf("unknown patch order %q: expected raster, spiral, checkerboard or random", s)
}

// Orders lists the known orders.
func Orders() []Order { return []Order{Raster, Spiral, Checkerboard, Random} }

// Sequence returns, for each sequence position, the grid position (row-major
// index) of its patch. Raster is the identity; spiral walks clockwise from the
// top-left corner inwards; checkerboard takes the squares with even
// row+column in raster order, then the odd ones; random is a fixed
// permutation drawn from seed (the same for every image).
func (g Grid) Sequence(o Order, seed uint64) ([]int, error) {
	rows, cols := g.Rows(), g.Cols()
	switch o {
	case Raster, "":
		return identity(rows * cols), nil
	case Spiral:
		return spiral(rows, cols), nil
	case Checkerboard:
		return checkerboard(rows, cols), nil
	case Random:
		return rand.New(rand.NewPCG(seed, 0x9e3779b9)).Perm(rows * cols), nil
	}
	return nil, errors.Errorf("unknown patch order %q: expected raster, spiral, checkerboard or random", o)
}

func identity(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func spiral(rows, cols int) []int {
	out := make([]int, 0, rows*cols)
	top, bottom, left, right := 0, rows-1, 0, cols-1
	for top <= bottom && left <= right {
		for c := left; c <= right; c++ {
			out = append(out, top*cols+c)
		}
		for r := top + 1; r <= bottom; r++ {
			out = append(out, r*cols+right)
		}
		if top < bottom {
			for c := right - 1; c >= left; c-- {
				out = append(out, bottom*cols+c)
			}
		}
		if left < right {
			for r := bottom - 1; r > top; r-- {
				out = append(out, r*cols+left)
			}
		}
		top, bottom, left, right = top+1, bottom-1, left+1, right-1
	}
	return out
}

func checkerboard(rows, cols int) []int {
	out := make([]int, 0, rows*cols)
	for parity := 0; parity < 2; parity++ {
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				if (r+c)%2 == parity {
					out = append(out, r*cols+c)
				}
			}
		}
	}
	return out
}
