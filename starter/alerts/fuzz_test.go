package alerts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
