package notify

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
	"unicode"
)

// defaultTimeout bounds a webhook request when WebhookConfig.Client is nil.
const defaultTimeout = 10 * time.Second

// WebhookConfig configures a Webhook. The zero values of Client and Now are safe defaults.
type WebhookConfig struct {
	// URL is the absolute http or https address the messages are posted to.
	URL string
	// Secret is the HMAC-SHA256 key that signs every request. Required.
	Secret []byte
	// Client sends the requests. Nil means a client with a 10-second timeout that does not
	// follow redirects.
	Client *http.Client
	// Now returns the time stamped on each request. Nil means time.Now.
	Now func() time.Time
}

func (c WebhookConfig) validate() error {
	u, err := url.Parse(c.URL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL, which may hold a token
		}
		return fmt.Errorf("parse webhook URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("validate webhook URL %s: want an absolute http or https URL", u.Redacted())
	}
	if len(c.Secret) == 0 {
		return errors.New("validate webhook config: empty secret")
	}
	return nil
}

// Webhook posts each message as signed JSON to a URL. The receiver verifies the request with
// VerifySignature and CheckTimestamp, and honours the Idempotency-Key header.
// A Webhook is safe for concurrent use.
type Webhook struct {
	url      string
	redacted string // the URL without its password, for errors
	secret   []byte
	client   *http.Client
	now      func() time.Time
}

// NewWebhook returns a Webhook configured by cfg.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	u, _ := url.Parse(cfg.URL) // validated above
	w := &Webhook{
		url:      cfg.URL,
		redacted: u.Redacted(),
		secret:   bytes.Clone(cfg.Secret),
		client:   cfg.Client,
		now:      cfg.Now,
	}
	if w.client == nil {
		w.client = &http.Client{
			Timeout: defaultTimeout,
			// A redirect would turn the POST into a GET and lose the message; report it instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if w.now == nil {
		w.now = time.Now
	}
	return w, nil
}

// Notify posts m as JSON with the headers Content-Type, User-Agent, Idempotency-Key,
// X-Firebreak-Timestamp and X-Firebreak-Signature. A 2xx answer means delivered. Network
// errors and the answers 408, 429 and 5xx are worth retrying; other answers, and a message
// without an idempotency key, are not.
func (w *Webhook) Notify(ctx context.Context, m Message) (bool, error) {
	if m.IdempotencyKey == "" {
		return false, fmt.Errorf("post message to %s: missing idempotency key", w.redacted)
	}
	if strings.ContainsFunc(m.IdempotencyKey, unicode.IsControl) {
		return false, fmt.Errorf("post message to %s: control character in idempotency key %q", w.redacted, m.IdempotencyKey)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return false, fmt.Errorf("encode message: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("create request for %s: %w", w.redacted, err)
	}
	timestamp := strconv.FormatInt(w.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "firebreak")
	req.Header.Set(HeaderIdempotencyKey, m.IdempotencyKey)
	req.Header.Set(HeaderTimestamp, timestamp)
	req.Header.Set(HeaderSignature, Sign(w.secret, timestamp, body))

	resp, err := w.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL; ours is redacted
		}
		return true, fmt.Errorf("post message to %s: %w", w.redacted, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Drain a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return false, nil
	}
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	status := strings.TrimSpace(strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode))
	err = fmt.Errorf("post message to %s: status %s", w.redacted, status)
	if d := oneLine(string(detail)); d != "" {
		err = fmt.Errorf("%w: %s", err, d)
	}
	return retryable(resp.StatusCode), err
}

// retryable reports whether an answer with the given status code may succeed if repeated.
func retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}
