// Messaging: events both ways, acknowledgements both ways, JSON types and
// binary attachments (including nested ones), ordering, ack timeouts.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { emitAck, forEachMode, it, open, plain, useServer } from "./harness.mjs";

const srv = useServer("interop");

/** isBinary tells whether v came out of the client library as binary. */
const isBinary = (v) => Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);

const jsonArgs = [
  "text",
  "unicode ✓ ü 😀 \u2028 \"quoted\" \\ back",
  "",
  0,
  -42,
  3.25,
  1e21,
  true,
  false,
  null,
  {},
  [],
  { a: 1, b: [true, null, "x"], c: { d: { e: "deep" } } },
  [1, "two", [3], { four: 4 }],
];

function binaryArgs() {
  return [
    Buffer.from([0, 1, 2, 253, 254, 255]),
    { nested: { buf: Buffer.from("nested bytes") }, n: 1 },
    [Buffer.from([9, 8, 7]), "between", { deeper: [Buffer.from([0xff])] }],
    new Uint8Array([10, 20, 30]),
    randomBytes(64 * 1024),
  ];
}

forEachMode((mode) => {
  it("emits an event and receives the server's reply", async (t) => {
    const { socket, events } = await open(t, srv, mode, { record: ["message-back"] });
    socket.emit("message", ...jsonArgs);
    assert.deepEqual(await events["message-back"].next(), jsonArgs);
  });

  it("keeps the order of many events", async (t) => {
    const { socket, events } = await open(t, srv, mode, { record: ["message-back"] });
    for (let i = 0; i < 200; i++) socket.emit("message", i);
    for (let i = 0; i < 200; i++) assert.deepEqual(await events["message-back"].next(), [i]);
  });

  it("carries a large text payload under maxHttpBufferSize", async (t) => {
    const { socket, events } = await open(t, srv, mode, { record: ["message-back"] });
    const big = "x€".repeat(150_000); // 450 kB of UTF-8
    socket.emit("message", big);
    const [got] = await events["message-back"].next();
    assert.equal(got.length, big.length);
    assert.ok(got === big, "large string came back altered");
  });

  it("sends and receives binary, nested in objects and arrays", async (t) => {
    const { socket, events } = await open(t, srv, mode, { record: ["message-back"] });
    const args = binaryArgs();
    socket.emit("message", ...args, "tail");
    const got = await events["message-back"].next();
    assert.ok(isBinary(got[0]), "top-level binary did not stay binary");
    assert.ok(isBinary(got[1].nested.buf), "nested binary did not stay binary");
    assert.ok(isBinary(got[2][2].deeper[0]), "deeply nested binary did not stay binary");
    assert.deepEqual(plain(got), plain([...args, "tail"]));
  });

  it("sends binaries as large as the server holds for one event", async (t) => {
    // The server holds at most maxHttpBufferSize (1e6) of an event's
    // attachments before the last; over polling each must also fit a POST.
    const { socket } = await open(t, srv, mode);
    for (const args of [[randomBytes(700_000)], [randomBytes(300_000), randomBytes(300_000), randomBytes(300_000)]]) {
      const got = await emitAck(socket, "message-with-ack", ...args);
      assert.deepEqual(plain(got), plain(args));
    }
  });

  it("acks a client emit with every JSON type", async (t) => {
    const { socket } = await open(t, srv, mode);
    assert.deepEqual(await emitAck(socket, "message-with-ack", ...jsonArgs), jsonArgs);
  });

  it("acks a client emit with no arguments", async (t) => {
    const { socket } = await open(t, srv, mode);
    assert.deepEqual(await emitAck(socket, "message-with-ack"), []);
  });

  it("acks a client emit with binary arguments", async (t) => {
    const { socket } = await open(t, srv, mode);
    const args = binaryArgs();
    const got = await emitAck(socket, "message-with-ack", ...args);
    assert.ok(isBinary(got[0]));
    assert.deepEqual(plain(got), plain(args));
  });

  it("resolves the client's emitWithAck", async (t) => {
    const { socket } = await open(t, srv, mode);
    assert.equal(await socket.timeout(5_000).emitWithAck("message-with-ack", "first", "second"), "first");
  });

  it("sees the JSON and binary types the client sent", async (t) => {
    const { socket } = await open(t, srv, mode);
    const got = await emitAck(socket, "types", "s", 1.5, false, null, { a: Buffer.from("x") }, [1], Buffer.from("b"));
    assert.deepEqual(got, [["string", "number", "boolean", "null", "object", "array", "binary"]]);
  });

  it("gets the client's ack for a server emit (request-ack)", async (t) => {
    const { socket } = await open(t, srv, mode);
    const requests = [];
    const reply = ["pong", Buffer.from([1, 2, 3]), { n: [1, Buffer.from("in ack")] }];
    socket.on("server-request", (...args) => {
      const ack = args.pop();
      requests.push(args);
      ack(...reply);
    });
    const sent = ["a", 2, Buffer.from([4, 5, 6]), { inner: Buffer.from("srv") }];
    const [res] = await emitAck(socket, "request-ack", 4_000, ...sent);
    assert.equal(requests.length, 1);
    assert.ok(isBinary(requests[0][2]), "binary sent by the server did not arrive as binary");
    assert.deepEqual(plain(requests[0]), plain(sent));
    assert.equal(res.ok, true, `unexpected result ${JSON.stringify(res)}`);
    assert.ok(isBinary(res.args[1]), "binary in the client's ack did not come back as binary");
    assert.deepEqual(plain(res.args), plain(reply));
  });

  it("times out a server emit the client never acks", async (t) => {
    const { socket } = await open(t, srv, mode);
    let seen = 0;
    socket.on("server-request", () => {
      seen += 1; // and never call the ack
    });
    const [res] = await emitAck(socket, "request-ack", 300, "ignored");
    assert.deepEqual(res, { error: "timeout" });
    assert.equal(seen, 1);
  });
});
