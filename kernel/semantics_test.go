package kernel

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// semanticsCase is a notebook of cells that either prints what the same
// code prints as a compiled Go program, or is refused by the kernel with a
// message (refused). goFails marks code that is not Go at all: the kernel
// must refuse it with the compiler's message, and go build fails too.
type semanticsCase struct {
	name    string
	cells   []string
	refused string
	goFails bool
}

var semanticsCases = []semanticsCase{
	{name: "closures in a three-clause loop", cells: []string{`import "fmt"`,
		"var fs []func() int\nfor i := 0; i < 3; i++ {\n\tfs = append(fs, func() int { return i })\n}\nfmt.Println(fs[0](), fs[1](), fs[2]())"}},
	{name: "loop variable changed in the body and through a pointer", cells: []string{`import "fmt"`,
		"var ps []*int\nvar fs []func() int\nfor i := 0; i < 10; i++ {\n\tif i == 2 {\n\t\ti += 3\n\t\tcontinue\n\t}\n\tp := &i\n\t*p *= 2\n\tps = append(ps, &i)\n\tfs = append(fs, func() int { return i })\n}\nfor k := range ps {\n\tfmt.Println(*ps[k], fs[k]())\n}"}},
	{name: "labelled continue of a capturing loop", cells: []string{`import "fmt"`,
		"var fs []func() int\nouter:\nfor i := 0; i < 4; i++ {\n\tfor j := 0; j < 2; j++ {\n\t\tif i%2 == 1 {\n\t\t\tcontinue outer\n\t\t}\n\t\tfs = append(fs, func() int { return 10*i + j })\n\t}\n}\nfor _, f := range fs {\n\tfmt.Print(f(), \" \")\n}\nfmt.Println()"}},
	{name: "closures in a range loop", cells: []string{`import "fmt"`,
		"var fs []func() string\nfor k, v := range []string{\"a\", \"b\"} {\n\tfs = append(fs, func() string { return fmt.Sprint(k, v) })\n}\nfmt.Println(fs[0](), fs[1]())"}},
	{name: "closures in a function's loop", cells: []string{`import "fmt"`,
		"func makers() []func() int {\n\tvar fs []func() int\n\tfor i := 0; i < 3; i++ {\n\t\tfs = append(fs, func() int { return i * i })\n\t}\n\treturn fs\n}",
		"for _, f := range makers() {\n\tfmt.Println(f())\n}"}},
	{name: "range over an integer", cells: []string{`import "fmt"`,
		"for i := range 3 {\n\tfmt.Println(i)\n}\nvar n int64 = 2\nfor i := range n {\n\tfmt.Printf(\"%T %v\\n\", i, i)\n}\ncount := 0\nfor range 4 {\n\tcount++\n}\nfmt.Println(count)"}},
	{name: "range over an integer changed in the body", cells: []string{`import "fmt"`,
		"n := 3\nvar fs []func() int\nfor i := range n {\n\tn = 10\n\tfs = append(fs, func() int { return i })\n\ti += 100\n}\nfor _, f := range fs {\n\tfmt.Println(f())\n}\nfmt.Println(n)"}},
	{name: "min and max", cells: []string{"import (\n\t\"fmt\"\n\t\"math\"\n)",
		"fmt.Println(min(3, 1, 2), max(2.5, 1), min(\"b\", \"a\"), max(1, 2.5))\nx, z := math.NaN(), math.Copysign(0, -1)\nfmt.Println(min(x, 1), max(1, x), min(0.0, z), max(z, 0.0), min(z, 0.0))\ntype Celsius float64\nvar a, b Celsius = 3, 2\nfmt.Println(min(a, b)/4, max(a, b, 7))\nvar i8 int8 = -3\nfmt.Println(max(i8, 2), min(uint(7), 3))\nconst c = min(1, 2.5)\nfmt.Printf(\"%T %v\\n\", c, c)"}},
	{name: "clear", cells: []string{`import "fmt"`,
		"m := map[string]int{\"a\": 1, \"b\": 2}\ns := []int{1, 2, 3}\nclear(m)\nclear(s[1:])\nfmt.Println(len(m), s)"}},
	{name: "generic functions of slices and cmp that the interpreter runs", cells: []string{"import (\n\t\"cmp\"\n\t\"fmt\"\n\t\"slices\"\n)",
		"s := []int{1, 2, 3, 4}\nfmt.Println(slices.Contains(s, 3), slices.Index(s, 4), slices.IndexFunc(s, func(v int) bool { return v > 1 }), cmp.Compare(2, 1))"}},
	{name: "slices.Sort", cells: []string{"import (\n\t\"fmt\"\n\t\"slices\"\n)", "s := []int{5, 3, 9}\nslices.Sort(s)\nfmt.Println(s, slices.Max(s))"},
		refused: "slices.Sort is not supported by the interpreter, which runs only a few of the standard library's generic functions"},
	{name: "sort.Slice instead", cells: []string{"import (\n\t\"fmt\"\n\t\"sort\"\n)",
		"type P struct{ K, V int }\nvar ps []P\nfor v := range 60 {\n\tps = append(ps, P{K: v * 7 % 3, V: v})\n}\nsort.Slice(ps, func(i, j int) bool { return ps[i].K < ps[j].K })\nfmt.Println(ps)\nsort.SliceStable(ps, func(i, j int) bool { return ps[i].K > ps[j].K })\nfmt.Println(ps)"}},
	{name: "slices.Clone", cells: []string{"import (\n\t\"fmt\"\n\t\"slices\"\n)", "fmt.Println(slices.Clone([]int{1}))"}, refused: "slices.Clone is not supported"},
	{name: "top-level comma-ok", cells: []string{`import "fmt"`,
		"m := map[string]int{\"a\": 1}\nv, ok := m[\"a\"]\nw, ok2 := m[\"z\"]\nfmt.Println(v, ok, w, ok2)",
		"type T struct{ A int }\nvar x any = &T{A: 3}\n_, isT := x.(*T)\nt, _ := x.(*T)\nn, isInt := x.(int)\nfmt.Println(isT, t.A, n, isInt)",
		"ch := make(chan int, 1)\nch <- 4\nr, open := <-ch\nclose(ch)\nr2, open2 := <-ch\nfmt.Println(r, open, r2, open2)"}},
	{name: "undefined name", cells: []string{"a := undefinedThing\n_ = a"}, refused: "line 1:6: undefined: undefinedThing", goFails: true},
	{name: "missing import", cells: []string{"q := strings.ToUpper(\"a\")\n_ = q"}, refused: `undefined: strings (add import "strings")`, goFails: true},
	{name: "missing import of image", cells: []string{"var row []image.Image\n_ = row"}, refused: `undefined: image (add import "image")`, goFails: true},
	{name: "an error anywhere runs nothing", cells: []string{"import \"fmt\"\nfmt.Println(\"first\")\nx := 1\nos.Exit(x)"}, refused: `line 4:1: undefined: os`, goFails: true},
	{name: "no new variables", cells: []string{"x1 := 1\nx1 := \"s\"\n_ = x1"}, refused: "no new variables", goFails: true},
	{name: "range over a function", cells: []string{`import "fmt"`,
		"func seq(yield func(int) bool) {\n\tfor i := 0; i < 3; i++ {\n\t\tif !yield(i) {\n\t\t\treturn\n\t\t}\n\t}\n}\nfor x := range seq {\n\tfmt.Println(x)\n}"},
		refused: "range over a function (an iterator) is not supported by the interpreter: call the function with the loop body as its yield function"},
	{name: "iterator called with a yield function", cells: []string{`import "fmt"`,
		"func seq(yield func(int) bool) {\n\tfor i := 0; i < 3; i++ {\n\t\tif !yield(i) {\n\t\t\treturn\n\t\t}\n\t}\n}\nseq(func(x int) bool {\n\tfmt.Println(x)\n\treturn x < 1\n})"}},
	{name: "generic type declared in a cell", cells: []string{`import "fmt"`,
		"type Stack[T any] struct{ items []T }\n\nfunc (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }\n\nfunc (s *Stack[T]) Pop() T {\n\tv := s.items[len(s.items)-1]\n\ts.items = s.items[:len(s.items)-1]\n\treturn v\n}",
		"var st Stack[string]\nst.Push(\"a\")\nst.Push(\"b\")\nfmt.Println(st.Pop(), len(st.items))"}},
	{name: "generic function with inferred types", cells: []string{`import "fmt"`,
		"func Map[T, U any](s []T, f func(T) U) []U {\n\tvar r []U\n\tfor _, v := range s {\n\t\tr = append(r, f(v))\n\t}\n\treturn r\n}",
		"fmt.Println(Map([]int{1, 2}, func(i int) string { return fmt.Sprint(i * 2) }))"},
		refused: "the interpreter cannot run this valid Go"},
	{name: "closures keep their state", cells: []string{`import "fmt"`,
		"func counter() func() int {\n\tn := 0\n\treturn func() int { n++; return n }\n}\nc := counter()\nc()\nc()\nfmt.Println(c())"}},
	{name: "defer and recover", cells: []string{"import (\n\t\"errors\"\n\t\"fmt\"\n)",
		"func safe(f func()) (err error) {\n\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\terr = fmt.Errorf(\"recovered: %v\", r)\n\t\t}\n\t}()\n\tf()\n\treturn nil\n}",
		"fmt.Println(safe(func() { panic(\"x\") }), safe(func() {}))\nfmt.Println(safe(func() { panic(errors.New(\"e\")) }))"}},
	{name: "defer in a loop", cells: []string{`import "fmt"`,
		"func order() (out []int) {\n\tfor i := 0; i < 3; i++ {\n\t\tdefer func(i int) { out = append(out, i) }(i)\n\t}\n\treturn nil\n}\nfmt.Println(order())"},
		refused: "defer in a loop is not supported by the interpreter"},
	{name: "defer in a function called in a loop", cells: []string{`import "fmt"`,
		"var out []int\nfor i := 0; i < 3; i++ {\n\tfunc() {\n\t\tdefer func() { out = append(out, i) }()\n\t}()\n}\nfmt.Println(out)"}},
	{name: "an error type declared in a cell", cells: []string{`import "fmt"`,
		"type E struct{ Code int }\n\nfunc (e E) Error() string { return fmt.Sprint(\"code \", e.Code) }\n\nvar err error = E{3}\nfmt.Println(err)"},
		refused: "an Error method on a type declared in a cell is not supported"},
	{name: "a Stringer declared in a cell", cells: []string{`import "fmt"`,
		"type P struct{ X int }\n\nfunc (p P) String() string { return fmt.Sprint(\"P\", p.X) }",
		"fmt.Println(P{1})\nfmt.Printf(\"%v %s\\n\", P{2}, P{3})\nvar s fmt.Stringer = P{4}\nfmt.Println(s)"}},
	{name: "a slice of a Stringer declared in a cell", cells: []string{`import "fmt"`,
		"type P struct{ X int }\n\nfunc (p P) String() string { return fmt.Sprint(\"P\", p.X) }",
		"fmt.Println([]P{{1}})"}, refused: "printing a slice of P"},
	{name: "%T of a type declared in a cell", cells: []string{`import "fmt"`, "type Celsius float64\nfmt.Printf(\"%T\\n\", Celsius(1))"},
		refused: "%T and %#v of Celsius, a type declared in a cell, are not supported"},
	{name: "integers, runes and methods", cells: []string{`import "fmt"`,
		"var b int8 = 127\nb++\nfor i, r := range \"héllo\" {\n\tfmt.Print(i, string(r), \" \")\n}\nfmt.Println(b, 7/2, -7%3, 1<<10)",
		"type Point struct{ X, Y int }\n\nfunc (p Point) Sum() int { return p.X + p.Y }\n\ntype Named struct {\n\tPoint\n\tName string\n}",
		"n := Named{Point{1, 2}, \"n\"}\nf := n.Sum\nn.X = 10\nfmt.Println(f(), n.Sum(), n)\nfmt.Printf(\"%+v\\n\", n)"}},
}

