package schedules_test

import (
	"fmt"
	"log"

	"github.com/aim-go/aim/schedules"
)

// A warmup of 2 steps to the peak rate, then a half-cosine down to the
// final rate at the last step (step 9 of 10); later steps stay there.
func ExampleWarmupCosine() {
	s := schedules.WarmupCosine{Peak: 1e-3, Final: 1e-5, Warmup: 2, Total: 10}
	if err := s.Validate(); err != nil {
		log.Fatal(err)
	}
	for step := range 11 {
		fmt.Printf("step %2d: %.2e\n", step, s.LR(step))
	}
	// Output:
	// step  0: 5.00e-04
	// step  1: 1.00e-03
	// step  2: 9.62e-04
	// step  3: 8.55e-04
	// step  4: 6.94e-04
	// step  5: 5.05e-04
	// step  6: 3.16e-04
	// step  7: 1.55e-04
	// step  8: 4.77e-05
	// step  9: 1.00e-05
	// step 10: 1.00e-05
}

// Validate catches a schedule that cannot be run before training starts.
func ExampleWarmupCosine_Validate() {
	s := schedules.WarmupCosine{Peak: 1e-3, Warmup: 20, Total: 10}
	fmt.Println(s.Validate() != nil)
	// Output:
	// true
}

// Any Schedule gives the rate of a step; Constant is the same at every one.
func ExampleSchedule() {
	var s schedules.Schedule = schedules.Constant{Rate: 3e-4}
	fmt.Println(s.LR(0), s.LR(1000))
	// Output:
	// 0.0003 0.0003
}
