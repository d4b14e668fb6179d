package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// go-redis logs on its own, to stderr in the log package's format
// ("redis: 2026/12/02 14:44:43 pool.go:426: ..."), ahead of our lines and
// unlike them. Its lines say what the adapter reports anyway (Redis
// unreachable, at error level, once), repeated at every retry, so they go
// through our logger at debug level: in our format, and out of the way
// unless asked for.
var (
	redisLogOnce   sync.Once
	redisLogTarget atomic.Pointer[slog.Logger]
)

// routeRedisLog sends go-redis's log lines to logger from now on. The
// go-redis logger is process-wide and set once, unsynchronized, hence the
// indirection through an atomic pointer.
func routeRedisLog(logger *slog.Logger) {
	redisLogTarget.Store(logger)
	redisLogOnce.Do(func() { redis.SetLogger(redisLog{}) })
}

type redisLog struct{}

func (redisLog) Printf(ctx context.Context, format string, v ...any) {
	if l := redisLogTarget.Load(); l != nil {
		l.DebugContext(ctx, "redis client", "detail", strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
	}
}
