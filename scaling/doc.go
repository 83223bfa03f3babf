// Package scaling reproduces, at small scale, the scaling study of the AIM
// paper: a model ladder (several sizes pre-trained on the same images for
// the same number of steps), a data ladder (one size pre-trained on several
// numbers of unique images) and the ablations of its Table 1 (patch order,
// prefix vs causal pre-training, pixel targets, prediction-head depth).
// Every run is pre-trained, then probed on the downstream suite with the
// attentive probe; results go to results.json and results.csv, and the
// figures are redrawn after every run.
//
// A sweep is resumable: each run keeps its own directory with checkpoint,
// metrics and a done.json written last, so an interrupted sweep continues
// the interrupted run from its checkpoint and skips the finished ones. Runs
// that two ladders share (the largest data-ladder point is a model-ladder
// run) are trained once.
package scaling
