package safetext

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "one path segment stays", in: "https://hooks.example.com/firebreak", want: "https://hooks.example.com/firebreak"},
		{name: "host only", in: "https://example.com", want: "https://example.com"},
		{name: "port stays", in: "http://127.0.0.1:8080/hook", want: "http://127.0.0.1:8080/hook"},
		{name: "trailing slash", in: "https://example.com/hooks/", want: "https://example.com/hooks/"},
		{
			name: "slack incoming webhook",
			in:   "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
			want: "https://hooks.slack.com/services/REDACTED",
		},
		{
			name: "discord webhook",
			in:   "https://discord.com/api/webhooks/123456789012345678/abcDEF_ghiJKL-mnoPQR",
			want: "https://discord.com/api/REDACTED",
		},
		{
			name: "teams workflow (power automate)",
			in: "https://prod-12.westeurope.logic.azure.com:443/workflows/0123abcd/triggers/manual/paths/invoke" +
				"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbCdEfGhIjKlMnOp",
			want: "https://prod-12.westeurope.logic.azure.com:443/workflows/REDACTED" +
				"?api-version=REDACTED&sp=REDACTED&sv=REDACTED&sig=REDACTED",
		},
		{name: "mattermost", in: "https://chat.example.com/hooks/xxx-generatedkey-xxx", want: "https://chat.example.com/hooks/REDACTED"},
		{name: "user and password", in: "https://user:hunter2@example.com/hook", want: "https://REDACTED@example.com/hook"},
		{name: "user only", in: "https://ghp_0123456789abcdef@example.com/", want: "https://REDACTED@example.com/"},
		{name: "query token", in: "https://example.com/hook?token=s3cr3t&channel=ops", want: "https://example.com/hook?token=REDACTED&channel=REDACTED"},
		{name: "query part without a value", in: "https://example.com/hook?s3cr3t", want: "https://example.com/hook?REDACTED"},
		{name: "empty query values stay empty", in: "https://example.com/hook?a=&&b", want: "https://example.com/hook?a=&&REDACTED"},
		{name: "fragment", in: "https://example.com/cb#access_token=abc", want: "https://example.com/cb#REDACTED"},
		{name: "opaque", in: "mailto:ops@example.com", want: "mailto:REDACTED"},
		{name: "relative path", in: "/hook/secret", want: "/hook/REDACTED"},
		{name: "empty", in: "", want: ""},
		{name: "unparsable", in: "http://a b.com/x?token=s3cr3t", want: "REDACTED (unparsable URL)"},
		{name: "control character", in: "https://example.com/\x1b[2J", want: "REDACTED (unparsable URL)"},
		{name: "bidi override in the host", in: "https://exa\u202emple.com/", want: `https://exa\u202emple.com/`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, RedactURL(tt.in))
		})
	}
}

func TestScrubURLSecrets(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		text    string
		want    string
		secrets []string
	}{
		{
			name: "slack path token in a library error",
			url:  "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
			text: `Post "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX": EOF`,
			want: `Post "https://hooks.slack.com/services/REDACTED": EOF`,
			secrets: []string{
				"T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXXXXXXXXXX", "T00000000", "B00000000",
			},
		},
		{
			name:    "query token, escaped and plain, echoed by a receiver",
			url:     "https://example.com/hook?token=s3cr3t%2Fvalue",
			text:    "bad token s3cr3t/value (s3cr3t%2Fvalue)",
			want:    "bad token REDACTED (REDACTED)",
			secrets: []string{"s3cr3t%2Fvalue", "s3cr3t/value"},
		},
		{
			name:    "password",
			url:     "https://user:hunter2hunter2@example.com/hook",
			text:    "auth failed for user:hunter2hunter2",
			want:    "auth failed for REDACTED",
			secrets: []string{"user:hunter2hunter2", "hunter2hunter2"},
		},
		{
			name: "short parts are left alone",
			url:  "https://example.com/hook?sv=1.0",
			text: "HTTP/1.0 sv",
			want: "HTTP/1.0 sv",
		},
		{name: "unparsable URL", url: "http://a b.com/", text: "x", want: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secrets := URLSecrets(tt.url)
			require.Equal(t, tt.secrets, secrets)
			require.Equal(t, tt.want, Scrub(tt.text, secrets))
		})
	}
}
