// Drives Debian's Chromium (playwright-core) for webtransport_test.go: it
// opens PAGE_URL, where the official browser bundle (socket.io.min.js) is
// loaded, runs one scenario there with socket.io-client and prints its
// result as one JSON line. The Go test serves the page and Socket.IO (over
// HTTP/1.1 and HTTP/3 on the same port) and checks the result.
//
//   node browser.mjs PAGE_URL CERT_SHA256_HEX TRANSPORTS(comma-separated) client|server
//
// The last argument says who disconnects at the end: the page
// (socket.disconnect()) or the server (asked with "disconnect-me").

import { chromium } from "playwright-core";

const [pageURL, certHash, transports, closer] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true,
  // QUIC stays enabled: WebTransport runs over it.
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(m.text()));
  page.on("pageerror", (e) => logs.push(String(e)));
  await page.goto(pageURL);
  const result = await page.evaluate(scenario, { certHash, transports: transports.split(","), closer });
  result.logs = logs;
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}

// scenario runs in the page: connect, echo text and binary with acks, get
// a server emit, report the transport in use, then disconnect (closer).
async function scenario({ certHash, transports, closer }) {
  const hash = new Uint8Array(certHash.match(/../g).map((h) => parseInt(h, 16)));
  const out = { hasWebTransport: typeof WebTransport === "function" };
  const socket = io({
    transports,
    transportOptions: { webtransport: { serverCertificateHashes: [{ algorithm: "sha-256", value: hash }] } },
    reconnection: false,
    timeout: 20000,
  });
  try {
    await new Promise((resolve, reject) => {
      socket.on("connect", resolve);
      socket.on("connect_error", (e) => reject(new Error("connect_error: " + e.message + " " + JSON.stringify(e.context ?? ""))));
    });
    if (transports.length > 1) {
      // polling first, then the upgrade
      await new Promise((resolve, reject) => {
        if (socket.io.engine.transport.name !== "polling") return resolve();
        socket.io.engine.once("upgrade", resolve);
        setTimeout(() => reject(new Error("no upgrade, transport " + socket.io.engine.transport.name)), 20000);
      });
    }
    out.transport = socket.io.engine.transport.name;
    // every argument of the ack, where emitWithAck gives the first only
    const call = (...args) => new Promise((resolve, reject) =>
      socket.timeout(20000).emit("message-with-ack", ...args, (err, ...got) => (err ? reject(err) : resolve(got))));
    out.echo = await call("héllo", { n: 1 }, [true]);
    out.binary = Array.from(new Uint8Array((await call(new Uint8Array([1, 2, 3, 255])))[0]));
    out.bigLength = (await call("x".repeat(100000)))[0].length;
    const back = new Promise((resolve) => socket.once("message-back", (...a) => resolve(a)));
    socket.emit("message", "pushed");
    out.pushed = await back;
    out.transportAfter = socket.io.engine.transport.name;
    if (closer === "server") {
      // The server's DISCONNECT must arrive before its WebTransport session closes.
      const reason = new Promise((resolve) => socket.once("disconnect", resolve));
      socket.emit("disconnect-me", true);
      out.disconnectReason = await reason;
    }
  } catch (e) {
    out.error = String(e);
  } finally {
    socket.disconnect();
  }
  return out;
}
