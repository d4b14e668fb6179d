// Command report reads the JSON lines that bench/run.sh collected from
// bench/cmd/load and prints the medians over the rounds, Duplex against
// Node and zishang520/socket.io (the other Go port), as a Markdown table with
// the ratios Duplex/Node and Duplex/zishang and the target of each line
// (targets are against Node). With -plot it also writes the data file of
// bench/plot.gp (Duplex against Node).
//
//	report -in results.jsonl [-md table.md] [-plot plot.dat]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// run is one line of bench/cmd/load output.
type run struct {
	Scenario string             `json:"scenario"`
	Labels   map[string]string  `json:"labels"`
	Metrics  map[string]float64 `json:"metrics"`
	Checks   map[string]uint64  `json:"checks"`
	Errors   []string           `json:"errors"`
	OK       bool               `json:"ok"`
}

// row is one line of the table.
type row struct {
	scenario, metric, label string
	higherBetter            bool
	// target is the ratio Duplex/Node to reach, 0 for none: at least it
	// when higher is better, at most it otherwise.
	target float64
}

// burst rows also say how many runs failed, how far they got and whether
// the server disconnected the client.
func (r row) burst() bool {
	return strings.HasPrefix(r.scenario, "burst-") || strings.HasPrefix(r.scenario, "polling-burst-")
}

// servers are the columns of the table, by the label run.sh gives them.
var servers = []struct{ label, title string }{
	{"duplex", "Duplex"}, {"node", "Node"}, {"zishang", "zishang"},
}

