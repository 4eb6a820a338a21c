package email_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/activities/notify/email"
)

var fixedNow = time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)

func people(id string) (email.Person, bool) {
	switch id {
	case "alice":
		return email.Person{Name: "Alice Rossi", Address: "alice@example.com"}, true
	case "bob":
		return email.Person{Name: "Bob"}, true // no address
	}
	return email.Person{}, false
}

// config returns a notifier configuration for r: STARTTLS trusting its certificate, AUTH PLAIN.
func config(r *relay) email.Config {
	return email.Config{
		Addr: r.Addr, From: "Firebreak <firebreak@example.com>",
		TLSConfig: &tls.Config{RootCAs: r.Roots},
		Username:  testUser, Password: testPassword,
		Timeout: 5 * time.Second, Hostname: "worker.example.com",
		People: people, Now: func() time.Time { return fixedNow },
	}
}

func newNotifier(t *testing.T, cfg email.Config) *email.Notifier {
	t.Helper()
	n, err := email.New(cfg)
	require.NoError(t, err)
	return n
}

func page() notify.Message {
	return notify.Message{
		Kind: notify.KindPage, IdempotencyKey: "incident-checkout-x7k2mp/engage-1/alice/email",
		IncidentID: "incident-checkout-x7k2mp", Recipient: "alice", Severity: "sev1", Service: "checkout",
		Subject: "Checkout is down", Text: "Error rate 40% on checkout.\nPlease join the bridge.",
		Links: map[string]string{"bridge": "https://meet.example/inc", "history": "http://ui.test/wf"},
	}
}

// parsed is a delivered message read back: its headers and its decoded body.
type parsed struct {
	Header mail.Header
	Body   string
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	for _, line := range bytes.Split(data, []byte("\r\n")) {
		require.LessOrEqual(t, len(line), 998, "RFC 5322 line limit")
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, "quoted-printable", m.Header.Get("Content-Transfer-Encoding"))
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	require.NoError(t, err)
	return parsed{Header: m.Header, Body: strings.ReplaceAll(string(body), "\r\n", "\n")}
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	require.NoError(t, err)
	return s
}

func TestPageOverSTARTTLSWithAuth(t *testing.T) {
	r := startRelay(t, relayOptions{})
	n := newNotifier(t, config(r))

	retry, err := n.Notify(context.Background(), page())
	require.NoError(t, err)
	require.False(t, retry)

	got := r.Deliveries()
	require.Len(t, got, 1)
	d := got[0]
	require.True(t, d.TLS, "the message crossed after STARTTLS")
	require.Equal(t, testUser, d.AuthUser, "AUTH PLAIN before MAIL FROM")
	require.Equal(t, "firebreak@example.com", d.From)
	require.Equal(t, []string{"alice@example.com"}, d.To)

	m := parse(t, d.Data)
	require.Equal(t, `"Firebreak" <firebreak@example.com>`, m.Header.Get("From"))
	require.Equal(t, `"Alice Rossi" <alice@example.com>`, m.Header.Get("To"))
	require.Equal(t, "Checkout is down", m.Header.Get("Subject"))
	require.Equal(t, email.MessageID(page().IdempotencyKey, "example.com"), m.Header.Get("Message-ID"))
	require.Regexp(t, `^<[0-9a-f]{32}\.firebreak@example\.com>$`, m.Header.Get("Message-ID"))
	require.Regexp(t, `^<incident\.[0-9a-f]{32}\.firebreak@example\.com>$`, m.Header.Get("References"))
	require.Equal(t, m.Header.Get("References"), m.Header.Get("In-Reply-To"))
	date, err := m.Header.Date()
	require.NoError(t, err)
	require.True(t, date.Equal(fixedNow))
	for name, want := range map[string]string{
		"X-Firebreak-Incident":        "incident-checkout-x7k2mp",
		"X-Firebreak-Kind":            "page",
		"X-Firebreak-Severity":        "sev1",
		"X-Firebreak-Service":         "checkout",
		"X-Firebreak-Idempotency-Key": page().IdempotencyKey,
		"Auto-Submitted":              "auto-generated",
		"Content-Type":                "text/plain; charset=utf-8",
	} {
		require.Equal(t, want, m.Header.Get(name), name)
	}
	require.Empty(t, m.Header.Get("X-Firebreak-Audience"), "a page has no audience")
	require.Equal(t, "Error rate 40% on checkout.\nPlease join the bridge.\n\n"+
		"bridge: https://meet.example/inc\nhistory: http://ui.test/wf\n\n"+
		"-- \nSent by Firebreak about incident incident-checkout-x7k2mp. Replies are not read.\n", m.Body)
}

