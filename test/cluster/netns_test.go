package cluster_test

import (
	"crypto/rand"
	"fmt"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// netns is a network namespace joined to this host by a veth pair, on addresses of its own,
// that a test can cut off from the host and join again.
type netns struct {
	name, hostLink, hostIP, nsIP string
}

// newNetns creates the namespace and its link; the test's cleanup removes both.
func newNetns(t *testing.T) *netns {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	id := fmt.Sprintf("%02x%02x", b[0], b[1])
	n := &netns{
		name: "fbcluster-" + id, hostLink: "fbc" + id + "h",
		hostIP: fmt.Sprintf("10.231.%d.1", b[0]), nsIP: fmt.Sprintf("10.231.%d.2", b[0]),
	}
	nsLink := "fbc" + id + "n"
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "del", n.name).Run()
		_ = exec.Command("ip", "link", "del", n.hostLink).Run()
	})
	for _, args := range [][]string{
		{"netns", "add", n.name},
		{"link", "add", n.hostLink, "type", "veth", "peer", "name", nsLink},
		{"link", "set", nsLink, "netns", n.name},
		{"addr", "add", n.hostIP + "/30", "dev", n.hostLink},
		{"link", "set", n.hostLink, "up"},
		{"netns", "exec", n.name, "ip", "addr", "add", n.nsIP + "/30", "dev", nsLink},
		{"netns", "exec", n.name, "ip", "link", "set", nsLink, "up"},
		{"netns", "exec", n.name, "ip", "link", "set", "lo", "up"},
	} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		require.NoError(t, err, "ip %v: %s (the partition test needs root and iproute2)", args, out)
	}
	return n
}

// cut takes the host's end of the link down: nothing crosses until heal.
func (n *netns) cut(t *testing.T) { n.link(t, "down") }

// heal brings the link back up.
func (n *netns) heal(t *testing.T) { n.link(t, "up") }

func (n *netns) link(t *testing.T, state string) {
	out, err := exec.Command("ip", "link", "set", n.hostLink, state).CombinedOutput()
	require.NoError(t, err, "ip link set %s %s: %s", n.hostLink, state, out)
}
