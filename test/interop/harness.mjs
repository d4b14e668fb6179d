// Harness for the interop suite: runs the Go test server (built beforehand by
// `make build-testserver`; this file builds nothing) and drives it with the
// official Node clients.
//
// Contract with test/testserver: `testserver -addr 127.0.0.1:0 -fixture NAME`
// prints exactly one line `listening on http://127.0.0.1:PORT` once it accepts
// connections, and exits on SIGTERM.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { io, Manager } from "socket.io-client";
import { Socket as EngineSocket } from "engine.io-client";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Upper bound for one test; the runner fails the test past it. */
export const TEST_TIMEOUT = 10_000;
/** Default wait for one expected event. Generous: CI is a loaded 2-core machine. */
export const EVENT_TIMEOUT = 5_000;
const READY_TIMEOUT = 20_000;
const STOP_TIMEOUT = 5_000;

/**
 * The three ways a client reaches the server. Every Socket.IO and Engine.IO
 * test runs once per mode. `upgrade` modes start on polling and must end up
 * on websocket before the test body runs.
 */
export const MODES = [
  { name: "websocket", opts: { transports: ["websocket"] }, upgrade: false },
  { name: "polling", opts: { transports: ["polling"] }, upgrade: false },
  { name: "polling+upgrade", opts: {}, upgrade: true },
];

function serverBinary() {
  const bin = process.env.TESTSERVER_BIN || path.join(repoRoot, "bin", "testserver");
  return path.resolve(bin);
}

/**
 * startServer spawns the test server for fixture (with extra command-line
 * args, such as ["-parser", "msgpack"]) and resolves once it has
 * printed its address. The returned stop() sends SIGTERM and waits for exit.
 */
export function startServer(fixture = "interop", args = []) {
  const bin = serverBinary();
  if (!existsSync(bin)) {
    return Promise.reject(
      new Error(`test server binary ${bin} not found: run \`make build-testserver\` or set TESTSERVER_BIN`),
    );
  }
  const child = spawn(bin, ["-addr", "127.0.0.1:0", "-fixture", fixture, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Keep only the tail of stderr for failure reports, but always drain both
  // pipes so a chatty server never blocks on a full pipe.
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-16_384);
    if (process.env.TESTSERVER_VERBOSE) process.stderr.write(chunk);
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  // Clients still open when the server stops are closed first, so their
  // transports end cleanly instead of erroring against a dead server.
  const clients = new Set();
  let stopping = false;
  const stop = async () => {
    for (const close of clients) close();
    clients.clear();
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) {
      if (stopping) return;
      stopping = true;
      const { code, signal } = await exited;
      throw new Error(`${bin} died during the tests (code ${code}, signal ${signal})\nstderr: ${stderr}`);
    }
    stopping = true;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    let stdout = "";
    let ready = false;
    const timer = setTimeout(() => {
      stop().catch(() => {});
      reject(new Error(`${bin} did not print "listening on" within ${READY_TIMEOUT} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, READY_TIMEOUT);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      if (ready) return;
      stdout += chunk;
      const m = /^listening on (http:\/\/\S+?)\/?\r?$/m.exec(stdout);
      if (!m) return;
      ready = true;
      clearTimeout(timer);
      const url = m[1];
      resolve({ url, fixture, stop, clients, stderr: () => stderr, pid: child.pid });
    });
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited early (code ${code}, signal ${signal})\nstderr: ${stderr}`));
    });
  });
}

/**
 * useServer starts one server for the enclosing file or suite and returns an
 * object whose `url` is valid inside tests.
 */
export function useServer(fixture = "interop", args = []) {
  const srv = { url: "", stop: async () => {} };
  before(async () => Object.assign(srv, await startServer(fixture, args)), { timeout: READY_TIMEOUT + 5_000 });
  after(() => srv.stop());
  return srv;
}

/** forEachMode declares one suite per transport mode. */
export function forEachMode(body) {
  for (const mode of MODES) describe(mode.name, () => body(mode));
}

/**
 * it declares a test whose body gets an Attempt in place of the runner's
 * context: `t.after(fn)` registers cleanup (run last-in first-out when the
 * attempt ends). Each attempt has TEST_TIMEOUT.
 *
 * The fixture's heartbeat is aggressive (ping every 300 ms, 200 ms to answer),
 * so a machine busy with other work can make a client or the server give up
 * on a healthy connection. A failed attempt is retried only when the harness
 * can prove that happened: a client or the server recorded the reason
 * "ping timeout". Any other failure fails the test at once. Retries are
 * reported as test diagnostics.
 */
export function it(name, fn) {
  return test(name, { timeout: (TEST_TIMEOUT + 2_000) * (RETRIES + 1) }, async (t) => {
    for (let n = 1; ; n++) {
      const attempt = new Attempt(t);
      let failure;
      try {
        await attempt.run(fn);
      } catch (err) {
        failure = err;
      }
      const lost = failure ? await attempt.heartbeatLost() : null;
      await attempt.cleanup();
      if (!failure) return;
      if (!lost || n > RETRIES) throw failure;
      t.diagnostic(`attempt ${n} lost a heartbeat (${lost}); retrying. It failed with: ${failure.message}`);
    }
  });
}