func TestRetriedSendKeepsItsMessageID(t *testing.T) {
	r := startRelay(t, relayOptions{})
	n := newNotifier(t, config(r))

	_, err := n.Notify(context.Background(), page())
	require.NoError(t, err)
	sessions := r.Sessions()
	_, err = n.Notify(context.Background(), page())
	require.NoError(t, err)
	require.Len(t, r.Deliveries(), 1, "the notifier remembers the key it sent")
	require.Equal(t, sessions, r.Sessions(), "the repeat did not even connect")

	// A worker that crashed after sending forgot the key: its successor sends again, as the
	// same message to any receiver that deduplicates by Message-ID.
	restarted := newNotifier(t, config(r))
	_, err = restarted.Notify(context.Background(), page())
	require.NoError(t, err)
	got := r.Deliveries()
	require.Len(t, got, 2)
	require.Equal(t, parse(t, got[0].Data).Header.Get("Message-ID"), parse(t, got[1].Data).Header.Get("Message-ID"))

	other := page()
	other.IdempotencyKey += "-2"
	_, err = n.Notify(context.Background(), other)
	require.NoError(t, err)
	got = r.Deliveries()
	require.Len(t, got, 3)
	require.NotEqual(t, parse(t, got[0].Data).Header.Get("Message-ID"), parse(t, got[2].Data).Header.Get("Message-ID"))
	require.Equal(t, parse(t, got[0].Data).Header.Get("References"), parse(t, got[2].Data).Header.Get("References"),
		"messages of one incident are one thread")
}

func TestUpdateGoesToTheStakeholders(t *testing.T) {
	r := startRelay(t, relayOptions{})
	cfg := config(r)
	type ask struct{ service, severity, audience string }
	var asked []ask
	cfg.Stakeholders = func(service, severity, audience string) []string {
		asked = append(asked, ask{service, severity, audience})
		if audience == "external" {
			return nil
		}
		return []string{"leads@example.com", "support@example.com"}
	}
	n := newNotifier(t, cfg)

	update := notify.Message{
		Kind: notify.KindUpdate, IdempotencyKey: "incident-1/communicate/investigating/internal/email",
		IncidentID: "incident-1", Severity: "sev2", Service: "checkout", Audience: "internal",
		Subject: "internal update (investigating): Checkout slow", Text: "We are investigating.",
	}
	_, err := n.Notify(context.Background(), update)
	require.NoError(t, err)
	external := update
	external.Audience, external.IdempotencyKey = "external", "incident-1/communicate/investigating/external/email"
	_, err = n.Notify(context.Background(), external)
	require.NoError(t, err)

	require.Equal(t, []ask{{"checkout", "sev2", "internal"}, {"checkout", "sev2", "external"}}, asked)
	got := r.Deliveries()
	require.Len(t, got, 1, "no list asked for the external update")
	require.Equal(t, []string{"leads@example.com", "support@example.com"}, got[0].To)
	m := parse(t, got[0].Data)
	require.Equal(t, "undisclosed-recipients:;", m.Header.Get("To"), "stakeholders do not see each other")
	require.Equal(t, "internal", m.Header.Get("X-Firebreak-Audience"))
	require.Equal(t, "update", m.Header.Get("X-Firebreak-Kind"))
}

