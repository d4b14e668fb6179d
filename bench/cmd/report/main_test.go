package main

import (
	"strings"
	"testing"
)

// TestTableThreeServersAndBurst checks the zishang column and its ratio,
// and that a burst row shows a server whose runs all failed (disconnected)
// instead of leaving it out.
func TestTableThreeServersAndBurst(t *testing.T) {
	t.Parallel()
	mk := func(scenario, server string, ok bool, metrics map[string]float64, checks map[string]uint64) run {
		return run{Scenario: scenario, Labels: map[string]string{"server": server, "round": "1"},
			Metrics: metrics, Checks: checks, OK: ok}
	}
	runs := []run{
		mk("echo", "duplex", true, map[string]float64{"acks_per_s": 300}, nil),
		mk("echo", "node", true, map[string]float64{"acks_per_s": 100}, nil),
		mk("echo", "zishang", true, map[string]float64{"acks_per_s": 150}, nil),
		mk("burst-10000", "duplex", false, map[string]float64{"events_per_s": 9, "acked": 734, "events": 10000},
			map[string]uint64{"lost": 9266, "disconnected": 1}),
		mk("burst-10000", "node", true, map[string]float64{"events_per_s": 50000, "acked": 10000, "events": 10000}, nil),
		mk("burst-10000", "zishang", true, map[string]float64{"events_per_s": 40000, "acked": 10000, "events": 10000}, nil),
	}
	var b strings.Builder
	writeTable(&b, runs)
	out := b.String()
	for _, want := range []string{
		"| measure | Duplex | Node | zishang | Duplex/Node | Duplex/zishang | target | met |",
		"| echo+ack ×100: acks/s | 300 (1 run) | 100 (1 run) | 150 (1 run) | 3.00 | 2.00 | ≥ 2 | yes |",
		"| burst 10,000 WS: events/s to the last ack | FAILED 1/1 runs, 734 of 10000 acked, 1 disconnected | 50000 (1 run) | 40000 (1 run) | – | – | – |  |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks\n%s\n---\n%s", want, out)
		}
	}
	if strings.Contains(out, "burst 1,000 WS") {
		t.Errorf("a row without runs is printed:\n%s", out)
	}
}
