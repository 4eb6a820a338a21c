// Package email delivers Firebreak's pages and stakeholder updates by e-mail through an SMTP
// relay.
//
// A Notifier sends a page to the person it names, at the address the configuration gives
// them, and an update to the stakeholder lists that ask for the incident's service, severity
// and audience. Every message carries a Message-ID derived from its idempotency key, so a
// retried send is the same message to every receiver that deduplicates by Message-ID, and
// the notifier itself never sends a key twice while it remembers it. The relay must offer
// STARTTLS unless it listens on a loopback address and the configuration turns TLS off; the
// password of AUTH PLAIN crosses only an encrypted or loopback connection. SMTP's 4yz
// replies, a relay that is down and one that is too slow are worth retrying; 5yz replies and
// a relay without STARTTLS are not.
package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Defaults of Config's zero values and bounds of what a message holds.
const (
	// DefaultTimeout bounds one delivery, from the connection to the relay's last reply.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxBodyBytes bounds a message's text; a longer text is cut with a visible note.
	DefaultMaxBodyBytes = 64 << 10
	// minBodyBytes is the smallest body limit, room for the truncation note and some text.
	minBodyBytes = 512
	// maxSubjectRunes bounds the subject, which must fit in folded header lines.
	maxSubjectRunes = 200
	// maxHeaderValue bounds every other header value taken from a message.
	maxHeaderValue = 200
	// maxReplyText bounds the relay's reply text quoted in an error.
	maxReplyText = 200
	// memory is how many idempotency keys a Notifier remembers as sent.
	memory = 10_000
	// audienceExternal is the audience of updates for customers.
	audienceExternal = "external"
)

// Person is what a page needs to know of its recipient.
type Person struct {
	Name    string
	Address string
}

// Config configures a Notifier. Every field but Addr and From has a safe zero value.
type Config struct {
	// Addr is the relay's host and port, such as smtp.example.com:587. Required.
	Addr string
	// From is the sender, such as "Firebreak <firebreak@example.com>"; its domain is the right
	// part of every Message-ID. Required.
	From string
	// NoStartTLS sends in plain text. It is refused unless Addr's host is a loopback address
	// (a relay on the same machine); otherwise the relay must offer STARTTLS.
	NoStartTLS bool
	// TLSConfig verifies the relay's certificate; nil means the system's roots, with the host
	// of Addr as the server name.
	TLSConfig *tls.Config
	// Username and Password turn on AUTH PLAIN when Username is set.
	Username string
	Password string
	// Timeout bounds one delivery; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBodyBytes bounds a message's text; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int
	// Hostname is the name the notifier gives in EHLO; "" means the machine's host name.
	Hostname string
	// People returns a person's name and address; nil means nobody can be paged by e-mail.
	People func(id string) (Person, bool)
	// Stakeholders returns the addresses that want an update about a service, of a severity
	// ("" when not yet known) for an audience; nil means updates go to nobody.
	Stakeholders func(service, severity, audience string) []string
	// Dial opens the connection to the relay; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Now stamps each message's Date; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

func (c Config) validate() (host string, from *mail.Address, err error) {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" || port == "" {
		return "", nil, fmt.Errorf("validate SMTP relay address %q: want host:port, such as smtp.example.com:587", safetext.Line(c.Addr))
	}
	from, err = mail.ParseAddress(c.From)
	if err != nil {
		return "", nil, fmt.Errorf("validate sender %q: want an e-mail address, such as Firebreak <firebreak@example.com>", safetext.Line(c.From))
	}
	if c.NoStartTLS && !Loopback(host) {
		return "", nil, fmt.Errorf("validate SMTP relay %s: plain text is allowed only to a loopback relay; remove the STARTTLS opt-out", safetext.Line(c.Addr))
	}
	if c.Timeout < 0 || c.MaxBodyBytes < 0 {
		return "", nil, errors.New("validate e-mail notifier: negative timeout or body limit")
	}
	if c.MaxBodyBytes != 0 && c.MaxBodyBytes < minBodyBytes {
		return "", nil, fmt.Errorf("validate e-mail notifier: body limit %d is below %d bytes", c.MaxBodyBytes, minBodyBytes)
	}
	return host, from, nil
}

