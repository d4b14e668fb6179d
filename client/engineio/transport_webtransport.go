package engineio

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio/packet"
)

// wtTransport is a WebTransport session (HTTP/3): the Engine.IO packets
// framed on its one bidirectional stream, as engine.io-client's
// webtransport transport (see docs/webtransport.md), opened directly or
// as the upgrade of a polling connection. Its reads run on a goroutine
// started by the handover (handOver); before it, awaitFirst reads.
type wtTransport struct {
	e    *Conn
	tr   *webtransport.Transport
	sess *webtransport.Session
	str  *webtransport.Stream
	dec  *packet.StreamReader
	buf  []byte // framed packets, used by one writer at a time
	once sync.Once
}

var _ transport = (*wtTransport)(nil)

func (t *wtTransport) name() string { return TransportWebTransport }

// openWebTransport performs the handshake over WebTransport: the client
// opens the stream and writes an OPEN packet, the server answers with its
// own.
func (e *Conn) openWebTransport(ctx context.Context) error {
	t, err := dialWebTransport(ctx, e, "")
	if err != nil {
		return fmt.Errorf("engineio: webtransport handshake: %w", err)
	}
	p, err := t.awaitFirst(ctx)
	if err == nil && p.Type != packet.Open {
		err = fmt.Errorf("first packet is %v, not open", p.Type)
	}
	if err == nil {
		err = e.start(t, p.Data)
	}
	if err != nil {
		t.close()
		return fmt.Errorf("engineio: webtransport handshake: %w", err)
	}
	t.handOver(e.onPacket)
	return nil
}

// dialWebTransport opens the session and its stream and sends the OPEN
// packet: with {"sid":sid} to probe the upgrade of session sid.
func dialWebTransport(ctx context.Context, e *Conn, sid string) (*wtTransport, error) {
	cfg := e.cfg.tls
	if cfg == nil {
		cfg = &tls.Config{}
	}
	t := &wtTransport{e: e, tr: &webtransport.Transport{
		TLSClientConfig: cfg.Clone(),
		QUICConfig:      &quic.Config{EnableDatagrams: true, EnableStreamResetPartialDelivery: true},
	}}
	rsp, sess, err := t.tr.Dial(ctx, wtURL(e.cfg.base), e.cfg.header.Clone())
	if err != nil {
		_ = t.tr.Close()
		if rsp != nil && rsp.StatusCode != http.StatusOK {
			return nil, &HTTPError{StatusCode: rsp.StatusCode}
		}
		return nil, err
	}
	t.sess = sess
	if t.str, err = sess.OpenStreamSync(ctx); err == nil {
		t.dec = packet.NewStreamReader(t.str, maxReadSize)
		open := packet.Packet{Type: packet.Open}
		if sid != "" {
			open.Data, _ = json.Marshal(map[string]string{"sid": sid})
		}
		err = t.write(ctx, []packet.Packet{open})
	}
	if err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

// wtURL is the engine's URL over https, without a query: engine.io-client
// sends none on WebTransport, and the server reads nothing from it.
func wtURL(base *url.URL) string {
	u := *base
	u.Scheme, u.RawQuery = "https", ""
	return u.String()
}

// awaitFirst reads the first packet (the server's OPEN, or "3probe"),
// within ctx.
func (t *wtTransport) awaitFirst(ctx context.Context) (packet.Packet, error) {
	if d, ok := ctx.Deadline(); ok {
		_ = t.str.SetReadDeadline(d)
	}
	p, err := t.dec.Next()
	_ = t.str.SetReadDeadline(time.Time{})
	if err != nil {
		return p, err
	}
	p.Data = append([]byte(nil), p.Data...)
	return p, nil
}

// handOver starts the read loop, which hands sink every packet.
func (t *wtTransport) handOver(sink func(packet.Packet) bool) {
	t.e.goTracked(func() { t.readLoop(sink) })
}

// writeText writes one packet given in its text form.
func (t *wtTransport) writeText(s string) error {
	p, err := packet.Decode([]byte(s), false)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.e.cfg.timeout)
	defer cancel()
	return t.write(ctx, []packet.Packet{p})
}

// readLoop hands sink every packet until the stream or the session ends.
func (t *wtTransport) readLoop(sink func(packet.Packet) bool) {
	for {
		p, err := t.dec.Next()
		var se *webtransport.SessionError
		switch {
		case errors.Is(err, packet.ErrInvalidPacket):
			t.e.transportFailed(t, err)
			t.close()
			return
		case errors.Is(err, io.EOF) || errors.As(err, &se):
			t.e.transportEnded(t, ReasonTransportClose, nil)
			return
		case err != nil:
			t.e.transportFailed(t, err)
			return
		}
		if !sink(p) {
			t.close()
			return
		}
	}
}

// write frames pkts and writes them in one call.
func (t *wtTransport) write(ctx context.Context, pkts []packet.Packet) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(t.e.cfg.timeout)
	}
	_ = t.str.SetWriteDeadline(deadline)
	t.buf = t.buf[:0]
	for _, p := range pkts {
		t.buf = packet.AppendStreamFrame(t.buf, p)
	}
	_, err := t.str.Write(t.buf)
	return err
}

// close closes the session and the QUIC connection; the read loop ends.
func (t *wtTransport) close() {
	t.once.Do(func() {
		if t.sess != nil {
			_ = t.sess.CloseWithError(0, "")
		}
		_ = t.tr.Close()
	})
}
