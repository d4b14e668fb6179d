package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/duplexio/duplex/client/engineio"
)

// errGaveUp is what sockets waiting to connect get when the Manager stops
// reconnecting after its last attempt.
var errGaveUp = errors.New("client: reconnection failed: no attempts left")

// backoff computes reconnection delays as socket.io-client's backo2 does:
// min * 2^attempt, spread by ±jitter, capped at max.
type backoff struct {
	min, max time.Duration
	jitter   float64
	attempts int
}

func (b *backoff) duration() time.Duration {
	ms := float64(b.min) * math.Pow(2, float64(min(b.attempts, 62)))
	b.attempts++
	if b.jitter > 0 {
		r := rand.Float64()
		dev := math.Floor(r * b.jitter * ms)
		if int(math.Floor(r*10))&1 == 0 {
			ms -= dev
		} else {
			ms += dev
		}
	}
	return time.Duration(min(ms, float64(b.max)))
}

// connectLoop is the goroutine that opens the connection, and keeps trying
// while reconnecting.
type connectLoop struct {
	m         *Manager
	ctx       context.Context
	cancel    context.CancelFunc
	reconnect bool // a reconnection: wait before each attempt, emit the events
}

// startLoopLocked starts a connect loop; m.mu is held and no loop runs.
func (m *Manager) startLoopLocked(reconnect bool) {
	ctx, cancel := context.WithCancel(m.ctx)
	l := &connectLoop{m: m, ctx: ctx, cancel: cancel, reconnect: reconnect}
	m.loop = l
	m.goBackground(l.run)
}

func (l *connectLoop) run() {
	defer l.cancel()
	m := l.m
	b := &backoff{min: m.opts.ReconnectionDelay, max: m.opts.ReconnectionDelayMax, jitter: m.opts.RandomizationFactor}
	for attempt := 0; ; {
		if l.reconnect {
			if n := m.opts.ReconnectionAttempts; n > 0 && attempt >= n {
				m.reconnectFailed(l)
				return
			}
			if !sleep(l.ctx, b.duration()) {
				return
			}
			attempt++
			m.emitInt(m.listenersOf(func(ls *managerListeners) []func(int) { return ls.reconnectAttempt }), attempt)
		}
		err := l.attempt(attempt)
		if err == nil || !m.attemptFailed(l, err) {
			return
		}
		l.reconnect = true
	}
}

// attempt dials once and installs the connection; nil when the loop is
// done (installed, or no longer wanted).
func (l *connectLoop) attempt(attempt int) error {
	m := l.m
	ctx, cancel := context.WithTimeout(l.ctx, m.opts.Timeout)
	defer cancel()
	e, err := engineio.Dial(ctx, m.cfg, &conn{m: m})
	if err != nil {
		if l.ctx.Err() != nil {
			return nil // stopped meanwhile
		}
		return fmt.Errorf("client: cannot connect to %s: %w", m.cfg.URL.Host, err)
	}
	return m.install(l, e, attempt)
}

// install makes e the Manager's connection and has the sockets that want
// to be connected send their CONNECT. It fails when e died at once.
func (m *Manager) install(l *connectLoop, e engineConn, attempt int) error {
	m.mu.Lock()
	if m.loop != l || m.closed || !m.hasActiveLocked() {
		if m.loop == l {
			m.loop = nil
		}
		m.mu.Unlock()
		m.closeLater(e)
		return nil
	}
	select {
	case <-e.Context().Done():
		m.mu.Unlock()
		return fmt.Errorf("client: connection to %s closed at once", m.cfg.URL.Host)
	default:
	}
	m.eng, m.loop = e, nil
	for _, s := range m.sockets {
		if s.wantsConnect() {
			s.dispatch(func() { s.sendConnect(e) })
		}
	}
	ls := m.listeners
	m.mu.Unlock()
	m.opts.Logger.Debug("client: connected", "sid", e.ID(), "attempt", attempt)
	for _, fn := range ls.open {
		m.events.dispatch(fn)
	}
	if l.reconnect {
		m.emitInt(ls.reconnect, attempt)
	}
	return nil
}

// attemptFailed tells the sockets that wait to connect, and reports
// whether to try again.
func (m *Manager) attemptFailed(l *connectLoop, err error) bool {
	m.mu.Lock()
	if m.loop != l {
		m.mu.Unlock()
		return false
	}
	for _, s := range m.sockets {
		s.connectFailedLocked(err)
	}
	again := !m.closed && !m.opts.DisableReconnection && m.hasActiveLocked()
	if !again {
		m.loop = nil
	}
	fns := m.listeners.reconnectError
	m.mu.Unlock()
	m.opts.Logger.Debug("client: connection attempt failed", "err", err)
	if l.reconnect {
		for _, fn := range fns {
			m.events.dispatch(func() { fn(err) })
		}
	}
	return again
}

// reconnectFailed gives up: the sockets that wanted to be connected are
// closed.
func (m *Manager) reconnectFailed(l *connectLoop) {
	m.mu.Lock()
	if m.loop != l {
		m.mu.Unlock()
		return
	}
	m.loop = nil
	for _, s := range m.sockets {
		s.mu.Lock()
		if s.state == stateConnecting {
			s.endLocked(ReasonTransportClose, errGaveUp, false)
		}
		s.mu.Unlock()
	}
	fns := m.listeners.reconnectFailed
	m.mu.Unlock()
	for _, fn := range fns {
		m.events.dispatch(fn)
	}
}

// listenersOf returns a copy of a listener list, read under m.mu.
func (m *Manager) listenersOf(get func(*managerListeners) []func(int)) []func(int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return get(&m.listeners)
}

// emitInt dispatches fns with n.
func (m *Manager) emitInt(fns []func(int), n int) {
	for _, fn := range fns {
		m.events.dispatch(func() { fn(n) })
	}
}

// sleep waits d, or less if ctx ends first; it reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