func init() {
	for _, kind := range []struct{ scenario, label string }{{"burst", "WS"}, {"polling-burst", "polling"}} {
		for _, n := range []int{1000, 10000, 50000} {
			rows = append(rows, row{
				scenario: fmt.Sprintf("%s-%d", kind.scenario, n), metric: "events_per_s",
				label:        fmt.Sprintf("burst %s %s: events/s to the last ack", thousands(n), kind.label),
				higherBetter: true,
			})
		}
	}
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var rows = []row{
	{"fanout", "deliveries_per_s", "fan-out 1→1000: deliveries/s", true, 10},
	{"fanout", "p50_ms", "fan-out: latency p50 (ms)", false, 0},
	{"fanout", "p99_ms", "fan-out: latency p99 (ms)", false, 0},
	{"fanout", "server_cpu", "fan-out: server CPU (cores)", false, 0},
	{"fanout", "load_cpu", "fan-out: load tool CPU (cores)", false, 0},
	{"fanout", "other_cpu", "fan-out: other processes' CPU (cores)", false, 0},
	{"fanout-paced", "deliveries_per_s", "fan-out paced: deliveries/s", true, 0},
	{"fanout-paced", "p50_ms", "fan-out paced: latency p50 (ms)", false, 0},
	{"fanout-paced", "p99_ms", "fan-out paced: latency p99 (ms)", false, 0},
	{"fanout-paced", "server_cpu", "fan-out paced: server CPU (cores)", false, 0},
	{"fanout-paced", "other_cpu", "fan-out paced: other processes' CPU (cores)", false, 0},
	{"rooms", "deliveries_per_s", "rooms 10×100: deliveries/s", true, 10},
	{"rooms", "p50_ms", "rooms: latency p50 (ms)", false, 0},
	{"rooms", "p99_ms", "rooms: latency p99 (ms)", false, 0},
	{"rooms", "server_cpu", "rooms: server CPU (cores)", false, 0},
	{"rooms", "load_cpu", "rooms: load tool CPU (cores)", false, 0},
	{"rooms", "other_cpu", "rooms: other processes' CPU (cores)", false, 0},
	{"echo", "acks_per_s", "echo+ack ×100: acks/s", true, 2},
	{"echo", "p50_ms", "echo+ack: round trip p50 (ms)", false, 0},
	{"echo", "p99_ms", "echo+ack: round trip p99 (ms)", false, 0.5},
	{"echo", "server_cpu", "echo+ack: server CPU (cores)", false, 0},
	{"echo", "load_cpu", "echo+ack: load tool CPU (cores)", false, 0},
	{"echo", "other_cpu", "echo+ack: other processes' CPU (cores)", false, 0},
	{"polling-echo", "requests_per_s", "polling echo: requests/s", true, 0},
	{"polling-echo", "p50_ms", "polling echo: round trip p50 (ms)", false, 0},
	{"polling-echo", "p99_ms", "polling echo: round trip p99 (ms)", false, 0},
	{"polling-echo", "other_cpu", "polling echo: other processes' CPU (cores)", false, 0},
	{"idle", "kib_per_conn", "idle WS: server RSS KiB/conn", false, 0.5},
	{"idle", "conns_per_s", "idle WS: connections/s (ramp)", true, 2},
	{"idle", "server_cpu_ramp", "idle WS: server CPU during the ramp (cores)", false, 0},
	{"idle", "conns_per_server_cpu_s", "idle WS: connections per server CPU-second", true, 2},
	{"idle", "server_cpu_hold", "idle WS: server CPU with heartbeats (cores)", false, 0},
	{"idle", "pings_answered", "idle WS: pings answered in the 30 s hold", true, 0},
	{"idle-scale", "kib_per_conn_at_1000", "idle scale: KiB/conn at 1,000", false, 0},
	{"idle-scale", "kib_per_conn_at_5000", "idle scale: KiB/conn at 5,000", false, 0},
	{"idle-scale", "kib_per_conn_at_10000", "idle scale: KiB/conn at 10,000", false, 0},
	{"idle-scale", "kib_per_conn_at_15000", "idle scale: KiB/conn at 15,000", false, 0},
	{"idle-scale", "kib_per_conn_at_19000", "idle scale: KiB/conn at 19,000", false, 0},
	{"idle-scale", "conns_per_s", "idle scale: connections/s (ramp to 19,000)", true, 0},
	{"idle-scale", "pings_answered", "idle scale: pings answered in the hold", true, 0},
}

// maxOther is the CPU (cores) that other processes may have used during a
// run for it to count: the machine may be shared.
var maxOther = 9.0 // off by default: see BENCHMARKS.md

func main() {
	in := flag.String("in", "results.jsonl", "JSON lines from bench/cmd/load")
	flag.Float64Var(&maxOther, "max-other", maxOther, "leave out runs during which other processes used more cores than this, unless all were")
	md := flag.String("md", "", "also write the Markdown table to this file")
	plot := flag.String("plot", "", "write the plot data (label, Duplex advantage) to this file")
	flag.Parse()
	runs, err := readRuns(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	var out strings.Builder
	writeTable(&out, runs)
	fmt.Print(out.String())
	if *md != "" {
		if err := os.WriteFile(*md, []byte(out.String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
	}
	if *plot != "" {
		if err := writePlot(*plot, runs); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
	}
}

func readRuns(path string) ([]run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs []run
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r run
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Scenario != "" {
			runs = append(runs, r)
		}
	}
	return runs, sc.Err()
}

// median is the median of the values of metric over the runs of scenario on
// server that passed every check; ok is false without such runs.
// Runs disturbed by other processes (other_cpu above maxOther) count only
// when all runs were.
func median(runs []run, server, scenario, metric string) (med float64, n int, ok bool) {
	var vs, disturbed []float64
	for _, r := range runs {
		if r.Scenario != scenario || r.Labels["server"] != server || !r.OK {
			continue
		}
		if v, has := r.Metrics[metric]; has {
			if r.Metrics["other_cpu"] > maxOther {
				disturbed = append(disturbed, v)
			} else {
				vs = append(vs, v)
			}
		}
	}
	if len(vs) == 0 {
		vs = disturbed
	}
	if len(vs) == 0 {
		return 0, 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], len(vs), true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, len(vs), true
}

func writeTable(w io.Writer, runs []run) {
	fmt.Fprintln(w, "| measure | Duplex | Node | zishang | Duplex/Node | Duplex/zishang | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|---|")
	for _, r := range rows {
		var vals [3]float64
		var oks [3]bool
		var cells [3]string
		present := false
		for i, sv := range servers {
			v, n, ok := median(runs, sv.label, r.scenario, r.metric)
			vals[i], oks[i], cells[i] = v, ok, cell(v, n, ok)
			if note := burstNote(runs, sv.label, r.scenario, ok); r.burst() && note != "" {
				if ok {
					cells[i] += note
				} else {
					cells[i] = note
				}
			}
			present = present || ok || cells[i] != "–"
		}
		if !present {
			continue
		}
		ratio := func(j int) string {
			if oks[0] && oks[j] && vals[j] != 0 {
				return fmt.Sprintf("%.2f", vals[0]/vals[j])
			}
			return "–"
		}
		met, target := "", "–"
		if r.target != 0 {
			if r.higherBetter {
				target = fmt.Sprintf("≥ %g", r.target)
			} else {
				target = fmt.Sprintf("≤ %g", r.target)
			}
			met = "no"
			d, n := vals[0], vals[1]
			if oks[0] && oks[1] && n != 0 && (r.higherBetter && d/n >= r.target || !r.higherBetter && d/n <= r.target) {
				met = "yes"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.label, cells[0], cells[1], cells[2], ratio(1), ratio(2), target, met)
	}
	failed, disturbed := 0, 0
	for _, r := range runs {
		if r.Metrics["other_cpu"] > maxOther {
			disturbed++
			fmt.Fprintf(w, "\nDisturbed run: %s on %s (round %s): other processes used %.2f cores\n",
				r.Scenario, r.Labels["server"], r.Labels["round"], r.Metrics["other_cpu"])
		}
		if !r.OK {
			failed++
			fmt.Fprintf(w, "\nFAILED run: %s on %s (round %s): checks %v, errors %v\n",
				r.Scenario, r.Labels["server"], r.Labels["round"], r.Checks, r.Errors)
		}
	}
	fmt.Fprintf(w, "\n%d runs, %d failed a delivery check or errored (left out of the medians), "+
		"%d disturbed: other processes used more than %.2g cores (left out unless all runs of a cell were).\n",
		len(runs), failed, disturbed, maxOther)
}

// burstNote says how the failed runs of a burst went: how many of them,
// the fewest acks one got, and whether the server disconnected the client.
// It is the whole cell when no run passed.
func burstNote(runs []run, server, scenario string, anyOK bool) string {
	total, failed, disconnected := 0, 0, 0
	fewest, events := -1.0, 0.0
	for _, r := range runs {
		if r.Scenario != scenario || r.Labels["server"] != server {
			continue
		}
		total++
		if r.OK {
			continue
		}
		failed++
		if a := r.Metrics["acked"]; fewest < 0 || a < fewest {
			fewest = a
		}
		events = r.Metrics["events"]
		if r.Checks["disconnected"] > 0 {
			disconnected++
		}
	}
	if failed == 0 {
		return ""
	}
	note := fmt.Sprintf("FAILED %d/%d runs, %.0f of %.0f acked", failed, total, fewest, events)
	if disconnected > 0 {
		note += fmt.Sprintf(", %d disconnected", disconnected)
	}
	if anyOK {
		return "; " + note
	}
	return note
}

func cell(v float64, n int, ok bool) string {
	if !ok {
		return "–"
	}
	s := fmt.Sprintf("%.3g", v)
	if v >= 1000 {
		s = fmt.Sprintf("%.0f", v)
	}
	if n > 1 {
		return s
	}
	return s + " (1 run)"
}

// writePlot writes, per row with both servers, the Duplex advantage: the
// ratio oriented so that above 1 means Duplex does better.
func writePlot(path string, runs []run) error {
	var b strings.Builder
	for _, r := range rows {
		if strings.Contains(r.metric, "cpu") || strings.HasPrefix(r.metric, "pings") {
			continue
		}
		d, _, okd := median(runs, "duplex", r.scenario, r.metric)
		n, _, okn := median(runs, "node", r.scenario, r.metric)
		if !okd || !okn || d == 0 || n == 0 {
			continue
		}
		adv := d / n
		if !r.higherBetter {
			adv = n / d
		}
		fmt.Fprintf(&b, "%q %.4f\n", r.label, adv)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
