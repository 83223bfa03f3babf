// Package schema is the one definition of what this project's checkpoints
// record besides their tensors: the metadata keys, how each value is
// written and read, the tensor-name prefixes that are not model weights, and
// the rules that fill in what a file from elsewhere (ml-aim's, for one) does
// not record.
//
// Three kinds of file share the schema:
//
//   - a model (graph.Model.Tensors): NumHeads and ModelConfig;
//   - a pre-training run (train): the model's keys plus TrainOptions, the
//     progress counters (Step, LossSum, LossCount, Seconds), the data
//     Normalization (DataMean, DataStd) and the optimiser state under
//     OptimizerPrefix;
//   - a probe head (probe): NumHeads, Probe, ProbeLayers and Classes, and
//     its tensors under HeadPrefix.
//
// Every value is a string (safetensors metadata is string to string):
// numbers in decimal, lists and structures as compact JSON.
package schema
