package sizes

import "testing"

func TestProduct(t *testing.T) {
	for _, c := range []struct {
		dims []int
		want int
		ok   bool
	}{
		{nil, 1, true}, {[]int{3, 4, 5}, 60, true}, {[]int{0, -1}, 0, false}, {[]int{7, 0}, 0, true},
		{[]int{1 << 20, 1 << 20}, 1 << 40, true}, {[]int{1 << 20, 1<<20 + 1}, 0, false},
		{[]int{1 << 40, 1 << 40, 1 << 40}, 0, false},
	} {
		if got, ok := Product(c.dims...); got != c.want || ok != c.ok {
			t.Errorf("Product(%v) = %d, %v; want %d, %v", c.dims, got, ok, c.want, c.ok)
		}
	}
}
