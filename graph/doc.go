// Package graph assembles the AIM model — preprocessor (patch embedding),
// trunk (pre-norm transformer blocks) and prediction head — as Gorgonia
// graphs over one shared set of weights, and reads it from checkpoints.
//
// # Models
//
// A Config is an architecture; Preset names the project's (tiny, small,
// bench, base, ...), Apple's released AIM sizes (aim-600m to aim-7b) and
// AIMv2's encoders (aimv2-large-patch14-224, ...; PresetNames lists them).
// New builds a Model with fresh weights; LoadCheckpoint reads one from a
// safetensors file — this project's checkpoints, Apple's released AIM
// files, AIMv2 files of the Hugging Face hub in either naming scheme,
// sharded or not — inferring the architecture from the tensor shapes and
// checking a hub config.json beside the file against them. The file is
// mapped, not copied: float32 weights are used in place, and with the
// KeepHalf option so are the linear layers' BF16 and F16 weights (for
// inference). InPrecision makes the model's products compute in bf16;
// AllowNonFinite accepts a diverged checkpoint for inspection.
// FromCheckpoint does the same from an open checkpoint.Source, and
// Model.Tensors gives the weights back under ml-aim's names for
// checkpoint.Write.
//
// # Graphs
//
// Each graph is built on the model's weights and compiled once for a
// fixed number of images:
//
//   - TrainGraph (NewTrainGraph): the pre-training loss of a batch and the
//     gradient of every parameter, for package train;
//   - LossGraph (NewLossGraph): the loss alone, for validation;
//   - FeatureGraph (NewFeatureGraph): the trunk run bidirectionally, each
//     token's mean of the raw outputs of chosen blocks (or, for AIMv2, the
//     post-trunk norm) — the frozen features downstream probes read.
//
// Extractor (Model.NewExtractor) is the one feature loop of the project:
// it computes the features of any number of images in batches, building
// its graph for min(batch, images) so that memory follows the data, and
// reports a non-finite feature as an error that names the image.
//
// Every graph, probe heads included, goes through Compile: gradients when
// asked for, memory planning (memplan.Plan) and Gorgonia's TapeMachine,
// wrapped in a Program. The forward pass is written once, in model.go.
package graph
