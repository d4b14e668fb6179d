package eiotest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/lxzan/gws"
)

// Frame is one WebSocket data frame.
type Frame struct {
	Data   []byte
	Binary bool
}

// WS is a raw WebSocket client that sees frames, not packets: for tests of
// what a well-behaved Conn never sends (probes that go wrong, invalid UTF-8,
// oversized frames). It is safe for concurrent use.
type WS struct {
	conn   *gws.Conn
	frames chan Frame
	quit   chan struct{} // closed by Close: a full frames channel no longer blocks
	done   chan struct{} // closed when the read loop has ended
	err    error         // why it ended; set before done is closed
	once   sync.Once
}

// DialWS opens a WebSocket to url (ws://...) with the extra header h. On a
// refused handshake the error is an *HTTPError with the server's answer.
func DialWS(ctx context.Context, url string, h http.Header) (*WS, error) {
	w := &WS{frames: make(chan Frame, 1024), quit: make(chan struct{}), done: make(chan struct{})}
	conn, err := dialGWS(ctx, url, h, &wsHandler{
		onFrame: func(f Frame) {
			select {
			case w.frames <- f:
			case <-w.quit:
			}
		},
		onClose: func(err error) { w.err = err; close(w.done) },
	})
	if err != nil {
		return nil, err
	}
	w.conn = conn
	go conn.ReadLoop()
	return w, nil
}

// dialGWS dials with gws and turns a refused handshake into an *HTTPError.
func dialGWS(ctx context.Context, url string, h http.Header, handler gws.Event) (*gws.Conn, error) {
	timeout := DefaultTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	conn, resp, err := gws.NewClient(handler, &gws.ClientOption{
		Addr:             url,
		RequestHeader:    h.Clone(),
		HandshakeTimeout: timeout,
	})
	if err == nil {
		return conn, nil
	}
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, readHTTPError(resp)
	}
	return nil, fmt.Errorf("eiotest: dial %s: %w", url, err)
}

// WriteText sends a text frame (not checked for UTF-8).
func (w *WS) WriteText(s string) error { return w.conn.WriteMessage(gws.OpcodeText, []byte(s)) }

// WriteBinary sends a binary frame.
func (w *WS) WriteBinary(b []byte) error { return w.conn.WriteMessage(gws.OpcodeBinary, b) }

// Recv returns the next frame, ErrClosed once the connection has ended and
// every frame was read, or an ErrTimeout after d.
func (w *WS) Recv(d time.Duration) (Frame, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case f := <-w.frames:
		return f, nil
	case <-w.done:
		select {
		case f := <-w.frames:
			return f, nil
		default:
			return Frame{}, ErrClosed
		}
	case <-timer.C:
		return Frame{}, fmt.Errorf("%w after %v", ErrTimeout, d)
	}
}

// Closed is closed when the connection has ended, whoever ended it.
func (w *WS) Closed() <-chan struct{} { return w.done }

// Err returns why the connection ended (a *gws.CloseError for a close
// frame); valid once Closed is closed.
func (w *WS) Err() error {
	<-w.done
	return w.err
}

// Close sends a close frame (1000), closes the connection and waits for the
// read loop to end.
func (w *WS) Close() {
	w.once.Do(func() {
		close(w.quit)
		_ = w.conn.WriteClose(1000, nil)
		_ = w.conn.NetConn().Close()
	})
	<-w.done
}

// wsHandler adapts gws callbacks to two funcs. Frames are copied: gws
// reuses its buffers once OnMessage returns.
type wsHandler struct {
	onFrame func(Frame)
	onClose func(error)
}

func (h *wsHandler) OnOpen(*gws.Conn) {}

func (h *wsHandler) OnClose(_ *gws.Conn, err error) { h.onClose(err) }

func (h *wsHandler) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func (h *wsHandler) OnPong(*gws.Conn, []byte) {}

func (h *wsHandler) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	h.onFrame(Frame{Data: append([]byte(nil), m.Bytes()...), Binary: m.Opcode == gws.OpcodeBinary})
}
