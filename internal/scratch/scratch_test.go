package scratch

import "testing"

func TestListReuses(t *testing.T) {
	var l List[float32]
	a := l.Get(100)
	b := l.Get(100)
	if &a[0] == &b[0] {
		t.Fatal("two buffers in use at once share memory")
	}
	l.Put(a)
	if c := l.Get(80); &c[0] != &a[0] || len(c) != 80 {
		t.Errorf("Get(80) after Put: new memory or length %d, want a's memory and 80", len(c))
	}
	l.Put(b)
	if d := l.Get(200); &d[0] == &b[0] || len(d) != 200 {
		t.Errorf("Get(200) reused a buffer of capacity %d", cap(b))
	}
}

func TestNilListAllocates(t *testing.T) {
	var l *List[int]
	a := l.Get(3)
	l.Put(a)
	if b := l.Get(3); len(b) != 3 || &b[0] == &a[0] {
		t.Error("a nil List reused a buffer")
	}
}
