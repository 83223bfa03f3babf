// Package stats holds the statistics of the scaling study: the figure of one
// sweep point over its pre-training seeds, the paired difference between an
// ablation and its baseline, the rank correlation of validation loss with
// downstream accuracy across points, and the fit of loss against compute.
//
// # Intervals over seeds
//
// A point of a sweep is run with a handful of seeds, typically two to five.
// Its figure is the mean over those seeds with a two-sided confidence
// interval from Student's t distribution with n−1 degrees of freedom:
// mean ± t(1−α/2, n−1)·sd/√n. A bootstrap over seeds would be the wrong tool
// here: n seeds have only C(2n−1, n) distinct resamples (3 for two seeds, 35
// for four), so its percentile interval is a coarse, optimistic staircase
// rather than an interval. The t interval is exact for normally distributed
// seed noise and honest about how little a few seeds say: with two seeds
// t(0.975, 1) ≈ 12.7.
//
// An ablation is compared with its baseline seed by seed (seed i of both was
// pre-trained from the same initialisation and data order), so the interval
// is that of the mean paired difference. Its verdict is "beyond noise" when
// the interval excludes zero and "within noise" otherwise.
//
// # Bootstrap where there is no closed form
//
// Two figures have no closed-form interval: Spearman's rank correlation
// across points and the parameters of a fitted power law. Both get a
// percentile bootstrap over seeds (each resample draws seeds with
// replacement, recomputes the point means and the statistic). Resampling is
// deterministic: it draws from a PCG generator seeded with the caller's seed.
//
// # Power laws
//
// Loss against compute follows L(C) = A·C^(−B) + E. FitPowerLaw fits it by
// least squares on the loss, optimising log a, B and E in a rescaled problem
// (compute divided by its geometric mean, loss by its mean magnitude) so that
// the three parameters are of order one, and converts A back to the caller's
// units. The floor E is an irreducible loss and bounded below by 0: a curve
// that shows no floor (about straight in log compute) has no least-squares
// optimum without the bound, and is fitted on it, E = 0, as a pure power law
// (PowerLaw.NoFloor). Frontier reports, along the compute axis, which model's fitted law
// gives the lowest loss and at which compute that model changes.
package stats
