// The room quiz, follow-me and the projector in real Chromium against the real server: two
// participants (Ada with two tabs on a phone-sized page, Bob on a laptop), the presenter's page and
// the projector at 1920×1080. The question reaches every tab; Ada's two tabs and Bob's double
// submit are counted once each; the reveal tells each whether they were right; a participant's
// page cannot ask or move the room; follow-me moves Ada's page and not Bob's, who opted out and
// catches up with one click. Screenshots go to test-output/screenshots and /work/shots/teach.
import { mkdirSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot, SCREENSHOT_DIR } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const KEY = 'presenter-key-for-the-teaching-e2e';
const SHOTS = process.env.WSLAB_SHOTS_DIR ?? SCREENSHOT_DIR;
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });

describeWithChromium('workshop teaching in Chromium: quiz, follow-me, projector', () => {
  let server: WslabServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let ada: Page;
  let ada2: Page;
  let bob: Page;
  let presenter: Page;

  async function context(width: number, height: number): Promise<BrowserContext> {
    const c = await browser.newContext({ viewport: { width, height }, colorScheme: 'light' });
    contexts.push(c);
    return c;
  }

  async function shot(page: Page, name: string): Promise<void> {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: joinPath(SHOTS, `${name}.png`) });
    await screenshot(page, name);
  }

  async function join(page: Page, name: string): Promise<void> {
    await page.goto(`${server.url}/workshop`);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Join the room' }).click();
    await page.getByTestId('wk-you').waitFor();
  }

  /** POST from inside a page, with its cookie: what a participant's own script could do. */
  const postFrom = (page: Page, path: string, body: unknown) =>
    page.evaluate(
      async ([p, b]) => {
        const r = await fetch(p as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
        return { status: r.status, body: await r.json() };
      },
      [path, body] as const,
    );

  useBrowserSuite((s) => ({ server, browser } = s), { server: { workshop: { presenterKey: KEY } } });
  beforeAll(async () => {
    const phone = await context(390, 844);
    ada = await phone.newPage();
    await join(ada, 'Ada');
    ada2 = await phone.newPage(); // Ada's second tab: same cookie, same participant
    await ada2.goto(`${server.url}/workshop`);
    await ada2.getByTestId('wk-you').waitFor();
    bob = await (await context(1280, 720)).newPage();
    await join(bob, 'Bob');
    presenter = await (await context(1440, 900)).newPage();
    await presenter.goto(`${server.url}/workshop?key=${KEY}`);
    await presenter.getByTestId('wk-quiz-panel').waitFor();
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
  });

  test("a participant's page cannot ask the room a question or move the room", async () => {
    const ask = await postFrom(bob, '/__wslab/workshop/quiz', { question: 'Q?', choices: ['a', 'b'], answer: 0 });
    expect(ask.status).toBe(401);
    const move = await postFrom(bob, '/__wslab/workshop/follow', { path: '/labs/ghosts', label: 'Ghosts' });
    expect(move.status).toBe(401);
    const reveal = await postFrom(ada, '/__wslab/workshop/quiz/reveal', {});
    expect(reveal.status).toBe(401);
    expect(server.workshop!.room).toBeTruthy();
    expect(await ada.getByTestId('wk-quiz-card').count()).toBe(0);
  }, 60_000);

  test('a lesson question reaches every tab; two tabs of one participant and a double submit count once; the presenter sees the histogram', async () => {
    // a new question of the presenter's own: the question and choice fields span the panel
    const form = presenter.getByTestId('wk-quiz-panel');
    const [panelWidth, fieldWidth] = await form.evaluate((el) => [el.querySelector('form')!.clientWidth, el.querySelector<HTMLInputElement>('.wk-quiz-new input')!.offsetWidth]);
    expect(fieldWidth).toBe(panelWidth);
    await form.locator('.wk-quiz-new input').first().fill('Who sends the first Ping?');
    await form.scrollIntoViewIfNeeded();
    await shot(presenter, 'teach-presenter-quiz-form-1440x900');
    await presenter.getByTestId('wk-quiz-pick').selectOption({ label: 'What is the first byte of a single-frame binary message?' });
    await presenter.getByTestId('wk-quiz-ask').click();
    for (const p of [ada, ada2, bob]) await p.getByTestId('wk-quiz-card').waitFor({ timeout: 20_000 });
    expect(await ada.locator('.wk-choice-btn').allTextContents()).toEqual(['A 0x02', 'B 0x82', 'C 0x81']);

    // Ada answers B in one tab, then A in her other tab before it learned of the first
    await ada.getByRole('button', { name: 'B 0x82' }).click();
    await poll(() => ada.getByTestId('wk-quiz-status').textContent()).toBe('Your answer, B, is in. Wait for the reveal.');
    await ada2.getByRole('button', { name: 'A 0x02' }).click();
    await poll(() => ada2.getByTestId('wk-quiz-status').textContent()).toBe('Your answer, B, is in. Wait for the reveal.');

    // Bob's page submits twice at once
    const [first, second] = await bob.evaluate(async () => {
      const send = () => fetch('/__wslab/workshop/quiz/answer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quiz: 'q1', choice: 2 }) }).then(async (r) => [r.status, await r.json()]);
      return Promise.all([send(), send()]);
    });
    expect([first[0], second[0]].sort()).toEqual([200, 201]);

    await poll(() => presenter.getByTestId('wk-quiz-answered').textContent()).toBe('2 of 2 answered');
    await poll(() => presenter.locator('[data-testid=wk-histogram] li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-count'))))).toEqual([0, 1, 1]);
    await presenter.getByTestId('wk-quiz-live').scrollIntoViewIfNeeded();
    await shot(presenter, 'teach-presenter-quiz-1440x900');
  }, 120_000);

  test('the projector at 1920×1080 shows the room totals, the quiz histogram and its fan-out, a connection diagram and feed, and no controls', async () => {
    const wall = await (await context(1920, 1080)).newPage();
    await wall.goto(`${server.url}/workshop/projector?key=${KEY}`);
    expect(new URL(wall.url()).searchParams.get('key')).toBe(null);
    await wall.getByTestId('pj-quiz').waitFor({ timeout: 20_000 });
    await poll(() => wall.getByTestId('pj-participants').textContent()).toBe('2');
    await poll(() => wall.getByTestId('pj-answered').textContent()).toBe('2/2');
    await poll(() => wall.locator('[data-testid=pj-fanout] figcaption').textContent()).toBe('one publish → 2 deliveries');
    await poll(() => wall.locator('[data-testid=pj-fanout] svg').count()).toBe(1);
    await poll(() => wall.locator('.pj-diagram svg').count()).toBe(1);
    await poll(async () => (await wall.getByTestId('pj-feed').locator('li').count()) > 0).toBe(true);
    // nothing to click, and the type is large
    expect(await wall.locator('button:visible, input:visible, select:visible').count()).toBe(0);
    expect(await wall.locator('.pj-value').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(48);
    expect(await wall.locator('.pj-feed li').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(22);
    await shot(wall, 'teach-projector-1920x1080');
    await wall.close();
    // from the presenter page: the new tab carries the key in its session storage, never in a URL or the page
    expect(await presenter.content()).not.toContain(KEY);
    const [popup] = await Promise.all([presenter.waitForEvent('popup'), presenter.getByTestId('wk-projector-open').click()]);
    await popup.getByTestId('pj-quiz').waitFor({ timeout: 20_000 });
    expect(popup.url()).toBe(`${server.url}/workshop/projector`);
    await popup.close();
  }, 120_000);

  test('the reveal tells each participant whether they were right, in every tab', async () => {
    await presenter.getByRole('button', { name: 'Reveal the answer' }).click();
    for (const p of [ada, ada2]) {
      await poll(() => p.getByTestId('wk-quiz-status').getAttribute('data-verdict')).toBe('right');
      expect(await p.getByTestId('wk-quiz-status').textContent()).toBe('Right: B.');
    }
    await poll(() => bob.getByTestId('wk-quiz-status').textContent()).toBe('Not this time: you said C, the answer was B.');
    await ada.getByTestId('wk-quiz-card').scrollIntoViewIfNeeded();
    await shot(ada, 'teach-participant-reveal-390x844');
  }, 60_000);

  test('follow-me moves a following page and not an opted-out one, which catches up with one click', async () => {
    await ada2.close();
    await bob.getByTestId('room-follow-off').click();
    await poll(() => bob.getByTestId('room-follow').getAttribute('data-following')).toBe('false');
    await presenter.getByTestId('wk-follow-target').selectOption('/labs/ghosts');
    await presenter.getByTestId('wk-follow-move').click();
    await ada.waitForURL(`${server.url}/labs/ghosts`, { timeout: 20_000 });
    await poll(() => bob.getByTestId('room-at').textContent()).toBe('The room is at Lab · Ghost connections and heartbeats');
    expect(new URL(bob.url()).pathname).toBe('/workshop');
    await shot(bob, 'teach-participant-opted-out-1280x720');
    await bob.getByTestId('room-catch-up').click();
    await bob.waitForURL(`${server.url}/labs/ghosts`);
    await shot(ada, 'teach-participant-followed-390x844');
    expect(new URL(presenter.url()).pathname).toBe('/workshop');
  }, 60_000);
});