// Loopback reports whether host names the machine itself: "localhost" or a loopback IP.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Notifier sends messages by e-mail. It is safe for concurrent use.
type Notifier struct {
	addr, host   string
	from         *mail.Address
	domain       string
	noTLS        bool
	tls          *tls.Config
	username     string
	password     string
	timeout      time.Duration
	maxBody      int
	hostname     string
	people       func(string) (Person, bool)
	stakeholders func(service, severity, audience string) []string
	dial         func(ctx context.Context, network, addr string) (net.Conn, error)
	now          func() time.Time
	logger       *slog.Logger

	mu   sync.Mutex
	sent map[string]bool
	keys []string // the remembered keys, a ring whose oldest entry is at next once full
	next int
}

// New returns a Notifier configured by cfg.
func New(cfg Config) (*Notifier, error) {
	host, from, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	n := &Notifier{
		addr: cfg.Addr, host: host, from: from, noTLS: cfg.NoStartTLS,
		username: cfg.Username, password: cfg.Password,
		timeout: cfg.Timeout, maxBody: cfg.MaxBodyBytes, hostname: cfg.Hostname,
		people: cfg.People, stakeholders: cfg.Stakeholders, dial: cfg.Dial, now: cfg.Now, logger: cfg.Logger,
		sent: make(map[string]bool),
	}
	_, n.domain, _ = strings.Cut(from.Address, "@")
	n.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		n.tls = cfg.TLSConfig.Clone()
	}
	if n.tls.ServerName == "" {
		n.tls.ServerName = host
	}
	if n.timeout == 0 {
		n.timeout = DefaultTimeout
	}
	if n.maxBody == 0 {
		n.maxBody = DefaultMaxBodyBytes
	}
	if n.hostname == "" {
		n.hostname, _ = os.Hostname()
	}
	if n.hostname == "" || !validHostname(n.hostname) {
		n.hostname = "localhost"
	}
	if n.dial == nil {
		var d net.Dialer
		n.dial = d.DialContext
	}
	if n.now == nil {
		n.now = time.Now
	}
	if n.logger == nil {
		n.logger = slog.New(slog.DiscardHandler)
	}
	return n, nil
}

// Notify sends m. A page goes to its recipient's address; an update with no recipient goes
// to the stakeholders of its service, severity and audience, as undisclosed recipients, and
// an external one has its text as its subject, so customers never see an internal title; any
// other message with no recipient, or an update that no stakeholder list asks for, is
// nobody's business by e-mail and succeeds without a send. A message whose idempotency key
// was sent before, while the notifier remembers it, is not sent again.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) (bool, error) {
	if m.IdempotencyKey == "" {
		return false, errors.New("send e-mail: missing idempotency key")
	}
	if strings.ContainsFunc(m.IdempotencyKey, unicode.IsControl) {
		return false, fmt.Errorf("send e-mail: control character in idempotency key %q", m.IdempotencyKey)
	}
	var to string
	var rcpts []string
	switch {
	case m.Recipient != "":
		p, ok := Person{}, false
		if n.people != nil {
			p, ok = n.people(m.Recipient)
		}
		if !ok || p.Address == "" {
			return false, fmt.Errorf("send e-mail to %s: the configuration has no e-mail address for them", safetext.Line(m.Recipient))
		}
		to = (&mail.Address{Name: safetext.Line(p.Name), Address: p.Address}).String()
		rcpts = []string{p.Address}
	case m.Kind == notify.KindUpdate && n.stakeholders != nil:
		rcpts = n.stakeholders(m.Service, m.Severity, m.Audience)
		to = "undisclosed-recipients:;"
	}
	if len(rcpts) == 0 || n.wasSent(m.IdempotencyKey) {
		return false, nil
	}
	msg := n.compose(m, to)
	retry, err := n.send(ctx, rcpts, msg)
	if err != nil {
		return retry, err
	}
	n.remember(m.IdempotencyKey)
	n.logger.Info("e-mail sent", "incident", safetext.Line(m.IncidentID), "kind", m.Kind,
		"recipients", len(rcpts), "message_id", MessageID(m.IdempotencyKey, n.domain))
	return false, nil
}

