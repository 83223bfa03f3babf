package kernel

import (
	"cmp"
	"reflect"
)

// The builtins of Go 1.21 that yaegi lacks (min, max, clear) and the
// display of several values are compiled helpers of the prelude package;
// the cell rewriter calls them in place of the builtins. Each min and max
// helper calls the builtin of its kind, so NaN and -0 come out as in
// compiled code.

// Tuple is the value of a cell whose last expression has several values.
type Tuple []any

// values makes the Tuple of a multi-value expression.
func values(vs ...any) Tuple { return Tuple(vs) }

// failure is the Tuple of a call that returns a count and an error
// (fmt.Println, Write): only a non-nil error is shown.
func failure(vs ...any) Tuple {
	if err, ok := vs[len(vs)-1].(error); ok && err != nil {
		return Tuple{err}
	}
	return nil
}

// clearValue is the builtin clear of a map or a slice.
func clearValue(v any) {
	if v == nil {
		return
	}
	r := reflect.ValueOf(v)
	if r.Kind() == reflect.Map || r.Kind() == reflect.Slice {
		r.Clear()
	}
}

func minOf[T cmp.Ordered](x T, ys ...T) T {
	for _, y := range ys {
		x = min(x, y)
	}
	return x
}

func maxOf[T cmp.Ordered](x T, ys ...T) T {
	for _, y := range ys {
		x = max(x, y)
	}
	return x
}

// minMaxKinds names the helper of each basic kind: aimkernel.MinFloat64.
var minMaxKinds = map[string][2]reflect.Value{
	"Int":     {reflect.ValueOf(minOf[int]), reflect.ValueOf(maxOf[int])},
	"Int8":    {reflect.ValueOf(minOf[int8]), reflect.ValueOf(maxOf[int8])},
	"Int16":   {reflect.ValueOf(minOf[int16]), reflect.ValueOf(maxOf[int16])},
	"Int32":   {reflect.ValueOf(minOf[int32]), reflect.ValueOf(maxOf[int32])},
	"Int64":   {reflect.ValueOf(minOf[int64]), reflect.ValueOf(maxOf[int64])},
	"Uint":    {reflect.ValueOf(minOf[uint]), reflect.ValueOf(maxOf[uint])},
	"Uint8":   {reflect.ValueOf(minOf[uint8]), reflect.ValueOf(maxOf[uint8])},
	"Uint16":  {reflect.ValueOf(minOf[uint16]), reflect.ValueOf(maxOf[uint16])},
	"Uint32":  {reflect.ValueOf(minOf[uint32]), reflect.ValueOf(maxOf[uint32])},
	"Uint64":  {reflect.ValueOf(minOf[uint64]), reflect.ValueOf(maxOf[uint64])},
	"Uintptr": {reflect.ValueOf(minOf[uintptr]), reflect.ValueOf(maxOf[uintptr])},
	"Float32": {reflect.ValueOf(minOf[float32]), reflect.ValueOf(maxOf[float32])},
	"Float64": {reflect.ValueOf(minOf[float64]), reflect.ValueOf(maxOf[float64])},
	"String":  {reflect.ValueOf(minOf[string]), reflect.ValueOf(maxOf[string])},
}

// builtinExports are the prelude's helpers.
func builtinExports() map[string]reflect.Value {
	m := map[string]reflect.Value{
		"Values":  reflect.ValueOf(values),
		"Failure": reflect.ValueOf(failure),
		"Clear":   reflect.ValueOf(clearValue),
		"Tuple":   reflect.ValueOf((*Tuple)(nil)),
	}
	for kind, f := range minMaxKinds {
		m["Min"+kind] = f[0]
		m["Max"+kind] = f[1]
	}
	return m
}
