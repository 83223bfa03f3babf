package kernel

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"reflect"
	"strings"

	"github.com/pkg/errors"
	"github.com/traefik/yaegi/interp"
)

// The cells are type-checked with go/types before yaegi runs them. The
// types of the packages a cell may import come from what the interpreter
// itself carries, so that the checker and the interpreter agree on what
// exists: the compiled packages' yaegi tables (reflect values, turned into
// go/types objects here) and the generic packages yaegi interprets from
// source (cmp, maps, slices), checked from that same source.

// tableImporter is a types.Importer over yaegi symbol tables and sources.
type tableImporter struct {
	tables  map[string]map[string]reflect.Value // import path → symbol → value
	sources map[string][]string                 // import path → interpreted source files
	pkgs    map[string]*types.Package
	named   map[reflect.Type]types.Type
	fset    *token.FileSet
}

func newTableImporter(tables []interp.Exports, sources []string) *tableImporter {
	im := &tableImporter{
		tables:  map[string]map[string]reflect.Value{},
		sources: map[string][]string{},
		pkgs:    map[string]*types.Package{"unsafe": types.Unsafe},
		named:   map[reflect.Type]types.Type{},
		fset:    token.NewFileSet(),
	}
	for _, t := range tables {
		im.add(t)
	}
	for _, src := range sources {
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
		if err == nil {
			im.sources[f.Name.Name] = append(im.sources[f.Name.Name], src)
		}
	}
	return im
}

// add makes the packages of a table importable.
func (im *tableImporter) add(t interp.Exports) {
	for key, syms := range t {
		p := path.Dir(key)
		if im.tables[p] == nil {
			im.tables[p] = map[string]reflect.Value{}
		}
		for name, v := range syms {
			im.tables[p][name] = v
		}
	}
}

// carries reports whether path can be imported.
func (im *tableImporter) carries(path string) bool {
	return im.tables[path] != nil || im.sources[path] != nil || path == "unsafe"
}

// Import gives the package of a path the interpreter carries.
func (im *tableImporter) Import(path string) (*types.Package, error) {
	if p, ok := im.pkgs[path]; ok && p.Complete() {
		return p, nil
	}
	switch {
	case im.sources[path] != nil:
		return im.checkSource(path)
	case im.tables[path] != nil:
		return im.fromTable(path), nil
	}
	return nil, notCarriedError{path}
}

// checkSource type-checks the interpreted source of a generic package.
func (im *tableImporter) checkSource(path string) (*types.Package, error) {
	var files []*ast.File
	for i, src := range im.sources[path] {
		f, err := parser.ParseFile(im.fset, fmt.Sprintf("%s/%d.go", path, i), src, 0)
		if err != nil {
			return nil, errors.Wrapf(err, "parsing the interpreted source of %s", path)
		}
		files = append(files, f)
	}
	conf := types.Config{Importer: im, Error: func(error) {}}
	p, err := conf.Check(path, im.fset, files, nil)
	if err != nil {
		return nil, errors.Wrapf(err, "checking the interpreted source of %s", path)
	}
	im.pkgs[path] = p
	return p, nil
}

// pkg is the (possibly still incomplete) package of a path.
func (im *tableImporter) pkg(p string) *types.Package {
	if pk, ok := im.pkgs[p]; ok {
		return pk
	}
	name := path.Base(p)
	if strings.HasPrefix(name, "v") && len(name) > 1 && strings.Trim(name[1:], "0123456789") == "" {
		name = path.Base(path.Dir(p)) // math/rand/v2
	}
	pk := types.NewPackage(p, name)
	im.pkgs[p] = pk
	return pk
}

// fromTable makes the package of a compiled table.
func (im *tableImporter) fromTable(p string) *types.Package {
	pk := im.pkg(p)
	scope := pk.Scope()
	for name, v := range im.tables[p] {
		if strings.HasPrefix(name, "_") || !token.IsExported(name) || scope.Lookup(name) != nil {
			continue // yaegi's interface wrappers
		}
		if obj := im.object(pk, name, v); obj != nil {
			scope.Insert(obj)
		}
	}
	pk.MarkComplete()
	return pk
}

