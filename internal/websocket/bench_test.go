//go:build linux

package websocket

import (
	"bytes"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// countHandler counts messages; one value serves every connection.
type countHandler struct {
	msgs   atomic.Int64
	closes atomic.Int64
}

func (h *countHandler) OnMessage([]byte, bool) { h.msgs.Add(1) }
func (h *countHandler) OnPing([]byte)          {}
func (h *countHandler) OnClose(error)          { h.closes.Add(1) }

// benchServer accepts connections and adds them to p with h.
func benchServer(b *testing.B, p *Poller, h Handler) (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			buffered, err := serverHandshake(nc)
			if err != nil {
				nc.Close()
				continue
			}
			if _, err := p.Add(nc, h, ConnOptions{Buffered: buffered}); err != nil {
				b.Error(err)
				nc.Close()
			}
		}
	}()
	return ln.Addr().String(), func() { ln.Close(); <-done }
}

// rawClient opens a client socket without Go's net package, so that the
// client end costs the Go heap nothing and the memory measured is the
// server's.
func rawClient(b *testing.B, port int) int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		b.Fatal(err)
	}
	if _, err := unix.Write(fd, []byte(upgradeRequest)); err != nil {
		b.Fatal(err)
	}
	var resp []byte
	buf := make([]byte, 512)
	for !bytes.HasSuffix(resp, []byte("\r\n\r\n")) {
		n, err := unix.Read(fd, buf)
		if err != nil || n == 0 {
			b.Fatalf("handshake: %v", err)
		}
		resp = append(resp, buf[:n]...)
	}
	return fd
}

// rss returns the process's resident set size, from /proc/self/statm.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func inuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// BenchmarkIdleConns opens 5,000 idle WebSocket connections and reports
// the server's heap and stack bytes per connection (HeapInuse +
// StackInuse delta): the net.TCPConn, the Conn and the Poller's map entry,
// no goroutine and no buffer. It also reports the RSS delta, which adds the
// runtime's pollDesc and what the heap keeps from the handshakes. The
// kernel's socket memory is in neither.
// Run it with -benchtime=1x: the iterations do not matter.
func BenchmarkIdleConns(b *testing.B) {
	const n = 5000
	p, err := NewPoller(Options{IdleWorkerTimeout: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	h := new(countHandler)
	addr, stop := benchServer(b, p, h)
	port, _ := strconv.Atoi(addr[len("127.0.0.1:"):])
	// Warm up: a first connection grows what is grown once.
	fds := []int{rawClient(b, port)}
	for p.Len() < 1 {
		time.Sleep(time.Millisecond)
	}
	before, rss0 := inuse(), rss()
	goroutines := runtime.NumGoroutine()
	for range n {
		fds = append(fds, rawClient(b, port))
	}
	for p.Len() < n+1 {
		time.Sleep(time.Millisecond)
	}
	after, rss1 := inuse(), rss()
	b.ReportMetric(float64(int64(after)-int64(before))/n, "B/conn")
	b.ReportMetric(float64(rss1-rss0)/n, "RSS-B/conn")
	b.ReportMetric(float64(runtime.NumGoroutine()-goroutines), "goroutines-added")
	for range b.N {
	}
	b.StopTimer()
	stop()
	for _, fd := range fds {
		unix.Close(fd)
	}
	p.Close()
}

// BenchmarkRead measures message throughput: 100 connections send small
// text frames, one frame per write ("single", what an interactive client
// does) or 64 per write ("batched"). One op is one message delivered.
func BenchmarkRead(b *testing.B) {
	for _, batch := range []int{1, 64} {
		name := "single"
		if batch > 1 {
			name = "batched"
		}
		b.Run(name, func(b *testing.B) { benchRead(b, 100, batch) })
	}
}

func benchRead(b *testing.B, conns, batch int) {
	p, err := NewPoller(Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := new(countHandler)
	addr, stop := benchServer(b, p, h)
	defer func() { stop(); p.Close() }()
	clients := make([]net.Conn, conns)
	for i := range clients {
		clients[i] = dialRaw(b, addr, nil)
	}
	for p.Len() < conns {
		time.Sleep(time.Millisecond)
	}
	var chunk []byte
	for range batch {
		chunk = append(chunk, frame(text, `42["message","hello, world!"]`)...)
	}
	b.SetBytes(int64(len(chunk) / batch))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range clients {
		writes := (b.N/conns + batch - 1) / batch
		if i < b.N%conns {
			writes = (b.N/conns + 1 + batch - 1) / batch
		}
		wg.Go(func() {
			for range writes {
				if _, err := c.Write(chunk); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for h.msgs.Load() < int64(b.N) {
		time.Sleep(50 * time.Microsecond)
	}
	b.StopTimer()
	for _, c := range clients {
		c.Close()
	}
}
