package sizes

// MaxElems bounds the number of values a dataset, an image or a block of
// them may hold. It keeps size arithmetic far from integer overflow.
const MaxElems = 1 << 40

// Product returns the product of dims and whether it is at most MaxElems
// with no negative factor.
func Product(dims ...int) (int, bool) {
	p := 1
	for _, d := range dims {
		if d < 0 {
			return 0, false
		}
		if d != 0 && p > MaxElems/d {
			return 0, false
		}
		p *= d
	}
	return p, true
}
