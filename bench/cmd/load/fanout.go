package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// base is the origin of the timestamps carried in payloads: the sender and
// the receivers live in this process and share its monotonic clock.
var base = time.Now()

func now() int64 { return int64(time.Since(base)) }

// fanReceiver checks the deliveries to one receiver. Only its connection's
// read goroutine touches it until the scenario has stopped.
type fanReceiver struct {
	room      int
	st        stream
	lat       histogram
	corrupt   uint64
	wrongRoom uint64
}

// fanState is what the receivers share with the sender.
type fanState struct {
	event     string
	delivered atomic.Uint64
	warmSeq   atomic.Uint64 // per stream: latencies count from this sequence number on
	waitFor   atomic.Uint64 // the sender sleeps until delivered reaches it
	wake      chan struct{}
}

func (f *fanState) onPacket(r *fanReceiver) func(*wsClient, []byte) {
	return func(_ *wsClient, pkt []byte) {
		arg, ok := eventArg(pkt, f.event)
		if !ok {
			r.corrupt++
			return
		}
		seq, sent, room, err := parsePayload(arg)
		if err != nil {
			r.corrupt++
			return
		}
		if room != r.room {
			r.wrongRoom++
			return
		}
		if !r.st.observe(seq) {
			return
		}
		if seq >= f.warmSeq.Load() {
			r.lat.record(time.Duration(now() - sent))
		}
		d := f.delivered.Add(1)
		if w := f.waitFor.Load(); w != 0 && d >= w && f.waitFor.CompareAndSwap(w, 0) {
			select {
			case f.wake <- struct{}{}:
			default:
			}
		}
	}
}

// waitDelivered blocks until at least n deliveries have been made.
func (f *fanState) waitDelivered(n uint64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for f.delivered.Load() < n {
		f.waitFor.Store(n)
		if f.delivered.Load() >= n {
			break
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("stalled: %d of %d deliveries", f.delivered.Load(), n)
		}
		select {
		case <-f.wake:
		case <-time.After(min(left, 100*time.Millisecond)):
		}
	}
	return nil
}

