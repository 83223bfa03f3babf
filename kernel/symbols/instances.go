package symbols

import (
	"reflect"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/objectives"
	"github.com/aim-go/aim/optim"
	"github.com/aim-go/aim/patches"
)

// yaegi binds only non-generic functions and types, so a notebook reaches
// the float32 instances of the project's generic API under names with a
// 32 suffix: optim.NewAdamW32 is optim.NewAdamW[float32]. They exist only
// here, in the kernel's tables; the compiled packages carry no wrappers.
// This file is written by hand (gen does not touch it); gen reads its keys
// to know which generic names a notebook can reach.

// instances adds entries to the generated tables, keyed like Symbols.
var instances = map[string]map[string]reflect.Value{
	"github.com/aim-go/aim/blas/blas": {
		"Gemm32": reflect.ValueOf(blas.Gemm[float32]),
	},
	"github.com/aim-go/aim/patches/patches": {
		"Extract32": reflect.ValueOf(patches.Extract[float32]),
	},
	"github.com/aim-go/aim/objectives/objectives": {
		"NormalizePatch32":   reflect.ValueOf(objectives.NormalizePatch[float32]),
		"NextPatchTargets32": reflect.ValueOf(objectives.NextPatchTargets[float32]),
		"PatchTarget32":      reflect.ValueOf(objectives.PatchTarget[float32, float32]),
		"Weights32":          reflect.ValueOf(objectives.Weights[float32]),
		"Loss32":             reflect.ValueOf(objectives.Loss[float32]),
		"GatherTargets32":    reflect.ValueOf(objectives.GatherTargets[float32, float32]),
	},
	"github.com/aim-go/aim/optim/optim": {
		"NewAdamW32": reflect.ValueOf(optim.NewAdamW[float32]),
		"AdamW32":    reflect.ValueOf((*optim.AdamW[float32])(nil)),
		"Param32":    reflect.ValueOf((*optim.Param[float32])(nil)),
	},
}

// instanceDocs is what the kernel's inspect request shows for them.
var instanceDocs = map[string]string{
	"github.com/aim-go/aim/blas.Gemm32":                 "func Gemm32(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)\n\nGemm32 is blas.Gemm[float32].",
	"github.com/aim-go/aim/patches.Extract32":           "func Extract32(g Grid, img []float32, order []int, layout Layout, dst []float32)\n\nExtract32 is patches.Extract[float32].",
	"github.com/aim-go/aim/objectives.NormalizePatch32": "func NormalizePatch32(t []float32)\n\nNormalizePatch32 is objectives.NormalizePatch[float32].",
	"github.com/aim-go/aim/objectives.NextPatchTargets32": "func NextPatchTargets32(patches []float32, k, p int, kind Target, dst []float32)\n\n" +
		"NextPatchTargets32 is objectives.NextPatchTargets[float32].",
	"github.com/aim-go/aim/objectives.PatchTarget32": "func PatchTarget32(patch []float32, kind Target, dst []float32)\n\nPatchTarget32 is objectives.PatchTarget[float32, float32].",
	"github.com/aim-go/aim/objectives.GatherTargets32": "func GatherTargets32(patches []float32, k, p, prefix int, kind Target, dst []float32, positions []int) []int\n\n" +
		"GatherTargets32 is objectives.GatherTargets[float32, float32].",
	"github.com/aim-go/aim/objectives.Weights32": "func Weights32(prefix int, w []float32)\n\nWeights32 is objectives.Weights[float32].",
	"github.com/aim-go/aim/objectives.Loss32":    "func Loss32(pred, target, weight []float32, p int) float64\n\nLoss32 is objectives.Loss[float32].",
	"github.com/aim-go/aim/optim.NewAdamW32":     "func NewAdamW32() *AdamW[float32]\n\nNewAdamW32 is optim.NewAdamW[float32]: the optimizer with AIM's defaults.",
	"github.com/aim-go/aim/optim.AdamW32":        "type AdamW32 = AdamW[float32]\n\nAdamW32 is AdamW on float32 parameters, the element type the project trains with.",
	"github.com/aim-go/aim/optim.Param32":        "type Param32 = Param[float32]\n\nParam32 is a float32 Param.",
}

// The generated files' init functions fill Symbols; this one runs after
// them (Go runs a package's init functions in file-name order, and the
// generated files' names sort first), and TestInstances checks that the
// entries are there.
func init() {
	for key, syms := range instances {
		table := Symbols[key]
		if table == nil {
			table = map[string]reflect.Value{}
			Symbols[key] = table
		}
		for name, v := range syms {
			table[name] = v
		}
	}
}
