package optim_test

import (
	"fmt"
	"log"

	"github.com/aim-go/aim/optim"
)

// One AdamW step with AIM's defaults. The gradient's global norm, 5, is
// clipped to 1; Adam's first step moves each value by the learning rate
// against the sign of its gradient, and the weight matrix (Decay) also
// shrinks by lr·WeightDecay, the bias not.
func Example() {
	opt := optim.NewAdamW[float32]()
	w := optim.Param[float32]{Name: "weight", Data: []float32{1, 2}, Grad: []float32{3, 4}, Decay: true}
	b := optim.Param[float32]{Name: "bias", Data: []float32{0.5}, Grad: []float32{0}}
	norm, err := opt.Step([]optim.Param[float32]{w, b}, 0.1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("gradient norm %.1f, clipped to %.1f\n", norm, opt.ClipNorm)
	fmt.Printf("weight %.4f, bias %.4f\n", w.Data, b.Data)

	step, m, _ := opt.State()
	fmt.Printf("after step %d the weight's first moment is %.2f\n", step, m["weight"])
	// Output:
	// gradient norm 5.0, clipped to 1.0
	// weight [0.8950 1.8900], bias [0.5000]
	// after step 1 the weight's first moment is [0.06 0.08]
}

// Every later step must name the same parameters: a forgotten one is an
// error, and nothing changes.
func ExampleAdamW_Step() {
	opt := optim.NewAdamW[float32]()
	w := optim.Param[float32]{Name: "weight", Data: []float32{1}, Grad: []float32{1}, Decay: true}
	b := optim.Param[float32]{Name: "bias", Data: []float32{0}, Grad: []float32{1}}
	if _, err := opt.Step([]optim.Param[float32]{w, b}, 0.01); err != nil {
		log.Fatal(err)
	}
	_, err := opt.Step([]optim.Param[float32]{w}, 0.01)
	fmt.Println(err != nil, opt.Steps())
	// Output:
	// true 1
}
