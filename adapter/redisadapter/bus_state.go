package redisadapter

import (
	"sync"
	"sync/atomic"

	"github.com/duplexio/duplex/adapter"
)

// The states of the connection to Redis, as the bus last saw it.
const (
	stateUnknown int32 = iota // nothing sent or received yet
	stateUp
	stateDown
)

// connState is the bus's view of Redis. The receive loop and the publisher
// change it concurrently; mu orders the changes so that the Observer hears
// them in the order they were made (a gauge must end on the last one).
type connState struct {
	mu sync.Mutex
	v  atomic.Int32
}

// setDown records a failed Redis operation: the first failure of an outage
// is logged and told to the Observer.
func (b *bus) setDown(err error) {
	if b.state.v.Load() == stateDown {
		return
	}
	b.state.mu.Lock()
	defer b.state.mu.Unlock()
	if b.state.v.Swap(stateDown) == stateDown {
		return
	}
	b.log.Error("redis adapter: Redis unreachable; serving local sockets only until it is back", "err", err)
	if b.obs != nil {
		b.obs.BrokerDown(adapter.BrokerRedis)
	}
}

// setUp records a message received, the proof that Redis answers. It runs
// for every message, so the usual case is one atomic load.
func (b *bus) setUp() {
	if b.state.v.Load() == stateUp {
		return
	}
	b.state.mu.Lock()
	defer b.state.mu.Unlock()
	prev := b.state.v.Swap(stateUp)
	if prev == stateDown {
		b.log.Info("redis adapter: Redis reachable again", "dropped", b.dropped.Swap(0))
	}
	if prev != stateUp && b.obs != nil {
		b.obs.BrokerUp(adapter.BrokerRedis)
	}
}
