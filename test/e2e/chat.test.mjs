// The chat application end to end: pages of a real headless Chromium
// (Debian's chromium, driven by playwright-core) chat through bin/duplex.
// The tests run in order and share the server and the browser: the users
// that one test brings in are there for the next. Screenshots go to
// test-results/; with DUPLEX_UPDATE_DOCS=1 the README's docs/chat.png is
// refreshed too.

import assert from "node:assert/strict";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { io } from "socket.io-client";

import { launchChromium } from "./browser.mjs";
import { exactly, message, open, say, signIn, waitStatus, waitUsers } from "./chatpage.mjs";
import { repoRoot, startDuplex } from "./server.mjs";

const RESULTS = path.join(repoRoot, "test-results");
const TEST_TIMEOUT = 30_000;
/** How long a check that something does NOT show up waits. */
const QUIET = 400;

let server;
let context;
let browser;
const pages = {};
const pageErrors = [];

before(async () => {
  await mkdir(RESULTS, { recursive: true });
  server = await startDuplex();
  browser = await launchChromium({ timeout: 10_000, viewport: { width: 1100, height: 680 }, colorScheme: "light" });
  context = browser.context;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// ---- helpers -----------------------------------------------------------------

async function newPage() {
  const page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(err));
  await page.goto(server.url);
  return page;
}

/** openChat opens a tab and logs in as name. */
async function openChat(name) {
  const page = await newPage();
  await signIn(page, name);
  pages[name] = page;
  return page;
}






const conversations = (page) => page.locator("#conversations .label").allTextContents();
const users = async (page) => (await page.locator("#users .label").allTextContents()).sort();


/** absent checks, after a while, that text shows nowhere in the page. */
async function absent(page, text) {
  await page.waitForTimeout(QUIET);
  const body = await page.locator("body").innerText();
  assert.ok(!body.includes(text), `"${text}" must not reach this page`);
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(RESULTS, name), animations: "disabled" });
}

// ---- tests -----------------------------------------------------------------

