// The chat in Chromium on three bin/duplex nodes (Redis) behind nginx
// round-robin, with no sticky sessions: each request of a page may reach
// any node, which forwards it to the node holding the page's session.
// Then one node is killed (SIGKILL): its pages reconnect through nginx.
// Twice: with the classic Redis mode, and with the streams mode
// (--redis-mode streams), where the pages of the killed node also recover
// on a live node and get a public message sent while they moved.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { io } from "socket.io-client";

import { launchChromium } from "./browser.mjs";
import { message, openChat, say, waitStatus, waitUsers } from "./chatpage.mjs";
import { startDuplex } from "./server.mjs";
import { startNginx, startRedis } from "./services.mjs";

const TEST_TIMEOUT = 60_000;

let context;
let browser;
const pageErrors = [];

before(async () => {
  browser = await launchChromium({ timeout: 20_000 });
  context = browser.context;
});

after(async () => {
  await browser?.close();
});





/** connections returns the sessions each node holds (GET /healthz). */
async function connections(nodes) {
  return Promise.all(nodes.map(async (n) => (await (await fetch(n.url + "healthz")).json()).connections));
}

for (const mode of ["classic", "streams"]) {
  describe(`the chat behind a round-robin balancer, no sticky sessions (redis ${mode})`, () => {
    let redis;
    let nodes = [];
    let lb;
    const pages = {};

    before(async () => {
      redis = await startRedis();
      const args = ["--redis", redis.url, "--redis-mode", mode];
      for (let i = 0; i < 3; i++) nodes.push(await startDuplex({ args }));
      lb = await startNginx(nodes.map((n) => n.port));
    });

    after(async () => {
      for (const p of Object.values(pages)) await p.close();
      await lb?.stop();
      for (const n of nodes) await n.stop();
      await redis?.stop();
    });

    test("pages chat through the balancer", { timeout: TEST_TIMEOUT }, async () => {
      for (const name of ["alice", "bob", "carol"]) pages[name] = await openChat(context, pageErrors, lb.url, name);
      const { alice, bob, carol } = pages;
      await waitUsers(alice, ["alice", "bob", "carol"]);
      await say(alice, "Hello from behind nginx");
      await message(bob, "Hello from behind nginx").waitFor();
      await message(carol, "Hello from behind nginx").waitFor();
      await say(bob, "Every request on any node");
      await message(alice, "Every request on any node").waitFor();
      const held = await connections(nodes);
      assert.equal(held.reduce((a, b) => a + b, 0), 3, `one session per page: ${held}`);
    });

    const recovers = mode === "streams" ? ", recover and get what they missed" : "";
    test(`a node killed: its pages reconnect through the balancer${recovers}`, { timeout: TEST_TIMEOUT }, async () => {
      const held = await connections(nodes);
      const victim = held.findIndex((n) => n > 0);
      const live = nodes.find((_, i) => i !== victim);
      await nodes[victim].kill();
      nodes = nodes.filter((_, i) => i !== victim);
      if (mode === "streams") {
        // Sent at once, while the killed node's pages are away: they get
        // it from the stream when they recover (public messages have no
        // history to replay).
        const dan = io(live.url, { auth: { name: "dan" }, transports: ["websocket"], forceNew: true });
        try {
          await new Promise((resolve, reject) => { dan.once("welcome", resolve); dan.once("connect_error", reject); });
          await dan.timeout(5_000).emitWithAck("message", { text: "said while they moved" });
        } finally {
          dan.close();
        }
      }
      const { alice, bob, carol } = pages;
      await waitUsers(alice, ["alice", "bob", "carol"]);
      for (const p of [alice, bob, carol]) await waitStatus(p, "connected");
      const now = await connections(nodes);
      assert.equal(now.reduce((a, b) => a + b, 0), 3, `every page back on the live nodes: ${now}`);
      if (mode === "streams") {
        for (const p of [alice, bob, carol]) await message(p, "said while they moved").waitFor();
      }
      await say(carol, "Still here after the crash");
      await message(alice, "Still here after the crash").waitFor();
      await message(bob, "Still here after the crash").waitFor();
    });
  });
}

test("no page threw an error", () => {
  assert.deepEqual(pageErrors.map(String), []);
});
