package display

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// How much of a value Summary prints: the first and last SummaryEdge
// elements of a longer slice, array or map, SummaryDepth levels of nesting,
// SummaryRunes of a string, and about SummaryMax characters in all.
const (
	SummaryEdge  = 3
	SummaryDepth = 4
	SummaryRunes = 200
	SummaryMax   = 4000
)

// Summary prints v the way a notebook shows a value: like fmt's %+v
// (structs with their field names), but a long slice or array as its type,
// length and first and last elements, as numpy does —
// "[]float32 len 12800 [0.1 0.2 0.3 … 0.7 0.8 0.9]" — a tensor as its
// type, shape and dtype with its first and last elements, a long map or
// string cut likewise. Errors and fmt.Stringers print as themselves. Full
// shows a value whole.
func Summary(v any) string {
	var b strings.Builder
	summarize(&b, reflect.ValueOf(v), 0)
	s := b.String()
	if len(s) > SummaryMax {
		s = s[:SummaryMax] + fmt.Sprintf(" … (%d characters in all; display.Full shows everything)", len(s))
	}
	return s
}

// Full is v whole, as fmt's %+v prints it, to show what Summary cuts.
func Full(v any) Data { return Text(fmt.Sprintf("%+v", v)) }

func summarize(b *strings.Builder, v reflect.Value, depth int) {
	if !v.IsValid() {
		b.WriteString("<nil>")
		return
	}
	if v.CanInterface() && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		if done := summarizeSpecial(b, v, depth); done {
			return
		}
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		summarizeList(b, v, depth)
	case reflect.Map:
		summarizeMap(b, v, depth)
	case reflect.Struct:
		summarizeStruct(b, v, depth)
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct {
			fmt.Fprintf(b, "%v", printable(v))
			return
		}
		b.WriteString("&")
		summarize(b, v.Elem(), depth)
	case reflect.Interface:
		summarize(b, v.Elem(), depth)
	case reflect.String:
		s := v.String()
		if r := []rune(s); len(r) > SummaryRunes {
			s = string(r[:SummaryRunes]) + fmt.Sprintf("… (%d bytes)", len(v.String()))
		}
		b.WriteString(s)
	default:
		fmt.Fprintf(b, "%v", printable(v))
	}
}

// summarizeSpecial prints errors, tensors and Stringers; it reports
// whether v was one.
func summarizeSpecial(b *strings.Builder, v reflect.Value, depth int) bool {
	if isTensor(v) {
		summarizeTensor(b, v, depth)
		return true
	}
	switch x := v.Interface().(type) {
	case error:
		b.WriteString(x.Error())
	case fmt.Stringer:
		b.WriteString(x.String())
	default:
		return false
	}
	return true
}

// tensorMethods are what a gorgonia tensor offers: a shape that prints as
// (2, 3), a dtype and its flat backing data.
var tensorMethods = []string{"Shape", "Dtype", "Data"}

func isTensor(v reflect.Value) bool {
	for _, name := range tensorMethods {
		m := v.MethodByName(name)
		if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
			return false
		}
	}
	return true
}

// summarizeTensor prints "*tensor.Dense (2, 3) float32 [1 2 3 4 5 6]".
func summarizeTensor(b *strings.Builder, v reflect.Value, depth int) {
	call := func(name string) any { return v.MethodByName(name).Call(nil)[0].Interface() }
	fmt.Fprintf(b, "%s %v %v ", v.Type(), call("Shape"), call("Dtype"))
	summarize(b, reflect.ValueOf(call("Data")), depth+1)
}

// printable is v as fmt should print it (an unexported field cannot be
// handed over as an interface).
func printable(v reflect.Value) any {
	if v.CanInterface() {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Complex64, reflect.Complex128:
		return v.Complex()
	case reflect.String:
		return v.String()
	}
	return "<" + v.Type().String() + ">"
}

func summarizeList(b *strings.Builder, v reflect.Value, depth int) {
	n := v.Len()
	if v.Kind() == reflect.Slice && v.IsNil() {
		b.WriteString("[]")
		return
	}
	if depth >= SummaryDepth {
		fmt.Fprintf(b, "[… %d]", n)
		return
	}
	long := n > 2*SummaryEdge+1
	if long {
		fmt.Fprintf(b, "%s len %d ", v.Type(), n)
	}
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if long && i == SummaryEdge {
			b.WriteString(" …")
			i = n - SummaryEdge
		}
		if i > 0 {
			b.WriteString(" ")
		}
		summarize(b, v.Index(i), depth+1)
	}
	b.WriteString("]")
}

func summarizeMap(b *strings.Builder, v reflect.Value, depth int) {
	if depth >= SummaryDepth {
		fmt.Fprintf(b, "map[… %d]", v.Len())
		return
	}
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(printable(keys[i])) < fmt.Sprint(printable(keys[j])) })
	long := len(keys) > 2*SummaryEdge+1
	if long {
		fmt.Fprintf(b, "%s len %d ", v.Type(), len(keys))
	}
	b.WriteString("map[")
	for i := 0; i < len(keys); i++ {
		if long && i == SummaryEdge {
			b.WriteString(" …")
			i = len(keys) - SummaryEdge
		}
		if i > 0 {
			b.WriteString(" ")
		}
		summarize(b, keys[i], depth+1)
		b.WriteString(":")
		summarize(b, v.MapIndex(keys[i]), depth+1)
	}
	b.WriteString("]")
}

func summarizeStruct(b *strings.Builder, v reflect.Value, depth int) {
	if depth >= SummaryDepth {
		b.WriteString("{…}")
		return
	}
	b.WriteString("{")
	t := v.Type()
	for i := range v.NumField() {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(t.Field(i).Name + ":")
		summarize(b, v.Field(i), depth+1)
	}
	b.WriteString("}")
}
