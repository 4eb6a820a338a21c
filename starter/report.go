package starter

import (
	"context"
	"fmt"
	"time"

	"github.com/firebreak-dev/firebreak/review"
)

// MaxReportIncidents is the most incidents one report reads, each with its whole history.
const MaxReportIncidents = 5000

// maxReportSkipped bounds how many unreadable incidents a report names.
const maxReportSkipped = 20

// Report reads the incidents that match f from visibility, newest first and at most f.Limit of
// them (at most MaxReportIncidents), then each one's history, and returns their response
// figures over [f.Since, now) as a report. An incident whose history cannot be read is left out
// and named in the report's Skipped; the report says when more incidents matched than it read.
func (c *Client) Report(ctx context.Context, f ListFilter, now time.Time) (review.Report, error) {
	if f.Limit < 1 || f.Limit > MaxReportIncidents {
		return review.Report{}, fmt.Errorf("report: limit %d is outside 1 to %d", f.Limit, MaxReportIncidents)
	}
	limit := f.Limit
	f.Limit++ // one more tells whether the report is complete
	rows, err := c.List(ctx, f)
	if err != nil {
		return review.Report{}, fmt.Errorf("report: %w", err)
	}
	truncated := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	items := make([]review.Item, 0, len(rows))
	var skipped []string
	unread := 0
	for _, row := range rows {
		in, err := c.reviewFromHistory(ctx, row.Key, now)
		if ctx.Err() != nil {
			return review.Report{}, fmt.Errorf("report: %w", ctx.Err())
		}
		if err != nil {
			if unread++; unread <= maxReportSkipped {
				skipped = append(skipped, fmt.Sprintf("%s: %v", row.Key, err))
			}
			continue
		}
		items = append(items, review.ItemOf(in))
	}
	if unread > maxReportSkipped {
		skipped = append(skipped, fmt.Sprintf("and %d more", unread-maxReportSkipped))
	}
	r := review.Build(items, f.Since, now, f.Service)
	r.Truncated, r.Skipped = truncated, skipped
	return r, nil
}

// reviewFromHistory reads an incident's review input from its history alone.
func (c *Client) reviewFromHistory(ctx context.Context, key string, now time.Time) (review.Input, error) {
	h, err := c.ReviewHistory(ctx, key)
	if err != nil {
		return review.Input{}, err
	}
	return ReviewInput(h, nil, now)
}
