package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/internal/wttest"
	"github.com/duplexio/duplex/socketio"
)

// --transport webtransport (with --insecure for the test's self-signed
// certificate) runs the command over WebTransport.
func TestClientWebTransport(t *testing.T) {
	t.Parallel()
	io := socketio.NewServer(&socketio.Options{Engine: engineio.Options{
		Transports: []string{engineio.TransportPolling, engineio.TransportWebSocket, engineio.TransportWebTransport},
	}})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("ack", func(args socketio.Args, ack socketio.AckFunc) {
			v, _ := args.Values()
			ack(v...)
		})
	})
	t.Cleanup(func() { _ = io.Close() })
	conn := wttest.ListenUDP(t, 0)
	wttest.Serve(t, conn, wttest.NewCert(t), func(wt *webtransport.Server) http.Handler { return io.WebTransportHandler(wt) })
	url := fmt.Sprintf("https://localhost:%d", conn.LocalAddr().(*net.UDPAddr).Port)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	run(t, ctx, nil, url, "--transport", "webtransport", "--insecure", "--emit", "ack", `["over",3]`, "--ack").only("ack").
		want(t, 0, `{"ack":["over",3]}`)
}
