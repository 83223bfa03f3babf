// Package train runs AIM pre-training: it draws batches, samples prefix
// lengths, steps AdamW on the gradients of the training graph under a
// warmup-cosine schedule, evaluates a deterministic validation loss, and
// writes metrics and atomic, resumable checkpoints.
//
// A run is a pure function of its Options and data: image i of the global
// batch of step s is the (s·Batch + i)-th image of per-epoch permutations
// of the training set (data.Permutation, a function of the seed and the
// epoch), and its prefix length, then its augmentation, are drawn from a
// generator of its own, seeded by (seed, s, i). So a run interrupted and
// resumed from its checkpoint follows exactly the loss curve of an
// uninterrupted run, and any share of a batch can be drawn without the
// rest.
//
// PrepareData holds out the validation images and normalises both splits;
// Pretrain runs the loop with Options (NewOptions gives AIM's defaults),
// holding a lock on the run directory; ReadMetrics reads a run's
// metrics.jsonl back. What a checkpoint records besides its tensors (the
// run's options, progress and input normalisation, which every later use
// of the trunk applies) is defined in package checkpoint/schema.
//
// # Data parallelism
//
// With Options.Comm of N ranks (package mpi; aim pretrain under mpirun),
// Batch is the global batch, a multiple of N, and rank r takes the images
// r·Batch/N … (r+1)·Batch/N − 1 of every global batch, drawing exactly
// what a single process draws for them. Every rank starts from rank 0's
// weights (and, when resuming, rank 0's optimiser state and progress, read
// from the checkpoint by rank 0 alone, so another number of ranks may
// resume a run). After the backward pass each rank scales its gradients by
// its share of the batch's counted target patches and the ranks sum them
// in buckets of up to 4 Mi values (MPI all-reduce), so every rank holds the
// gradient of the token mean over the global batch; the loss is reduced
// the same way, with a flag that stops every rank at the same step when
// one is interrupted. Clipping (the global norm of the reduced gradients)
// and AdamW then do the same on every rank. The validation images are
// split over the ranks and the loss sums reduced. Rank 0 alone writes
// metrics.jsonl (each line records "ranks") and the checkpoints and
// reports progress. At every evaluation the ranks compare a hash of their
// weights with rank 0's, and a rank that ever differed would take rank 0's
// weights and moments (recorded as "replicas_resynced"). Before the first
// step the ranks check that they read the same training and validation
// images.
//
// The result equals the single-process run with the same Batch to float32
// rounding (the sums are taken in another order), not bit for bit.
package train
