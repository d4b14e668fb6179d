// The official admin UI (@socket.io/admin-ui 0.5.1's page, embedded in
// bin/duplex and served at /admin/) in a real headless Chromium against
// `duplex --admin`: a wrong password is refused, the right one logs in, the
// UI shows the server, a client's socket and its room, and disconnecting
// that socket from the sockets view disconnects the client. The tests run
// in order and share the server, the browser and the client. Screenshots go
// to test-results/; with DUPLEX_UPDATE_DOCS=1 the README's docs/admin-ui.png
// is refreshed too.

import assert from "node:assert/strict";
import { copyFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { io } from "socket.io-client";

import { launchChromium } from "./browser.mjs";
import { repoRoot, startDuplex } from "./server.mjs";

const RESULTS = path.join(repoRoot, "test-results");
const TEST_TIMEOUT = 30_000;

// bcrypt of "s3cret" at cost 4, so that each login check stays quick.
const HASH = "$2a$04$dAldqIDMREn9Ia5p6r740.xFQKlUH52JR1jnG21eYkcsNsK..UM6G";

let server;
let context;
let browser;
let page;
let client;
const pageErrors = [];

before(async () => {
  await mkdir(RESULTS, { recursive: true });
  server = await startDuplex({ args: ["--admin", "--admin-user", "ops", "--admin-password-hash", HASH] });
  browser = await launchChromium({ timeout: 10_000, viewport: { width: 1400, height: 900 } });
  context = browser.context;
  // The chat's own client: a socket on "/" for the UI to show.
  client = io(server.url, { auth: { name: "alice" }, transports: ["websocket"], reconnection: false });
  await new Promise((resolve, reject) => {
    client.once("connect", resolve);
    client.once("connect_error", reject);
  });
  // The chat's join-room puts the socket in the room "room:ops-room".
  await client.timeout(10_000).emitWithAck("join-room", "ops-room");
});

after(async () => {
  client?.close();
  await browser?.close();
  await server?.stop();
});

/** login fills the UI's connection form and submits it. */
async function login(user, password) {
  const dialog = page.locator(".v-dialog--active");
  await dialog.waitFor({ state: "visible" });
  await dialog.getByLabel("Username").fill(user);
  await dialog.getByLabel("Password").fill(password);
  await dialog.getByRole("button", { name: "Connect" }).click();
}

describe("admin UI", { timeout: TEST_TIMEOUT }, () => {
  test("the page comes from the binary, pointed at this server", async () => {
    page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(err));
    // A request the page makes off the server (a CDN) or that its CSP
    // blocks is an error too.
    page.on("console", (msg) => msg.type() === "error" && pageErrors.push(msg.text()));
    page.on("request", (req) => req.url().startsWith(server.url) || pageErrors.push(`request to ${req.url()}`));
    await page.goto(server.url + "admin/");
    const dialog = page.locator(".v-dialog--active");
    await dialog.waitFor({ state: "visible" });
    const serverUrl = await dialog.getByLabel("Server URL").inputValue();
    assert.equal(serverUrl + "/", server.url);
  });

  test("a wrong password is refused", async () => {
    await login("ops", "wrong");
    await page.getByText("Invalid credentials").waitFor({ state: "visible" });
    assert.ok(await page.locator(".v-dialog--active").isVisible());
  });

  test("the right password logs in and the dashboard shows the server", async () => {
    await login("ops", "s3cret");
    await page.locator(".v-dialog--active").waitFor({ state: "detached" }).catch(() => {});
    await page.locator(".v-dialog--active").waitFor({ state: "hidden" });
    await page.goto(server.url + "admin/#/servers/");
    // The server id is host#pid, the host name a column of its own.
    await page.getByText(`${os.hostname()}#`).first().waitFor({ state: "visible" });
    await page.screenshot({ path: path.join(RESULTS, "admin-servers.png") });
    await page.goto(server.url + "admin/#/");
    await page.locator("canvas").first().waitFor({ state: "visible" }); // the histograms of aggregatedEvents
    await page.waitForTimeout(1500); // the charts' animation, for the picture only
    await page.screenshot({ path: path.join(RESULTS, "admin-dashboard.png") });
    if (process.env.DUPLEX_UPDATE_DOCS) await copyFile(path.join(RESULTS, "admin-dashboard.png"), path.join(repoRoot, "docs", "admin-ui.png"));
  });

  test("a reload logs in again with the session id, without the form", async () => {
    assert.ok(await page.evaluate(() => localStorage.getItem("session_id")), "no session id stored");
    await page.reload();
    await page.getByText("connected", { exact: true }).first().waitFor({ state: "visible" });
    assert.equal(await page.locator(".v-dialog--active").count(), 0);
  });

  test("the sockets view shows the client's socket, the rooms view its room", async () => {
    await page.goto(server.url + "admin/#/sockets/");
    await page.locator("td:visible", { hasText: client.id }).first().waitFor({ state: "visible" });
    await page.screenshot({ path: path.join(RESULTS, "admin-sockets.png") });
    await page.goto(server.url + "admin/#/rooms/");
    await page.locator("td:visible", { hasText: "room:ops-room" }).first().waitFor({ state: "visible" });
  });

  test("the events view lists an event the client sent", async () => {
    await page.goto(server.url + "admin/#/events/");
    await client.timeout(10_000).emitWithAck("join-room", "watched-room");
    await page.locator("td:visible", { hasText: "join-room" }).first().waitFor({ state: "visible" });
    await page.screenshot({ path: path.join(RESULTS, "admin-events.png") });
  });

  test("disconnecting the socket from the sockets view disconnects the client", async () => {
    const gone = new Promise((resolve) => client.once("disconnect", resolve));
    await page.goto(server.url + "admin/#/sockets/");
    const row = page.locator("tr", { hasText: client.id });
    await row.locator("button:has(.mdi-logout)").click();
    assert.equal(await gone, "io server disconnect");
  });

  test("the page raised no error", () => {
    assert.deepEqual(pageErrors.map(String), []);
  });
});
