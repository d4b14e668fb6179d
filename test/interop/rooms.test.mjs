// Rooms and broadcasting: join/leave, to-room, broadcast (sender excluded),
// except(room), namespace isolation, and server-side emitWithAck to all.

import assert from "node:assert/strict";
import {
  barrier,
  emitAck,
  forEachMode,
  it,
  openMany,
  open,
  plain,
  startServer,
  uniq,
  useServer,
} from "./harness.mjs";

const srv = useServer("interop");

forEachMode((mode) => {
  it("reports the socket's rooms, joined and left", async (t) => {
    const { socket } = await open(t, srv, mode);
    const [r1, r2] = [uniq("room-a"), uniq("room-b")];
    assert.deepEqual(await emitAck(socket, "rooms"), [[socket.id]]);
    assert.deepEqual(await emitAck(socket, "join", r1), []);
    await emitAck(socket, "join", r2);
    assert.deepEqual(await emitAck(socket, "rooms"), [[socket.id, r1, r2].sort()]);
    assert.deepEqual(await emitAck(socket, "leave", r1), []);
    assert.deepEqual(await emitAck(socket, "rooms"), [[socket.id, r2].sort()]);
  });

  it("delivers to-room to members only, the sender included when a member", async (t) => {
    const [a, b, c] = await openMany(t, srv, mode, 3, { record: ["room-message"] });
    const room = uniq("room");
    await emitAck(a.socket, "join", room);
    await emitAck(b.socket, "join", room);

    c.socket.emit("to-room", room, "from c", Buffer.from([1, 2]));
    for (const member of [a, b]) {
      assert.deepEqual(plain(await member.events["room-message"].next()), ["from c", Buffer.from([1, 2])]);
    }
    await barrier(c.socket);
    assert.equal(c.events["room-message"].count, 0, "non-member sender got the room message");

    a.socket.emit("to-room", room, "from a");
    assert.deepEqual(await a.events["room-message"].next(), ["from a"]);
    assert.deepEqual(await b.events["room-message"].next(), ["from a"]);
    await barrier(c.socket);
    assert.equal(c.events["room-message"].count, 0, "non-member got the room message");
  });

  it("stops delivering to a socket that left the room", async (t) => {
    const [a, b, c] = await openMany(t, srv, mode, 3, { record: ["room-message"] });
    const room = uniq("room");
    await emitAck(a.socket, "join", room);
    await emitAck(b.socket, "join", room);
    await emitAck(a.socket, "leave", room);

    c.socket.emit("to-room", room, "after leave");
    assert.deepEqual(await b.events["room-message"].next(), ["after leave"]);
    await barrier(c.socket);
    await barrier(a.socket);
    assert.equal(a.events["room-message"].count, 0, "socket got a message for a room it left");
  });

  it("broadcasts to everyone in the namespace but the sender", async (t) => {
    const [a, b, c] = await openMany(t, srv, mode, 3, { record: ["broadcast"] });
    const other = await open(t, srv, mode, { nsp: "/custom", record: ["broadcast"] });
    const payload = uniq("hello");

    a.socket.emit("broadcast", payload, { bin: Buffer.from("bytes") });
    for (const peer of [b, c]) {
      assert.deepEqual(plain(await peer.events.broadcast.next()), [payload, { bin: Buffer.from("bytes") }]);
    }
    await barrier(a.socket);
    assert.equal(a.events.broadcast.count, 0, "sender got its own broadcast");
    await barrier(other.socket);
    assert.equal(other.events.broadcast.count, 0, "broadcast leaked into /custom");
  });

  it("broadcasts to everyone except a room's members", async (t) => {
    const [a, b, c] = await openMany(t, srv, mode, 3, { record: ["broadcast"] });
    const room = uniq("excluded");
    await emitAck(a.socket, "join", room);
    const payload = uniq("except");

    c.socket.emit("broadcast-except", room, payload);
    // The namespace-level operator includes the sender.
    assert.deepEqual(await b.events.broadcast.next(), [payload]);
    assert.deepEqual(await c.events.broadcast.next(), [payload]);
    await barrier(c.socket);
    await barrier(a.socket);
    assert.equal(a.events.broadcast.count, 0, "member of the excepted room got the broadcast");
  });

  // broadcast-ack counts every client of the namespace, so these tests get a
  // server of their own: no client of another test can be connected to it.
  it("collects every client's ack for a server emit to all", async (t) => {
    const own = await startServer("interop");
    t.after(() => own.stop());
    const clients = await openMany(t, own, mode, 3);
    clients.forEach(({ socket }, i) => socket.on("ping-all", (ack) => ack(`client-${i}`)));

    const [res] = await emitAck(clients[0].socket, "broadcast-ack", 4_000);
    assert.equal(res.count, 3, `unexpected result ${JSON.stringify(res)}`);
    assert.equal(res.error, undefined);
    assert.deepEqual([...res.responses].sort(), ["client-0", "client-1", "client-2"]);
  });

  it("times out a server emit to all and reports the partial count", async (t) => {
    const own = await startServer("interop");
    t.after(() => own.stop());
    const clients = await openMany(t, own, mode, 3);
    clients[0].socket.on("ping-all", (ack) => ack("one"));
    clients[1].socket.on("ping-all", (ack) => ack("two"));
    clients[2].socket.on("ping-all", () => {}); // never acks

    const [res] = await emitAck(clients[0].socket, "broadcast-ack", 500);
    assert.deepEqual(res, { error: "timeout", count: 2 });
  });
});
