package runbook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// HashPrefix starts every content hash.
const HashPrefix = "sha256:"

// ComputeHash returns the runbook's content hash: "sha256:" and the hexadecimal SHA-256 of its
// canonical JSON, which is json.Marshal of the definition with Hash empty (keys of maps sorted,
// no white space). It covers what a run does, not how the file is written: comments, key order,
// quoting and YAML style do not change it, and the definition hashes the same after a round
// trip through JSON, so a run can check the definition it was given.
func (r *Runbook) ComputeHash() (string, error) {
	c := *r
	c.Hash = ""
	data, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("hash runbook %s: %w", r.Name, err)
	}
	sum := sha256.Sum256(data)
	return HashPrefix + hex.EncodeToString(sum[:]), nil
}
