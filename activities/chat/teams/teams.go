// Package teams posts incidents' events to a Microsoft Teams channel through a Workflows (Power
// Automate) webhook, as Adaptive Cards; Office 365 connectors are retired. A webhook cannot
// create channels, so Open announces the incident in the workflow's channel and returns it.
package teams

import (
	"strings"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/internal/hook"
)

// MaxText bounds the text of one card, in bytes; a Teams message holds about 28 KB in all.
const MaxText = 4000

// ContentType is the attachment content type of an Adaptive Card.
const ContentType = "application/vnd.microsoft.card.adaptive"

// Config configures a Chat. URL is the Workflows webhook's URL (its query carries a
// signature); it is a secret. Channel is the name people know the workflow's channel by, such as
// "Incidents"; empty means "teams workflow". The zero values of Client and MaxWait are safe
// defaults.
type Config = hook.Config

// Chat posts Adaptive Cards to a Teams Workflows webhook. It is safe for concurrent use.
type Chat = hook.Chat

// New returns a Chat configured by cfg.
func New(cfg Config) (*Chat, error) {
	return hook.NewChat(cfg, "teams", "teams workflow", format)
}

// format makes m an Adaptive Card: the subject as a bold heading, the text, the severity as a
// fact, and each link as an Open URL action. Teams reads mentions only from the card's explicit
// entities, which the card has none of, so text from outside notifies nobody.
func format(m chat.Message) any {
	body := []element{{Type: "TextBlock", Text: chat.Truncate(m.Subject, 500), Weight: "Bolder", Size: "Medium", Wrap: true}}
	if m.Text != "" {
		body = append(body, element{Type: "TextBlock", Text: chat.Truncate(m.Text, MaxText), Wrap: true})
	}
	if m.Severity != "" {
		body = append(body, element{Type: "FactSet", Facts: []fact{{Title: "Severity", Value: strings.ToUpper(m.Severity)}}})
	}
	var actions []action
	for _, l := range m.Links {
		actions = append(actions, action{Type: "Action.OpenUrl", Title: l.Name, URL: l.URL})
	}
	return message{
		Type: "message",
		Attachments: []attachment{{
			ContentType: ContentType,
			Content: card{
				Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
				Body: body, Actions: actions,
			},
		}},
	}
}

// message is the body a Workflows webhook's "When a Teams webhook request is received" trigger
// reads: a message with Adaptive Card attachments.
type message struct {
	Type        string       `json:"type"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	ContentType string `json:"contentType"`
	Content     card   `json:"content"`
}

type card struct {
	Schema  string    `json:"$schema"`
	Type    string    `json:"type"`
	Version string    `json:"version"`
	Body    []element `json:"body"`
	Actions []action  `json:"actions,omitempty"`
}

type element struct {
	Type   string `json:"type"`
	Text   string `json:"text,omitempty"`
	Weight string `json:"weight,omitempty"`
	Size   string `json:"size,omitempty"`
	Wrap   bool   `json:"wrap,omitempty"`
	Facts  []fact `json:"facts,omitempty"`
}

type fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}
