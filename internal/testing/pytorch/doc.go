// Package pytorch finds a Python interpreter for the tests that compare this
// project with PyTorch: one that can import torch (Python), or torchvision
// with Pillow and numpy (Torchvision). AIM_PYTHON names the interpreter to
// try first; a test skips itself, saying why, where none can.
package pytorch