// TestSemanticsAgainstGo runs each case in the kernel and, as a program,
// with the go command: the outputs are equal, or the kernel refuses the
// case with its message (and go still runs it, unless it is not Go).
func TestSemanticsAgainstGo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to compare with")
	}
	compiled := buildCases(t, goTool)
	for i, tc := range semanticsCases {
		t.Run(tc.name, func(t *testing.T) {
			got, refusal := runInKernel(t, tc.cells)
			want, built := compiled[i]
			switch {
			case tc.goFails && built:
				t.Errorf("go built the program; the case says it is not Go:\n%s", program(tc.cells))
			case !tc.goFails && !built:
				t.Fatalf("go did not build the program:\n%s", program(tc.cells))
			}
			if tc.refused != "" {
				if !strings.Contains(refusal, tc.refused) {
					t.Errorf("kernel: output %q, error %q; want a refusal containing %q", got, refusal, tc.refused)
				}
				if got != "" {
					t.Errorf("a refused cell printed %q", got)
				}
				return
			}
			if tc.goFails {
				if refusal == "" {
					t.Errorf("the kernel ran what go refuses, printing %q", got)
				}
				return
			}
			if refusal != "" || got != want {
				t.Errorf("kernel printed %q (error %q), go run printed %q", got, refusal, want)
			}
		})
	}
}

