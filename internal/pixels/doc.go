// Package pixels converts 8-bit pixel values to the [0, 1] floats the
// model reads (torchvision's ToTensor), for decoded photos and for the
// uint8 images of dataset files alike.
package pixels
