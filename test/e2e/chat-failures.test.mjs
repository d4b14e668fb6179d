// The chat survives what happens to networks and servers, in a real
// headless Chromium (Debian's chromium, driven by playwright-core): a page
// whose network is cut gets what it missed when it is back (connection
// state recovery); a restart of a node with Redis loses no room message
// and keeps everyone signed in; with two nodes
// behind nginx, the pages of a node killed with SIGKILL go on on the other,
// with their names, rooms and conversations. Each test starts its own
// redis-server, nodes and nginx on free loopback ports, and stops them.
//
// Cross-node recovery of the packets a page missed needs an adapter that
// keeps sessions in Redis (--redis-mode streams). When bin/duplex accepts
// that mode, the two-node test runs in it and also checks that a public
// message sent while the pages moved reaches them; otherwise it checks the
// continuation of the session only (the chat's own session, in Redis).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { io } from "socket.io-client";

import { launchChromium } from "./browser.mjs";
import { exactly, message, open, openChat, say, waitStatus } from "./chatpage.mjs";
import { duplexBinary, startDuplex } from "./server.mjs";
import { startCutter, startNginx, startRedis } from "./services.mjs";

const TEST_TIMEOUT = 60_000;

/** STREAMS: whether bin/duplex has the Redis streams mode (another branch brings it). */
const STREAMS = (() => {
  try {
    // The --redis-mode line and its usage line name the modes.
    return /--redis-mode[^\n]*\n[^\n]*\bstreams\b/.test(execFileSync(duplexBinary(), ["-h"], { encoding: "utf8" }));
  } catch {
    return false;
  }
})();

let context;
let browser;
const pageErrors = [];
const cleanups = [];

before(async () => {
  browser = await launchChromium({ timeout: 15_000, viewport: { width: 1100, height: 680 } });
  context = browser.context;
});

after(async () => {
  await browser?.close();
  for (const f of cleanups.reverse()) await f();
});

/** started registers stop to run at the end, and returns what it was given. */
function started(svc, stop = svc.stop) {
  cleanups.push(() => stop().catch(() => {}));
  return svc;
}

// ---- helpers -----------------------------------------------------------------


/** me returns the page's user, {id, name}, as its sessionStorage keeps it. */
const me = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem("duplex-state")).me);



async function joinRoom(page, room) {
  await page.fill("#room-name", room);
  await page.press("#room-name", "Enter");
  await page.locator("#title", { hasText: exactly("# " + room) }).waitFor();
}

/** connections returns the connections a node counts (GET /healthz). */
async function connections(node) {
  const res = await fetch(new URL("/healthz", node.url));
  return (await res.json()).connections;
}

/** bot connects a socket.io-client user straight to a node, and resolves once welcomed. */
async function bot(url, name) {
  const socket = io(url, { auth: { name }, transports: ["websocket"], forceNew: true });
  cleanups.push(async () => socket.close());
  const received = [];
  socket.on("received-message", (m) => received.push(m));
  await new Promise((resolve, reject) => {
    socket.once("welcome", resolve);
    socket.once("connect_error", reject);
  });
  return { socket, received };
}