// MessageID returns the Message-ID of the message with an idempotency key, from a sender in
// domain: the same key always gives the same ID, and the ID reveals nothing of the key.
func MessageID(key, domain string) string {
	return "<" + digest(key) + ".firebreak@" + domain + ">"
}

// threadID returns the Message-ID an incident's messages refer to, so that mail readers show
// each incident as one thread.
func threadID(incidentID, domain string) string {
	return "<incident." + digest(incidentID) + ".firebreak@" + domain + ">"
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

func (n *Notifier) wasSent(key string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sent[key]
}

// remember adds key to the sent keys, forgetting the oldest when full.
func (n *Notifier) remember(key string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sent[key] {
		return
	}
	n.sent[key] = true
	if len(n.keys) < memory {
		n.keys = append(n.keys, key)
		return
	}
	delete(n.sent, n.keys[n.next])
	n.keys[n.next] = key
	n.next = (n.next + 1) % memory
}

// send delivers msg to rcpts in one SMTP transaction, within the notifier's timeout. It
// reports whether a failure is worth retrying. A recipient the relay refuses for good does
// not stop the others; the error then names every refused one.
func (n *Notifier) send(ctx context.Context, rcpts []string, msg []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	conn, err := n.dial(ctx, "tcp", n.addr)
	if err != nil {
		return true, n.failure(ctx, "connect to", err)
	}
	// Closing the connection when the time is up ends whatever exchange is waiting.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()

	var c *smtp.Client
	if n.noTLS {
		c = smtp.NewClient(conn)
	} else {
		c, err = smtp.NewClientStartTLS(conn, n.tls)
		if err != nil {
			return n.classify(ctx, "start TLS with", err)
		}
	}
	c.CommandTimeout, c.SubmissionTimeout = n.timeout, n.timeout
	if err := c.Hello(n.hostname); err != nil {
		return n.classify(ctx, "greet", err)
	}
	if n.username != "" {
		if !c.SupportsAuth(sasl.Plain) {
			return false, fmt.Errorf("authenticate with SMTP relay %s: it does not offer AUTH PLAIN", n.addr)
		}
		if err := c.Auth(sasl.NewPlainClient("", n.username, n.password)); err != nil {
			return n.classify(ctx, "authenticate as "+safetext.Line(n.username)+" with", err)
		}
	}
	var opts *smtp.MailOptions
	if !ascii(n.from.Address) || !allASCII(rcpts) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(n.from.Address, opts); err != nil {
		return n.classify(ctx, "MAIL FROM at", err)
	}
	var refused []string
	accepted := 0
	for _, r := range rcpts {
		err := c.Rcpt(r, nil)
		var se *smtp.SMTPError
		switch {
		case err == nil:
			accepted++
		case errors.As(err, &se) && se.Code/100 == 5:
			refused = append(refused, fmt.Sprintf("%s: %s", safetext.Line(r), reply(se)))
		default:
			return n.classify(ctx, "RCPT TO <"+safetext.Line(r)+"> at", err)
		}
	}
	if accepted == 0 {
		return false, fmt.Errorf("send e-mail via SMTP relay %s: every recipient refused for good (%s)", n.addr, strings.Join(refused, "; "))
	}
	w, err := c.Data()
	if err != nil {
		return n.classify(ctx, "DATA at", err)
	}
	if _, err := w.Write(msg); err != nil {
		return n.classify(ctx, "write message to", err)
	}
	if err := w.Close(); err != nil {
		return n.classify(ctx, "end message at", err)
	}
	_ = c.Quit()
	if len(refused) > 0 {
		return false, fmt.Errorf("send e-mail via SMTP relay %s: sent to %d, refused for good: %s", n.addr, accepted, strings.Join(refused, "; "))
	}
	return false, nil
}

// classify turns an SMTP exchange's error into the notifier's: a 4yz reply is transient and
// worth retrying, a 5yz reply is permanent, a certificate the notifier cannot verify or a
// relay without STARTTLS will not change by retrying, and the rest (a dropped connection, the
// time running out) is worth retrying.
func (n *Notifier) classify(ctx context.Context, step string, err error) (bool, error) {
	var se *smtp.SMTPError
	var cert *tls.CertificateVerificationError
	switch {
	case ctx.Err() != nil:
		return true, n.failure(ctx, step, err)
	case errors.As(err, &se) && se.Code/100 == 4:
		return true, fmt.Errorf("%s SMTP relay %s: transient failure %s", step, n.addr, reply(se))
	case errors.As(err, &se):
		return false, fmt.Errorf("%s SMTP relay %s: permanent failure %s", step, n.addr, reply(se))
	case errors.As(err, &cert):
		return false, fmt.Errorf("%s SMTP relay %s: cannot verify its certificate: %s", step, n.addr,
			cut(safetext.Line(cert.Err.Error()), maxReplyText))
	case strings.Contains(err.Error(), "doesn't support STARTTLS"):
		return false, fmt.Errorf("%s SMTP relay %s: it does not offer STARTTLS, and the configuration requires it", step, n.addr)
	}
	return true, n.failure(ctx, step, err)
}

// failure describes an error that is worth retrying, naming a timeout as one.
func (n *Notifier) failure(ctx context.Context, step string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s SMTP relay %s: no answer within %s", step, n.addr, n.timeout)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s SMTP relay %s: %w", step, n.addr, ctx.Err())
	}
	return fmt.Errorf("%s SMTP relay %s: %s", step, n.addr, cut(safetext.Line(err.Error()), maxReplyText))
}

