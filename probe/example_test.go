package probe_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/probe"
)

// Probe a pre-trained trunk on MNIST with the attentive probe, next to an
// untrained trunk of the same architecture.
func ExampleRun() {
	trunk, err := probe.LoadTrunk("runs/fmnist-tiny/checkpoint.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	src, err := data.Load("mnist", data.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	random, err := trunk.Randomized(0)
	if err != nil {
		log.Fatal(err)
	}
	o := probe.DefaultOptions(probe.Attentive)
	for _, t := range []*probe.Trunk{trunk, random} {
		r, _, err := probe.Run(context.Background(), t, "mnist", src, o, probe.NewBar(os.Stderr))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("random init %t: test accuracy %.2f%%\n", r.RandomInit, 100*r.TestAccuracy)
	}
}

// Probe every installed dataset and write suite.json and suite.md.
func ExampleSuite() {
	trunk, err := probe.LoadTrunk("runs/fmnist-tiny/checkpoint.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	o := probe.SuiteOptions{Options: probe.DefaultOptions(probe.Linear), Baseline: true}
	s, err := probe.Suite(context.Background(), trunk, o, probe.Silent{})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Write("runs/fmnist-tiny/suite"); err != nil {
		log.Fatal(err)
	}
	fmt.Print(s.Markdown())
}
