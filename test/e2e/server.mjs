// Runs bin/duplex for the chat tests (test/chat, test/e2e). It builds
// nothing: `make test-e2e` builds the binary first; DUPLEX_BIN points at
// another one.
//
// Contract with cmd/duplex: `duplex --addr HOST:PORT` logs a line holding
// `url=http://HOST:PORT/` (text logs) once it accepts connections, port 0
// picks a free port, and SIGTERM shuts it down gracefully (exit code 0).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const READY_TIMEOUT = 15_000;
const STOP_TIMEOUT = 10_000;

export function duplexBinary() {
  return path.resolve(process.env.DUPLEX_BIN || path.join(repoRoot, "bin", "duplex"));
}

/**
 * startDuplex spawns bin/duplex on addr (a free port of 127.0.0.1 by
 * default) and resolves once it logged its URL, with:
 *   url      "http://127.0.0.1:PORT/"
 *   port     the port, to start another server on the same one
 *   stop()   SIGTERM, then wait for the exit: resolves {code, signal}
 *   kill()   SIGKILL, a crash
 *   logs()   what it wrote on stderr so far
 */
export function startDuplex({ addr = "127.0.0.1:0", args = [] } = {}) {
  const bin = duplexBinary();
  if (!existsSync(bin)) {
    return Promise.reject(new Error(`${bin} not found: run \`make build\` (or set DUPLEX_BIN)`));
  }
  const child = spawn(bin, ["--addr", addr, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  const onData = (chunk) => {
    logs = (logs + chunk).slice(-65_536);
    if (process.env.DUPLEX_VERBOSE) process.stderr.write(chunk);
  };
  child.stdout.setEncoding("utf8").on("data", onData);
  child.stderr.setEncoding("utf8").on("data", onData);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  exited.then(() => process.removeListener("exit", killOnExit));

  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (alive()) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  const kill = async () => {
    if (alive()) child.kill("SIGKILL");
    return exited;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`${bin} logged no URL within ${READY_TIMEOUT} ms:\n${logs}`));
    }, READY_TIMEOUT);
    const onReady = () => {
      const m = /url=(http:\/\/\S+\/)/.exec(logs);
      if (!m) return;
      clearTimeout(timer);
      child.stderr.off("data", onReady);
      const url = m[1];
      resolve({ url, port: Number(new URL(url).port), stop, kill, exited, logs: () => logs });
    };
    child.stderr.on("data", onReady);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited early (code ${code}, signal ${signal}):\n${logs}`));
    });
  });
}
