package graph

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
)

// weightFile is what a model's weights are mapped from: a checkpoint.Mapped,
// or the shards of one checkpoint. Use runs f reading its memory and
// reports the files changing meanwhile (see checkpoint.Mapped.Use).
type weightFile interface {
	Use(f func() error) error
}

// shardName is the name the Hugging Face hub gives the files of a sharded
// checkpoint, model-00001-of-00002.safetensors.
var shardName = regexp.MustCompile(`-\d+-of-\d+\.safetensors$`)

// indexSuffix ends the name of a sharded checkpoint's index
// (model.safetensors.index.json).
const indexSuffix = ".safetensors.index.json"

// indexOf returns the index JSON of a sharded checkpoint when path is one,
// or a shard with model.safetensors.index.json beside it; "" otherwise.
func indexOf(path string) string {
	if filepath.Ext(path) == ".json" {
		return path
	}
	if shardName.MatchString(filepath.Base(path)) {
		index := filepath.Join(filepath.Dir(path), "model"+indexSuffix)
		if _, err := os.Stat(index); err == nil {
			return index
		}
	}
	return ""
}

// shards are the files of one checkpoint split by the hub's writer, read
// through its index JSON ({"weight_map": {tensor: file}}) as one source.
type shards struct {
	files  []*checkpoint.Mapped // in the order of their names
	byName map[string]*checkpoint.Mapped
}

// openShards maps every file the index names (relative to its folder) and
// checks that each holds the tensors the index gives it. The error names
// the index and the tensor or file.
func openShards(index string) (*shards, error) {
	b, err := os.ReadFile(index)
	if err != nil {
		return nil, errors.Wrap(err, "reading the checkpoint index")
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, errors.Wrapf(err, "%s: not a JSON checkpoint index", index)
	}
	if len(idx.WeightMap) == 0 {
		return nil, errors.Errorf("%s: no weight_map: expected {\"weight_map\": {tensor: file}}", index)
	}
	s := &shards{byName: map[string]*checkpoint.Mapped{}}
	opened := map[string]*checkpoint.Mapped{}
	names := make([]string, 0, len(idx.WeightMap))
	for name := range idx.WeightMap {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		file := idx.WeightMap[name]
		if filepath.Base(file) != file {
			s.Close()
			return nil, errors.Errorf("%s: weight_map[%q] = %q: expected a file beside the index", index, name, file)
		}
		m, ok := opened[file]
		if !ok {
			if m, err = checkpoint.Open(filepath.Join(filepath.Dir(index), file)); err != nil {
				s.Close()
				return nil, errors.Wrapf(err, "%s", index)
			}
			opened[file] = m
			s.files = append(s.files, m)
		}
		if _, ok := m.Shape(name); !ok {
			s.Close()
			return nil, errors.Errorf("%s: weight_map places %q in %s, which does not hold it", index, name, file)
		}
		s.byName[name] = m
	}
	sort.Slice(s.files, func(i, j int) bool { return s.files[i].Path < s.files[j].Path })
	return s, nil
}

// Names returns the tensors of every shard.
func (s *shards) Names() []string {
	out := make([]string, 0, len(s.byName))
	for n := range s.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Shape returns a tensor's shape.
func (s *shards) Shape(name string) ([]int, bool) {
	if m, ok := s.byName[name]; ok {
		return m.Shape(name)
	}
	return nil, false
}

// Metadata returns the first shard's metadata.
func (s *shards) Metadata() map[string]string { return s.files[0].Metadata() }

// Float32 converts a tensor into dst.
func (s *shards) Float32(name string, dst []float32) error {
	m, ok := s.byName[name]
	if !ok {
		return errors.Errorf("checkpoint: no tensor %q", name)
	}
	return m.Float32(name, dst)
}

// View returns an F32 tensor in place.
func (s *shards) View(name string) ([]float32, bool) {
	if m, ok := s.byName[name]; ok {
		return m.View(name)
	}
	return nil, false
}

// HalfView returns a BF16 or F16 tensor in place.
func (s *shards) HalfView(name string) (string, []uint16, bool) {
	if m, ok := s.byName[name]; ok {
		return m.HalfView(name)
	}
	return "", nil, false
}

// Release releases a converted tensor's pages.
func (s *shards) Release(name string) {
	if m, ok := s.byName[name]; ok {
		m.Release(name)
	}
}

// Use runs f under every shard's Use.
func (s *shards) Use(f func() error) error { return use(s.files, f) }

func use(files []*checkpoint.Mapped, f func() error) error {
	if len(files) == 0 {
		return f()
	}
	return files[0].Use(func() error { return use(files[1:], f) })
}

// Close unmaps every shard.
func (s *shards) Close() error {
	var first error
	for _, m := range s.files {
		if err := m.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