// runInKernel runs the cells in a fresh session, stopping at the first
// error; it returns what they printed and that error.
func runInKernel(t *testing.T, cells []string) (string, string) {
	var out bytes.Buffer
	s, err := NewSession(&out, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if o := execute(s, c); o.Err != nil {
			return out.String(), o.Err.Error()
		}
	}
	return out.String(), ""
}

// program is the Go program of a case's cells: their imports and
// declarations at the top level, their statements in main, in order.
func program(cells []string) string {
	var imports, decls, stmts strings.Builder
	for _, c := range cells {
		segs, _ := segments(c)
		resolveEither(segs)
		for _, s := range segs {
			text := c[s.start:s.end]
			switch {
			case s.kind == declSegment && strings.HasPrefix(text, "import"):
				imports.WriteString(text + "\n")
			case s.kind == declSegment:
				decls.WriteString(text + "\n\n")
			default:
				stmts.WriteString("\t" + text + "\n")
			}
		}
	}
	return "package main\n\n" + imports.String() + "\n" + decls.String() + "func main() {\n" + stmts.String() + "}\n"
}

// buildCases builds every case's program with one go build and runs the
// binaries: case index → output, for those that built.
func buildCases(t *testing.T, goTool string) map[int]string {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module cases\n\ngo 1.26\n")
	for i, tc := range semanticsCases {
		write(fmt.Sprintf("c%02d/main.go", i), program(tc.cells))
	}
	out := map[int]string{}
	bin := filepath.Join(dir, "bin")
	for i := range semanticsCases {
		pkg := fmt.Sprintf("./c%02d", i)
		build := exec.Command(goTool, "build", "-o", filepath.Join(bin, fmt.Sprintf("c%02d", i)), pkg)
		build.Dir = dir
		build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if msg, err := build.CombinedOutput(); err != nil {
			t.Logf("case %q does not build: %s", semanticsCases[i].name, msg)
			continue
		}
		run := exec.Command(filepath.Join(bin, fmt.Sprintf("c%02d", i)))
		got, err := run.Output()
		if err != nil {
			t.Fatalf("case %q: running the program: %v", semanticsCases[i].name, err)
		}
		out[i] = string(got)
	}
	return out
}
