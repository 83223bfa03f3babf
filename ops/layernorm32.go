package ops

import (
	"math"

	"github.com/aim-go/aim/internal/parallel"
)

// Float32 LayerNorm kernels: float32 arithmetic with four independent
// accumulators, so that the additions pipeline instead of waiting on each
// other. Per-row sums over a few hundred features keep float32 precision
// (relative error ~1e-7); the float64 kernels serve the gradient checks.

// sum4 returns Σ v and Σ (v − c)² of a row.
func sum4(row []float32, c float32) (s, ss float32) {
	var s0, s1, s2, s3, q0, q1, q2, q3 float32
	i := 0
	for ; i+4 <= len(row); i += 4 {
		a, b, d, e := row[i]-c, row[i+1]-c, row[i+2]-c, row[i+3]-c
		s0, s1, s2, s3 = s0+a, s1+b, s2+d, s3+e
		q0, q1, q2, q3 = q0+a*a, q1+b*b, q2+d*d, q3+e*e
	}
	for ; i < len(row); i++ {
		a := row[i] - c
		s0 += a
		q0 += a * a
	}
	return s0 + s1 + s2 + s3, q0 + q1 + q2 + q3
}

// rowStats32 returns the mean and 1/√(var + eps) of a row: a first pass
// for the mean, a second for the variance about it, whose sum of
// deviations (≈ 0) also corrects the rounding of the first mean.
func rowStats32(row []float32, eps float64) (mean, rstd float32) {
	var s, d, ss float32
	n := float32(len(row))
	if vectorRows(len(row)) {
		s = rowSumAVX2(&row[0], len(row)/8)
		d, ss = rowDevAVX2(&row[0], len(row)/8, s/n)
	} else {
		s, _ = sum4(row, 0)
		d, ss = sum4(row, s/n)
	}
	c := d / n
	return s/n + c, float32(1 / math.Sqrt(float64(ss/n-c*c)+eps))
}

func layerNormForward32(x, gamma, beta, y []float32, mean, rstd []float64, d int, eps float64) {
	parallel.For(len(mean), 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row, out := x[i*d:(i+1)*d], y[i*d:(i+1)*d]
			mu, r := rowStats32(row, eps)
			mean[i], rstd[i] = float64(mu), float64(r)
			if vectorRows(d) {
				normRowAVX2(&row[0], &gamma[0], &beta[0], &out[0], d/8, mu, r)
				continue
			}
			g, b := gamma[:len(row)], beta[:len(row)]
			for j, v := range row {
				out[j] = (v-mu)*r*g[j] + b[j]
			}
		}
	})
}

// layerNormGradInput32 computes dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),
// g = dy·γ.
func layerNormGradInput32(x, gamma, dy, dx []float32, mean, rstd []float64, d int) {
	inv := 1 / float32(d)
	parallel.For(len(mean), 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xr, gr, out := x[i*d:(i+1)*d], dy[i*d:(i+1)*d], dx[i*d:(i+1)*d]
			mu, rs := float32(mean[i]), float32(rstd[i])
			if vectorRows(d) {
				sg, sgx := normGradSumsAVX2(&xr[0], &gamma[0], &gr[0], d/8, mu)
				normGradRowAVX2(&xr[0], &gamma[0], &gr[0], &out[0], d/8, mu, rs, sg*inv, sgx*rs*inv)
				continue
			}
			gm := gamma[:len(xr)]
			var s0, s1, t0, t1 float32
			j := 0
			for ; j+2 <= len(xr); j += 2 {
				g0, g1 := gr[j]*gm[j], gr[j+1]*gm[j+1]
				s0, s1 = s0+g0, s1+g1
				t0, t1 = t0+g0*(xr[j]-mu), t1+g1*(xr[j+1]-mu)
			}
			for ; j < len(xr); j++ {
				g := gr[j] * gm[j]
				s0 += g
				t0 += g * (xr[j] - mu)
			}
			sg, sgx := (s0+s1)*inv, (t0+t1)*rs*inv
			for j, v := range xr {
				out[j] = rs * (gr[j]*gm[j] - sg - (v-mu)*rs*sgx)
			}
		}
	})
}

// layerNormGradGamma32 computes dγ = Σ_rows dy·x̂, rows split over the
// cores with one partial sum each.
func layerNormGradGamma32(x, dy, dGamma []float32, mean, rstd []float64, d int) {
	rows := len(mean)
	parts := make([][]float32, 0, 4)
	partial := make(chan []float32, 8)
	parallel.For(rows, 64, func(lo, hi int) {
		acc := make([]float32, d)
		for i := lo; i < hi; i++ {
			xr, gr := x[i*d:(i+1)*d], dy[i*d:(i+1)*d]
			mu, rs := float32(mean[i]), float32(rstd[i])
			a := acc[:len(xr)]
			for j, v := range xr {
				a[j] += gr[j] * (v - mu) * rs
			}
		}
		partial <- acc
	})
	close(partial)
	for p := range partial {
		parts = append(parts, p)
	}
	clear(dGamma)
	for _, p := range parts {
		for j, v := range p {
			dGamma[j] += v
		}
	}
}
