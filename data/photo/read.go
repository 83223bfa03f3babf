package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/regular"
	"github.com/aim-go/aim/internal/sizes"
)

// PillowMaxImagePixels is Pillow's Image.MAX_IMAGE_PIXELS
// (1024·1024·1024/4/3): Pillow warns about images with more pixels and
// refuses, as decompression bombs, those with more than twice as many.
const PillowMaxImagePixels = 89478485

// DefaultMaxPixels is the largest image, in pixels, the photo readers
// decode unless told otherwise: twice PillowMaxImagePixels, where Pillow
// raises DecompressionBombError.
const DefaultMaxPixels = 2 * PillowMaxImagePixels

// Exts are the file name extensions (compared in lower case) of the
// files List takes from folders.
var Exts = []string{".png", ".jpg", ".jpeg"}

// Options controls the photo readers.
type Options struct {
	// Transform is the preprocessing; the zero value means
	// EvalTransform(). Its EXIF field decides whether the EXIF
	// Orientation tag is applied: for ml-aim's transform with it, set
	// EXIF on a copy of EvalTransform().
	Transform Transform
	// SkipBad makes ReadAll, ReadFiles and ReadGroups go on past files
	// that cannot be read or decoded and list them in Bad; without it the
	// first such file (in the order of List) is an error naming it.
	SkipBad bool
	// MaxPixels is the largest width·height a file's header may claim
	// before decoding is refused; 0 means DefaultMaxPixels.
	MaxPixels int
	// Workers is the number of files decoded at once; 0 means
	// min(GOMAXPROCS, 8). Each holds one decoded image in memory.
	Workers int
}

// Validate reports whether the readers can run with o: its transform
// (EvalTransform() when zero) must be valid.
func (o Options) Validate() error {
	return o.transform().Validate()
}

// transform returns the Transform to use.
func (o Options) transform() Transform {
	if o.Transform == (Transform{}) {
		return EvalTransform()
	}
	return o.Transform
}

// maxPixels returns the pixel limit to use.
func (o Options) maxPixels() int {
	if o.MaxPixels > 0 {
		return o.MaxPixels
	}
	return DefaultMaxPixels
}

// workers returns the number of decoding goroutines for n files.
func (o Options) workers(n int) int {
	w := o.Workers
	if w < 1 {
		w = min(runtime.GOMAXPROCS(0), 8)
	}
	return max(1, min(w, n))
}

// Batch is a block of images of one size: N images of 3×H×W float32
// values each, channel-planar (the R plane, then G, then B), one after
// the other in Values.
type Batch struct {
	N, H, W int
	Values  []float32 // len N·3·H·W
}

// Image returns a view of image i: its 3·H·W values. Writing to the view
// changes the batch. Image panics if i is not in [0, N).
func (b Batch) Image(i int) []float32 {
	if i < 0 || i >= b.N {
		panic(errors.Errorf("photo: image index %d out of range [0, %d)", i, b.N))
	}
	n := 3 * b.H * b.W
	return b.Values[i*n : (i+1)*n : (i+1)*n]
}

// Set is the result of ReadAll and ReadFiles.
type Set struct {
	// Images holds the transformed images, 3×Crop×Crop each (or
	// 3×Height×Width), in the order of Paths.
	Images Batch
	// Paths[i] is the file image i was read from.
	Paths []string
	// Bad lists, in order, the files SkipBad skipped.
	Bad []Bad
}

// Bad is a file a reader skipped and why.
type Bad struct {
	Path string
	Err  error // names the file
}

// ReadAll reads the PNG and JPEG files that List finds in paths, in that
// order, as ReadFiles does. A path that does not exist, or a folder
// without photos, is always an error.
//
// A transform that sizes every photo on its own (Transform.Patch) needs
// ReadGroups.
func ReadAll(paths []string, opt Options) (*Set, error) {
	if err := opt.checkOneSize(); err != nil {
		return nil, err
	}
	files, err := List(paths...)
	if err != nil {
		return nil, err
	}
	return ReadFiles(files, opt)
}

