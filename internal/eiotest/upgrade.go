package eiotest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// Upgrade moves a polling Conn onto a WebSocket as engine.io-client does:
// it opens the WebSocket with the sid, sends "2probe" and waits for
// "3probe", waits for the noop that releases the pending poll (the packets
// of that last poll are delivered first), then sends "5". It fails the test
// on error.
func (c *Conn) Upgrade(t testing.TB) {
	t.Helper()
	if err := c.upgrade(); err != nil {
		t.Fatalf("eiotest: upgrade: %v", err)
	}
}

func (c *Conn) upgrade() error {
	c.mu.Lock()
	if c.ws != nil || c.probing {
		c.mu.Unlock()
		return errors.New("not a polling connection")
	}
	c.probing = true
	c.mu.Unlock()

	probe := make(chan Frame, 16)
	probeEnded := make(chan struct{})
	var live atomic.Bool // frames now belong to the session
	h := &wsHandler{
		onFrame: func(f Frame) {
			if live.Load() {
				c.onWSFrame(f)
				return
			}
			select {
			case probe <- f:
			default:
			}
		},
		onClose: func(err error) {
			if live.Load() {
				c.end(err)
			}
			close(probeEnded)
		},
	}
	ctx, cancel := context.WithTimeout(c.ctx, DefaultTimeout)
	defer cancel()
	ws, err := dialGWS(ctx, c.URL("websocket"), c.opts.Header, h)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.probes = append(c.probes, ws)
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ws.ReadLoop()
	}()
	if err := c.probe(ws, probe, probeEnded); err != nil {
		_ = ws.NetConn().Close()
		return err
	}
	live.Store(true)
	if err := c.waitPollDone(probeEnded); err != nil {
		_ = ws.NetConn().Close()
		return err
	}
	c.mu.Lock()
	c.ws = ws
	c.mu.Unlock()
	return ws.WriteString("5")
}

// probe sends "2probe" and waits for the answer.
func (c *Conn) probe(ws *gws.Conn, probe <-chan Frame, ended <-chan struct{}) error {
	if err := ws.WriteString("2probe"); err != nil {
		return err
	}
	timer := time.NewTimer(DefaultTimeout)
	defer timer.Stop()
	select {
	case f := <-probe:
		if f.Binary || string(f.Data) != "3probe" {
			return fmt.Errorf("probe answered %q, want \"3probe\"", f.Data)
		}
		return nil
	case <-ended:
		return errors.New("probe closed by the server")
	case <-timer.C:
		return errors.New("no answer to the probe")
	}
}

// waitPollDone waits until the poll loop has seen the noop and stopped.
func (c *Conn) waitPollDone(probeEnded <-chan struct{}) error {
	timer := time.NewTimer(DefaultTimeout)
	defer timer.Stop()
	select {
	case <-c.pollDone:
	case <-probeEnded:
		return errors.New("probe closed by the server before the noop")
	case <-timer.C:
		return errors.New("no noop on the poll")
	}
	select {
	case <-c.done:
		return fmt.Errorf("session ended during the upgrade: %v", c.endErr)
	default:
		return nil
	}
}
