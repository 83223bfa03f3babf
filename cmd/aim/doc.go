// Command aim pre-trains AIM (Autoregressive Image Models) on image
// datasets, uses trained trunks downstream, and runs Apple's released AIM
// and AIMv2 models on photos.
//
//	aim pretrain --data mnist --preset tiny --steps 300 --out runs/mnist-tiny
//	aim probe    --checkpoint runs/mnist-tiny/checkpoint.safetensors --data mnist --out runs/probe
//	aim features --checkpoint runs/mnist-tiny/checkpoint.safetensors --images x.npy --out f.npy
//	aim classify --checkpoint aim-600m.safetensors --top 5 photos/
//
// Its commands: pretrain, probe, suite (probes on every installed
// dataset), features, classify, loss, scaling (the paper's ladders and
// ablations), plot, bench and version. Under Open MPI's mpirun, pretrain,
// features, classify, probe and suite spread over the processes with no
// extra flag. Run "aim help" for every command and "aim COMMAND -h" for
// its flags; README.md has a tour.
package main
