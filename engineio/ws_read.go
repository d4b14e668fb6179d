package engineio

import (
	"github.com/duplexio/duplex/internal/wspoll"
)

// Reading WebSockets.
//
// A goroutine blocked in a read per connection, with its bufio.Reader,
// costs 8 KiB or more for every idle client; most of a server's clients
// are idle most of the time. Where it can (Linux, TCP and Unix sockets),
// the server reads WebSockets with one epoll poller (internal/wspoll):
// nothing but a small struct per idle connection. Elsewhere (TLS, other
// systems) gws reads on a goroutine per connection as before.

// poll returns the server's poller, started on first use, or nil when
// there is none (not Linux, or the server shut down).
func (srv *Server) poll() *wspoll.Poller {
	srv.pollOnce.Do(func() {
		p, err := wspoll.NewPoller(wspoll.Options{MaxPayload: int(srv.opts.MaxHTTPBufferSize)})
		if err != nil {
			srv.opts.Logger.Debug("engineio: no epoll poller, a goroutine reads each WebSocket", "err", err)
			return
		}
		srv.poller = p
	})
	return srv.poller
}

// stopPolling closes the poller (every connection it still reads, then its
// goroutines) and keeps a new one from starting.
func (srv *Server) stopPolling() {
	srv.pollOnce.Do(func() {})
	if srv.poller != nil {
		_ = srv.poller.Close()
	}
}

// startReading reads t's WebSocket until it ends, without waiting: with
// the poller where it can, else on a goroutine of gws. srv.wg counts the
// connection until its read side has reported the end.
func (srv *Server) startReading(t *wsTransport) {
	srv.wg.Add()
	if p := srv.poll(); p != nil {
		// The session's WebSocket starts paused, and is resumed below
		// unless the session is paused: PauseReading may have run before
		// pc was known. A probe is read at once.
		pc, err := p.Add(t.nc, (*polledWS)(t), wspoll.ConnOptions{WriteLock: &t.wmu, Paused: !t.probing})
		if err == nil {
			t.s.mu.Lock()
			t.pc.Store(pc)
			if t.s.transport == transport(t) {
				t.pauseRead(t.s.paused != 0)
			}
			t.s.mu.Unlock()
			if t.closed.Load() { // closed by the session while Add ran
				_ = pc.Close()
			}
			t.conn = nil // drop gws's reader and its buffer
			return
		}
	}
	t.conn.Session().Store("", t)
	go func() {
		defer srv.wg.Done()
		t.conn.ReadLoop()
	}()
}

// polledWS is a wsTransport as the poller's handler.
type polledWS wsTransport

func (h *polledWS) OnMessage(data []byte, binary bool) { (*wsTransport)(h).onMessage(data, binary) }

func (h *polledWS) OnPing(payload []byte) { _ = (*wsTransport)(h).writeControl(opPong, payload) }

func (h *polledWS) OnClose(err error) {
	t := (*wsTransport)(h)
	t.onClose(err)
	t.s.srv.wg.Done()
}
