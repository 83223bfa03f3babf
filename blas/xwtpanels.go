package blas

import (
	"github.com/aim-go/aim/internal/parallel"
	"github.com/aim-go/aim/internal/scratch"
)

// The X·Wᵀ kernel's tile: 32 rows of A (two 16-lane registers) by 12 rows
// of B.
const (
	xwtTileRows = 32
	xwtTileCols = 12
	xwtTile     = xwtTileRows * xwtTileCols
)

// packedRows holds the panels of A that packPanels writes.
var packedRows scratch.List[float32]

// xwtPanels is the number of 32-row panels that hold rows rows.
func xwtPanels(rows int) int { return (rows + xwtTileRows - 1) / xwtTileRows }

// xwtBlockK returns the width of the blocks of k the kernel takes at a
// time: k in equal blocks of at most xwtMaxBlockK, rounded up to a multiple of
// 16 (the last block takes what is left).
func xwtBlockK(k int) int {
	blocks := (k + xwtMaxBlockK - 1) / xwtMaxBlockK
	return ((k+blocks-1)/blocks + 15) &^ 15
}

// eachPackedBlock packs the rows of A xwtBlockM at a time and calls block
// with the panels of rows [i0, i0+rows).
func eachPackedBlock(m, k int, a []float32, lda int, block func(xp []float32, i0, rows int)) {
	for i0 := 0; i0 < m; i0 += xwtBlockM {
		rows := min(xwtBlockM, m-i0)
		xp := packedRows.Get(xwtPanels(rows) * xwtTileRows * k)
		packPanels(xp, a[i0*lda:], lda, rows, k, true)
		block(xp, i0, rows)
		packedRows.Put(xp)
	}
}

// packPanels copies rows rows of A (k values each, row stride lda) into
// panels of 32 rows, by blocks of k: the block of values p0 … p0+w-1 of
// each row starts at 32·panels·p0, and its panel q holds A[32q+i][p0+p] at
// 32w·q + 32p + i; rows past the last are zero. With shared, the panels
// are shared out between the cores.
func packPanels(dst, a []float32, lda, rows, k int, shared bool) {
	panels, kc := xwtPanels(rows), xwtBlockK(k)
	pack := func(lo, hi int) {
		for q := lo; q < hi; q++ {
			for p0 := 0; p0 < k; p0 += kc {
				w := min(kc, k-p0)
				at := xwtTileRows * (panels*p0 + q*w)
				packPanelRows(dst[at:at+xwtTileRows*w], a[q*xwtTileRows*lda+p0:], lda, min(xwtTileRows, rows-q*xwtTileRows), w)
			}
		}
	}
	if !shared {
		pack(0, panels)
		return
	}
	parallel.For(panels, 1, pack)
}

// packPanelRows packs k values of rows ≤ 32 rows of A into one panel: a
// whole panel's blocks of 16 values with the kernel, the rest one value at
// a time.
func packPanelRows(panel, a []float32, lda, rows, k int) {
	done := 0
	if rows == xwtTileRows && k >= 16 {
		done = k / 16 * 16
		_ = a[(xwtTileRows-1)*lda+done-1] // the last value the kernel reads
		packPanel(&panel[0], &a[0], lda, k/16)
	}
	for i := range xwtTileRows {
		d := panel[i:]
		if i >= rows {
			for p := range k {
				d[p*xwtTileRows] = 0
			}
			continue
		}
		for p, v := range a[i*lda+done : i*lda+k] {
			d[(done+p)*xwtTileRows] = v
		}
	}
}

// xwtColumns computes C[0:rows, 0:n] (+)= alpha·A·B[0:n]ᵀ, rows ≤ xwtBlockM,
// from the panels xp of those rows of A and n ≤ xwtBlockN rows of B: groups
// of 12 rows of B on the kernel, one block of k after another, and the
// last n mod 12 on the backend (from A itself). Whole panels write C
// directly; the rows of a last, partial panel go through 32×12 tiles.
func xwtColumns(xp []float32, rows, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, accumulate bool, c []float32, ldc int) {
	panels, kc := xwtPanels(rows), xwtBlockK(k)
	full, part := rows/xwtTileRows, rows%xwtTileRows
	var tiles [xwtBlockN / xwtTileCols][xwtTile]float32
	n12 := n / xwtTileCols * xwtTileCols
	for j := 0; j < n12; j += xwtTileCols {
		for p0 := 0; p0 < k; p0 += kc {
			w, at := min(kc, k-p0), xwtTileRows*panels*p0
			// The last values the assembly reads (panels, B) and writes (C).
			_, _ = xp[at+panels*xwtTileRows*w-1], b[(j+xwtTileCols-1)*ldb+p0+w-1]
			if full > 0 {
				_ = c[(full*xwtTileRows-1)*ldc+j+xwtTileCols-1]
				xwtStrip(&xp[at], full, w, &b[j*ldb+p0], ldb, &c[j], ldc, alpha, asmBool(accumulate || p0 > 0))
			}
			if part > 0 {
				xwtStrip(&xp[at+full*xwtTileRows*w], 1, w, &b[j*ldb+p0], ldb, &tiles[j/xwtTileCols][0], xwtTileCols, alpha, asmBool(p0 > 0))
			}
		}
	}
	for j := 0; part > 0 && j < n12; j += xwtTileCols {
		addTile(tiles[j/xwtTileCols][:part*xwtTileCols], accumulate, c[full*xwtTileRows*ldc+j:], ldc)
	}
	if n12 < n {
		beta := float32(0)
		if accumulate {
			beta = 1
		}
		gemmOnce(false, true, rows, n-n12, k, alpha, a, lda, b[n12*ldb:], ldb, beta, c[n12:], ldc)
	}
}

// addTile writes the rows of a tile (12 values each) to C, or adds them.
func addTile(tile []float32, accumulate bool, c []float32, ldc int) {
	for r := range len(tile) / xwtTileCols {
		row := c[r*ldc : r*ldc+xwtTileCols]
		for l, v := range tile[r*xwtTileCols : (r+1)*xwtTileCols] {
			if accumulate {
				v += row[l]
			}
			row[l] = v
		}
	}
}

// asmBool is 1 for true, as the assembly takes it.
func asmBool(b bool) int {
	if b {
		return 1
	}
	return 0
}
