package pixels

// Unit maps an 8-bit value v to v/255.
var Unit = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// Scale stores src/255 into dst.
func Scale(dst []float32, src []byte) {
	for i, b := range src {
		dst[i] = Unit[b]
	}
}
