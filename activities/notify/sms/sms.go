// Package sms pages people by text message through a provider's HTTP API. The request is
// shaped like Twilio's Messages API (POST the form fields To, From and Body with basic auth to
// /2010-04-01/Accounts/{sid}/Messages.json), which other providers copy; the URL, the
// encoding (form or JSON) and the authentication (basic with a username, or a bearer token)
// are configurable, so that any provider of that shape works.
package sms

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
	"unicode/utf8"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Limits of one text message.
const (
	// MaxBody is the longest body sent, in bytes: Twilio's limit of 1,600 characters, counted in
	// bytes so that no provider counts more.
	MaxBody = 1600
	// defaultTimeout bounds a request when Config.Client is nil.
	defaultTimeout = 10 * time.Second
	// maxDetail bounds how much of a provider's error answer an error repeats.
	maxDetail = 256
)

// The encodings of a request body.
const (
	EncodingForm = "form"
	EncodingJSON = "json"
)

// Config configures a Notifier. The zero values of Encoding and Client are safe defaults.
type Config struct {
	// URL is the provider's endpoint; "{username}" in it is replaced by Username.
	URL string
	// From is the sender: the provider's phone number or sender ID.
	From string
	// Username, when set, authenticates with basic auth as Username and Token (Twilio's account
	// SID and auth token); otherwise Token is sent as a bearer token.
	Username string
	// Token is the provider's secret. Required; it never appears in an error.
	Token string
	// Encoding is EncodingForm (the default) or EncodingJSON.
	Encoding string
	// Phone returns a person's telephone number and whether they have one. Required.
	Phone func(person string) (string, bool)
	// Client sends the requests. Nil means a client with a 10-second timeout that does not
	// follow redirects.
	Client *http.Client
}

func (c Config) validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("validate sms URL %s: want an absolute http or https URL", safetext.RedactURL(c.URL))
	}
	switch {
	case strings.TrimSpace(c.From) == "":
		return errors.New("validate sms config: missing sender (from)")
	case c.Token == "":
		return errors.New("validate sms config: empty token")
	case c.Phone == nil:
		return errors.New("validate sms config: no phone directory")
	case c.Encoding != "" && c.Encoding != EncodingForm && c.Encoding != EncodingJSON:
		return fmt.Errorf("validate sms config: unknown encoding %q: want form or json", c.Encoding)
	}
	return nil
}

// Notifier sends pages as text messages. It is safe for concurrent use.
type Notifier struct {
	url      string
	redacted string
	from     string
	username string
	token    string
	json     bool
	phone    func(string) (string, bool)
	client   *http.Client
}

// New returns a Notifier configured by cfg.
func New(cfg Config) (*Notifier, error) {
	cfg.URL = strings.ReplaceAll(cfg.URL, "{username}", url.PathEscape(cfg.Username))
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &Notifier{
		url: cfg.URL, redacted: safetext.RedactURL(cfg.URL), from: cfg.From, username: cfg.Username,
		token: cfg.Token, json: cfg.Encoding == EncodingJSON, phone: cfg.Phone, client: cfg.Client,
	}
	if n.client == nil {
		n.client = &http.Client{
			Timeout: defaultTimeout,
			// A redirect would turn the POST into a GET and lose the message; report it instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return n, nil
}

// Notify sends m to its recipient's phone as one text message: the subject, the text and the
// link to the incident's history, sanitised and cut to MaxBody bytes. It sends pages and
// updates addressed to a person; a broadcast (no recipient) has no phone to go to and is not
// sent. A 2xx answer means accepted. Network errors and the answers 408, 429 and 5xx are worth
// retrying; other answers, a recipient with no phone number and a message without an
// idempotency key are not. The Idempotency-Key header carries m's key for providers that
// honour it.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) (bool, error) {
	if m.Recipient == "" {
		return false, nil
	}
	if m.IdempotencyKey == "" {
		return false, errors.New("send text message: missing idempotency key")
	}
	to, ok := n.phone(m.Recipient)
	if !ok || to == "" {
		return false, fmt.Errorf("send text message to %s: no phone number", safetext.Line(m.Recipient))
	}
	req, err := n.request(ctx, to, Body(m))
	if err != nil {
		return false, err
	}
	req.Header.Set("Idempotency-Key", safetext.Line(m.IdempotencyKey))
	resp, err := n.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL
		}
		return true, fmt.Errorf("send text message via %s: %s", n.redacted, n.scrub(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return false, nil
	}
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, maxDetail))
	status := strings.TrimSpace(strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode))
	err = fmt.Errorf("send text message via %s: status %s", n.redacted, status)
	if d := strings.TrimSpace(safetext.Line(strings.ToValidUTF8(string(detail), ""))); d != "" {
		err = fmt.Errorf("send text message via %s: status %s: %s", n.redacted, status, n.scrub(d))
	}
	return retryable(resp.StatusCode), err
}

// request builds the provider's request: To, From and Body as a form or as JSON, with basic
// auth or a bearer token.
func (n *Notifier) request(ctx context.Context, to, body string) (*http.Request, error) {
	var payload []byte
	contentType := "application/x-www-form-urlencoded"
	if n.json {
		var err error
		if payload, err = json.Marshal(map[string]string{"To": to, "From": n.from, "Body": body}); err != nil {
			return nil, fmt.Errorf("encode text message: %w", err)
		}
		contentType = "application/json"
	} else {
		payload = []byte(url.Values{"To": {to}, "From": {n.from}, "Body": {body}}.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("create request for %s: invalid URL", n.redacted)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "firebreak")
	if n.username != "" {
		req.SetBasicAuth(n.username, n.token)
	} else {
		req.Header.Set("Authorization", "Bearer "+n.token)
	}
	return req, nil
}

// scrub hides the token in s.
func (n *Notifier) scrub(s string) string {
	return safetext.Scrub(s, []string{n.token})
}

// Body returns the text of m's message: its subject, its text and the link to its history,
// each made safe to show, cut to MaxBody bytes on a rune boundary.
func Body(m notify.Message) string {
	parts := []string{safetext.Line(m.Subject)}
	if t := strings.TrimSpace(safetext.Text(m.Text)); t != "" {
		parts = append(parts, t)
	}
	if link := m.Links["history"]; link != "" {
		parts = append(parts, safetext.Line(link))
	}
	body := strings.Join(parts, "\n")
	if len(body) <= MaxBody {
		return body
	}
	cut := MaxBody - len("…")
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return body[:cut] + "…"
}

// retryable reports whether an answer with the given status code may succeed if repeated.
func retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}
