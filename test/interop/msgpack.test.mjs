// The msgpack parser: the official socket.io-client with
// socket.io-msgpack-parser against the test server started with
// `-parser msgpack`, in the three transport modes: connect with auth, events
// with nested values and binaries, acks both ways, rooms, broadcasts,
// namespaces (static, dynamic, refused), connection state recovery (the fixture's /recovery/ server), and a client
// with the default (JSON) parser refused with a parse error.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import {
  barrier,
  client,
  emitAck,
  forEachMode,
  it,
  once,
  open,
  openMany,
  plain,
  uniq,
  useServer,
} from "./harness.mjs";

const require = createRequire(import.meta.url);
const parser = require("socket.io-msgpack-parser");

const srv = useServer("interop", ["-parser", "msgpack"]);

const nested = { n: 1, f: 1.5, neg: -200, big: 2 ** 40, yes: true, none: null, s: "héllo", list: [1, "two", [3]] };

forEachMode((mode) => {
  it("connects with auth and gets it back", async (t) => {
    const auth = { token: "abc", n: 1, nested: { list: [1, "two", null] } };
    const { socket, events } = await open(t, srv, mode, { parser, auth, record: ["auth"] });
    assert.deepEqual(await events.auth.next(), [auth]);
    assert.ok(socket.id);
  });

  it("echoes nested values and binaries, as an event and as an ack", async (t) => {
    const { socket, events } = await open(t, srv, mode, { parser, record: ["message-back"] });
    const bin = Buffer.from([0, 1, 2, 255]);
    socket.emit("message", "text", nested, bin, { inner: [bin, Buffer.alloc(0)] });
    assert.deepEqual(plain(await events["message-back"].next()), ["text", nested, bin, { inner: [bin, Buffer.alloc(0)] }]);
    assert.deepEqual(plain(await emitAck(socket, "message-with-ack", nested, bin)), [nested, bin]);
  });

  it("answers the server's ack request", async (t) => {
    const { socket } = await open(t, srv, mode, { parser });
    socket.on("server-request", (...args) => {
      const cb = args.pop();
      cb({ got: plain(args) }, Buffer.from([7]));
    });
    const [res] = await emitAck(socket, "request-ack", 4_000, "q", Buffer.from([1, 2]));
    assert.deepEqual(plain(res), { ok: true, args: [{ got: ["q", Buffer.from([1, 2])] }, Buffer.from([7])] });
  });

  it("delivers to rooms and broadcasts to the others", async (t) => {
    const [a, b, c] = await openMany(t, srv, mode, 3, { parser, record: ["room-message", "broadcast"] });
    const room = uniq("room");
    await emitAck(a.socket, "join", room);
    await emitAck(b.socket, "join", room);
    c.socket.emit("to-room", room, "from c", Buffer.from([1, 2]));
    for (const member of [a, b]) {
      assert.deepEqual(plain(await member.events["room-message"].next()), ["from c", Buffer.from([1, 2])]);
    }
    await barrier(c.socket);
    assert.equal(c.events["room-message"].count, 0, "non-member got the room message");

    a.socket.emit("broadcast", nested);
    assert.deepEqual(await b.events.broadcast.next(), [nested]);
    assert.deepEqual(await c.events.broadcast.next(), [nested]);
    await barrier(a.socket);
    assert.equal(a.events.broadcast.count, 0, "the sender got its broadcast");
  });

  it("serves static and dynamic namespaces and refuses others with their error", async (t) => {
    const bin = Buffer.from([3, 4]);
    const custom = await open(t, srv, mode, {
      parser,
      nsp: "/custom",
      auth: { where: "custom" },
      record: ["auth", "message-back"],
    });
    assert.deepEqual(await custom.events.auth.next(), [{ where: "custom" }]);
    custom.socket.emit("message", "hello custom", bin);
    assert.deepEqual(plain(await custom.events["message-back"].next()), ["hello custom", bin]);
    const dyn = await open(t, srv, mode, { parser, nsp: "/dyn-abc", auth: { dyn: true }, record: ["dyn"] });
    assert.deepEqual(await dyn.events.dyn.next(), ["/dyn-abc"]);
    const nope = client(t, srv, mode, { parser, nsp: "/nope" });
    assert.equal((await once(nope, "connect_error"))[0].message, "Invalid namespace");
    const restricted = client(t, srv, mode, { parser, nsp: "/restricted", auth: { token: "wrong" } });
    const [err] = await once(restricted, "connect_error");
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { code: 42 });
  });

  it("recovers the session and replays missed broadcasts with binaries", async (t) => {
    const path = "/recovery/";
    const { socket: a, events } = await open(t, srv, mode, {
      parser,
      path,
      reconnection: true,
      reconnectionDelay: 300,
      reconnectionDelayMax: 300,
      randomizationFactor: 0,
      record: ["room-message"],
    });
    const { socket: b } = await open(t, srv, mode, { parser, path });
    const room = uniq("room");
    await emitAck(a, "join", room);
    await emitAck(a, "set-data", nested);
    b.emit("to-room", room, "before");
    const [first, offset] = await events["room-message"].next();
    assert.equal(first, "before");
    assert.equal(typeof offset, "string", "broadcasts carry an offset");

    const id = a.id;
    a.emit("drop-transport");
    await once(a, "disconnect");
    const bin = Buffer.from([0, 1, 255]);
    b.emit("to-room", room, "missed", nested, bin, { inner: [bin] });
    b.emit("to-room", uniq("other"), "not for a");
    await emitAck(b, "message-with-ack", "barrier");
    await once(a, "connect");

    assert.equal(a.recovered, true);
    assert.equal(a.id, id);
    const missed = plain(await events["room-message"].next());
    assert.deepEqual(missed.slice(0, 4), ["missed", nested, bin, { inner: [bin] }]);
    assert.equal(typeof missed[4], "string", "a replayed broadcast ends with its offset");
    const [state] = await emitAck(a, "state");
    assert.deepEqual(state, { recovered: true, rooms: [id, room].sort(), data: nested });

    b.emit("to-room", room, "after");
    assert.equal((await events["room-message"].next())[0], "after");
    assert.equal(events["room-message"].count, 0, "a broadcast came twice or out of place");
  });

  it("refuses a client speaking the JSON parser", async (t) => {
    const socket = client(t, srv, mode, {});
    let connected = false;
    socket.on("connect", () => (connected = true));
    // The CONNECT arrives as a text message: the server closes the
    // connection with reason "parse error", which the client sees as a
    // connect_error (polling) or a transport close (websocket).
    const ev = await Promise.race([
      once(socket, "connect_error").then(() => "connect_error", () => null),
      once(socket, "disconnect").then(() => "disconnect", () => null),
    ]);
    assert.ok(ev, "neither connect_error nor disconnect");
    assert.equal(connected, false, "a JSON client connected to a msgpack server");
  });
});
