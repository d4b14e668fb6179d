// A Redis and an nginx of the test's own, on free loopback ports, for the
// chat through a load balancer (cluster.test.mjs). Never the machine's
// services: redis-server and nginx are Debian's binaries, started here and
// stopped by the returned stop().

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** freePort returns a port of 127.0.0.1 that was free a moment ago. */
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

/** waitPort resolves once 127.0.0.1:port accepts connections. */
async function waitPort(port, what, child) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (code ${child.exitCode})`);
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1", () => { c.destroy(); resolve(true); });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function spawnService(bin, args, what) {
  const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
  let logs = "";
  child.stderr.setEncoding("utf8").on("data", (d) => { logs = (logs + d).slice(-16_384); });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  child.once("error", (err) => { logs += `${what}: ${err}`; });
  return { child, stop, logs: () => logs };
}

/** startRedis runs redis-server on a free port, without persistence. */
export async function startRedis() {
  const port = await freePort();
  const svc = spawnService("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], "redis-server");
  await waitPort(port, "redis-server", svc.child);
  return { url: `redis://127.0.0.1:${port}`, stop: svc.stop };
}

/**
 * startNginx runs nginx in front of the upstream host:port list: round
 * robin, no affinity, the configuration the README shows.
 */
export async function startNginx(upstreams) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "duplex-nginx-"));
  const port = await freePort();
  const servers = upstreams.map((u) => `    server ${u};\n`).join("");
  const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream duplex {
${servers}    keepalive 16;
  }
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://duplex;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 120s;
      proxy_buffering off;
    }
  }
}
`;
  await writeFile(path.join(dir, "nginx.conf"), conf);
  const svc = spawnService("/usr/sbin/nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")], "nginx");
  await waitPort(port, "nginx", svc.child);
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      await svc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
