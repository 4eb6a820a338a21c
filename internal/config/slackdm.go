package config

// NotifierTypeSlack is the type of a notifier that pages people by Slack direct message
// (activities/notify/slackdm). It sends with the bot of the chat section, which must be Slack:
// its token and API URL, so that one Slack app and one secret serve the incident channels and
// the direct messages. It takes no fields of its own.
const NotifierTypeSlack = "slack"

// slackDM checks the slack notifiers and the people they reach: a slack notifier needs the chat
// section to be Slack and takes none of the other notifiers' fields, and a person who lists one
// needs a slack_id.
func (v *validator) slackDM(c *Config) {
	slack := map[string]bool{}
	for i, n := range c.Notifiers {
		if n.Type != NotifierTypeSlack {
			continue
		}
		slack[n.ID] = true
		p := path{"notifiers", i}
		if !c.Chat.Slack() {
			v.errorf(p.with("type"), "a slack notifier sends direct messages with the chat section's bot: add a chat section with type slack and token_env")
		}
		others := map[string]bool{
			"url": n.URL != "", "secret": n.Secret != "", "secret_env": n.SecretEnv != "", "email": n.Email != nil,
			"from": n.From != "", "username": n.Username != "", "encoding": n.Encoding != "",
		}
		for _, key := range sortedTrue(others) {
			v.errorf(p.with(key), "a slack notifier uses the chat section's token and API URL and takes no %s: remove it", key)
		}
	}
	if len(slack) == 0 {
		return
	}
	for i, person := range c.People {
		if person.SlackID != "" {
			continue
		}
		for _, r := range person.Rules() {
			if slack[r.Notifier] {
				v.errorf(path{"people", i, "slack_id"}, "missing slack_id: person %q is reached by notifier %q, which sends Slack direct messages", person.ID, r.Notifier)
				break
			}
		}
	}
}
