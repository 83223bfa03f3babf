package layers

import (
	G "gorgonia.org/gorgonia"
)

// NormEps is the LayerNorm epsilon of every norm in AIM.
const NormEps = 1e-6

// Linear is y = x·Wᵀ + b with W stored (out, in) like nn.Linear.
type Linear struct {
	b         *Builder
	W, B      *G.Node // B is nil without bias
	InputGrad bool    // false where x is data and needs no gradient
}

// NewLinear creates name.weight (out, in), Xavier-uniform, and, with bias,
// name.bias (out), zero. A builder with a HalfLoader may get the weight as
// 16-bit values, which the layer then uses in place (see Builder.Linear).
func NewLinear(b *Builder, name string, in, out int, bias bool) *Linear {
	l := &Linear{b: b, InputGrad: true}
	l.W = b.LinearWeight(name+".weight", XavierUniform, []int{out, in})
	if bias {
		l.B = b.Param(name+".bias", Constant(0), []int{out})
	}
	return l
}

// Forward applies the layer to x (N, in).
func (l *Linear) Forward(x *G.Node) *G.Node { return l.b.Linear(x, l.W, l.B, l.InputGrad) }

// LayerNorm normalises each row over its features (eps 1e-6, with weight and
// bias).
type LayerNorm struct {
	b            *Builder
	Weight, Bias *G.Node
	Eps          float64
}

// NewLayerNorm creates name.weight (ones) and name.bias (zeros) of size dim.
func NewLayerNorm(b *Builder, name string, dim int) *LayerNorm {
	return &LayerNorm{
		b:      b,
		Weight: b.Param(name+".weight", Constant(1), []int{dim}),
		Bias:   b.Param(name+".bias", Constant(0), []int{dim}),
		Eps:    NormEps,
	}
}

// Forward applies the norm to x (N, dim).
func (n *LayerNorm) Forward(x *G.Node) *G.Node {
	return n.b.LayerNorm(x, n.Weight, n.Bias, n.Eps)
}

// MLP is fc2(GELU(fc1(x))) with hidden width ratio·dim and no biases.
type MLP struct {
	b        *Builder
	FC1, FC2 *Linear
}

// NewMLP creates name.fc1 (hidden, dim) and name.fc2 (dim, hidden).
func NewMLP(b *Builder, name string, dim, hidden int) *MLP {
	return &MLP{b: b, FC1: NewLinear(b, name+".fc1", dim, hidden, false), FC2: NewLinear(b, name+".fc2", hidden, dim, false)}
}

// Forward applies the MLP to x (N, dim).
func (m *MLP) Forward(x *G.Node) *G.Node { return m.FC2.Forward(m.b.GELU(m.FC1.Forward(x))) }

// Attention is multi-head self-attention with a fused qkv projection and an
// output projection, both without bias, under the prefix mask of package
// masks.
type Attention struct {
	b             *Builder
	QKV, Proj     *Linear
	Heads, SeqLen int
}

// NewAttention creates name.qkv (3·dim, dim) and name.proj (dim, dim) for
// sequences of seqLen tokens.
func NewAttention(b *Builder, name string, dim, heads, seqLen int) *Attention {
	return &Attention{
		b: b, Heads: heads, SeqLen: seqLen,
		QKV:  NewLinear(b, name+".qkv", dim, 3*dim, false),
		Proj: NewLinear(b, name+".proj", dim, dim, false),
	}
}

// Forward attends within each sample of x (B·K, dim); prefix (B) holds each
// sample's prefix length.
func (a *Attention) Forward(x, prefix *G.Node) *G.Node {
	return a.Proj.Forward(a.b.Attention(a.QKV.Forward(x), prefix, a.Heads, a.SeqLen))
}

// Block is the pre-norm transformer block: x += Attn(N1(x)); x += MLP(N2(x)),
// N a LayerNorm (AIM v1) or an RMSNorm (AIMv2), MLP a GELU MLP or SwiGLU.
type Block struct {
	b            *Builder
	Norm1, Norm2 Norm
	Attn         *Attention
	MLP          FeedForward
}

// NewBlock creates the parameters of one AIM v1 trunk block under name
// (norm_1, attn, norm_2, mlp, as in ml-aim): LayerNorms and a GELU MLP.
func NewBlock(b *Builder, name string, dim, heads, mlpRatio, seqLen int) *Block {
	return NewBlockOf(b, name, BlockSpec{Dim: dim, Heads: heads, SeqLen: seqLen, Hidden: mlpRatio * dim})
}

// Forward applies the block to x (B·K, dim).
func (blk *Block) Forward(x, prefix *G.Node) *G.Node {
	x = blk.b.Add(x, blk.Attn.Forward(blk.Norm1.Forward(x), prefix))
	return blk.b.Add(x, blk.MLP.Forward(blk.Norm2.Forward(x)))
}

// ResidualMLP is the block of the prediction head: x += MLP(LN(x)), applied
// to each token on its own.
type ResidualMLP struct {
	b    *Builder
	Norm *LayerNorm
	MLP  *MLP
}

// NewResidualMLP creates name.norm and name.mlp for width dim.
func NewResidualMLP(b *Builder, name string, dim, mlpRatio int) *ResidualMLP {
	return &ResidualMLP{b: b, Norm: NewLayerNorm(b, name+".norm", dim), MLP: NewMLP(b, name+".mlp", dim, mlpRatio*dim)}
}

// Forward applies the block to x (N, dim).
func (r *ResidualMLP) Forward(x *G.Node) *G.Node {
	return r.b.Add(x, r.MLP.Forward(r.Norm.Forward(x)))
}

// PatchEmbed maps flattened patches to tokens: a linear map (the p×p,
// stride-p convolution of ml-aim's patchifier, weight stored (D, C, p, p))
// followed by a LayerNorm (AIM v1) or an RMSNorm (AIMv2).
type PatchEmbed struct {
	b    *Builder
	Proj *Linear
	Norm Norm
}

// NewPatchEmbed creates name.proj.{weight,bias} and name.norm.{weight,bias}
// (AIM v1's patch embedding, with a LayerNorm).
func NewPatchEmbed(b *Builder, name string, channels, patch, dim int) *PatchEmbed {
	return NewPatchEmbedOf(b, name, channels, patch, dim, NormSpec{})
}

// NewPatchEmbedOf creates name.proj.{weight,bias} and the norm of spec
// under name.norm.
func NewPatchEmbedOf(b *Builder, name string, channels, patch, dim int, norm NormSpec) *PatchEmbed {
	in := channels * patch * patch
	proj := &Linear{
		b:         b,
		W:         b.Param(name+".proj.weight", XavierUniform, []int{dim, channels, patch, patch}, dim, in),
		B:         b.Param(name+".proj.bias", Constant(0), []int{dim}),
		InputGrad: false,
	}
	return &PatchEmbed{b: b, Proj: proj, Norm: NewNorm(b, name+".norm", dim, norm)}
}

// Forward embeds patches (B·K, C·p·p), each flattened in (channel, row,
// column) order, into tokens (B·K, D).
func (p *PatchEmbed) Forward(patches *G.Node) *G.Node {
	return p.Norm.Forward(p.Proj.Forward(patches))
}
