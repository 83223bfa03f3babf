package graph

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/internal/offheap"
	"github.com/aim-go/aim/layers"
)

// ignoredPrefixes are tensor-name prefixes a checkpoint may hold besides the
// model: optimiser state and ml-aim's downstream probe head.
var ignoredPrefixes = []string{schema.OptimizerPrefix, schema.HeadPrefix}

// Tensors returns the weights as float32 checkpoint tensors under their
// ml-aim names and shapes, and the metadata that describes the model.
//
// The weights of a bf16 inference model that were given back once packed
// (transformers' q, k and v, see InPrecision) are first made anew from the
// file, which the open model keeps.
func (m *Model) Tensors() (map[string]checkpoint.Tensor, map[string]string) {
	if m.evicted != nil {
		if err := m.evicted.restore(); err != nil {
			// Only a closed model, which must not be used, has lost
			// its file; reading its weights would fault anyway.
			panic(errors.Wrap(err, "graph: Model.Tensors of a closed model"))
		}
	}
	ts := make(map[string]checkpoint.Tensor, m.Params.Len())
	for _, name := range m.Params.Names() {
		t := m.Params.Get(name)
		data := append([]float32(nil), m.Params.Float32s(name)...)
		ts[name] = checkpoint.Tensor{Shape: append([]int(nil), t.Shape()...), Data: data}
	}
	meta := map[string]string{schema.NumHeads: strconv.Itoa(m.Config.Heads)}
	_ = schema.SetJSON(meta, schema.ModelConfig, m.Config) // a Config always encodes
	return ts, meta
}

// FromCheckpoint builds a model from checkpoint tensors. The architecture is
// inferred from the tensor shapes; the head count is the num_heads metadata
// (width/128 when absent); the image size comes from the aim_config metadata
// when present and is 16 patches square otherwise. A missing tensor, a
// tensor of the wrong shape or an unknown tensor name is an error naming it;
// so is a tensor holding NaN or infinite values (a *checkpoint.NonFiniteError
// naming every such tensor), unless opts include AllowNonFinite.
//
// The weights of a float32 model read from a checkpoint.Mapped stay outside
// the Go heap: F32 tensors are used in place, the others converted into
// memory of their own; Close releases it. Otherwise they are copied to the
// heap.
//
// A model built from a checkpoint.Mapped reads the file's memory whenever
// it runs: Program.Run reports the file changing meanwhile as a
// *checkpoint.ChangedError (see checkpoint.Mapped.Use).
func FromCheckpoint(src checkpoint.Source, dtype tensor.Dtype, opts ...LoadOption) (*Model, error) {
	mapped, ok := src.(weightFile)
	if !ok {
		return fromCheckpoint(src, dtype, opts)
	}
	var m *Model
	err := mapped.Use(func() (err error) {
		m, err = fromCheckpoint(src, dtype, opts)
		return err
	})
	if err != nil {
		if m != nil {
			m.Close()
		}
		return nil, err
	}
	m.file = mapped
	return m, nil
}

func fromCheckpoint(src checkpoint.Source, dtype tensor.Dtype, opts []LoadOption) (*Model, error) {
	var s loadSettings
	for _, opt := range opts {
		opt(&s)
	}
	if _, hub := src.Shape(hubPatchEmbed); hub {
		view, err := newHubView(src)
		if err != nil {
			return nil, err
		}
		src = view
	}
	cfg, err := inferConfig(src, s.hubConfig)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, errors.Wrap(err, "checkpoint")
	}
	l := &loader{src: src, dtype: dtype, copies: map[string]*loadCopy{}, evicted: &evictedCopies{}}
	if view, ok := src.(*hubView); ok {
		l.releases = append(l.releases, view.release)
	}
	m := &Model{Config: cfg, Params: layers.NewParams(dtype), evicted: l.evicted}
	if s.keepHalf && s.precision == blas.PrecisionBF16 && dtype == tensor.Float32 {
		if err := blas.CheckPrecision(s.precision); err != nil {
			return nil, err
		}
		l.packInto = m.Params
	}
	b := layers.NewLoadingBuilder(m.Params, l.load)
	if s.keepHalf && dtype == tensor.Float32 {
		b.LoadHalf(l.loadHalf)
	}
	newNetwork(b, cfg, nil, cfg.HeadWidth > 0)
	m.release = l.release
	if err := b.Err(); err != nil {
		m.Close()
		var te *tensorError
		if errors.As(err, &te) {
			err = te.err
		}
		return nil, errors.Wrap(err, "checkpoint")
	}
	if err := checkAllUsed(src, m, cfg); err != nil {
		m.Close()
		return nil, err
	}
	if !s.allowNonFinite {
		if err := l.checkFinite(); err != nil {
			m.Close()
			return nil, err
		}
	}
	if err := m.Params.SetPrecision(s.precision); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// checkAllUsed reports a tensor of the checkpoint the model does not have.
