// Typed handlers seen from the official client: arguments that do not fit
// the handler answer the acknowledgement with {error: ...} at once instead
// of leaving the client to its timeout, and echoes keep the key order.

import assert from "node:assert/strict";
import { EVENT_TIMEOUT, emitAck, forEachMode, it, open, useServer } from "./harness.mjs";

const srv = useServer("interop");

forEachMode((mode) => {
  it("answers an ack with an error when the arguments do not fit", async (t) => {
    const { socket } = await open(t, srv, mode);
    const started = Date.now();
    const res = await socket.timeout(EVENT_TIMEOUT).emitWithAck("typed-chat", 42, { x: 1 });
    assert.deepEqual(res, { error: "invalid argument 0: want string" });
    assert.ok(Date.now() - started < EVENT_TIMEOUT, "the answer came with the timeout");
    assert.deepEqual(await socket.timeout(EVENT_TIMEOUT).emitWithAck("typed-chat", "lobby"), {
      error: "missing argument 1: want string",
    });
    assert.equal(await socket.timeout(EVENT_TIMEOUT).emitWithAck("typed-chat", "lobby", "hi"), "delivered to lobby");
  });

  it("echoes objects with the client's key order", async (t) => {
    const { socket } = await open(t, srv, mode);
    const sent = { z: 1, a: { y: [true, { c: 3, b: 2 }], x: null }, m: "s" };
    const [got] = await emitAck(socket, "message-with-ack", sent);
    assert.deepEqual(got, sent);
    assert.equal(JSON.stringify(got), JSON.stringify(sent));
  });
});
