// Package photo decodes PNG and JPEG photos and prepares them for a
// pre-trained model as torchvision 0.14 and Pillow 9.4 do.
//
// A [Transform] is an evaluation pipeline: resize of the shorter side
// with Pillow's bicubic filter, centre crop, scaling to [0, 1] and
// per-channel normalisation, giving 3×Crop×Crop float32 values,
// channel-planar. [EvalTransform] is ml-aim's (resize 256, crop 224,
// ImageNet statistics). AIMv2's models take the preprocessing of their
// Hugging Face release instead: the preprocessor_config.json beside the
// model ([ReadPreprocessorConfig], [HubTransformFor]), else
// [HubTransform] (CLIP's statistics). A transform may also resize to an
// exact height and width, or size every photo on its own for AIMv2's
// native model ([NativeSize]), and may apply the EXIF orientation
// ([Orient]), which ml-aim ignores.
//
// The readers take [Options] (the transform, whether to skip bad files,
// a pixel limit, the number of decoding goroutines):
//
//   - [ReadFile] reads one file into a slice of values;
//   - [ReadAll] reads the files and folders of photos that [List] finds
//     ([Find] also returns the broken links it skipped), and [ReadFiles]
//     a list of files, into a [Set]: a [Batch] of same-size images, the
//     path of each and the files skipped ([Bad]);
//   - [ReadGroups] reads photos through any transform, one that sizes
//     every photo on its own included, into [Groups] of one size each;
//   - [ReadRGB] decodes a file as PIL's Image.open(path).convert("RGB")
//     does, and [Transform.Apply] takes an image.Image already decoded
//     ([ToRGB], [ResizeBicubic], [ResizedSize] and [CenterCropOffsets]
//     are its steps).
//
// For example, ml-aim's preprocessing of a folder of photos:
//
//	set, err := photo.ReadAll([]string{"photos"}, photo.Options{})
//	if err != nil {
//		return err
//	}
//	x := set.Images.Image(0) // 3×224×224 values of set.Paths[0]
//
// Package data makes a Batch a dataset (data.FromPhotos) and reads
// class folders of photos through a transform
// (data.FolderOptions.Photos); data.Augment, the random
// resized crop of pre-training and probes, lives there too, beside
// data.Fit, because it works on any dataset's float32 images rather than
// on photos and shares Fit's bilinear resampling.
//
// Readers report malformed input as an error naming the file; they never
// panic on bad input. A photo whose header claims more pixels than
// Options.MaxPixels ([DefaultMaxPixels], twice Pillow's limit) is refused
// before it is decoded.
package photo
