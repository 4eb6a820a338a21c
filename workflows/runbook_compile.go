package workflows

import (
	"crypto/sha256"
	"encoding/json"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/firebreak-dev/firebreak/runbook"
)

// maxCompiledRunbooks bounds the runbooks the process keeps compiled.
const maxCompiledRunbooks = 256

// compiledRunbooks holds the runbooks this process compiled, by the SHA-256 of their JSON
// encoding, which holds every field Compile reads.
var compiledRunbooks = mustLRU[[sha256.Size]byte, *runbook.Compiled](maxCompiledRunbooks)

// compileRunbook returns the runbook compiled, from the process's cache when the same runbook
// was compiled before. Compiling is a pure function of the runbook, so the cache cannot change
// what a run or its replay does; it spares a run's first workflow task the milliseconds that
// checking and compiling its CEL expressions takes (BenchmarkCompile in package runbook).
func compileRunbook(r *runbook.Runbook) (*runbook.Compiled, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return runbook.Compile(r)
	}
	key := sha256.Sum256(data)
	if c, ok := compiledRunbooks.Get(key); ok {
		return c, nil
	}
	c, err := runbook.Compile(r)
	if err == nil {
		compiledRunbooks.Add(key, c)
	}
	return c, err
}

// mustLRU returns an LRU cache of size entries; size is a positive constant.
func mustLRU[K comparable, V any](size int) *lru.Cache[K, V] {
	c, err := lru.New[K, V](size)
	if err != nil {
		panic(err)
	}
	return c
}
