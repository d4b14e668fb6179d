// The official Socket.IO server (npm "socket.io", pinned in package.json)
// with the events the Go client tests drive, the same as the Go fixture in
// test/fixture (Echo, Control, Restrict):
//
//   node test/nodeserver/server.mjs [--port N] [--ping-interval MS]
//        [--ping-timeout MS] [--recovery] [--msgpack]
//
// Port 0 (the default) picks a free port. Once ready it prints
// "listening on http://127.0.0.1:PORT". SIGTERM closes it.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { Server } from "socket.io";

const { values: opts } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "ping-interval": { type: "string", default: "25000" },
    "ping-timeout": { type: "string", default: "20000" },
    recovery: { type: "boolean", default: false },
    msgpack: { type: "boolean", default: false },
  },
});

const httpServer = createServer();
const io = new Server(httpServer, {
  pingInterval: Number(opts["ping-interval"]),
  pingTimeout: Number(opts["ping-timeout"]),
  maxHttpBufferSize: 1e6,
  cors: { origin: "*" },
  connectionStateRecovery: opts.recovery
    ? { maxDisconnectionDuration: 60_000, skipMiddlewares: true }
    : undefined,
  parser: opts.msgpack ? createRequire(import.meta.url)("socket.io-msgpack-parser") : undefined,
});

// popAck removes and returns the ack callback of a handler's arguments.
function popAck(args) {
  return typeof args[args.length - 1] === "function" ? args.pop() : () => {};
}

function setup(socket) {
  socket.emit("auth", socket.handshake.auth);
  socket.on("message", (...args) => socket.emit("message-back", ...args));
  socket.on("message-with-ack", (...args) => popAck(args)(...args));
  socket.on("request-ack", (ms, ...rest) => {
    const ack = popAck(rest);
    socket.timeout(ms).emit("server-request", ...rest, (err, ...resp) => {
      ack(err ? { error: "timeout" } : { ok: true, args: resp });
    });
  });
  socket.on("disconnect-me", (close) => socket.disconnect(close));
  socket.on("drop-transport", () => socket.conn.close());
  socket.on("engine-id", (ack) => ack(socket.conn.id));
  socket.on("types", (...args) => {
    const ack = popAck(args);
    ack(args.map((v) => (Buffer.isBuffer(v) ? "binary" : v === null ? "null" : Array.isArray(v) ? "array" : typeof v)));
  });
  socket.on("broadcast-tick", (n) => io.emit("tick", n));
  socket.on("drop-and-tick", (n, ms) => {
    socket.conn.close();
    setTimeout(() => io.emit("tick", n), ms);
  });
}

io.of("/").on("connection", setup);
io.of("/custom").on("connection", setup);

const restricted = io.of("/restricted");
restricted.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "secret") {
    return next();
  }
  const err = new Error("not authorized");
  err.data = { code: 42 };
  next(err);
});
restricted.on("connection", (socket) => socket.emit("auth", socket.handshake.auth));

httpServer.listen(Number(opts.port), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${httpServer.address().port}`);
});

process.on("SIGTERM", () => {
  io.close();
  process.exit(0);
});
