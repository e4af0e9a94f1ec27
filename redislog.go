package rampart

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisLogger routes go-redis's own log lines (dial failures, pool and
// pub/sub trouble), which it otherwise prints as plain text on stderr,
// into the App's slog logger: one record each, in the configured format
// (JSON lines stay JSON lines during a Redis outage), at WARN, marked
// component=go-redis. Its messages carry addresses and driver errors,
// never the URL's password.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, v...))
	msg = strings.TrimPrefix(msg, "redis: ")
	if ctx == nil {
		ctx = context.Background()
	}
	l.log.LogAttrs(ctx, slog.LevelWarn, "redis client: "+msg, slog.String("component", "go-redis"))
}

// routeRedisLogs installs redisLogger when the configuration uses Redis.
// go-redis keeps ONE logger for the whole process (redis.SetLogger sets
// a package variable of go-redis, not a per-client option), so this is
// set once from the App's wiring, where Redis is wired: with several Apps
// in one process (tests), the last App wired with Redis receives every
// client's lines.
func routeRedisLogs(usesRedis bool, log *slog.Logger) {
	if usesRedis && log != nil {
		redis.SetLogger(redisLogger{log: log})
	}
}