// object turns one symbol of a table into a go/types object: a type is a
// nil pointer to it, a variable an addressable value, an untyped constant
// a constant.Value.
func (im *tableImporter) object(pk *types.Package, name string, v reflect.Value) types.Object {
	if !v.IsValid() {
		return nil
	}
	switch {
	case v.Kind() == reflect.Pointer && v.IsNil() && !v.CanAddr():
		t := v.Type().Elem()
		if t.Name() == name && t.PkgPath() == pk.Path() {
			return im.typeOf(t).(*types.Named).Obj()
		}
		return types.NewTypeName(token.NoPos, pk, name, im.typeOf(t)) // an alias
	case v.CanAddr():
		return types.NewVar(token.NoPos, pk, name, im.typeOf(v.Type()))
	case v.Kind() == reflect.Func:
		return types.NewFunc(token.NoPos, pk, name, im.signature(v.Type(), nil))
	}
	if c, ok := v.Interface().(constant.Value); ok {
		return types.NewConst(token.NoPos, pk, name, untypedOf(c), c)
	}
	if c := constantOf(v); c != nil {
		return types.NewConst(token.NoPos, pk, name, im.typeOf(v.Type()), c)
	}
	return types.NewVar(token.NoPos, pk, name, im.typeOf(v.Type()))
}

func untypedOf(c constant.Value) types.Type {
	switch c.Kind() {
	case constant.Bool:
		return types.Typ[types.UntypedBool]
	case constant.String:
		return types.Typ[types.UntypedString]
	case constant.Float:
		return types.Typ[types.UntypedFloat]
	case constant.Complex:
		return types.Typ[types.UntypedComplex]
	}
	return types.Typ[types.UntypedInt]
}

