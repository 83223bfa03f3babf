package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/probe"
)

// photoChunk is how many photos are decoded and held at a time: the images
// a command reads are streamed, so their number is not bounded by memory.
const photoChunk = 64

// imageFlags are the flags of the commands that read images.
type imageFlags struct {
	exif, skipBad bool
	transform     string
	size          sizeFlag
}

func (f *imageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.transform, "transform", transformAuto, "how photos are preprocessed: auto (ml-aim's for AIM v1, hub's for AIMv2), ml-aim (shorter side 256 bicubic, centre crop 224, ImageNet mean/std) or hub (the preprocessor_config.json beside the checkpoint, else shorter side to the model's size bicubic, centre crop, CLIP mean/std)")
	fs.Var(&f.size, "size", "resize every photo to exactly H,W pixels (S for S×S), bicubic, without a crop, then normalise as --transform does: for AIMv2's native model, any sides that are multiples of 14 up to 4,096 patches. Without it photos are resized and centre-cropped to the model's size, except that AIMv2's native model (with the hub's transform) takes every photo at its own aspect ratio: shorter side to 224 (the preprocessing's shortest_edge), longer side in proportion, both rounded to the nearest multiple of 14, at most 4,096 patches, one pass per grid; per-token output then needs every photo on one grid (else --pool mean)")
	fs.BoolVar(&f.exif, "exif", false, "apply the EXIF orientation of photos (ml-aim ignores it)")
	fs.BoolVar(&f.skipBad, "skip-bad", false, "go on past photos that cannot be read or decoded, and list them")
}

// imageInputs are the images a command reads, in the order given: .npy
// arrays of shape (N, C, H, W) or (N, H, W), used exactly as given, and
// photos (PNG and JPEG files, and folders of them searched recursively)
// through a transform (ml-aim's evaluation transform for AIM v1, the hub's
// for AIMv2; see photoTransform).
type imageInputs struct {
	paths    []string
	opts     photo.Options
	bad      []photo.Bad
	dangling []string // symbolic links in folders whose target cannot be read
	progress probe.Progress
	phase    string // the command, naming the progress bar
}

// showProgress makes each array and each run of photos a progress bar
// on w (plain lines every 10 s where w is not a terminal), named by the
// command.
func (in *imageInputs) showProgress(w io.Writer, command string) {
	in.progress, in.phase = probe.NewBar(w), command
}

// bar is the Progress of the inputs (Silent unless shown).
func (in *imageInputs) bar() probe.Progress {
	if in.progress == nil {
		return probe.Silent{}
	}
	return in.progress
}

func newImageInputs(paths []string, f imageFlags, t photo.Transform) (*imageInputs, error) {
	if len(paths) == 0 {
		return nil, usageError{errors.New("no images given: name .npy arrays, photos or folders of photos")}
	}
	t.EXIF = f.exif
	return &imageInputs{paths: paths, opts: photo.Options{Transform: t, SkipBad: f.skipBad}}, nil
}

func isNpy(path string) bool { return strings.EqualFold(filepath.Ext(path), ".npy") }

// imageChunk is a run of input images, in the order given, in groups of
// one size each: an array is one group; a run of photos through a
// transform that sizes every photo on its own (AIMv2's native model) is
// grouped by size.
type imageChunk struct {
	names  []string // every image's name (the photo's path, or "ARRAY.npy[i]"), in order
	groups []imageGroup
}

// imageGroup is the images of a chunk of one size.
type imageGroup struct {
	d     *data.Dataset
	index []int // the position in the chunk of each image of d
}

// inOrder reports whether the chunk is one group in order, whose results
// can go out batch by batch.
func (c *imageChunk) inOrder() bool { return len(c.groups) == 1 }

// each calls fn with the images chunk by chunk.
func (in *imageInputs) each(fn func(c *imageChunk) error) error {
	for i := 0; i < len(in.paths); {
		if isNpy(in.paths[i]) {
			if err := in.npy(in.paths[i], fn); err != nil {
				return err
			}
			i++
			continue
		}
		j := i
		for j < len(in.paths) && !isNpy(in.paths[j]) {
			j++
		}
		if err := in.photos(in.paths[i:j], fn); err != nil {
			return err
		}
		i = j
	}
	return nil
}

func (in *imageInputs) npy(path string, fn func(*imageChunk) error) error {
	d, err := data.ReadNpy(path)
	if err != nil {
		return err
	}
	names := make([]string, d.N)
	for i := range names {
		names[i] = fmt.Sprintf("%s[%d]", path, i)
	}
	in.bar().Start(in.phase+" "+filepath.Base(path), d.N)
	defer in.bar().Finish()
	index := make([]int, d.N)
	for i := range index {
		index[i] = i
	}
	if err := fn(&imageChunk{names: names, groups: []imageGroup{{d: d, index: index}}}); err != nil {
		return err
	}
	in.bar().Step(d.N, "")
	return nil
}

func (in *imageInputs) photos(paths []string, fn func(*imageChunk) error) error {
	files, dangling, err := photo.Find(paths...)
	if err != nil {
		return err
	}
	in.dangling = append(in.dangling, dangling...)
	in.bar().Start(in.phase+" photos", len(files))
	defer in.bar().Finish()
	for lo := 0; lo < len(files); lo += photoChunk {
		p, err := photo.ReadGroups(files[lo:min(lo+photoChunk, len(files))], in.opts)
		if err != nil {
			return err
		}
		in.bad = append(in.bad, p.Bad...)
		if len(p.Paths) == 0 {
			continue
		}
		c := &imageChunk{names: p.Paths}
		for _, g := range p.Groups {
			c.groups = append(c.groups, imageGroup{d: data.FromPhotos(g.Images), index: g.Index})
		}
		if err := fn(c); err != nil {
			return err
		}
		in.bar().Step(min(lo+photoChunk, len(files)), "")
	}
	return nil
}

// reportBad lists the symbolic links skipped because their target cannot
// be read, and the photos skipped under --skip-bad.
func (in *imageInputs) reportBad(w io.Writer) {
	for _, link := range in.dangling {
		fmt.Fprintf(w, "skipped: %s: a symbolic link to a file that cannot be read\n", link)
	}
	for _, b := range in.bad {
		fmt.Fprintf(w, "skipped: %v\n", b.Err)
	}
	if len(in.bad) > 0 {
		fmt.Fprintf(w, "%d photos skipped (--skip-bad)\n", len(in.bad))
	}
}

// inputFlags maps each input path to a name for checkOutputs ("image
// argument 1", ...).
func inputFlags(paths []string) map[string]string {
	m := map[string]string{}
	for i, p := range paths {
		m[fmt.Sprintf("image argument %d", i+1)] = p
	}
	return m
}
