package train

import (
	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
)

// Split is the data of a pre-training run: training and held-out
// validation images, normalised with the training images' per-channel
// statistics.
type Split struct {
	Train, Val *data.Dataset
	Norm       Normalization
}

// PrepareData holds out valImages of d for validation, keeps at most
// trainImages of the rest (0 keeps all; the data ladder of the scaling study
// varies it), and normalises both with the statistics of the kept training
// images. d is not modified. The choices are fixed, not seeded: every run on
// a dataset validates on the same images, and smaller training subsets are
// contained in larger ones.
func PrepareData(d *data.Dataset, valImages, trainImages int) (*Split, error) {
	if valImages < 0 || valImages >= d.N {
		return nil, errors.Errorf("%d validation images out of the %d of %s: expected at least 0 and fewer than all", valImages, d.N, d.Name)
	}
	trainSet, valSet := data.SplitValidation(d, valImages, splitSeed)
	if trainImages > 0 {
		if trainImages > trainSet.N {
			return nil, errors.Errorf("%d training images asked for, %s has %d after holding out %d", trainImages, d.Name, trainSet.N, valImages)
		}
		idx := data.Permutation(trainSet.N, splitSeed, 0)[:trainImages]
		trainSet = trainSet.Subset(idx)
	}
	mean, std := data.ChannelStats(trainSet)
	for i := range std {
		if std[i] == 0 {
			std[i] = 1
		}
	}
	if err := trainSet.Normalize(mean, std); err != nil {
		return nil, err
	}
	if err := valSet.Normalize(mean, std); err != nil {
		return nil, err
	}
	return &Split{Train: trainSet, Val: valSet, Norm: Normalization{Mean: mean, Std: std}}, nil
}

// splitSeed fixes the validation split and the training subsets.
const splitSeed = 20240116

// DefaultValImages is the held-out count when none is given: a tenth of the
// images, at most 1000.
func DefaultValImages(n int) int { return min(1000, n/10) }
