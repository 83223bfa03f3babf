// Package testmodel writes small random models in the layouts the project
// reads, for tests: Apple's released classifier layout (a trunk and an
// attentive probe head under ml-aim's names, no metadata).
package testmodel
