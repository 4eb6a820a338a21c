package alerts

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testSNSHost = "sns.us-east-1.amazonaws.com"
	testCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
)

// snsTestServer plays the SNS endpoint of us-east-1: it serves signing certificates and
// answers subscription confirmations, counting both.
type snsTestServer struct {
	srv      *httptest.Server
	key      *rsa.PrivateKey
	fetches  atomic.Int64
	confirms atomic.Int64
	// confirmStatus is the status answered to ConfirmSubscription.
	confirmStatus atomic.Int64
	// lastQuery is the query of the last ConfirmSubscription.
	mu        sync.Mutex
	lastQuery string
	lastHost  string
}

// newSNSTestServer starts a TLS server holding a fresh RSA key and a self-signed certificate for
// it. Paths ending in missing.pem answer 404; other-key.pem serves a certificate for another key.
func newSNSTestServer(t *testing.T) *snsTestServer {
	t.Helper()
	s := &snsTestServer{key: newRSAKey(t)}
	s.confirmStatus.Store(http.StatusOK)
	certPEM := selfSignedPEM(t, s.key)
	otherPEM := selfSignedPEM(t, newRSAKey(t))
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.lastHost = r.Host
		s.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, ".pem"):
			s.fetches.Add(1)
			time.Sleep(20 * time.Millisecond) // let concurrent verifications pile up
			switch {
			case strings.HasSuffix(r.URL.Path, "missing.pem"):
				http.NotFound(w, r)
			case strings.HasSuffix(r.URL.Path, "other-key.pem"):
				_, _ = w.Write(otherPEM)
			default:
				_, _ = w.Write(certPEM)
			}
		case r.URL.Query().Get("Action") == "ConfirmSubscription":
			s.confirms.Add(1)
			s.mu.Lock()
			s.lastQuery = r.URL.RawQuery
			s.mu.Unlock()
			w.WriteHeader(int(s.confirmStatus.Load()))
			_, _ = fmt.Fprint(w, `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:us-east-1:123456789012:firebreak-alarms:0e1f8d6a</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`)
		default:
			http.Error(w, "unexpected request", http.StatusBadRequest)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// client returns an http.Client that sends sns.us-east-1.amazonaws.com:443 to the test server,
