package alerts

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// CloudWatch alarm states, as sent in NewStateValue.
const (
	CloudWatchAlarm            = "ALARM"
	CloudWatchOK               = "OK"
	CloudWatchInsufficientData = "INSUFFICIENT_DATA"
)

// cloudWatchAlarm is the Message of the SNS notification CloudWatch sends when an alarm changes
// state. Fields not declared here (actions, thresholds, ...) are ignored.
type cloudWatchAlarm struct {
	AlarmName        string `json:"AlarmName"`
	AlarmDescription string `json:"AlarmDescription"`
	AWSAccountID     string `json:"AWSAccountId"`
	NewStateValue    string `json:"NewStateValue"`
	NewStateReason   string `json:"NewStateReason"`
	StateChangeTime  string `json:"StateChangeTime"`
	Region           string `json:"Region"` // a display name such as "US East (N. Virginia)"
	AlarmARN         string `json:"AlarmArn"`
	OldStateValue    string `json:"OldStateValue"`
	Trigger          *struct {
		MetricName string `json:"MetricName"`
		Namespace  string `json:"Namespace"`
		Dimensions []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"Dimensions"`
	} `json:"Trigger"`
}

// ParseCloudWatchAlarm parses the CloudWatch alarm state change carried in the Message of the
// SNS Notification m, which the caller should have verified first. ALARM gives one Firing alert
// starting at StateChangeTime; OK gives one Resolved alert ending at StateChangeTime;
// INSUFFICIENT_DATA gives no alert and no error.
//
// The alert's Source is "sns"; its Fingerprint and GroupKey are the AlarmArn, or when that is
// absent "cloudwatch:ACCOUNT:REGION:ALARMNAME" with the region of the topic. Title is the alarm
// name. Labels hold alarm_name, account_id, region (the region code), namespace, metric_name
// and one dimension_NAME per metric dimension; Annotations hold description, state_reason,
// old_state, new_state and region_name (the display name CloudWatch sends). Links holds
// "console", the alarm in the AWS console, for alarms in the aws partition. Service and Type are
// left empty: CloudWatch does not send them, and the router maps alarms to services. The alert is
// bounded with Bound.
func ParseCloudWatchAlarm(m *SNSMessage) ([]Alert, error) {
	if m == nil {
		return nil, errors.New("parse cloudwatch alarm: no message")
	}
	if m.Type != SNSNotification {
		return nil, fmt.Errorf("parse cloudwatch alarm: %s: must be %q, got %s", "Type", SNSNotification, quote(m.Type))
	}
	var a cloudWatchAlarm
	if err := decodeJSON([]byte(m.Message), &a, false); err != nil {
		return nil, fmt.Errorf("parse cloudwatch alarm: %s: %w", "Message", err)
	}
	alerts, err := a.normalise(m.TopicARN)
	if err != nil {
		return nil, fmt.Errorf("parse cloudwatch alarm: %w", err)
	}
	return alerts, nil
}

// normalise validates a and converts it; topicARN supplies the region when the alarm has no ARN.
func (a *cloudWatchAlarm) normalise(topicARN string) ([]Alert, error) {
	if strings.TrimSpace(a.AlarmName) == "" {
		return nil, fmt.Errorf("%s: required", "AlarmName")
	}
	var status string
	switch a.NewStateValue {
	case CloudWatchAlarm:
		status = Firing
	case CloudWatchOK:
		status = Resolved
	case CloudWatchInsufficientData:
		return []Alert{}, nil
	default:
		return nil, fmt.Errorf("%s: must be %q, %q or %q, got %s", "NewStateValue",
			CloudWatchAlarm, CloudWatchOK, CloudWatchInsufficientData, quote(a.NewStateValue))
	}
	changed, err := parseTime("StateChangeTime", a.StateChangeTime)
	if err != nil {
		return nil, err
	}

	partition, region := arnPartitionRegion(a.AlarmARN)
	if region == "" {
		partition, region = arnPartitionRegion(topicARN)
	}
	key := a.AlarmARN
	if key == "" {
		key = "cloudwatch:" + a.AWSAccountID + ":" + region + ":" + a.AlarmName
	}

	labels := map[string]string{"alarm_name": a.AlarmName}
	setIf(labels, "account_id", a.AWSAccountID)
	setIf(labels, "region", region)
	if t := a.Trigger; t != nil {
		setIf(labels, "namespace", t.Namespace)
		setIf(labels, "metric_name", t.MetricName)
		for _, d := range t.Dimensions {
			if d.Name != "" {
				labels["dimension_"+d.Name] = d.Value
			}
		}
	}
	annotations := map[string]string{}
	setIf(annotations, "description", a.AlarmDescription)
	setIf(annotations, "state_reason", a.NewStateReason)
	setIf(annotations, "old_state", a.OldStateValue)
	setIf(annotations, "new_state", a.NewStateValue)
	setIf(annotations, "region_name", a.Region)
	links := map[string]string{}
	if partition == "aws" && region != "" {
		links["console"] = "https://" + region + ".console.aws.amazon.com/cloudwatch/home?region=" + region +
			"#alarmsV2:alarm/" + url.PathEscape(a.AlarmName)
	}

	alert := Alert{
		Source:      SourceSNS,
		Fingerprint: key,
		GroupKey:    key,
		Status:      status,
		Title:       a.AlarmName,
		Labels:      labels,
		Annotations: nonEmpty(annotations),
		Links:       nonEmpty(links),
	}
	if status == Firing {
		alert.StartsAt = changed
	} else {
		alert.EndsAt = changed
	}
	alert, err = Bound(alert)
	if err != nil {
		return nil, err
	}
	return []Alert{alert}, nil
}

// arnPartitionRegion returns the partition and region of an ARN, or empty strings.
func arnPartitionRegion(arn string) (partition, region string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || !validRegion(parts[3]) {
		return "", ""
	}
	return parts[1], parts[3]
}

// setIf sets m[key] to value when value is not empty.
func setIf(m map[string]string, key, value string) {
	if value != "" {
		m[key] = value
	}
}
