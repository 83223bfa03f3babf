// Package patches cuts images into the non-overlapping p×p patches AIM
// models as a sequence, and defines the order of that sequence: raster (the
// paper's choice) or the spiral, checkerboard and random orders of its
// ablation.
//
// A Grid (NewGrid) is how images of one size are cut: its K patches (Len)
// of C·p·p values (Dim). Grid.Sequence gives the grid position of each
// sequence position for an Order, and Extract writes an image's patches in
// that order, each flattened channel-first (the layout of the patch
// embedding's weights) or channel-last (the layout of AIM's pixel
// targets).
package patches
