// Package ops holds the custom Gorgonia operations the AIM model is built
// from: linear layers, LayerNorm and RMSNorm, exact GELU and the SwiGLU gate,
// masked multi-head attention, residual additions and the weighted
// squared-error loss.
//
// Each operation has a hand-written forward kernel and symbolic gradient made
// of further operations of this package, so Gorgonia's autodiff works through
// them. They exist because the corresponding built-in Gorgonia operations are
// missing, wrong or slow (see docs/gorgonia.md): every operation here works on
// row-major matrices of float32 or float64, multiplies through package blas,
// splits its loops over the machine's cores and reuses its output buffer from
// one run of the graph to the next instead of allocating it again.
//
// Operations are applied with the functions of this package (Linear,
// LayerNorm, GELU, Attention, ...), which take and return *gorgonia.Node.
package ops
