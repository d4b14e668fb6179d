package metrics

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/socketio"
)

var (
	_ prometheus.Collector    = (*Collector)(nil)
	_ engineio.Observer       = (*Collector)(nil)
	_ socketio.Observer       = (*Collector)(nil)
	_ adapter.ClusterObserver = (*Collector)(nil)
)

// Collector is a prometheus.Collector of one Duplex server's metrics (see
// the README for the list). Set it as the server's observers with
// Instrument, and register it once.
type Collector struct {
	sessions       *prometheus.GaugeVec
	opened         *prometheus.CounterVec
	closed         *prometheus.CounterVec
	slowConsumers  prometheus.Counter
	refused        *prometheus.CounterVec
	upgrades       *prometheus.CounterVec
	traffic        *traffic // messages, bytes and events (traffic.go)
	sockets        *prometheus.GaugeVec
	connects       *prometheus.CounterVec
	disconnects    *prometheus.CounterVec
	panics         *prometheus.CounterVec
	upgradeOK      prometheus.Counter
	upgradeDropped prometheus.Counter
	dropped        prometheus.Counter
	broadcasts     *prometheus.CounterVec
	ackTimeouts    *prometheus.CounterVec
	acksPending    *prometheus.GaugeVec
	recoveries     *prometheus.CounterVec
	requests       *prometheus.CounterVec
	publishFails   prometheus.Counter
	brokers        *brokers
	all            []prometheus.Collector
}

// New returns a Collector whose metrics are all zero.
func New() *Collector {
	c := &Collector{
		sessions:      gaugeVec("duplex_engine_sessions", "Open Engine.IO sessions by transport.", "transport"),
		opened:        counterVec("duplex_engine_sessions_opened_total", "Engine.IO sessions opened, by the transport they opened on.", "transport"),
		closed:        counterVec("duplex_engine_sessions_closed_total", "Engine.IO sessions closed, by reason.", "reason"),
		slowConsumers: counter("duplex_engine_slow_consumer_disconnects_total", "Sessions closed because their write queue overflowed."),
		refused:       counterVec("duplex_engine_handshakes_refused_total", "Handshakes answered with an error, by cause, HTTP status and Engine.IO error code.", "cause", "status", "code"),
		upgrades:      counterVec("duplex_engine_upgrades_total", "Upgrades from polling to WebSocket or WebTransport, by outcome (ok, dropped).", "outcome"),
		traffic:       newTraffic(),
		sockets:       gaugeVec("duplex_sockets", "Connected Socket.IO sockets by namespace (\"*\" for dynamic namespaces).", "namespace"),
		connects:      counterVec("duplex_socket_connections_total", "Socket.IO connections to a namespace.", "namespace"),
		disconnects:   counterVec("duplex_socket_disconnections_total", "Socket.IO disconnections, by namespace and reason.", "namespace", "reason"),
		panics:        counterVec("duplex_handler_panics_total", "Panics recovered from user code (handlers, middleware, ack callbacks...), by namespace and kind.", "namespace", "kind"),
		dropped:       counter("duplex_engine_messages_dropped_total", "Volatile messages dropped because the session could not send them at once."),
		broadcasts:    counterVec("duplex_broadcasts_total", "Broadcasts emitted from this server, by namespace.", "namespace"),
		acksPending:   gaugeVec("duplex_acks_pending", "Acknowledgements the server's sockets wait for, by namespace.", "namespace"),
		ackTimeouts:   counterVec("duplex_ack_timeouts_total", "Acknowledgements that did not come in time, by namespace.", "namespace"),
		requests:      counterVec("duplex_adapter_requests_total", "Requests to the other nodes of a cluster, by kind and outcome (ok, timeout, error).", "request", "outcome"),
		publishFails:  counter("duplex_adapter_publish_failures_total", "Messages the cluster's broker refused."),
		brokers:       newBrokers(),
		recoveries:    counterVec("duplex_recoveries_total", "Connection state recovery attempts, by namespace and outcome (recovered, failed).", "namespace", "outcome"),
	}
	c.upgradeOK = c.upgrades.WithLabelValues("ok")
	c.upgradeDropped = c.upgrades.WithLabelValues("dropped")
	c.all = []prometheus.Collector{c.sessions, c.opened, c.closed, c.slowConsumers, c.refused, c.upgrades,
		c.traffic, c.dropped, c.sockets, c.connects, c.disconnects, c.panics,
		c.broadcasts, c.ackTimeouts, c.acksPending, c.recoveries, c.requests, c.publishFails, c.brokers}
	return c
}

