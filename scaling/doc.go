// Package scaling reproduces, at small scale, the scaling study of the AIM
// paper: a model ladder (several sizes pre-trained on the same images for
// the same number of steps), a data ladder (one size pre-trained on several
// numbers of unique images, with and without augmentation), the ablations
// of its Table 1 (patch order, prefix vs causal pre-training, pixel
// targets, prediction-head depth) and the checkpoint-level view of its
// Fig. 4 (one run probed at several steps). Every point runs several
// pre-training seeds, each probed on the downstream suite with the
// attentive probe (the probe's seed is the run's); results.json,
// results.csv and tables.md give every seed's figures, each point's mean,
// standard deviation and 95% t interval, the paired differences of
// ablations, neighbouring ladder steps and a ladder's ends (its last point
// against its first), rank correlations with bootstrap
// intervals and power-law fits of loss against compute; the figures draw
// the intervals. The statistics are those of package scaling/stats.
// Results.Claims reads off them a verdict on each of the paper's findings
// (holds, reversed, within noise, not run yet), the first table of
// tables.md; each run records the code that trained and probed it.
//
// The study runs as named parts (Parts) that each fit a few hours on two
// cores and add their runs to the same results directory, so it can be
// completed over several days.
//
// A sweep is resumable: each run keeps its own directory with checkpoint,
// metrics and a done.json written last, so an interrupted sweep continues
// the interrupted run from its checkpoint and skips the finished ones. Runs
// that two ladders share (the largest data-ladder point is a model-ladder
// run) are trained once.
package scaling
