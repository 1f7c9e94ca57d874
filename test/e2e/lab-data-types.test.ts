// The data-types lab in a real browser against the real server: 50 price ticks sent as JSON text,
// in the binary layout and as JSON over permessage-deflate. The server's own bus (subscribed here,
// not through the page) must show RSV1 on the compressed message, fewer bytes than the JSON one,
// exactly 50 × 20 binary payload bytes, and the page must show exactly the byte counts the tap
// recorded. Screenshots at 1280×720, light and dark.
import { afterAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import type { EventOf } from '../../server/core/events/schema.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import { collect, type Collector } from '../helpers/server.ts';

const VARIANTS = [
  ['json', 'JSON text'],
  ['binary', 'Binary (DataView)'],
  ['deflate', 'JSON, compressed'],
] as const;

/** A data message as the bus recorded it: its frames (control frames excluded) and the message event. */
function busMessage(log: Collector, conn: string, dir: 'c2s' | 's2c') {
  const frames = log.ofType('frame', conn).filter((f) => f.dir === dir && f.opcode < 8);
  const message = log.ofType('message', conn).find((m) => m.dir === dir);
  const wire = frames.reduce((s, f) => s + f.headerLength + f.payloadLength, 0);
  return { frames, message, wire };
}

describeWithChromium('data-types lab in Chromium', () => {
  let server: WslabServer;
  let page: Page;
  let log: Collector;

  useBrowserSuite(
    (suite) => {
      ({ server, page } = suite);
      log = collect(server);
    },
    { timeoutMs: 10_000 },
  );

  afterAll(() => {
    log?.stop();
  });

  const text = async (id: string) => (await page.getByTestId(id).textContent()) ?? '';
  const bytesOf = async (id: string) => Number((await text(id)).replace(/ B$/, '').replaceAll(',', ''));
  const connOf = async (name: string) => (await page.getByRole('region', { name }).getAttribute('data-conn')) ?? '';

  async function send(): Promise<void> {
    await page.getByRole('button', { name: 'Send it three ways' }).click();
    await expect.poll(() => page.getByTestId('dt-status').getAttribute('data-state'), { timeout: 15_000 }).not.toBe('running');
    expect(await page.getByTestId('dt-status').getAttribute('data-state'), await text('dt-status')).toBe('done');
  }

  test('50 ticks: RSV1 and fewer bytes when compressed, 50 × 20 binary bytes, the page showing exactly what the tap recorded', async () => {
    await page.goto(`${server.url}/labs/data-types`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Same payload as JSON, binary, compressed');
    await page.getByRole('radio', { name: 'Price ticks' }).check();
    await page.getByLabel('How many ticks').selectOption('50');
    await send();

    const conns = Object.fromEntries(await Promise.all(VARIANTS.map(async ([v, name]) => [v, await connOf(name)] as const)));
    expect(new Set(Object.values(conns)).size).toBe(3);
    for (const c of Object.values(conns)) expect(c).toMatch(/\S/);
    const json = { c2s: busMessage(log, conns.json, 'c2s'), s2c: busMessage(log, conns.json, 's2c') };
    const binary = { c2s: busMessage(log, conns.binary, 'c2s'), s2c: busMessage(log, conns.binary, 's2c') };
    const deflate = { c2s: busMessage(log, conns.deflate, 'c2s'), s2c: busMessage(log, conns.deflate, 's2c') };

    // the compressed variant: negotiated in the 101, RSV1 on the browser's frame, masked, smaller
    const hs = log.ofType('handshake', conns.deflate)[0] as EventOf<'handshake'>;
    const ext = hs.response.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-extensions')?.[1] ?? '';
    expect(ext).toMatch(/^permessage-deflate/);
    const plainHs = log.ofType('handshake', conns.json)[0] as EventOf<'handshake'>;
    expect(plainHs.response.headers.some(([k]) => k.toLowerCase() === 'sec-websocket-extensions')).toBe(false);
    expect(deflate.c2s.frames[0].rsv1).toBe(true);
    expect(deflate.c2s.frames.every((f) => f.masked)).toBe(true);
    expect(deflate.c2s.message?.compressed).toBe(true);
    expect(json.c2s.frames[0].rsv1).toBe(false);
    expect(deflate.c2s.wire).toBeLessThan(json.c2s.wire);
    // ws compresses its echo too: 3 KB is over its 1 KiB threshold
    expect(deflate.s2c.frames[0].rsv1).toBe(true);
    // the same JSON both ways: the tap inflated it back to the JSON variant's length
    expect(deflate.c2s.message?.length).toBe(json.c2s.message?.length);

    // binary: exactly 50 records of 20 bytes, a binary frame each way
    expect(binary.c2s.frames.map((f) => f.opcode)).toEqual([2]);
    expect(binary.c2s.frames[0].payloadLength).toBe(50 * 20);
    expect(binary.c2s.message?.length).toBe(1000);
    expect(binary.s2c.message?.length).toBe(1000);
    expect(await text('dt-binary-size')).toMatch(/^50 × 20 B = 1,000 B/);
    expect(await page.getByTestId('dt-roundtrip').getAttribute('data-equal')).toBe('true');

    // every figure on the page is the tap's
    const tap = { json, binary, deflate };
    for (const [v] of VARIANTS) {
      expect(await bytesOf(`dt-${v}-c2s-wire`), `${v} c2s`).toBe(tap[v].c2s.wire);
      expect(await bytesOf(`dt-${v}-s2c-wire`), `${v} s2c`).toBe(tap[v].s2c.wire);
      expect(await bytesOf(`dt-${v}-app`), `${v} app`).toBe(tap[v].c2s.message?.length);
      const h = tap[v].c2s.frames.reduce((s, f) => s + f.headerLength, 0);
      const p = tap[v].c2s.frames.reduce((s, f) => s + f.payloadLength, 0);
      expect(await text(`dt-${v}-c2s-parts`)).toBe(`${h} B + ${p.toLocaleString('en-US')} B`);
    }
    expect(await text('dt-deflate-c2s-rsv1')).toBe('yes, 1 (compressed)');
    expect(await text('dt-json-c2s-rsv1')).toBe('yes, 0');
    const ratio = Number((await text('dt-deflate-ratio')).replace(/× smaller$/, ''));
    expect(ratio).toBeCloseTo((deflate.c2s.message?.length ?? 0) / deflate.c2s.frames[0].payloadLength, 1);
    // the texts: the JSON sent, and what the tap inflated from the compressed frame
    expect(await text('dt-json-text')).toMatch(/^\[\{"symbol":"ACME","price":/);
    expect(await text('dt-inflated')).toBe(`${deflate.c2s.frames.find((f) => f.inflated)?.inflated} …`);
    expect(await text('dt-memory')).toMatch(/KiB per connection/);

    const figures = VARIANTS.map(([v]) => `${v}: app ${tap[v].c2s.message?.length} B, c2s ${tap[v].c2s.wire} B (rsv1 ${tap[v].c2s.frames[0].rsv1}), s2c ${tap[v].s2c.wire} B (rsv1 ${tap[v].s2c.frames[0].rsv1})`);
    console.log('[data-types lab, 50 ticks]', ext, '\n ' + figures.join('\n '));

    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'labs-data-types-light');
    await screenshot(page, 'labs-data-types-full-light', { fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(150);
    await screenshot(page, 'labs-data-types-dark');
    await screenshot(page, 'labs-data-types-full-dark', { fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  // ws skips small messages (threshold: 1024) only where no_context_takeover was agreed for its side;
  // with takeover, as here, it compresses everything, like Chromium.
  test('a "typing" message: compressed both ways even at 45 bytes, and the page shows the tap\'s figures', async () => {
    await page.getByRole('radio', { name: '“Typing” message' }).check();
    await send();
    const conn = await connOf('JSON, compressed');
    const c2s = busMessage(log, conn, 'c2s');
    const s2c = busMessage(log, conn, 's2c');
    const json = busMessage(log, await connOf('JSON text'), 'c2s');
    const binary = busMessage(log, await connOf('Binary (DataView)'), 'c2s');
    expect(c2s.message?.length).toBe(45);
    expect(c2s.frames[0].rsv1).toBe(true);
    expect(s2c.frames[0].rsv1).toBe(true);
    expect(json.wire).toBe(6 + 45);
    expect(binary.wire).toBe(6 + 11);
    expect(await bytesOf('dt-deflate-c2s-wire')).toBe(c2s.wire);
    expect(await bytesOf('dt-deflate-s2c-wire')).toBe(s2c.wire);
    expect(await bytesOf('dt-binary-c2s-wire')).toBe(binary.wire);
    expect(await page.getByTestId('dt-roundtrip').getAttribute('data-equal')).toBe('true');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'labs-data-types-typing-full-light', { fullPage: true });
    console.log('[data-types lab, typing]', `JSON c2s ${json.wire} B; binary c2s ${binary.wire} B; compressed c2s ${c2s.wire} B (payload ${c2s.frames[0].payloadLength} B), echo ${s2c.wire} B`);
  });

  // 500 ticks make a 30 KB JSON message: however Chromium frames it, the page adds up the same frames the tap saw
  test('500 ticks: 10,000 binary bytes; each variant on the page equals the sum of the frames the tap saw', async () => {
    await page.getByRole('radio', { name: 'Price ticks' }).check();
    await page.getByLabel('How many ticks').selectOption('500');
    await send();
    const tap = Object.fromEntries(await Promise.all(VARIANTS.map(async ([v, name]) => [v, busMessage(log, await connOf(name), 'c2s')] as const)));
    expect(tap.binary.message?.length).toBe(10_000);
    for (const [v] of VARIANTS) expect(await bytesOf(`dt-${v}-c2s-wire`), v).toBe(tap[v].wire);
    expect(tap.deflate.wire).toBeLessThan(tap.json.wire / 4);
    expect(await page.getByTestId('dt-roundtrip').getAttribute('data-equal')).toBe('true');
    console.log('[data-types lab, 500 ticks]', VARIANTS.map(([v]) => `${v} ${tap[v].wire} B in ${tap[v].frames.length} frame(s)`).join('; '));
  });
});
