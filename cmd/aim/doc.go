// Command aim pre-trains AIM (Autoregressive Image Models) on image
// datasets and uses the trained trunk downstream.
//
//	aim pretrain --data mnist --preset tiny --steps 300 --out runs/mnist-tiny
//	aim features --checkpoint runs/mnist-tiny/checkpoint.safetensors --images x.npy --out f.npy
//	aim loss     --checkpoint runs/mnist-tiny/checkpoint.safetensors --images x.npy --prefix 5
//
// Run "aim help" for every command and "aim COMMAND -h" for its flags.
package main
