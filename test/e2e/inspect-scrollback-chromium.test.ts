// /inspect scrolling back in a real browser: 1,500 echoed messages make over 6,000 events; the page
// opens with the last 2,000 (?recent=2000), says how many older events the server has, and each
// time the list is scrolled to its top it loads the previous window of 2,000 seqs with since/until,
// keeps the rows being read where they were, and at last says it reached the beginning of the history.
import { expect, test } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
import WebSocket from 'ws';
import type { WslabServer } from '../../server/app.ts';
import type { WslabEvent } from '../../server/core/events/schema.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const MESSAGES = 1500;
const WINDOW = 2000;

describeWithChromium('/inspect loads older frames when scrolled to the top', () => {
  let server: WslabServer;
  let browser: Browser;
  let page: Page;
  useBrowserSuite((suite) => ({ server, browser, page } = suite), { page: { viewport: { width: 1440, height: 900 }, colorScheme: 'light' } });

  let head = 0;
  let frameSeqs: number[] = [];
  const firstRowSeq = () => page.locator('.frame-scroll .frame-row').first().getAttribute('data-seq').then(Number);
  const count = () => page.locator('.frame-scroll').getAttribute('data-count').then(Number);
  const older = () => page.locator('.older-line').textContent();
  const toTop = () => page.locator('.frame-scroll').evaluate((el) => el.scrollTo({ top: 0 }));
  /** the frames of the history with seq >= from */
  const framesFrom = (from: number) => frameSeqs.filter((s) => s >= from);

  test(`${MESSAGES} messages echoed by /lab/echo make more than ${WINDOW * 3} events`, async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/echo`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    let echoed = 0;
    const all = new Promise<void>((resolve) => ws.on('message', () => ++echoed === MESSAGES && resolve()));
    for (let i = 0; i < MESSAGES; i++) ws.send(`m${i}`);
    await all;
    const closed = new Promise((r) => ws.once('close', r));
    ws.close(1000);
    await closed;
    // the server's close events are in before the page opens
    await expect.poll(async () => ((await (await fetch(`${server.url}/__wslab/connections`)).json()) as { count: number }).count, { timeout: 15_000 }).toBe(0);
    head = server.bus.headSeq;
    const text = await (await fetch(`${server.url}/__wslab/events?since=0`)).text();
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as WslabEvent);
    frameSeqs = events.filter((e) => e.type === 'frame').map((e) => e.seq);
    expect(frameSeqs.length).toBeGreaterThanOrEqual(MESSAGES * 2);
    expect(head).toBeGreaterThan(WINDOW * 3);
    expect(server.bus.oldestSeq).toBe(1);
  });

  test('the page opens with the last 2,000 events and says how many older ones the server has', async () => {
    await page.goto(`${server.url}/inspect`);
    const floor = head - WINDOW;
    await expect.poll(count, { timeout: 15_000 }).toBe(framesFrom(floor).length);
    // events 1 .. floor-1 are older than what the page holds
    await expect.poll(older, { timeout: 15_000 }).toBe(`${(floor - 1).toLocaleString('en-US')} older events on the server — scroll to the top to load them, 2,000 at a time.Load older`);
    await screenshot(page, 'inspect-scrollback-more');
  });

  test('scrolled to the top, the previous window arrives (exact seqs), saying it loads, and the rows read stay put', async () => {
    // hold the first window's answer until the page has said it is loading
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const asked: string[] = [];
    const hold = async (route: Route) => {
      asked.push(new URL(route.request().url()).search);
      if (asked.length === 1) await held;
      await route.continue();
    };
    await page.route(/\/__wslab\/events\?since=/, hold);

    const floor = head - WINDOW;
    await toTop();
    await expect.poll(older, { timeout: 15_000 }).toBe(`${(floor - 1).toLocaleString('en-US')} older events on the server — loading…`);
    // while it loads, the top row is the oldest frame of the recent window
    const before = await firstRowSeq();
    expect(before).toBe(framesFrom(floor)[0]);
    await screenshot(page, 'inspect-scrollback-loading');
    release();

    const since = floor - WINDOW;
    await expect.poll(count, { timeout: 15_000 }).toBe(framesFrom(since).length);
    expect(asked[0]).toBe(`?since=${since}&until=${floor}`);
    await expect.poll(older, { timeout: 15_000 }).toBe(`${(since - 1).toLocaleString('en-US')} older events on the server — scroll to the top to load them, 2,000 at a time.Load older`);
    // the row that was at the top is still there: the list scrolled down by the rows added above it
    const added = framesFrom(since).length - framesFrom(floor).length;
    await expect.poll(() => page.locator('.frame-scroll').evaluate((el) => el.scrollTop), { timeout: 15_000 }).toBe(added * 30);
    expect(await page.locator(`.frame-scroll .frame-row[data-seq="${before}"]`).count()).toBe(1);
    // the rows drawn above it (8 of overscan) are the loaded frames just before it
    expect(await firstRowSeq()).toBe(framesFrom(since)[added - 8]);
    await page.unroute(/\/__wslab\/events\?since=/, hold);
  });

  test('scrolling back on reaches the beginning of the history, with every frame listed once', async () => {
    const loads: number[] = [];
    for (let i = 0; i < 5 && (await older()) !== 'This is the beginning of the history.'; i++) {
      const listed = await count();
      await toTop();
      // the window has arrived when the list grew (right after the scroll, before the page has
      // even asked, the notice does not say "loading" yet either)
      await expect.poll(count, { timeout: 20_000 }).toBeGreaterThan(listed);
      await expect.poll(older, { timeout: 20_000 }).not.toContain('loading');
      loads.push(await count());
    }
    // two more windows: [head - 6000, head - 4000) and [1, head - 6000), which is the beginning
    expect(loads).toEqual([framesFrom(head - 3 * WINDOW).length, frameSeqs.length]);
    expect(await older()).toBe('This is the beginning of the history.');
    expect(await count()).toBe(frameSeqs.length);
    await toTop();
    await expect.poll(firstRowSeq, { timeout: 15_000 }).toBe(frameSeqs[0]);
    // every row's seq, in order, exactly the history's frames
    const listed = await page.locator('.frame-scroll').evaluate(async (el) => {
      const seen = new Set<number>();
      for (let top = 0; top <= el.scrollHeight; top += el.clientHeight / 2) {
        el.scrollTop = top;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (const row of el.querySelectorAll<HTMLElement>('.frame-row')) seen.add(Number(row.dataset.seq));
      }
      return [...seen].sort((a, b) => a - b);
    });
    expect(listed).toEqual(frameSeqs);
    await toTop();
    await screenshot(page, 'inspect-scrollback-beginning');
    await page.setViewportSize({ width: 390, height: 844 });
    await toTop();
    await screenshot(page, 'inspect-scrollback-beginning-390');
  });

  test('a filtered list reads on through a window with none of its rows, to the matching ones before it', async () => {
    const other = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      const text = await (await fetch(`${server.url}/__wslab/events?since=0`)).text();
      const re = /^m(14\d\d|\d\d?)$/; // m1400..m1499 in the recent window, m0..m99 two windows back
      const matching = text.trim().split('\n').map((l) => JSON.parse(l) as WslabEvent).filter((e) => e.type === 'frame' && e.text !== null && re.test(e.text)).map((e) => e.seq);
      expect(matching).toHaveLength(400);
      const asked: string[] = [];
      other.on('request', (r) => r.url().includes('until=') && asked.push(new URL(r.url()).search));
      // the page opens with the last WINDOW events; the echoes were pipelined, so how many of
      // m1400..m1499's frames fall inside them varies from run to run: count them in the history
      const inWindow = matching.filter((seq) => seq >= server.bus.headSeq - WINDOW).length;
      await other.goto(`${server.url}/inspect`);
      await other.getByPlaceholder('text in the payload').fill(re.source);
      await other.getByLabel('regex').check();
      const listCount = () => other.locator('.frame-scroll').getAttribute('data-count').then(Number);
      await expect.poll(listCount, { timeout: 15_000 }).toBe(inWindow);
      const olderText = () => other.locator('.older-line').textContent();
      await expect.poll(olderText, { timeout: 15_000 }).toContain('older events on the server — scroll to the top');
      for (let i = 0; i < 5 && (await olderText()) !== 'This is the beginning of the history.'; i++) {
        await other.locator('.frame-scroll').evaluate((el) => el.scrollTo({ top: 0 }));
        await expect.poll(olderText, { timeout: 20_000 }).not.toContain('loading');
      }
      await expect.poll(olderText, { timeout: 15_000 }).toBe('This is the beginning of the history.');
      expect(await listCount()).toBe(400);
      // the window between held none of the list's rows, and was read on through without a scroll
      const floor = head - WINDOW;
      expect(asked.slice(1, 3)).toEqual([`?since=${floor - WINDOW}&until=${floor}`, `?since=${floor - 2 * WINDOW}&until=${floor - WINDOW}`]);
      await other.locator('.frame-scroll').evaluate((el) => el.scrollTo({ top: 0 }));
      await expect.poll(() => other.locator('.frame-scroll .frame-row').first().getAttribute('data-seq').then(Number), { timeout: 15_000 }).toBe(matching[0]);
    } finally {
      await other.close();
    }
  });

  test('an error is said in a sentence, with a way to try again', async () => {
    const other = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await other.route(/\/__wslab\/events\?since=/, (route) =>
        route.request().url().includes('until=') && !route.request().url().match(/since=(\d+)&until=\1(&|$)/)
          ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: '8 history readers are already streaming GET /__wslab/events (the cap); retry when one finishes, or follow the WebSocket stream instead.' }) })
          : route.continue(),
      );
      await other.goto(`${server.url}/inspect`);
      await expect.poll(() => other.locator('.older-line').textContent(), { timeout: 15_000 }).toContain('older events on the server — scroll to the top');
      await other.locator('.older-line button').click();
      await expect
        .poll(() => other.locator('.older-line').textContent())
        .toBe('The server answered 503 to the request for older events: 8 history readers are already streaming GET /__wslab/events (the cap); retry when one finishes, or follow the WebSocket stream instead.Try again');
      await screenshot(other, 'inspect-scrollback-error-390');
    } finally {
      await other.close();
    }
  });
});
