// The inspector under load: /inspect open in headless Chromium while two ticker clients make the
// server publish ≥ 20,000 frame events a second for 10 s. Reports the longest main-thread task
// (PerformanceObserver 'longtask', budget 100 ms), how many tasks went over 100 ms, whether the
// list kept up (frames it received vs frames the server published), and the delivery rate.
//
//   npm run bench -- inspect
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { startWslab } from '../server/app.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, WEB_DIST } from '../server/paths.ts';
import { ensureWebBuild } from '../server/cli/build.ts';
import { launchChromium } from '../test/helpers/chromium.ts';
import type { BenchRow } from './table.ts';

export interface InspectBenchOptions {
  seconds?: number;
  clients?: number;
  /** messages per second per ticker client */
  rate?: number;
  size?: number;
}

declare global {
  interface Window {
    __longtasks: number[];
  }
}

/**
 * The page must be measured as users get it: a production bundle. A build made under vitest
 * (NODE_ENV=test) bundles React's development build, several times slower; rebuild if so.
 */
async function ensureProductionBuild(): Promise<void> {
  process.env.NODE_ENV = 'production';
  await ensureWebBuild((line) => process.stderr.write(`${line}\n`));
  const assets = join(WEB_DIST, 'assets');
  const bundles = readdirSync(assets).filter((f) => /^index-.*\.js$/.test(f));
  if (bundles.some((f) => readFileSync(join(assets, f), 'utf8').includes('jsxDEV'))) {
    process.stderr.write('bench inspect: the web build is a development build; building for production…\n');
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  }
}

/** Frames the list has received so far (kept + evicted), read from the page. */
async function listed(page: Page): Promise<number> {
  const v = await page.locator('.counts').getAttribute('data-received');
  return Number(v ?? 0);
}

export async function runInspectBench(options: InspectBenchOptions = {}): Promise<BenchRow[]> {
  const { seconds = 10, clients = 2, rate = 10_000, size = 32 } = options;
  await ensureProductionBuild();
  const server = await startWslab({ port: 0, host: '127.0.0.1' });
  const browser = await launchChromium();
  const sockets: WebSocket[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => process.stderr.write(`bench inspect: page error: ${e.message}\n`));
    page.on('crash', () => process.stderr.write('bench inspect: the page crashed\n'));
    await page.addInitScript(() => {
      window.__longtasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longtasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${server.url}/inspect`);
    await page.locator('.stream-status.open').waitFor();
    await page.waitForTimeout(500);
    await page.evaluate(() => (window.__longtasks = []));

    let published = 0;
    let publishedEvents = 0;
    let counting = false;
    // entries, not event objects: counting by type must not make the server parse every event
    const unsubscribe = server.bus.subscribeEntries((entry) => {
      if (!counting) return;
      publishedEvents++;
      if (entry.type === 'frame') published++;
    });

    const before = await listed(page);
    counting = true;
    const started = performance.now();
    for (let i = 0; i < clients; i++) {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/ticker?rate=${rate}&size=${size}`, { perMessageDeflate: false });
      ws.on('message', () => {});
      sockets.push(ws);
    }
    // sample what the page has listed once a second while the stream runs
    const samples: number[] = [];
    while (performance.now() - started < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      samples.push(await listed(page));
    }
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close(1000);
          }),
      ),
    );
    const elapsed = (performance.now() - started) / 1000;
    counting = false;
    unsubscribe();
    // the close frames are published too; let the page drain what is in flight
    let last = -1;
    let stable = 0;
    for (let i = 0; i < 60 && stable < 3; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await listed(page);
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    const shown = last - before;
    const longtasks = await page.evaluate(() => window.__longtasks);
    const longest = longtasks.length ? Math.max(...longtasks) : 0;
    const over100 = longtasks.filter((d) => d > 100).length;
    const missed = await page.locator('.list-notices').textContent().catch(() => null);
    const deliveredPerSec = (samples[samples.length - 1] - before) / elapsed;
    process.stderr.write(
      `bench inspect: ${published.toLocaleString('en-US')} frame events published in ${elapsed.toFixed(1)} s (${Math.round(published / elapsed).toLocaleString('en-US')}/s, ${Math.round(publishedEvents / elapsed).toLocaleString('en-US')} events/s in all); ` +
        `list received ${shown.toLocaleString('en-US')}; ${longtasks.length} long tasks, longest ${longest.toFixed(0)} ms${missed ? `; notice: ${missed}` : ''}\n`,
    );
    return [
      { name: `/inspect under ${Math.round(published / elapsed).toLocaleString('en-US')} frame events/s: longest main-thread task (baseline: 100 ms budget)`, ours: longest, theirs: 100, unit: 'ms', target: '< 1.0×', higherIsBetter: false },
      { name: '/inspect: tasks over 100 ms during the run (baseline: 1)', ours: over100, theirs: 1, unit: 'tasks', target: '0×', higherIsBetter: false },
      { name: '/inspect: frames the list received vs frames published', ours: shown, theirs: published, unit: 'frames', target: '1.0×', higherIsBetter: true },
      { name: '/inspect: frames delivered to the list per second vs published per second', ours: deliveredPerSec, theirs: published / elapsed, unit: '/s', target: '≥ 0.95×', higherIsBetter: true },
    ];
  } finally {
    for (const ws of sockets) ws.terminate();
    await browser.close();
    await server.close();
  }
}
