//go:build !unix

package offheap

func alloc(n int) ([]float32, func(), error) {
	return make([]float32, n), func() {}, nil
}