func TestExternalUpdateShowsOnlyItsText(t *testing.T) {
	r := startRelay(t, relayOptions{})
	cfg := config(r)
	cfg.Stakeholders = func(string, string, string) []string { return []string{"customers@example.com"} }
	_, err := newNotifier(t, cfg).Notify(context.Background(), notify.Message{
		Kind: notify.KindUpdate, IdempotencyKey: "incident-1/communicate/investigating/external/email",
		IncidentID: "incident-1", Audience: "external", Service: "checkout",
		Subject: "external update (investigating): HighErrorRate on db-primary-3",
		Text:    "We are investigating an incident affecting Checkout and will post updates here shortly.",
	})
	require.NoError(t, err)
	m := parse(t, r.Deliveries()[0].Data)
	require.Equal(t, "Status update: We are investigating an incident affecting Checkout and will post updates here shortly.",
		decodeHeader(t, m.Header.Get("Subject")))
	require.NotContains(t, string(r.Deliveries()[0].Data), "db-primary-3")
}

func TestNothingToSend(t *testing.T) {
	r := startRelay(t, relayOptions{})
	cfg := config(r)
	cfg.Stakeholders = func(string, string, string) []string { return nil }
	n := newNotifier(t, cfg)
	for name, m := range map[string]notify.Message{
		"channel announcement": {Kind: notify.KindChannel, IdempotencyKey: "k1", Subject: "channel opened"},
		"update nobody wants":  {Kind: notify.KindUpdate, IdempotencyKey: "k2", Subject: "update"},
	} {
		retry, err := n.Notify(context.Background(), m)
		require.NoError(t, err, name)
		require.False(t, retry, name)
	}
	require.Zero(t, r.Sessions())
}

func TestPersonWithoutAddress(t *testing.T) {
	r := startRelay(t, relayOptions{})
	n := newNotifier(t, config(r))
	for _, person := range []string{"bob", "carol"} {
		m := page()
		m.Recipient = person
		retry, err := n.Notify(context.Background(), m)
		require.EqualError(t, err, "send e-mail to "+person+": the configuration has no e-mail address for them")
		require.False(t, retry)
	}
	m := page()
	m.IdempotencyKey = ""
	retry, err := n.Notify(context.Background(), m)
	require.EqualError(t, err, "send e-mail: missing idempotency key")
	require.False(t, retry)
	require.Zero(t, r.Sessions())
}

func TestFailureClasses(t *testing.T) {
	refuse := func(code int, enhanced smtp.EnhancedCode, msg string) func(string) error {
		return func(string) error { return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg} }
	}
	tests := []struct {
		name      string
		relay     relayOptions
		configure func(*email.Config)
		wantRetry bool
		wantErr   string // a regular expression
	}{
		{
			name:      "4yz reply to RCPT is transient",
			relay:     relayOptions{rcptErr: refuse(451, smtp.EnhancedCode{4, 3, 0}, "mailbox busy, try later")},
			wantRetry: true,
			wantErr:   `^RCPT TO <alice@example\.com> at SMTP relay 127\.0\.0\.1:\d+: transient failure 451 4\.3\.0 mailbox busy, try later$`,
		},
		{
			name:    "5yz reply to RCPT is permanent",
			relay:   relayOptions{rcptErr: refuse(550, smtp.EnhancedCode{5, 1, 1}, "no such user")},
			wantErr: `^send e-mail via SMTP relay 127\.0\.0\.1:\d+: every recipient refused for good \(alice@example\.com: 550 5\.1\.1 no such user\)$`,
		},
		{
			name:      "4yz reply to DATA is transient",
			relay:     relayOptions{dataErr: &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "insufficient storage"}},
			wantRetry: true,
			wantErr:   `end message at SMTP relay .*: transient failure 452 4\.3\.1 insufficient storage$`,
		},
		{
			name:    "5yz reply to DATA is permanent",
			relay:   relayOptions{dataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected as spam"}},
			wantErr: `end message at SMTP relay .*: permanent failure 554 5\.7\.1 rejected as spam$`,
		},
		{
			name:      "wrong password is permanent and not shown",
			configure: func(c *email.Config) { c.Password = "wrong-password" },
			wantErr:   `^authenticate as firebreak with SMTP relay .*: permanent failure 535 5\.7\.8 authentication credentials invalid$`,
		},
		{
			name:    "relay without STARTTLS is refused",
			relay:   relayOptions{noTLS: true},
			wantErr: `^start TLS with SMTP relay .*: it does not offer STARTTLS, and the configuration requires it$`,
		},
		{
			name:      "untrusted certificate is permanent",
			configure: func(c *email.Config) { c.TLSConfig = nil },
			wantErr:   `^greet SMTP relay .*: cannot verify its certificate: x509: certificate signed by unknown authority`,
		},
		{
			name:    "oversized message refused by the relay is permanent",
			relay:   relayOptions{maxMessageLen: 300},
			wantErr: `^end message at SMTP relay .*: permanent failure 552 5\.3\.4 Maximum message size exceeded$`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRelay(t, tt.relay)
			cfg := config(r)
			if tt.configure != nil {
				tt.configure(&cfg)
			}
			retry, err := newNotifier(t, cfg).Notify(context.Background(), page())
			require.Error(t, err)
			require.Regexp(t, tt.wantErr, err.Error())
			require.Equal(t, tt.wantRetry, retry)
			require.NotContains(t, err.Error(), testPassword)
			require.NotContains(t, err.Error(), "wrong-password")
			require.Empty(t, r.Deliveries())
		})
	}
}

