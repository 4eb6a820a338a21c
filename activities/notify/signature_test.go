package notify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVerifySignature(t *testing.T) {
	secret := []byte("key")
	body := []byte(`{"kind":"page"}`)
	valid := Sign(secret, "1700000000", body)
	tests := []struct {
		name      string
		secret    []byte
		timestamp string
		body      []byte
		signature string
		wantErr   string
	}{
		{name: "valid", secret: secret, timestamp: "1700000000", body: body, signature: valid},
		{name: "other body", secret: secret, timestamp: "1700000000", body: []byte(`{"kind":"update"}`), signature: valid, wantErr: "verify signature: signature does not match"},
		{name: "other timestamp", secret: secret, timestamp: "1700000001", body: body, signature: valid, wantErr: "verify signature: signature does not match"},
		{name: "other secret", secret: []byte("other"), timestamp: "1700000000", body: body, signature: valid, wantErr: "verify signature: signature does not match"},
		{name: "no prefix", secret: secret, timestamp: "1700000000", body: body, signature: valid[len("sha256="):], wantErr: "verify signature: want a sha256= signature"},
		{name: "bad hex", secret: secret, timestamp: "1700000000", body: body, signature: "sha256=zz", wantErr: "verify signature: malformed hex"},
		{name: "empty secret", timestamp: "1700000000", body: body, signature: valid, wantErr: "verify signature: empty secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.secret, tt.timestamp, tt.body, tt.signature)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestSignKnownAnswer(t *testing.T) {
	// printf '1700000000.{}' | openssl dgst -sha256 -hmac key
	require.Equal(t, "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae", Sign([]byte("key"), "1700000000", []byte("{}")))
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name      string
		timestamp string
		wantErr   string
	}{
		{"now", "1700000000", ""},
		{"a little late", "1699999760", ""},
		{"a little early", "1700000240", ""},
		{"too old", "1699999600", "check timestamp: off by 6m40s, more than 5m0s"},
		{"too new", "1700000400", "check timestamp: off by 6m40s, more than 5m0s"},
		{"not a number", "yesterday", `check timestamp: "yesterday" is not in Unix seconds`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTimestamp(tt.timestamp, now, 5*time.Minute)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
		})
	}
}
