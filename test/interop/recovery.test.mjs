// Connection state recovery with the official client, against the fixture's
// second server on /recovery/ (connectionStateRecovery on): after the server
// drops the transport, the client reconnects with its pid and last offset,
// keeps its id, rooms and data, and gets the room broadcasts it missed.

import assert from "node:assert/strict";
import { emitAck, forEachMode, it, once, open, uniq, useServer } from "./harness.mjs";

const srv = useServer("interop");
const path = "/recovery/";

forEachMode((mode) => {
  it("recovers the session and replays missed room broadcasts", async (t) => {
    const { socket: a, events } = await open(t, srv, mode, {
      path,
      reconnection: true,
      reconnectionDelay: 300,
      reconnectionDelayMax: 300,
      randomizationFactor: 0,
      record: ["room-message"],
    });
    const { socket: b } = await open(t, srv, mode, { path });
    const room = uniq("room");
    await emitAck(a, "join", room);
    await emitAck(a, "set-data", { n: 1 });
    assert.equal(a.recovered, false);

    b.emit("to-room", room, "before");
    const [first, offset] = await events["room-message"].next();
    assert.equal(first, "before");
    assert.equal(typeof offset, "string", "broadcasts carry an offset");

    const id = a.id;
    a.emit("drop-transport");
    await once(a, "disconnect");
    b.emit("to-room", room, "missed", 1);
    b.emit("to-room", uniq("other"), "not for a");
    await emitAck(b, "message-with-ack", "barrier");
    await once(a, "connect");

    assert.equal(a.recovered, true);
    assert.equal(a.id, id);
    const missed = await events["room-message"].next();
    assert.deepEqual(missed.slice(0, 2), ["missed", 1]);
    assert.equal(typeof missed[2], "string");
    const [state] = await emitAck(a, "state");
    assert.deepEqual(state, { recovered: true, rooms: [id, room].sort(), data: { n: 1 } });

    b.emit("to-room", room, "after");
    assert.equal((await events["room-message"].next())[0], "after");
    assert.equal(events["room-message"].count, 0, "a broadcast came twice or out of place");
  });

  it("starts a new session after a deliberate disconnect", async (t) => {
    const { socket } = await open(t, srv, mode, { path, reconnection: true });
    const id = socket.id;
    socket.disconnect();
    socket.connect();
    await once(socket, "connect");
    assert.equal(socket.recovered, false);
    assert.notEqual(socket.id, id);
  });
});
