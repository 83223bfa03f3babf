package kernel

import (
	"go/scanner"
	"go/token"
	"strings"
)

// A cell is cut into chunks that yaegi evaluates one after the other:
// yaegi parses a source that starts with a declaration keyword as a file
// (declarations only) and anything else as the body of a function
// (statements only), so a cell such as `func f() int { return 1 }; f()`
// or `var s []int; s[3]` does not parse as a whole. Consecutive
// declarations make one chunk; each top-level statement is a chunk of its
// own, so that a panic in it can be placed on its line (yaegi places a
// panic in top-level code on the first line of the source it was given).
// Each chunk is padded with newlines (and spaces) so that yaegi's line
// numbers are the cell's.

// chunk is a run of top-level declarations, or one statement, of a cell.
type chunk struct {
	src  string // padded source
	decl bool   // declarations (parsed as a file) rather than statements
	line int    // the cell line the chunk starts on
}

// segment is one top-level declaration or statement.
type segment struct {
	start, end int // byte offsets in the cell
	kind       segmentKind
	compound   bool // a for, if, switch or select statement, a block or a labelled statement
}

type segmentKind int

// compoundPrefix opens the function literal a compound statement runs in.
const compoundPrefix = "func() { "

const (
	stmtSegment   segmentKind = iota
	declSegment               // import, type, func or method declaration
	eitherSegment             // var or const: joins its neighbours
)

// splitCell cuts code into chunks. A cell the Go scanner cannot read
// (say, an unterminated string) is one chunk, for yaegi to report.
func splitCell(code string) []chunk {
	segs, ok := segments(code)
	if !ok || len(segs) == 0 {
		return []chunk{padChunk(code, 0, len(code), false, false)}
	}
	resolveEither(segs)
	var out []chunk
	for i := 0; i < len(segs); {
		j := i
		for j+1 < len(segs) && segs[i].kind == declSegment && segs[j+1].kind == declSegment {
			j++
		}
		c := padChunk(code, segs[i].start, segs[j].end, segs[i].kind == declSegment, segs[i].compound)
		out = append(out, c)
		i = j + 1
	}
	return out
}

// resolveEither makes var and const segments declarations next to
// declarations and statements next to statements: the previous segment
// decides, or for leading ones the next decided one; a cell of only var
// and const is declarations.
func resolveEither(segs []segment) {
	for i := range segs {
		if segs[i].kind == eitherSegment {
			segs[i].kind = neighbourKind(segs, i)
		}
	}
}

// neighbourKind is the kind of segment i-1 (already resolved), or of the
// first decided segment after i, or a declaration.
func neighbourKind(segs []segment, i int) segmentKind {
	if i > 0 {
		return segs[i-1].kind
	}
	for _, s := range segs[i+1:] {
		if s.kind != eitherSegment {
			return s.kind
		}
	}
	return declSegment
}

// segments scans code into its top-level declarations and statements.
func segments(code string) ([]segment, bool) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var s scanner.Scanner
	bad := false
	s.Init(file, []byte(code), func(token.Position, string) { bad = true }, 0)
	var toks []tokenAt
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		toks = append(toks, tokenAt{file.Offset(pos), tok, lit})
	}
	if bad {
		return nil, false
	}
	return splitTokens(toks, len(code)), true
}

type tokenAt struct {
	off int
	tok token.Token
	lit string
}

// splitTokens groups tokens into segments at the semicolons (written or
// inserted by the scanner) outside brackets and outside the header of a
// for, if or switch statement (`for i := 0; i < n; i++ {`).
func splitTokens(toks []tokenAt, size int) []segment {
	var segs []segment
	depth, start, header := 0, -1, false
	for i, t := range toks {
		switch t.tok {
		case token.FOR, token.IF, token.SWITCH:
			header = header || depth == 0
		case token.LBRACE:
			header = header && depth != 0
			depth++
		case token.LPAREN, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
		}
		if start < 0 && t.tok != token.SEMICOLON {
			start = i
		}
		if start >= 0 && depth == 0 && !header && t.tok == token.SEMICOLON {
			segs = append(segs, newSegment(toks[start:i], endOf(toks[i-1])))
			start = -1
		}
	}
	if start >= 0 {
		segs = append(segs, newSegment(toks[start:], size))
	}
	return segs
}

