package memplan

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/ops/internal/kit"
)

// Plan lets the operations of package ops in g share output memory: two
// outputs of the same type and size share one allocation when their
// values are never live at the same time in the order Gorgonia's
// TapeMachine runs the graph (its topological sort). keep lists the nodes
// whose values are read after a run (gradients, losses, features); they
// get memory of their own. It returns the number of allocations the outputs
// will use.
//
// Call it once the graph is complete and before running it. A graph with a
// Gorgonia operation that calls BLAS (which reuses memory of its own) is
// refused.
func Plan(g *G.ExprGraph, keep ...*G.Node) (int, error) {
	order, err := G.Sort(g)
	if err != nil {
		return 0, errors.Wrap(err, "planning memory")
	}
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	end, err := lifetimes(g, order, keep)
	if err != nil {
		return 0, err
	}
	return assign(g, order, end), nil
}

// lifetimes returns, for each node, the position in order of the last
// operation that may read its value. A Gorgonia operation may write its
// result into an input, so a value read by one lives as long as that
// operation's own result.
func lifetimes(g *G.ExprGraph, order G.Nodes, keep G.Nodes) (map[*G.Node]int, error) {
	pos := make(map[*G.Node]int, len(order))
	for i, n := range order {
		pos[n] = i
	}
	end := make(map[*G.Node]int, len(order))
	for _, n := range keep {
		end[n] = math.MaxInt
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		if op := n.Op(); op != nil {
			if !kit.Ours(op) && op.CallsExtern() {
				return nil, errors.Errorf("planning memory: operation %v calls BLAS through Gorgonia", op)
			}
		}
		last := max(end[n], i)
		for _, p := range parents(g, n) {
			last = max(last, pos[p])
			if !kit.Ours(p.Op()) {
				last = max(last, end[p])
			}
		}
		end[n] = last
	}
	return end, nil
}

// parents returns the nodes that read n.
func parents(g *G.ExprGraph, n *G.Node) []*G.Node {
	var out []*G.Node
	it := g.To(n.ID())
	for it.Next() {
		if p, ok := it.Node().(*G.Node); ok {
			out = append(out, p)
		}
	}
	return out
}

// sizeClass is the type and element count of an output.
type sizeClass struct {
	dtype tensor.Dtype
	size  int
}

// assign walks the nodes in order, handing each planned output
// (kit.Planned) the storage of its input when it may take its place
// (kit.InPlace), else of an output of the same class that is no longer
// live, or new storage.
func assign(g *G.ExprGraph, order G.Nodes, end map[*G.Node]int) int {
	free := map[sizeClass][]*kit.Storage{}
	release := map[int][]*G.Node{}
	storageOf := map[*G.Node]*kit.Storage{}
	handedOver := map[*G.Node]bool{}
	count := 0
	for i, n := range order {
		for _, done := range release[i-1] {
			if !handedOver[done] {
				class := sizeClass{done.Dtype(), done.Shape().TotalSize()}
				free[class] = append(free[class], storageOf[done])
			}
		}
		p, ok := n.Op().(kit.Planned)
		if !ok || n.IsScalar() {
			continue
		}
		class := sizeClass{n.Dtype(), n.Shape().TotalSize()}
		var s *kit.Storage
		if in := overwritable(g, n, i, end, storageOf); in != nil {
			s, handedOver[in] = storageOf[in], true
		} else if list := free[class]; len(list) > 0 {
			s, free[class] = list[len(list)-1], list[:len(list)-1]
		} else {
			s = &kit.Storage{}
			count++
		}
		p.Output().Share(s)
		storageOf[n] = s
		if e := end[n]; e != math.MaxInt {
			release[e] = append(release[e], n)
		}
	}
	return count
}

// overwritable returns the input of n, at position i of the order, whose
// storage n may take: n is kit.InPlace, and its one input is a planned output
// of the same type and size that nothing reads after n.
func overwritable(g *G.ExprGraph, n *G.Node, i int, end map[*G.Node]int, storageOf map[*G.Node]*kit.Storage) *G.Node {
	if op, ok := n.Op().(kit.InPlace); !ok || !op.InPlace() {
		return nil
	}
	it := g.From(n.ID())
	if it.Len() != 1 || !it.Next() {
		return nil
	}
	in, ok := it.Node().(*G.Node)
	if !ok || storageOf[in] == nil || end[in] != i || in.Dtype() != n.Dtype() || in.Shape().TotalSize() != n.Shape().TotalSize() {
		return nil
	}
	return in
}