func checkAllUsed(src checkpoint.Source, m *Model, cfg Config) error {
	for _, name := range src.Names() {
		if !ignored(name) && m.Params.Get(name) == nil {
			return errors.Errorf("checkpoint: unknown tensor %q for a model of width %d, depth %d, head width %d and head depth %d", fileName(src, name), cfg.Width, cfg.Depth, cfg.HeadWidth, cfg.HeadDepth)
		}
	}
	return nil
}

// loader places the tensors of a checkpoint as model parameters and keeps
// what must be released with the model, and the non-finite tensors it saw.
type loader struct {
	src      checkpoint.Source
	dtype    tensor.Dtype
	releases []func()
	bad      []checkpoint.NonFiniteTensor
	// packInto, when set, receives each linear layer's weights as they
	// load, for bf16 inference from a mapped file (see packLinear).
	packInto *layers.Params
	copies   map[string]*loadCopy // tensors converted or fused into memory of their own
	evicted  *evictedCopies       // those of them given back once packed
}

// load is the layers.Loader of the model: the named tensor, of the given
// shape, as a parameter. Its errors name the tensor as the file does.
func (l *loader) load(name string, shape []int) (*tensor.Dense, error) {
	t, err := l.loadTensor(name, shape)
	if err != nil {
		return nil, &tensorError{err}
	}
	return t, nil
}

func (l *loader) loadTensor(name string, shape []int) (*tensor.Dense, error) {
	have, ok := l.src.Shape(name)
	if !ok {
		return nil, errors.Errorf("no tensor %q in the checkpoint", l.fileName(name))
	}
	if !tensor.Shape(have).Eq(tensor.Shape(shape)) {
		return nil, errors.Errorf("%s in the checkpoint, the model expects %s", hasShape(l.src, name), l.fileLayout(name, shape))
	}
	n := tensor.Shape(shape).TotalSize()
	if l.dtype == tensor.Float64 {
		vals := make([]float32, n)
		if err := l.src.Float32(name, vals); err != nil {
			return nil, err
		}
		l.count(name, vals)
		out := make([]float64, n)
		for i, v := range vals {
			out[i] = float64(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(out)), nil
	}
	vals, err := l.float32s(name, n)
	if err != nil {
		return nil, err
	}
	l.count(name, vals)
	if err := l.packLinear(name, shape, vals, 0, nil); err != nil {
		return nil, err
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals)), nil
}

// fileLayout describes the shape the model expects of a tensor as its
// file would hold it: each part's share of the rows for a tensor split in
// the file (q, k and v); transformers' position table without its leading 1.
func (l *loader) fileLayout(name string, shape []int) string {
	if _, hub := l.src.(*hubView); !hub {
		return fmt.Sprint(shape)
	}
	if parts := len(fileParts(l.src, name)); parts > 1 && len(shape) == 2 {
		return fmt.Sprintf("%v each", []int{shape[0] / parts, shape[1]})
	}
	if name == "preprocessor.pos_embed" && len(shape) == 3 {
		return fmt.Sprint(shape[1:])
	}
	return fmt.Sprint(shape)
}

// packLinear makes the bf16 copy of a linear layer's weights as they load,
// for a bf16 inference model from a mapped file (one file or shards, under
// either naming), and releases their pages of the file: the model then
// holds them once, as bf16, and loading never has the whole file resident.
// They come back from the file if read again. Weights the loader copied
// rather than use in place (q, k and v fused) are packed from the copy,
// which is then given back too, and made anew from the file should a graph
// read them (evictedCopies).
func (l *loader) packLinear(name string, shape []int, w32 []float32, h blas.Half, bits []uint16) error {
	mapped, isMapped := l.src.(mappedSource)
	if l.packInto == nil || !isMapped || !l.packInto.IsLinear(name) || len(shape) != 2 {
		return nil
	}
	pw := l.packInto.Packed(name)
	copied := l.copies[name]
	pw.OnPacked = func() {
		mapped.Release(name)
		if copied != nil {
			l.evicted.evict(copied)
		}
	}
	return errors.Wrapf(pw.Pack(w32, h, bits, shape[0], shape[1]), "%s: packing its bf16 copy", l.fileName(name))
}

