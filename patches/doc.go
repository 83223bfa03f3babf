// Package patches cuts images into the non-overlapping p×p patches AIM
// models as a sequence, and defines the order of that sequence: raster (the
// paper's choice) or the spiral, checkerboard and random orders of its
// ablation.
package patches
