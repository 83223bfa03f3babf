// Package graph assembles the AIM model — preprocessor (patch embedding),
// trunk (pre-norm transformer blocks) and prediction head — as Gorgonia
// graphs over one shared set of weights: a training graph that yields the
// loss and its gradients, and evaluation graphs for the loss and for frozen
// trunk features.
package graph