func newSegment(toks []tokenAt, end int) segment {
	return segment{start: toks[0].off, end: end, kind: kindOf(toks), compound: isCompound(toks)}
}

// isCompound reports whether a statement has a body of its own: yaegi
// mishandles a definition of several values from a call (`r, err := f()`)
// in such a body at the top level ("undefined: r"), though not in a
// function, so these statements run inside a function literal.
func isCompound(toks []tokenAt) bool {
	switch toks[0].tok {
	case token.FOR, token.IF, token.SWITCH, token.SELECT, token.LBRACE:
		return true
	case token.IDENT:
		return len(toks) > 2 && toks[1].tok == token.COLON && toks[2].tok != token.ASSIGN
	}
	return false
}

// endOf is the offset just past a token.
func endOf(t tokenAt) int {
	if t.lit != "" {
		return t.off + len(t.lit)
	}
	return t.off + len(t.tok.String())
}

// kindOf classifies a segment by its first tokens.
func kindOf(toks []tokenAt) segmentKind {
	switch toks[0].tok {
	case token.IMPORT, token.TYPE:
		return declSegment
	case token.VAR, token.CONST:
		return eitherSegment
	case token.FUNC:
		if isFuncDecl(toks) {
			return declSegment
		}
	}
	return stmtSegment
}

// isFuncDecl tells `func f(...)` and `func (r T) m(...)` from a function
// literal `func(...) {...}(...)` or `func() int {...}()`.
func isFuncDecl(toks []tokenAt) bool {
	if len(toks) < 2 {
		return false
	}
	if toks[1].tok == token.IDENT {
		return true
	}
	if toks[1].tok != token.LPAREN {
		return false
	}
	depth := 0
	for i := 1; i < len(toks); i++ {
		switch toks[i].tok {
		case token.LPAREN:
			depth++
		case token.RPAREN:
			depth--
			if depth == 0 { // a method name, then its parameters (or type parameters)
				return i+2 < len(toks) && toks[i+1].tok == token.IDENT &&
					(toks[i+2].tok == token.LPAREN || toks[i+2].tok == token.LBRACK)
			}
		}
	}
	return false
}

// padChunk makes the chunk of code[start:end], padded so that its first
// token sits at the same line (and, but for a compound statement, column)
// as in the cell. A compound statement is wrapped in a function literal
// that is called at once. A statement chunk that starts with a keyword
// gets a leading semicolon, so that yaegi parses it as statements (it
// would parse `func` as a declaration and then run it again as main at
// every later cell).
func padChunk(code string, start, end int, decl, compound bool) chunk {
	line := 1 + strings.Count(code[:start], "\n")
	col := start - (strings.LastIndex(code[:start], "\n") + 1)
	body := code[start:end]
	if compound {
		body = compoundPrefix + body + "\n}()"
		col = max(0, col-len(compoundPrefix))
	}
	pad := strings.Repeat("\n", line-1) + strings.Repeat(" ", col)
	if !decl && startsWithKeyword(body) {
		switch {
		case line > 1:
			pad = ";" + pad
		case col > 0:
			pad = ";" + pad[1:]
		default:
			pad = ";"
		}
	}
	return chunk{src: pad + body, decl: decl, line: line}
}

func startsWithKeyword(src string) bool {
	for _, kw := range []string{"var", "const", "type", "func", "import"} {
		if strings.HasPrefix(src, kw) && (len(src) == len(kw) || !isIdentByte(src[len(kw)])) {
			return true
		}
	}
	return false
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}
