// Package probe measures what a frozen AIM trunk has learned: it trains a
// small head on the trunk's features of a labelled dataset and reports the
// head's top-1 accuracy on the dataset's official test split (data.Load's
// Source.Test), which training never sees. Only the head is trained; the
// trunk's weights are read, never written.
//
// # Features
//
// The trunk runs bidirectionally (no mask). The features of an image are,
// per token, the mean of the raw outputs (the residual stream, before
// post_trunk_norm) of chosen blocks, by default graph.DefaultFeatureLayers:
// the last ceil(depth/4). Without augmentation (the default) they are
// computed once for the training and the test images, in batches, and held
// in memory: (N, K, D) float32 for the attentive probe, only the token mean
// (N, D) for the linear one, so that every epoch costs only the head. With
// Options.Augment every training batch is augmented anew and its features
// recomputed: slow, but the paper's recipe.
//
// # Heads
//
// Attentive is ml-aim's AttentionPoolingClassifier (aim/torch/layers.py):
// BatchNorm over the feature dimension without affine parameters (eps 1e-6,
// statistics over batch×tokens, running mean and unbiased running variance
// with PyTorch's momentum 0.1, used in evaluation); one learned query
// cls_token (1, D), initialised N(0, 0.02²) and used without projection;
// k and v Linear(D, D) without bias; softmax(q·kᵀ/√(D/heads)) over the K
// tokens with the trunk's head count; the heads concatenated; and
// Linear(D → classes) with bias. Linear is the token mean, BatchNorm (no
// affine) and Linear(D → classes). Both minimise the softmax cross-entropy
// (computed through log-sum-exp) with AdamW under a warmup-cosine schedule.
// Head.Save writes a head under ml-aim's names (head.cls_token (1, 1, D),
// head.k.weight, head.v.weight, head.linear.weight, head.linear.bias,
// head.bn.running_mean, head.bn.running_var).
//
// # Images
//
// Downstream images are fitted (data.Fit) to the trunk's input: to its
// channel count (1↔3 conversions only) and to the image size its checkpoint
// records (the aim_config metadata). A checkpoint without a recorded size
// takes the dataset's own size when the patch size divides it, and fails
// otherwise. The fitted images are normalised per channel with the
// checkpoint's pre-training statistics (schema.ReadNormalization) when it
// records them for as many channels as the trunk has; otherwise with the
// mean and standard deviation of the downstream training images (after the
// --train-images selection). Result.Normalization says which.
//
// Photos read through a photo transform (data.FolderOptions.Photos: an
// AIMv2 checkpoint's folder: dataset) are already the trunk's input:
// with Options.Preprocessed naming the transform they are neither fitted
// nor normalised again, and Result.Normalization is NormTransform.
//
// # Recipe
//
// DefaultOptions: at least 10 epochs and at least 500 steps (small datasets
// such as optdigits and lfw-faces get more epochs), batch 256, peak learning
// rate 3e-2 with a linear warmup over 5% of the steps and cosine decay to 0,
// AdamW with β2 0.999, weight decay 0.05 on the weight matrices and the
// query (not the bias) and gradient-norm clipping at 3. Each epoch is a new
// permutation of the training images; its last incomplete batch is
// dropped, so BatchNorm always sees full batches. The rate was chosen with
// the tiny preset pre-trained on Fashion-MNIST: on MNIST and Fashion-MNIST
// (10,000 training images) and on all of MNIST, 1e-3 left both probes far
// from converged in 10 epochs, 1e-2 to 1e-1 gave accuracies within about a
// point of each other, and 3e-2 sits in the middle of that plateau;
// weight decay 0 or 0.05 made no difference; more epochs gained little.
//
// # Suite
//
// Suite probes one trunk on every installed labelled dataset
// (SuiteDatasets), skips those that are not installed (data.ErrNotInstalled)
// with the reason in the result, and reports per-dataset and average test
// accuracy, optionally next to an untrained trunk of the same architecture
// (Trunk.Randomized) as the baseline.
//
// # Classifying
//
// A trained head, one of Apple's released ImageNet heads or the head inside
// a released classifier file (LoadHead, HeadFrom, HasHead) makes, with its
// trunk, a Classifier: images in, logits out, in batches whose memory
// follows the number of images. TopK turns logits into the most probable
// classes with their probabilities.
package probe
