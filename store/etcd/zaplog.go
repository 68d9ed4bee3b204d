package etcd

import (
	"context"
	"log/slog"
	"slices"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapLogger hands the etcd client a zap logger that writes to l, so that a
// node has one log in one format.
func zapLogger(l *slog.Logger) *zap.Logger { return zap.New(slogCore{l: l}) }

// slogCore is a zapcore.Core over a slog.Logger.
type slogCore struct{ l *slog.Logger }

func (c slogCore) Enabled(lv zapcore.Level) bool {
	return c.l.Enabled(context.Background(), slogLevel(lv))
}

func (c slogCore) With(fields []zapcore.Field) zapcore.Core {
	return slogCore{l: c.l.With(attrs(fields)...)}
}

func (c slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	c.l.Log(context.Background(), slogLevel(e.Level), "etcd client: "+e.Message, attrs(fields)...)
	return nil
}

func (slogCore) Sync() error { return nil }

func slogLevel(lv zapcore.Level) slog.Level {
	switch {
	case lv <= zapcore.DebugLevel:
		return slog.LevelDebug
	case lv == zapcore.InfoLevel:
		return slog.LevelInfo
	case lv == zapcore.WarnLevel:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// attrs encodes zap fields as slog attributes, sorted by key.
func attrs(fields []zapcore.Field) []any {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	keys := make([]string, 0, len(enc.Fields))
	for k := range enc.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, slog.Any(k, enc.Fields[k]))
	}
	return out
}
