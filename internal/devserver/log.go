package devserver

import (
	"context"
	"fmt"
	"log/slog"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogLevel is the lowest level of the Temporal server's own logs that reaches the caller's
// logger: the server logs a great deal at info level during normal operation. Stop raises it to
// error, because the server's internal workers warn about every poll cut short by the shutdown.
const serverLogLevel = slog.LevelWarn

// slogLogger adapts a *slog.Logger to the Temporal server's logger interface, dropping records
// below serverLogLevel.
//
// It deliberately does not implement log.SLogWrapper: the server would then take the *slog.Logger
// out and log through it directly, skipping the level filter.
type slogLogger struct {
	logger *slog.Logger
	level  *slog.LevelVar
	// tags are those given to With, turned into attributes only when a record is kept: the
	// server makes a logger with tags for every task it processes and logs with few of them,
	// and turning tags into attributes (each tag's value is a zap field encoded through a map)
	// cost about 1% of the CPU in an alert storm.
	tags []tag.Tag
}

var (
	_ log.Logger     = slogLogger{}
	_ log.WithLogger = slogLogger{}
)

// newServerLogger returns the logger handed to the Temporal server, which drops records below
// level; a nil logger discards everything.
func newServerLogger(logger *slog.Logger, level *slog.LevelVar) log.Logger {
	if logger == nil {
		// Still an slogLogger, so that Fatal and Panic stop the server as they should.
		logger = slog.New(slog.DiscardHandler)
	}
	return slogLogger{logger: logger.With("component", "temporal"), level: level}
}

func (l slogLogger) Debug(msg string, tags ...tag.Tag) { l.log(slog.LevelDebug, msg, tags) }
func (l slogLogger) Info(msg string, tags ...tag.Tag)  { l.log(slog.LevelInfo, msg, tags) }
func (l slogLogger) Warn(msg string, tags ...tag.Tag)  { l.log(slog.LevelWarn, msg, tags) }
func (l slogLogger) Error(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// DPanic logs at error level, as zap does outside development mode.
func (l slogLogger) DPanic(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// Panic logs at error level and panics with a fatalError.
func (l slogLogger) Panic(msg string, tags ...tag.Tag) {
	l.log(slog.LevelError, msg, tags)
	panic(fatalError{msg: msg, tags: tags})
}

// Fatal logs at error level and panics with a fatalError instead of exiting the process. The
// server calls Fatal where it cannot go on (for example when it cannot listen on a port); Start
// recovers the panic and returns it as an error when it happens while the server starts.
func (l slogLogger) Fatal(msg string, tags ...tag.Tag) {
	l.log(slog.LevelError, msg, tags)
	panic(fatalError{msg: msg, tags: tags})
}

// With returns a logger that prepends tags to every record.
func (l slogLogger) With(tags ...tag.Tag) log.Logger {
	return slogLogger{logger: l.logger, level: l.level, tags: append(l.tags[:len(l.tags):len(l.tags)], tags...)}
}

func (l slogLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if level < l.level.Level() || !l.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, len(l.tags)+len(tags))
	attrs = append(attrs, tagsToAttrs(l.tags)...)
	attrs = append(attrs, tagsToAttrs(tags)...)
	l.logger.LogAttrs(ctx, level, msg, attrs...)
}

// fatalError is the panic value of Fatal and Panic.
type fatalError struct {
	msg  string
	tags []tag.Tag
}

func (e fatalError) Error() string {
	s := e.msg
	for _, t := range e.tags {
		s += fmt.Sprintf(" %s=%v", t.Key(), t.Value())
	}
	return s
}

func tagsToAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	return attrs
}
