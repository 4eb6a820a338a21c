package chat_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
)

func TestPatiently(t *testing.T) {
	limited := &chat.Error{Retry: true, RetryAfter: 10 * time.Millisecond, Problem: "rate limited"}
	tests := []struct {
		name      string
		answers   []error
		maxWait   time.Duration
		timeout   time.Duration
		wantCalls int
		wantErr   error
	}{
		{name: "success", answers: []error{nil}, maxWait: time.Second, wantCalls: 1},
		{name: "a short rate limit is waited out", answers: []error{limited, nil}, maxWait: time.Second, wantCalls: 2},
		{name: "at most three calls", answers: []error{limited, limited, limited, nil}, maxWait: time.Second, wantCalls: 3, wantErr: limited},
		{name: "a wait longer than maxWait is returned", answers: []error{limited, nil}, maxWait: time.Millisecond, wantCalls: 1, wantErr: limited},
		{name: "a wait past the deadline is returned", answers: []error{limited, nil}, maxWait: time.Second, timeout: 5 * time.Millisecond, wantCalls: 1, wantErr: limited},
		{name: "other failures are returned at once", answers: []error{chat.Errorf(true, "503"), nil}, maxWait: time.Second, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			calls := 0
			err := chat.Patiently(ctx, tt.maxWait, func() error {
				calls++
				return tt.answers[calls-1]
			})
			require.Equal(t, tt.wantCalls, calls)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else if calls == len(tt.answers) {
				require.NoError(t, err)
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantRetry bool
		wantAfter time.Duration
	}{
		{name: "rate limit", err: fmt.Errorf("open: %w", &chat.Error{Retry: true, RetryAfter: time.Minute}), wantRetry: true, wantAfter: time.Minute},
		{name: "refusal", err: chat.Errorf(false, "invalid_auth")},
		{name: "deadline", err: fmt.Errorf("post: %w", context.DeadlineExceeded), wantRetry: true},
		{name: "cancelled", err: context.Canceled},
		{name: "anything else", err: errors.New("encode message")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, after := chat.Retryable(tt.err)
			require.Equal(t, tt.wantRetry, retry)
			require.Equal(t, tt.wantAfter, after)
		})
	}
}

func TestErrorNamesTheWait(t *testing.T) {
	require.Equal(t, "slack chat.postMessage: rate limited (retry after 30s)",
		(&chat.Error{Retry: true, RetryAfter: 30 * time.Second, Problem: "slack chat.postMessage: rate limited"}).Error())
}

func TestAnnouncement(t *testing.T) {
	m := chat.Incident{Key: "k", IdempotencyKey: "i", Summary: "down", Service: "checkout", Severity: "sev1", Repeat: true,
		Links: []chat.Link{{Name: "ui", URL: "u"}}}.Announcement()
	require.Equal(t, chat.Message{IdempotencyKey: "i", Kind: chat.KindChannel, Subject: "[SEV1] Incident k opened: down",
		Text: "Service: checkout", Severity: "sev1", Links: []chat.Link{{Name: "ui", URL: "u"}}, Repeat: true}, m)
}
