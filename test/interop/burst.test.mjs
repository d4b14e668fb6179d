// Bursts: one client emits 50,000 acked events in one synchronous loop (as
// an app flushing queued work does, and socket.io-client itself with its
// offline buffer on reconnect). The server must read them as fast as its
// handlers run them (pausing the reads, not disconnecting the client) and
// ack every one, in order, on every transport, with bounded memory.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { io } from "socket.io-client";
import { MODES, startServer } from "./harness.mjs";

const N = 50_000;
/** Generous for a loaded 2-core machine: the burst takes 1-5 s on an idle one. */
const BURST_TIMEOUT = 90_000;
/** The server's peak RSS bound: it measured 19-25 MiB (see the diagnostics). */
const RSS_BOUND_KIB = 256 * 1024;

/** status reads the server's peak and current RSS, in KiB. */
function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
  return { hwm: kib("VmHWM"), rss: kib("VmRSS") };
}

/** connect opens a client and waits for it to be connected (and upgraded). */
async function connect(url, mode) {
  const socket = io(url, { forceNew: true, reconnection: false, timeout: 20_000, ...mode.opts });
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  if (mode.upgrade) {
    const engine = socket.io.engine;
    if (engine.transport.name !== "websocket") {
      await new Promise((resolve, reject) => {
        engine.once("upgrade", resolve);
        engine.once("upgradeError", reject);
      });
    }
  }
  return socket;
}

describe("burst of acked events", () => {
  let srv;
  before(async () => {
    srv = await startServer("bench");
  });
  after(() => srv?.stop());

  for (const mode of MODES) {
    test(`${N} acked echoes in one loop over ${mode.name}`, { timeout: BURST_TIMEOUT + 10_000 }, async (t) => {
      const socket = await connect(srv.url, mode);
      t.after(() => socket.disconnect());
      const start = Date.now();
      let next = 0;
      const disorder = [];
      await new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${next} of ${N} acked after ${BURST_TIMEOUT} ms`)),
          BURST_TIMEOUT,
        );
        socket.once("disconnect", (reason) => {
          clearTimeout(timer);
          reject(new Error(`disconnected (${reason}) after ${next} of ${N} acks`));
        });
        for (let i = 0; i < N; i++) {
          socket.emit("echo", i, (got) => {
            if (got !== next && disorder.length < 5) disorder.push(`ack ${next} carried ${got}`);
            if (++next === N) {
              clearTimeout(timer);
              resolve();
            }
          });
        }
      });
      const took = Date.now() - start;
      assert.deepEqual(disorder, [], "acks out of order or lost");
      assert.ok(socket.connected, "still connected");
      const { hwm, rss } = status(srv.pid);
      t.diagnostic(`${mode.name}: ${N} acks in ${took} ms; server VmHWM ${hwm >> 10} MiB, VmRSS ${rss >> 10} MiB`);
      assert.ok(hwm < RSS_BOUND_KIB, `server peak RSS ${hwm} KiB over ${RSS_BOUND_KIB} KiB`);
    });
  }
});
