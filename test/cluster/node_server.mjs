// A Node cluster node for the mixed-cluster tests (cluster_test.go):
// socket.io with the official classic Redis adapter, as its docs set it up,
// plus the official Redis emitter. The Go test drives it over stdin/stdout,
// one JSON object a line:
//
//   stdin:  {"id": 1, "cmd": "broadcast", ...}
//   stdout: {"ready": true, "port": 1234}           once listening
//           {"id": 1, "result": ...} or {"id": 1, "error": "..."}
//
// Environment: REDIS_URL, KEY (the adapter's key prefix), MODE (classic, the
// default: createAdapter; or sharded: createShardedAdapter, whose
// subscriptionMode is SUBSCRIPTION_MODE, default dynamic; or streams:
// @socket.io/redis-streams-adapter with streamName and channelPrefix KEY,
// sessions under KEY:session:). RECOVERY=1 turns connection state
// recovery on. PARSER=msgpack makes the server and its clients speak
// socket.io-msgpack-parser. ADMIN (a server id) turns on instrument() of
// @socket.io/admin-ui, without auth. The emitter speaks the classic
// protocol only.
//
// The process also hosts official socket.io-client sockets for the
// recovery tests (clientConnect, clientState, clientEmit, clientClose).
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { io as ioClient } from "socket.io-client";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";

const url = process.env.REDIS_URL;
if (!url) throw new Error("REDIS_URL is required: the Go test that spawns this node passes its own Redis");
const key = process.env.KEY || "socket.io";
const mode = process.env.MODE || "classic";
const parser = process.env.PARSER === "msgpack" ? createRequire(import.meta.url)("socket.io-msgpack-parser") : undefined;

const pubClient = createClient({ url });
const subClient = pubClient.duplicate();
const emitterClient = pubClient.duplicate();
for (const c of [pubClient, subClient, emitterClient]) c.on("error", (err) => console.error("redis:", err.message));
await Promise.all([pubClient.connect(), subClient.connect(), emitterClient.connect()]);

const httpServer = createServer();
const adapters = {
  sharded: () =>
    createShardedAdapter(pubClient, subClient, {
      channelPrefix: key,
      subscriptionMode: process.env.SUBSCRIPTION_MODE || "dynamic",
    }),
  streams: () =>
    createStreamsAdapter(pubClient, { streamName: key, channelPrefix: key, sessionKeyPrefix: key + ":session:" }),
  classic: () => createAdapter(pubClient, subClient, { key, requestsTimeout: 3000 }),
};
const opts = { adapter: adapters[mode]() };
if (process.env.RECOVERY === "1") opts.connectionStateRecovery = { maxDisconnectionDuration: 60000 };
if (parser) opts.parser = parser;
const io = new Server(httpServer, opts);
// ADMIN=ID: the official admin UI's server side, without auth, as node ID.
if (process.env.ADMIN) {
  const { instrument } = await import("@socket.io/admin-ui");
  instrument(io, { auth: false, serverId: process.env.ADMIN });
}
const emitter = new Emitter(emitterClient, { key });

io.on("connection", (socket) => {
  // Assigned field by field: instrument() keeps data._admin in there; a
  // recovered socket keeps the data it had.
  if (!socket.recovered) Object.assign(socket.data, { node: "node", name: socket.handshake.auth.name ?? null });
  socket.on("join", (room) => socket.join(room));
});
// Events that Go nodes send with ServerSideEmit.
io.on("ping-node", (n, cb) => cb(n + 1));
io.on("note", (text) => reply({ event: "note", text }));

// Binary travels as {"$bin": [bytes]} in the control protocol.
const toNode = (v) => (v && typeof v === "object" && Array.isArray(v.$bin) ? Buffer.from(v.$bin) : v);
const toJSON = (v) => (Buffer.isBuffer(v) ? { $bin: [...v] } : v);

function target(c) {
  let op = io;
  if (c.rooms) op = op.to(c.rooms);
  if (c.except) op = op.except(c.except);
  if (c.timeout) op = op.timeout(c.timeout);
  return op;
}

// Official clients, by name: their events in order and their state.
const clients = new Map();

const commands = {
  clientConnect: (c) => {
    const socket = ioClient(c.url, {
      transports: ["websocket"],
      auth: { name: c.name },
      reconnectionDelay: c.reconnectionDelay ?? 1000,
      randomizationFactor: 0,
      ...(parser ? { parser } : {}),
    });
    const state = { socket, events: [], connects: 0 };
    socket.onAny((event, ...args) => state.events.push([event, ...args.map(toJSON)]));
    socket.on("connect", () => state.connects++);
    clients.set(c.name, state);
    return new Promise((resolve) => socket.once("connect", () => resolve(socket.id)));
  },
  clientState: (c) => {
    const s = clients.get(c.name);
    return { id: s.socket.id ?? null, pid: s.socket._pid ?? null, connected: s.socket.connected, recovered: s.socket.recovered, connects: s.connects, events: s.events };
  },
  clientEmit: (c) => void clients.get(c.name).socket.emit(c.event, ...(c.args ?? [])),
  clientClose: (c) => void clients.get(c.name).socket.disconnect(),
  broadcast: (c) => target(c).emit(c.event, ...(c.args ?? []).map(toNode)),
  emitWithAck: async (c) => (await target(c).emitWithAck(c.event, ...(c.args ?? []).map(toNode))).map(toJSON),
  socketsJoin: (c) => target(c).socketsJoin(c.join),
  socketsLeave: (c) => target(c).socketsLeave(c.leave),
  disconnectSockets: (c) => target(c).disconnectSockets(!!c.close),
  fetchSockets: async (c) =>
    (await target(c).fetchSockets()).map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data, handshake: s.handshake })),
  serverSideEmit: (c) => io.serverSideEmit(c.event, ...(c.args ?? [])),
  serverSideEmitWithAck: (c) => io.serverSideEmitWithAck(c.event, ...(c.args ?? [])),
  allRooms: async () => [...(await io.of("/").adapter.allRooms())],
  serverCount: () => io.of("/").adapter.serverCount(),
  emitter: (c) => {
    let op = emitter;
    if (c.rooms) op = op.to(c.rooms);
    if (c.except) op = op.except(c.except);
    return op.emit(c.event, ...(c.args ?? []).map(toNode));
  },
  emitterJoin: (c) => emitter.in(c.rooms).socketsJoin(c.join),
  emitterServerSideEmit: (c) => emitter.serverSideEmit(c.event, ...(c.args ?? [])),
};

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

createInterface({ input: process.stdin }).on("line", async (line) => {
  let c;
  try {
    c = JSON.parse(line);
    const result = await commands[c.cmd](c);
    reply({ id: c.id, result: result ?? null });
  } catch (err) {
    reply({ id: c?.id, error: String(err?.message ?? err) });
  }
});
process.stdin.on("end", async () => {
  for (const { socket } of clients.values()) socket.disconnect();
  io.close();
  await Promise.allSettled([pubClient.quit(), subClient.quit(), emitterClient.quit()]);
  process.exit(0);
});

httpServer.listen(0, "127.0.0.1", () => reply({ ready: true, port: httpServer.address().port }));