func TestSomeRecipientsRefused(t *testing.T) {
	r := startRelay(t, relayOptions{rcptErr: func(to string) error {
		if to == "gone@example.com" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user\x1b[2J"}
		}
		return nil
	}})
	cfg := config(r)
	cfg.Stakeholders = func(string, string, string) []string { return []string{"gone@example.com", "leads@example.com"} }
	retry, err := newNotifier(t, cfg).Notify(context.Background(), notify.Message{
		Kind: notify.KindUpdate, IdempotencyKey: "k", IncidentID: "incident-1", Subject: "update", Text: "text",
	})
	require.Regexp(t, `^send e-mail via SMTP relay .*: sent to 1, refused for good: gone@example\.com: 550 5\.1\.1 no such user\\x1b\[2J$`, err.Error(),
		"the relay's text is neutralised")
	require.False(t, retry)
	got := r.Deliveries()
	require.Len(t, got, 1)
	require.Equal(t, []string{"leads@example.com"}, got[0].To)
}

func TestRelayDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	cfg := config(&relay{Addr: addr})
	retry, err := newNotifier(t, cfg).Notify(context.Background(), page())
	require.Regexp(t, `^connect to SMTP relay 127\.0\.0\.1:\d+: dial tcp .*connection refused$`, err.Error())
	require.True(t, retry)
}

func TestSlowRelayIsCutOff(t *testing.T) {
	// A relay that accepts the connection and never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	cfg := config(&relay{Addr: l.Addr().String()})
	cfg.Timeout = 300 * time.Millisecond

	start := time.Now()
	retry, err := newNotifier(t, cfg).Notify(context.Background(), page())
	elapsed := time.Since(start)
	require.Regexp(t, `^start TLS with SMTP relay .*: no answer within 300ms$`, err.Error())
	require.True(t, retry)
	require.Less(t, elapsed, 3*time.Second)
	require.GreaterOrEqual(t, elapsed, 300*time.Millisecond)
}

func TestOversizedTextIsTruncated(t *testing.T) {
	r := startRelay(t, relayOptions{})
	cfg := config(r)
	cfg.MaxBodyBytes = 1024
	m := page()
	m.Text = strings.Repeat("é", 2500) // 5,000 bytes
	_, err := newNotifier(t, cfg).Notify(context.Background(), m)
	require.NoError(t, err)

	got := parse(t, r.Deliveries()[0].Data)
	require.LessOrEqual(t, len(got.Body), 1024)
	require.Regexp(t, `^(é)+\n\n\[truncated by Firebreak: the first \d+ of 5000 bytes of the text are shown\]\n\nbridge: `, got.Body)
	require.Contains(t, got.Body, "Sent by Firebreak about incident incident-checkout-x7k2mp", "the footer survives")
}

