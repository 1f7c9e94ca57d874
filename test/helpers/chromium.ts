// System Chromium for the e2e suites (playwright-core never downloads a browser here).
//
//   import { describeWithChromium, launchChromium, screenshot } from './chromium.ts';
//   describeWithChromium('decode page', () => {
//     let browser: Browser;
//     beforeAll(async () => { browser = await launchChromium(); });
//     ...
//   });
//
// When Chromium is missing the suite is SKIPPED with a message naming the Debian package,
// except under CI (process.env.CI set), where it FAILS with that message: CI must not go
// green on a machine that never ran the browser tests.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, test } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-quic',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium binary to use: $CHROMIUM_PATH, else /usr/bin/chromium; null when neither exists. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

export function chromiumMissingMessage(): string {
  const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} or /usr/bin/chromium` : '/usr/bin/chromium';
  return `Chromium not found at ${where}: the browser tests need the Debian package (apt-get install chromium), or CHROMIUM_PATH set to a Chromium binary.`;
}

export interface ChromiumRequirement {
  executablePath: string | null;
  /** true when the suite should be reported as skipped (Chromium missing, not under CI) */
  skip: boolean;
  message: string;
}

export function chromiumRequirement(): ChromiumRequirement {
  const executablePath = findChromium();
  if (executablePath) return { executablePath, skip: false, message: '' };
  return { executablePath: null, skip: !process.env.CI, message: chromiumMissingMessage() };
}

/**
 * A describe() that needs Chromium. Missing Chromium: skipped with the message (a placeholder
 * test carries it into the report), or, under CI, run so that launchChromium() fails loudly.
 */
export function describeWithChromium(name: string, fn: () => void): void {
  const req = chromiumRequirement();
  if (req.skip) {
    describe(name, () => {
      test('needs Chromium', (ctx) => {
        console.warn(`[${name}] skipped: ${req.message}`);
        ctx.skip(req.message);
      });
    });
  }
  describe.skipIf(req.skip)(name, fn);
}

/** Launch the system Chromium headless. Throws with the install hint when it is missing. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(chromiumMissingMessage());
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** Save a full-viewport PNG as test-output/screenshots/NAME.png; returns its path. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: opts.fullPage ?? false });
  return path;
}
