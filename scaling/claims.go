package scaling

import (
	"fmt"
	"strings"

	"github.com/aim-go/aim/scaling/stats"
)

// Claim is one of the paper's findings and what the results say of it.
type Claim struct {
	// Paper states the finding; Part is the part of the study that
	// tests it.
	Paper, Part string
	// Evidence lists what was measured, one item per comparison or
	// correlation, each with its figure and 95% interval.
	Evidence []string
	// Verdict is one of the Verdict* constants, or a sentence for the
	// compute-optimal frontier.
	Verdict string
}

// Verdicts of a claim.
const (
	VerdictHolds    = "holds"
	VerdictReversed = "reversed"
	VerdictNotShown = "not shown: within noise"
	VerdictMixed    = "mixed"
	VerdictOneSeed  = "one seed: no interval yet"
	// VerdictSomeOneSeed: a correlation whose interval rests on points of
	// which some have one seed, and so understates the noise.
	VerdictSomeOneSeed = "not yet: some points have one seed"
	VerdictNotRun      = "not run yet"
	VerdictUndirected  = "no expected direction"
)

// pairedClaim is a claim tested by paired differences: the comparisons of
// a ladder on a metric that keep selects (nil: all), with the sign the
// paper expects of variant − baseline (0: none).
type pairedClaim struct {
	paper, part, ladder, metric string
	keep                        func(Comparison) bool
	sign                        float64
}

// variantHas selects the comparisons whose variant's label holds one of subs.
func variantHas(subs ...string) func(Comparison) bool {
	return func(c Comparison) bool {
		for _, s := range subs {
			if strings.Contains(c.Variant, s) {
				return true
			}
		}
		return false
	}
}

// longerSchedule selects the comparisons of a model on the longer schedule
// against the same model on the ladder's (not the steps of the longer
// schedule's own ladder).
func longerSchedule(c Comparison) bool { return !strings.Contains(c.Baseline, "steps") }

// correlationClaim is a claim tested by a rank correlation of a ladder.
type correlationClaim struct {
	paper, part, ladder, metric string
}

// Claims returns what the results say of each of the paper's findings the
// study tests, in the order of docs/results.md's table; a finding whose
// part has not run says so.
func (r *Results) Claims() []Claim {
	suite, head := MetricSuite, MetricSuite
	if r.Headline != "" && r.hasDataset(r.Headline) {
		head = accuracyOf + r.Headline
	}
	var out []Claim
	for _, c := range []correlationClaim{
		{"Lower pre-training loss goes with higher downstream accuracy across model sizes (suite average)", "models", ModelLadder, suite},
		{fmt.Sprintf("The same on the headline dataset (%s)", metricName(head)), "models", ModelLadder, head},
		{"Loss and accuracy move together during training (checkpoints, suite average)", "checkpoints", CheckpointLadder, suite},
		{fmt.Sprintf("The same on the headline dataset (checkpoints, %s)", metricName(head)), "checkpoints", CheckpointLadder, head},
	} {
		out = append(out, r.correlationClaim(c))
	}
	for _, c := range []pairedClaim{
		{"Larger models reach lower loss", "models, models-base", ModelLadder, MetricValLoss, nil, -1},
		{"Larger models reach higher accuracy", "models, models-base", ModelLadder, suite, nil, +1},
		{"The same, largest model against smallest", "models, models-base", LadderEnds(ModelLadder), suite, nil, +1},
		{"Longer training lowers the loss further", "long-small, long-bench", LongLadder, MetricValLoss, longerSchedule, -1},
		{"Longer training raises accuracy", "long-small, long-bench", LongLadder, suite, longerSchedule, +1},
		{"More unique images give higher accuracy (with augmentation)", "data", DataLadder, suite, nil, +1},
		{"The same, most images against fewest (with augmentation)", "data", LadderEnds(DataLadder), suite, nil, +1},
		{"More unique images give higher accuracy (without augmentation)", "data-noaug", NoAugDataLadder, suite, nil, +1},
		{"The same, most images against fewest (without augmentation)", "data-noaug", LadderEnds(NoAugDataLadder), suite, nil, +1},
		{"Raster order is best", "ablations-order", Ablation, suite, variantHas("order"), -1},
		{"Prefix attention beats causal pre-training", "ablations-objective", Ablation, suite, variantHas("causal"), -1},
		{"Normalised targets beat raw pixels", "ablations-objective", Ablation, suite, variantHas("raw"), -1},
		{"An MLP prediction head beats none", "ablations-head", Ablation, suite, variantHas("head depth 0"), -1},
		{"Other head depths than the baseline's", "ablations-head", Ablation, suite, variantHas("head depth 1", "head depth 4"), 0},
	} {
		out = append(out, r.pairedClaim(c))
	}
	equalCompute := pairedClaim{"At about equal compute, a larger model beats a smaller one trained longer (Fig. 6)",
		"models, models-base, long-small, long-bench", EqualCompute, MetricValLoss, nil, -1}
	return append(out, r.computeClaim(), r.pairedClaim(equalCompute))
}

