package metrics_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/duplexio/duplex/internal/eiotest"
)

func TestMain(m *testing.M) {
	// The outage tests stop Redis on purpose: go-redis's own log lines
	// about refused dials would only clutter the output.
	goredis.SetLogger(quietRedis{})
	eiotest.CheckLeaks(m)
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
