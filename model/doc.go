// Package model is the plain API for using an AIM model — Apple's released
// AIM v1 classifiers, Apple's AIMv2 encoders from the Hugging Face hub (told
// apart by their tensors), or a checkpoint of this project — from a program
// or a notebook, with no Gorgonia or tensor types: load a checkpoint, turn
// photos into model input with the model's preprocessing, and get
// features, per-image embeddings or class predictions as Tensors that
// carry their shape.
//
//	m, err := model.Load("aim-600m.safetensors", model.Options{})
//	defer m.Close()
//	x, names, err := m.LoadImages("photos/")
//	preds, err := m.Classify(ctx, x, 5)
//
// Load is the one loader for every pre-trained model: Apple's released
// files, and this project's checkpoints or run directories (aim pretrain's
// --out), whose input normalisation it reads and applies: Images turns
// images of a data.Dataset into model input with it, and Features, Embed
// and Logits refuse images that lack it.
//
// A Model holds its weights outside the Go heap where it can (a mapped
// file, or converted half-precision weights): Close releases them.
package model
