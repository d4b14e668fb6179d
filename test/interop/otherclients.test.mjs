// Clients other than the pinned socket.io-client: older releases of the
// official JavaScript client (3.1, 4.4, 4.7: each brings its own
// engine.io-client), and python-socketio (Debian's python3-socketio 5.7, an
// Engine.IO v4 client written from the spec in another language). Each runs
// the core of the contract on every transport mode: auth, events with acks
// both ways, nested JSON and binary, rooms, and a burst of acked events.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { io as io31 } from "socket.io-client-3.1";
import { io as io44 } from "socket.io-client-4.4";
import { io as io47 } from "socket.io-client-4.7";
import { MODES, it, useServer } from "./harness.mjs";

const srv = useServer("interop");
const here = path.dirname(fileURLToPath(import.meta.url));

/** Generous for a loaded 2-core machine. */
const TIMEOUT = 20_000;
const BURST = 2_000;

const CLIENTS = [
  { version: "3.1.3", io: io31 },
  { version: "4.4.1", io: io44 },
  { version: "4.7.5", io: io47 },
];

/** withTimeout rejects when promise takes longer than TIMEOUT. */
function withTimeout(promise, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT} ms: ${what}`)), TIMEOUT);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** ack emits ev and resolves with its acknowledgement's arguments. */
function ack(socket, ev, ...args) {
  return withTimeout(new Promise((resolve) => socket.emit(ev, ...args, (...res) => resolve(res))), `ack of ${ev}`);
}

/** next resolves with the arguments of socket's next ev. */
function next(socket, ev) {
  return withTimeout(new Promise((resolve) => socket.once(ev, (...args) => resolve(args))), `event ${ev}`);
}

/** open connects a client of the given release (and waits for its upgrade). */
async function open(t, client, mode) {
  const socket = client.io(srv.url, {
    forceNew: true,
    reconnection: false,
    timeout: TIMEOUT,
    auth: { token: client.version },
    ...mode.opts,
  });
  t.after(() => socket.disconnect());
  t.watch(socket, srv); // a lost heartbeat (a busy machine) retries the test
  const auth = next(socket, "auth");
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    }),
    "connect",
  );
  assert.deepEqual(await auth, [{ token: client.version }]);
  if (mode.upgrade && socket.io.engine.transport.name !== "websocket") {
    await withTimeout(new Promise((resolve) => socket.io.engine.once("upgrade", resolve)), "upgrade");
  }
  return socket;
}

for (const client of CLIENTS) {
  describe(`socket.io-client ${client.version}`, () => {
    for (const mode of MODES) {
      // it (harness.mjs): the fixture's 300 ms heartbeat can be lost on a
      // busy machine while the client sends its burst; such an attempt is
      // retried, any other failure fails at once.
      it(mode.name, async (t) => {
        const socket = await open(t, client, mode);

        const value = { a: 1, b: [true, null, "x"], c: { d: "ü 😀" } };
        assert.deepEqual(await ack(socket, "message-with-ack", "text", 42, value), ["text", 42, value]);

        const blob = Buffer.from([0, 1, 2, 253, 254, 255]);
        const [bin, nested] = await ack(socket, "message-with-ack", blob, { nested: blob });
        assert.deepEqual(Buffer.from(bin), blob);
        assert.deepEqual(Buffer.from(nested.nested), blob);

        socket.on("server-request", (...args) => args.pop()("from", client.version, ...args));
        const [answer] = await ack(socket, "request-ack", 5_000, "question");
        assert.deepEqual(answer, { ok: true, args: ["from", client.version, "question"] });

        await ack(socket, "join", "old-clients");
        const roomMessage = next(socket, "room-message");
        socket.emit("to-room", "old-clients", "hello room");
        assert.deepEqual(await roomMessage, ["hello room"]);

        const acked = [];
        await withTimeout(
          new Promise((resolve) => {
            for (let i = 0; i < BURST; i++) {
              socket.emit("message-with-ack", i, (n) => {
                acked.push(n);
                if (acked.length === BURST) resolve();
              });
            }
          }),
          `${BURST} acks`,
        );
        assert.deepEqual(acked, Array.from({ length: BURST }, (_, i) => i));
      });
    }
  });
}

// Debian's python3 (the one python3-socketio installs for), not whatever
// python3 comes first on PATH.
const PYTHON = "/usr/bin/python3";

/** runPython runs python/client.py and resolves with its checks by name. */
function runPython(transports, burst) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(here, "python", "client.py"), srv.url, transports, String(burst)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err = (err + d).slice(-8_192)));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT * 3);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const checks = Object.fromEntries(
        out
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l))
          .map((c) => [c.check, c]),
      );
      if (code !== 0) reject(new Error(`client.py exited (code ${code}, signal ${signal}): ${err}\n${out}`));
      else resolve(checks);
    });
  });
}

const havePython = existsSync(PYTHON) && existsSync("/usr/lib/python3/dist-packages/socketio");

describe("python-socketio 5.7", () => {
  for (const mode of MODES) {
    const transports = mode.name === "websocket" ? "websocket" : mode.name === "polling" ? "polling" : "polling,websocket";
    // python-engineio 4.3's polling client stalls on its own once 20 or so
    // packets wait to be sent (against Node's socket.io 4.8.4 too: 15 acked
    // emits in one loop are all acked, 20 get no ack in 30 s), so its
    // polling burst stays under that.
    const burst = mode.name === "polling" ? 10 : BURST;
    test(mode.name, { timeout: TIMEOUT * 4, skip: !havePython && !process.env.CI && "python3-socketio is not installed (make test installs it)" }, async () => {
      const checks = await runPython(transports, burst);
      for (const name of ["auth", "ack", "binary", "rooms", "server-ack", "burst"]) {
        assert.ok(checks[name], `check ${name} did not run: ${JSON.stringify(checks)}`);
        assert.ok(checks[name].ok, `check ${name} failed: ${JSON.stringify(checks[name])}`);
      }
      assert.equal(checks.transport.name, mode.name === "polling" ? "polling" : "websocket");
    });
  }
});
