// Command load is the load generator of the Duplex benchmarks. It speaks
// Engine.IO v4 / Socket.IO v5 itself, over WebSocket (its own client, every
// connection read by one internal/websocket poller in client mode) or HTTP
// long-polling, against any server implementing the bench fixture
// (test/testserver/bench.go, bench/node/server.mjs, bench/zishang),
// checks every delivery (no loss, no duplicate, payload intact, right room)
// and prints one JSON line of results on stdout:
//
//	load -url http://127.0.0.1:PORT -scenario fanout|fanout-paced|rooms|echo|idle|polling-echo|polling-fanout [-pid SERVER_PID] [-pids PID,PID]
//	load -url http://127.0.0.1:PORT -scenario burst|polling-burst -events N [-pid SERVER_PID]
//	load -url http://127.0.0.1:PORT1 -url2 http://127.0.0.1:PORT2 -scenario fanout-cluster [-pid PID1 -pid2 PID2]
//
// fanout-cluster is fanout across two nodes of a cluster (testserver
// -fixture bench -redis URL): half of the receivers on each node, the sender
// on the first, and every broadcast must reach every receiver of both.
//
// burst is one client emitting N echoes with ack in one go (over WebSocket,
// or long-polling for polling-burst), measured until the last ack; its JSON
// line is named burst-N (polling-burst-N).
//
// With -pid it also reports the server's CPU and, for idle, its RSS per
// connection. It always reports its own CPU (cores used), so that a reader
// can see it was not the bottleneck.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

type config struct {
	url      string
	url2     string
	pid      int
	pid2     int
	pids     []int // -pids: more servers measured (polling scenarios)
	clients  int
	rooms    int
	window   int
	rate     float64
	warmup   time.Duration
	duration time.Duration
	steps    []int
	hold     time.Duration
	settle   time.Duration
	procs    int
	perProc  int
	events   int
	// burstTimeout bounds the wait for a burst's acks.
	burstTimeout time.Duration
}

func main() {
	var cfg config
	scenario := flag.String("scenario", "fanout", "fanout, fanout-paced, rooms, echo, idle, polling-echo, polling-fanout, burst, polling-burst or fanout-cluster")
	flag.StringVar(&cfg.url, "url", "", "server base URL, http://host:port")
	flag.IntVar(&cfg.pid, "pid", 0, "server process id, for its CPU and RSS")
	flag.StringVar(&cfg.url2, "url2", "", "fanout-cluster: base URL of the second node")
	flag.IntVar(&cfg.pid2, "pid2", 0, "fanout-cluster: process id of the second node (server_cpu is the sum)")
	pids := flag.String("pids", "", "polling-echo, polling-fanout: comma-separated process ids of more servers (nodes, balancer) whose CPU server_cpu adds")
	flag.IntVar(&cfg.clients, "clients", 0, "receivers or clients (default per scenario: 1000, echo 100, polling-echo 50, idle 10000)")
	flag.IntVar(&cfg.rooms, "rooms", 10, "rooms of the rooms scenario")
	// 32 in flight keep both servers busy: Node is saturated from 8 on
	// (93k deliveries/s at 8, 92k at 32, 108k at 128), while 8 left
	// Duplex waiting on the round trips (see BENCHMARKS.md, window sweep).
	flag.IntVar(&cfg.window, "window", 32, "events in flight in fanout (per room in rooms)")
	flag.Float64Var(&cfg.rate, "rate", 20, "events/s of fanout-paced")
	flag.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "unmeasured warm-up")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured duration")
	steps := flag.String("steps", "", "idle: comma-separated connection counts to measure at (default -clients)")
	flag.DurationVar(&cfg.hold, "hold", 30*time.Second, "idle: hold the connections this long with heartbeats (default pingInterval 25s)")
	flag.DurationVar(&cfg.settle, "settle", 2*time.Second, "idle: pause before measuring RSS after a ramp")
	flag.IntVar(&cfg.procs, "procs", 1, "idle: minimum worker processes")
	flag.IntVar(&cfg.perProc, "per-proc", 9000, "idle: maximum connections per worker process")
	flag.IntVar(&cfg.events, "events", 10000, "burst: echoes emitted in one go")
	flag.DurationVar(&cfg.burstTimeout, "burst-timeout", 60*time.Second, "burst: how long to wait for the acks")
	name := flag.String("name", "", "scenario name in the JSON line (default -scenario)")
	label := flag.String("label", "", "free-form fields added to the JSON line, k=v,k=v")
	workerMode := flag.Bool("worker", false, "internal: run as an idle worker process")
	src := flag.String("src", "", "internal: local address of an idle worker")
	flag.Parse()

	if *workerMode {
		if err := runWorker(cfg, *src); err != nil {
			fmt.Fprintln(os.Stderr, "load worker:", err)
			os.Exit(1)
		}
		return
	}
	if cfg.url == "" {
		fmt.Fprintln(os.Stderr, "load: -url is required")
		os.Exit(2)
	}
	for s := range strings.SplitSeq(*pids, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			cfg.pids = append(cfg.pids, n)
		}
	}
	for s := range strings.SplitSeq(*steps, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			cfg.steps = append(cfg.steps, n)
		}
	}
	res, err := run(*scenario, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		res = newResult()
		res.errors = append(res.errors, err.Error())
	}
	res.Scenario = *scenario
	if *scenario == "burst" || *scenario == "polling-burst" {
		res.Scenario = fmt.Sprintf("%s-%d", *scenario, cfg.events)
	}
	if *name != "" {
		res.Scenario = *name
	}
	res.Labels = map[string]string{}
	for kv := range strings.SplitSeq(*label, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			res.Labels[k] = v
		}
	}
	res.finish()
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	fmt.Fprintln(os.Stderr, res.summary())
	if !res.OK {
		os.Exit(1)
	}
}

