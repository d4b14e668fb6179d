package natsadapter

import (
	"sync"

	"github.com/duplexio/duplex/adapter"
)

// connState is what the Broker last told its Observer of the connection.
type connState struct {
	mu    sync.Mutex
	known bool // told at least once
	up    bool
}

// observe tells the Observer that the connection is up or down, if that
// is news.
func (b *Broker) observe(up bool) {
	o := b.opts.Observer
	if o == nil {
		return
	}
	b.state.mu.Lock()
	defer b.state.mu.Unlock()
	if b.state.known && b.state.up == up {
		return
	}
	b.state.known, b.state.up = true, up
	if up {
		o.BrokerUp(adapter.BrokerNATS)
		return
	}
	o.BrokerDown(adapter.BrokerNATS)
}

// recheck runs at each heartbeat: nats.go calls none of the handlers a
// Broker sets when a connection that was still connecting at New connects
// (only the ConnectedCB given to Connect), so the first connect is seen
// here, within one HeartbeatInterval. Later changes come from the
// disconnect and reconnect handlers, which also see outages shorter than
// an interval.
func (b *Broker) recheck() {
	if b.opts.Observer == nil {
		return
	}
	b.state.mu.Lock()
	down := b.state.known && !b.state.up
	b.state.mu.Unlock()
	if down && b.nc.IsConnected() {
		b.observe(true)
	}
}
