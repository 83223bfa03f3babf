// Package bench measures how fast this project trains and runs AIM, for
// `aim bench`.
//
// Run times a preset's training step (forward, backward, clipping and
// AdamW) and its frozen-trunk feature pass on random images: images per
// second, the achieved GFLOP/s beside the machine's 512³ sgemm rate on the
// same backend, and the peak resident memory. Infer times the feature pass
// alone at several batch sizes, for the released model sizes (aim-600m,
// ..., AIMv2's presets), with the linear weights in float32 or held as
// BF16 or F16 values (InferWeights), and reads each rate against the CPU's
// FMA peak as well. Both run their products in a chosen precision; in bf16
// they report what oneDNN ran and how fast it multiplies the model's
// linear layers on their own (OneDNNReport).
//
// The PyTorch side of the comparisons is in bench/pytorch (its models
// come from the PyTorch reference in reference/), and
// docs/performance.md gives the measurements.
package bench
