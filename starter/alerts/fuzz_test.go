package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedFromTestdata adds every testdata/*.json fixture whose name has one of the prefixes.
func seedFromTestdata(f *testing.F, prefixes ...string) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		name := filepath.Base(p)
		for _, prefix := range prefixes {
			if strings.HasPrefix(name, prefix) || strings.HasPrefix(name, "bad_"+prefix) {
				b, err := os.ReadFile(p)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(b)
				break
			}
		}
	}
}

func FuzzParseAlertmanager(f *testing.F) {
	seedFromTestdata(f, "alertmanager", "grafana")
	f.Add([]byte(fmt.Sprintf(`{"version":"4","groupKey":%q,"status":"firing","alerts":[{"status":"firing","labels":{"a":"b"},"annotations":{"summary":%q,"runbook_url":%q}}]}`,
		strings.Repeat("k", 20<<10), strings.Repeat("<", 4<<10), strings.Repeat("u", 3<<10))))
	f.Add([]byte("{\"version\":\"4\",\"groupKey\":\"g\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"\xff\"}]}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := ParseAlertmanager(body)
		if err != nil {
			if alerts != nil {
				t.Fatalf("alerts returned with error %v", err)
			}
			return
		}
		if len(alerts) == 0 {
			t.Fatal("no alerts and no error")
		}
		checkInvariants(t, alerts)
	})
}

func FuzzParseGeneric(f *testing.F) {
	seedFromTestdata(f, "generic")
	f.Add([]byte(fmt.Sprintf(`{"dedup_key":"k","title":%q,"service":%q,"labels":{%q:"v"}}`,
		strings.Repeat("t", 2<<10), strings.Repeat("s", 200), strings.Repeat("n", 200))))
	f.Add([]byte(`{"dedup_key":"\ud800","title":"t"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := ParseGeneric(body)
		if err != nil {
			if alerts != nil {
				t.Fatalf("alerts returned with error %v", err)
			}
			return
		}
		if len(alerts) != 1 {
			t.Fatalf("got %d alerts, want 1", len(alerts))
		}
		checkInvariants(t, alerts)
		if n := len([]rune(alerts[0].Fingerprint)); n > MaxDedupKeyLength {
			t.Fatalf("dedup_key of %d characters accepted", n)
		}
	})
}

func FuzzParseSNSEnvelope(f *testing.F) {
	seedFromTestdata(f, "sns")
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseSNSEnvelope(body)
		if err != nil {
			if m != nil {
				t.Fatalf("message returned with error %v", err)
			}
			return
		}
		if _, err := m.StringToSign(); err != nil {
			t.Fatalf("accepted message cannot be signed: %v", err)
		}
		if _, err := signatureHash(m.SignatureVersion); err != nil {
			t.Fatalf("accepted message has a bad version: %v", err)
		}
		// Whatever the URL, checking it must not panic; an accepted one is on the SNS host.
		if u, err := signingCertURL(m); err == nil && !strings.HasPrefix(u, "https://sns.") {
			t.Fatalf("accepted certificate URL %q", u)
		}
		if m.Type == SNSNotification {
			alerts, err := ParseCloudWatchAlarm(m)
			if err == nil {
				checkInvariants(t, alerts)
			}
		}
	})
}

func FuzzParseCloudWatchAlarm(f *testing.F) {
	for _, name := range []string{"sns_notification_cloudwatch_alarm.json", "sns_notification_cloudwatch_ok.json"} {
		m, err := ParseSNSEnvelope(readFixture(f, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(m.TopicARN, m.Message)
	}
	f.Add("arn:aws:sns:eu-west-1:1:t", `{"AlarmName":"a","NewStateValue":"INSUFFICIENT_DATA"}`)
	f.Add("", `{"AlarmName":"a","NewStateValue":"ALARM","AlarmArn":"arn:aws-cn:cloudwatch:cn-north-1:1:alarm:a"}`)
	f.Fuzz(func(t *testing.T, topicARN, message string) {
		m := &SNSMessage{Type: SNSNotification, TopicARN: topicARN, Message: message}
		alerts, err := ParseCloudWatchAlarm(m)
		if err != nil {
			if alerts != nil {
				t.Fatalf("alerts returned with error %v", err)
			}
			return
		}
		if alerts == nil || len(alerts) > 1 {
			t.Fatalf("got %v, want zero or one alert", alerts)
		}
		checkInvariants(t, alerts)
	})
}

func FuzzBound(f *testing.F) {
	f.Add("k", "g", "Checkout errors", "checkout", "outage", "instance", "host-1", 3)
	f.Add(strings.Repeat("k", 2000), strings.Repeat("g", 2000), strings.Repeat("t", 2000), "s", "t", strings.Repeat("n", 200), strings.Repeat("v", 5000), 100)
	f.Add("k\xff", "g", "t", "s", "t", "n", "v", 1)
	f.Fuzz(func(t *testing.T, fingerprint, groupKey, title, service, typ, name, value string, n int) {
		n = min(max(n, -n, 0)%200, 199)
		labels := map[string]string{}
		for i := range n {
			labels[fmt.Sprintf("%s%d", name, i)] = value
		}
		a := Alert{
			Source: SourceGeneric, Fingerprint: fingerprint, GroupKey: groupKey, Status: Firing, Title: title,
			Service: service, Type: typ, Labels: labels, Annotations: map[string]string{name: value, TruncatedLabel: value},
			Links: map[string]string{name: value}, Impact: map[string]any{name: value},
		}
		got, err := Bound(a)
		if err != nil {
			if !errors.Is(err, ErrNotUTF8) {
				t.Fatalf("unexpected error %v", err)
			}
			for _, s := range []string{fingerprint, groupKey, title, service, typ, name, value} {
				if !utf8.ValidString(s) {
					return
				}
			}
			t.Fatalf("valid UTF-8 rejected: %v", err)
		}
		checkLimits(t, got)
	})
}

func FuzzCheckUTF8(f *testing.F) {
	f.Add([]byte(`{"a": "b", "c": [1, "\ud83d\ude00", {"d": null}]}`))
	f.Add([]byte("{\"a\": \"\xff\"}"))
	f.Add([]byte(`["\ud800", "\\ud800"]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		err := CheckUTF8(body) // must not panic, whatever body holds
		if !json.Valid(body) {
			return
		}
		if !utf8.Valid(body) && err == nil {
			t.Fatal("a JSON document with bytes that are not UTF-8 passed")
		}
		if err != nil && !errors.Is(err, ErrNotUTF8) {
			t.Fatalf("unexpected error %v", err)
		}
		if err == nil {
			// What passed decodes without any replacement character that the body did not hold.
			var v any
			if json.Unmarshal(body, &v) == nil && strings.Count(fmt.Sprint(v), "\uFFFD") > strings.Count(string(body), "\uFFFD")+strings.Count(strings.ToLower(string(body)), `\ufffd`) {
				t.Fatalf("passed, but decoding replaced text: %q", body)
			}
		}
	})
}
