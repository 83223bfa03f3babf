// Package data reads image datasets and prepares batches.
//
// Readers turn the standard on-disk formats into a [Dataset] of float32
// images in (N, C, H, W) order:
//
//   - [ReadIDX]: MNIST-style IDX files (MNIST, Fashion-MNIST), gzipped or not;
//   - [ReadCIFAR10] and [ReadCIFAR100]: CIFAR binary batches;
//   - [ReadImageFolder]: one sub-folder of PNG/JPEG files per class;
//   - [ReadNpy] and [WriteNpy]: NumPy .npy arrays;
//   - [ReadOptdigits]: scikit-learn's digits.csv.gz (and UCI optdigits files);
//   - [ReadLFWSubset]: scikit-image's lfw_subset.npy faces and non-faces;
//   - [ReadEmoji]: the emoji-datasource-twitter npm package, by category.
//
// [Load] finds named datasets where the Go module cache and Debian packages
// install them and returns their train and test splits.
//
// Photos for a pre-trained model go through ml-aim's evaluation transform
// ([EvalTransform]: resize of the shorter side to 256 with Pillow's bicubic
// filter, centre crop 224, ImageNet normalisation), reproduced to match
// torchvision 0.14 and Pillow 9.4: [ReadPhotos] reads files and folders of
// them ([ListPhotos]; [FindPhotos] also lists the broken links it
// skipped), [Transform.Apply] an image.Image. AIMv2's models take the
// preprocessing of their Hugging Face release instead: the
// preprocessor_config.json beside the model ([ReadPreprocessorConfig],
// [HubTransformFor]), else [HubTransform] (CLIP's statistics). A
// [Transform] may apply the EXIF orientation ([Orient]), which ml-aim
// ignores. [ImageNetClasses] names the classes of Apple's released
// classifier heads and [ReadLabels] reads other class names; [NpyWriter]
// streams a .npy array whose length is not known in advance.
//
// Readers check every header field against the size of the data actually
// present before allocating for it, and report malformed input as an error
// naming the file; they never panic on bad input. A photo whose header
// claims more pixels than [PhotoOptions].MaxPixels ([DefaultMaxPixels])
// is refused before it is decoded. Images from 8-bit sources are scaled to
// [0, 1].
//
// The preprocessing helpers ([ChannelStats], [Dataset.Normalize], [Fit],
// [SplitValidation], [Permutation]) and the random-resized-crop augmentation
// ([Augment]) are deterministic given their seeds.
package data