// fileName returns the name a tensor has in the file: transformers' for
// a file that uses them.
func (l *loader) fileName(name string) string { return fileName(l.src, name) }

// halfFormats are the formats of the 16-bit dtypes of a checkpoint.
var halfFormats = map[string]blas.Half{"BF16": blas.BF16, "F16": blas.F16}

// loadHalf is the layers.HalfLoader of the model: a BF16 or F16 tensor of a
// mapped file in place, with address space standing in for its float32
// values; ok is false for other tensors, and where no address space can be
// reserved.
func (l *loader) loadHalf(name string, shape []int) (blas.Half, []uint16, *tensor.Dense, bool, error) {
	mapped, isMapped := l.src.(mappedSource)
	if !isMapped {
		return 0, nil, nil, false, nil
	}
	if have, ok := mapped.Shape(name); !ok || !tensor.Shape(have).Eq(tensor.Shape(shape)) {
		return 0, nil, nil, false, nil // load reports it
	}
	dtype, bits, ok := mapped.HalfView(name)
	if !ok {
		return 0, nil, nil, false, nil
	}
	standIn, release, err := offheap.Reserved(len(bits))
	if err != nil {
		return 0, nil, nil, false, nil
	}
	l.releases = append(l.releases, release)
	l.countHalf(mapped, name, dtype, bits)
	if err := l.packLinear(name, shape, nil, halfFormats[dtype], bits); err != nil {
		return 0, nil, nil, false, &tensorError{err}
	}
	return halfFormats[dtype], bits, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(standIn)), true, nil
}

// countHalf records the non-finite values of a 16-bit tensor, under the
// file's names of its parts. A copy the view made (q, k and v fused) was
// counted as it was made; the file's pages of its parts are then released,
// the copy serving in their place.
func (l *loader) countHalf(mapped mappedSource, name, dtype string, bits []uint16) {
	if view, hub := mapped.(*hubView); hub && view.halfCopy(name) != nil {
		c := view.halfCopy(name)
		l.copies[name] = c
		for _, t := range c.nonFinite {
			if t.NaN+t.Inf > 0 {
				l.bad = append(l.bad, t)
			}
		}
		mapped.Release(name)
		return
	}
	if t := checkpoint.CountNonFiniteHalf(l.fileName(name), dtype, bits); t.NaN+t.Inf > 0 {
		l.bad = append(l.bad, t)
	}
}

// float32s returns the tensor's n values: in place in a mapped file when it
// is F32, else converted into memory outside the Go heap (a mapped file,
// whose pages are then released) or on the heap (a file in memory).
func (l *loader) float32s(name string, n int) ([]float32, error) {
	mapped, isMapped := l.src.(mappedSource)
	if !isMapped {
		vals := make([]float32, n)
		return vals, l.src.Float32(name, vals)
	}
	if v, ok := mapped.View(name); ok {
		return v, nil
	}
	vals, release, err := offheap.Float32s(n)
	if err != nil {
		return nil, err
	}
	l.releases = append(l.releases, release)
	if err := mapped.Float32(name, vals); err != nil {
		return nil, err
	}
	mapped.Release(name)
	l.copies[name] = &loadCopy{buf: vals, fill: func() error { return mapped.Float32(name, vals) }}
	return vals, nil
}

// count records a tensor holding NaN or infinite values, under the
// file's names of its parts.
func (l *loader) count(name string, vals []float32) {
	parts := fileParts(l.src, name)
	n := len(vals) / len(parts)
	for i, part := range parts {
		if t := checkpoint.CountNonFinite(part, vals[i*n:(i+1)*n]); t.NaN+t.Inf > 0 {
			l.bad = append(l.bad, t)
		}
	}
}

// checkFinite also scans the checkpoint's tensors that are not model
// parameters (optimiser state, a probe head), and reports every tensor
// holding NaN or infinite values.
func (l *loader) checkFinite() error {
	seen := map[string]bool{}
	for _, t := range l.bad {
		seen[t.Name] = true
	}
	var buf []float32
	for _, name := range l.src.Names() {
		if !ignored(name) {
			continue
		}
		shape, _ := l.src.Shape(name)
		buf = growFloat32s(buf, tensor.Shape(shape).TotalSize())
		if err := l.src.Float32(name, buf); err != nil {
			return err
		}
		l.count(name, buf)
	}
	if len(l.bad) == 0 {
		return nil
	}
	sort.Slice(l.bad, func(i, j int) bool { return l.bad[i].Name < l.bad[j].Name })
	return &checkpoint.NonFiniteError{Tensors: l.bad}
}