const RETRIES = Number(process.env.INTEROP_RETRIES ?? 2);

/** Attempt is one run of a test body, with its cleanups and its clients. */
class Attempt {
  #hooks = [];
  #sockets = []; // { socket, srv, ids, reasons }

  constructor(t) {
    this.name = t.name;
    this.diagnostic = (msg) => t.diagnostic(msg);
  }

  after(fn) {
    this.#hooks.push(fn);
  }

  async run(fn) {
    let timer;
    const body = Promise.resolve().then(() => fn(this));
    body.catch(() => {}); // it may still reject after the timeout won
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`test body exceeded ${TEST_TIMEOUT} ms`)), TEST_TIMEOUT);
    });
    try {
      await Promise.race([body, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  async cleanup() {
    for (const hook of this.#hooks.reverse()) {
      try {
        await hook();
      } catch (err) {
        this.diagnostic(`cleanup failed: ${err.message}`);
      }
    }
    this.#hooks = [];
  }

  /** watch remembers socket's ids and disconnect reasons for heartbeatLost. */
  watch(socket, srv) {
    const entry = { socket, srv, ids: [], reasons: [] };
    socket.on("connect", () => entry.ids.push(socket.id));
    socket.on("disconnect", (reason) => entry.reasons.push(reason));
    this.#sockets.push(entry);
  }

  /** watchClose remembers the close reasons of an engine client or Manager. */
  watchClose(socket) {
    const entry = { socket, srv: null, ids: [], reasons: [] };
    socket.on("close", (reason) => entry.reasons.push(reason));
    this.#sockets.push(entry);
  }

  /**
   * heartbeatLost returns a description when a client of this attempt, or
   * the server for one of them, recorded "ping timeout"; otherwise null.
   */
  async heartbeatLost() {
    for (const { reasons } of this.#sockets) {
      if (reasons.includes("ping timeout")) return "client saw ping timeout";
    }
    for (const { srv, ids } of this.#sockets) {
      if (!srv || ids.length === 0 || !srv.clients) continue;
      try {
        const reasons = await askLastDisconnect(srv, ids);
        if (reasons.includes("ping timeout")) return "server saw ping timeout";
      } catch {
        // The server is gone or unusable: nothing to prove.
      }
    }
    return null;
  }
}

/** askLastDisconnect asks srv, over a fresh connection, why each id left. */
async function askLastDisconnect(srv, ids) {
  const socket = io(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  try {
    await once(socket, "connect");
    const reasons = [];
    for (const id of ids) reasons.push((await emitAck(socket, "last-disconnect", id))[0]);
    return reasons;
  } finally {
    socket.disconnect();
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * once resolves with the argument list of the next `event` on emitter (a Node
 * EventEmitter or a component-emitter), rejecting after timeoutMs.
 */
export function once(emitter, event, timeoutMs = EVENT_TIMEOUT) {
  return new Promise((resolve, reject) => {
    const listener = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    emitter.once(event, listener);
  });
}

/**
 * record buffers every `event` on emitter from now on, so events that arrive
 * before the test awaits them are not lost. next() takes them in order.
 */
export function record(emitter, event) {
  const items = [];
  const waiters = [];
  emitter.on(event, (...args) => {
    const w = waiters.shift();
    if (w) w(args);
    else items.push(args);
  });
  return {
    items,
    get count() {
      return items.length;
    },
    next(timeoutMs = EVENT_TIMEOUT) {
      if (items.length > 0) return Promise.resolve(items.shift());
      return new Promise((resolve, reject) => {
        const w = (args) => {
          clearTimeout(timer);
          resolve(args);
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
  };
}

/** waitFor polls fn until it returns a value other than null/undefined. */
export async function waitFor(fn, { timeoutMs = EVENT_TIMEOUT, intervalMs = 50, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * emitAck emits ev with args and resolves with the full list of ack
 * arguments (emitWithAck would keep only the first).
 */
export function emitAck(socket, ev, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(EVENT_TIMEOUT).emit(ev, ...args, (err, ...res) => {
      if (err) reject(new Error(`no ack for "${ev}" within ${EVENT_TIMEOUT} ms (${describeClient(socket)})`));
      else resolve(res);
    });
  });
}

// Why a client went away, kept for failure messages: a test that times out
// because the connection dropped (e.g. "ping timeout") should say so.
const lastDisconnect = new WeakMap();

function describeClient(socket) {
  const reason = lastDisconnect.get(socket);
  const transport = socket.io.engine?.transport?.name ?? "none";
  return `connected=${socket.connected}, transport=${transport}, last disconnect=${reason ?? "none"}`;
}

/** clientOptions merges the suite defaults with a mode and per-test options. */
function clientOptions(mode, opts) {
  return {
    forceNew: true,
    reconnection: false,
    timeout: EVENT_TIMEOUT,
    ...mode.opts,
    ...opts,
  };
}

/**
 * client creates (and starts connecting) a Socket.IO client for namespace
 * nsp; it is disconnected when the test ends. Use it for sockets that must
 * not connect or whose events must be recorded first; otherwise use open().
 */
export function client(t, srv, mode, { nsp = "/", ...opts } = {}) {
  const socket = io(srv.url + nsp, clientOptions(mode, opts));
  socket.on("disconnect", (reason, details) => {
    const why = details?.description?.message ?? details?.message ?? "";
    lastDisconnect.set(socket, why ? `${reason} (${why})` : reason);
  });
  t.watch?.(socket, srv);
  track(t, srv, () => {
    socket.disconnect();
    socket.io.disconnect();
  });
  return socket;
}

/** manager creates a Manager for multiplexing namespaces over one connection. */
export function manager(t, srv, mode, opts = {}) {
  const m = new Manager(srv.url, clientOptions(mode, opts));
  t.watchClose?.(m);
  track(t, srv, () => m.disconnect());
  return m;
}

/** track runs close when the test ends or the server stops, whichever is first. */
function track(t, srv, close) {
  let closed = false;
  const once = () => {
    if (closed) return;
    closed = true;
    srv.clients?.delete(once);
    close();
  };
  srv.clients?.add(once);
  t.after(once);
}

/**
 * connected waits for socket's "connect" (failing on "connect_error") and, in
 * upgrade modes, for the engine to finish upgrading to websocket.
 */
export async function connected(socket, mode) {
  if (!socket.connected) {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`timed out after ${EVENT_TIMEOUT} ms waiting for connect (${describeClient(socket)})`)),
        EVENT_TIMEOUT,
      );
      const onConnect = () => done();
      const onError = (err) => done(new Error(`connect_error: ${err.message}`));
      const onDisconnect = (reason) => done(new Error(`disconnected before connect: ${reason}`));
      function done(err) {
        clearTimeout(timer);
        socket.off("connect", onConnect);
        socket.off("connect_error", onError);
        socket.off("disconnect", onDisconnect);
        if (err) reject(err);
        else resolve();
      }
      socket.on("connect", onConnect);
      socket.on("connect_error", onError);
      socket.on("disconnect", onDisconnect);
    });
  }
  if (mode.upgrade) await upgraded(socket.io.engine);
  return socket;
}

/** upgraded waits until engine runs on websocket after an "upgrade" event. */
export async function upgraded(engine) {
  if (engine.transport.name !== "websocket") {
    const [transport] = await once(engine, "upgrade");
    if (transport.name !== "websocket") throw new Error(`upgraded to ${transport.name}`);
  }
  if (engine.transport.name !== "websocket") {
    throw new Error(`engine transport is ${engine.transport.name} after upgrade`);
  }
}

/**
 * open connects a client to nsp and returns it with a recorder for each event
 * named in `record` (registered before connecting, so early events are kept).
 */
export async function open(t, srv, mode, { record: names = [], ...opts } = {}) {
  const socket = client(t, srv, mode, opts);
  const events = Object.fromEntries(names.map((n) => [n, record(socket, n)]));
  await connected(socket, mode);
  return { socket, events };
}

/** openMany connects n clients to nsp in parallel. */
export function openMany(t, srv, mode, n, opts = {}) {
  return Promise.all(Array.from({ length: n }, () => open(t, srv, mode, opts)));
}

/**
 * barrier makes a round trip on socket. The server handles one socket's
 * packets in order and writes to it in order, so anything it sent this
 * socket before handling the barrier has arrived once this resolves.
 */
export async function barrier(socket) {
  await emitAck(socket, "message-with-ack", "barrier");
}

/**
 * rawEngine creates (and starts opening) a raw Engine.IO client on path; it
 * is closed when the test ends.
 */
export function rawEngine(t, srv, mode, path = "/engine.io/") {
  const socket = new EngineSocket(srv.url, { path, ...mode.opts });
  t.watchClose?.(socket);
  track(t, srv, () => socket.close());
  return socket;
}

/** engineClient opens a raw Engine.IO client on the /engine.io/ echo endpoint. */
export async function engineClient(t, srv, mode) {
  const socket = rawEngine(t, srv, mode);
  await once(socket, "open");
  if (mode.upgrade) await upgraded(socket);
  return socket;
}

/**
 * plain turns every binary value (Buffer, ArrayBuffer, typed array) inside v
 * into a Buffer so results compare byte for byte with deepStrictEqual,
 * whatever binary type the client library surfaced.
 */
export function plain(v) {
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** uniq returns a name unique within this process, for rooms and payloads. */
let counter = 0;
export function uniq(prefix) {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}
