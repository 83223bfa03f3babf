package main

import (
	"os"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/mpi"
)

// namedPath is an input a command reads, with the flag that names it
// ("" for an argument).
type namedPath struct{ flag, path string }

func (n namedPath) String() string {
	if n.flag == "" {
		return n.path
	}
	return n.flag + " " + n.path
}

// checkSameInputs makes sure, under mpirun, that every rank reads the
// same inputs as rank 0 before any work: ranks on several machines each
// read their own copies of the checkpoint, the images and the probe head,
// and a copy that differs would silently give wrong rows. Every rank
// hashes its copy of each input (SHA-256 of a file; of a folder, of its
// photos' names and bytes) and compares with rank 0's; a rank whose copies
// differ fails naming them. Inputs with an empty path are skipped. In a
// single process it does nothing.
func checkSameInputs(comm mpi.Comm, inputs ...namedPath) error {
	if comm.Size() == 1 {
		return nil
	}
	digests, err := digestInputs(inputs)
	if err = mpi.Agree(comm, err); err != nil {
		return err
	}
	return mpi.SameInputs(comm, digests)
}

// digestInputs hashes the inputs that have a path.
func digestInputs(inputs []namedPath) ([]mpi.Input, error) {
	var out []mpi.Input
	for _, in := range inputs {
		if in.path == "" {
			continue
		}
		d, err := digestPath(in.path)
		if err != nil && in.flag != "" {
			err = errors.Wrap(err, in.flag)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, mpi.Input{Name: in.String(), Digest: d})
	}
	return out, nil
}

// digestPath is the digest of a file, or of the photos of a folder (what
// the commands read of it).
func digestPath(path string) (mpi.Digest, error) {
	info, err := os.Stat(path)
	if err != nil {
		return mpi.Digest{}, err
	}
	if !info.IsDir() {
		return mpi.DigestFile(path)
	}
	files, err := photo.List(path)
	if err != nil {
		return mpi.Digest{}, err
	}
	return mpi.DigestFiles(path, files)
}

// sharedInputs are the inputs of aim features every rank reads.
func (f *featureFlags) sharedInputs(args []string) []namedPath {
	return append([]namedPath{{"--checkpoint", f.ckpt}, {"--images", f.images}}, argInputs(args)...)
}

// sharedInputs are the inputs of aim classify every rank reads.
func (f *classifyFlags) sharedInputs(args []string) []namedPath {
	return append([]namedPath{{"--checkpoint", f.ckpt}, {"--head", f.head}, {"--labels", f.labels}}, argInputs(args)...)
}

// sharedInputs are the inputs of aim probe and aim suite every rank reads
// as files: the checkpoint and, for probe, a --data of npy:FILE or
// folder:DIR. The images of the other datasets are compared as they are
// read (see package probe).
func (f *probeFlags) sharedInputs(dataName string) []namedPath {
	return []namedPath{{"--checkpoint", f.checkpoint}, {"--data", datasetPath(dataName)}}
}

// argInputs names the image arguments of features and classify.
func argInputs(args []string) []namedPath {
	out := make([]namedPath, len(args))
	for i, a := range args {
		out[i] = namedPath{path: a}
	}
	return out
}
