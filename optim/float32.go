package optim

// The float32 instances of the generic API under non-generic names, for
// callers that cannot instantiate generics: the notebook kernel's
// interpreter (yaegi) binds only non-generic functions and types.

// AdamW32 is AdamW on float32 parameters, the element type the project
// trains with.
type AdamW32 = AdamW[float32]

// Param32 is a float32 Param.
type Param32 = Param[float32]

// NewAdamW32 is NewAdamW[float32]: the optimizer with AIM's defaults.
func NewAdamW32() *AdamW32 { return NewAdamW[float32]() }
