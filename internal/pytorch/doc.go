// Package pytorch finds a Python interpreter that can import torch, for the
// tests that compare this project with PyTorch.
package pytorch