// correlationClaim reads a claim off a ladder's correlation of validation
// loss with a metric: the paper expects it negative.
func (r *Results) correlationClaim(c correlationClaim) Claim {
	cl := Claim{Paper: c.paper, Part: c.part, Verdict: VerdictNotRun}
	for _, corr := range r.Correlations {
		if corr.Ladder != c.ladder || corr.Y != c.metric {
			continue
		}
		cl.Evidence = []string{corr.Sentence()}
		cl.Verdict = directedVerdict(corr.HasInterval, corr.Low, corr.High, -1)
		if corr.HasInterval && r.minSeeds(c.ladder) < 2 {
			cl.Verdict = VerdictSomeOneSeed
		}
	}
	return cl
}

// minSeeds is the fewest seeds a point of the ladder has.
func (r *Results) minSeeds(ladder string) int {
	pts := r.LadderPoints(ladder)
	if len(pts) == 0 {
		return 0
	}
	n := len(pts[0].Seeds)
	for _, p := range pts[1:] {
		n = min(n, len(p.Seeds))
	}
	return n
}

// pairedClaim reads a claim off the paired differences it names.
func (r *Results) pairedClaim(c pairedClaim) Claim {
	cl := Claim{Paper: c.paper, Part: c.part}
	var verdicts []string
	for _, cmp := range r.Comparisons {
		if cmp.Ladder != c.ladder || cmp.Metric != c.metric || (c.keep != nil && !c.keep(cmp)) {
			continue
		}
		scale, digits := 100.0, 2
		if c.metric == MetricValLoss {
			scale, digits = 1, 4
		}
		cl.Evidence = append(cl.Evidence, fmt.Sprintf("%s − %s, %s: %s", cmp.Variant, cmp.Baseline, metricName(c.metric),
			signedWithInterval(cmp.Summary, scale, digits)))
		verdicts = append(verdicts, directedVerdict(cmp.HasInterval, cmp.Low, cmp.High, c.sign))
	}
	cl.Verdict = combine(verdicts)
	return cl
}

// computeClaim reads the paper's Fig. 6 claim off the compute-optimal
// frontier: larger models become the better use of compute.
func (r *Results) computeClaim() Claim {
	cl := Claim{Paper: "Larger models are more compute-efficient (Fig. 6)", Part: "models, models-base, long-*", Verdict: VerdictNotRun}
	if r.Frontier == nil {
		return cl
	}
	cl.Evidence = []string{r.Frontier.Sentence()}
	cl.Verdict = "does not hold within the budget: no larger model overtakes a smaller one at equal compute"
	for _, s := range r.Frontier.Switches {
		if s.Reason == SwitchCross {
			cl.Verdict = VerdictHolds + fmt.Sprintf(": %s overtakes %s at %.3g FLOPs", s.To, s.From, s.Compute)
		}
	}
	return cl
}

// directedVerdict judges an interval [low, high] against the sign the
// paper expects (0: none expected).
func directedVerdict(hasInterval bool, low, high, sign float64) string {
	switch {
	case !hasInterval:
		return VerdictOneSeed
	case low <= 0 && high >= 0:
		return VerdictNotShown
	case sign == 0:
		return stats.VerdictBeyondNoise + ", " + VerdictUndirected
	case (low > 0) == (sign > 0):
		return VerdictHolds
	}
	return VerdictReversed
}

// combine sums up the verdicts of a claim's comparisons: the one verdict
// they share, or "mixed" with the count of each.
func combine(verdicts []string) string {
	if len(verdicts) == 0 {
		return VerdictNotRun
	}
	counts := map[string]int{}
	var order []string
	for _, v := range verdicts {
		if counts[v] == 0 {
			order = append(order, v)
		}
		counts[v]++
	}
	if len(order) == 1 {
		return order[0]
	}
	var parts []string
	for _, v := range order {
		parts = append(parts, fmt.Sprintf("%s %d of %d", v, counts[v], len(verdicts)))
	}
	return VerdictMixed + " (" + strings.Join(parts, "; ") + ")"
}

// claimsTable writes the claims as a Markdown table.
func (r *Results) claimsTable(b *strings.Builder) {
	b.WriteString("\n## The paper's claims\n\nEach finding the study tests, the comparisons or correlations that test it (95% intervals) " +
		"and the verdict: \"holds\" when every interval excludes 0 on the side the paper expects.\n\n")
	writeRow(b, []string{"paper", "part", "evidence", "verdict"})
	writeRow(b, []string{"---", "---", "---", "---"})
	for _, c := range r.Claims() {
		evidence := strings.Join(c.Evidence, "; ")
		if evidence == "" {
			evidence = "—"
		}
		writeRow(b, []string{c.Paper, c.Part, evidence, "**" + c.Verdict + "**"})
	}
}
