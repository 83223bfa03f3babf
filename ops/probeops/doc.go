// Package probeops holds the Gorgonia operations of the downstream probes'
// heads (package probe), built like those of package ops — a hand-written
// forward kernel and a symbolic gradient each, on row-major float32 or
// float64 matrices:
//
//   - BatchNorm, PyTorch's BatchNorm1d without affine parameters, whose
//     running statistics live in a BatchNormState shared by a model's
//     training and evaluation graphs;
//   - AttentionPool, the one-query multi-head attention pooling of
//     ml-aim's attentive probe;
//   - SoftmaxCrossEntropy, the probes' loss: the mean cross-entropy of
//     softmax(logits) against integer labels stored as floats.
//
// A head applies them to nodes of its graph:
//
//	bn := probeops.NewBatchNormState(dim, 1e-6)
//	x = gorgonia.Must(probeops.BatchNorm(x, bn, training))
//	pooled := gorgonia.Must(probeops.AttentionPool(q, k, v, heads, tokens))
//	loss := gorgonia.Must(probeops.SoftmaxCrossEntropy(logits, labels))
//
// They run in plain Go on every CPU: a probe's head is small next to the
// trunk whose features it reads.
package probeops