// constantOf is the value of a typed constant of a basic kind.
func constantOf(v reflect.Value) constant.Value {
	switch v.Kind() {
	case reflect.Bool:
		return constant.MakeBool(v.Bool())
	case reflect.String:
		return constant.MakeString(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return constant.MakeInt64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return constant.MakeUint64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return constant.MakeFloat64(v.Float())
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		return constant.BinaryOp(constant.MakeFloat64(real(c)), token.ADD,
			constant.MakeImag(constant.MakeFloat64(imag(c))))
	}
	return nil
}

var basicKinds = map[reflect.Kind]types.BasicKind{
	reflect.Bool: types.Bool, reflect.Int: types.Int, reflect.Int8: types.Int8, reflect.Int16: types.Int16,
	reflect.Int32: types.Int32, reflect.Int64: types.Int64, reflect.Uint: types.Uint, reflect.Uint8: types.Uint8,
	reflect.Uint16: types.Uint16, reflect.Uint32: types.Uint32, reflect.Uint64: types.Uint64,
	reflect.Uintptr: types.Uintptr, reflect.Float32: types.Float32, reflect.Float64: types.Float64,
	reflect.Complex64: types.Complex64, reflect.Complex128: types.Complex128, reflect.String: types.String,
	reflect.UnsafePointer: types.UnsafePointer,
}

var errorType = reflect.TypeOf((*error)(nil)).Elem()

// typeOf is the go/types type of a compiled type.
func (im *tableImporter) typeOf(t reflect.Type) types.Type {
	if t == errorType {
		return types.Universe.Lookup("error").Type()
	}
	if t.Name() != "" && t.PkgPath() != "" && t.Kind() != reflect.UnsafePointer {
		return im.namedOf(t)
	}
	if b, ok := basicKinds[t.Kind()]; ok {
		return types.Typ[b]
	}
	return im.literal(t, nil)
}

// literal is the structure of a type (the underlying type of a named one).
func (im *tableImporter) literal(t reflect.Type, owner *types.Package) types.Type {
	switch t.Kind() {
	case reflect.Pointer:
		return types.NewPointer(im.typeOf(t.Elem()))
	case reflect.Slice:
		return types.NewSlice(im.typeOf(t.Elem()))
	case reflect.Array:
		return types.NewArray(im.typeOf(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return types.NewMap(im.typeOf(t.Key()), im.typeOf(t.Elem()))
	case reflect.Chan:
		dir := map[reflect.ChanDir]types.ChanDir{reflect.BothDir: types.SendRecv, reflect.SendDir: types.SendOnly, reflect.RecvDir: types.RecvOnly}
		return types.NewChan(dir[t.ChanDir()], im.typeOf(t.Elem()))
	case reflect.Func:
		return im.signature(t, nil)
	case reflect.Struct:
		return im.structOf(t, owner)
	case reflect.Interface:
		return im.interfaceOf(t, owner)
	}
	if b, ok := basicKinds[t.Kind()]; ok {
		return types.Typ[b]
	}
	return types.Typ[types.Invalid]
}

// namedOf is the named type of t with its methods.
func (im *tableImporter) namedOf(t reflect.Type) types.Type {
	if n, ok := im.named[t]; ok {
		return n
	}
	pk := im.pkg(t.PkgPath())
	obj := types.NewTypeName(token.NoPos, pk, t.Name(), nil)
	named := types.NewNamed(obj, nil, nil)
	im.named[t] = named
	named.SetUnderlying(im.literal(t, pk).Underlying())
	if t.Kind() == reflect.Interface {
		return named
	}
	value := map[string]bool{}
	for i := range t.NumMethod() {
		m := t.Method(i)
		value[m.Name] = true
		named.AddMethod(types.NewFunc(token.NoPos, pk, m.Name, im.signature(m.Type, types.NewVar(token.NoPos, pk, "", named))))
	}
	pt := reflect.PointerTo(t)
	for i := range pt.NumMethod() {
		if m := pt.Method(i); !value[m.Name] {
			recv := types.NewVar(token.NoPos, pk, "", types.NewPointer(named))
			named.AddMethod(types.NewFunc(token.NoPos, pk, m.Name, im.signature(m.Type, recv)))
		}
	}
	im.sealedMethods(t, named)
	return named
}

// sealedMethods gives a compiled type the unexported methods of the
// interfaces of its package that it implements (reflect does not list a
// type's unexported methods), so that it still satisfies them.
func (im *tableImporter) sealedMethods(t reflect.Type, named *types.Named) {
	have := map[string]bool{}
	for i := range named.NumMethods() {
		have[named.Method(i).Name()] = true
	}
	for name, v := range im.tables[t.PkgPath()] {
		if strings.HasPrefix(name, "_") || v.Kind() != reflect.Pointer || !v.IsNil() || v.Type().Elem().Kind() != reflect.Interface {
			continue
		}
		it := v.Type().Elem()
		recv := types.Type(named)
		switch {
		case t.Implements(it):
		case reflect.PointerTo(t).Implements(it):
			recv = types.NewPointer(named)
		default:
			continue
		}
		for i := range it.NumMethod() {
			m := it.Method(i)
			if m.PkgPath == "" || have[m.Name] {
				continue
			}
			have[m.Name] = true
			pk := im.pkg(m.PkgPath)
			named.AddMethod(types.NewFunc(token.NoPos, pk, m.Name, im.methodSignature(m.Type, types.NewVar(token.NoPos, pk, "", recv))))
		}
	}
}

// methodSignature is the signature of an interface's method (whose
// reflect type has no receiver) given to a concrete type.
func (im *tableImporter) methodSignature(t reflect.Type, recv *types.Var) *types.Signature {
	s := im.signature(t, nil)
	return types.NewSignatureType(recv, nil, nil, s.Params(), s.Results(), s.Variadic())
}

// signature is the go/types signature of a function type; a method's
// reflect type has its receiver first.
func (im *tableImporter) signature(t reflect.Type, recv *types.Var) *types.Signature {
	first := 0
	if recv != nil {
		first = 1
	}
	var params, results []*types.Var
	for i := first; i < t.NumIn(); i++ {
		params = append(params, types.NewParam(token.NoPos, nil, "", im.typeOf(t.In(i))))
	}
	for i := range t.NumOut() {
		results = append(results, types.NewParam(token.NoPos, nil, "", im.typeOf(t.Out(i))))
	}
	return types.NewSignatureType(recv, nil, nil, types.NewTuple(params...), types.NewTuple(results...), t.IsVariadic())
}

func (im *tableImporter) structOf(t reflect.Type, owner *types.Package) *types.Struct {
	var fields []*types.Var
	var tags []string
	for i := range t.NumField() {
		f := t.Field(i)
		pk := owner
		if f.PkgPath != "" {
			pk = im.pkg(f.PkgPath)
		}
		fields = append(fields, types.NewField(token.NoPos, pk, f.Name, im.typeOf(f.Type), f.Anonymous))
		tags = append(tags, string(f.Tag))
	}
	return types.NewStruct(fields, tags)
}

func (im *tableImporter) interfaceOf(t reflect.Type, owner *types.Package) *types.Interface {
	var methods []*types.Func
	for i := range t.NumMethod() {
		m := t.Method(i)
		pk := owner
		if m.PkgPath != "" {
			pk = im.pkg(m.PkgPath)
		}
		methods = append(methods, types.NewFunc(token.NoPos, pk, m.Name, im.signature(m.Type, nil)))
	}
	return types.NewInterfaceType(methods, nil).Complete()
}
