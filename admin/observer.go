package admin

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexio/duplex/engineio"
)

// engineStats is the engine observer behind server_stats: the polling
// clients and the aggregated events (connections, disconnections by
// reason, packets and bytes each way), per second, as Node's EventBuffer.
// Between two stats it holds the few types and disconnect reasons times 2
// or 3 seconds; maxEventKeys bounds it when no stats take them (an Admin
// instrumented but not started, or closed while its server runs).
type engineStats struct {
	polling atomic.Int64

	mu     sync.Mutex
	events map[eventKey]int
}

type eventKey struct {
	second  int64 // Unix milliseconds of the second
	typ     string
	subType string
}

// aggregatedEvent is one entry of server_stats.aggregatedEvents.
type aggregatedEvent struct {
	Timestamp int64  `json:"timestamp"`
	Type      string `json:"type"`
	SubType   string `json:"subType,omitempty"`
	Count     int    `json:"count"`
}

// maxEventKeys bounds the aggregated events kept (about 100 bytes each).
const maxEventKeys = 1024

func (e *engineStats) push(typ, subType string, n int) {
	k := eventKey{time.Now().Truncate(time.Second).UnixMilli(), typ, subType}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.events == nil {
		e.events = map[eventKey]int{}
	}
	if _, ok := e.events[k]; ok || len(e.events) < maxEventKeys {
		e.events[k] += n
	}
}

// take returns the events since the last call and forgets them.
func (e *engineStats) take() []aggregatedEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]aggregatedEvent, 0, len(e.events))
	for k, n := range e.events {
		out = append(out, aggregatedEvent{Timestamp: k.second, Type: k.typ, SubType: k.subType, Count: n})
	}
	clear(e.events)
	return out
}

func (e *engineStats) SessionOpened(transport string) {
	e.push("rawConnection", "", 1)
	if transport == "polling" {
		e.polling.Add(1)
	}
}

func (e *engineStats) SessionClosed(transport, reason string, _ error) {
	e.push("rawDisconnection", reason, 1)
	if transport == "polling" {
		e.polling.Add(-1)
	}
}

func (e *engineStats) Upgraded(ok bool) {
	if ok {
		e.polling.Add(-1)
	}
}

func (e *engineStats) MessagesIn(n, bytes int) {
	e.push("packetsIn", "", n)
	e.push("bytesIn", "", bytes)
}

func (e *engineStats) MessagesOut(n, bytes int) {
	e.push("packetsOut", "", n)
	e.push("bytesOut", "", bytes)
}

func (e *engineStats) HandshakeRefused(string, *engineio.RequestError) {}
func (e *engineStats) MessagesDropped(int)                             {}

// observers calls two engine observers in turn.
type observers [2]engineio.Observer

// chain returns b alone when a is nil, else both.
func chain(a, b engineio.Observer) engineio.Observer {
	if a == nil {
		return b
	}
	return observers{a, b}
}

func (o observers) SessionOpened(t string) {
	o[0].SessionOpened(t)
	o[1].SessionOpened(t)
}

func (o observers) SessionClosed(t, reason string, err error) {
	o[0].SessionClosed(t, reason, err)
	o[1].SessionClosed(t, reason, err)
}

func (o observers) HandshakeRefused(cause string, e *engineio.RequestError) {
	o[0].HandshakeRefused(cause, e)
	o[1].HandshakeRefused(cause, e)
}

func (o observers) Upgraded(ok bool) {
	o[0].Upgraded(ok)
	o[1].Upgraded(ok)
}

func (o observers) MessagesIn(n, bytes int) {
	o[0].MessagesIn(n, bytes)
	o[1].MessagesIn(n, bytes)
}

func (o observers) MessagesOut(n, bytes int) {
	o[0].MessagesOut(n, bytes)
	o[1].MessagesOut(n, bytes)
}

func (o observers) MessagesDropped(n int) {
	o[0].MessagesDropped(n)
	o[1].MessagesDropped(n)
}
