// The reference server of the benchmarks: the official Socket.IO server
// (npm "socket.io", pinned in package.json) with default options and the same
// events as the Go bench fixture in test/testserver/bench.go:
//
//   "echo"(...args, ack)   -> ack(...args)
//   "broadcast"(payload)   -> io.emit("broadcast", payload)
//   "join"(room, ack?)     -> socket.join(room), then ack()
//   "room"(room, payload)  -> io.to(room).emit("room", payload)
//
//   node bench/node/server.mjs [--addr 127.0.0.1:PORT]
//
// Port 0 (the default) picks a free port. Once ready it prints
// "listening on http://ADDR", like bin/testserver. SIGTERM or SIGINT closes it.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Server } from "socket.io";

const { values: opts } = parseArgs({
  options: { addr: { type: "string", default: "127.0.0.1:0" } },
});
const sep = opts.addr.lastIndexOf(":");
const host = opts.addr.slice(0, sep) || "127.0.0.1";
const port = Number(opts.addr.slice(sep + 1));

const httpServer = createServer();
const io = new Server(httpServer);

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  socket.on("broadcast", (payload) => io.emit("broadcast", payload));
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("room", (room, payload) => io.to(room).emit("room", payload));
});

httpServer.listen(port, host, () => {
  const { address, port } = httpServer.address();
  console.log(`listening on http://${address}:${port}`);
});

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    io.close();
    process.exit(0);
  });
}
