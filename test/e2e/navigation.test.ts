// In-app navigation and phones, in real Chromium against a real server (in workshop mode, so the
// participant and presenter pages are among the routes):
// - every router navigation lands at the top of the new page or at its #anchor, and back and
//   forward return to where the reader was (shell/ScrollManager.tsx);
// - at 390×844 no route is wider than the screen (the navigation folds behind a Menu button,
//   wide tables and diagrams scroll inside their own box) and the participant page's status
//   cards show their whole text.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

/** expect.poll with room for a busy machine */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 });

const scrollY = (page: Page) => page.evaluate(() => Math.round(window.scrollY));

async function heading(page: Page, text: string): Promise<void> {
  await poll(() => page.locator('h1').first().textContent()).toBe(text);
}

/** Scrolls the window to its bottom and returns where it ended (the page is taller than the window). */
async function scrollToBottom(page: Page): Promise<number> {
  // the page may still be laying out (lazy route, lesson blocks): scroll until it is tall enough
  await poll(async () => {
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    return scrollY(page);
  }).toBeGreaterThan(1000);
  return scrollY(page);
}

describeWithChromium('navigation in Chromium', () => {
  let server: WslabServer;
  let page: Page;
  useBrowserSuite((s) => ({ server, page } = s), { server: { workshop: true } });

  test('"next lesson" at the bottom of a lesson opens the next one at its top; back returns to the bottom', async () => {
    await page.goto(`${server.url}/lessons/frames-and-opcodes`);
    await heading(page, 'Frames and opcodes');
    const bottom = await scrollToBottom(page);
    await page.locator('a[rel="next"]').click();
    await heading(page, 'Data types');
    expect(new URL(page.url()).pathname).toBe('/lessons/data-types');
    expect(await scrollY(page)).toBe(0);
    // and the next one after that, from its own bottom
    await scrollToBottom(page);
    await page.locator('a[rel="next"]').click();
    await heading(page, 'Ghost connections and heartbeats');
    expect(await scrollY(page)).toBe(0);

    await page.goBack();
    await heading(page, 'Data types');
    await page.goBack();
    await heading(page, 'Frames and opcodes');
    await poll(() => scrollY(page)).toBe(bottom);
    await page.goForward();
    await heading(page, 'Data types');
    await poll(() => scrollY(page)).toBeGreaterThan(1000);
  });

  test('a table-of-contents link lands at its heading; back returns to where the reader was', async () => {
    await page.goto(`${server.url}/lessons/frames-and-opcodes`);
    await heading(page, 'Frames and opcodes');
    await page.evaluate(() => window.scrollTo(0, 300));
    await poll(() => scrollY(page)).toBe(300);
    await page.locator('.lesson-toc a[href="#masking-why-clients-scramble-their-bytes"]').click();
    await poll(() => new URL(page.url()).hash).toBe('#masking-why-clients-scramble-their-bytes');
    // the heading sits just under the sticky bar: its scroll-margin-top (4.5rem of 18 px) from the top
    await poll(() => page.locator('#masking-why-clients-scramble-their-bytes').evaluate((h) => Math.round(h.getBoundingClientRect().top))).toBe(81);
    expect(await scrollY(page)).toBeGreaterThan(300);
    await page.goBack();
    await poll(() => new URL(page.url()).hash).toBe('');
    await poll(() => scrollY(page)).toBe(300);
  });

  test('a lesson lab link, "Draw it bit by bit in /decode" and the top navigation each open their page at the top', async () => {
    await page.goto(`${server.url}/lessons/ghosts-and-heartbeats`);
    await heading(page, 'Ghost connections and heartbeats');
    const lab = page.locator('a.lesson-lab-link[href="/labs/ghosts"]').first();
    await lab.scrollIntoViewIfNeeded();
    expect(await scrollY(page)).toBeGreaterThan(0);
    await lab.click();
    await poll(() => new URL(page.url()).pathname).toBe('/labs/ghosts');
    await poll(() => page.locator('.lab').count()).toBeGreaterThan(0);
    expect(await scrollY(page)).toBe(0);

    await page.goto(`${server.url}/lessons/frames-and-opcodes`);
    await heading(page, 'Frames and opcodes');
    const decode = page.locator('a.lesson-decode-link').last();
    await decode.scrollIntoViewIfNeeded();
    expect(await scrollY(page)).toBeGreaterThan(1000);
    await decode.click();
    await poll(() => new URL(page.url()).pathname).toBe('/decode');
    await heading(page, 'Decode frames');
    expect(await scrollY(page)).toBe(0);

    await page.goto(`${server.url}/lessons/backpressure`);
    await scrollToBottom(page);
    await page.locator('nav[aria-label="Main"] a', { hasText: 'Playground' }).click();
    await heading(page, 'Playground');
    expect(await scrollY(page)).toBe(0);
  });

  test('decode keeps the reader where they are while it writes its input into the address', async () => {
    await page.setViewportSize({ width: 1280, height: 500 });
    try {
      await page.goto(`${server.url}/decode?hex=81+05+48+65+6c+6c+6f&dir=server`);
      await heading(page, 'Decode frames');
      const input = page.locator('textarea').first();
      // as far down as the page goes, up to 120 px: where the reader is is what must not change
      await page.evaluate(() => window.scrollTo(0, 120));
      await poll(() => scrollY(page)).toBeGreaterThan(0);
      const at = await scrollY(page);
      await input.focus();
      await page.keyboard.press('End');
      await page.keyboard.type(' 81');
      await poll(() => new URL(page.url()).searchParams.get('hex')).toBe('81 05 48 65 6c 6c 6f 81');
      // where the reader was, unless the page became too short to scroll that far (the browser
      // then clamps to the bottom); never back to the top
      const bottom = await page.evaluate(() => document.scrollingElement!.scrollHeight - window.innerHeight);
      expect(await scrollY(page)).toBe(Math.min(at, bottom));
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });
});

describeWithChromium('phones: 390×844 in Chromium', () => {
  let server: WslabServer;
  let page: Page;
  useBrowserSuite((s) => ({ server, page } = s), { server: { workshop: true }, page: { viewport: { width: 390, height: 844 } } });

  const width = (p: Page) => p.evaluate(() => document.scrollingElement!.scrollWidth);

  /** the routes wider than the screen, with their widths */
  async function wider(routes: string[]): Promise<string[]> {
    const wide: string[] = [];
    for (const route of routes) {
      await page.goto(`${server.url}${route}`);
      await page.locator('h1').first().waitFor();
      // diagrams are drawn after the page: wait for them before measuring
      if (route.startsWith('/lessons/')) await page.waitForFunction(() => !document.querySelector('.lesson-diagram') || !!document.querySelector('.lesson-diagram svg'), null, { timeout: 20_000 });
      const w = await width(page);
      if (w > 390) wide.push(`${route}: ${w} px`);
    }
    return wide;
  }

  test('no lesson is wider than the screen', { timeout: 240_000 }, async () => {
    await page.goto(`${server.url}/lessons`);
    await page.locator('li.lesson-card').first().waitFor();
    const lessons = await page.locator('li.lesson-card h2 a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(lessons.length).toBe(17);
    expect(await wider(['/lessons', ...lessons])).toEqual([]);
  });

  test('no other route is wider than the screen: playground, inspect, decode, every lab, workshop', { timeout: 240_000 }, async () => {
    await page.goto(`${server.url}/labs`);
    await page.locator('.lab-index a').first().waitFor();
    const labs = await page.locator('.lab-index a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(labs.length).toBe(7);
    const routes = ['/playground', '/inspect', '/decode', '/decode?hex=81+05+48+65+6c+6c+6f&dir=server', '/labs', ...labs, '/workshop'];
    expect(await wider(routes)).toEqual([]);
  });

  test('the top navigation folds behind a Menu button that opens, leads and closes again', async () => {
    await page.goto(`${server.url}/lessons`);
    const toggle = page.getByRole('button', { name: 'Menu' });
    expect(await page.locator('nav[aria-label="Main"]').isVisible()).toBe(false);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.locator('nav[aria-label="Main"] a', { hasText: 'Labs' }).click();
    await heading(page, 'Labs');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('nav[aria-label="Main"]').isVisible()).toBe(false);
    expect(await width(page)).toBeLessThanOrEqual(390);
  });

  test('a lesson diagram wider than the screen scrolls inside its box and says so', async () => {
    await page.goto(`${server.url}/lessons/scaling`);
    const canvas = page.locator('.lesson-diagram .seq-canvas').first();
    await canvas.locator('svg').waitFor({ timeout: 20_000 });
    const box = await canvas.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, overflowX: getComputedStyle(el).overflowX }));
    expect(box.scroll).toBeGreaterThan(box.client);
    expect(box.overflowX).toBe('auto');
    await poll(() => canvas.getAttribute('data-overflow')).toBe('');
    expect(await canvas.evaluate((el) => getComputedStyle(el, '::after').content)).toBe('"⇆ scroll sideways for the rest"');
    expect(await width(page)).toBeLessThanOrEqual(390);
  });

  test('the workshop participant page and the presenter page fit, and every status card shows its whole text', async () => {
    await page.goto(`${server.url}/workshop`);
    await page.getByLabel('Your name').fill('Ada');
    await page.getByRole('button', { name: 'Join the room' }).click();
    await poll(() => page.getByTestId('wk-server').textContent()).toBe('OPEN');
    await poll(() => page.getByTestId('wk-browser').textContent()).toBe('OPEN');
    const cards = () =>
      page.locator('.lab-figure-value').evaluateAll((els) => els.map((e) => ({ text: e.textContent, cut: e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight + 1 })));
    // the connection announces its heartbeat as it opens: the card shows the server's default at once
    await poll(async () => (await cards())[2]?.text).toBe('30000 ms');
    const seen = await cards();
    expect(seen.map((c) => c.text)).toEqual(['OPEN', 'OPEN', '30000 ms', '0', '—', '0 / 0']);
    expect(seen.filter((c) => c.cut)).toEqual([]);
    // each card lies wholly inside the screen
    const rights = await page.locator('.lab-figure').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().right)));
    expect(rights.filter((r) => r > 390)).toEqual([]);
    expect(await width(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'workshop-participant-390');

    const presenter = await page.context().browser()!.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await presenter.goto(server.workshop!.presenterUrl);
      await heading(presenter, 'Workshop · presenter');
      await presenter.locator('.wk-roster').waitFor();
      expect(await width(presenter)).toBeLessThanOrEqual(390);
      const totals = await presenter.locator('.lab-figure-value').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent));
      expect(totals).toEqual([]);
    } finally {
      await presenter.close();
    }
  });
});
