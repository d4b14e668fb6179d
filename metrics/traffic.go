package metrics

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
)

// traffic is the counters that move once per message, a
// prometheus.Collector of its own. They are striped: the goroutines that
// emit, read and answer run on every core, and one shared counter would
// bounce its cache line between them at each message. A prometheus.Counter
// also checks for a float on each Add; the stripes add integers and are
// summed at each scrape. The per-namespace event counters are found
// through a one-entry cache of the last namespace, because a sync.Map
// lookup hashes an interface. Counted with cachegrind, the Collector cost
// a fan-out about 360 instructions per recipient with prometheus counters
// and a sync.Map, and 42 now (BENCHMARKS.md, "The cost of metrics").
type traffic struct {
	msgsIn, bytesIn, msgsOut, bytesOut, eventsIn, eventsOut *prometheus.Desc

	in, out stripes
	last    atomic.Pointer[nspEvents] // the namespace looked up last
	events  sync.Map                  // namespace → *nspEvents
}

// stripe is one cache line of counts.
type stripe struct {
	n, bytes atomic.Uint64
	_        [48]byte
}

type stripes [16]stripe

// add counts on the calling goroutine's stripe, chosen by the address of
// its stack: the recipients of one broadcast are counted by the goroutine
// that emits it, so concurrent broadcasters and readers land on different
// stripes. Stacks start 2 KiB apart; one that moves only changes stripe.
// (math/rand/v2's Uint32 cost about 120 instructions a call here.)
func (s *stripes) add(n, bytes int) {
	var here byte
	st := &s[uintptr(unsafe.Pointer(&here))>>11%uintptr(len(s))]
	st.n.Add(uint64(n))
	if bytes != 0 {
		st.bytes.Add(uint64(bytes))
	}
}

func (s *stripes) sum() (n, bytes float64) {
	for i := range s {
		n += float64(s[i].n.Load())
		bytes += float64(s[i].bytes.Load())
	}
	return n, bytes
}

// nspEvents is one namespace's events in and out.
type nspEvents struct {
	name    string
	in, out stripes
}

func newTraffic() *traffic {
	nsp := []string{"namespace"}
	return &traffic{
		msgsIn:    prometheus.NewDesc("duplex_engine_messages_in_total", "Engine.IO messages received from clients.", nil, nil),
		bytesIn:   prometheus.NewDesc("duplex_engine_bytes_in_total", "Bytes of Engine.IO messages received from clients.", nil, nil),
		msgsOut:   prometheus.NewDesc("duplex_engine_messages_out_total", "Engine.IO messages queued to clients.", nil, nil),
		bytesOut:  prometheus.NewDesc("duplex_engine_bytes_out_total", "Bytes of Engine.IO messages queued to clients.", nil, nil),
		eventsIn:  prometheus.NewDesc("duplex_socket_events_in_total", "Socket.IO events received from clients, by namespace.", nsp, nil),
		eventsOut: prometheus.NewDesc("duplex_socket_events_out_total", "Socket.IO events written to sockets (a broadcast once per recipient), by namespace.", nsp, nil),
	}
}

// namespace returns the event counters of nsp.
func (t *traffic) namespace(nsp string) *nspEvents {
	if e := t.last.Load(); e != nil && e.name == nsp {
		return e
	}
	v, ok := t.events.Load(nsp)
	if !ok {
		v, _ = t.events.LoadOrStore(nsp, &nspEvents{name: nsp})
	}
	e := v.(*nspEvents)
	t.last.Store(e)
	return e
}

// Describe implements prometheus.Collector.
func (t *traffic) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{t.msgsIn, t.bytesIn, t.msgsOut, t.bytesOut, t.eventsIn, t.eventsOut} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (t *traffic) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	n, b := t.in.sum()
	counter(t.msgsIn, n)
	counter(t.bytesIn, b)
	n, b = t.out.sum()
	counter(t.msgsOut, n)
	counter(t.bytesOut, b)
	t.events.Range(func(_, v any) bool {
		e := v.(*nspEvents)
		in, _ := e.in.sum()
		out, _ := e.out.sum()
		counter(t.eventsIn, in, e.name)
		counter(t.eventsOut, out, e.name)
		return true
	})
}
