// Package data reads image datasets and prepares batches.
//
// Readers turn the standard on-disk formats into a [Dataset] of float32
// images in (N, C, H, W) order:
//
//   - [ReadIDX]: MNIST-style IDX files (MNIST, Fashion-MNIST), gzipped or not;
//   - [ReadCIFAR10] and [ReadCIFAR100]: CIFAR binary batches;
//   - [ReadImageFolder]: one sub-folder of PNG/JPEG files per class,
//     resized as they are or read through a photo transform
//     ([FolderOptions].Photos);
//   - [ReadNpy] and [WriteNpy]: NumPy .npy arrays;
//   - [ReadOptdigits]: scikit-learn's digits.csv.gz (and UCI optdigits files);
//   - [ReadLFWSubset]: scikit-image's lfw_subset.npy faces and non-faces;
//   - [ReadEmoji]: the emoji-datasource-twitter npm package, by category.
//
// [Load] finds named datasets where the Go module cache and Debian packages
// install them and returns their train and test splits.
//
// Photos for a pre-trained model are decoded and preprocessed by package
// [github.com/aim-go/aim/data/photo] (ml-aim's and AIMv2's transforms);
// [FromPhotos] makes the images it reads a Dataset. [ImageNetClasses]
// names the classes of Apple's released classifier heads and [ReadLabels]
// reads other class names; [NpyWriter] streams a .npy array whose length
// is not known in advance.
//
// Readers check every header field against the size of the data actually
// present before allocating for it, and report malformed input as an error
// naming the file; they never panic on bad input. Images from 8-bit
// sources are scaled to [0, 1].
//
// The preprocessing helpers ([ChannelStats], [Dataset.Normalize], [Fit],
// [SplitValidation], [Permutation]) and the random-resized-crop augmentation
// ([Augment]) are deterministic given their seeds. Augment lives here, not
// in package photo, because it works on the float32 images of any Dataset
// (MNIST and CIFAR as much as photos) during pre-training and probes, and
// resamples them with the bilinear filter of Fit.
package data
