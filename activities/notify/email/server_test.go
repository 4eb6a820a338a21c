package email_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// Credentials the test relay accepts.
const (
	testUser     = "firebreak"
	testPassword = "s3cret-smtp-password"
)

// delivery is one message the test relay accepted.
type delivery struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool
	AuthUser string
}

// relay is a real SMTP server (emersion/go-smtp) on a loopback port, with a self-signed
// certificate for STARTTLS, that records what it accepts and can refuse on cue.
type relay struct {
	Addr string
	// Roots trusts the relay's certificate.
	Roots *x509.CertPool

	mu         sync.Mutex
	deliveries []delivery
	sessions   int
	// rcptErr returns the reply to RCPT TO for an address, or nil to accept it.
	rcptErr func(to string) error
	// dataErr is the reply to the end of DATA, or nil to accept the message.
	dataErr error
}

type relayOptions struct {
	noTLS         bool
	insecureAuth  bool
	rcptErr       func(string) error
	dataErr       error
	maxMessageLen int64
}

func startRelay(t testing.TB, opts relayOptions) *relay {
	t.Helper()
	r := &relay{rcptErr: opts.rcptErr, dataErr: opts.dataErr}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		r.mu.Lock()
		r.sessions++
		r.mu.Unlock()
		return &session{relay: r, conn: c}, nil
	}))
	s.Domain = "relay.test"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.AllowInsecureAuth = opts.insecureAuth
	s.MaxMessageBytes = opts.maxMessageLen
	s.ErrorLog = log.New(io.Discard, "", 0)
	if !opts.noTLS {
		cert, roots := selfSigned(t)
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		r.Roots = roots
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r.Addr = l.Addr().String()
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return r
}

func (r *relay) Deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.deliveries...)
}

func (r *relay) Sessions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions
}

type session struct {
	relay *relay
	conn  *smtp.Conn
	cur   delivery
	user  string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != testUser || password != testPassword {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication credentials invalid"}
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	_, tlsOn := s.conn.TLSConnectionState()
	s.cur = delivery{From: from, TLS: tlsOn, AuthUser: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.relay.rcptErr != nil {
		if err := s.relay.rcptErr(to); err != nil {
			return err
		}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.relay.dataErr != nil {
		return s.relay.dataErr
	}
	s.cur.Data = data
	s.relay.mu.Lock()
	s.relay.deliveries = append(s.relay.deliveries, s.cur)
	s.relay.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = delivery{} }
func (s *session) Logout() error { return nil }

// selfSigned returns a certificate for 127.0.0.1 and localhost, and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "relay.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
