package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"github.com/aim-go/aim/internal/atomicfile"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// metricsLog appends one JSON object per evaluation to metrics.jsonl.
type metricsLog struct {
	f    *os.File
	last Metrics
}

// openMetrics opens the run's metrics file. A new run starts it empty; a
// resumed run keeps the lines up to the checkpoint's step and drops later
// ones (written after the checkpoint, before the interruption), so the file
// reads as one uninterrupted run.
func openMetrics(dir string, resumeStep int) (*metricsLog, error) {
	path := filepath.Join(dir, MetricsFile)
	var kept [][]byte
	var last Metrics
	if resumeStep > 0 {
		var err error
		if kept, last, err = readMetricsUpTo(path, resumeStep); err != nil {
			return nil, err
		}
	}
	if err := atomicfile.WriteFile(path, bytes.Join(append(kept, nil), []byte("\n"))); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, errors.Wrapf(err, "opening %s", path)
	}
	return &metricsLog{f: f, last: last}, nil
}

func readMetricsUpTo(path string, step int) ([][]byte, Metrics, error) {
	var kept [][]byte
	var last Metrics
	raw, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, last, nil
		}
		return nil, last, errors.Wrapf(err, "reading %s", path)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for line := 1; sc.Scan(); line++ {
		var m Metrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, last, errors.Wrapf(err, "%s line %d", path, line)
		}
		if m.Step <= step {
			kept, last = append(kept, append([]byte(nil), sc.Bytes()...)), m
		}
	}
	return kept, last, errors.Wrapf(sc.Err(), "reading %s", path)
}

// Append writes one line.
func (l *metricsLog) Append(m Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return errors.Wrap(err, "encoding metrics")
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return errors.Wrapf(err, "writing %s", l.f.Name())
	}
	l.last = m
	return nil
}

// Close closes the file.
func (l *metricsLog) Close() error { return l.f.Close() }

// ReadMetrics reads a run's metrics.jsonl.
func ReadMetrics(dir string) ([]Metrics, error) {
	path := filepath.Join(dir, MetricsFile)
	lines, _, err := readMetricsUpTo(path, int(^uint(0)>>1))
	if err != nil {
		return nil, err
	}
	out := make([]Metrics, len(lines))
	for i, b := range lines {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			return nil, errors.Wrapf(err, "%s line %d", path, i+1)
		}
	}
	return out, nil
}
