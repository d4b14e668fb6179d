// Debian's Chromium for the e2e tests, driven by playwright-core: never a
// downloaded browser. One launcher for every test file, so that the flags
// this machine needs (no sandbox as root; no background networking, which a
// closed network refuses many times a second) live in one place.

import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * launchChromium starts Chromium on a fresh profile (a persistent context:
 * the pages are tabs of one browser, as for a person trying the chat) and
 * resolves with {context, close()}; close also removes the profile.
 * options go to launchPersistentContext (viewport, colorScheme...);
 * timeout is the context's default timeout.
 */
export async function launchChromium({ timeout = 10_000, ...options } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), "duplex-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    ...options,
  });
  context.setDefaultTimeout(timeout);
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
