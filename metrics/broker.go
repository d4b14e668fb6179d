package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// brokers is the state of the cluster's broker connections, a
// prometheus.Collector of its own: the time down includes an outage still
// going on, which only a value computed at each scrape can show.
type brokers struct {
	up, outages, down *prometheus.Desc

	mu sync.Mutex
	m  map[string]*brokerState // by broker name: a handful at most
}

type brokerState struct {
	up        bool
	outages   float64
	downSince time.Time     // of the outage going on
	downFor   time.Duration // outages that ended
}

func newBrokers() *brokers {
	labels := []string{"broker"}
	return &brokers{
		up:      prometheus.NewDesc("duplex_broker_up", "1 while the connection to the cluster's broker works, 0 during an outage.", labels, nil),
		outages: prometheus.NewDesc("duplex_broker_outages_total", "Times the connection to the cluster's broker was lost.", labels, nil),
		down:    prometheus.NewDesc("duplex_broker_down_seconds_total", "Time without a working connection to the cluster's broker, the outage going on included.", labels, nil),
		m:       map[string]*brokerState{},
	}
}

func (b *brokers) state(name string) *brokerState {
	st := b.m[name]
	if st == nil {
		st = &brokerState{}
		b.m[name] = st
	}
	return st
}

func (b *brokers) setUp(name string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.state(name)
	if !st.downSince.IsZero() {
		st.downFor += now.Sub(st.downSince)
		st.downSince = time.Time{}
	}
	st.up = true
}

func (b *brokers) setDown(name string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.state(name)
	if !st.downSince.IsZero() {
		return // told twice: one outage
	}
	st.up = false
	st.outages++
	st.downSince = now
}

// Describe implements prometheus.Collector.
func (b *brokers) Describe(ch chan<- *prometheus.Desc) {
	ch <- b.up
	ch <- b.outages
	ch <- b.down
}

// Collect implements prometheus.Collector.
func (b *brokers) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for name, st := range b.m {
		up, down := 0.0, st.downFor
		if st.up {
			up = 1
		}
		if !st.downSince.IsZero() {
			down += now.Sub(st.downSince)
		}
		ch <- prometheus.MustNewConstMetric(b.up, prometheus.GaugeValue, up, name)
		ch <- prometheus.MustNewConstMetric(b.outages, prometheus.CounterValue, st.outages, name)
		ch <- prometheus.MustNewConstMetric(b.down, prometheus.CounterValue, down.Seconds(), name)
	}
}
