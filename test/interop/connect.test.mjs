// Connecting: handshake auth, static/dynamic/invalid namespaces, middleware
// errors, multiplexing, and the polling -> websocket upgrade.

import assert from "node:assert/strict";
import {
  client,
  connected,
  emitAck,
  forEachMode,
  it,
  manager,
  once,
  open,
  record,
  upgraded,
  useServer,
} from "./harness.mjs";

const srv = useServer("interop");

forEachMode((mode) => {
  it("connects to / and echoes the auth payload", async (t) => {
    const auth = { token: "abc", n: 1, nested: { list: [1, "two", null] } };
    const { socket, events } = await open(t, srv, mode, { auth, record: ["auth"] });
    assert.equal(typeof socket.id, "string");
    assert.ok(socket.id.length > 0);
    assert.deepEqual(await events.auth.next(), [auth]);
  });

  it("sends {} as auth when the client gives none", async (t) => {
    const { events } = await open(t, srv, mode, { record: ["auth"] });
    assert.deepEqual(await events.auth.next(), [{}]);
  });

  it("connects to the static namespace /custom", async (t) => {
    const { socket, events } = await open(t, srv, mode, {
      nsp: "/custom",
      auth: { where: "custom" },
      record: ["auth", "message-back"],
    });
    assert.deepEqual(await events.auth.next(), [{ where: "custom" }]);
    socket.emit("message", "hello custom");
    assert.deepEqual(await events["message-back"].next(), ["hello custom"]);
  });

  it("connects to a dynamic namespace /dyn-abc", async (t) => {
    const { events } = await open(t, srv, mode, {
      nsp: "/dyn-abc",
      auth: { dyn: true },
      record: ["auth", "dyn"],
    });
    assert.deepEqual(await events.auth.next(), [{ dyn: true }]);
    assert.deepEqual(await events.dyn.next(), ["/dyn-abc"]);
  });

  for (const nsp of ["/nope", "/dyn-ABC", "/dyn-"]) {
    it(`refuses the unknown namespace ${nsp} with "Invalid namespace"`, async (t) => {
      const socket = client(t, srv, mode, { nsp });
      const [err] = await once(socket, "connect_error");
      assert.equal(err.message, "Invalid namespace");
      assert.equal(socket.connected, false);
    });
  }

  it("passes the /restricted middleware error to connect_error", async (t) => {
    for (const auth of [undefined, { token: "wrong" }]) {
      const socket = client(t, srv, mode, { nsp: "/restricted", auth });
      const [err] = await once(socket, "connect_error");
      assert.equal(err.message, "not authorized");
      assert.deepEqual(err.data, { code: 42 });
      assert.equal(socket.connected, false);
    }
  });

  it("admits /restricted with the right token", async (t) => {
    const { socket, events } = await open(t, srv, mode, {
      nsp: "/restricted",
      auth: { token: "secret" },
      record: ["auth"],
    });
    assert.equal(socket.connected, true);
    assert.deepEqual(await events.auth.next(), [{ token: "secret" }]);
  });

  it("multiplexes / and /custom over one engine connection", async (t) => {
    const m = manager(t, srv, mode);
    const main = m.socket("/", { auth: { nsp: "main" } });
    const custom = m.socket("/custom", { auth: { nsp: "custom" } });
    const mainAuth = record(main, "auth");
    const customAuth = record(custom, "auth");
    await Promise.all([connected(main, mode), connected(custom, mode)]);
    assert.deepEqual(await mainAuth.next(), [{ nsp: "main" }]);
    assert.deepEqual(await customAuth.next(), [{ nsp: "custom" }]);
    assert.notEqual(main.id, custom.id);
    assert.deepEqual(await emitAck(main, "message-with-ack", "to main"), ["to main"]);
    assert.deepEqual(await emitAck(custom, "message-with-ack", "to custom"), ["to custom"]);
    // Disconnecting one namespace leaves the other one working.
    custom.disconnect();
    assert.deepEqual(await emitAck(main, "message-with-ack", "still here"), ["still here"]);
  });

  if (mode.upgrade) {
    it("keeps delivering in order across the upgrade", async (t) => {
      const socket = client(t, srv, mode);
      const back = record(socket, "message-back");
      // The manager creates its engine synchronously; catch the upgrade from the start.
      const upgrade = upgraded(socket.io.engine);
      await once(socket, "connect");
      // Sent as soon as possible: before, during or just after the probe.
      for (let i = 0; i < 20; i++) socket.emit("message", i);
      await upgrade;
      assert.equal(socket.io.engine.transport.name, "websocket");
      socket.emit("message", "after");
      for (let i = 0; i < 20; i++) assert.deepEqual(await back.next(), [i]);
      assert.deepEqual(await back.next(), ["after"]);
    });
  }
});
