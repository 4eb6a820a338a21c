// Package httplimit bounds what a hosted API's response may make Firebreak read.
package httplimit

import "io"

// Body returns rc limited to max bytes: reading past them returns tooLarge instead of more data,
// so a body longer than the limit fails rather than being cut silently.
func Body(rc io.ReadCloser, max int64, tooLarge error) io.ReadCloser {
	return &body{rc: rc, left: max, tooLarge: tooLarge}
}

type body struct {
	rc       io.ReadCloser
	left     int64
	tooLarge error
}

func (b *body) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, b.tooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }
