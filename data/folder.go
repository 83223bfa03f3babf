package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
	"golang.org/x/image/draw"

	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/internal/regular"
	"github.com/aim-go/aim/internal/sizes"
)

// FolderOptions controls how ReadImageFolder converts images.
type FolderOptions struct {
	// H and W, when both nonzero, are the size every image is resized to
	// (bilinear). When both are zero, every image must have the size of
	// the first one.
	H, W int
	// C is the number of channels: 1 (grey), 3 (RGB), or 0 to take it
	// from the first image (1 if it is a grey image, else 3).
	C int
	// Photos, when set, makes every image a photo read through its
	// Transform, as [photo.ReadFiles] reads photos (RGB as PIL converts
	// it, the transform's resize, crop and normalisation; Workers and
	// MaxPixels apply, SkipBad does not: an unreadable image is an error
	// naming it): the images are 3×Transform.OutSize() and already
	// normalised.
	// H, W and C must then be 0, and the transform of one output size
	// (Patch unset).
	Photos *photo.Options
}

func (o FolderOptions) check() error {
	switch {
	case o.Photos != nil && (o.H != 0 || o.W != 0 || o.C != 0):
		return errors.Errorf("FolderOptions: H, W and C are %d, %d and %d with Photos set, want 0: the transform sizes the images", o.H, o.W, o.C)
	case o.Photos != nil && o.Photos.Transform.PerPhoto():
		return errors.New("FolderOptions: the Photos transform sizes every photo on its own (Patch); a dataset holds images of one size")
	case o.Photos != nil:
		return o.Photos.Validate()
	case o.H < 0 || o.W < 0 || (o.H == 0) != (o.W == 0):
		return errors.Errorf("FolderOptions: H and W are %d and %d, want both 0 or both positive", o.H, o.W)
	case int64(o.H)*int64(o.W) > int64(maxImagePixels):
		return errors.Errorf("FolderOptions: H and W are %d and %d, want at most %d pixels", o.H, o.W, maxImagePixels)
	case o.C != 0 && o.C != 1 && o.C != 3:
		return errors.Errorf("FolderOptions: C is %d, want 0, 1 or 3", o.C)
	}
	return nil
}

// ImageSizeError is the error of an image folder whose images differ in
// size while FolderOptions.H and W are 0 (no resizing).
type ImageSizeError struct {
	// Detail says which images differ, e.g. "b.png: image is 300×200, but
	// a.png is 32×32".
	Detail string
	// Hint says how to resize every image. Empty, the message names
	// FolderOptions.H and W; a program with options of its own (aim's
	// --size) may set it to name them.
	Hint string
}

func (e *ImageSizeError) Error() string {
	hint := e.Hint
	if hint == "" {
		hint = "set FolderOptions.H and W to resize every image"
	}
	return e.Detail + "; " + hint
}

// maxImagePixels bounds the size an image header may claim, so that a
// small corrupt file cannot make the decoder allocate gigabytes.
var maxImagePixels = 1 << 26

// imageExts are the file name extensions ReadImageFolder reads.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true}

// ReadImageFolder reads a folder with one sub-folder per class, as
// torchvision's ImageFolder does: the sorted sub-folder names are the class
// ids 0, 1, ..., and each holds PNG or JPEG files (.png, .jpg, .jpeg,
// any case), read in sorted order. Other files, and names starting with
// ".", are skipped; a symbolic link whose target cannot be read, where a
// class folder or image may be, is an error naming it. Alpha is dropped: the colour channels are used as
// stored, without compositing. Grey conversion uses the ITU-R BT.601 luma
// weights of image/color.
func ReadImageFolder(dir string, opt FolderOptions) (*Dataset, error) {
	d, _, err := readImageFolder(dir, opt)
	return d, err
}

// readImageFolder is ReadImageFolder that also returns the class names.
func readImageFolder(dir string, opt FolderOptions) (*Dataset, []string, error) {
	if err := opt.check(); err != nil {
		return nil, nil, errors.Wrap(err, dir)
	}
	classes, files, labels, err := listImageFolder(dir)
	if err != nil {
		return nil, nil, err
	}
	if opt.Photos != nil {
		d, err := readPhotoFolder(files, *opt.Photos)
		if err != nil {
			return nil, nil, err
		}
		d.Name, d.Labels, d.Classes = filepath.Base(dir), labels, len(classes)
		return d, classes, nil
	}
	first, err := decodeImageFile(files[0])
	if err != nil {
		return nil, nil, err
	}
	h, w, c := opt.H, opt.W, opt.C
	if h == 0 {
		h, w = first.Bounds().Dy(), first.Bounds().Dx()
	}
	if c == 0 {
		c = 3
		if isGrey(first) {
			c = 1
		}
	}
	if _, ok := sizes.Product(len(files), c, h, w); !ok {
		return nil, nil, errors.Errorf("%s: %d images of %d×%d×%d are too many", dir, len(files), c, h, w)
	}
	d := &Dataset{
		Name: filepath.Base(dir),
		N:    len(files), C: c, H: h, W: w,
		Images:  make([]float32, len(files)*c*h*w),
		Labels:  labels,
		Classes: len(classes),
	}
	for i, f := range files {
		img := first
		if i > 0 {
			if img, err = decodeImageFile(f); err != nil {
				return nil, nil, err
			}
		}
		if b := img.Bounds(); opt.H == 0 && (b.Dx() != w || b.Dy() != h) {
			return nil, nil, &ImageSizeError{Detail: fmt.Sprintf("%s: image is %d×%d, but %s is %d×%d", f, b.Dx(), b.Dy(), files[0], w, h)}
		}
		imageToFloat(d.Image(i), img, c, h, w)
	}
	return d, classes, nil
}

