// The reference server of the benchmarks: the official Socket.IO server
// (npm "socket.io", pinned in package.json) with default options and the same
// events as the Go bench fixture in test/testserver/bench.go:
//
//   "echo"(...args, ack)   -> ack(...args)
//   "broadcast"(payload)   -> io.emit("broadcast", payload)
//   "join"(room, ack?)     -> socket.join(room), then ack()
//   "room"(room, payload)  -> io.to(room).emit("room", payload)
//
//   node bench/node/server.mjs [--addr 127.0.0.1:PORT] [--redis URL --redis-key KEY]
//
// With --redis it is a node of a cluster on @socket.io/redis-streams-adapter
// (stream and channel prefix KEY) with connection state recovery on, the
// reference of `make bench-cluster`'s cluster-streams setup.
//
// Port 0 (the default) picks a free port. Once ready it prints
// "listening on http://ADDR", like bin/testserver. SIGTERM or SIGINT closes it.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Server } from "socket.io";

const { values: opts } = parseArgs({
  options: {
    addr: { type: "string", default: "127.0.0.1:0" },
    redis: { type: "string" },
    "redis-key": { type: "string", default: "socket.io" },
  },
});
const sep = opts.addr.lastIndexOf(":");
const host = opts.addr.slice(0, sep) || "127.0.0.1";
const port = Number(opts.addr.slice(sep + 1));

const serverOpts = {};
if (opts.redis) {
  const { createClient } = await import("redis");
  const { createAdapter } = await import("@socket.io/redis-streams-adapter");
  const client = createClient({ url: opts.redis });
  client.on("error", (err) => console.error("redis:", err.message));
  await client.connect();
  const key = opts["redis-key"];
  serverOpts.adapter = createAdapter(client, { streamName: key, channelPrefix: key });
  serverOpts.connectionStateRecovery = {};
}
const httpServer = createServer();
const io = new Server(httpServer, serverOpts);

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
