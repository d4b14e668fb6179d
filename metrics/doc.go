// Package metrics exports the counters and gauges of a Duplex server to
// Prometheus. A Collector observes the engine (engineio.Observer) and the
// Socket.IO layer (socketio.Observer); register it with a
// prometheus.Registerer and serve that registry with promhttp.
//
// The core packages know nothing of Prometheus: they call their Observer
// when one is set, and nothing at all when none is, so a server without
// metrics pays one nil check per message.
package metrics