// readPhotoFolder reads the image files of a folder through opt's
// transform.
func readPhotoFolder(files []string, opt photo.Options) (*Dataset, error) {
	opt.SkipBad = false
	p, err := photo.ReadFiles(files, opt)
	if err != nil {
		return nil, err
	}
	return FromPhotos(p.Images), nil
}

// listImageFolder returns the class names, the image files and their
// labels.
func listImageFolder(dir string) (classes, files []string, labels []int, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, errors.Wrap(err, "reading image folder")
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		fi, err := os.Stat(p)
		if err != nil && e.Type()&os.ModeSymlink != 0 {
			return nil, nil, nil, errors.Wrap(err, "a symbolic link in the image folder whose target cannot be read")
		}
		if err != nil || !fi.IsDir() {
			continue
		}
		names, err := imageFiles(p)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, n := range names {
			files = append(files, filepath.Join(p, n))
			labels = append(labels, len(classes))
		}
		classes = append(classes, e.Name())
	}
	if len(classes) == 0 {
		return nil, nil, nil, errors.Errorf("%s: no class sub-folders; want one folder of PNG/JPEG files per class", dir)
	}
	return classes, files, labels, nil
}

// imageFiles returns the sorted names of the image files in dir, and an
// error if there is none.
func imageFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Wrap(err, "reading class folder")
	}
	var names []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !strings.HasPrefix(e.Name(), ".") && imageExts[ext] && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, errors.Errorf("%s: class folder has no .png, .jpg or .jpeg files", dir)
	}
	return names, nil
}

// decodeImageFile reads and decodes one PNG or JPEG file.
func decodeImageFile(path string) (image.Image, error) {
	f, size, err := regular.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "reading image")
	}
	defer f.Close()
	b, err := readUpTo(f, size, size)
	if err != nil {
		return nil, errors.Wrapf(err, "%s: reading", path)
	}
	return decodeImage(path, b)
}

// decodeImage decodes the PNG or JPEG image held in b, read from the file
// name, after checking the size its header claims.
func decodeImage(name string, b []byte) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, errors.Wrapf(err, "%s: not a readable PNG or JPEG image", name)
	}
	if format != "png" && format != "jpeg" {
		return nil, errors.Errorf("%s: %s image, want PNG or JPEG", name, format)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > int64(maxImagePixels) {
		return nil, errors.Errorf("%s: %s header claims %d×%d pixels, want between 1 and %d", name, format, cfg.Width, cfg.Height, maxImagePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, errors.Wrapf(err, "%s: decoding %s", name, format)
	}
	return img, nil
}

// isGrey reports whether img is a grey image.
func isGrey(img image.Image) bool {
	m := img.ColorModel()
	return m == color.GrayModel || m == color.Gray16Model
}

// imageToFloat drops the alpha channel of img, converts it to c channels
// (1 or 3), resizes it to h×w (bilinear) if needed, and stores it in dst,
// channel-planar, scaled to [0, 1].
func imageToFloat(dst []float32, img image.Image, c, h, w int) {
	src := opaque(img)
	r := image.Rect(0, 0, w, h)
	var canvas draw.Image = image.NewRGBA64(r)
	if c == 1 {
		canvas = image.NewGray16(r)
	}
	if b := src.Bounds(); b.Dx() == w && b.Dy() == h {
		draw.Draw(canvas, r, src, b.Min, draw.Src)
	} else {
		draw.BiLinear.Scale(canvas, r, src, b, draw.Src, nil)
	}
	switch canvas := canvas.(type) {
	case *image.Gray16:
		for i := range dst {
			dst[i] = float32(binary.BigEndian.Uint16(canvas.Pix[2*i:])) / 0xffff
		}
	case *image.RGBA64:
		plane := h * w
		for i := range plane {
			for k := range 3 {
				dst[k*plane+i] = float32(binary.BigEndian.Uint16(canvas.Pix[8*i+2*k:])) / 0xffff
			}
		}
	}
}

// opaque returns img with its alpha channel dropped: the colour values it
// stores (non-premultiplied) with full opacity.
func opaque(img image.Image) image.Image {
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return img
	}
	b := img.Bounds()
	out := image.NewNRGBA64(b)
	switch img := img.(type) {
	case *image.NRGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := img.NRGBAAt(x, y)
				out.SetNRGBA64(x, y, color.NRGBA64{uint16(c.R) * 0x101, uint16(c.G) * 0x101, uint16(c.B) * 0x101, 0xffff})
			}
		}
	case *image.NRGBA64:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := img.NRGBA64At(x, y)
				c.A = 0xffff
				out.SetNRGBA64(x, y, c)
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
				c.A = 0xffff
				out.SetNRGBA64(x, y, c)
			}
		}
	}
	return out
}
