// The chat protocol (README.md, "Chat protocol") as a bot sees it: headless
// socket.io-client sockets against bin/duplex. Each test starts its own
// server, so user and room lists are exact.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, test } from "node:test";
import { io } from "socket.io-client";

import { repoRoot, startDuplex } from "../e2e/server.mjs";

const TEST_TIMEOUT = 20_000;
const EVENT_TIMEOUT = 5_000;
/** How long a test listens to check that an event does NOT arrive. */
const QUIET = 300;

/** Bot is a chat client recording every event, so that tests can await them in any order. */
class Bot {
  constructor(socket) {
    this.socket = socket;
    this.events = new Map(); // name -> payloads not yet taken
    this.waiters = new Map(); // name -> resolve functions
    socket.onAny((name, payload) => {
      const waiting = this.waiters.get(name);
      if (waiting?.length) return waiting.shift()(payload);
      if (!this.events.has(name)) this.events.set(name, []);
      this.events.get(name).push(payload);
    });
  }

  /** id is the user's id, from the welcome: the same on every connection of its session. */
  get id() {
    return this.welcome?.id;
  }

  /** next resolves with the next payload of event name. */
  next(name, timeout = EVENT_TIMEOUT) {
    const queued = this.events.get(name);
    if (queued?.length) return Promise.resolve(queued.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(name);
        list.splice(list.indexOf(done), 1);
        reject(new Error(`no ${name} event within ${timeout} ms`));
      }, timeout);
      const done = (payload) => {
        clearTimeout(timer);
        resolve(payload);
      };
      if (!this.waiters.has(name)) this.waiters.set(name, []);
      this.waiters.get(name).push(done);
    });
  }

  /** none asserts that no event name arrives for a while. */
  async none(name) {
    await new Promise((resolve) => setTimeout(resolve, QUIET));
    assert.deepEqual(this.events.get(name) ?? [], [], `unexpected ${name} events`);
  }

  call(event, ...args) {
    return this.socket.timeout(EVENT_TIMEOUT).emitWithAck(event, ...args);
  }

  send(msg) {
    return this.call("message", msg);
  }

  close() {
    this.socket.close();
  }
}

let server;
const sockets = new Set();

async function useServer(args = []) {
  server = await startDuplex({ args });
  return server;
}

afterEach(async () => {
  for (const s of sockets) s.close();
  sockets.clear();
  if (server) {
    const { code } = await server.stop();
    server = null;
    assert.equal(code, 0, "duplex exits with 0 on SIGTERM");
  }
});

function socketFor(auth) {
  const socket = io(server.url, { auth, transports: ["websocket"], reconnection: false, forceNew: true });
  sockets.add(socket);
  return socket;
}

/** join connects a bot named name and resolves once welcomed. */
function join(name) {
  return joinWith({ name });
}

/** joinWith connects a bot with auth ({name}, {token}) and resolves once welcomed. */
async function joinWith(auth) {
  const socket = socketFor(auth);
  const bot = new Bot(socket);
  const refused = new Promise((_, reject) => socket.once("connect_error", reject));
  bot.welcome = await Promise.race([bot.next("welcome"), refused]);
  return bot;
}

/** refusal connects with auth and resolves with the connect_error message. */
function refusal(auth) {
  const socket = socketFor(auth);
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (err) => resolve(err.message));
    socket.once("connect", () => reject(new Error(`auth ${JSON.stringify(auth)} was accepted`)));
  });
}

const user = (bot) => ({ id: bot.id, name: bot.welcome.name });

