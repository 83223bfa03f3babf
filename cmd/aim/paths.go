package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// checkOutputs refuses to let a command overwrite one of its own inputs.
// outputs and inputs map a flag, such as "--out" or "--checkpoint", to a
// path the command writes or reads (a file, or a directory it writes into
// or reads from; call it again for more paths under the same flag). An
// output is refused when it is the same file as an input by os.SameFile,
// so that symbolic and hard links count; outputs that do not exist yet and
// inputs that do not exist or are "" are fine (reading a missing input
// fails later with its own error). The error is a usage error naming both
// flags and the path.
func checkOutputs(outputs, inputs map[string]string) error {
	for _, outFlag := range sortedKeys(outputs) {
		out := outputs[outFlag]
		outInfo, err := os.Stat(out)
		if out == "" || err != nil {
			continue
		}
		for _, inFlag := range sortedKeys(inputs) {
			in := inputs[inFlag]
			if in == "" {
				continue
			}
			if inInfo, err := os.Stat(in); err == nil && os.SameFile(outInfo, inInfo) {
				return usageError{errors.Errorf("%s would write %s, which is %s: choose an output that is not an input", outFlag, out, describeInput(inFlag, in))}
			}
		}
	}
	return nil
}

// describeInput names an input of checkOutputs: "the --checkpoint input
// PATH" for a flag, "NAME (PATH)" for another name, such as a command's
// "image argument 2".
func describeInput(name, path string) string {
	if strings.HasPrefix(name, "-") {
		return fmt.Sprintf("the %s input %s", name, path)
	}
	return fmt.Sprintf("%s (%s)", name, path)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkOutputFiles checks the files a command writes into the directory
// of outFlag, and that directory itself, against inputs.
func checkOutputFiles(outFlag, dir string, files []string, inputs map[string]string) error {
	if err := checkOutputs(map[string]string{outFlag: dir}, inputs); err != nil {
		return err
	}
	for _, name := range files {
		if err := checkOutputs(map[string]string{outFlag: filepath.Join(dir, name)}, inputs); err != nil {
			return err
		}
	}
	return nil
}

// datasetPath is the file or directory a --data value reads, for the
// npy:PATH and folder:PATH forms, and "" for a named dataset.
func datasetPath(data string) string {
	for _, prefix := range []string{"npy:", "folder:"} {
		if path, ok := strings.CutPrefix(data, prefix); ok {
			return path
		}
	}
	return ""
}
