package scaling

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aim-go/aim/scaling/stats"
)

// Tables writes the results as Markdown: what they say of each of the
// paper's claims, each ladder's points (mean and 95% interval over seeds), the paired comparisons with their verdicts,
// the rank correlations and the power-law fits with the compute-optimal
// frontier.
func (r *Results) Tables() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Results: %s study on %s (%s)\n\n", r.Mode, r.Dataset, r.Sweep)
	b.WriteString("Figures are means over pre-training seeds; brackets hold the 95% t interval of the mean " +
		"(none with one seed). Accuracies are top-1 test accuracies in per cent.\n")
	r.claimsTable(&b)
	for _, ladder := range ladderOrder {
		if pts := r.LadderPoints(ladder); len(pts) > 0 {
			r.pointTable(&b, ladder, pts)
		}
	}
	r.comparisonTables(&b)
	r.correlationTable(&b)
	r.fitTable(&b)
	r.codeTable(&b)
	return b.String()
}

// codeTable writes which code made the runs: each distinct pair of the
// versions that trained and probed them, with the runs' keys.
func (r *Results) codeTable(b *strings.Builder) {
	type made struct{ trained, probed string }
	var order []made
	keys := map[made][]string{}
	for _, run := range r.Runs {
		m := made{orUnrecorded(run.TrainedBy), orUnrecorded(run.ProbedBy)}
		if _, ok := keys[m]; !ok {
			order = append(order, m)
		}
		keys[m] = append(keys[m], run.Spec.Key())
	}
	b.WriteString("\n## Code versions\n\nThe revision of this repository whose `aim` binary pre-trained and probed each run.\n\n")
	writeRow(b, []string{"trained by", "probed by", "runs", "run keys"})
	writeRow(b, []string{"---", "---", "---", "---"})
	for _, m := range order {
		writeRow(b, []string{m.trained, m.probed, fmt.Sprint(len(keys[m])), strings.Join(keys[m], ", ")})
	}
}

// orUnrecorded is a code version, or "unrecorded" for none.
func orUnrecorded(code string) string {
	if code == "" {
		return "unrecorded"
	}
	return code
}

// pointTable writes one ladder's points.
func (r *Results) pointTable(b *strings.Builder, ladder string, pts []Point) {
	fmt.Fprintf(b, "\n## %s\n\n", capitalise(title(ladder)))
	head := []string{"point", "seeds", "trunk params", "unique images", "pre-training FLOPs", "final val loss", "suite average"}
	others := r.datasets()
	if h := r.Headline; h != "" && r.hasDataset(h) {
		head = append(head, h)
		others = deleteString(others, h)
	}
	head = append(head, others...)
	writeRow(b, head)
	writeRow(b, strings.Split(strings.Repeat("---,", len(head)-1)+"---", ","))
	for _, p := range pts {
		row := []string{p.Label, fmt.Sprint(len(p.Seeds)), fmt.Sprintf("%.3gM", float64(p.TrunkParams)/1e6),
			fmt.Sprintf("%d", p.UniqueImages), fmt.Sprintf("%.3g", p.FLOPs), withInterval(p.FinalValLoss, 1, 4),
			"**" + withInterval(p.SuiteAverage, 100, 2) + "**"}
		if h := r.Headline; h != "" && r.hasDataset(h) {
			row = append(row, "**"+withInterval(p.Accuracy[h], 100, 2)+"**")
		}
		for _, d := range others {
			row = append(row, meanOnly(p.Accuracy[d]))
		}
		writeRow(b, row)
	}
}

// comparisonLadders are the ladders of the comparisons in the order of
// their tables: each ladder's steps, then its ends (the augmentation pairs
// after the data ladder without it), then equal compute.
func comparisonLadders() []string {
	var out []string
	for _, ladder := range ladderOrder {
		out = append(out, ladder)
		if slices.Contains(endsLadders, ladder) {
			out = append(out, LadderEnds(ladder))
		}
		if ladder == NoAugDataLadder {
			out = append(out, Augmentation)
		}
	}
	return append(out, EqualCompute)
}

