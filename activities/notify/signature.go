package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook request besides Content-Type and User-Agent.
const (
	// HeaderIdempotencyKey carries Message.IdempotencyKey; a receiver that has seen the key
	// before should answer 2xx without acting again.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderTimestamp carries the time of sending, in Unix seconds.
	HeaderTimestamp = "X-Firebreak-Timestamp"
	// HeaderSignature carries Sign(secret, timestamp, body).
	HeaderSignature = "X-Firebreak-Signature"
)

// Sign returns the signature of a webhook request: "sha256=" followed by the hex
// HMAC-SHA256, keyed with secret, of the timestamp, a dot and the body.
func Sign(secret []byte, timestamp string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, timestamp, body))
}

// VerifySignature checks that signature is Sign(secret, timestamp, body), in constant time.
// Receivers should also check the timestamp with CheckTimestamp to refuse replays.
func VerifySignature(secret []byte, timestamp string, body []byte, signature string) error {
	if len(secret) == 0 {
		return errors.New("verify signature: empty secret")
	}
	digest, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return errors.New("verify signature: want a sha256= signature")
	}
	got, err := hex.DecodeString(digest)
	if err != nil {
		return errors.New("verify signature: malformed hex")
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return errors.New("verify signature: signature does not match")
	}
	return nil
}

// CheckTimestamp checks that timestamp, in Unix seconds, is within maxSkew of now.
func CheckTimestamp(timestamp string, now time.Time, maxSkew time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("check timestamp: %q is not in Unix seconds", timestamp)
	}
	skew := now.Sub(time.Unix(sec, 0)).Abs()
	if skew > maxSkew {
		return fmt.Errorf("check timestamp: off by %s, more than %s", skew.Truncate(time.Second), maxSkew)
	}
	return nil
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
