package teams_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/chattest"
	"github.com/firebreak-dev/firebreak/activities/chat/teams"
)

// signature is the sig query value of a Workflows webhook URL: its credential.
const signature = "dGhpc2lzYXNpZ25hdHVyZXRoYXRtdXN0c3RheXNlY3JldA"

const hookPath = "/workflows/4b0e7a66c0a94d0a8c5d8c9a1f3e2b7d/triggers/manual/paths/invoke"

type card struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string `json:"contentType"`
		Content     struct {
			Schema  string `json:"$schema"`
			Type    string `json:"type"`
			Version string `json:"version"`
			Body    []struct {
				Type  string `json:"type"`
				Text  string `json:"text"`
				Facts []struct {
					Title string `json:"title"`
					Value string `json:"value"`
				} `json:"facts"`
			} `json:"body"`
			Actions []struct {
				Type  string `json:"type"`
				Title string `json:"title"`
				URL   string `json:"url"`
			} `json:"actions"`
		} `json:"content"`
	} `json:"attachments"`
}

// fake is a Power Automate "When a Teams webhook request is received" trigger.
type fake struct{}

func (fake) decode(t *testing.T, r *http.Request) card {
	var c card
	chattest.DecodePost(t, r, hookPath, &c)
	require.Equal(t, signature, r.URL.Query().Get("sig"))
	require.Equal(t, "2016-06-01", r.URL.Query().Get("api-version"))
	require.Equal(t, "message", c.Type)
	require.Len(t, c.Attachments, 1)
	a := c.Attachments[0]
	require.Equal(t, teams.ContentType, a.ContentType)
	require.Equal(t, "AdaptiveCard", a.Content.Type)
	require.Equal(t, "1.4", a.Content.Version)
	require.NotEmpty(t, a.Content.Body)
	return c
}

func (f fake) Serve(t *testing.T, w http.ResponseWriter, r *http.Request) []string {
	c := f.decode(t, r)
	w.WriteHeader(http.StatusAccepted)
	var texts []string
	for _, b := range c.Attachments[0].Content.Body {
		if b.Type == "TextBlock" {
			texts = append(texts, b.Text)
		}
	}
	return texts
}

func (fake) Reject(w http.ResponseWriter, _ *http.Request) string {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"error":{"code":"TriggerInputSchemaMismatch","message":"The input body for trigger 'manual' of type 'Request' did not match its schema definition."}}`))
	return "TriggerInputSchemaMismatch"
}

// hookQuery is the query of a Workflows webhook URL, whose sig is its credential.
const hookQuery = "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + signature

func target(*testing.T) chattest.Target {
	return chattest.Target{
		New:  chattest.Webhook(teams.New, hookPath+hookQuery, "Incidents"),
		Fake: fake{}, Secret: signature, MaxText: teams.MaxText,
	}
}

func TestConformance(t *testing.T) { chattest.Run(t, target) }

func TestPostSendsAnAdaptiveCard(t *testing.T) {
	var got card
	srv := chattest.Serve(t, func(w http.ResponseWriter, r *http.Request) {
		got = fake{}.decode(t, r)
		w.WriteHeader(http.StatusAccepted)
	})
	c := target(t).New(t, srv, time.Second)
	err := c.Post(t.Context(), chat.Channel{Name: "Incidents"}, chat.Message{
		IdempotencyKey: "k", Subject: "page: ana (level 1)", Text: "paged by sms", Severity: "sev1",
		Links: []chat.Link{{Name: "ui", URL: "http://ui.test/w"}},
	})
	require.NoError(t, err)
	content := got.Attachments[0].Content
	require.Equal(t, "page: ana (level 1)", content.Body[0].Text)
	require.Equal(t, "paged by sms", content.Body[1].Text)
	require.Equal(t, "Severity", content.Body[2].Facts[0].Title)
	require.Equal(t, "SEV1", content.Body[2].Facts[0].Value)
	require.Len(t, content.Actions, 1)
	require.Equal(t, "Action.OpenUrl", content.Actions[0].Type)
	require.Equal(t, "http://ui.test/w", content.Actions[0].URL)
}