// comparisonTables writes the paired differences, one table per ladder.
func (r *Results) comparisonTables(b *strings.Builder) {
	for _, ladder := range comparisonLadders() {
		var cs []Comparison
		for _, c := range r.Comparisons {
			if c.Ladder == ladder {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 {
			continue
		}
		what := "each step against the one before"
		switch ladder {
		case Ablation:
			what = "each ablation against the baseline"
		case LadderEnds(ModelLadder), LadderEnds(DataLadder), LadderEnds(NoAugDataLadder):
			what = "the last point against the first"
		case Augmentation:
			what = "without the paper's augmentation against with it, at each number of unique images"
		case EqualCompute:
			what = fmt.Sprintf("a larger model against a smaller one trained longer, their compute within %.1f×", EqualComputeRatio)
		}
		fmt.Fprintf(b, "\n## Paired differences: %s, %s\n\n", title(ladder), what)
		b.WriteString("Mean over seeds of (variant − baseline) of the same seed, with its 95% t interval; " +
			"\"beyond noise\" when the interval excludes 0.\n\n")
		writeRow(b, []string{"baseline", "variant", "metric", "seeds", "mean difference [95% interval]", "verdict"})
		writeRow(b, []string{"---", "---", "---", "---", "---", "---"})
		for _, c := range cs {
			scale, digits := 100.0, 2
			if c.Metric == MetricValLoss {
				scale, digits = 1, 4
			}
			writeRow(b, []string{c.Baseline, c.Variant, metricName(c.Metric), fmt.Sprint(c.N),
				signedWithInterval(c.Summary, scale, digits), c.Verdict})
		}
	}
}

// correlationTable writes the rank correlations.
func (r *Results) correlationTable(b *strings.Builder) {
	if len(r.Correlations) == 0 {
		return
	}
	b.WriteString("\n## Rank correlations\n\n")
	b.WriteString("Spearman correlation of the points' mean figures, with a percentile bootstrap interval " +
		"over seeds (each resample draws every point's seeds with replacement).\n\n")
	writeRow(b, []string{"ladder", "x", "y", "points", "Spearman ρ", "95% bootstrap interval", "resamples"})
	writeRow(b, []string{"---", "---", "---", "---", "---", "---", "---"})
	for _, c := range r.Correlations {
		iv := "— (one seed)"
		if c.HasInterval {
			iv = fmt.Sprintf("[%.2f, %.2f]", c.Low, c.High)
		}
		writeRow(b, []string{title(c.Ladder), metricName(c.X), metricName(c.Y), fmt.Sprint(c.Points),
			fmt.Sprintf("%.2f", c.Estimate), iv, fmt.Sprint(c.Resamples)})
	}
}

// fitTable writes the power laws of loss against compute and the frontier.
func (r *Results) fitTable(b *strings.Builder) {
	if len(r.ComputeFits) == 0 {
		return
	}
	b.WriteString("\n## Validation loss vs compute: L(C) = a·C^(−b) + e\n\n")
	b.WriteString("Least-squares fit of each model's seed-mean curve, with e ≥ 0; brackets: percentile bootstrap " +
		"interval over seeds (whole curves resampled and refitted).\n\n")
	writeRow(b, []string{"model", "compute (FLOPs)", "a", "b", "e"})
	writeRow(b, []string{"---", "---", "---", "---", "---"})
	for _, f := range r.ComputeFits {
		span := fmt.Sprintf("%.3g–%.3g", f.MinCompute, f.MaxCompute)
		if f.Error != "" {
			writeRow(b, []string{f.Label, span, "no fit: " + f.Error, "", ""})
			continue
		}
		cell := func(v, lo, hi float64) string {
			if !f.HasInterval {
				return fmt.Sprintf("%.4g", v)
			}
			return fmt.Sprintf("%.4g [%.4g, %.4g]", v, lo, hi)
		}
		e := cell(f.Fit.E, f.Low.E, f.High.E)
		if f.Fit.NoFloor {
			e += " (held at its bound: the curve shows no floor above 0)"
		}
		writeRow(b, []string{f.Label, span, cell(f.Fit.A, f.Low.A, f.High.A), cell(f.Fit.B, f.Low.B, f.High.B), e})
	}
	if f := r.Frontier; f != nil {
		fmt.Fprintf(b, "\n%s\n", f.Sentence())
	}
}

// Sentence says where the compute-optimal frontier switches model, or that
// it does not.
func (f *Frontier) Sentence() string {
	span := fmt.Sprintf("from %.3g to %.3g FLOPs (each model only over the compute its own run spans)", f.MinCompute, f.MaxCompute)
	if len(f.Switches) == 0 {
		return fmt.Sprintf("Compute-optimal frontier %s: %s has the lowest fitted loss throughout; the frontier does not switch model within the budget.", span, f.Best)
	}
	var parts []string
	for _, s := range f.Switches {
		parts = append(parts, fmt.Sprintf("from %s to %s at %.3g FLOPs (%s)", s.From, s.To, s.Compute, s.Reason))
	}
	crossings := 0
	for _, s := range f.Switches {
		if s.Reason == SwitchCross {
			crossings++
		}
	}
	note := ""
	if crossings == 0 {
		note = " No two fitted curves cross where both runs went: at equal compute, no larger model overtakes a smaller one within the budget."
	}
	return fmt.Sprintf("Compute-optimal frontier %s: %s is best at first; the best model changes %s.%s", span, f.Best, strings.Join(parts, ", then "), note)
}

// withInterval writes a summary's mean times scale, and its interval in
// brackets when it has one.
func withInterval(s stats.Summary, scale float64, digits int) string {
	if s.N == 0 {
		return ""
	}
	if !s.HasInterval {
		return fmt.Sprintf("%.*f", digits, scale*s.Mean)
	}
	return fmt.Sprintf("%.*f [%.*f, %.*f]", digits, scale*s.Mean, digits, scale*s.Low, digits, scale*s.High)
}

// signedWithInterval is withInterval with signs.
func signedWithInterval(s stats.Summary, scale float64, digits int) string {
	if !s.HasInterval {
		return fmt.Sprintf("%+.*f", digits, scale*s.Mean)
	}
	return fmt.Sprintf("%+.*f [%+.*f, %+.*f]", digits, scale*s.Mean, digits, scale*s.Low, digits, scale*s.High)
}

func meanOnly(s stats.Summary) string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", 100*s.Mean)
}

func writeRow(b *strings.Builder, cells []string) {
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func deleteString(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// Sentence says what a correlation measured: "model ladder: Spearman
// correlation of final val loss and suite average over 4 points: −1.00
// (95% bootstrap interval −1.00 to −0.80)".
func (c Correlation) Sentence() string {
	line := fmt.Sprintf("%s: Spearman correlation of %s and %s over %d points: %.2f", title(c.Ladder), metricName(c.X), metricName(c.Y), c.Points, c.Estimate)
	if c.HasInterval {
		return line + fmt.Sprintf(" (95%% bootstrap interval over seeds %.2f to %.2f)", c.Low, c.High)
	}
	return line + " (one seed: no interval)"
}