func TestHeadersCannotBeInjected(t *testing.T) {
	r := startRelay(t, relayOptions{})
	n := newNotifier(t, config(r))
	m := page()
	m.Subject = "Checkout down\r\nBcc: victim@example.net\r\n\r\nfake body"
	m.Severity = "=?utf-8?q?=1b[31m?="
	m.Text = "line one\r\n.\r\nline three\x1b[2J"
	_, err := n.Notify(context.Background(), m)
	require.NoError(t, err)

	d := r.Deliveries()[0]
	require.Equal(t, []string{"alice@example.com"}, d.To)
	got := parse(t, d.Data)
	require.Empty(t, got.Header.Get("Bcc"))
	require.Equal(t, "Checkout down  Bcc: victim@example.net    fake body", decodeHeader(t, got.Header.Get("Subject")))
	require.Equal(t, "=?utf-8?q?=1b[31m?=", decodeHeader(t, got.Header.Get("X-Firebreak-Severity")),
		"text that looks like an encoded word is encoded, so it decodes to itself")
	require.True(t, strings.HasPrefix(got.Body, "line one\n.\nline three\\x1b[2J\n"), got.Body)
}

func TestLongUnicodeSubjectIsFolded(t *testing.T) {
	r := startRelay(t, relayOptions{})
	m := page()
	m.Subject = strings.Repeat("Ünïcödé ", 40)
	_, err := newNotifier(t, config(r)).Notify(context.Background(), m)
	require.NoError(t, err)
	got := parse(t, r.Deliveries()[0].Data) // checks every line is at most 998 bytes
	subject := decodeHeader(t, got.Header.Get("Subject"))
	require.Equal(t, 200, len([]rune(subject)))
	require.True(t, strings.HasSuffix(subject, "…"))
}

func TestPlainTextOnlyToALoopbackRelay(t *testing.T) {
	_, err := email.New(email.Config{Addr: "smtp.example.com:25", From: "firebreak@example.com", NoStartTLS: true})
	require.EqualError(t, err, "validate SMTP relay smtp.example.com:25: plain text is allowed only to a loopback relay; remove the STARTTLS opt-out")

	r := startRelay(t, relayOptions{noTLS: true, insecureAuth: true})
	cfg := config(r)
	cfg.NoStartTLS, cfg.TLSConfig = true, nil
	_, err = newNotifier(t, cfg).Notify(context.Background(), page())
	require.NoError(t, err)
	got := r.Deliveries()
	require.Len(t, got, 1)
	require.False(t, got[0].TLS)
	require.Equal(t, testUser, got[0].AuthUser)
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  email.Config
		want string
	}{
		{"no port", email.Config{Addr: "smtp.example.com", From: "a@example.com"},
			`validate SMTP relay address "smtp.example.com": want host:port, such as smtp.example.com:587`},
		{"bad sender", email.Config{Addr: "smtp.example.com:587", From: "not an address"},
			`validate sender "not an address": want an e-mail address, such as Firebreak <firebreak@example.com>`},
		{"tiny body", email.Config{Addr: "smtp.example.com:587", From: "a@example.com", MaxBodyBytes: 10},
			"validate e-mail notifier: body limit 10 is below 512 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := email.New(tt.cfg)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.8.9.10": true, "::1": true,
		"smtp.example.com": false, "10.0.0.1": false, "localhost.example.com": false,
	} {
		require.Equal(t, want, email.Loopback(host), host)
	}
}

// BenchmarkPageOverSTARTTLS measures one page through a loopback relay: connection, STARTTLS,
// AUTH PLAIN and the message, each with a new idempotency key.
func BenchmarkPageOverSTARTTLS(b *testing.B) {
	r := startRelay(b, relayOptions{})
	n, err := email.New(config(r))
	require.NoError(b, err)
	m := page()
	b.ResetTimer()
	for i := range b.N {
		m.IdempotencyKey = "bench/" + strconv.Itoa(i)
		if _, err := n.Notify(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRelayWithoutAuthPlain(t *testing.T) {
	// Without TLS the relay offers no AUTH (go-smtp's default), so the password stays home.
	r := startRelay(t, relayOptions{noTLS: true})
	cfg := config(r)
	cfg.NoStartTLS = true
	retry, err := newNotifier(t, cfg).Notify(context.Background(), page())
	require.Regexp(t, `^authenticate with SMTP relay 127\.0\.0\.1:\d+: it does not offer AUTH PLAIN$`, err.Error())
	require.False(t, retry)
	require.Empty(t, r.Deliveries())
}
