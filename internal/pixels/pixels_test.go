package pixels

import "testing"

func TestScale(t *testing.T) {
	src := []byte{0, 1, 128, 255}
	dst := make([]float32, len(src))
	Scale(dst, src)
	for i, b := range src {
		if want := float32(b) / 255; dst[i] != want {
			t.Errorf("Scale(%d) = %v, want %v", b, dst[i], want)
		}
	}
	if Unit[255] != 1 || Unit[0] != 0 {
		t.Errorf("Unit[0], Unit[255] = %v, %v; want 0, 1", Unit[0], Unit[255])
	}
}
