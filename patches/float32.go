package patches

// Extract32 is Extract into float32 patches, under a non-generic name for
// callers that cannot instantiate generics: the notebook kernel's
// interpreter (yaegi) binds only non-generic functions.
func Extract32(g Grid, img []float32, order []int, layout Layout, dst []float32) {
	Extract(g, img, order, layout, dst)
}
