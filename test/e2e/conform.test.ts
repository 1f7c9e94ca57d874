// /conform in Chromium against the real server: the nav leads to it, the URL defaults to this
// server's /lab/echo, a run of the chosen chapters ticks every case's cell with its verdict,
// opening a case shows its rule, RFC section, words, frames (the inspector's frame detail) and
// lesson, and ?run=ID reopens the run.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

describeWithChromium('the conformance page in Chromium', () => {
  let server: WslabServer;
  let page: Page;

  useBrowserSuite((suite) => ({ server, page } = suite), { timeoutMs: 20_000, page: { viewport: { width: 1440, height: 900 } } });

  test('runs the chosen chapters against /lab/echo, ticks each case and opens one with its rule, frames and lesson', { timeout: 120_000 }, async () => {
    await page.goto(`${server.url}/lessons`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conform' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/conform');
    expect(await page.getByLabel('Echo server URL').inputValue()).toBe(`ws://127.0.0.1:${server.port}/lab/echo`);
    expect(await page.getByRole('link', { name: 'test this browser' }).getAttribute('href')).toBe('/conform/client');
    // only chapters 2 (pings) and 3 (reserved bits)
    for (const name of ['1. Framing', '4. Opcodes', '5. Fragmentation', '6. UTF-8 handling', '7. Close handling', "w. wslab's own (rules Autobahn cannot test)"]) {
      await page.getByRole('checkbox', { name: new RegExp(`^${name.replace(/[.()]/g, '\\$&')}`) }).uncheck();
    }
    await page.getByRole('button', { name: 'Run the cases' }).click();
    await page.getByRole('status').filter({ hasText: '18 cases run against' }).waitFor({ timeout: 90_000 });
    const cells = page.locator('[data-testid=case-grid] .cf-cell');
    expect(await cells.count()).toBe(18);
    expect(await page.locator('.cf-cell.tone-ok').count()).toBe(18);
    expect(await page.locator('section[aria-label="Chapter 2: Pings and Pongs"] h2 .cf-count').allTextContents()).toEqual(['11 OK']);
    const runId = new URL(page.url()).searchParams.get('run');
    expect(runId).toMatch(/^[\w-]{12}$/);

    await page.getByRole('button', { name: '2.2: OK' }).click();
    const detail = page.locator('[data-testid=case-detail]');
    expect(await detail.locator('h2').textContent()).toBe('Case 2.2 OK close: OK');
    expect(await detail.getByRole('link', { name: 'RFC 6455 §5.5.2' }).getAttribute('href')).toBe('https://www.rfc-editor.org/rfc/rfc6455#section-5.5.2');
    expect(await detail.getByRole('link', { name: 'Frames and opcodes: control frames' }).getAttribute('href')).toBe('/lessons/frames-and-opcodes#opcodes');
    const frames = detail.locator('.cf-frame');
    expect(await frames.locator('.op-badge').allTextContents()).toEqual(['PING', 'PONG', 'CLOSE', 'CLOSE']);
    await frames.nth(1).click();
    const frame = detail.locator('.frame-detail');
    expect(await frame.locator('.detail-title').textContent()).toContain('PONG');
    expect(await frame.textContent()).toContain('Hello, world!');
    await screenshot(page, 'conform-1440');

    // reopening by URL replays the run from the server
    await page.goto(`${server.url}/conform?run=${runId}`);
    await page.getByRole('status').filter({ hasText: '18 cases run against' }).waitFor();
    expect(await page.locator('.cf-cell.tone-ok').count()).toBe(18);
  });

  test('picking chapter 12 or 13 says they need permessage-deflate, and the lab\'s link switches the URL to /lab/echo?deflate=1', async () => {
    await page.goto(`${server.url}/conform`);
    const note = page.getByTestId('cf-deflate-note');
    expect(await note.count()).toBe(0);
    await page.getByRole('checkbox', { name: /^13\. Compression \(parameters\)/ }).check();
    expect(await note.textContent()).toBe(
      "Chapters 12 and 13 compress every message (RFC 7692): a server that does not accept permessage-deflate gets UNIMPLEMENTED in each of their cases. This server's echo lab accepts it at /lab/echo?deflate=1.",
    );
    await note.getByRole('button', { name: '/lab/echo?deflate=1' }).click();
    expect(await page.getByLabel('Echo server URL').inputValue()).toBe(`ws://127.0.0.1:${server.port}/lab/echo?deflate=1`);
    expect(await note.textContent()).toBe('Chapters 12 and 13 compress every message (RFC 7692): a server that does not accept permessage-deflate gets UNIMPLEMENTED in each of their cases.');
    await page.getByRole('checkbox', { name: /^13\. Compression \(parameters\)/ }).uncheck();
    expect(await note.count()).toBe(0);
  });

  test('a refused URL shows the server sentence', async () => {
    await page.goto(`${server.url}/conform`);
    await page.getByLabel('Echo server URL').fill('http://example.com/');
    await page.getByRole('button', { name: 'Run the cases' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('The URL must start with ws:// or wss://, got http://.');
  });
});
