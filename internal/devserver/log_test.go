package devserver

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// attrRecorder keeps every record's attributes as key=value strings.
type attrRecorder struct{ records [][]string }

func (r *attrRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *attrRecorder) Handle(_ context.Context, rec slog.Record) error {
	var attrs []string
	rec.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a.String())
		return true
	})
	r.records = append(r.records, attrs)
	return nil
}
func (r *attrRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *attrRecorder) WithGroup(string) slog.Handler      { return r }

// countingStringer counts how often its string is asked for.
type countingStringer struct{ calls int }

func (s *countingStringer) String() string {
	s.calls++
	return "shard-1"
}

func TestServerLoggerCarriesTheTagsOfWithInOrder(t *testing.T) {
	rec := &attrRecorder{}
	level := new(slog.LevelVar)
	// Three calls of With leave the parent's tags with room to spare, where an append would
	// let one child's tags overwrite the other's.
	parent := slogLogger{logger: slog.New(rec), level: level}.With(tag.NewStringTag("service", "history"))
	parent = log.With(parent, tag.NewStringTag("shard", "1"))
	parent = log.With(parent, tag.NewStringTag("queue", "transfer"))
	first := log.With(parent, tag.NewStringTag("task", "a"))
	second := log.With(parent, tag.NewStringTag("task", "b")) // must not overwrite first's tags

	first.Warn("one", tag.NewInt("attempt", 1))
	second.Warn("two")

	require.Equal(t, [][]string{
		{"service=history", "shard=1", "queue=transfer", "task=a", "attempt=1"},
		{"service=history", "shard=1", "queue=transfer", "task=b"},
	}, rec.records)
}

func TestServerLoggerEvaluatesTagsOfWithOnlyForRecordsItKeeps(t *testing.T) {
	rec := &attrRecorder{}
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	shard := &countingStringer{}
	logger := slogLogger{logger: slog.New(rec), level: level}.With(tag.NewStringerTag("shard", shard))

	logger.Info("dropped")
	require.Zero(t, shard.calls, "a record below the level evaluates no tag")
	require.Empty(t, rec.records)

	logger.Warn("kept")
	require.Equal(t, 1, shard.calls)
	require.Equal(t, [][]string{{"shard=shard-1"}}, rec.records)
}
