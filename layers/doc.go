// Package layers holds the reusable constructors the AIM model is assembled
// from: Linear, LayerNorm and RMSNorm, the GELU MLP and the SwiGLU MLP,
// multi-head self-attention under a prefix mask, the pre-norm transformer
// block, the patch embedding, the fixed 2D sin-cos position embedding and
// the residual MLP block of the prediction head. AIM v1 and AIMv2 differ
// only in the norm and MLP their blocks are built with (BlockSpec).
//
// A constructor takes a Builder and a name, and owns the parameters it
// creates under that name; the names are those of ml-aim's PyTorch state
// dict ("trunk.blocks.0.attn.qkv.weight"), so a Params store is a checkpoint.
// Layers compute through package ops, so each can be replaced by a faster
// kernel without touching the model code.
//
// A Builder creates a graph's parameters in a Params store on first use
// (NewBuilder, with initialisers drawn from a seeded generator) or takes
// them from a checkpoint (NewLoadingBuilder); every graph built on one store
// shares its tensors, so an optimiser step is seen by all of them. The
// store also says how their products compute (SetPrecision: bf16, with one
// packed copy of each linear weight shared by every graph) and holds the
// linear weights that inference uses in place as 16-bit values (SetHalf,
// HoldHalf).
package layers
