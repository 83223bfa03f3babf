package graph

import "github.com/aim-go/aim/layers"

// floatBytes is the size of a float32, the element type of training.
const floatBytes = 4

// TrainBytes estimates the memory, in bytes, of pre-training this
// architecture on batches of batch images in float32: per image, the input
// patches and targets and the activations the backward pass reads (every
// block's norms, qkv, attention output and probabilities, projections and
// MLP, and the prediction head's); for the model, the weights, their
// gradients and AdamW's two moments. Memory planning lets the backward
// pass reuse the forward buffers, so this tracks what a training step holds
// (the test checks it against the heap of real steps).
func (c Config) TrainBytes(batch int) int64 {
	k, d, w := int64(c.Grid().Len()), int64(c.Width), int64(c.HeadWidth)
	p, r, h := int64(c.Grid().Dim()), int64(c.MLPRatio), int64(c.Heads)
	inputs := k * (2*p + 1)
	mlp := 2 * int64(c.Hidden()) // the hidden layer before and after its activation
	if c.MLP == layers.MLPSwiGLU {
		mlp = 3 * int64(c.Hidden()) // gate, up and their product
	}
	block := 11*k*d + mlp*k + h*k*k
	head := k*w*(4+int64(c.HeadDepth)*(5+2*r)) + 2*k*p
	perImage := inputs + int64(c.Depth)*block + head
	trunk, headParams := c.ParamCount()
	return floatBytes * (int64(batch)*perImage + 4*int64(trunk+headParams))
}
