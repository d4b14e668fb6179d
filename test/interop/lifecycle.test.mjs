// Connection lifecycle: disconnect reasons on both sides, reconnection after
// a dropped transport, the payload limit, heartbeats, the connect timeout.

import assert from "node:assert/strict";
import {
  client,
  connected,
  emitAck,
  forEachMode,
  it,
  once,
  open,
  record,
  sleep,
  upgraded,
  useServer,
  waitFor,
} from "./harness.mjs";

const srv = useServer("interop");

// How a client sees the server drop its transport. A websocket (also after
// an upgrade) just closes: "transport close". Over polling an abrupt end can
// surface as a failed request instead: "transport error".
function transportLossReasons(mode) {
  return mode.name === "polling" ? ["transport close", "transport error"] : ["transport close"];
}

/** serverReason asks the server, through observer, why socket id left. */
function serverReason(observer, id) {
  return waitFor(async () => (await emitAck(observer, "last-disconnect", id))[0], {
    what: `the server to record the disconnect of ${id}`,
  });
}

forEachMode((mode) => {
  for (const close of [false, true]) {
    it(`reports "io server disconnect" when the server disconnects it (close=${close})`, async (t) => {
      const { socket } = await open(t, srv, mode);
      const observer = await open(t, srv, mode);
      const id = socket.id;
      const disconnect = once(socket, "disconnect");
      socket.emit("disconnect-me", close);
      const [reason] = await disconnect;
      assert.equal(reason, "io server disconnect");
      assert.equal(socket.connected, false);
      assert.equal(await serverReason(observer.socket, id), "server namespace disconnect");
    });
  }

  it('tells the server "client namespace disconnect" when the client disconnects', async (t) => {
    const { socket } = await open(t, srv, mode);
    const observer = await open(t, srv, mode);
    const id = socket.id;
    assert.equal((await emitAck(observer.socket, "last-disconnect", id))[0], null);
    socket.disconnect();
    assert.equal(await serverReason(observer.socket, id), "client namespace disconnect");
  });

  it("tells the server the transport closed when the client's engine goes away", async (t) => {
    const { socket } = await open(t, srv, mode);
    const observer = await open(t, srv, mode);
    const id = socket.id;
    socket.io.engine.close();
    const reason = await serverReason(observer.socket, id);
    assert.ok(["transport close", "transport error"].includes(reason), `server saw "${reason}"`);
  });

  it("reconnects by itself after the server drops the transport", async (t) => {
    const socket = client(t, srv, mode, {
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      randomizationFactor: 0,
    });
    const connects = record(socket, "connect");
    const disconnects = record(socket, "disconnect");
    await connected(socket, mode);
    await connects.next();
    const firstId = socket.id;

    socket.emit("drop-transport");
    const [reason] = await disconnects.next();
    assert.ok(transportLossReasons(mode).includes(reason), `client saw "${reason}"`);

    await connects.next(8_000);
    assert.equal(socket.connected, true);
    assert.notEqual(socket.id, firstId, "reconnected socket kept its old id");
    if (mode.upgrade) await upgraded(socket.io.engine);
    assert.deepEqual(await emitAck(socket, "message-with-ack", "again"), ["again"]);
  });

  it("closes the connection when a packet exceeds maxHttpBufferSize", async (t) => {
    const { socket } = await open(t, srv, mode);
    const disconnect = once(socket, "disconnect", 8_000);
    socket.emit("message", "x".repeat(1_200_000));
    const [reason] = await disconnect;
    assert.ok(["transport close", "transport error"].includes(reason), `client saw "${reason}"`);
    // The server survives it.
    const next = await open(t, srv, mode);
    assert.deepEqual(await emitAck(next.socket, "message-with-ack", "alive"), ["alive"]);
  });

  it("stays connected on heartbeats alone", async (t) => {
    const { socket } = await open(t, srv, mode);
    const pings = record(socket.io.engine, "ping");
    const disconnects = record(socket, "disconnect");
    // pingInterval is 300 ms: several heartbeats must pass in 1.6 s of silence.
    await sleep(1_600);
    assert.equal(disconnects.count, 0, `disconnected: ${JSON.stringify(disconnects.items)}`);
    assert.equal(socket.connected, true);
    assert.ok(pings.count >= 2, `only ${pings.count} ping(s) in 1.6 s`);
    assert.deepEqual(await emitAck(socket, "message-with-ack", "after idle"), ["after idle"]);
  });
});
