// Package optim implements the optimizer of AIM pre-training: AdamW with
// decoupled weight decay and global gradient-norm clipping, with the
// semantics of PyTorch's torch.optim.AdamW and torch.nn.utils.clip_grad_norm_.
//
// One Step does, for the parameters p with gradients g, learning rate lr and
// step count t (1 for the first step):
//
//	n = ‖(all g)‖₂;  if ClipNorm > 0 and c = ClipNorm/(n + 1e-6) < 1: g ← c·g
//	p ← p·(1 − lr·WeightDecay)          (only parameters with Decay set)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	p ← p − (lr/(1−β1ᵗ)) · m / (√v/√(1−β2ᵗ) + Eps)
//
// which is p ← p − lr·m̂/(√v̂ + Eps) with the bias-corrected m̂ and v̂. The
// clipping condition is PyTorch's: gradients are scaled when n + 1e-6 >
// ClipNorm, which differs from n > ClipNorm only inside a 1e-6 band.
//
// The arithmetic is done in float64 whatever the element type T; m and v are
// stored as T, like PyTorch's state, which has the dtype of the parameter,
// and rounded to T before the update uses them, so a run resumed from a
// saved state continues bit for bit. For T = float64 the results equal
// PyTorch's to within rounding (the tests ask for 1e-12 relative and see
// about 2e-16).
//
// NewAdamW (NewAdamW32 for float32) returns the optimizer with AIM's
// hyper-parameters; Step takes the parameters as Params, each a named
// flat slice with its gradient, and updates them in place. State and
// SetState save and restore the moments for a checkpoint.
package optim
