package symbols

import (
	_ "embed" // docs.json
	"encoding/json"
	"sync"
)

// docsJSON holds, for each exported name of the carried packages (and of
// some standard packages), its declaration and doc comment, keyed
// "import/path.Name", "import/path.Type.Method" or "import/path"; gen
// writes it with the tables.
//
//go:embed docs.json
var docsJSON []byte

var (
	docsOnce sync.Once
	docs     map[string]string
	docsErr  error
)

// Doc returns the declaration and doc comment of a name: key is
// "github.com/aim-go/aim/graph.Preset", "gorgonia.org/gorgonia.ExprGraph.AddNode",
// "fmt.Println" or a package's import path.
func Doc(key string) (string, bool) {
	docsOnce.Do(func() { docsErr = json.Unmarshal(docsJSON, &docs) })
	if docsErr != nil {
		return "", false
	}
	if d, ok := docs[key]; ok {
		return d, true
	}
	d, ok := instanceDocs[key]
	return d, ok
}
