package alerts

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// SNS message types, as sent in SNSMessage.Type.
const (
	SNSSubscriptionConfirmation = "SubscriptionConfirmation"
	SNSNotification             = "Notification"
	SNSUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// Limits and defaults of SNSVerifier.
const (
	// SNSCertCacheSize is the number of signing certificates an SNSVerifier keeps.
	SNSCertCacheSize = 64
	// SNSFetchTimeout bounds one certificate fetch or subscription confirmation.
	SNSFetchTimeout = 10 * time.Second
	// maxSNSResponse bounds the bytes read from a certificate or confirmation response.
	maxSNSResponse = 64 << 10
)

// ErrSNSUnreachable is wrapped by the errors of SNSVerifier.Verify and Confirm when Amazon SNS
// could not be reached to fetch a signing certificate or confirm a subscription, for a reason
// that may pass: a network error, a timeout or a 5xx answer. The message may be genuine, so its
// sender should retry.
var ErrSNSUnreachable = errors.New("could not reach Amazon SNS")

// SNSMessage is the JSON document Amazon SNS posts to an HTTP(S) subscription. SNS sends it
// with Content-Type text/plain; pass the body to ParseSNSEnvelope whatever the content type.
type SNSMessage struct {
	// Type is SubscriptionConfirmation, Notification or UnsubscribeConfirmation.
	Type      string `json:"Type"`
	MessageID string `json:"MessageId"`
	TopicARN  string `json:"TopicArn"`
	// Subject is the notification's subject; absent (empty) when the publisher gave none.
	Subject   string `json:"Subject,omitempty"`
	Message   string `json:"Message"`
	Timestamp string `json:"Timestamp"`
	// SignatureVersion is "1" (SHA1withRSA) or "2" (SHA256withRSA).
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	// SubscribeURL and Token are set on SubscriptionConfirmation and UnsubscribeConfirmation.
	SubscribeURL   string `json:"SubscribeURL,omitempty"`
	Token          string `json:"Token,omitempty"`
	UnsubscribeURL string `json:"UnsubscribeURL,omitempty"`
}

// ParseSNSEnvelope parses and checks the JSON document of an SNS HTTP(S) delivery. It checks
// that every field the message type needs is present, that SignatureVersion is "1" or "2" and
// that TopicArn is an SNS topic ARN; it does not verify the signature (see SNSVerifier.Verify).
// Fields it does not know, such as MessageAttributes, are ignored.
func ParseSNSEnvelope(body []byte) (*SNSMessage, error) {
	var m SNSMessage
	if err := decodeJSON(body, &m, false); err != nil {
		return nil, fmt.Errorf("parse sns message: %w", err)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("parse sns message: %w", err)
	}
	return &m, nil
}

// validate checks the fields of m that its type requires.
func (m *SNSMessage) validate() error {
	required := []struct{ name, value string }{
		{"MessageId", m.MessageID},
		{"TopicArn", m.TopicARN},
		{"Timestamp", m.Timestamp},
		{"Signature", m.Signature},
		{"SigningCertURL", m.SigningCertURL},
	}
	switch m.Type {
	case SNSNotification:
	case SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation:
		required = append(required,
			struct{ name, value string }{"SubscribeURL", m.SubscribeURL},
			struct{ name, value string }{"Token", m.Token})
	case "":
		return fmt.Errorf("%s: required", "Type")
	default:
		return fmt.Errorf("%s: unsupported SNS message type %s", "Type", quote(m.Type))
	}
	for _, f := range required {
		if f.value == "" {
			return fmt.Errorf("%s: required for %s", f.name, m.Type)
		}
	}
	if _, err := signatureHash(m.SignatureVersion); err != nil {
		return err
	}
	if _, err := topicRegion(m.TopicARN); err != nil {
		return err
	}
	if _, err := parseTime("Timestamp", m.Timestamp); err != nil {
		return err
	}
	return nil
}

// signatureHash returns the hash of an SNS SignatureVersion.
func signatureHash(version string) (crypto.Hash, error) {
	switch version {
	case "1":
		return crypto.SHA1, nil
	case "2":
		return crypto.SHA256, nil
	default:
		return 0, fmt.Errorf(`%s: must be "1" or "2", got %s`, "SignatureVersion", quote(version))
	}
}

// topicRegion returns the region of an SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME).
func topicRegion(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sns" || parts[4] == "" || parts[5] == "" {
		return "", fmt.Errorf("%s: not an SNS topic ARN: %s", "TopicArn", quote(arn))
	}
	if !validRegion(parts[3]) {
		return "", fmt.Errorf("%s: invalid region %s", "TopicArn", quote(parts[3]))
	}
	return parts[3], nil
}

