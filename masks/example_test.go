package masks_test

import (
	"fmt"

	"github.com/aim-go/aim/masks"
)

// The prefix-causal mask of 5 tokens with prefix length S = 2: the first
// two tokens see each other, every later token the prefix and the tokens
// before it (1 = may attend).
func ExampleMatrix() {
	for i, row := range masks.Matrix(5, 2) {
		fmt.Print("query ", i, ": ")
		for _, ok := range row {
			if ok {
				fmt.Print("1 ")
			} else {
				fmt.Print(". ")
			}
		}
		fmt.Println(" sees", masks.VisibleKeys(i, 2), "keys")
	}
	// Output:
	// query 0: 1 1 . . .  sees 2 keys
	// query 1: 1 1 . . .  sees 2 keys
	// query 2: 1 1 1 . .  sees 3 keys
	// query 3: 1 1 1 1 .  sees 4 keys
	// query 4: 1 1 1 1 1  sees 5 keys
}

// S = 1 is causal attention and S = K bidirectional.
func ExampleAllowed() {
	const k = 4
	fmt.Println("causal, query 1 → key 2:", masks.Allowed(1, 2, 1))
	fmt.Println("bidirectional, query 1 → key 2:", masks.Allowed(1, 2, k))
	fmt.Println("prefix 3, query 0 → key 2:", masks.Allowed(0, 2, 3))
	// Output:
	// causal, query 1 → key 2: false
	// bidirectional, query 1 → key 2: true
	// prefix 3, query 0 → key 2: true
}
