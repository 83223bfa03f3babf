package kernel

import (
	"go/parser"
	"go/scanner"
	"go/token"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"github.com/traefik/yaegi/stdlib"

	"github.com/aim-go/aim/kernel/symbols"
)

// goKeywords and goBuiltins complete like names in scope.
var (
	goKeywords = []string{"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for",
		"func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct",
		"switch", "type", "var"}
	goBuiltins = []string{"any", "append", "bool", "byte", "cap", "clear", "close", "complex", "complex128", "complex64",
		"copy", "delete", "error", "false", "float32", "float64", "imag", "int", "int16", "int32", "int64", "int8",
		"iota", "len", "make", "max", "min", "new", "nil", "panic", "print", "println", "real", "recover", "rune",
		"string", "true", "uint", "uint16", "uint32", "uint64", "uint8", "uintptr"}
)

// Completion is the answer to a complete request: the matches replace
// the code between Start and End (in code points).
type Completion struct {
	Matches    []string
	Start, End int
}

// Complete returns the names that can complete the identifier before the
// cursor (in code points): members of a package (`graph.Pre`), fields and
// methods of a value (`m.Con`), or names in scope.
func (s *Session) Complete(code string, cursor int) Completion {
	runes := []rune(code)
	cursor = max(0, min(cursor, len(runes)))
	start := cursor
	for start > 0 && isIdentRune(runes[start-1]) {
		start--
	}
	prefix := string(runes[start:cursor])
	var candidates []string
	if start > 0 && runes[start-1] == '.' {
		candidates = s.members(selectorBefore(runes, start-1))
	} else {
		candidates = append(append(s.names(), goKeywords...), goBuiltins...)
	}
	var matches []string
	seen := map[string]bool{}
	for _, c := range candidates {
		if strings.HasPrefix(c, prefix) && !seen[c] {
			seen[c] = true
			matches = append(matches, c)
		}
	}
	sort.Strings(matches)
	return Completion{Matches: matches, Start: start, End: cursor}
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// selectorBefore is the chain of identifiers ("a.b") ending just before
// the dot at runes[dot].
func selectorBefore(runes []rune, dot int) string {
	i := dot
	for i > 0 && (isIdentRune(runes[i-1]) || runes[i-1] == '.') {
		i--
	}
	return strings.Trim(string(runes[i:dot]), ".")
}

// members lists what can follow "x.": a package's exported names, or the
// exported fields and methods of a value's type.
func (s *Session) members(x string) []string {
	if x == "" {
		return nil
	}
	if path, ok := s.rw.imported[x]; ok {
		return packageMembers(path, s.rw.pkgNames[path])
	}
	if strings.Contains(x, "(") {
		return nil
	}
	v, err := s.eval(x)
	if err != nil || !v.IsValid() {
		return nil
	}
	return typeMembers(v.Type())
}

// packageMembers lists the exported names of a carried package.
func packageMembers(path, name string) []string {
	var out []string
	for _, table := range []map[string]map[string]reflect.Value{symbols.Symbols, stdlib.Symbols} {
		for sym := range table[path+"/"+name] {
			if token.IsExported(sym) {
				out = append(out, sym)
			}
		}
	}
	return out
}

// typeMembers lists the exported methods of t and *t and, for structs,
// their exported fields.
func typeMembers(t reflect.Type) []string {
	var out []string
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		for i := 0; i < tt.NumMethod(); i++ {
			out = append(out, tt.Method(i).Name)
		}
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
		for i := 0; i < t.NumMethod(); i++ {
			out = append(out, t.Method(i).Name)
		}
	}
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// IsComplete says whether code is ready to run ("complete"), needs more
// lines ("incomplete", such as an open brace) or cannot be fixed by more
// lines ("invalid"), with the indent of the next line.
func IsComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	var last error
	for _, c := range splitCell(code) {
		prefix, suffix := stmtPrefix, "\n}"
		if c.decl {
			prefix, suffix = declPrefix, ""
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "", prefix+c.src+suffix, 0); err != nil {
			last = err
			break
		}
	}
	if last == nil {
		return "complete", ""
	}
	if atEnd(last, code) {
		return "incomplete", "\t"
	}
	return "invalid", ""
}

// atEnd reports whether a parse error is about the input ending early.
func atEnd(err error, code string) bool {
	list, ok := err.(scanner.ErrorList)
	if !ok || len(list) == 0 {
		return false
	}
	msg := list[0].Msg
	if strings.Contains(msg, "EOF") || strings.Contains(msg, "not terminated") {
		return true
	}
	// The wrapper's closing brace ends an unclosed block early.
	lines := strings.Count(code, "\n") + 1
	return list[0].Pos.Line > lines && strings.Contains(msg, "expected")
}
