package kernel

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/aim-go/aim/kernel/symbols"
)

// maxValueText caps the value an inspect shows.
const maxValueText = 500

// Inspect returns what is known of the name at the cursor (in code
// points): the declaration and doc comment of a package member
// (`graph.Preset`), of a method or field's type (`m.NewExtractor`), or the
// type and value of a variable, with its type's doc.
func (s *Session) Inspect(code string, cursor int) (string, bool) {
	chain := chainAt([]rune(code), cursor)
	if len(chain) == 0 || chain[0] == "" {
		return "", false
	}
	if path, ok := s.rw.imported[chain[0]]; ok {
		return symbols.Doc(strings.Join(append([]string{path}, chain[1:]...), "."))
	}
	if len(chain) > 1 {
		if v, err := s.eval(strings.Join(chain[:len(chain)-1], ".")); err == nil && v.IsValid() {
			if d, ok := memberDoc(v.Type(), chain[len(chain)-1]); ok {
				return d, true
			}
		}
	}
	v, err := s.eval(strings.Join(chain, "."))
	if err != nil || !v.IsValid() {
		return "", false
	}
	return valueDoc(strings.Join(chain, "."), v), true
}

// chainAt is the chain of identifiers ("m", "Config", "Width") around the
// cursor.
func chainAt(runes []rune, cursor int) []string {
	cursor = max(0, min(cursor, len(runes)))
	start, end := cursor, cursor
	for start > 0 && (isIdentRune(runes[start-1]) || runes[start-1] == '.') {
		start--
	}
	for end < len(runes) && isIdentRune(runes[end]) {
		end++
	}
	text := strings.Trim(string(runes[start:end]), ".")
	if text == "" {
		return nil
	}
	return strings.Split(text, ".")
}

// memberDoc is the doc of a method of t (or of its pointer or element).
func memberDoc(t reflect.Type, name string) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == "" || t.Name() == "" {
		return "", false
	}
	return symbols.Doc(t.PkgPath() + "." + typeName(t) + "." + name)
}

// typeName is t's name without type arguments: AdamW for AdamW[float32].
func typeName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		n = n[:i]
	}
	return n
}

// valueDoc shows a value's type and value, and its type's doc if known.
func valueDoc(name string, v reflect.Value) string {
	text := "<unprintable>"
	if v.CanInterface() {
		text = fmt.Sprintf("%v", v.Interface())
	}
	if len(text) > maxValueText {
		text = text[:maxValueText] + "…"
	}
	out := fmt.Sprintf("%s: %s = %s", name, v.Type(), text)
	t := v.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() != "" && t.Name() != "" {
		if d, ok := symbols.Doc(t.PkgPath() + "." + typeName(t)); ok {
			out += "\n\n" + d
		}
	}
	return out
}