// validRegion reports whether s looks like an AWS region name such as us-east-1 or
// us-gov-west-1: lowercase words joined by hyphens, ending in a number.
func validRegion(s string) bool {
	words := strings.Split(s, "-")
	if len(words) < 3 {
		return false
	}
	for i, w := range words {
		if w == "" {
			return false
		}
		last := i == len(words)-1
		for _, r := range w {
			if last && (r < '0' || r > '9') || !last && (r < 'a' || r > 'z') {
				return false
			}
		}
	}
	return true
}

// snsURL parses raw, the value of field, and checks that it is an https URL on the SNS host of
// region, without user information or a port.
func snsURL(field, raw, region string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid URL %s", field, quote(raw))
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("%s: must be https, got %s", field, quote(raw))
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: must not carry user information", field)
	}
	host := "sns." + region + ".amazonaws.com"
	if u.Host != host && u.Host != host+".cn" {
		return nil, fmt.Errorf("%s: host must be %s or %s.cn (the topic's region), got %s", field, host, host, quote(u.Host))
	}
	return u, nil
}

// signingCertURL checks the SigningCertURL of m before anything is fetched from it.
func signingCertURL(m *SNSMessage) (string, error) {
	region, err := topicRegion(m.TopicARN)
	if err != nil {
		return "", err
	}
	u, err := snsURL("SigningCertURL", m.SigningCertURL, region)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(u.Path, ".pem") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s: path must end in .pem with no query, got %s", "SigningCertURL", quote(m.SigningCertURL))
	}
	return u.String(), nil
}

// StringToSign returns the canonical text SNS signs for m, as AWS documents it: for a
// Notification the Message, MessageId, Subject (only when present), Timestamp, TopicArn and Type;
// for a SubscriptionConfirmation or UnsubscribeConfirmation the Message, MessageId,
// SubscribeURL, Timestamp, Token, TopicArn and Type; each as the key, a newline, the value and a
// newline.
func (m *SNSMessage) StringToSign() (string, error) {
	var b strings.Builder
	add := func(key, value string) {
		b.WriteString(key)
		b.WriteByte('\n')
		b.WriteString(value)
		b.WriteByte('\n')
	}
	switch m.Type {
	case SNSNotification:
		add("Message", m.Message)
		add("MessageId", m.MessageID)
		if m.Subject != "" {
			add("Subject", m.Subject)
		}
		add("Timestamp", m.Timestamp)
		add("TopicArn", m.TopicARN)
		add("Type", m.Type)
	case SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation:
		add("Message", m.Message)
		add("MessageId", m.MessageID)
		add("SubscribeURL", m.SubscribeURL)
		add("Timestamp", m.Timestamp)
		add("Token", m.Token)
		add("TopicArn", m.TopicARN)
		add("Type", m.Type)
	default:
		return "", fmt.Errorf("%s: unsupported SNS message type %s", "Type", quote(m.Type))
	}
	return b.String(), nil
}

// SNSVerifier verifies the signatures of SNS messages and confirms subscriptions. It fetches
// signing certificates with its http.Client and caches them by URL; it is safe for concurrent
// use, and concurrent verifications that need the same certificate share one fetch.
type SNSVerifier struct {
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	certs map[string]*certEntry
	order []string // cached URLs, oldest first
}

// certEntry is one cached certificate; done is closed once key or err is set.
type certEntry struct {
	done chan struct{}
	cert *x509.Certificate
	err  error
}

// NewSNSVerifier returns a verifier that fetches certificates and confirms subscriptions with
// client. A nil client means a client with a timeout of SNSFetchTimeout.
func NewSNSVerifier(client *http.Client) *SNSVerifier {
	if client == nil {
		client = &http.Client{Timeout: SNSFetchTimeout}
	}
	return &SNSVerifier{
		client: client,
		now:    time.Now,
		certs:  make(map[string]*certEntry),
	}
}

// Verify checks the signature of m. The SigningCertURL must be https on the host
// sns.REGION.amazonaws.com (or sns.REGION.amazonaws.com.cn), where REGION is the region of
// TopicArn, with a path ending in .pem; any other URL is rejected before anything is fetched.
// The signature is PKCS #1 v1.5 over StringToSign with SHA1 (SignatureVersion "1") or SHA256
// (SignatureVersion "2"), checked with the RSA key of the certificate, which must be within its
// validity period.
func (v *SNSVerifier) Verify(ctx context.Context, m *SNSMessage) error {
	if m == nil {
		return errors.New("verify sns message: no message")
	}
	hash, err := signatureHash(m.SignatureVersion)
	if err != nil {
		return fmt.Errorf("verify sns message: %w", err)
	}
	certURL, err := signingCertURL(m)
	if err != nil {
		return fmt.Errorf("verify sns message: %w", err)
	}
	text, err := m.StringToSign()
	if err != nil {
		return fmt.Errorf("verify sns message: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return fmt.Errorf("verify sns message: Signature: invalid base64: %w", err)
	}
	cert, err := v.certificate(ctx, certURL)
	if err != nil {
		return fmt.Errorf("verify sns message: %w", err)
	}
	if now := v.now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return fmt.Errorf("verify sns message: signing certificate %s is not valid now (valid %s to %s)",
			certURL, cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339))
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("verify sns message: signing certificate %s has a %T key, want RSA", certURL, cert.PublicKey)
	}
	var digest []byte
	if hash == crypto.SHA1 {
		sum := sha1.Sum([]byte(text))
		digest = sum[:]
	} else {
		sum := sha256.Sum256([]byte(text))
		digest = sum[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
		return fmt.Errorf("verify sns message %s: signature does not match: %w", quote(m.MessageID), err)
	}
	return nil
}

