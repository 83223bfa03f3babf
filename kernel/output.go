package kernel

import (
	"bytes"
	"os"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// flushMarker is written into an output pipe to learn when everything
// written before it has been forwarded; no program prints it.
var flushMarker = []byte("\x00\x1b[aim-kernel flush]\x00")

// stream forwards what the process writes to stdout or stderr, as it is
// written, to the front end.
type stream struct {
	name string
	r, w *os.File

	mu   sync.Mutex
	send func(name, text string)

	flushMu sync.Mutex
	flushed chan struct{}
	done    chan struct{}
}

func newStream(name string) (*stream, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, errors.Wrapf(err, "creating the %s pipe", name)
	}
	s := &stream{name: name, r: r, w: w, flushed: make(chan struct{}, 1), done: make(chan struct{})}
	go s.loop()
	return s, nil
}

// setSink sets where the text goes; nil drops it.
func (s *stream) setSink(send func(name, text string)) {
	s.mu.Lock()
	s.send = send
	s.mu.Unlock()
}

// loop reads the pipe until it is closed.
func (s *stream) loop() {
	defer close(s.done)
	buf := make([]byte, 32<<10)
	var pending []byte
	for {
		n, err := s.r.Read(buf)
		pending = s.drain(append(pending, buf[:n]...))
		if err != nil {
			s.emit(pending)
			return
		}
	}
}

// drain forwards pending up to what could still be the start of a flush
// marker or of a UTF-8 sequence, signalling each marker, and returns the
// rest.
func (s *stream) drain(pending []byte) []byte {
	for {
		i := bytes.Index(pending, flushMarker)
		if i < 0 {
			break
		}
		s.emit(pending[:i])
		pending = pending[i+len(flushMarker):]
		select {
		case s.flushed <- struct{}{}:
		default:
		}
	}
	keep := markerPrefix(pending)
	head := pending[:len(pending)-keep]
	cut := completeUTF8(head)
	s.emit(head[:cut])
	return append([]byte{}, pending[cut:]...)
}

// markerPrefix is the length of the longest suffix of b that begins the
// flush marker.
func markerPrefix(b []byte) int {
	for n := min(len(b), len(flushMarker)-1); n > 0; n-- {
		if bytes.HasPrefix(flushMarker, b[len(b)-n:]) {
			return n
		}
	}
	return 0
}

// completeUTF8 is the length of b without a UTF-8 sequence cut short at
// its end.
func completeUTF8(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// emit sends text.
func (s *stream) emit(b []byte) {
	if len(b) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.send != nil {
		s.send(s.name, string(b))
	}
}

// flush returns once everything written to the stream before the call has
// been forwarded (or after a second, should the pipe be stuck).
func (s *stream) flush() {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	select { // forget a signal left by an earlier timed-out flush
	case <-s.flushed:
	default:
	}
	if _, err := s.w.Write(flushMarker); err != nil {
		return
	}
	select {
	case <-s.flushed:
	case <-time.After(time.Second):
	}
}

// outputs are the kernel's stdout and stderr streams.
type outputs struct {
	stdout, stderr *stream
	restore        func()
}

// captureOutputs makes the two streams. With redirect, the process's own
// stdout and stderr (file descriptors 1 and 2 on Unix) are sent into them,
// so compiled code's output is seen too; log is where the kernel then logs
// (the original stderr). Without, only the interpreter writes to them.
func captureOutputs(redirect bool) (*outputs, *os.File, error) {
	o := &outputs{restore: func() {}}
	var err error
	if o.stdout, err = newStream("stdout"); err != nil {
		return nil, nil, err
	}
	if o.stderr, err = newStream("stderr"); err != nil {
		return nil, nil, err
	}
	log := os.Stderr
	if redirect {
		if log, o.restore, err = redirectStdio(o.stdout.w, o.stderr.w); err != nil {
			return nil, nil, err
		}
	}
	return o, log, nil
}

// setSink sends both streams to send.
func (o *outputs) setSink(send func(name, text string)) {
	o.stdout.setSink(send)
	o.stderr.setSink(send)
}

// flush forwards everything written so far.
func (o *outputs) flush() {
	o.stdout.flush()
	o.stderr.flush()
}
