// Package hook posts JSON to a chat system's incoming webhook, for the webhook-only chat
// implementations: the status code decides whether a failure is worth retrying, a 429's
// Retry-After is honoured, and no error names the URL's secrets. Chat is the chat.Chat each of
// them is, given the format of its system's messages.
package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// DefaultTimeout bounds one request when the caller gives no client.
const DefaultTimeout = 10 * time.Second

// maxDetail bounds how much of a refusal's body an error repeats.
const maxDetail = 200

// Hook is one incoming webhook. It is safe for concurrent use.
type Hook struct {
	url string
	// redacted is the URL as errors show it (safetext.RedactURL); secrets are the parts it
	// hides, for scrubbing any other text an error carries.
	redacted string
	secrets  []string
	client   *http.Client
	maxWait  time.Duration
}

// New returns a Hook posting to rawURL, an absolute http or https URL, with client (nil means a
// client with DefaultTimeout that follows no redirect) and waiting at most maxWait for a rate
// limit (zero means chat.DefaultMaxWait).
func New(rawURL string, client *http.Client, maxWait time.Duration) (*Hook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL is the credential: the error shows none of it.
		return nil, errors.New("validate webhook URL: want an absolute http or https URL")
	}
	if client == nil {
		client = &http.Client{
			Timeout: DefaultTimeout,
			// A redirect would turn the POST into a GET and lose the message.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if maxWait <= 0 {
		maxWait = chat.DefaultMaxWait
	}
	return &Hook{url: rawURL, redacted: safetext.RedactURL(rawURL), secrets: safetext.URLSecrets(rawURL), client: client, maxWait: maxWait}, nil
}

// Redacted returns the URL as errors show it.
func (h *Hook) Redacted() string { return h.redacted }

// Post posts body as JSON, waiting out short rate limits (chat.Patiently). A 2xx answer means
// delivered; network failures, 408, 429 and 5xx are retryable *chat.Errors, other answers final
// ones that repeat the start of the answer's body, which names the problem.
func (h *Hook) Post(ctx context.Context, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode webhook message: %w", err)
	}
	return chat.Patiently(ctx, h.maxWait, func() error { return h.post(ctx, data) })
}

func (h *Hook) post(ctx context.Context, data []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(data))
	if err != nil {
		return h.fail(false, 0, "create request for %s: %v", h.redacted, withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "firebreak")
	resp, err := h.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			// The caller's deadline or cancellation: wrap it so that chat.Retryable sees it.
			return fmt.Errorf("post to %s: %w", h.redacted, ctx.Err())
		}
		return h.fail(true, 0, "post to %s: %v", h.redacted, withoutURL(err))
	}
	defer resp.Body.Close()
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	status := strings.TrimSpace(strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode))
	problem := fmt.Sprintf("post to %s: status %s", h.redacted, status)
	if d := oneLine(string(detail)); d != "" {
		problem += ": " + d
	}
	code := resp.StatusCode
	retry := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
	var after time.Duration
	if code == http.StatusTooManyRequests {
		after = RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return h.fail(retry, after, "%s", problem)
}

// fail returns a *chat.Error with the URL's secrets scrubbed from its problem.
func (h *Hook) fail(retry bool, after time.Duration, format string, args ...any) error {
	problem := fmt.Sprintf(format, args...)
	parts := strings.Split(problem, h.redacted)
	for i, p := range parts {
		parts[i] = safetext.Scrub(p, h.secrets)
	}
	return &chat.Error{Retry: retry, RetryAfter: after, Problem: safetext.Line(strings.Join(parts, h.redacted))}
}

// RetryAfter reads a Retry-After header: seconds (a fraction allowed, as Discord sends) or an
// HTTP date. It returns zero for a missing or unreadable value, and otherwise the wait rounded up
// to whole seconds, at least one.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || secs > 24*3600 {
			return 0
		}
		d = time.Duration(secs * float64(time.Second))
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(now)
	} else {
		return 0
	}
	// Round up to whole seconds: waiting less than asked would only be refused again.
	return max((d+time.Second-1)/time.Second*time.Second, time.Second)
}

// withoutURL returns the error inside a *url.Error, which repeats the whole URL, or err itself.
func withoutURL(err error) error {
	if uerr, ok := errors.AsType[*url.Error](err); ok {
		return uerr.Err
	}
	return err
}

// oneLine returns the start of a response body as one short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
	return chat.Truncate(s, maxDetail)
}