async function until(what, f, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- tests -----------------------------------------------------------------

describe("chat through a network cut", () => {
  test("a page whose network is cut comes back in its rooms and gets the messages it missed, public and room", { timeout: TEST_TIMEOUT }, async () => {
    const node = started(await startDuplex());
    const cutter = started(await startCutter(node.port));
    const gus = await openChat(context, pageErrors, cutter.url, "gus");
    await joinRoom(gus, "den");
    const hal = await bot(node.url, "hal");
    await hal.socket.timeout(5_000).emitWithAck("join-room", "den");
    const gusBefore = await me(gus);

    cutter.cut();
    await waitStatus(gus, "reconnecting");
    // Typed offline: queued until the page is back.
    await gus.fill("#text", "typed while cut off");
    await gus.press("#text", "Enter");
    await gus.locator('#messages .msg.mine[data-status="queued"]', { hasText: "typed while cut off" }).waitFor();
    // Missed: a room message and a public one, which no history keeps.
    await hal.socket.timeout(5_000).emitWithAck("message", { text: "missed in the den", room: "den" });
    await hal.socket.timeout(5_000).emitWithAck("message", { text: "missed by everyone cut off" });

    cutter.mend();
    await waitStatus(gus, "connected");
    await gus.locator('#messages .msg.mine[data-status="delivered"]', { hasText: "typed while cut off" }).waitFor();
    await until("hal gets what gus typed offline", () => hal.received.some((m) => m.text === "typed while cut off"));
    await message(gus, "missed in the den").waitFor();
    await open(gus, "Everyone");
    await message(gus, "missed by everyone cut off").waitFor();
    assert.deepEqual(await me(gus), gusBefore, "gus is the same user");
    await gus.close();
  });
});

describe("chat with Redis", () => {
  test("a server restart loses no room message: the pages come back as the same users, in their rooms", { timeout: TEST_TIMEOUT }, async () => {
    const redis = started(await startRedis());
    const args = ["--redis", redis.url];
    let node = await startDuplex({ args });
    cleanups.push(() => node.stop());
    const ann = await openChat(context, pageErrors, node.url, "ann");
    const ben = await openChat(context, pageErrors, node.url, "ben");
    await joinRoom(ann, "ops");
    await joinRoom(ben, "ops");
    await say(ann, "before the restart, one");
    await say(ann, "before the restart, two");
    await message(ben, "before the restart, two").waitFor();
    await ann.locator("#users button", { hasText: "ben" }).click();
    await say(ann, "a direct word before the restart");
    const [annBefore, benBefore] = [await me(ann), await me(ben)];

    const { port } = node;
    assert.equal((await node.stop()).code, 0);
    await waitStatus(ann, "reconnecting");
    await open(ann, "# ops");
    await ann.fill("#text", "typed during the restart");
    await ann.press("#text", "Enter");
    await ann.locator('#messages .msg.mine[data-status="queued"]', { hasText: "typed during the restart" }).waitFor();

    node = await startDuplex({ addr: `127.0.0.1:${port}`, args });
    await waitStatus(ann, "connected");
    await waitStatus(ben, "connected");
    await ann.locator('#messages .msg.mine[data-status="delivered"]', { hasText: "typed during the restart" }).waitFor();
    await message(ben, "typed during the restart").waitFor();
    assert.deepEqual(await me(ann), annBefore, "ann is the same user");
    assert.deepEqual(await me(ben), benBefore, "ben is the same user");
    // ben is back as himself: the conversation with him goes on.
    await open(ann, "@ ben");
    await say(ann, "a direct word after the restart");
    await open(ben, "@ ann");
    await message(ben, "a direct word after the restart").waitFor();

    // The room's history, in Redis, survived the restart: a reload and a
    // newcomer both find every message.
    await ben.reload();
    await waitStatus(ben, "connected");
    await open(ben, "# ops");
    const cal = await openChat(context, pageErrors, node.url, "cal");
    await joinRoom(cal, "ops");
    for (const page of [ben, cal]) {
      for (const text of ["before the restart, one", "before the restart, two", "typed during the restart"]) {
        await message(page, text).waitFor();
      }
    }
    for (const page of [ann, ben, cal]) await page.close();
  });

  test(`two nodes behind nginx: one killed, the pages go on on the other${STREAMS ? " and get what they missed (streams)" : ""}`, { timeout: TEST_TIMEOUT }, async () => {
    const redis = started(await startRedis());
    const args = ["--redis", redis.url, ...(STREAMS ? ["--redis-mode", "streams"] : [])];
    const nodes = [];
    for (let i = 0; i < 2; i++) nodes.push(started(await startDuplex({ args }), () => nodes[i].stop()));
    const lb = started(await startNginx(nodes.map((n) => n.port), { sticky: true }));
    const dee = await openChat(context, pageErrors, lb.url, "dee");
    const eve = await openChat(context, pageErrors, lb.url, "eve");
    await joinRoom(dee, "war-room");
    await joinRoom(eve, "war-room");

    // ip_hash sends both pages to one node; a bot sits on the other.
    const counts = await Promise.all(nodes.map(connections));
    const held = counts[0] >= 2 ? 0 : 1;
    assert.equal(counts[held], 2, `both pages on one node: ${counts}`);
    const spare = nodes[1 - held];
    const fay = await bot(spare.url, "fay");
    await fay.socket.timeout(5_000).emitWithAck("join-room", "war-room");
    await say(dee, "before the kill");
    await message(eve, "before the kill").waitFor();
    await until("fay gets the message across nodes", () => fay.received.some((m) => m.text === "before the kill"));
    await eve.locator("#users button", { hasText: "dee" }).click();
    await eve.locator("#title", { hasText: exactly("@ dee") }).waitFor();
    const [deeBefore, eveBefore] = [await me(dee), await me(eve)];

    await nodes[held].kill();
    if (STREAMS) await fay.socket.timeout(5_000).emitWithAck("message", { text: "said while they moved" });
    await until("both pages on the other node", async () => (await connections(spare)) >= 3);
    await waitStatus(dee, "connected");
    await waitStatus(eve, "connected");
    assert.deepEqual(await me(dee), deeBefore, "dee is the same user");
    assert.deepEqual(await me(eve), eveBefore, "eve is the same user");
    assert.equal(await eve.locator("#title").textContent(), "@ dee", "eve's conversation with dee goes on");

    await say(dee, "after the kill, in the war room");
    await until("fay gets dee's message after the kill", () => fay.received.some((m) => m.text === "after the kill, in the war room"));
    await fay.socket.timeout(5_000).emitWithAck("message", { text: "fay after the kill", room: "war-room" });
    await message(dee, "fay after the kill").waitFor();
    await say(eve, "still talking to you, dee");
    await open(dee, "@ eve");
    await message(dee, "still talking to you, dee").waitFor();
    await open(eve, "# war-room");
    await message(eve, "after the kill, in the war room").waitFor();
    if (STREAMS) {
      await open(dee, "Everyone");
      await message(dee, "said while they moved").waitFor();
    }
    for (const page of [dee, eve]) await page.close();
  });

  test("no page threw an error", () => {
    assert.deepEqual(pageErrors.map(String), []);
  });
});
