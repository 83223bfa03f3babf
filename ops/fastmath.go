package ops

import "math"

// Fast float32 versions of erf and exp for the elementwise kernels. They are
// accurate to a few units in the last place of float32 (tested against the
// math package) and several times faster than converting to float64 and
// calling math.Erf and math.Exp. float64 kernels keep the math package.

// erf32 is the rational approximation of erf used by Eigen and XLA for
// float32: erf(x) = x·P(x²)/Q(x²) on [−4, 4], ±1 outside.
func erf32(a float32) float32 {
	x := min(max(a, -4), 4)
	x2 := x * x
	p := x2*-2.72614225801306e-10 + 2.77068142495902e-08
	p = x2*p + -2.10102402082508e-06
	p = x2*p + -5.69250639462346e-05
	p = x2*p + -7.34990630326855e-04
	p = x2*p + -2.95459980854025e-03
	p = x2*p + -1.60960333262415e-02
	p *= x
	q := x2*-1.45660718464996e-05 + -2.13374055278905e-04
	q = x2*q + -1.68282697438203e-03
	q = x2*q + -7.37332916720468e-03
	q = x2*q + -1.42647390514189e-02
	return p / q
}

// exp32 computes e^x by range reduction x = n·ln2 + r, |r| ≤ ln2/2, a
// degree-6 polynomial for e^r and an exponent shift. It returns 0 below
// −87.3 and +Inf above 88.7, like float32(math.Exp(x)) up to rounding.
func exp32(x float32) float32 {
	switch {
	case x > 88.72283:
		return float32(math.Inf(1))
	case x < -87.33654:
		return 0
	case x != x:
		return x
	}
	const ln2Hi, ln2Lo, log2e = 0.693145751953125, 1.428606765330187e-06, 1.44269504088896341
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2Hi - n*ln2Lo
	p := float32(1.0/5040)*r + 1.0/720
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r*r + r + 1
	return math.Float32frombits(math.Float32bits(p) + uint32(int32(n))<<23)
}
