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

	"github.com/firebreak-dev/firebreak/internal/safetext"
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
		return fmt.Errorf("parse webhook URL: %s", safetext.Line(safetext.Scrub(err.Error(), safetext.URLSecrets(c.URL))))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("validate webhook URL %s: want an absolute http or https URL", safetext.RedactURL(c.URL))
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
	url string
	// redacted is the URL as errors show it: scheme, host and first path segment, with the user
	// information, query values and the rest of the path hidden.
	redacted string
	// urlSecrets are the parts of the URL that redacted hides, for scrubbing them from any
	// other text an error carries.
	urlSecrets []string
	secret     []byte
	client     *http.Client
	now        func() time.Time
}

// NewWebhook returns a Webhook configured by cfg.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	w := &Webhook{
		url:        cfg.URL,
		redacted:   safetext.RedactURL(cfg.URL),
		urlSecrets: safetext.URLSecrets(cfg.URL),
		secret:     bytes.Clone(cfg.Secret),
		client:     cfg.Client,
		now:        cfg.Now,
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
// X-Firebreak-Timestamp and X-Firebreak-Signature. Every text of m is sanitised first (see
// sanitise). A 2xx answer means delivered. Network errors and the answers 408, 429 and 5xx are
// worth retrying; other answers, and a message without an idempotency key, are not. No error
// names the URL's secrets: it shows the URL redacted (safetext.RedactURL), and any part of the
// URL that the client or the receiver's answer repeats is hidden.
func (w *Webhook) Notify(ctx context.Context, m Message) (bool, error) {
	if m.IdempotencyKey == "" {
		return false, w.errorf("post message to %s: missing idempotency key", w.redacted)
	}
	if strings.ContainsFunc(m.IdempotencyKey, unicode.IsControl) {
		return false, w.errorf("post message to %s: control character in idempotency key %q", w.redacted, m.IdempotencyKey)
	}
	body, err := json.Marshal(sanitise(m))
	if err != nil {
		return false, fmt.Errorf("encode message: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return false, w.errorf("create request for %s: %w", w.redacted, withoutURL(err))
	}
	timestamp := strconv.FormatInt(w.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "firebreak")
	req.Header.Set(HeaderIdempotencyKey, m.IdempotencyKey)
	req.Header.Set(HeaderTimestamp, timestamp)
	req.Header.Set(HeaderSignature, Sign(w.secret, timestamp, body))

	resp, err := w.client.Do(req)
	if err != nil {
		return true, w.errorf("post message to %s: %w", w.redacted, withoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Drain a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return false, nil
	}
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	status := strings.TrimSpace(strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode))
	if d := oneLine(strings.ToValidUTF8(string(detail), "")); d != "" {
		return retryable(resp.StatusCode), w.errorf("post message to %s: status %s: %s", w.redacted, status, d)
	}
	return retryable(resp.StatusCode), w.errorf("post message to %s: status %s", w.redacted, status)
}

// withoutURL returns the error inside a *url.Error, which repeats the whole URL, or err itself.
func withoutURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// errorf returns fmt.Errorf(format, args...) with the URL's secrets hidden. The workflow history
// records an activity error's whole chain of causes, so the error wraps its cause only when no
// error in the chain names a secret; otherwise it is the scrubbed text alone.
func (w *Webhook) errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if w.scrub(e.Error()) != e.Error() {
			return errors.New(w.scrub(err.Error()))
		}
	}
	return err
}

// scrub hides the URL's secrets in s, leaving the redacted URL itself as it is, so that a secret
// that also occurs in the host does not hide the host.
func (w *Webhook) scrub(s string) string {
	parts := strings.Split(s, w.redacted)
	for i, p := range parts {
		parts[i] = safetext.Scrub(p, w.urlSecrets)
	}
	return strings.Join(parts, w.redacted)
}

// sanitise returns m with every text neutralised for the chat or pager that shows it: the body
// keeps its lines (safetext.Text), every other field is one line (safetext.Line).
func sanitise(m Message) Message {
	m.Kind = safetext.Line(m.Kind)
	m.IncidentID = safetext.Line(m.IncidentID)
	m.Recipient = safetext.Line(m.Recipient)
	m.Severity = safetext.Line(m.Severity)
	m.Service = safetext.Line(m.Service)
	m.Audience = safetext.Line(m.Audience)
	m.Subject = safetext.Line(m.Subject)
	m.Text = safetext.Text(m.Text)
	if len(m.Links) > 0 {
		links := make(map[string]string, len(m.Links))
		for name, link := range m.Links {
			links[safetext.Line(name)] = safetext.Line(link)
		}
		m.Links = links
	}
	return m
}

// retryable reports whether an answer with the given status code may succeed if repeated.
func retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}