func growFloat32s(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// release frees the memory of converted tensors.
func (l *loader) release() {
	for _, f := range l.releases {
		f()
	}
	l.releases = nil
}

func ignored(name string) bool {
	for _, p := range ignoredPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// inferConfig reads the architecture off the tensor shapes: AIM v1 or
// AIMv2 (isV2). hc, the
// hub's config.json beside the file, is checked against it and gives the
// head count where the file's metadata does not.
func inferConfig(f checkpoint.Source, hc *hubConfig) (Config, error) {
	var cfg Config
	projShape, ok := f.Shape("preprocessor.patchifier.proj.weight")
	proj := struct{ Shape []int }{projShape}
	if !ok {
		return cfg, errors.New("checkpoint: no tensor \"preprocessor.patchifier.proj.weight\" (nor transformers' \"embeddings.patch_embed.weight\"): not an AIM trunk")
	}
	if len(proj.Shape) != 4 || proj.Shape[2] != proj.Shape[3] {
		return cfg, errors.Errorf("checkpoint: %s, want (width, channels, patch, patch)", hasShape(f, "preprocessor.patchifier.proj.weight"))
	}
	cfg.Width, cfg.Channels, cfg.Patch = proj.Shape[0], proj.Shape[1], proj.Shape[2]
	cfg.Depth = countBlocks(f, "trunk.blocks.%d.norm_1.weight")
	if cfg.Depth == 0 {
		return cfg, errors.Errorf("checkpoint: no trunk blocks (no tensor %q)", fileName(f, "trunk.blocks.0.norm_1.weight"))
	}
	var err error
	if isV2(f) {
		err = inferV2(f, &cfg)
	} else {
		err = inferV1(f, &cfg)
	}
	if err != nil {
		return cfg, err
	}
	if hc != nil {
		if err := hc.check(&cfg, func(name string) string { return fileName(f, name) }); err != nil {
			return cfg, err
		}
	}
	if cfg.Heads, err = schema.HeadCount(f.Metadata(), cfg.Width, cfg.Heads); err != nil {
		return cfg, errors.Wrap(err, "checkpoint")
	}
	return cfg, nil
}

// isV2 tells AIMv2's tensors from AIM v1's: SwiGLU's third matrix, or
// norms without biases (none of the first block's, the patch embedding's
// and the post-trunk norm's), so that a file missing one tensor is still
// told apart and the error names that tensor.
func isV2(f checkpoint.Source) bool {
	if _, fc3 := f.Shape("trunk.blocks.0.mlp.fc3.weight"); fc3 {
		return true
	}
	for _, bias := range []string{"trunk.blocks.0.norm_1.bias", "preprocessor.patchifier.norm.bias", "trunk.post_trunk_norm.bias"} {
		if _, ok := f.Shape(bias); ok {
			return false
		}
	}
	return true
}

// inferV1 reads AIM v1's MLP ratio, prediction head and image size.
func inferV1(f checkpoint.Source, cfg *Config) error {
	var err error
	if cfg.MLPRatio, err = ratio(f, "trunk.blocks.0.mlp.fc1.weight", cfg.Width); err != nil {
		return err
	}
	if err := inferHead(f, cfg); err != nil {
		return err
	}
	return recordedImage(f, cfg)
}

// recordedImage sets the image size: the aim_config metadata's, else 16
// patches square.
func recordedImage(f checkpoint.Source, cfg *Config) error {
	side := 16 * cfg.Patch
	cfg.ImageHeight, cfg.ImageWidth = side, side
	js, ok := f.Metadata()[schema.ModelConfig]
	if !ok {
		return nil
	}
	var saved Config
	if err := json.Unmarshal([]byte(js), &saved); err != nil {
		return errors.Wrapf(err, "checkpoint: metadata %s is not a JSON model config", schema.ModelConfig)
	}
	cfg.ImageHeight, cfg.ImageWidth = saved.ImageHeight, saved.ImageWidth
	return errors.Wrapf(cfg.checkImage(), "checkpoint: metadata %s", schema.ModelConfig)
}

// inferV2 reads AIMv2's SwiGLU width and position embedding: a learned
// table (1, K, D) fixes the image size (a square grid, or the size the
// aim_config metadata records); without one the model is the native one,
// with the sin-cos table of any grid.
func inferV2(f checkpoint.Source, cfg *Config) error {
	cfg.Norm, cfg.MLP, cfg.PosEmbed = layers.NormRMS, layers.MLPSwiGLU, PosSinCos
	const fc1 = "trunk.blocks.0.mlp.fc1.weight"
	shape, ok := f.Shape(fc1)
	if !ok {
		return errors.Errorf("checkpoint: no tensor %q", fileName(f, fc1))
	}
	if len(shape) != 2 || shape[1] != cfg.Width || shape[0] < 1 {
		return errors.Errorf("checkpoint: %s, want (hidden, %d)", hasShape(f, fc1), cfg.Width)
	}
	cfg.MLPHidden = shape[0]
	const pos = "preprocessor.pos_embed"
	table, ok := f.Shape(pos)
	if !ok {
		return recordedImage(f, cfg)
	}
	cfg.PosEmbed = PosLearned
	layout := "(1, K, %d)"
	if _, hub := f.(*hubView); hub {
		layout = "(K, %d)" // transformers' table
	}
	if len(table) != 3 || table[0] != 1 || table[2] != cfg.Width {
		return errors.Errorf("checkpoint: %s, want "+layout, hasShape(f, pos), cfg.Width)
	}
	if _, recorded := f.Metadata()[schema.ModelConfig]; recorded {
		if err := recordedImage(f, cfg); err != nil {
			return err
		}
		if k := cfg.Grid().Len(); k != table[1] {
			return errors.Errorf("checkpoint: %s holds %d positions, the image size of metadata %s %d patches", fileName(f, pos), table[1], schema.ModelConfig, k)
		}
		return nil
	}
	side := squareSide(table[1])
	if side == 0 {
		return errors.Errorf("checkpoint: %s, want "+layout+" with K a square number of patches", hasShape(f, pos), cfg.Width)
	}
	cfg.ImageHeight, cfg.ImageWidth = side*cfg.Patch, side*cfg.Patch
	return errors.Wrapf(cfg.checkImage(), "checkpoint: %s", fileName(f, pos))
}

// squareSide returns s for k = s², and 0 when k is not a positive square.
func squareSide(k int) int {
	for s := 1; s*s <= k; s++ {
		if s*s == k {
			return s
		}
	}
	return 0
}

func countBlocks(f checkpoint.Source, pattern string) int {
	n := 0
	for {
		if _, ok := f.Shape(fmt.Sprintf(pattern, n)); !ok {
			return n
		}
		n++
	}
}

// ratio reads an MLP's hidden width from fc1 (hidden, width).
func ratio(f checkpoint.Source, name string, width int) (int, error) {
	shape, ok := f.Shape(name)
	t := struct{ Shape []int }{shape}
	if !ok {
		return 0, errors.Errorf("checkpoint: no tensor %q", name)
	}
	if len(t.Shape) != 2 || t.Shape[1] != width || t.Shape[0]%width != 0 {
		return 0, errors.Errorf("checkpoint: %s has shape %v, want (k·%d, %d)", name, t.Shape, width, width)
	}
	return t.Shape[0] / width, nil
}

// inferHead reads the prediction head's width and depth; a checkpoint
// without decoder.* tensors is a trunk (HeadWidth 0).
func inferHead(f checkpoint.Source, cfg *Config) error {
	shape, ok := f.Shape("decoder.proj.weight")
	proj := struct{ Shape []int }{shape}
	if !ok {
		return nil
	}
	if len(proj.Shape) != 2 || proj.Shape[1] != cfg.Width {
		return errors.Errorf("checkpoint: decoder.proj.weight has shape %v, want (head width, %d)", proj.Shape, cfg.Width)
	}
	cfg.HeadWidth = proj.Shape[0]
	cfg.HeadDepth = countBlocks(f, "decoder.blocks.%d.norm.weight")
	if cfg.HeadDepth > 0 {
		r, err := ratio(f, "decoder.blocks.0.mlp.fc1.weight", cfg.HeadWidth)
		if err != nil {
			return err
		}
		if r != cfg.MLPRatio {
			return errors.Errorf("checkpoint: the head's MLP ratio %d differs from the trunk's %d", r, cfg.MLPRatio)
		}
	}
	return nil
}

// LoadOption changes how LoadCheckpoint treats a checkpoint.
type LoadOption func(*loadSettings)

type loadSettings struct {
	allowNonFinite, keepHalf bool
	precision                blas.Precision
	hubConfig                *hubConfig // the config.json beside the file; nil for none
}

// InPrecision makes the loaded model's matrix products compute in
// precision p (layers.Params.SetPrecision): in bf16 its linear layers
// multiply bf16 copies of their weights, made once, whatever the file
// holds (BF16 weights are used as they are). With KeepHalf, from a mapped
// file (one, or shards; ml-aim's names or transformers'), each linear
// weight is packed as it loads and its pages of the file released; the q,
// k and v of transformers' names, fused into a copy, are packed from it
// and the copy given back, to be made anew from the file before a graph
// that reads them (not in bf16, or with gradients) is compiled.
func InPrecision(p blas.Precision) LoadOption {
	return func(s *loadSettings) { s.precision = p }
}

// KeepHalf makes the linear layers of a float32 model use the BF16 and F16
// weights of a mapped checkpoint in place, as 16-bit values
// (ops.LinearHalf), instead of converting them to float32: the model loads
// without writing its weights anew and takes half their float32 memory.
// Its results are the converted model's, bit for bit; it is for inference
// only (a graph with gradients through those weights fails to compile, and
// Params.Float32s gives copies of them). Other tensors load as without it.
func KeepHalf() LoadOption {
	return func(s *loadSettings) { s.keepHalf = true }
}

// AllowNonFinite makes LoadCheckpoint accept tensors holding NaN or
// infinite values, to inspect a diverged run.
func AllowNonFinite() LoadOption {
	return func(s *loadSettings) { s.allowNonFinite = true }
}

// LoadCheckpoint opens a safetensors checkpoint (checkpoint.Open: mapped,
// not copied) and builds its model with FromCheckpoint; the open file is
// returned for its metadata and the tensors that are not model weights.
// Model.Close releases both.
//
// An AIMv2 config.json of the Hugging Face hub beside the file (model_type
// aimv2…) is checked against the tensors, and gives the head count, the
// norm epsilon and the native model's default image size.
//
// A checkpoint sharded as the hub writes large ones is loaded from its
// index (model.safetensors.index.json) or from any of its shards
// (model-00001-of-00002.safetensors) with the index beside it; the first
// shard is then the file returned.
func LoadCheckpoint(path string, dtype tensor.Dtype, opts ...LoadOption) (*Model, *checkpoint.Mapped, error) {
	hc, err := readHubConfig(path)
	if err != nil {
		return nil, nil, err
	}
	opts = append(opts, func(s *loadSettings) { s.hubConfig = hc })
	if index := indexOf(path); index != "" {
		return loadShards(index, dtype, opts)
	}
	f, err := checkpoint.Open(path)
	if err != nil {
		return nil, nil, err
	}
	m, err := FromCheckpoint(f, dtype, opts...)
	var changed *checkpoint.ChangedError
	switch {
	case errors.As(err, &changed):
		f.Close()
		return nil, nil, err // it names the file
	case err != nil:
		f.Close()
		return nil, nil, errors.Wrap(err, path)
	}
	release := m.release
	m.release = func() {
		release()
		f.Close()
	}
	return m, f, nil
}

// loadShards is LoadCheckpoint for a sharded checkpoint.
func loadShards(index string, dtype tensor.Dtype, opts []LoadOption) (*Model, *checkpoint.Mapped, error) {
	s, err := openShards(index)
	if err != nil {
		return nil, nil, err
	}
	m, err := FromCheckpoint(s, dtype, opts...)
	var changed *checkpoint.ChangedError
	switch {
	case errors.As(err, &changed):
		s.Close()
		return nil, nil, err
	case err != nil:
		s.Close()
		return nil, nil, errors.Wrap(err, index)
	}
	release := m.release
	m.release = func() {
		release()
		s.Close()
	}
	return m, s.files[0], nil
}

// RecordedObjective returns the objective (patch order, target kind) of the
// pre-training run that wrote a checkpoint, from its schema.TrainOptions
// metadata; ok is false for a checkpoint without it (one from elsewhere:
// the paper's objective applies).
func RecordedObjective(meta map[string]string) (obj Objective, ok bool, err error) {
	var run struct {
		Objective Objective `json:"objective"`
	}
	if ok, err = schema.JSON(meta, schema.TrainOptions, &run); !ok || err != nil {
		return Objective{}, false, err
	}
	return run.Objective, true, nil
}
