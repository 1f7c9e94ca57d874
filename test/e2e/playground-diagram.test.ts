// The playground's diagram and Browser tab in Chromium: the newest connection drawn with its own
// participants inside its panel, an arrow's click opening that frame's anatomy, a puppet's heartbeat
// control, and a URL on another server opened as typed with a plain notice.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import { WebSocketServer } from 'ws';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const SHOTS = process.env.WSLAB_SHOTS_DIR;

describeWithChromium('/playground diagram, anatomy and foreign URLs in Chromium', () => {
  let server: WslabServer;
  let browser: Browser;
  let page: Page;
  // another WebSocket server on loopback: "the learner's own app"
  let other: Server;
  let wss: WebSocketServer | undefined;
  let otherPort = 0;
  const otherUrls: string[] = [];

  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png` });
  };

  useBrowserSuite((s) => ({ server, browser, page } = s), { server: { heartbeat: { intervalMs: 0 } }, page: { viewport: { width: 1440, height: 900 } } });
  beforeAll(async () => {
    other = createServer();
    wss = new WebSocketServer({ server: other });
    wss.on('connection', (ws, req) => {
      otherUrls.push(req.url ?? '');
      ws.on('message', (m) => ws.send(m));
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    otherPort = (other.address() as { port: number }).port;
  });
  afterAll(async () => {
    // the page is still open (the browser closes after this hook): end its sockets here
    for (const ws of wss?.clients ?? []) ws.terminate();
    await new Promise((r) => other?.close(r));
  });

  test('before anything is connected the diagram draws nothing, though the chat nodes exist', async () => {
    await page.goto(`${server.url}/playground`);
    await expect.poll(() => page.locator('.pg-live .seq-empty').textContent()).toContain('Nothing yet');
    expect(await page.locator('[data-testid="sequence-diagram"] svg').count()).toBe(0);
  });

  test('the newest connection is drawn with its client and the server only, inside its panel; a click opens the frame anatomy', async () => {
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect.poll(() => page.getByTestId('ready-state').textContent()).toBe('1');
    const long = 'a long message that would not fit on one arrow of the panel';
    await page.getByLabel('Text to send').fill(long);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const svg = page.locator('[data-testid="sequence-diagram"] svg').first();
    await expect.poll(() => page.locator('[data-testid="sequence-diagram"] text.messageText').count(), { timeout: 10_000 }).toBe(4);
    const actors = await svg.locator('text.actor').allTextContents();
    expect([...new Set(actors)].map((a) => a.replace(/\s+/g, ' ').trim()).sort()).toEqual([expect.stringMatching(/^Client c\d+ \(browser\)$/), 'Server']);
    expect(await svg.textContent()).not.toContain('Node');
    // the drawing fits its panel: no lifeline scrolls out of view
    const [svgWidth, boxWidth] = await page.locator('.pg-live .seq-canvas').evaluate((el) => [el.querySelector('svg')!.getBoundingClientRect().width, el.clientWidth]);
    expect(svgWidth).toBeLessThanOrEqual(boxWidth);
    // the cut label keeps its full text for the hover tooltip
    const echo = page.locator('[data-testid="sequence-diagram"] text.messageText').nth(3);
    expect(await echo.locator('title').textContent()).toBe(`TEXT [${long.length} B] "${long}"`);
    expect((await echo.textContent())!.endsWith('…')).toBe(true);
    await echo.click();
    const detail = page.getByTestId('selected-frame');
    await expect.poll(() => detail.locator('.detail-title').textContent()).toContain('TEXT');
    expect(await detail.locator('.detail-title').textContent()).toContain('server → client');
    expect(await detail.getByRole('heading', { name: 'Header, bit by bit' }).count()).toBe(1);
    await detail.scrollIntoViewIfNeeded();
    await shot('diagram-anatomy-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('.pg-live .seq-diagram').scrollIntoViewIfNeeded();
    await page.waitForTimeout(600);
    await shot('diagram-390');
    await detail.scrollIntoViewIfNeeded();
    await shot('anatomy-390');
    await page.setViewportSize({ width: 1440, height: 900 });
    await detail.getByRole('button', { name: 'Close the frame detail' }).click();
    await expect.poll(() => detail.count()).toBe(0);
  });

  test('a URL on another server is opened exactly as typed, and the page says only this server is tapped', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const typed = `ws://localhost:${otherPort}/socket?x=1`;
    await page.getByLabel('URL', { exact: true }).fill(typed);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect.poll(() => page.getByTestId('ready-state').textContent()).toBe('1');
    expect(otherUrls).toEqual(['/socket?x=1']);
    const notice = page.getByTestId('foreign-notice');
    expect(await notice.textContent()).toContain(`localhost:${otherPort} is not this server: its frames are not tapped.`);
    expect(await notice.textContent()).toContain('opened exactly as typed, with nothing added');
    await shot('foreign-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await notice.scrollIntoViewIfNeeded();
    await shot('foreign-390');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('a puppet started with pongs off says so, and its heartbeat control makes the server give up on it', async () => {
    await page.getByRole('tab', { name: 'Puppet' }).click();
    await page.getByLabel('answer pings automatically').uncheck();
    await page.getByRole('button', { name: 'Start a puppet' }).click();
    const card = page.locator('.pg-puppet-card').first();
    await expect.poll(() => card.textContent()).toContain('auto-pong off');
    const hb = card.getByTestId('heartbeat-control');
    await expect.poll(() => hb.textContent()).toContain('Now: off');
    await hb.getByLabel('ping', { exact: true }).check();
    await hb.getByLabel('Interval in seconds').fill('0.2');
    await hb.getByLabel('Missed pongs allowed').fill('2');
    await card.scrollIntoViewIfNeeded();
    await shot('puppet-heartbeat-before-1440');
    await hb.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => card.locator('.pg-pill').textContent(), { timeout: 10_000 }).toContain('CLOSED');
    await shot('puppet-heartbeat-closed-1440');
  });

  test('the builder\'s unmasked frame is placed at byte 1 of what was built and listed as a red row', async () => {
    await page.getByRole('tab', { name: 'Frame builder' }).click();
    await page.getByRole('checkbox', { name: 'MASK', exact: true }).uncheck();
    await page.getByRole('button', { name: /^Send this frame/ }).click();
    const place = page.getByTestId('violation-place');
    await expect.poll(() => place.textContent(), { timeout: 10_000 }).toMatch(/^\(byte 1 of what you built; byte \d+ of the TCP stream, after the \d+-byte upgrade request; RFC 6455 §5\.1\)$/);
    await expect.poll(() => page.getByTestId('refused-frame').count()).toBe(1);
    expect(await page.getByTestId('refused-frame').textContent()).toContain('REFUSED1002');
    await page.getByTestId('craft-answer').scrollIntoViewIfNeeded();
    await shot('builder-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('.pg-frame-form').scrollIntoViewIfNeeded();
    await shot('builder-form-390');
    await page.getByTestId('craft-answer').scrollIntoViewIfNeeded();
    await shot('builder-answer-390');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('own-frames').scrollIntoViewIfNeeded();
    await shot('own-frames-refused-1440');
  });
});
