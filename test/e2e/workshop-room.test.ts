// The room's lifecycle in real Chromium against a real server bound to every interface: the
// presenter page shows the join URL as text and as a QR code; a name that passes for the presenter
// is refused on the join form with the server's sentence; right after joining, the participant's
// page and the presenter's roster show the same heartbeat; a reload within the grace period keeps
// a participant, a closed page makes them leave after it, and the same browser comes back with its
// name although someone else asked for it meanwhile; the presenter removes someone with two clicks
// and that page says so; the recording the presenter downloads holds every participant's frames.
// Screenshots of the presenter page at 1440×900 and 390×844.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { describeWithChromium, launchChromium, screenshot } from '../helpers/chromium.ts';
import { collect, type Collector } from '../helpers/server.ts';
import { parseEvent, type WslabEvent } from '../../server/core/events/schema.ts';

const poll = <T>(fn: () => T | Promise<T>, options: { timeout?: number } = {}) => expect.poll(fn, { timeout: 20_000, ...options });

const GRACE_MS = 4000;

describeWithChromium('the workshop room in Chromium', () => {
  let server: WslabServer;
  let browser: Browser;
  let log: Collector;
  let origin: string;
  const contexts: BrowserContext[] = [];
  let presenter: Page;
  const pages = new Map<string, { context: BrowserContext; page: Page }>();

  async function newContext(width = 1280, height = 720): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width, height }, colorScheme: 'light' });
    contexts.push(context);
    return context;
  }

  async function join(who: string, typed: string, shown: string): Promise<Page> {
    const context = pages.get(who)?.context ?? (await newContext());
    const page = await context.newPage();
    pages.set(who, { context, page });
    await page.goto(`${origin}/workshop`);
    await page.getByLabel('Your name').fill(typed);
    await page.getByRole('button', { name: 'Join the room' }).click();
    await poll(() => page.getByTestId('wk-you').textContent()).toBe(shown);
    await poll(() => page.getByTestId('wk-server').textContent()).toBe('OPEN');
    return page;
  }

  const idOf = (name: string) => server.workshop!.room.participants().find((p) => p.name === name)?.id;
  const leaves = (id: string) => log.ofType('workshop').filter((e) => e.action === 'leave' && e.participant === id);

  beforeAll(async () => {
    server = await startWslab({ port: 0, host: '0.0.0.0', workshop: { graceMs: GRACE_MS, presenterName: 'Grace Hopper' } });
    origin = `http://127.0.0.1:${server.port}`;
    log = collect(server);
    browser = await launchChromium();
    presenter = await (await newContext(1440, 900)).newPage();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    log?.stop();
    await server?.close();
  });

  test('the presenter page shows the join URL as text and as a QR code image', async () => {
    await presenter.goto(`${origin}/workshop?key=${server.workshop!.presenterKey}`);
    await poll(() => presenter.locator('h1').textContent()).toBe('Workshop · presenter');
    const joinUrl = server.workshop!.joinUrls[0];
    expect(joinUrl).toMatch(/^http:\/\/.+:\d+\/workshop$/);
    await poll(() => presenter.getByTestId('wk-join').locator('strong').textContent()).toBe(joinUrl);
    const qr = presenter.getByTestId('wk-qr').locator('img');
    expect(await qr.getAttribute('alt')).toBe(`QR code for ${joinUrl}`);
    // the image decodes (a real SVG) and is drawn at its size
    await poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await qr.evaluate((img: HTMLImageElement) => img.getBoundingClientRect().width)).toBe(168);
  });

  test('a name that passes for the presenter is refused on the join form with the server\'s sentence', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/workshop`);
    for (const [typed, role] of [['Teacher', 'Teacher'], ['grace hopper', 'Grace Hopper']]) {
      await page.getByLabel('Your name').fill(typed);
      await page.getByRole('button', { name: 'Join the room' }).click();
      await poll(() => page.getByRole('alert').textContent()).toBe(`"${typed}" reads as "${role}": that name is kept for the presenter so nobody can pass for them; choose another`);
    }
    expect(server.workshop!.room.size).toBe(0);
    await page.close();
  });

  test('right after joining, the participant page and the roster show the same heartbeat (before the first ping)', async () => {
    const joinedAt = Date.now();
    const ada = await join('ada', 'Ada', 'Ada');
    await poll(() => ada.getByTestId('wk-heartbeat').textContent()).toBe('30000 ms');
    expect(await ada.locator('[data-testid="wk-heartbeat"]').locator('..').textContent()).toContain('2 misses allowed');
    const row = presenter.getByTestId('wk-roster').locator('tbody', { has: presenter.locator('th.wk-who .wk-name', { hasText: 'Ada' }) }).locator('tr').first();
    await poll(() => row.locator('td').nth(7).textContent()).toBe('0/2 · 30000 ms');
    // both before the server's first ping (30 s after the connection opened)
    expect(Date.now() - joinedAt).toBeLessThan(30_000);
  });

  test('a reload within the grace period keeps a participant; a page closed for good makes them leave after it; the same browser gets its name back', async () => {
    const bob = await join('bob', 'Bob', 'Bob');
    const adaId = idOf('Ada')!;
    const bobId = idOf('Bob')!;
    await pages.get('ada')!.page.reload();
    await poll(() => pages.get('ada')!.page.getByTestId('wk-you').textContent()).toBe('Ada');
    await bob.close();
    await log.waitForType('workshop', (e) => e.action === 'leave' && e.by === 'timer' && e.participant === bobId, GRACE_MS + 20_000);
    expect(leaves(adaId)).toEqual([]);
    await poll(() => presenter.getByTestId('wk-participants').textContent()).toBe('1');

    // someone else asks for the name meanwhile; Bob's browser comes back and joins with the name it kept
    await join('other', 'Bob', 'Bob (2)');
    const back = await pages.get('bob')!.context.newPage();
    pages.set('bob', { context: pages.get('bob')!.context, page: back });
    await back.goto(`${origin}/workshop`);
    await poll(() => back.getByTestId('wk-you').textContent()).toBe('Bob');
    expect(idOf('Bob')).toBe(bobId);
    await poll(() => presenter.getByTestId('wk-roster').locator('th.wk-who .wk-name').allTextContents()).toEqual(['Ada', 'Bob (2)', 'Bob']);
  });

  test('the presenter removes a participant with two clicks; their page says so and cannot join again', async () => {
    const cy = await join('cy', 'Cy', 'Cy');
    const id = idOf('Cy')!;
    const button = presenter.getByTestId(`wk-remove-${id}`);
    await poll(() => button.isVisible()).toBe(true);
    await button.click();
    await poll(() => button.textContent()).toBe('remove Cy?');
    await shots('workshop-room-remove-armed');
    await button.click();
    await poll(() => presenter.getByTestId('wk-remove-result').textContent()).toBe('Cy was removed from the room: their connections were closed and they cannot join again.');
    await poll(() => cy.getByTestId('wk-removed').textContent()).toBe('The presenter removed you from the room: your connection was closed with code 4003, and this browser cannot join again.');
    const removed = await log.waitForType('workshop', (e) => e.action === 'remove' && e.participant === id);
    expect(removed).toMatchObject({ by: 'presenter', name: 'Cy' });
    // its lab connection was closed by the server with 4003
    const close = await log.waitForType('close', (e) => e.code === 4003);
    expect(close).toMatchObject({ code: 4003, reason: 'The presenter removed you from the workshop room.', initiator: 'server' });
    // a reload does not bring them back
    await cy.reload();
    await poll(() => cy.getByLabel('Your name').isVisible()).toBe(true);
    await cy.getByLabel('Your name').fill('Cy again');
    await cy.getByRole('button', { name: 'Join the room' }).click();
    await poll(() => cy.getByRole('alert').textContent()).toBe('The presenter removed you from this workshop room; ask the presenter if you think that was a mistake.');
    expect(server.workshop!.room.participants().map((p) => p.name)).toEqual(['Ada', 'Bob (2)', 'Bob']);
  });

  test('the recording the presenter downloads holds every participant\'s join, connections and frames, one event per line', async () => {
    const names = ['Ada', 'Bob (2)', 'Bob'];
    for (const who of ['ada', 'other', 'bob']) {
      const page = pages.get(who)!.page;
      await poll(() => page.getByTestId('wk-browser').textContent()).toBe('OPEN');
      await page.getByRole('button', { name: 'Say hello (the echo answers)' }).click();
    }
    for (const name of names) await log.waitForType('frame', (e) => e.dir === 's2c' && e.opcode === 1 && (e.text ?? '') === `hello from ${name}`);

    const [download] = await Promise.all([presenter.waitForEvent('download'), presenter.getByTestId('wk-record').click()]);
    expect(download.suggestedFilename()).toMatch(/^wslab-workshop-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.ndjson$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const events: WslabEvent[] = text
      .trimEnd()
      .split('\n')
      .map((line) => {
        const r = parseEvent(JSON.parse(line));
        if (!r.ok) throw new Error(r.error);
        return r.event;
      });
    await poll(() => presenter.getByTestId('wk-record-result').textContent()).toBe(`Saved ${download.suggestedFilename()}: ${events.length} events.`);
    for (const name of names) {
      expect(events.some((e) => e.type === 'workshop' && e.action === 'join' && e.name === name), name).toBe(true);
      const conns = new Set(events.filter((e) => e.type === 'meta' && e.name === name).map((e) => (e as { conn: string }).conn));
      expect(conns.size, name).toBeGreaterThan(0);
      const texts = events.filter((e) => e.type === 'frame' && conns.has(e.conn) && e.opcode === 1).map((e) => (e as { text: string | null }).text);
      expect(texts, name).toContain(`hello from ${name}`);
    }
    expect(events.some((e) => e.type === 'workshop' && e.action === 'remove' && e.name === 'Cy')).toBe(true);
  });

  async function shots(name: string): Promise<void> {
    await presenter.evaluate(() => window.scrollTo(0, 0));
    await screenshot(presenter, `${name}-1440x900`);
  }

  test('screenshots of the presenter page at 1440×900 and 390×844', async () => {
    await presenter.setViewportSize({ width: 1440, height: 900 });
    await presenter.evaluate(() => window.scrollTo(0, 0));
    await screenshot(presenter, 'workshop-room-presenter-1440x900');
    await screenshot(presenter, 'workshop-room-presenter-1440x900-full', { fullPage: true });
    await presenter.setViewportSize({ width: 390, height: 844 });
    await presenter.evaluate(() => window.scrollTo(0, 0));
    await screenshot(presenter, 'workshop-room-presenter-390x844');
    await screenshot(presenter, 'workshop-room-presenter-390x844-full', { fullPage: true });
    // nothing wider than the phone's screen but the roster's own scroller
    const overflow = await presenter.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await screenshot(pages.get('ada')!.page, 'workshop-room-participant-1280x720');
  });
});