// runFanout is the fanout, fanout-paced and rooms scenarios: one sender emits
// 64-byte events that the server broadcasts to all receivers (rooms == 0) or
// to one of rooms rooms in turn. Unpaced (rate == 0), at most window events
// are in flight: the sender waits for their deliveries before the next one.
// With cfg.url2 (fanout-cluster), the second half of the receivers connect
// to that node, and every delivery there crossed the cluster's adapter.
func runFanout(ctx context.Context, cfg config, rooms int, rate float64) (*result, error) {
	addr, err := wsURL(cfg.url)
	if err != nil {
		return nil, err
	}
	f := &fanState{event: "broadcast", wake: make(chan struct{}, 1)}
	if rooms > 0 {
		f.event = "room"
	}
	recv := make([]*fanReceiver, cfg.clients)
	for i := range recv {
		recv[i] = &fanReceiver{}
		if rooms > 0 {
			recv[i].room = i % rooms
		}
	}
	local := cfg.clients // receivers on the sender's node
	if cfg.url2 != "" {
		local = (cfg.clients + 1) / 2
	}
	clients, err := dialMany(ctx, addr, local, 64, func(i int) func(*wsClient, []byte) { return f.onPacket(recv[i]) })
	if err != nil {
		return nil, err
	}
	defer func() { closeAll(clients) }()
	if cfg.url2 != "" {
		addr2, err := wsURL(cfg.url2)
		if err != nil {
			return nil, err
		}
		remote, err := dialMany(ctx, addr2, cfg.clients-local, 64, func(i int) func(*wsClient, []byte) { return f.onPacket(recv[local+i]) })
		if err != nil {
			return nil, fmt.Errorf("node 2: %w", err)
		}
		clients = append(clients, remote...)
	}
	if rooms > 0 {
		if err := joinRooms(ctx, clients, rooms); err != nil {
			return nil, err
		}
	}
	sender, err := dialWS(ctx, addr, nil, nil)
	if err != nil {
		return nil, err
	}
	defer sender.close()

	fan := uint64(cfg.clients) // deliveries per event
	streams := 1
	if rooms > 0 {
		fan = uint64(cfg.clients / rooms)
		streams = rooms
	}
	seqs := make([]uint64, streams) // events sent per stream
	var sent uint64
	var frame, payload []byte
	roomNames := make([][]byte, streams)
	for r := range roomNames {
		roomNames[r] = fmt.Appendf(nil, "r%d", r)
	}
	send := func(sentNs int64) error {
		r := int(sent % uint64(streams))
		payload = appendPayload(payload[:0], seqs[r], sentNs, recv0Room(rooms, r))
		if rooms > 0 {
			frame = appendEvent(frame[:0], 0, "room", roomNames[r], payload)
		} else {
			frame = appendEvent(frame[:0], 0, "broadcast", payload)
		}
		seqs[r]++
		sent++
		return sender.send(frame)
	}

	start := time.Now()
	warmEnd := start.Add(cfg.warmup)
	end := warmEnd.Add(cfg.duration)
	warm := false
	var m *meter
	var deliveredAtWarm uint64
	// The window counts events to all receivers: with rooms, as many events
	// per room, so that as many deliveries are in flight.
	window := uint64(cfg.window * streams)
	interval := time.Duration(0)
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	for {
		t := time.Now()
		if !warm && !t.Before(warmEnd) {
			warm = true
			// Every stream's next event is its first measured one.
			f.warmSeq.Store(maxOf(seqs))
			deliveredAtWarm = f.delivered.Load()
			m = startMeter(cfg.pid, cfg.pid2)
		}
		if !t.Before(end) {
			break
		}
		sentNs := now()
		if interval > 0 {
			// Paced: the latency counts from the scheduled time, so that a
			// server falling behind cannot hide it (coordinated omission).
			due := start.Add(time.Duration(sent) * interval)
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			sentNs = int64(due.Sub(base))
		} else if sent >= window {
			if err := f.waitDelivered((sent-window+1)*fan, 10*time.Second); err != nil {
				return nil, err
			}
		}
		if err := send(sentNs); err != nil {
			return nil, fmt.Errorf("send: %w", err)
		}
	}
	deliveredAtEnd := f.delivered.Load()
	m.stop()
	drainErr := f.waitDelivered(sent*fan, 10*time.Second)

	res := newResult()
	res.metric("deliveries_per_s", float64(deliveredAtEnd-deliveredAtWarm)/m.wall.Seconds())
	res.metric("events_per_s", float64(deliveredAtEnd-deliveredAtWarm)/float64(fan)/m.wall.Seconds())
	var lat histogram
	var lost, dup, corrupt, wrong uint64
	for _, r := range recv {
		r.st.finish(seqs[r.room])
		lat.merge(&r.lat)
		lost += r.st.lost
		dup += r.st.dup
		corrupt += r.corrupt
		wrong += r.wrongRoom
	}
	res.latency(&lat)
	res.cpu(m)
	res.check("lost", lost)
	res.check("duplicate", dup)
	res.check("corrupt", corrupt)
	res.check("wrong_room", wrong)
	res.metric("deliveries", float64(sent*fan))
	res.metric("receivers", float64(cfg.clients))
	if cfg.url2 != "" {
		res.metric("nodes", 2)
		res.metric("remote_receivers", float64(cfg.clients-local))
	}
	if drainErr != nil {
		res.errors = append(res.errors, drainErr.Error())
	}
	return res, nil
}

// recv0Room is the room index a payload of stream r carries.
func recv0Room(rooms, r int) int {
	if rooms == 0 {
		return 0
	}
	return r
}

func maxOf(s []uint64) uint64 {
	var m uint64
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// joinRooms puts client i into room "r<i%rooms>" and waits for the acks.
func joinRooms(ctx context.Context, clients []*wsClient, rooms int) error {
	acks := make(chan struct{}, len(clients))
	for i, c := range clients {
		prev := c.onPacket
		c.onPacket = func(c *wsClient, pkt []byte) {
			if len(pkt) > 0 && pkt[0] == '3' {
				acks <- struct{}{}
				return
			}
			prev(c, pkt)
		}
		if err := c.send(appendEvent(nil, 1, "join", fmt.Appendf(nil, "r%d", i%rooms))); err != nil {
			return err
		}
	}
	timeout := time.After(30 * time.Second)
	for range clients {
		select {
		case <-acks:
		case <-timeout:
			return fmt.Errorf("join: timed out waiting for acks")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
