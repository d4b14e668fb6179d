package engineio_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/webtransport-go"

	"github.com/duplexio/duplex/engineio"
	"github.com/duplexio/duplex/engineio/packet"
	"github.com/duplexio/duplex/internal/wttest"
)

// Serving the webtransport transport: name it in Options.Transports, and
// mount WebTransportHandler on an HTTP/3 server with WebTransport enabled,
// on the UDP port of the HTTP server (where browsers look for it). Here a
// client opens a session directly on WebTransport and gets the handshake.
func ExampleServer_WebTransportHandler() {
	srv := engineio.NewServer(&engineio.Options{
		Transports: []string{engineio.TransportPolling, engineio.TransportWebSocket, engineio.TransportWebTransport},
	}, func(s *engineio.Session) engineio.Receiver { return echoReceiver{s} })
	defer srv.Shutdown(context.Background())

	cert, _ := wttest.GenerateCert()                 // in production: tls.LoadX509KeyPair
	udp, _ := net.ListenPacket("udp", "127.0.0.1:0") // in production: ":443"
	wt := &webtransport.Server{
		H3: &http3.Server{TLSConfig: http3.ConfigureTLSConfig(&tls.Config{Certificates: []tls.Certificate{cert.TLS}})},
		// The engine checks the Origin against Options.CORS.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	webtransport.ConfigureHTTP3Server(wt.H3)
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv.WebTransportHandler(wt))
	wt.H3.Handler = mux
	go wt.Serve(udp)
	defer wt.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := fmt.Sprintf("https://localhost:%d/engine.io/", udp.LocalAddr().(*net.UDPAddr).Port)
	c, err := wttest.Dial(ctx, url, cert, "") // a raw client: opens the stream, sends an OPEN packet
	if err != nil {
		panic(err)
	}
	defer c.Close()
	p, _ := c.Recv(10 * time.Second)
	fmt.Println(p.Type, string(p.Data[:8]))
	_ = c.Send(packet.Packet{Type: packet.Message, Data: []byte("hello")})
	p, _ = c.Recv(10 * time.Second)
	fmt.Println(p.Type, string(p.Data))
	// Output:
	// open {"sid":"
	// message hello
}