// ReadFiles reads each of files, in order, through opt's transform
// (ml-aim's evaluation preprocessing by default, see ReadFile); every
// path is taken as a file, none is listed. Files are decoded in parallel;
// the result does not depend on it. A file that cannot be read or decoded
// is an error naming it unless opt.SkipBad is set, in which case it is
// listed in Bad and left out (Images.N may then be 0).
//
// A transform that sizes every photo on its own (Transform.Patch) needs
// ReadGroups.
func ReadFiles(files []string, opt Options) (*Set, error) {
	if err := opt.checkOneSize(); err != nil {
		return nil, err
	}
	t := opt.transform()
	size := t.Len()
	if _, ok := sizes.Product(len(files), size); !ok {
		return nil, errors.Errorf("photos: %d files of %d values are too many", len(files), size)
	}
	images := make([]float32, len(files)*size)
	errs := readInto(files, images, opt)
	h, w := t.OutSize()
	return collect(files, images, errs, h, w, opt.SkipBad)
}

// checkOneSize checks that opt's transform is valid and gives every photo
// the same size.
func (o Options) checkOneSize() error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.transform().perPhoto() {
		return errors.New("photos: the transform sizes every photo on its own: read them with ReadGroups")
	}
	return nil
}

// readInto reads files[i] into images[i·size:], with opt.workers
// goroutines, and returns each file's error. Without opt.SkipBad it stops
// taking files after the first error; every file before that one in the
// list has then been read.
func readInto(files []string, images []float32, opt Options) []error {
	errs := make([]error, len(files))
	if len(files) == 0 {
		return errs
	}
	size := len(images) / len(files)
	eachFile(len(files), opt, func(i int) error {
		errs[i] = readFileInto(images[i*size:(i+1)*size], files[i], opt)
		return errs[i]
	})
	return errs
}

// eachFile calls read(i) for i in [0, n) on opt.workers goroutines, each
// taking the next index. Without opt.SkipBad no index is taken after read
// has returned an error; every index before that one has then been read.
func eachFile(n int, opt Options, read func(i int) error) {
	var next atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range opt.workers(n) {
		wg.Go(func() {
			for !stop.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := read(i); err != nil && !opt.SkipBad {
					stop.Store(true)
				}
			}
		})
	}
	wg.Wait()
}

// collect keeps the images read without error, in order, and lists the
// others; without skipBad the first error is returned instead.
// Each image is 3×h×w.
func collect(files []string, images []float32, errs []error, h, w int, skipBad bool) (*Set, error) {
	size := 3 * h * w
	p := &Set{}
	n := 0
	for i, err := range errs {
		if err != nil {
			if !skipBad {
				return nil, err
			}
			p.Bad = append(p.Bad, Bad{Path: files[i], Err: err})
			continue
		}
		copy(images[n*size:(n+1)*size], images[i*size:(i+1)*size])
		p.Paths = append(p.Paths, files[i])
		n++
	}
	p.Images = Batch{N: n, H: h, W: w, Values: slices.Clip(images[:n*size])}
	return p, nil
}

// ReadFile reads one PNG or JPEG file through opt's transform:
// ReadRGB, then resize, centre crop, ToTensor and Normalize
// (Transform.Apply), returning 3·Crop·Crop values, channel-planar (3·H·W
// for H×W the Transform.PhotoSize of the photo).
func ReadFile(path string, opt Options) ([]float32, error) {
	out, _, _, err := readSized(path, opt)
	return out, err
}

// readSized is ReadFile that also returns the output's height and width.
func readSized(path string, opt Options) ([]float32, int, int, error) {
	t := opt.transform()
	if err := t.Validate(); err != nil {
		return nil, 0, 0, err
	}
	img, err := decodeOriented(path, opt)
	if err != nil {
		return nil, 0, 0, err
	}
	h, w := t.PhotoSize(img.Bounds().Dx(), img.Bounds().Dy())
	out := make([]float32, 3*h*w)
	t.resizeCrop(out, img)
	t.normalize(out)
	return out, h, w, nil
}

