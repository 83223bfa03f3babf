package main

import (
	"flag"
	"io"

	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/mpi"
)

// imageCommand is the flags of a command that reads photos and arrays
// named as arguments (aim classify, aim features); every rank reads them
// all under mpirun.
type imageCommand interface {
	register(fs *flag.FlagSet)
	// validate checks the flags that need no file.
	validate(inputs []string) error
	// sharedInputs are the files every rank must see the same.
	sharedInputs(inputs []string) []namedPath
	// distMode is --dist.
	distMode() string
}

// startImageCommand parses and checks the flags of the image command name,
// starts the communicator --dist asks for (see startDist) and checks that
// every rank reads the same inputs. It returns the image arguments.
func startImageCommand(name string, f imageCommand, args []string, stdout, stderr *io.Writer) ([]string, mpi.Comm, error) {
	fs := newFlags(name)
	f.register(fs)
	inputs, err := parseWithArgs(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if err := f.validate(inputs); err != nil {
		return nil, nil, err
	}
	comm, err := startDist(f.distMode(), stdout, stderr)
	if err != nil {
		return nil, nil, err
	}
	return inputs, comm, checkSameInputs(comm, f.sharedInputs(inputs)...)
}

// streamImages sends the images named by paths, photos through t, to add
// chunk by chunk, with a progress bar on rank 0, and then lists the files
// skipped. why says where t comes from (see reportTransform).
func streamImages(command string, paths []string, f imageFlags, t photo.Transform, why string, comm mpi.Comm, log io.Writer, add func(*imageChunk) error) (*imageInputs, error) {
	reportTransform(log, command, paths, t, why)
	in, err := newImageInputs(paths, f, t)
	if err != nil {
		return nil, err
	}
	if comm.Rank() == 0 {
		in.showProgress(log, command)
	}
	if err := in.each(add); err != nil {
		return nil, err
	}
	in.reportBad(log)
	return in, nil
}
