package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/duplexio/duplex/metrics"
	"github.com/duplexio/duplex/socketio"
)

// Metrics for your own server: instrument its options, register the
// Collector, and serve the registry next to Socket.IO.
func Example() {
	c := metrics.New()
	opts := &socketio.Options{}
	c.Instrument(opts)
	io := socketio.NewServer(opts)
	defer io.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ts := httptest.NewServer(mux)
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}