describe("chat in the browser", () => {
  test("a display name that is empty or too long is refused, and the page says why", { timeout: TEST_TIMEOUT }, async () => {
    const page = await newPage();
    await page.fill("#name", "n".repeat(33));
    await page.click("#join");
    await page.locator("#login-error", { hasText: "longer than 32 characters" }).waitFor();
    await page.fill("#name", "");
    await page.click("#join");
    await page.locator("#login-error", { hasText: "a display name is required" }).waitFor();
    assert.ok(await page.locator("#app").isHidden(), "still on the login form");
    await screenshot(page, "login-refused.png");
    await page.close();
  });

  test("two pages chat with each other", { timeout: TEST_TIMEOUT }, async () => {
    const alice = await openChat("alice");
    await message(alice, "Welcome, alice!").waitFor();
    const bob = await openChat("bob");
    await alice.locator("#messages .notice", { hasText: "bob joined" }).waitFor();
    await waitUsers(alice, ["alice", "bob"]);
    assert.deepEqual(await users(bob), ["alice", "bob"]);

    await say(alice, "Hi bob! Welcome to Duplex.");
    await message(bob, "Hi bob! Welcome to Duplex.").waitFor();
    assert.equal(await alice.locator("#messages .msg.mine .ack").last().textContent(), "✓ delivered");

    await bob.fill("#text", "Hello alice, nice to see you here.");
    await alice.locator("#typing", { hasText: "bob is typing…" }).waitFor();
    await bob.press("#text", "Enter");
    await message(alice, "Hello alice, nice to see you here.").waitFor();
    await say(alice, "Shall we open a room for the project?");
    await message(bob, "Shall we open a room").waitFor();
    await screenshot(alice, "chat-alice.png");
    await screenshot(bob, "chat-bob.png");

    await bob.setViewportSize({ width: 390, height: 720 });
    await screenshot(bob, "chat-mobile.png");
    await bob.click("#menu");
    await bob.locator("#users").waitFor({ state: "visible" });
    await screenshot(bob, "chat-mobile-drawer.png");
    await bob.click("#menu");
    await bob.setViewportSize({ width: 1100, height: 680 });
  });

  test("room messages reach only the room's members, and the room's history is replayed on join", { timeout: TEST_TIMEOUT }, async () => {
    const { alice, bob } = pages;
    const carol = await openChat("carol");
    await waitUsers(alice, ["alice", "bob", "carol"]);

    await carol.fill("#room-name", "lounge");
    await carol.press("#room-name", "Enter");
    await carol.locator("#title", { hasText: "# lounge" }).waitFor();
    await alice.fill("#room-name", "lounge");
    await alice.press("#room-name", "Enter");
    await alice.locator("#title", { hasText: "# lounge" }).waitFor();

    await say(carol, "Welcome to the lounge, members only");
    await message(alice, "Welcome to the lounge").waitFor();
    await say(carol, "<b>not bold</b> & <script>alert(1)</script>");
    const html = alice.locator("#messages .msg", { hasText: "not bold" });
    await html.waitFor();
    assert.equal(await html.locator(".bubble").textContent(), "<b>not bold</b> & <script>alert(1)</script>");
    assert.equal(await html.locator(".bubble *").count(), 0, "text is rendered as text, never as HTML");
    assert.ok(!(await conversations(bob)).includes("# lounge"));
    await absent(bob, "members only");

    // Bob joins late: the message is replayed from the room's history.
    await bob.fill("#room-name", "lounge");
    await bob.press("#room-name", "Enter");
    await bob.locator("#title", { hasText: "# lounge" }).waitFor();
    await message(bob, "Welcome to the lounge").waitFor();
    await bob.locator("#messages .notice", { hasText: "2 earlier messages" }).waitFor();
    await bob.click("#leave-room");
    await bob.locator("#title", { hasText: "Everyone" }).waitFor();
    await say(carol, "Bob left the lounge, he won't read this");
    await message(alice, "he won't read this").waitFor();
    await absent(bob, "he won't read this");
  });

  test("a direct message reaches only its target", { timeout: TEST_TIMEOUT }, async () => {
    const { alice, bob, carol } = pages;
    await alice.locator("#users button", { hasText: "bob" }).click();
    await alice.locator("#title", { hasText: "@ bob" }).waitFor();
    await say(alice, "Psst bob, a secret for you");
    const fromAlice = bob.locator("#conversations button", { hasText: "@ alice" });
    await fromAlice.locator(".badge", { hasText: "1" }).waitFor();
    await open(bob, "@ alice");
    await message(bob, "a secret for you").waitFor();
    assert.ok(!(await conversations(carol)).includes("@ alice"));
    await absent(carol, "a secret for you");

    await open(alice, "Everyone");
    await say(bob, "Got it, thanks!");
    await alice.locator("#conversations button", { hasText: "@ bob" }).locator(".badge", { hasText: "1" }).waitFor();
  });

  test("a reload keeps the user signed in, with the same name, rooms and conversations", { timeout: TEST_TIMEOUT }, async () => {
    const { alice, bob } = pages;
    const before = await alice.evaluate(() => JSON.parse(sessionStorage.getItem("duplex-state")).me);
    await open(alice, "@ bob");
    await alice.reload();
    await waitStatus(alice, "connected");
    assert.ok(await alice.locator("#login").isHidden(), "no login form after a reload");
    assert.equal(await alice.locator("#me strong").textContent(), "alice");
    const after = await alice.evaluate(() => JSON.parse(sessionStorage.getItem("duplex-state")).me);
    assert.deepEqual(after, before, "the same user id and name");
    assert.equal(await alice.locator("#title").textContent(), "@ bob", "the open conversation, and bob is online");
    await message(alice, "a secret for you").waitFor();
    assert.ok((await conversations(alice)).includes("# lounge"), "still in the lounge");
    await waitUsers(bob, ["alice", "bob", "carol"]);
    // bob's conversation with alice goes on: she is the same person.
    await open(bob, "@ alice");
    await say(bob, "Welcome back after your reload");
    await message(alice, "Welcome back after your reload").waitFor();
    await say(alice, "Thanks, still here");
    await message(bob, "Thanks, still here").waitFor();
    // The lounge's history came back, and its messages still reach alice.
    await open(alice, "# lounge");
    await message(alice, "Welcome to the lounge").waitFor();
    await say(pages.carol, "Lounge news after alice's reload");
    await message(alice, "Lounge news after alice's reload").waitFor();
    await open(alice, "Everyone");
  });

  test("a room created by someone else shows up in the rooms list at once", { timeout: TEST_TIMEOUT }, async () => {
    const { alice, carol } = pages;
    await carol.fill("#room-name", "garden");
    await carol.press("#room-name", "Enter");
    await carol.locator("#title", { hasText: "# garden" }).waitFor();
    await alice.locator("#rooms button", { hasText: exactly("# garden") }).waitFor();
    await carol.click("#leave-room");
  });

  test("the user list updates when someone leaves", { timeout: TEST_TIMEOUT }, async () => {
    const { alice, bob, carol } = pages;
    await carol.close();
    delete pages.carol;
    await waitUsers(alice, ["alice", "bob"]);
    await waitUsers(bob, ["alice", "bob"]);
    await message(alice, "carol left").waitFor();

    await open(alice, "Everyone");
    await open(bob, "Everyone");
    await alice.fill("#text", "Carol left, see you later!");
    await bob.fill("#text", "See you");
    await alice.locator("#typing", { hasText: "bob is typing…" }).waitFor();
    await screenshot(alice, "chat.png");
    if (process.env.DUPLEX_UPDATE_DOCS) {
      await mkdir(path.join(repoRoot, "docs"), { recursive: true });
      await copyFile(path.join(RESULTS, "chat.png"), path.join(repoRoot, "docs", "chat.png"));
    }
    await alice.fill("#text", "");
    await bob.fill("#text", "");
  });

  test("the page shows reconnecting and recovers when the server restarts; what was typed meanwhile goes out", { timeout: TEST_TIMEOUT }, async () => {
    const { alice, bob } = pages;
    const { port } = server;
    await bob.fill("#room-name", "lounge");
    await bob.press("#room-name", "Enter");
    await bob.locator("#title", { hasText: "# lounge" }).waitFor();
    const { code } = await server.stop();
    assert.equal(code, 0, "graceful shutdown exits with 0");
    await waitStatus(alice, "reconnecting");
    await waitStatus(bob, "reconnecting");
    assert.match(await alice.locator("#status").textContent(), /reconnecting/i);
    await screenshot(alice, "reconnecting.png");
    // Typed while the server is down: queued, then sent once the page is
    // back in the lounge (before, "you are not in room" after the restart).
    await open(alice, "# lounge");
    await alice.fill("#text", "Typed while the server was down");
    await alice.press("#text", "Enter");
    await alice.locator('#messages .msg.mine[data-status="queued"]', { hasText: "Typed while the server was down" }).waitFor();

    server = await startDuplex({ addr: `127.0.0.1:${port}` });
    await waitStatus(alice, "connected");
    await waitStatus(bob, "connected");
    await alice.locator('#messages .msg.mine[data-status="delivered"]', { hasText: "Typed while the server was down" }).waitFor();
    await message(bob, "Typed while the server was down").waitFor();
    await waitUsers(alice, ["alice", "bob"]);
    await waitUsers(bob, ["alice", "bob"]);
    await bob.click("#leave-room");

    await open(alice, "Everyone");
    await open(bob, "Everyone");
    await say(alice, "Back after the restart");
    await message(bob, "Back after the restart").waitFor();
    // Alone, the server kept its sessions in memory: everyone is a new
    // user under the same name (with --redis they are the same users: see
    // "chat with Redis"). The direct conversation with the bob of before
    // waits for him, and the bob of now is another one (a conversation
    // belongs to a person, never to a name somebody else may take).
    await open(alice, "@ bob (offline)");
    assert.ok(await alice.locator("#text").isDisabled(), "nothing can be sent to a conversation that ended");
    await alice.locator("#users button", { hasText: "bob" }).click();
    await alice.locator("#title", { hasText: exactly("@ bob") }).waitFor();
    await say(alice, "Still there, bob?");
    await open(bob, "@ alice");
    await message(bob, "Still there, bob?").waitFor();
    await screenshot(alice, "reconnected.png");
  });

  test("a conversation ends when its peer leaves; a new user with the same name is another person", { timeout: TEST_TIMEOUT }, async () => {
    const { alice } = pages;
    const dave = await openChat("dave");
    await waitUsers(alice, ["alice", "bob", "dave"]);
    await alice.locator("#users button", { hasText: "dave" }).click();
    await say(alice, "Dave, the code is 1234");
    await open(dave, "@ alice");
    await message(dave, "the code is 1234").waitFor();
    await dave.close();
    delete pages.dave;
    await alice.locator("#title", { hasText: exactly("@ dave (offline)") }).waitFor();
    await message(alice, "dave left: you can write here again when they are back").waitFor();
    assert.ok(await alice.locator("#text").isDisabled());

    const impostor = await openChat("Dave");
    await waitUsers(alice, ["alice", "bob", "Dave"]);
    assert.equal(await alice.locator("#title").textContent(), "@ dave (offline)", "the open conversation stays with the dave who left");
    assert.ok(await alice.locator("#text").isDisabled(), "and cannot be sent to");
    assert.ok(!(await conversations(impostor)).includes("@ alice"));
    await absent(impostor, "the code is 1234");
    await impostor.close();
    await waitUsers(alice, ["alice", "bob"]);
  });

  test("look-alike display names are refused, and the page says why", { timeout: TEST_TIMEOUT }, async () => {
    const page = await newPage();
    for (const [name, why] of [
      ["ALICE", "looks like it, is taken"],
      ["\u0430lice", "looks like it, is taken"], // Cyrillic а
      ["ali\u200bce", "invisible or direction-changing"],
      ["\u202eecila", "invisible or direction-changing"],
    ]) {
      await page.fill("#name", name);
      await page.click("#join");
      await page.locator("#login-error", { hasText: why }).waitFor();
    }
    assert.ok(await page.locator("#app").isHidden());
    await page.close();
  });

  test("a page stays fast with thousands of rooms: the welcome lists the most active, search finds the rest", { timeout: 60_000 }, async () => {
    const bots = [];
    for (let b = 0; b < 20; b++) {
      const socket = io(server.url, { auth: { name: `spammer${b}` }, transports: ["websocket"], reconnection: false, forceNew: true });
      bots.push(socket);
      await new Promise((resolve, reject) => {
        socket.once("welcome", resolve);
        socket.once("connect_error", reject);
      });
      const joins = [];
      for (let i = 0; i < 100; i++) joins.push(socket.timeout(20_000).emitWithAck("join-room", `spam-${String(b).padStart(2, "0")}-${String(i).padStart(3, "0")}`));
      for (const ack of await Promise.all(joins)) assert.ok(ack.history, JSON.stringify(ack));
    }
    try {
      const start = Date.now();
      const erin = await openChat("erin");
      const login = Date.now() - start;
      const listed = await erin.locator("#rooms li").count();
      const clickStart = Date.now();
      await open(erin, "Everyone");
      await erin.locator("#users button", { hasText: "alice" }).click();
      await erin.locator("#title", { hasText: exactly("@ alice") }).waitFor();
      const click = Date.now() - clickStart;
      console.log(`# with 2000 rooms: login ${login} ms, ${listed} rooms listed, a click ${click} ms`);
      assert.ok(listed <= 51, `${listed} rooms listed, want at most 50`);
      assert.ok(login < 10_000, `login took ${login} ms`);
      assert.ok(click < 3_000, `a click took ${click} ms`);

      await erin.locator("#more-rooms").waitFor({ state: "visible" });
      await erin.fill("#room-search", "spam-07-04");
      await erin.press("#room-search", "Enter");
      await erin.waitForFunction(() => document.querySelectorAll("#rooms li button").length === 10);
      await erin.locator("#rooms button", { hasText: "# spam-07-042" }).click();
      await erin.locator("#title", { hasText: exactly("# spam-07-042") }).waitFor();
      await erin.close();
      delete pages.erin;
    } finally {
      for (const s of bots) s.close();
    }
  });

  test("no page threw an error", { timeout: TEST_TIMEOUT }, () => {
    assert.deepEqual(pageErrors.map(String), []);
  });
});