// readFileInto is ReadFile writing into out (len Transform.Len()).
func readFileInto(out []float32, path string, opt Options) error {
	img, err := decodeOriented(path, opt)
	if err != nil {
		return err
	}
	t := opt.transform()
	t.resizeCrop(out, img)
	t.normalize(out)
	return nil
}

// decodeOriented decodes a photo file, with its EXIF orientation applied
// when opt's transform asks for it.
func decodeOriented(path string, opt Options) (image.Image, error) {
	img, orientation, err := decodePhotoFile(path, opt)
	if err != nil {
		return nil, err
	}
	if orientation != 1 {
		img = Orient(ToRGB(img), orientation)
	}
	return img, nil
}

// ReadRGB reads a PNG or JPEG file as PIL's
// Image.open(path).convert("RGB") does (see ToRGB), with the EXIF
// orientation applied (as PIL's ImageOps.exif_transpose) when
// opt.Transform.EXIF is set. Errors name the file: it is not a regular
// file, not a PNG or JPEG, claims more than opt's pixel limit, or is
// truncated or corrupt.
func ReadRGB(path string, opt Options) (*image.RGBA, error) {
	img, orientation, err := decodePhotoFile(path, opt)
	if err != nil {
		return nil, err
	}
	return Orient(ToRGB(img), orientation), nil
}

// decodePhotoFile decodes the PNG or JPEG file path and returns it with
// the EXIF orientation to apply: the file's when opt.Transform.EXIF is
// set, else 1.
func decodePhotoFile(path string, opt Options) (image.Image, int, error) {
	b, err := readRegular(path)
	if err != nil {
		return nil, 0, err
	}
	img, format, err := decodePhoto(path, b, opt.maxPixels())
	if err != nil {
		return nil, 0, err
	}
	orientation := 1
	if opt.transform().EXIF {
		orientation = exifOrientation(format, b)
	}
	return img, orientation, nil
}

// readRegular returns the contents of the file path, a regular file
// (regular.Open); it reads at most the size the file had when opened.
func readRegular(path string) ([]byte, error) {
	f, size, err := regular.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "reading photo")
	}
	defer f.Close()
	b := make([]byte, size)
	n, err := io.ReadFull(f, b)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, errors.Wrapf(err, "%s: reading photo", path)
	}
	return b[:n], nil
}

// Magic numbers that start PNG and JPEG files.
var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8}
)

// photoCodec returns the name and the decoding functions of the format
// whose magic number starts b.
func photoCodec(b []byte) (string, func([]byte) (image.Config, error), func([]byte) (image.Image, error)) {
	switch {
	case bytes.HasPrefix(b, pngMagic):
		return "PNG",
			func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) },
			func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case bytes.HasPrefix(b, jpegMagic):
		return "JPEG",
			func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) },
			func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	}
	return "", nil, nil
}

