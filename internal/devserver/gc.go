package devserver

import "runtime/debug"

// gcPercent is the garbage collector's target in a process that embeds the server: a collection
// starts when the heap has grown by twice what was live after the last one (Go's default is
// once). The server allocates heavily for every request (protobuf messages, gRPC buffers,
// SQLite's pages and the goroutines that carry them); at Go's default the collector took about
// 12% of the CPU in an alert storm, and in paired runs the storm's p99 first page came 16% later
// on average (BENCHMARKS.md). The cost is memory: 130-225 MiB more at the benchmark's peak.
const gcPercent = 200

// tuneGC sets the process's garbage collection target to gcPercent unless the GOGC environment
// variable sets one (lookupEnv is os.LookupEnv): an operator's own choice wins.
func tuneGC(lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(gcPercent)
}
