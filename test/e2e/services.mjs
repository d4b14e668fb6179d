// Servers the cluster e2e tests start for themselves, on free loopback
// ports, and stop at the end: redis-server and nginx (Debian's, installed
// by `make test-e2e`). Never the machine's Redis: each test has its own.

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const READY_TIMEOUT = 10_000;

/** freePort resolves with a TCP port of 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** waitPort resolves once something accepts connections on port, or rejects after timeout ms. */
async function waitPort(port, timeout = READY_TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const sock = net.connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** spawnService runs cmd and returns {child, logs(), stop()}; stop sends SIGTERM, then SIGKILL. */
function spawnService(cmd, args) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  const onData = (chunk) => {
    logs = (logs + chunk).slice(-16_384);
  };
  child.stdout.setEncoding("utf8").on("data", onData);
  child.stderr.setEncoding("utf8").on("data", onData);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  exited.then(() => process.removeListener("exit", killOnExit));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, logs: () => logs, stop, exited };
}

/**
 * startRedis starts a redis-server of its own on a free port, without
 * persistence, and resolves with {url, port, stop()}.
 */
export async function startRedis() {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), "duplex-e2e-redis-"));
  const svc = spawnService("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir]);
  try {
    await waitPort(port);
  } catch (err) {
    await svc.stop();
    throw new Error(`${err.message}\n${svc.logs()}`);
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    stop: async () => {
      await svc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * startNginx starts nginx on a free port as the load balancer of the given
 * backends (ports of 127.0.0.1, or host:port strings): round robin with no
 * affinity, as the README's cluster section shows (any node serves any
 * session), or ip_hash with sticky. WebSocket upgrades are passed through,
 * and a backend that refuses connections is skipped for the next one.
 * Resolves with {url, port, stop()}.
 */
export async function startNginx(backends, { sticky = false } = {}) {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), "duplex-e2e-nginx-"));
  const servers = backends
    .map((b) => `    server ${typeof b === "number" ? `127.0.0.1:${b}` : b} max_fails=1 fail_timeout=60s;`)
    .join("\n");
  // As root, the workers run as root too: the temporary directories are ours.
  const user = process.getuid?.() === 0 ? "user root;" : "";
  const conf = `
${user}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream duplex {
    ${sticky ? "ip_hash;" : "# round robin"}
${servers}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://duplex;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_connect_timeout 1s;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout;
    }
  }
}
`;
  const file = path.join(dir, "nginx.conf");
  await writeFile(file, conf);
  const svc = spawnService("nginx", ["-p", dir, "-c", file, "-e", path.join(dir, "error.log")]);
  try {
    await waitPort(port);
  } catch (err) {
    await svc.stop();
    throw new Error(`${err.message}\n${svc.logs()}`);
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    stop: async () => {
      await svc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * startCutter starts a TCP proxy on a free port to 127.0.0.1:target, to
 * cut the network under the pages: cut() drops every connection through it
 * and refuses new ones until mend(). Resolves with {url, cut(), mend(),
 * stop()}.
 */
export async function startCutter(target) {
  const open = new Set();
  let refusing = false;
  const srv = net.createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = net.connect(target, "127.0.0.1");
    for (const [a, b] of [[client, upstream], [upstream, client]]) {
      open.add(a);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        open.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address();
  const cut = () => {
    refusing = true;
    for (const s of open) s.destroy();
  };
  return {
    url: `http://127.0.0.1:${port}/`,
    cut,
    mend: () => {
      refusing = false;
    },
    stop: () => {
      cut();
      return new Promise((resolve) => srv.close(resolve));
    },
  };
}