// Confirm confirms the subscription that the SubscriptionConfirmation m asks for: it verifies
// m, then GETs its SubscribeURL, which must be https on the same SNS host as the topic's region
// (sns.REGION.amazonaws.com or sns.REGION.amazonaws.com.cn) with Action=ConfirmSubscription.
// Any answer other than 2xx is an error.
func (v *SNSVerifier) Confirm(ctx context.Context, m *SNSMessage) error {
	if m == nil {
		return errors.New("confirm sns subscription: no message")
	}
	if m.Type != SNSSubscriptionConfirmation {
		return fmt.Errorf("confirm sns subscription: Type: must be %q, got %s", SNSSubscriptionConfirmation, quote(m.Type))
	}
	region, err := topicRegion(m.TopicARN)
	if err != nil {
		return fmt.Errorf("confirm sns subscription: %w", err)
	}
	u, err := snsURL("SubscribeURL", m.SubscribeURL, region)
	if err != nil {
		return fmt.Errorf("confirm sns subscription: %w", err)
	}
	if action := u.Query().Get("Action"); action != "ConfirmSubscription" {
		return fmt.Errorf("confirm sns subscription: SubscribeURL: Action must be ConfirmSubscription, got %s", quote(action))
	}
	if err := v.Verify(ctx, m); err != nil {
		return fmt.Errorf("confirm sns subscription: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, SNSFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("confirm sns subscription: %w", err)
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("confirm sns subscription: %w: %w", ErrSNSUnreachable, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxSNSResponse))
	switch {
	case resp.StatusCode >= 500:
		return fmt.Errorf("confirm sns subscription: %w: %s answered %s", ErrSNSUnreachable, u.Host, resp.Status)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fmt.Errorf("confirm sns subscription: %s answered %s", u.Host, resp.Status)
	}
	return nil
}

// certificate returns the certificate at certURL, from the cache or fetched once however many
// callers ask for it at the same time. A failed fetch is not cached.
func (v *SNSVerifier) certificate(ctx context.Context, certURL string) (*x509.Certificate, error) {
	v.mu.Lock()
	e, ok := v.certs[certURL]
	if !ok {
		e = &certEntry{done: make(chan struct{})}
		v.evictLocked()
		v.certs[certURL] = e
		v.order = append(v.order, certURL)
		// The fetch outlives a caller that gives up, so that the others waiting still get it.
		go v.fetch(context.WithoutCancel(ctx), certURL, e)
	}
	v.mu.Unlock()

	select {
	case <-e.done:
		return e.cert, e.err
	case <-ctx.Done():
		return nil, fmt.Errorf("fetch signing certificate %s: %w: %w", certURL, ErrSNSUnreachable, ctx.Err())
	}
}

// evictLocked makes room for one more certificate, dropping the oldest. v.mu must be held.
func (v *SNSVerifier) evictLocked() {
	for len(v.certs) >= SNSCertCacheSize && len(v.order) > 0 {
		delete(v.certs, v.order[0])
		v.order = v.order[1:]
	}
}

// fetch downloads and parses the certificate at certURL into e, and drops e from the cache if
// that fails.
func (v *SNSVerifier) fetch(ctx context.Context, certURL string, e *certEntry) {
	e.cert, e.err = v.download(ctx, certURL)
	if e.err != nil {
		v.mu.Lock()
		if v.certs[certURL] == e {
			delete(v.certs, certURL)
			if i := slices.Index(v.order, certURL); i >= 0 {
				v.order = slices.Delete(v.order, i, i+1)
			}
		}
		v.mu.Unlock()
	}
	close(e.done)
}

// download GETs and parses the PEM certificate at certURL.
func (v *SNSVerifier) download(ctx context.Context, certURL string) (*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(ctx, SNSFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch signing certificate %s: %w", certURL, err)
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch signing certificate %s: %w: %w", certURL, ErrSNSUnreachable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		return nil, fmt.Errorf("fetch signing certificate %s: %w: %s", certURL, ErrSNSUnreachable, resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch signing certificate %s: %s", certURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSNSResponse))
	if err != nil {
		return nil, fmt.Errorf("fetch signing certificate %s: %w: %w", certURL, ErrSNSUnreachable, err)
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("fetch signing certificate %s: no PEM CERTIFICATE block", certURL)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("fetch signing certificate %s: %w", certURL, err)
	}
	return cert, nil
}
