// Package bench measures how fast this project trains and runs AIM: the
// images per second of a training step (forward, backward and AdamW
// update) and of the frozen-trunk feature pass, the achieved GFLOP/s
// against the machine's sgemm rate, and the peak resident memory. The
// PyTorch side of the comparison is bench/pytorch/bench.py.
package bench
