// Package ops holds the custom Gorgonia operations the AIM model is built
// from. Each is applied by a function of this package that takes and
// returns *gorgonia.Node:
//
//   - layers: Linear (y = x·Wᵀ + b, PyTorch's weight layout), LinearHalf
//     (inference with weights held as BF16 or F16 values, used in place),
//     LayerNorm and RMSNorm;
//   - activations: exact GELU, and SwiGLU's gate SiLU(gate)·up;
//   - attention: Attention, multi-head self-attention under the
//     prefix-causal mask of package masks, fused (scores, mask, softmax,
//     weighted sum);
//   - arithmetic: Add (residual connections), AddRows (a position
//     embedding added to every sample's tokens), ColumnSum, and Mean and
//     RunningMean (the average of several blocks' outputs);
//   - the loss: WeightedMSE (AIM's next-patch loss);
//   - GatherRows, which packs chosen rows (a Rows set) to the front of a
//     matrix, so that the operations added with the OnRows option run on
//     those rows only: AIM's prediction head runs on the positions whose
//     target counts in the loss, about half of them.
//
// Every operation has a hand-written forward kernel and a symbolic
// gradient made of further operations of this package (those marked so
// in their documentation have none), so Gorgonia's autodiff works through
// them. They exist because the corresponding built-in Gorgonia operations
// are missing, wrong or slow (see docs/gorgonia.md): every operation here
// works on row-major matrices of float32 or float64, multiplies through
// package blas, splits its loops over the machine's cores and keeps its
// output buffer from one run of the graph to the next.
//
// Options change an operation as it is added: InPrecision runs its
// matrix products in bf16 (blas.Precision), Packed shares one bf16 copy of
// a linear layer's weights between graphs, OnRows limits it to gathered
// rows, and Combine joins options.
//
// The probes' operations (BatchNorm, AttentionPool, SoftmaxCrossEntropy)
// are in package ops/probeops; package ops/memplan, called once a graph is
// complete, lets the outputs of these operations that are never live at the
// same time share memory.
//
// # Kernels
//
// GELU, exp, softmax rows and LayerNorm rows have 8-lane AVX2 kernels in
// Go assembly; they run at the level package isa allows (AIM_ISA=go|avx2|
// avx512; AVX2 kernels at avx2 and avx512), and in plain Go on other CPUs
// and architectures and with the build tag purego. The tests run every
// operation on each level this CPU can take.
package ops