// reply formats an SMTP reply for an error: code, enhanced code and the relay's text, neutralised
// and cut short.
func reply(se *smtp.SMTPError) string {
	s := fmt.Sprintf("%03d", se.Code)
	if ec := se.EnhancedCode; ec != smtp.EnhancedCodeNotSet && ec != smtp.NoEnhancedCode {
		s += fmt.Sprintf(" %d.%d.%d", ec[0], ec[1], ec[2])
	}
	if msg := strings.Join(strings.Fields(se.Message), " "); msg != "" {
		s += " " + cut(safetext.Line(msg), maxReplyText)
	}
	return s
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func allASCII(ss []string) bool {
	for _, s := range ss {
		if !ascii(s) {
			return false
		}
	}
	return true
}

// validHostname reports whether s can stand in EHLO: letters, digits, dots and hyphens.
func validHostname(s string) bool {
	return s != "" && len(s) <= 253 && !strings.ContainsFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '-')
	})
}

// cut returns s cut to at most max bytes on a rune boundary, marked with an ellipsis when cut.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	end := max
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}

// compose writes the whole message, headers and quoted-printable body, with CRLF line ends.
func (n *Notifier) compose(m notify.Message, to string) []byte {
	var b bytes.Buffer
	header(&b, "Date", n.now().UTC().Format(time.RFC1123Z))
	header(&b, "From", n.from.String())
	header(&b, "To", to)
	subject := m.Subject
	if m.Audience == audienceExternal {
		// The subject names the incident as responders know it (its alert's title); what
		// customers read is the external text alone.
		subject = "Status update: " + m.Text
	}
	header(&b, "Subject", encodeWords(cutRunes(safetext.Line(subject), maxSubjectRunes)))
	header(&b, "Message-ID", MessageID(m.IdempotencyKey, n.domain))
	if m.IncidentID != "" {
		thread := threadID(m.IncidentID, n.domain)
		header(&b, "In-Reply-To", thread)
		header(&b, "References", thread)
	}
	header(&b, "MIME-Version", "1.0")
	header(&b, "Content-Type", "text/plain; charset=utf-8")
	header(&b, "Content-Transfer-Encoding", "quoted-printable")
	header(&b, "Auto-Submitted", "auto-generated")
	header(&b, "X-Auto-Response-Suppress", "All")
	for _, h := range []struct{ name, value string }{
		{"X-Firebreak-Incident", m.IncidentID},
		{"X-Firebreak-Kind", m.Kind},
		{"X-Firebreak-Severity", m.Severity},
		{"X-Firebreak-Service", m.Service},
		{"X-Firebreak-Audience", m.Audience},
		{"X-Firebreak-Idempotency-Key", m.IdempotencyKey},
	} {
		if h.value != "" {
			header(&b, h.name, encodeWords(cutRunes(safetext.Line(h.value), maxHeaderValue)))
		}
	}
	b.WriteString("\r\n")
	writeQuotedPrintable(&b, n.body(m))
	return b.Bytes()
}
