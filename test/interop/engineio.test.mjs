// Raw Engine.IO v4 with the official engine.io-client: the echo endpoint on
// /engine.io/, the handshake, and the Socket.IO connect timeout seen from
// the engine layer.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  engineClient,
  forEachMode,
  it,
  once,
  plain,
  rawEngine,
  record,
  upgraded,
  useServer,
} from "./harness.mjs";

const srv = useServer("interop");

const isBinary = (v) => Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);

forEachMode((mode) => {
  it("echoes text messages", async (t) => {
    const socket = await engineClient(t, srv, mode);
    const messages = record(socket, "message");
    const texts = ["hello", "unicode ✓ 😀", "", "4 looks like a packet type", "b64 prefix", "x".repeat(100_000)];
    for (const text of texts) socket.send(text);
    for (const text of texts) {
      let [got] = await messages.next();
      // engine.io-parser decodes the bare packet "4" as a message without
      // data, so an empty string comes back as undefined.
      if (text === "") got ??= "";
      assert.equal(typeof got, "string");
      assert.ok(got === text, `echo of a ${text.length}-char string differs`);
    }
  });

  it("echoes binary messages", async (t) => {
    const socket = await engineClient(t, srv, mode);
    const messages = record(socket, "message");
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const blobs = [all, Buffer.from([0]), randomBytes(200_000), new Uint8Array([1, 2, 3])];
    for (const blob of blobs) socket.send(blob);
    for (const blob of blobs) {
      const [got] = await messages.next();
      assert.ok(isBinary(got), `binary echo came back as ${typeof got}`);
      assert.deepEqual(plain(got), plain(blob));
    }
  });

  it("keeps text and binary interleaved in order", async (t) => {
    const socket = await engineClient(t, srv, mode);
    const messages = record(socket, "message");
    const sent = [];
    for (let i = 0; i < 50; i++) sent.push(i % 2 ? `text-${i}` : Buffer.from([i, i + 1]));
    for (const m of sent) socket.send(m);
    for (const m of sent) {
      const [got] = await messages.next();
      if (typeof m === "string") assert.equal(got, m);
      else assert.deepEqual(plain(got), m);
    }
  });

  it("advertises the fixture's heartbeat and payload limits in the handshake", async (t) => {
    const socket = rawEngine(t, srv, mode, "/socket.io/");
    const [handshake] = await once(socket, "handshake");
    assert.equal(typeof handshake.sid, "string");
    assert.equal(handshake.pingInterval, 300);
    assert.equal(handshake.pingTimeout, 200);
    assert.equal(handshake.maxPayload, 1_000_000);
    // Upgrades offered depend on the transport the handshake came over.
    assert.deepEqual(handshake.upgrades, mode.name === "websocket" ? [] : ["websocket"]);
    if (mode.upgrade) await upgraded(socket);
  });

  it("closes a Socket.IO connection that never sends CONNECT (connectTimeout)", async (t) => {
    const socket = rawEngine(t, srv, mode, "/socket.io/");
    await once(socket, "open");
    const opened = Date.now();
    const [reason] = await once(socket, "close", 8_000);
    assert.equal(reason, "transport close");
    // connectTimeout is 1000 ms; only a lower bound, the machine may be slow.
    assert.ok(Date.now() - opened >= 500, `closed after ${Date.now() - opened} ms`);
  });
});