describe("chat protocol", () => {
  test("refuses a missing, empty or too long display name with connect_error", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    assert.equal(await refusal(undefined), "a display name is required");
    assert.equal(await refusal({ name: "" }), "a display name is required");
    assert.equal(await refusal({ name: "   " }), "a display name is required");
    assert.equal(await refusal({ name: "x".repeat(33) }), "the display name is longer than 32 characters");
    const ok = await join("x".repeat(32));
    assert.equal(ok.welcome.name, "x".repeat(32));
  });

  test("welcome, user-joined and user-left", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const alice = await join(" alice ");
    assert.match(alice.welcome.token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(alice.welcome, {
      id: alice.id,
      name: "alice",
      token: alice.welcome.token,
      users: [{ id: alice.id, name: "alice" }],
      rooms: [],
      joined: [],
    });
    await alice.call("join-room", "lounge");

    const bob = await join("bob");
    assert.deepEqual(bob.welcome.users, [user(alice), user(bob)]);
    assert.deepEqual(bob.welcome.rooms, ["lounge"]);
    assert.deepEqual(await alice.next("user-joined"), user(bob));
    await bob.none("user-joined");

    bob.close();
    assert.deepEqual(await alice.next("user-left"), { id: bob.welcome.id, name: "bob" });
  });

  test("a public message reaches everyone but the sender, who gets the ack", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const [alice, bob, carol] = [await join("alice"), await join("bob"), await join("carol")];
    const text = '<img src=x onerror="alert(1)"> & "quotes"';
    const ack = await alice.send({ text });
    assert.match(ack.id, /^\S+$/);
    assert.ok(Math.abs(ack.ts - Date.now()) < 60_000, `ts ${ack.ts} is now`);
    const want = { id: ack.id, from: user(alice), text, ts: ack.ts };
    assert.deepEqual(await bob.next("received-message"), want);
    assert.deepEqual(await carol.next("received-message"), want);
    await alice.none("received-message");
  });

  test("refuses text over 2,000 characters, empty text and bad payloads in the ack", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const [alice, bob] = [await join("alice"), await join("bob")];
    assert.deepEqual(await alice.send({ text: "é".repeat(2001) }), { error: "the message is longer than 2000 characters" });
    assert.deepEqual(await alice.send({ text: "  " }), { error: "the message is empty" });
    assert.deepEqual(await alice.send("just a string"), { error: "invalid payload" });
    assert.deepEqual(await alice.send(42), { error: "invalid payload" });
    assert.deepEqual(await alice.send({ text: 42 }), { error: "invalid payload" });
    assert.deepEqual(await alice.call("join-room", 42), { error: "invalid payload" });
    assert.deepEqual(await alice.send({ text: "hi", room: "lounge", to: bob.id }), {
      error: "a message goes to a room or to a user, not both",
    });
    const ok = await alice.send({ text: "é".repeat(2000) });
    assert.ok(ok.id, "2,000 characters are accepted");
    assert.equal((await bob.next("received-message")).text.length, 2000);
    await bob.none("received-message");
  });

  test("room messages reach only the room's members; a room not joined is refused", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const [alice, bob, carol] = [await join("alice"), await join("bob"), await join("carol")];
    assert.deepEqual(await alice.send({ text: "hello?", room: "lounge" }), {
      error: 'you are not in room "lounge": join it first',
    });
    assert.deepEqual(await alice.call("join-room", "lounge"), { history: [] });
    assert.deepEqual(await carol.next("room-created"), { room: "lounge" }, "the others hear of a new room");
    assert.deepEqual(await bob.call("join-room", "lounge"), { history: [] });

    const ack = await alice.send({ text: "lounge only", room: "lounge" });
    const want = { id: ack.id, from: user(alice), text: "lounge only", room: "lounge", ts: ack.ts };
    assert.deepEqual(await bob.next("received-message"), want);
    await carol.none("received-message");
    await alice.none("received-message");

    assert.deepEqual(await bob.call("leave-room", "lounge"), {});
    assert.ok((await bob.send({ text: "still there?", room: "lounge" })).error, "a room left is refused");
    assert.ok((await alice.call("join-room", "")).error, "an empty room name is refused");
  });

  test("join-room replays the last 50 messages of the room", { timeout: TEST_TIMEOUT }, async () => {
    await useServer(["--chat-message-burst", "100"]); // 55 messages at once
    const alice = await join("alice");
    await alice.call("join-room", "history");
    const acks = [];
    for (let i = 0; i < 55; i++) acks.push(await alice.send({ text: `message ${i}`, room: "history" }));
    const bob = await join("bob");
    const { history } = await bob.call("join-room", "history");
    assert.equal(history.length, 50);
    assert.deepEqual(
      history.map((m) => m.id),
      acks.slice(5).map((a) => a.id),
    );
    assert.deepEqual(history[0], { id: acks[5].id, from: user(alice), text: "message 5", room: "history", ts: acks[5].ts });
  });

  test("a direct message reaches only its target", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const [alice, bob, carol] = [await join("alice"), await join("bob"), await join("carol")];
    // Carol tries to read bob's direct messages by joining a room named
    // after his id: chat rooms are prefixed, so she is not in his room.
    await carol.call("join-room", bob.id);
    const ack = await alice.send({ text: "psst", to: bob.id });
    assert.deepEqual(await bob.next("received-message"), { id: ack.id, from: user(alice), text: "psst", to: bob.id, ts: ack.ts });
    await carol.none("received-message");
    await alice.none("received-message");
    assert.deepEqual(await alice.send({ text: "hi", to: "nobody" }), { error: "no such user" });
    assert.deepEqual(await alice.send({ text: "hi", to: alice.id }), { error: "you cannot send a direct message to yourself" });
  });

  test("a session token brings the user back, with its id, name and rooms; logout forgets it", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const [alice, bob] = [await join("alice"), await join("bob")];
    await alice.call("join-room", "lounge");
    await bob.call("join-room", "lounge");
    const { token } = alice.welcome;
    alice.close();
    assert.deepEqual(await bob.next("user-left"), user(alice));

    const back = await joinWith({ token });
    assert.deepEqual([back.id, back.welcome.name, back.welcome.joined, back.welcome.token], [alice.id, "alice", ["lounge"], undefined]);
    assert.deepEqual(await bob.next("user-joined"), user(alice));
    // In the lounge again without a join-room: what a page typed offline goes out at once.
    const ack = await back.send({ text: "back", room: "lounge" });
    assert.deepEqual(await bob.next("received-message"), { id: ack.id, from: user(alice), text: "back", room: "lounge", ts: ack.ts });
    const dm = await bob.send({ text: "welcome back", to: alice.id });
    assert.equal((await back.next("received-message")).id, dm.id);

    assert.deepEqual(await back.call("logout"), {});
    back.close();
    const fresh = await joinWith({ token, name: "alice" });
    assert.notEqual(fresh.id, alice.id, "after logout the token is no way back: a new user");
    assert.deepEqual(fresh.welcome.joined, []);
  });

  test("typing goes where the message would", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const [alice, bob, carol] = [await join("alice"), await join("bob"), await join("carol")];
    alice.socket.emit("typing", {});
    assert.deepEqual(await bob.next("typing"), { from: user(alice) });
    assert.deepEqual(await carol.next("typing"), { from: user(alice) });

    alice.socket.emit("typing", { to: carol.id });
    assert.deepEqual(await carol.next("typing"), { from: user(alice), to: carol.id });
    await bob.none("typing");

    await alice.call("join-room", "lounge");
    await bob.call("join-room", "lounge");
    alice.socket.emit("typing", { room: "lounge" });
    assert.deepEqual(await bob.next("typing"), { from: user(alice), room: "lounge" });
    await carol.none("typing");
    await alice.none("typing");
  });

  test("limits: rooms per user, the message rate, list-rooms, a kick with its reason", { timeout: TEST_TIMEOUT }, async () => {
    await useServer(["--chat-max-rooms-per-user", "3", "--chat-welcome-rooms", "2", "--chat-message-burst", "2", "--chat-max-refusals", "3"]);
    const alice = await join("alice");
    for (const room of ["a1", "a2", "a3"]) assert.deepEqual(await alice.call("join-room", room), { history: [] });
    assert.deepEqual(await alice.call("join-room", "a4"), { error: "you are in 3 rooms, the most allowed: leave one first" });
    assert.deepEqual(await alice.call("join-room", "a\u202eb"), { error: "a room name has letters, digits, spaces and - _ . only, no space at either end" });
    const bob = await join("bob");
    assert.equal(bob.welcome.rooms.length, 2);
    assert.equal(bob.welcome.moreRooms, true);
    const page1 = await bob.call("list-rooms", { prefix: "a", after: "" });
    assert.deepEqual(page1, { rooms: ["a1", "a2", "a3"] });
    assert.deepEqual(await bob.call("list-rooms", { prefix: "a2" }), { rooms: ["a2"] });

    assert.ok((await bob.send({ text: "1" })).id);
    assert.ok((await bob.send({ text: "2" })).id);
    assert.deepEqual(await bob.send({ text: "3" }), { error: "you are sending messages too fast: wait a moment" });
    const kicked = bob.next("kicked");
    const gone = new Promise((resolve) => bob.socket.once("disconnect", resolve));
    for (let i = 0; i < 3; i++) bob.socket.emit("message", { text: "more" });
    assert.deepEqual(await kicked, { reason: "disconnected: too many requests refused for their rate" });
    await gone;
  });

  test("display names are unique, whatever their case or look-alike letters", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const ada = await join("Ada");
    const taken = "this display name, or one that looks like it, is taken: choose another";
    assert.equal(await refusal({ name: "ada" }), taken);
    assert.equal(await refusal({ name: "\u0410da" }), taken); // Cyrillic А
    assert.equal(await refusal({ name: "A\u200bda" }), "the display name contains control, invisible or direction-changing characters");
    assert.equal(await refusal({ name: "Ada", NAME: "x", name2: 1 }), taken);
    ada.close();
  });

  test("GET /healthz counts connections; the client bundle is served", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    await join("alice");
    const health = await (await fetch(new URL("/healthz", server.url))).json();
    assert.equal(health.status, "ok");
    assert.equal(health.connections, 1);
    assert.equal(health.users, 1);
    assert.equal(typeof health.uptime_seconds, "number");

    const res = await fetch(new URL("/socket.io/socket.io.min.js", server.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /javascript/);
    const want = await readFile(path.join(repoRoot, "node_modules/socket.io-client/dist/socket.io.min.js"), "utf8");
    assert.equal(await res.text(), want, "the bundle is the pinned npm package's");
  });

  test("SIGTERM disconnects the clients and exits with 0", { timeout: TEST_TIMEOUT }, async () => {
    await useServer();
    const alice = await join("alice");
    const disconnected = new Promise((resolve) => alice.socket.once("disconnect", resolve));
    const { code } = await server.stop();
    server = null;
    assert.equal(code, 0);
    assert.equal(await disconnected, "transport close");
  });
});
