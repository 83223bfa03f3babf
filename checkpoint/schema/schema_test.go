package schema

import (
	"strings"
	"testing"

	"github.com/pkg/errors"
)

func TestHeadCount(t *testing.T) {
	cases := []struct {
		name            string
		meta            map[string]string
		width, fallback int
		want            int
		err             string
	}{
		{"recorded wins over the fallback", map[string]string{NumHeads: " 4 "}, 256, 2, 4, ""},
		{"fallback without metadata", nil, 96, 3, 3, ""},
		{"paper's head width", nil, 1024, 0, 8, ""},
		{"width not a multiple of 128", nil, 96, 0, 0, "no num_heads metadata, and the width 96"},
		{"not a divisor", map[string]string{NumHeads: "3"}, 128, 0, 0, `metadata num_heads = "3" is not a positive divisor of the width 128`},
		{"not a number", map[string]string{NumHeads: "two"}, 128, 0, 0, "metadata num_heads"},
		{"zero", map[string]string{NumHeads: "0"}, 128, 0, 0, "positive divisor"},
	}
	for _, c := range cases {
		got, err := HeadCount(c.meta, c.width, c.fallback)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %d, %v; want %d", c.name, got, err, c.want)
		}
	}
}

func TestNumbersRoundTrip(t *testing.T) {
	meta := map[string]string{}
	SetFloat(meta, LossSum, 0.1+0.2)
	if v, ok, err := Float(meta, LossSum); !ok || err != nil || v != 0.1+0.2 {
		t.Errorf("Float = %v, %v, %v; want the exact value written", v, ok, err)
	}
	if _, ok, err := Float(meta, Seconds); ok || err != nil {
		t.Errorf("absent key: ok %v, err %v; want false, nil", ok, err)
	}
	meta[Seconds] = "soon"
	if _, _, err := Float(meta, Seconds); err == nil || !strings.Contains(err.Error(), "metadata "+Seconds) {
		t.Errorf("malformed number: %v, want an error naming the key", err)
	}
	for s, ok := range map[string]bool{"0": true, "17": true, "-1": false, "": false, "1.5": false} {
		meta[Step] = s
		n, err := Count(meta, Step)
		if (err == nil) != ok || (ok && n == 0 && s != "0") {
			t.Errorf("Count(%q) = %d, %v; valid %v", s, n, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "metadata step") {
			t.Errorf("Count(%q) error %v does not name the key", s, err)
		}
	}
}

func TestNormalization(t *testing.T) {
	meta := map[string]string{}
	want := Normalization{Mean: []float32{0.5, 0.25, 0.125}, Std: []float32{0.2, 0.3, 0.4}}
	if err := SetNormalization(meta, want); err != nil {
		t.Fatal(err)
	}
	if meta[DataMean] != "[0.5,0.25,0.125]" {
		t.Errorf("%s = %s, want a compact JSON list", DataMean, meta[DataMean])
	}
	got, ok := ReadNormalization(meta)
	if !ok || len(got.Mean) != 3 || got.Mean[1] != 0.25 || got.Std[2] != 0.4 {
		t.Errorf("ReadNormalization = %+v, %v; want %+v", got, ok, want)
	}
	bad := []struct {
		name string
		meta map[string]string
		err  string
	}{
		{"absent", map[string]string{}, "metadata data_"},
		{"not JSON", map[string]string{DataMean: "[0.5", DataStd: "[1]"}, "metadata data_mean"},
		{"lengths differ", map[string]string{DataMean: "[0.5,0.5]", DataStd: "[1]"}, "got 2 and 1 values"},
		{"empty", map[string]string{DataMean: "[]", DataStd: "[]"}, "got 0 and 0"},
	}
	for _, c := range bad {
		if _, ok := ReadNormalization(c.meta); ok {
			t.Errorf("%s: ReadNormalization accepted it", c.name)
		}
		if _, err := RequireNormalization(c.meta); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: RequireNormalization error %v, want one containing %q", c.name, err, c.err)
		}
	}
}

func TestProbeLayersOf(t *testing.T) {
	none := func([]int) error { return nil }
	if l, err := ProbeLayersOf(map[string]string{}, none); l != nil || err != nil {
		t.Errorf("no key: %v, %v; want nil, nil", l, err)
	}
	l, err := ProbeLayersOf(map[string]string{probeLayersOld: "[4,5]"}, none)
	if err != nil || len(l) != 2 || l[1] != 5 {
		t.Errorf("older key: %v, %v; want [4 5]", l, err)
	}
	l, _ = ProbeLayersOf(map[string]string{probeLayersOld: "[1]", ProbeLayers: "[2]"}, none)
	if len(l) != 1 || l[0] != 2 {
		t.Errorf("both keys: %v, want the current key's [2]", l)
	}
	if _, err := ProbeLayersOf(map[string]string{ProbeLayers: "[]"}, none); err == nil || !strings.Contains(err.Error(), "metadata probe_layers") {
		t.Errorf("empty list: %v, want an error naming the key", err)
	}
	refuse := func([]int) error { return errors.New("block 3 is listed twice") }
	if _, err := ProbeLayersOf(map[string]string{ProbeLayers: "[3,3]"}, refuse); err == nil || !strings.Contains(err.Error(), "metadata probe_layers = [3,3]: block 3") {
		t.Errorf("vetted list: %v, want the check's error with key and value", err)
	}
}

func TestJSON(t *testing.T) {
	meta := map[string]string{}
	if err := SetJSON(meta, ModelConfig, map[string]int{"width": 8}); err != nil {
		t.Fatal(err)
	}
	var v struct{ Width int }
	if ok, err := JSON(meta, ModelConfig, &v); !ok || err != nil || v.Width != 8 {
		t.Errorf("JSON = %v, %v, %+v", ok, err, v)
	}
	if ok, err := JSON(meta, TrainOptions, &v); ok || err != nil {
		t.Errorf("absent key: %v, %v; want false, nil", ok, err)
	}
	meta[TrainOptions] = "{"
	if _, err := JSON(meta, TrainOptions, &v); err == nil || !strings.Contains(err.Error(), "metadata aim_train") {
		t.Errorf("malformed JSON: %v, want an error naming the key", err)
	}
	if err := SetJSON(meta, TrainOptions, func() {}); err == nil || !strings.Contains(err.Error(), "encoding metadata aim_train") {
		t.Errorf("unencodable value: %v", err)
	}
}
