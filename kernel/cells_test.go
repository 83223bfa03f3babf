package kernel

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSplitCell(t *testing.T) {
	for _, tc := range []struct {
		code  string
		kinds string // d: declarations, s: statements, per chunk
		lines []int
	}{
		{"x := 1", "s", []int{1}},
		{"import \"fmt\"\nfunc f() {}", "d", []int{1}},
		{"var s []int; s[3]", "ss", []int{1, 1}},
		{"func f() int { return 1 }; f()", "ds", []int{1, 1}},
		{"import \"fmt\"\n\nfmt.Println(1)\nfunc g() {}\ng()", "dsds", []int{1, 3, 4, 5}},
		{"var x = 5\nfunc f() int { return x }\nf()", "ds", []int{1, 3}},
		{"func() { println(1) }()", "s", []int{1}},
		{"func() int { return 1 }()", "s", []int{1}},
		{"func (t *T) M() {}", "d", []int{1}},
		{"func (t T) M() {}\nT{}.M()", "ds", []int{1, 2}},
		{"type T struct{ A int }\nt := T{A: 1}\nvar u = t", "dss", []int{1, 2, 3}},
		{"const c = 2", "d", []int{1}},
		{"for i := 0; i < 3; i++ {\n\tfmt.Println(i)\n}\nx := 2", "ss", []int{1, 4}},
		{"s := `unterminated", "s", []int{1}},
		{"if x := f(); x > 0 {\n} else if y := 2; y > x {\n}\nswitch v := 3; v {\n}", "ss", []int{1, 4}},
		{"for _, v := range []int{1, 2} {\n\tprintln(v)\n}", "s", []int{1}},
		{"// only a comment", "s", []int{1}},
	} {
		chunks := splitCell(tc.code)
		var kinds string
		var lines []int
		for _, c := range chunks {
			kinds += map[bool]string{true: "d", false: "s"}[c.decl]
			lines = append(lines, c.line)
		}
		if kinds != tc.kinds || !slices.Equal(lines, tc.lines) {
			t.Errorf("splitCell(%q): kinds %q lines %v, want %q %v", tc.code, kinds, lines, tc.kinds, tc.lines)
		}
	}
}

func TestPadChunkKeepsPositions(t *testing.T) {
	code := "import \"fmt\"\n\n  fmt.Println(1); var s []int\ns[3]"
	chunks := splitCell(code)
	if len(chunks) != 4 {
		t.Fatalf("chunks %+v", chunks)
	}
	st := chunks[1].src
	if v := chunks[2].src; !strings.HasSuffix(st, "fmt.Println(1)") || !strings.HasPrefix(v, ";\n\n") || !strings.HasSuffix(v, " var s []int") {
		t.Errorf("statement chunk %q", st)
	}
	// fmt starts on line 3, column 3: two newlines and two spaces before it.
	if i := strings.Index(st, "fmt"); strings.Count(st[:i], "\n") != 2 || i-strings.LastIndex(st[:i], "\n")-1 != 2 {
		t.Errorf("statement chunk %q does not keep line 3, column 3", st)
	}
	if c := splitCell("x := 1\nfor {\n}")[1].src; c != ";\nfunc() { for {\n}\n}()" {
		t.Errorf("a compound statement runs in a function literal, got %q", c)
	}
	v := splitCell("\nvar s []int\ns[3]")[0].src
	if !strings.HasPrefix(v, ";\n") {
		t.Errorf("a statement chunk starting with var must start with a semicolon, got %q", v)
	}
}

func TestIsComplete(t *testing.T) {
	for code, want := range map[string]string{
		"":                       "complete",
		"x := 1":                 "complete",
		"for {":                  "incomplete",
		"func f() {\n\tx := 1":   "incomplete",
		"s := `raw":              "incomplete",
		"x := )":                 "invalid",
		"import \"fmt\"\nfmt.Pr": "complete",
		"type T struct {":        "incomplete",
	} {
		if got, _ := IsComplete(code); got != want {
			t.Errorf("IsComplete(%q) = %s, want %s", code, got, want)
		}
	}
}

func TestPrepare(t *testing.T) {
	rw := &rewriter{
		imported: map[string]string{"fmt": "fmt"},
		pkgNames: map[string]string{"fmt": "fmt", "errors": "errors", "gorgonia.org/gorgonia": "gorgonia"},
	}
	for _, tc := range []struct {
		code      string
		want      string // prepared source of the last chunk, spaces trimmed
		imports   string
		blanks    int
		declared  string
		errSubstr string
	}{
		{code: `import "fmt"`, want: ``},
		{code: "import (\n\t\"fmt\"\n\t\"errors\"\n)", want: "import (\n\t     \n\t\"errors\"\n)", imports: "errors"},
		{code: `import G "gorgonia.org/gorgonia"`, want: `import G "gorgonia.org/gorgonia"`, imports: "G"},
		{code: `import "example.com/x"`, errSubstr: `"example.com/x" is not compiled into aim-kernel`},
		{code: "a, _ := 1, 2", want: "a, _aimBlank1 := 1, 2", blanks: 1, declared: "a"},
		{code: "_ = f()", want: "_aimBlank2 := f()", blanks: 1},
		{code: "m[1], _ = f()", want: "m[1], _ = f()"},
		{code: "var _ = 3", want: "var _aimBlank3 = 3", blanks: 1},
		{code: "x := 1", want: "x := 1", declared: "x"},
		{code: "fmt.Println(x)", want: "fmt.Println(x)"},
		{code: "func f() {}\ntype T int", want: "func f() {}\ntype T int", declared: "f,T"},
		{code: "fmt.X = T{1}", want: "{ _aimTemp1 := T{1}; fmt.X = _aimTemp1 }"},
		{code: "x.X = T{1}", want: "x.X = T{1}"},
	} {
		chunks := splitCell(tc.code)
		p, err := rw.prepare(chunks[len(chunks)-1])
		if tc.errSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
				t.Errorf("%q: error %v, want %q", tc.code, err, tc.errSubstr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.code, err)
			continue
		}
		if got := strings.TrimSpace(p.src); got != tc.want {
			t.Errorf("%q: prepared %q, want %q", tc.code, got, tc.want)
		}
		var imports []string
		for n := range p.imports {
			imports = append(imports, n)
		}
		if strings.Join(imports, ",") != tc.imports || len(p.blanks) != tc.blanks || strings.Join(p.declared, ",") != tc.declared {
			t.Errorf("%q: imports %v blanks %v declared %v", tc.code, imports, p.blanks, p.declared)
		}
	}
}

func TestCellPositions(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		decl bool
		want string
	}{
		{fmt.Sprintf("1:%d: undefined: x", len(stmtPrefix)+len(startHook)+1), false, "line 1:1: undefined: x"}, // after yaegi's wrapper and the start hook
		{"_.go:3:5: expected declaration", true, "line 3:5: expected declaration"},
		{"1:14: undefined: y", true, "line 1:1: undefined: y"},
		{"no position", false, "no position"},
	} {
		if got := cellPositions(tc.msg, tc.decl); got != tc.want {
			t.Errorf("cellPositions(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}