func run(scenario string, cfg config) (*result, error) {
	defer closePoller()
	ctx := context.Background()
	def := func(n int) {
		if cfg.clients == 0 {
			cfg.clients = n
		}
	}
	if scenario != "fanout-cluster" {
		cfg.url2, cfg.pid2 = "", 0 // one node
	}
	if (scenario == "burst" || scenario == "polling-burst") && cfg.events < 1 {
		return nil, fmt.Errorf("%s: -events must be at least 1", scenario)
	}
	switch scenario {
	case "fanout":
		def(1000)
		return runFanout(ctx, cfg, 0, 0)
	case "fanout-cluster":
		if cfg.url2 == "" {
			return nil, fmt.Errorf("fanout-cluster: -url2 (the second node) is required")
		}
		def(1000)
		return runFanout(ctx, cfg, 0, 0)
	case "fanout-paced":
		def(1000)
		return runFanout(ctx, cfg, 0, cfg.rate)
	case "rooms":
		def(1000)
		return runFanout(ctx, cfg, cfg.rooms, 0)
	case "echo":
		def(100)
		return runEcho(ctx, cfg)
	case "polling-echo":
		def(50)
		return runPolling(ctx, cfg)
	case "polling-fanout":
		def(100)
		return runPollingFanout(ctx, cfg)
	case "burst":
		return runBurst(ctx, cfg)
	case "polling-burst":
		return runPollingBurst(ctx, cfg)
	case "idle":
		def(10000)
		return runIdle(cfg)
	}
	return nil, fmt.Errorf("unknown scenario %q", scenario)
}

// serverPIDs lists every server process measured: -pid, -pid2, -pids.
func (c config) serverPIDs() []int { return append([]int{c.pid, c.pid2}, c.pids...) }

// result is the JSON line a run prints.
type result struct {
	Scenario string             `json:"scenario"`
	Labels   map[string]string  `json:"labels,omitempty"`
	Metrics  map[string]float64 `json:"metrics"`
	Checks   map[string]uint64  `json:"checks"`
	Errors   []string           `json:"errors,omitempty"`
	OK       bool               `json:"ok"`
	errors   []string
}

func newResult() *result {
	return &result{Metrics: map[string]float64{}, Checks: map[string]uint64{}}
}

func (r *result) metric(name string, v float64) { r.Metrics[name] = v }
func (r *result) check(name string, v uint64)   { r.Checks[name] = v }

func (r *result) latency(h *histogram) {
	r.metric("p50_ms", ms(h.quantile(0.50)))
	r.metric("p99_ms", ms(h.quantile(0.99)))
	r.metric("max_ms", ms(time.Duration(h.max)))
	r.metric("samples", float64(h.n))
}

func (r *result) cpu(m *meter) {
	r.metric("load_cpu", m.selfCPU)
	if len(m.pids) > 0 {
		r.metric("server_cpu", m.serverCPU)
	}
	r.metric("other_cpu", m.otherCPU)
}

// finish sets OK: no error and every check at zero.
func (r *result) finish() {
	r.Errors = r.errors
	r.OK = len(r.Errors) == 0
	for _, v := range r.Checks {
		if v != 0 {
			r.OK = false
		}
	}
}

func (r *result) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s ok=%v", r.Scenario, r.OK)
	keys := make([]string, 0, len(r.Metrics))
	for k := range r.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%.4g", k, r.Metrics[k])
	}
	for k, v := range r.Checks {
		if v != 0 {
			fmt.Fprintf(&b, " %s=%d", k, v)
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, " error=%q", e)
	}
	return b.String()
}