// decodePhoto decodes the PNG or JPEG file contents b, read from path,
// after checking that its header claims at most maxPixels pixels. It
// returns the image and its format, "PNG" or "JPEG".
func decodePhoto(path string, b []byte, maxPixels int) (image.Image, string, error) {
	format, config, decode := photoCodec(b)
	if format == "" {
		return nil, "", errors.Errorf("%s: not a PNG or JPEG file", path)
	}
	cfg, err := config(b)
	if err != nil {
		return nil, "", errors.Wrapf(err, "%s: unreadable %s header (truncated or corrupt)", path, format)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return nil, "", errors.Errorf("%s: %s header claims an empty %d×%d image", path, format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		why := "Options.MaxPixels"
		if maxPixels == DefaultMaxPixels {
			why = "twice Pillow's MAX_IMAGE_PIXELS, above which Pillow refuses the file as a possible decompression bomb"
		}
		return nil, "", errors.Errorf("%s: %s header claims %d×%d pixels, more than the limit of %d (%s)",
			path, format, cfg.Width, cfg.Height, maxPixels, why)
	}
	img, err := decode(b)
	if err != nil {
		return nil, "", errors.Wrapf(err, "%s: decoding %s (truncated or corrupt)", path, format)
	}
	if format == "PNG" {
		img = grey16WithTRNS(b, img)
	}
	return img, format, nil
}

// grey16WithTRNS returns img as the *image.Gray16 it is when b is a 16-bit
// grey PNG that image/png decoded to *image.NRGBA64 because of a tRNS
// chunk (a transparent grey value): Pillow opens it as mode "I" like any
// 16-bit grey PNG, and convert("RGB") ignores the transparency. Other
// images are returned as they are. The IHDR chunk, which image/png has
// checked, starts every PNG: bit depth at byte 24, colour type at 25.
func grey16WithTRNS(b []byte, img image.Image) image.Image {
	n, ok := img.(*image.NRGBA64)
	if !ok || len(b) < 26 || b[24] != 16 || b[25] != 0 {
		return img
	}
	g := image.NewGray16(n.Rect)
	for y := n.Rect.Min.Y; y < n.Rect.Max.Y; y++ {
		src := n.Pix[n.PixOffset(n.Rect.Min.X, y):]
		dst := g.Pix[g.PixOffset(n.Rect.Min.X, y):g.PixOffset(n.Rect.Max.X, y)]
		for i := 0; i < len(dst); i += 2 {
			dst[i], dst[i+1] = src[4*i], src[4*i+1]
		}
	}
	return g
}

// List expands paths into the list of photo files to read: a file
// is taken as it is, whatever its name; a folder is searched recursively
// for files whose extension is one of Exts (any case), skipping
// names that start with "." (hidden files and folders, including macOS
// "._" resource forks) and not following symbolic links to folders. Each
// folder's files come sorted by path (byte order), so the result is
// deterministic; the paths keep the order given. A path that does not
// exist, or a folder holding no photo, is an error. A symbolic link in a
// folder whose target cannot be read (a dangling link) is skipped;
// Find also returns those links.
func List(paths ...string) ([]string, error) {
	files, _, err := Find(paths...)
	return files, err
}

// Find is List that also returns, in the order found, the
// symbolic links with a photo's name that it skipped in folders because
// their target cannot be read (missing, or out of reach), so that a
// program can warn of them.
func Find(paths ...string) (files, dangling []string, err error) {
	if len(paths) == 0 {
		return nil, nil, errors.New("photos: no paths given")
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, errors.Wrap(err, "photos")
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		found, broken, err := folderPhotos(p)
		if err != nil {
			return nil, nil, err
		}
		files, dangling = append(files, found...), append(dangling, broken...)
	}
	return files, dangling, nil
}

// folderPhotos returns the sorted photo files under dir, and the links
// with a photo's name whose target cannot be read.
func folderPhotos(dir string) (files, dangling []string, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return errors.Wrap(err, "photos: listing folder")
		}
		if path == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isPhotoName(d.Name()) {
			return nil
		}
		switch file, broken := isFileOrLinkToFile(path, d); {
		case file:
			files = append(files, path)
		case broken:
			dangling = append(dangling, path)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, errors.Errorf("%s: no %s files in the folder or its sub-folders%s", dir, strings.Join(Exts, ", "), describeDangling(dangling))
	}
	slices.Sort(files)
	return files, dangling, nil
}

// describeDangling adds to the error of a folder without photos the
// dangling links it holds.
func describeDangling(links []string) string {
	if len(links) == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d symbolic links to files that cannot be read, such as %s)", len(links), links[0])
}

// isPhotoName reports whether name has one of Exts.
func isPhotoName(name string) bool {
	return slices.Contains(Exts, strings.ToLower(filepath.Ext(name)))
}

// isFileOrLinkToFile reports whether the entry is a regular file or a
// symbolic link to one, and, if not, whether it is a link whose target
// cannot be read.
func isFileOrLinkToFile(path string, d fs.DirEntry) (file, broken bool) {
	if d.Type().IsRegular() {
		return true, false
	}
	if d.Type()&fs.ModeSymlink == 0 {
		return false, false
	}
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular(), err != nil
}
