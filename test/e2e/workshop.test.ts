// Workshop mode in real Chromium against the real server: two participants join with names (each
// in its own browser context: own cookie, own storage), the presenter page opened from the printed
// presenter URL lists both with their connections, turns the heartbeat on and blackholes the room;
// the participants see it happen: the server terminates them while their browsers still say OPEN,
// then the link comes back and they reconnect. Screenshots at 1280×720, light and dark; and the
// page of a server without --workshop shows the command that starts one.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import { START_COMMAND } from '../../web/src/workshop/model.ts';

/** expect.poll with room for a busy machine (its default gives up after 1 s) */
const poll = <T>(fn: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) => expect.poll(fn, { timeout: 20_000, ...options });

/**
 * The timed blackhole: long enough that both participants' pages (refetching the room within 2 s
 * of an event, on a loaded machine) show it, and the server's heartbeat terminates them, before
 * the timer lifts it.
 */
const BLACKHOLE_S = 10;

describeWithChromium('/workshop in Chromium', () => {
  let server: WslabServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let ada: Page;
  let grace: Page;
  let presenter: Page;

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
    contexts.push(context);
    return context.newPage();
  }

  async function shoot(page: Page, name: string): Promise<void> {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, `${name}-light`);
    await screenshot(page, `${name}-full-light`, { fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, `${name}-dark`);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  useBrowserSuite((s) => ({ server, browser } = s), { server: { workshop: true } });
  beforeAll(async () => {
    [ada, grace, presenter] = [await newPage(), await newPage(), await newPage()];
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
  });

  async function join(page: Page, typed: string, shown: string, shot?: string): Promise<void> {
    await page.goto(`${server.url}/workshop`);
    await page.getByLabel('Your name').fill(typed);
    if (shot) await shoot(page, shot);
    await page.getByRole('button', { name: 'Join the room' }).click();
    await poll(() => page.getByTestId('wk-you').textContent()).toBe(shown);
    // its own connection through the chaos link, open on both ends
    await poll(() => page.getByTestId('wk-browser').textContent()).toBe('OPEN');
    await poll(() => page.getByTestId('wk-server').textContent()).toBe('OPEN');
  }

  test('two participants join with names; markup in a name stays text', async () => {
    await join(ada, 'Ada', 'Ada');
    await join(grace, '  Grace <b>Hopper</b>\u202e ', 'Grace <b>Hopper</b>', 'workshop-join');
    expect(await grace.locator('.wk-names b').count()).toBe(0);
    await poll(() => ada.getByTestId('wk-names').locator('li').allTextContents()).toEqual(['Ada', 'Grace <b>Hopper</b>']);
    await poll(() => ada.getByTestId('wk-count').textContent()).toBe('2');
    // the name is kept in the browser
    expect(await ada.evaluate(() => localStorage.getItem('wslab.workshop.name'))).toBe('Ada');
  });

  test('the presenter page takes the key out of the address bar and lists both participants with their connections', async () => {
    const url = server.workshop!.presenterUrl;
    const key = server.workshop!.presenterKey;
    await presenter.goto(url);
    await poll(() => presenter.locator('h1').textContent()).toBe('Workshop · presenter');
    expect(presenter.url()).toBe(`${server.url}/workshop`);
    expect(await presenter.content()).not.toContain(key);
    await poll(() => presenter.getByTestId('wk-participants').textContent()).toBe('2');
    await poll(() => presenter.getByTestId('wk-live').textContent()).toBe('2');
    const roster = presenter.getByTestId('wk-roster');
    const names = await roster.locator('tbody th.wk-who .wk-name').allTextContents();
    expect(names).toEqual(['Ada', 'Grace <b>Hopper</b>']);
    for (const name of names) {
      const group = roster.locator('tbody', { has: presenter.locator('th.wk-who', { hasText: name }) });
      await poll(() => group.locator('tr').count()).toBe(1);
      const cells = await group.locator('td').allTextContents();
      expect(cells[0]).toMatch(/^c\d+$/);
      expect(cells[1]).toBe('/lab/echo');
      expect(cells[2]).toBe('open');
    }
    // participants' pages never learn the key
    expect(await ada.content()).not.toContain(key);
    expect(await ada.evaluate(() => sessionStorage.getItem('wslab.workshop.presenterKey'))).toBeNull();
    // the participant says hello: frames in and out move on the presenter's roster
    await ada.getByRole('button', { name: 'Say hello (the echo answers)' }).click();
    const adaRow = roster.locator('tbody', { has: presenter.locator('th.wk-who', { hasText: 'Ada' }) }).locator('tr').first();
    await poll(async () => (await adaRow.locator('td').allTextContents()).slice(3, 5)).toEqual(['1', '1']);
    await shoot(presenter, 'workshop-presenter');
  });

  test('heartbeat on and a blackhole for everyone: participants see it, the server terminates them while their browsers say OPEN, then they reconnect', async () => {
    await presenter.getByLabel('Heartbeat every (ms)').fill('200');
    await presenter.getByLabel('Misses allowed').fill('2');
    await presenter.getByRole('button', { name: 'Heartbeat on' }).click();
    await poll(() => presenter.getByTestId('wk-result').textContent()).toBe(
      'The presenter set the server heartbeat for everyone: a ping every 200 ms, terminate after 2 missed (2 connections).',
    );
    for (const page of [ada, grace]) {
      await poll(() => page.getByTestId('wk-heartbeat').textContent()).toBe('200 ms');
      await poll(() => page.getByTestId('wk-rtt').textContent()).toMatch(/ms$/);
    }

    await presenter.getByLabel('For how long (s)').fill(String(BLACKHOLE_S));
    await presenter.getByRole('button', { name: `Blackhole everyone for ${BLACKHOLE_S} s` }).click();
    const blackholed = `The presenter blackholed everyone for ${BLACKHOLE_S} s (2 connections).`;
    await poll(() => presenter.getByTestId('wk-result').textContent()).toBe(blackholed);
    // both pages at once: what they show must be seen before the timer lifts the blackhole
    const during = { timeout: BLACKHOLE_S * 1000 };
    await Promise.all(
      [ada, grace].map(async (page) => {
        await poll(() => page.getByTestId('wk-now').textContent(), during).toMatch(/The presenter is blackholing everyone's link \(\d+ s left\)\./);
        await poll(() => page.getByTestId('wk-now').textContent(), during).toContain('Watch your heartbeat');
        await poll(() => page.getByTestId('wk-server').textContent(), during).toBe('TERMINATED');
        expect(await page.getByTestId('wk-close').textContent()).toBe('Server side: terminated, 2 pings missed.');
        // the ghost: nothing crossed the tunnel, so the browser still believes
        expect(await page.getByTestId('wk-browser').textContent()).toBe('OPEN');
        await poll(() => page.getByTestId('wk-log').locator('li').first().textContent(), during).toBe(blackholed);
      }),
    );
    await poll(() => presenter.getByTestId('wk-live').textContent()).toBe('0');
    await poll(() => presenter.getByTestId('wk-roster').locator('tr.wk-closed').count()).toBe(2);
    expect(await presenter.getByTestId('wk-roster').locator('tr.wk-closed .conn-state').allTextContents()).toEqual([
      'terminated, 2 pings missed',
      'terminated, 2 pings missed',
    ]);
    await shoot(ada, 'workshop-participant-blackholed');
    await shoot(presenter, 'workshop-presenter-blackholed');

    // the timer lifts it: the link resets the forgotten connections, the browsers reconnect
    for (const page of [ada, grace]) {
      await poll(() => page.getByTestId('wk-log').locator('li').first().textContent(), { timeout: BLACKHOLE_S * 1000 + 20_000 }).toBe("Time is up: everyone's link is back (2 connections).");
      await poll(() => page.getByTestId('wk-server').textContent()).toBe('OPEN');
      expect(await page.getByTestId('wk-browser').textContent()).toBe('OPEN');
      // participants' pages refetch the room within 2 s of an event (spread out so a room does not ask all at once)
      await poll(() => page.getByTestId('wk-now').textContent()).toContain('Nothing is broken');
    }
    await poll(() => presenter.getByTestId('wk-live').textContent()).toBe('2');
    await shoot(grace, 'workshop-participant-back');
  }, 120_000);

  test('the room shares the ghost lab: Spawn from a participant is refused with the reason, from the presenter tab it spawns for everyone', async () => {
    await ada.goto(`${server.url}/labs/ghosts`);
    await ada.locator('.lab-panel input[type=number]').first().fill('3');
    await ada.getByRole('button', { name: /^Spawn/ }).click();
    await poll(() => ada.locator('.lab-problem').textContent()).toMatch(
      /^In workshop mode only the presenter may start, blackhole or close the simulated clients \(the room shares them\): it affects everyone in the room\. Ask the presenter/,
    );
    await ada.locator('.lab-problem').scrollIntoViewIfNeeded();
    await screenshot(ada, 'workshop-ghosts-refused');
    const simClients = async () => ((await (await fetch(`${server.url}/__wslab/sim`)).json()) as { clients: number }).clients;
    expect(await simClients()).toBe(0);

    await presenter.goto(`${server.url}/labs/ghosts`);
    await presenter.locator('.lab-panel input[type=number]').first().fill('3');
    await presenter.getByRole('button', { name: /^Spawn/ }).click();
    await poll(simClients).toBe(3);
    expect(await presenter.locator('.lab-problem').count()).toBe(0);
    const cleared = await fetch(`${server.url}/__wslab/sim`, { method: 'DELETE', headers: { Authorization: `Bearer ${server.workshop!.presenterKey}` } });
    expect(cleared.status).toBe(200);
  });

  test('without --workshop, /workshop shows the command that starts one', async () => {
    const plain = await startWslab({ port: 0, host: '127.0.0.1' });
    try {
      const page = await newPage();
      await page.goto(`${plain.url}/workshop`);
      await poll(() => page.locator('h2').first().textContent()).toBe('Workshop mode is off on this server');
      expect(await page.locator('.wk-command').textContent()).toBe(START_COMMAND);
      await shoot(page, 'workshop-off');
    } finally {
      await plain.close();
    }
  });
});
