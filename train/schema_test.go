package train

import (
	"context"
	"testing"

	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/patches"
)

// TestCheckpointFollowsTheSchema reads a run's checkpoint only through the
// schema's readers: what train writes is what graph, probe and model read.
func TestCheckpointFollowsTheSchema(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(dir)
	o.Steps = 2
	o.Objective = graph.Objective{Order: patches.Spiral, Target: objectives.Raw}
	norm := Normalization{Mean: []float32{0.25}, Std: []float32{0.5}}
	if _, err := Pretrain(context.Background(), o, syntheticSet(10, 1), syntheticSet(3, 2), norm, Silent{}); err != nil {
		t.Fatal(err)
	}
	meta := mustRead(t, dir).Meta
	obj, ok, err := graph.RecordedObjective(meta)
	if err != nil || !ok || obj.Order != patches.Spiral || obj.Target != objectives.Raw {
		t.Errorf("recorded objective %+v, %v, %v; want spiral order, raw targets", obj, ok, err)
	}
	got, ok := schema.ReadNormalization(meta)
	if !ok || got.Mean[0] != 0.25 || got.Std[0] != 0.5 {
		t.Errorf("recorded normalisation %+v, %v; want %+v", got, ok, norm)
	}
	if step, err := schema.Count(meta, schema.Step); err != nil || step != 2 {
		t.Errorf("recorded step %d, %v; want 2", step, err)
	}
	if heads, err := schema.HeadCount(meta, o.Model.Width, 0); err != nil || heads != o.Model.Heads {
		t.Errorf("recorded head count %d, %v; want %d", heads, err, o.Model.Heads)
	}
	if _, ok, _ := graph.RecordedObjective(map[string]string{}); ok {
		t.Error("a checkpoint without run options reports a recorded objective")
	}
}
