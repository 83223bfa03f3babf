package probe

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

func TestZZTune(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	ctx := context.Background()
	tr, err := LoadTrunk("/tmp/fmnist-tiny/checkpoint.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("RANDOM") != "" {
		tr, _ = tr.Randomized(0)
	}
	src, err := data.Load(os.Getenv("TUNE"), data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(os.Getenv("N"))
	prep, err := tr.prepare("x", src, n)
	if err != nil {
		t.Fatal(err)
	}
	layers := graph.DefaultFeatureLayers(prep.model.Config.Depth)
	if s := os.Getenv("LAYERS"); s != "" {
		layers = nil
		for _, p := range strings.Split(s, ",") {
			v, _ := strconv.Atoi(p)
			layers = append(layers, v)
		}
	}
	for _, kind := range strings.Split(os.Getenv("KINDS"), ",") {
		ex, err := newExtractor(prep.model, 128, layers, Kind(kind) == Linear, nil)
		if err != nil {
			t.Fatal(err)
		}
		trf, _ := cache(ctx, live{ex, prep.train}, Silent{})
		tef, _ := cache(ctx, live{ex, prep.test}, Silent{})
		for _, cfg := range strings.Split(os.Getenv("CFGS"), ";") {
			var ep, b int
			var lr, wd float64
			fmt.Sscanf(cfg, "%d,%d,%g,%g", &ep, &b, &lr, &wd)
			o := DefaultOptions(Kind(kind))
			o.Epochs, o.Batch, o.LR, o.WeightDecay = ep, b, lr, wd
			h, _ := NewHead(o.Kind, prep.model.Config.Width, prep.model.Config.Heads, 10, 0)
			began := time.Now()
			loss, _, err := (&trainer{head: h, o: o, tokens: ex.tokens, p: Silent{}}).train(ctx, trf, prep.train.Labels)
			if err != nil {
				t.Fatal(err)
			}
			tra, _ := h.accuracy(ctx, trf, prep.train.Labels, 256, ex.tokens)
			tea, _ := h.accuracy(ctx, tef, prep.test.Labels, 256, ex.tokens)
			fmt.Printf("%s %s ep=%d b=%d lr=%g wd=%g loss=%.4f train=%.4f test=%.4f (%.0fs)\n", os.Getenv("TUNE"), kind, ep, b, lr, wd, loss, tra, tea, time.Since(began).Seconds())
		}
		ex.close()
	}
}
