// Package atomicfile writes files so that readers see either the old
// content or the new, never a part: the data goes to a temporary file in
// the same directory, which is synced and then renamed over the target.
//
// A file that is replaced keeps its permission bits; a new file gets those
// of os.Create (0666 less the umask). The temporary file of PATH is named
// .BASE.tmp-N, with BASE the base name of PATH and N a decimal number;
// RemoveTemps removes those a killed process left behind.
package atomicfile