// Instrument makes c the observer of the server o configures, of its
// Socket.IO layer and of its engine. For a cluster node, set c as the
// broker's Observer too (redisadapter.Options, natsadapter.Options).
func (c *Collector) Instrument(o *socketio.Options) {
	o.Observer = c
	o.Engine.Observer = c
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.all {
		m.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.all {
		m.Collect(ch)
	}
}

// SessionOpened implements engineio.Observer.
func (c *Collector) SessionOpened(transport string) {
	c.sessions.WithLabelValues(transport).Inc()
	c.opened.WithLabelValues(transport).Inc()
}

// SessionClosed implements engineio.Observer.
func (c *Collector) SessionClosed(transport, reason string, err error) {
	c.sessions.WithLabelValues(transport).Dec()
	c.closed.WithLabelValues(reason).Inc()
	if errors.Is(err, engineio.ErrQueueFull) {
		c.slowConsumers.Inc()
	}
}

// HandshakeRefused implements engineio.Observer.
func (c *Collector) HandshakeRefused(cause string, e *engineio.RequestError) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest // as the answer says
	}
	c.refused.WithLabelValues(cause, strconv.Itoa(status), strconv.Itoa(e.Code)).Inc()
}

// Upgraded implements engineio.Observer.
func (c *Collector) Upgraded(ok bool) {
	if !ok {
		c.upgradeDropped.Inc()
		return
	}
	c.upgradeOK.Inc()
	c.sessions.WithLabelValues(engineio.TransportPolling).Dec()
	c.sessions.WithLabelValues(engineio.TransportWebSocket).Inc()
}

// MessagesIn implements engineio.Observer.
func (c *Collector) MessagesIn(n, bytes int) {
	c.traffic.in.add(n, bytes)
}

// MessagesOut implements engineio.Observer.
func (c *Collector) MessagesOut(n, bytes int) {
	c.traffic.out.add(n, bytes)
}

// MessagesDropped implements engineio.Observer.
func (c *Collector) MessagesDropped(n int) { c.dropped.Add(float64(n)) }

// Connected implements socketio.Observer.
func (c *Collector) Connected(nsp string) {
	c.sockets.WithLabelValues(nsp).Inc()
	c.connects.WithLabelValues(nsp).Inc()
}

// Disconnected implements socketio.Observer.
func (c *Collector) Disconnected(nsp, reason string) {
	c.sockets.WithLabelValues(nsp).Dec()
	c.disconnects.WithLabelValues(nsp, reason).Inc()
}

// HandlerPanicked implements socketio.Observer.
func (c *Collector) HandlerPanicked(nsp, kind string) {
	c.panics.WithLabelValues(nsp, kind).Inc()
}

// EventReceived implements socketio.Observer.
func (c *Collector) EventReceived(nsp string) { c.traffic.namespace(nsp).in.add(1, 0) }

// EventsSent implements socketio.Observer.
func (c *Collector) EventsSent(nsp string, n int) { c.traffic.namespace(nsp).out.add(n, 0) }

// Broadcast implements socketio.Observer.
func (c *Collector) Broadcast(nsp string) { c.broadcasts.WithLabelValues(nsp).Inc() }

// AcksPending implements socketio.Observer.
func (c *Collector) AcksPending(nsp string, delta int) {
	c.acksPending.WithLabelValues(nsp).Add(float64(delta))
}

// AckTimedOut implements socketio.Observer.
func (c *Collector) AckTimedOut(nsp string) { c.ackTimeouts.WithLabelValues(nsp).Inc() }

// Recovery implements socketio.Observer.
func (c *Collector) Recovery(nsp string, recovered bool) {
	outcome := "failed"
	if recovered {
		outcome = "recovered"
	}
	c.recoveries.WithLabelValues(nsp, outcome).Inc()
}

// Requested implements adapter.ClusterObserver.
func (c *Collector) Requested(what string, err error) {
	outcome := "ok"
	switch {
	case errors.Is(err, adapter.ErrTimeout):
		outcome = "timeout"
	case err != nil:
		outcome = "error"
	}
	c.requests.WithLabelValues(what, outcome).Inc()
}

// PublishFailed implements adapter.ClusterObserver.
func (c *Collector) PublishFailed() { c.publishFails.Inc() }

// BrokerDown implements adapter.ClusterObserver.
func (c *Collector) BrokerDown(broker string) { c.brokers.setDown(broker, time.Now()) }

// BrokerUp implements adapter.ClusterObserver.
func (c *Collector) BrokerUp(broker string) { c.brokers.setUp(broker, time.Now()) }

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
}
