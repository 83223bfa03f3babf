package layers

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// The layer choices that tell AIM v1's blocks from AIMv2's.
const (
	NormLayer = "layernorm" // LayerNorm with weight and bias (AIM v1)
	NormRMS   = "rmsnorm"   // RMSNorm with weight only (AIMv2)
	MLPGELU   = "gelu"      // fc2(GELU(fc1(x))) (AIM v1)
	MLPSwiGLU = "swiglu"    // fc2(SiLU(fc1(x))·fc3(x)) (AIMv2)
)

// RMSNormEps is the epsilon of AIMv2's RMSNorm.
const RMSNormEps = 1e-5

// Norm is a per-token normalisation layer.
type Norm interface {
	Forward(x *G.Node) *G.Node
}

// FeedForward is a block's per-token MLP.
type FeedForward interface {
	Forward(x *G.Node) *G.Node
}

// NormSpec chooses a norm: Kind NormLayer (the default, "") or NormRMS, and
// its epsilon (0: NormEps for LayerNorm, RMSNormEps for RMSNorm).
type NormSpec struct {
	Kind string
	Eps  float64
}

// NewNorm creates the norm of spec under name, of size dim.
func NewNorm(b *Builder, name string, dim int, spec NormSpec) Norm {
	switch spec.Kind {
	case "", NormLayer:
		n := NewLayerNorm(b, name, dim)
		if spec.Eps != 0 {
			n.Eps = spec.Eps
		}
		return n
	case NormRMS:
		eps := spec.Eps
		if eps == 0 {
			eps = RMSNormEps
		}
		return NewRMSNorm(b, name, dim, eps)
	}
	b.Fail(errors.Errorf("unknown norm %q: expected %s or %s", spec.Kind, NormLayer, NormRMS), name)
	return nopLayer{}
}

// nopLayer stands for a layer that could not be made; the builder holds the
// error, so it is never run.
type nopLayer struct{}

func (nopLayer) Forward(*G.Node) *G.Node { return nil }

// RMSNorm scales each row by the reciprocal of its root mean square and by
// a per-feature weight, without bias (AIMv2's norm).
type RMSNorm struct {
	b      *Builder
	Weight *G.Node
	Eps    float64
}

// NewRMSNorm creates name.weight (ones) of size dim.
func NewRMSNorm(b *Builder, name string, dim int, eps float64) *RMSNorm {
	return &RMSNorm{b: b, Weight: b.Param(name+".weight", Constant(1), []int{dim}), Eps: eps}
}

// Forward applies the norm to x (N, dim).
func (n *RMSNorm) Forward(x *G.Node) *G.Node { return n.b.RMSNorm(x, n.Weight, n.Eps) }

// SwiGLU is AIMv2's MLP, fc2(SiLU(fc1(x))·fc3(x)), without biases.
type SwiGLU struct {
	b             *Builder
	FC1, FC2, FC3 *Linear
}

// NewSwiGLU creates name.fc1 and name.fc3 (hidden, dim) and name.fc2 (dim,
// hidden), ml-aim's names.
func NewSwiGLU(b *Builder, name string, dim, hidden int) *SwiGLU {
	return &SwiGLU{
		b:   b,
		FC1: NewLinear(b, name+".fc1", dim, hidden, false),
		FC2: NewLinear(b, name+".fc2", hidden, dim, false),
		FC3: NewLinear(b, name+".fc3", dim, hidden, false),
	}
}

// Forward applies the MLP to x (N, dim).
func (m *SwiGLU) Forward(x *G.Node) *G.Node {
	return m.FC2.Forward(m.b.SwiGLU(m.FC1.Forward(x), m.FC3.Forward(x)))
}

// BlockSpec describes a trunk block: width, heads, the tokens of a sample,
// the norm, and the MLP (MLPGELU, the default, or MLPSwiGLU) of hidden
// width Hidden.
type BlockSpec struct {
	Dim, Heads, SeqLen int
	Norm               NormSpec
	MLP                string
	Hidden             int
}

// NewFeedForward creates the MLP of spec under name.
func NewFeedForward(b *Builder, name string, spec BlockSpec) FeedForward {
	switch spec.MLP {
	case "", MLPGELU:
		return NewMLP(b, name, spec.Dim, spec.Hidden)
	case MLPSwiGLU:
		return NewSwiGLU(b, name, spec.Dim, spec.Hidden)
	}
	b.Fail(errors.Errorf("unknown MLP %q: expected %s or %s", spec.MLP, MLPGELU, MLPSwiGLU), name)
	return nopLayer{}
}

// NewBlockOf creates the parameters of one trunk block of the given spec
// under name (norm_1, attn, norm_2, mlp, as in ml-aim).
func NewBlockOf(b *Builder, name string, spec BlockSpec) *Block {
	return &Block{
		b:     b,
		Norm1: NewNorm(b, name+".norm_1", spec.Dim, spec.Norm),
		Attn:  NewAttention(b, name+".attn", spec.Dim, spec.Heads, spec.SeqLen),
		Norm2: NewNorm(b, name+".norm_2", spec.Dim, spec.Norm),
		MLP:   NewFeedForward(b, name+".mlp", spec),
	}
}