// trusts its certificate, and refuses to dial anything else.
func (s *snsTestServer) client() *http.Client {
	tr := s.srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.ServerName = "example.com" // a name in httptest's certificate
	tr.Proxy = nil
	addr := s.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		if address != testSNSHost+":443" {
			return nil, fmt.Errorf("test dialer: unexpected address %s", address)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// sign signs m with the server's key as SignatureVersion version.
func (s *snsTestServer) sign(t *testing.T, m *SNSMessage, version string) {
	t.Helper()
	signWith(t, s.key, m, version)
}

// signWith signs m with key as SignatureVersion version.
func signWith(t *testing.T, key *rsa.PrivateKey, m *SNSMessage, version string) {
	t.Helper()
	m.SignatureVersion = version
	text, err := m.StringToSign()
	require.NoError(t, err)
	var hash crypto.Hash
	var digest []byte
	if version == "1" {
		sum := sha1.Sum([]byte(text))
		hash, digest = crypto.SHA1, sum[:]
	} else {
		sum := sha256.Sum256([]byte(text))
		hash, digest = crypto.SHA256, sum[:]
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, hash, digest)
	require.NoError(t, err)
	m.Signature = base64.StdEncoding.EncodeToString(sig)
}

// newRSAKey returns a fresh 2048-bit RSA key.
func newRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return key
}

// selfSignedPEM returns a PEM certificate for key, valid from an hour ago for a day.
func selfSignedPEM(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com", Organization: []string{"Firebreak test"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// envelope parses an SNS fixture.
func envelope(t *testing.T, name string) *SNSMessage {
	t.Helper()
	m, err := ParseSNSEnvelope(readFixture(t, name))
	require.NoError(t, err)
	return m
}

func TestParseSNSEnvelope(t *testing.T) {
	m := envelope(t, "sns_subscription_confirmation.json")
	require.Equal(t, SNSSubscriptionConfirmation, m.Type)
	require.Equal(t, "arn:aws:sns:us-east-1:123456789012:firebreak-alarms", m.TopicARN)
	require.True(t, strings.HasPrefix(m.SubscribeURL, "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&"))
	require.NotEmpty(t, m.Token)

	m = envelope(t, "sns_notification_cloudwatch_alarm.json")
	require.Equal(t, SNSNotification, m.Type)
	require.Equal(t, `ALARM: "checkout-alb-5xx-high" in US East (N. Virginia)`, m.Subject)
	require.Equal(t, "1", m.SignatureVersion)
	require.Contains(t, m.Message, `"NewStateValue":"ALARM"`)
}

func TestParseSNSEnvelopeErrors(t *testing.T) {
	base := string(readFixture(t, "sns_notification_cloudwatch_alarm.json"))
	replace := func(old, new string) []byte {
		require.Contains(t, base, old)
		return []byte(strings.Replace(base, old, new, 1))
	}
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{name: "signature version 3", body: readFixture(t, "bad_sns_signature_version_3.json"),
			want: `SignatureVersion: must be "1" or "2", got "3"`},
		{name: "unknown type", body: replace(`"Type" : "Notification"`, `"Type" : "Nudge"`),
			want: `Type: unsupported SNS message type "Nudge"`},
		{name: "missing type", body: replace(`"Type" : "Notification",`, ``),
			want: "Type: required"},
		{name: "missing message id", body: replace(`"MessageId" : "0f6d2c8e-5a1b-5b3c-9e7d-2f4a6c8e0b1d",`, ``),
			want: "MessageId: required for Notification"},
		{name: "missing signing cert url", body: replace(`"SigningCertURL" :`, `"SigningCert" :`),
			want: "SigningCertURL: required for Notification"},
		{name: "not a topic arn", body: replace(`"TopicArn" : "arn:aws:sns:us-east-1:123456789012:firebreak-alarms"`, `"TopicArn" : "arn:aws:sqs:us-east-1:123456789012:q"`),
			want: `TopicArn: not an SNS topic ARN: "arn:aws:sqs:us-east-1:123456789012:q"`},
		{name: "bad region", body: replace(`arn:aws:sns:us-east-1:123456789012:firebreak-alarms"`, `arn:aws:sns:evil.com/x:123456789012:firebreak-alarms"`),
			want: `TopicArn: invalid region "evil.com/x"`},
		{name: "bad timestamp", body: replace(`"Timestamp" : "2026-03-01T11:59:10.468Z"`, `"Timestamp" : "yesterday"`),
			want: `Timestamp: invalid time "yesterday"`},
		{name: "confirmation without token", body: []byte(strings.Replace(string(readFixture(t, "sns_subscription_confirmation.json")), `"Token"`, `"Tolkien"`, 1)),
			want: "Token: required for SubscriptionConfirmation"},
		{name: "not JSON", body: []byte("Type=Notification"), want: "invalid JSON at byte 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseSNSEnvelope(tt.body)
			require.ErrorContains(t, err, tt.want)
			require.Nil(t, m)
		})
	}
}

