// Package schedules provides the learning-rate schedules of training: a
// learning rate as a function of the optimizer step, counted from 0.
//
// AIM pre-trains with a linear warmup followed by a cosine decay
// (WarmupCosine); Constant serves short runs and tests.
package schedules
