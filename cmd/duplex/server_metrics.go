package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/metrics"
	"github.com/duplexio/duplex/socketio"
)

// instrument, with --metrics, makes a registry of the server's metrics
// and of the Go runtime's and the process's, served at GET /metrics.
// Without it the server has no observer and pays nothing.
func (s *server) instrument(opts *socketio.Options) {
	if !s.cfg.metrics {
		return
	}
	c := metrics.New()
	c.Instrument(opts)
	s.collect = c
	s.metrics = prometheus.NewRegistry()
	s.metrics.MustRegister(c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// clusterObserver is the broker's observer: the collector, or a nil
// interface (not a nil *Collector) without --metrics.
func (s *server) clusterObserver() adapter.ClusterObserver {
	if s.collect == nil {
		return nil
	}
	return s.collect
}
