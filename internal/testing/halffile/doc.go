// Package halffile writes safetensors files of BF16 or F16 tensors for
// tests: the 16-bit checkpoints the project reads in place, made from
// float32 ones by rounding each value to the nearest 16-bit value.
package halffile