func TestStringToSign(t *testing.T) {
	tests := []struct {
		name string
		msg  SNSMessage
		want string
	}{
		{
			name: "notification with subject",
			msg: SNSMessage{Type: SNSNotification, MessageID: "m-1", TopicARN: "arn:aws:sns:us-east-1:1:t", Subject: "s",
				Message: "hello\nworld", Timestamp: "2026-03-01T12:00:00.000Z", UnsubscribeURL: "https://x", Token: "ignored"},
			want: "Message\nhello\nworld\nMessageId\nm-1\nSubject\ns\nTimestamp\n2026-03-01T12:00:00.000Z\nTopicArn\narn:aws:sns:us-east-1:1:t\nType\nNotification\n",
		},
		{
			name: "notification without subject",
			msg:  SNSMessage{Type: SNSNotification, MessageID: "m-1", TopicARN: "arn:aws:sns:us-east-1:1:t", Message: "hello", Timestamp: "T"},
			want: "Message\nhello\nMessageId\nm-1\nTimestamp\nT\nTopicArn\narn:aws:sns:us-east-1:1:t\nType\nNotification\n",
		},
		{
			name: "subscription confirmation",
			msg: SNSMessage{Type: SNSSubscriptionConfirmation, MessageID: "m-2", TopicARN: "arn:aws:sns:us-east-1:1:t", Subject: "ignored",
				Message: "confirm", Timestamp: "T", SubscribeURL: "https://s", Token: "tok"},
			want: "Message\nconfirm\nMessageId\nm-2\nSubscribeURL\nhttps://s\nTimestamp\nT\nToken\ntok\nTopicArn\narn:aws:sns:us-east-1:1:t\nType\nSubscriptionConfirmation\n",
		},
		{
			name: "unsubscribe confirmation",
			msg: SNSMessage{Type: SNSUnsubscribeConfirmation, MessageID: "m-3", TopicARN: "arn:aws:sns:us-east-1:1:t",
				Message: "bye", Timestamp: "T", SubscribeURL: "https://s", Token: "tok"},
			want: "Message\nbye\nMessageId\nm-3\nSubscribeURL\nhttps://s\nTimestamp\nT\nToken\ntok\nTopicArn\narn:aws:sns:us-east-1:1:t\nType\nUnsubscribeConfirmation\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.StringToSign()
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	_, err := (&SNSMessage{Type: "Other"}).StringToSign()
	require.ErrorContains(t, err, `Type: unsupported SNS message type "Other"`)
}

func TestSNSVerifierVerify(t *testing.T) {
	s := newSNSTestServer(t)
	otherKey := newRSAKey(t)

	tests := []struct {
		name    string
		fixture string
		version string
		// edit changes the message after it is signed.
		edit    func(m *SNSMessage)
		wantErr string
		// fetches is how many certificate fetches a fresh verifier makes.
		fetches int64
	}{
		{name: "notification v1", fixture: "sns_notification_cloudwatch_alarm.json", version: "1", fetches: 1},
		{name: "notification v2", fixture: "sns_notification_cloudwatch_ok.json", version: "2", fetches: 1},
		{name: "subscription confirmation v1", fixture: "sns_subscription_confirmation.json", version: "1", fetches: 1},
		{name: "subscription confirmation v2", fixture: "sns_subscription_confirmation.json", version: "2", fetches: 1},
		{name: "unsubscribe confirmation v2", fixture: "sns_subscription_confirmation.json", version: "2", fetches: 1},
		{name: "tampered message", fixture: "sns_notification_cloudwatch_alarm.json", version: "2", fetches: 1,
			edit:    func(m *SNSMessage) { m.Message = strings.Replace(m.Message, `"ALARM"`, `"OK"`, 1) },
			wantErr: "signature does not match"},
		{name: "tampered subject", fixture: "sns_notification_cloudwatch_alarm.json", version: "1", fetches: 1,
			edit:    func(m *SNSMessage) { m.Subject = "OK: all good" },
			wantErr: "signature does not match"},
		{name: "subject dropped", fixture: "sns_notification_cloudwatch_alarm.json", version: "1", fetches: 1,
			edit:    func(m *SNSMessage) { m.Subject = "" },
			wantErr: "signature does not match"},
		{name: "tampered token", fixture: "sns_subscription_confirmation.json", version: "2", fetches: 1,
			edit:    func(m *SNSMessage) { m.Token = "0000" },
			wantErr: "signature does not match"},
		{name: "signed v1 but labelled v2", fixture: "sns_notification_cloudwatch_alarm.json", version: "1", fetches: 1,
			edit:    func(m *SNSMessage) { m.SignatureVersion = "2" },
			wantErr: "signature does not match"},
		{name: "signed v2 but labelled v1", fixture: "sns_notification_cloudwatch_alarm.json", version: "2", fetches: 1,
			edit:    func(m *SNSMessage) { m.SignatureVersion = "1" },
			wantErr: "signature does not match"},
		{name: "unknown version", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.SignatureVersion = "3" },
			wantErr: `SignatureVersion: must be "1" or "2", got "3"`},
		{name: "signed by another key", fixture: "sns_notification_cloudwatch_alarm.json", version: "2", fetches: 1,
			edit:    func(m *SNSMessage) { signWith(t, otherKey, m, "2") },
			wantErr: "signature does not match"},
		{name: "certificate of another key", fixture: "sns_notification_cloudwatch_alarm.json", version: "2", fetches: 1,
			edit: func(m *SNSMessage) {
				m.SigningCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-other-key.pem"
			},
			wantErr: "signature does not match"},
		{name: "certificate not found", fixture: "sns_notification_cloudwatch_alarm.json", version: "2", fetches: 1,
			edit: func(m *SNSMessage) {
				m.SigningCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-missing.pem"
			},
			wantErr: "404 Not Found"},
		{name: "signature not base64", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.Signature = "not base64!" },
			wantErr: "Signature: invalid base64"},
		{name: "cert on another host", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.SigningCertURL = "https://evil.example.com/SimpleNotificationService-x.pem" },
			wantErr: `SigningCertURL: host must be sns.us-east-1.amazonaws.com or sns.us-east-1.amazonaws.com.cn (the topic's region), got "evil.example.com"`},
		{name: "cert on a look-alike host", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit: func(m *SNSMessage) {
				m.SigningCertURL = "https://sns.us-east-1.amazonaws.com.evil.example.com/SimpleNotificationService-x.pem"
			},
			wantErr: "SigningCertURL: host must be"},
		{name: "cert behind user info", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit: func(m *SNSMessage) {
				m.SigningCertURL = "https://sns.us-east-1.amazonaws.com@evil.example.com/SimpleNotificationService-x.pem"
			},
			wantErr: "SigningCertURL: must not carry user information"},
		{name: "cert over http", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.SigningCertURL = strings.Replace(testCertURL, "https:", "http:", 1) },
			wantErr: "SigningCertURL: must be https"},
		{name: "cert in another region", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.SigningCertURL = strings.Replace(testCertURL, "us-east-1", "eu-west-1", 1) },
			wantErr: `got "sns.eu-west-1.amazonaws.com"`},
		{name: "cert with a port", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.SigningCertURL = strings.Replace(testCertURL, ".com/", ".com:8443/", 1) },
			wantErr: "SigningCertURL: host must be"},
		{name: "cert not a pem", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.SigningCertURL = "https://sns.us-east-1.amazonaws.com/key.der" },
			wantErr: "SigningCertURL: path must end in .pem"},
		{name: "cert with a query", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.SigningCertURL = testCertURL + "?redirect=https://evil.example.com/x.pem" },
			wantErr: "SigningCertURL: path must end in .pem with no query"},
		{name: "topic in another region than the cert", fixture: "sns_notification_cloudwatch_alarm.json", version: "2",
			edit:    func(m *SNSMessage) { m.TopicARN = strings.Replace(m.TopicARN, "us-east-1", "eu-west-1", 1) },
			wantErr: "host must be sns.eu-west-1.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := envelope(t, tt.fixture)
			if strings.HasPrefix(tt.name, "unsubscribe") {
				m.Type = SNSUnsubscribeConfirmation
			}
			s.sign(t, m, tt.version)
			if tt.edit != nil {
				tt.edit(m)
			}
			before := s.fetches.Load()
			v := NewSNSVerifier(s.client())
			err := v.Verify(t.Context(), m)
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tt.wantErr)
			}
			require.Equal(t, tt.fetches, s.fetches.Load()-before, "certificate fetches")
		})
	}
	s.mu.Lock()
	require.Equal(t, testSNSHost, s.lastHost)
	s.mu.Unlock()
}

