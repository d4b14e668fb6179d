package main

import (
	"math"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// histogram records latencies in log-linear buckets: 2^subBits buckets per
// power of two of nanoseconds, so a percentile is within 1/2^subBits (3%) of
// the true value. It is not safe for concurrent use: each connection keeps
// its own and they are merged at the end, so the hot path shares nothing.
type histogram struct {
	counts [64 << subBits]uint64
	n      uint64
	max    int64
}

const subBits = 5

func bucketOf(ns int64) int {
	if ns < 1<<subBits {
		if ns < 0 {
			ns = 0
		}
		return int(ns)
	}
	exp := bits.Len64(uint64(ns)) - 1 // ns in [2^exp, 2^(exp+1))
	sub := int(uint64(ns)>>(exp-subBits)) & (1<<subBits - 1)
	return (exp-subBits+1)<<subBits + sub
}

// bucketValue is the midpoint of a bucket, the value a percentile reports.
func bucketValue(b int) int64 {
	if b < 1<<subBits {
		return int64(b)
	}
	exp := b>>subBits + subBits - 1
	sub := int64(b & (1<<subBits - 1))
	lo := int64(1)<<exp + sub<<(exp-subBits)
	return lo + int64(1)<<(exp-subBits)/2
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(int64(d))]++
	h.n++
	if int64(d) > h.max {
		h.max = int64(d)
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the q-quantile (0 < q <= 1), or 0 without samples.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	if rank >= h.n {
		return time.Duration(h.max)
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(bucketValue(i), h.max))
		}
	}
	return time.Duration(h.max)
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// cpuTime is the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStat reads the CPU time (user+system) and resident set size of another
// process from /proc; zero values when pid is 0 or the process is gone.
type procStat struct {
	cpu time.Duration
	rss int64 // bytes
}

func readProc(pid int) procStat {
	if pid <= 0 {
		return procStat{}
	}
	var st procStat
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// Fields after the command name, which is in parentheses and may hold spaces.
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			f := strings.Fields(s[i+1:])
			if len(f) > 12 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				stt, _ := strconv.ParseInt(f[12], 10, 64)
				st.cpu = time.Duration(ut+stt) * 10 * time.Millisecond // USER_HZ = 100
			}
		}
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				st.rss = kb << 10
			}
		}
	}
	return st
}

// busyTime is the CPU time all processes of the machine have used (every
// field of the cpu line of /proc/stat but idle and iowait).
func busyTime() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, s := range f[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
			continue
		}
		v, _ := strconv.ParseInt(s, 10, 64)
		busy += v
	}
	return time.Duration(busy) * 10 * time.Millisecond
}

// meter measures the CPU that the load tool, the server and everything else
// on the machine use over a phase: the benchmark shares the machine, and
// otherCPU tells how much of it something else took. With several server
// processes (the nodes of fanout-cluster), serverCPU is their sum.
type meter struct {
	pids      []int
	start     time.Time
	self      time.Duration
	server    []procStat
	busy      time.Duration
	wall      time.Duration
	selfCPU   float64 // cores
	serverCPU float64 // cores
	otherCPU  float64 // cores
}

func startMeter(pids ...int) *meter {
	m := &meter{start: time.Now(), self: cpuTime(), busy: busyTime()}
	for _, pid := range pids {
		if pid > 0 {
			m.pids = append(m.pids, pid)
			m.server = append(m.server, readProc(pid))
		}
	}
	return m
}

func (m *meter) stop() *meter {
	m.wall = time.Since(m.start)
	m.selfCPU = float64(cpuTime()-m.self) / float64(m.wall)
	for i, pid := range m.pids {
		m.serverCPU += float64(readProc(pid).cpu-m.server[i].cpu) / float64(m.wall)
	}
	m.otherCPU = max(float64(busyTime()-m.busy)/float64(m.wall)-m.selfCPU-m.serverCPU, 0)
	return m
}
