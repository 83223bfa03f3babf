package photo

import (
	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/sizes"
)

// Groups is the result of ReadGroups: the photos read, grouped by the
// size the transform gave them.
type Groups struct {
	// Groups holds the photos of each size, in the order their sizes
	// first occur.
	Groups []Group
	// Paths[i] is the file of the i-th photo read, in the order of List;
	// Group.Index refers to it.
	Paths []string
	// Bad lists, in order, the files SkipBad skipped.
	Bad []Bad
}

// Group is the photos of one size.
type Group struct {
	// Images holds them, in the order of Paths.
	Images Batch
	// Index[j] is the position in Groups.Paths of image j of Images.
	Index []int
}

// ReadGroups is ReadAll for any transform, that which sizes every photo
// on its own (Transform.Patch, AIMv2's native model) included: the photos
// come in groups of one size each. A transform of one size gives one
// group of every photo, in order.
func ReadGroups(paths []string, opt Options) (*Groups, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	files, err := List(paths...)
	if err != nil {
		return nil, err
	}
	read := readAllSized(files, opt)
	out := &Groups{}
	bySize := map[[2]int]int{}
	for i, r := range read {
		if r.err != nil {
			if !opt.SkipBad {
				return nil, r.err
			}
			out.Bad = append(out.Bad, Bad{Path: files[i], Err: r.err})
			continue
		}
		size := [2]int{r.h, r.w}
		g, ok := bySize[size]
		if !ok {
			g = len(out.Groups)
			bySize[size] = g
			out.Groups = append(out.Groups, Group{Images: Batch{H: r.h, W: r.w}})
		}
		group := &out.Groups[g]
		group.Images.Values = append(group.Images.Values, r.image...)
		group.Images.N++
		group.Index = append(group.Index, len(out.Paths))
		out.Paths = append(out.Paths, files[i])
	}
	return out, nil
}

// sizedPhoto is one photo read through a transform, or why it could not
// be.
type sizedPhoto struct {
	image []float32
	h, w  int
	err   error
}

// readAllSized reads every file through opt's transform with opt.workers
// goroutines. Without opt.SkipBad it stops taking files after the first
// error; every file before that one in the list has then been read.
func readAllSized(files []string, opt Options) []sizedPhoto {
	out := make([]sizedPhoto, len(files))
	if len(files) == 0 {
		return out
	}
	eachFile(len(files), opt, func(i int) error {
		r := &out[i]
		r.image, r.h, r.w, r.err = readSized(files[i], opt)
		if _, ok := sizes.Product(3, r.h, r.w); r.err == nil && !ok {
			r.err = errors.Errorf("%s: %d×%d too large", files[i], r.w, r.h)
		}
		return r.err
	})
	// files not taken after a stop hold no image and no error: mark them
	for i := range out {
		if out[i].image == nil && out[i].err == nil {
			out[i].err = errStopped
		}
	}
	return out
}

// errStopped marks the files not read once an earlier one failed.
var errStopped = errors.New("photos: not read after an earlier error")