func TestSNSVerifierCache(t *testing.T) {
	s := newSNSTestServer(t)
	v := NewSNSVerifier(s.client())

	t.Run("one fetch for many concurrent messages", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			m := envelope(t, "sns_notification_cloudwatch_alarm.json")
			m.MessageID = fmt.Sprintf("msg-%d", i)
			s.sign(t, m, []string{"1", "2"}[i%2])
			wg.Go(func() { errs <- v.Verify(t.Context(), m) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Equal(t, int64(1), s.fetches.Load())
	})

	t.Run("failed fetch is not cached", func(t *testing.T) {
		before := s.fetches.Load()
		m := envelope(t, "sns_notification_cloudwatch_alarm.json")
		m.SigningCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-missing.pem"
		s.sign(t, m, "2")
		require.ErrorContains(t, v.Verify(t.Context(), m), "404")
		require.ErrorContains(t, v.Verify(t.Context(), m), "404")
		require.Equal(t, int64(2), s.fetches.Load()-before)
	})

	t.Run("cache is bounded", func(t *testing.T) {
		before := s.fetches.Load()
		m := envelope(t, "sns_notification_cloudwatch_alarm.json")
		s.sign(t, m, "2")
		for i := range SNSCertCacheSize + 1 {
			m.SigningCertURL = fmt.Sprintf("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-%03d.pem", i)
			require.NoError(t, v.Verify(t.Context(), m))
		}
		v.mu.Lock()
		require.Len(t, v.certs, SNSCertCacheSize)
		require.Len(t, v.order, SNSCertCacheSize)
		v.mu.Unlock()
		m.SigningCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-000.pem" // evicted
		require.NoError(t, v.Verify(t.Context(), m))
		require.Equal(t, int64(SNSCertCacheSize+2), s.fetches.Load()-before)
	})

	t.Run("cancelled caller", func(t *testing.T) {
		m := envelope(t, "sns_notification_cloudwatch_alarm.json")
		m.SigningCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-slow.pem"
		s.sign(t, m, "2")
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		require.ErrorIs(t, v.Verify(ctx, m), context.Canceled)
		// The fetch went on without the caller; the next caller gets its result.
		require.NoError(t, v.Verify(t.Context(), m))
	})

	t.Run("expired certificate", func(t *testing.T) {
		expired := NewSNSVerifier(s.client())
		expired.now = func() time.Time { return time.Now().Add(48 * time.Hour) }
		m := envelope(t, "sns_notification_cloudwatch_alarm.json")
		s.sign(t, m, "2")
		require.ErrorContains(t, expired.Verify(t.Context(), m), "is not valid now")
	})

	t.Run("nil message", func(t *testing.T) {
		require.ErrorContains(t, v.Verify(t.Context(), nil), "no message")
	})
}

func TestSNSVerifierConfirm(t *testing.T) {
	s := newSNSTestServer(t)
	tests := []struct {
		name     string
		edit     func(m *SNSMessage) // before signing
		status   int
		wantErr  string
		confirms int64
	}{
		{name: "confirms", status: http.StatusOK, confirms: 1},
		{name: "sns refuses", status: http.StatusForbidden, confirms: 1, wantErr: "answered 403 Forbidden"},
		{name: "subscribe url on another host",
			edit: func(m *SNSMessage) {
				m.SubscribeURL = strings.Replace(m.SubscribeURL, testSNSHost, "evil.example.com", 1)
			},
			wantErr: `SubscribeURL: host must be sns.us-east-1.amazonaws.com`},
		{name: "subscribe url over http",
			edit:    func(m *SNSMessage) { m.SubscribeURL = strings.Replace(m.SubscribeURL, "https:", "http:", 1) },
			wantErr: "SubscribeURL: must be https"},
		{name: "subscribe url in another region",
			edit: func(m *SNSMessage) {
				m.SubscribeURL = strings.Replace(m.SubscribeURL, "sns.us-east-1", "sns.eu-west-1", 1)
			},
			wantErr: `got "sns.eu-west-1.amazonaws.com"`},
		{name: "subscribe url with another action",
			edit: func(m *SNSMessage) {
				m.SubscribeURL = strings.Replace(m.SubscribeURL, "ConfirmSubscription", "DeleteTopic", 1)
			},
			wantErr: `Action must be ConfirmSubscription, got "DeleteTopic"`},
		{name: "not a subscription confirmation",
			edit:    func(m *SNSMessage) { m.Type = SNSUnsubscribeConfirmation },
			wantErr: `Type: must be "SubscriptionConfirmation", got "UnsubscribeConfirmation"`},
		{name: "bad signature",
			edit: func(m *SNSMessage) {
				m.SigningCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-other-key.pem"
			},
			wantErr: "signature does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.confirmStatus.Store(int64(tt.status))
			m := envelope(t, "sns_subscription_confirmation.json")
			if tt.edit != nil {
				tt.edit(m)
			}
			s.sign(t, m, "2")
			before := s.confirms.Load()
			err := NewSNSVerifier(s.client()).Confirm(t.Context(), m)
			if tt.wantErr == "" {
				require.NoError(t, err)
				s.mu.Lock()
				require.Contains(t, s.lastQuery, "Token="+m.Token)
				s.mu.Unlock()
			} else {
				require.ErrorContains(t, err, tt.wantErr)
			}
			require.Equal(t, tt.confirms, s.confirms.Load()-before, "confirmation requests")
		})
	}
}

func TestValidRegion(t *testing.T) {
	for region, want := range map[string]bool{
		"us-east-1": true, "eu-central-2": true, "us-gov-west-1": true, "cn-north-1": true, "ap-southeast-4": true,
		"": false, "us": false, "us-east": false, "US-east-1": false, "us-east-1a": false, "us--1": false,
		"evil.com/x": false, "us-east-1.evil": false,
	} {
		require.Equal(t, want, validRegion(region), region)
	}
}
