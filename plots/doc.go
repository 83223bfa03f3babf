// Package plots draws the scaling figures of AIM (El-Nouby et al., 2024):
// downstream accuracy against pre-training validation loss, accuracy
// against the number of unique pre-training images, training and
// validation loss curves, validation loss against pre-training compute,
// and paired differences from a baseline (Differences: an ablation table
// as a forest plot, each difference with its interval). Line, Scatter and BarChart draw other figures in the same look
// (a probe suite's accuracy per dataset, a notebook's curves), and
// Spearman gives the rank correlation that the accuracy figures report.
//
// The functions take plain Go values (numbers read from metrics files or
// typed in from a table) and return a *plot.Plot, which the caller may
// adjust (a title, an axis range) before writing it with [Save] as PNG and
// SVG, or rendering it with [PNG] and [SVG]. They check their input and
// return an error naming the series and the value at fault rather than
// drawing a misleading figure.
//
// Each figure places its legend and point labels when it is drawn, where
// they cover the least data, so they do not hide points at any output
// size; gonum's own p.Legend is left empty.
package plots
