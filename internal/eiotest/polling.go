package eiotest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/duplexio/duplex/engineio/packet"
)

// handshakePolling opens the session with a GET and starts the poll loop
// with what came after the OPEN packet in the same payload.
func (c *Conn) handshakePolling(ctx context.Context) error {
	pkts, err := c.get(ctx)
	if err != nil {
		return err
	}
	if pkts[0].Type != packet.Open {
		return fmt.Errorf("eiotest: first packet %v %q, want open", pkts[0].Type, pkts[0].Data)
	}
	if err := c.setOpen(pkts[0].Data); err != nil {
		return err
	}
	c.wg.Add(1)
	go c.pollLoop(pkts[1:])
	return nil
}

// pollLoop polls until the server ends the session, Close is called, or an
// upgrade has released the last poll with a noop.
func (c *Conn) pollLoop(first []packet.Packet) {
	defer c.wg.Done()
	defer close(c.pollDone)
	if c.handlePolled(first) {
		return
	}
	for {
		pkts, err := c.get(c.ctx)
		if err != nil {
			if c.ctx.Err() == nil {
				c.end(err)
			}
			return
		}
		if c.handlePolled(pkts) {
			return
		}
	}
}

// handlePolled delivers the packets of one poll and reports whether polling
// is over.
func (c *Conn) handlePolled(pkts []packet.Packet) (stop bool) {
	for _, p := range pkts {
		switch {
		case p.Type == packet.Ping && !c.opts.NoAutoPong:
			_ = c.post([]byte("3"))
		case p.Type == packet.Noop && c.isProbing():
			stop = true // deliver the rest of this payload, then stop
		case p.Type == packet.Close:
			c.deliver(p)
			c.end(nil)
			return true
		default:
			c.deliver(p)
		}
	}
	return stop
}

func (c *Conn) isProbing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.probing
}

// get sends one polling GET and decodes the payload.
func (c *Conn) get(ctx context.Context) ([]packet.Packet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL("polling"), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	pkts, err := packet.DecodePayload(body)
	if err != nil {
		return nil, fmt.Errorf("eiotest: poll payload %q: %w", body, err)
	}
	return pkts, nil
}

// post sends one polling POST and expects the server's "ok".
func (c *Conn) post(body []byte) error {
	c.postMu.Lock()
	defer c.postMu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL("polling"), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	resp, err := c.do(req)
	if err != nil {
		return err
	}
	ok, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if string(ok) != "ok" {
		return fmt.Errorf("eiotest: POST answered %q, want \"ok\"", ok)
	}
	return nil
}

// do sends req with the options' headers and turns a status other than 200
// into an *HTTPError.
func (c *Conn) do(req *http.Request) (*http.Response, error) {
	for k, v := range c.opts.Header {
		req.Header[k] = v
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, readHTTPError(resp)
	}
	return resp, nil
}
