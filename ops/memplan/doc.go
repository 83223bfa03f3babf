// Package memplan plans the memory of a complete Gorgonia graph built from
// the operations of package ops: Plan lets outputs that are never live at
// the same time share one allocation, in the order Gorgonia's TapeMachine
// runs the graph, and lets an elementwise operation of an inference graph
// (GELU) write over its input when nothing reads the input afterwards.
//
//	g := gorgonia.NewGraph()
//	… build the graph with ops …
//	grads, _ := gorgonia.Grad(loss, params...)
//	if _, err := memplan.Plan(g, append(grads, loss)...); err != nil { … }
//	vm := gorgonia.NewTapeMachine(g)
//
// The nodes passed to Plan are those read after a run; they keep memory of
// their own. graph.Compile calls Plan for every graph of the project.
package memplan
