package symbols

//go:generate go run ./gen

import "reflect"

// Symbols maps "import/path/name" to the exported symbols of that package,
// in the form interp.Use takes. The generated files fill it.
var Symbols = map[string]map[string]reflect.Value{}
