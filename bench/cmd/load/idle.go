package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The idle scenario opens many WebSocket connections that only answer the
// server's pings. A process may hold 20,000 open files, so the connections
// are spread over worker processes (this binary with -worker), each dialing
// from its own loopback address 127.x.y.<k> so that no source address runs
// out of ephemeral ports. The parent drives the workers over their stdin:
//
//	ramp N  -> open connections until N are up; answer "ok UP FAILED NANOS"
//	stat    -> answer "stat ALIVE PINGS CPU_NANOS"
//
// and closing stdin ends a worker.

// runWorker is the worker side.
func runWorker(cfg config, src string) error {
	addr, err := wsURL(cfg.url)
	if err != nil {
		return err
	}
	ip := net.ParseIP(src)
	var clients []*wsClient
	var mu sync.Mutex
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		switch {
		case len(f) == 2 && f[0] == "ramp":
			n, _ := strconv.Atoi(f[1])
			start := time.Now()
			var failed atomic.Int64
			sem := make(chan struct{}, 64)
			var wg sync.WaitGroup
			for range max(n-len(clients), 0) {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					c, err := dialWS(context.Background(), addr, ip, nil)
					if err != nil {
						failed.Add(1)
						return
					}
					mu.Lock()
					clients = append(clients, c)
					mu.Unlock()
				})
			}
			wg.Wait()
			fmt.Printf("ok %d %d %d\n", len(clients), failed.Load(), time.Since(start).Nanoseconds())
		case len(f) == 1 && f[0] == "stat":
			alive, pings := 0, uint64(0)
			for _, c := range clients {
				if c.alive() {
					alive++
				}
				pings += c.pings.Load()
			}
			fmt.Printf("stat %d %d %d\n", alive, pings, cpuTime().Nanoseconds())
		}
	}
	closeAll(clients)
	closePoller()
	return in.Err()
}

type worker struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func (w *worker) ask(cmd string) ([]int64, error) {
	if _, err := fmt.Fprintln(w.in, cmd); err != nil {
		return nil, err
	}
	if !w.out.Scan() {
		return nil, fmt.Errorf("worker exited: %v", w.out.Err())
	}
	f := strings.Fields(w.out.Text())
	vals := make([]int64, 0, len(f))
	for _, s := range f[1:] {
		v, _ := strconv.ParseInt(s, 10, 64)
		vals = append(vals, v)
	}
	return vals, nil
}

func startWorkers(cfg config, n int) ([]*worker, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	// Each run dials from fresh loopback addresses: the previous run's
	// connections leave their ports in TIME_WAIT for a minute, and a
	// connect(2) searching a nearly exhausted port range burned the
	// load tool's CPU (ramps 7x slower when runs followed each other).
	base := fmt.Sprintf("127.%d.%d.", 1+rand.IntN(254), rand.IntN(256))
	ws := make([]*worker, n)
	for i := range ws {
		cmd := exec.Command(self, "-worker", "-url", cfg.url, "-src", base+strconv.Itoa(i+1))
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		ws[i] = &worker{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	}
	return ws, nil
}

func stopWorkers(ws []*worker) {
	for _, w := range ws {
		_ = w.in.Close()
	}
	for _, w := range ws {
		_ = w.cmd.Wait()
	}
}

// runIdle ramps up to each of cfg.steps connections in turn, measuring the
// server's RSS after each step, then holds the last step for cfg.hold with
// heartbeats running and measures again.
func runIdle(cfg config) (*result, error) {
	steps := cfg.steps
	if len(steps) == 0 {
		steps = []int{cfg.clients}
	}
	total := steps[len(steps)-1]
	nw := max(cfg.procs, (total+cfg.perProc-1)/cfg.perProc)
	ws, err := startWorkers(cfg, nw)
	if err != nil {
		return nil, err
	}
	defer stopWorkers(ws)

	time.Sleep(500 * time.Millisecond)
	rss0 := readProc(cfg.pid).rss
	res := newResult()
	res.metric("server_rss_base_mib", float64(rss0)/(1<<20))
	var rampTime, rampCPU time.Duration
	var up, failed int64
	for _, n := range steps {
		t0, cpu0 := time.Now(), readProc(cfg.pid).cpu
		var wg sync.WaitGroup
		vals := make([][]int64, nw)
		errs := make([]error, nw)
		for i, w := range ws {
			share := n / nw
			if i < n%nw {
				share++
			}
			wg.Go(func() { vals[i], errs[i] = w.ask("ramp " + strconv.Itoa(share)) })
		}
		wg.Wait()
		rampTime += time.Since(t0)
		rampCPU += readProc(cfg.pid).cpu - cpu0
		up, failed = 0, 0
		for i := range ws {
			if errs[i] != nil {
				return nil, errs[i]
			}
			up += vals[i][0]
			failed += vals[i][1]
		}
		time.Sleep(cfg.settle)
		rss := readProc(cfg.pid).rss
		res.metric(fmt.Sprintf("kib_per_conn_at_%d", n), float64(rss-rss0)/1024/float64(up))
		fmt.Fprintf(os.Stderr, "idle: %d up (%d failed), server RSS %.1f MiB\n", up, failed, float64(rss)/(1<<20))
	}
	res.metric("conns", float64(up))
	res.metric("conns_per_s", float64(up)/rampTime.Seconds())
	// The ramp rate also depends on the load tool, which shares its core
	// with the worker processes; the server's CPU per connection does not.
	res.metric("server_cpu_ramp", rampCPU.Seconds()/rampTime.Seconds())
	if rampCPU > 0 {
		res.metric("conns_per_server_cpu_s", float64(up)/rampCPU.Seconds())
	}
	res.check("connect_failed", uint64(failed))

	m := startMeter(cfg.pid)
	time.Sleep(cfg.hold)
	m.stop()
	rss := readProc(cfg.pid).rss
	res.metric("kib_per_conn", float64(rss-rss0)/1024/float64(up))
	res.metric("server_rss_mib", float64(rss)/(1<<20))
	res.metric("server_cpu_hold", m.serverCPU)
	res.metric("other_cpu", m.otherCPU)
	var alive, pings, cpu int64
	for _, w := range ws {
		v, err := w.ask("stat")
		if err != nil {
			return nil, err
		}
		alive += v[0]
		pings += v[1]
		cpu += v[2]
	}
	res.metric("pings_answered", float64(pings))
	res.check("dropped", uint64(up-alive))
	res.metric("load_cpu_total_s", (time.Duration(cpu) + cpuTime()).Seconds())
	return res, nil
}
