// The capstone in Chromium against the real server: "Run the whole story" drives one browser
// WebSocket through upgrade → JWT → join → broker subscribe → broadcast → ping/pong → drop →
// heartbeat timeout → unsubscribe → cleanup; each step is ticked by a real event (checked here
// against the server's own event bus, by seq, type and connection), and the diagram draws every
// arrow step at that seq and every note step's text. Also: facilitator notes hidden by default and
// remembered when shown, shown by default in a presenter's tab; lab pages link back to their lessons.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import type { WslabEvent } from '../../server/core/events/schema.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import { collect, type Collector } from '../helpers/server.ts';

const SHOTS = process.env.WSLAB_SHOTS_DIR ?? null;
async function shot(page: Page, name: string): Promise<void> {
  const path = await screenshot(page, name);
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    copyFileSync(path, join(SHOTS, `${name}.png`));
  }
}

/** The event type that proves each step, in the story's order. */
const PROOF_TYPES: [step: string, type: WslabEvent['type']][] = [
  ['upgrade', 'handshake'],
  ['jwt', 'frame'],
  ['join', 'frame'],
  ['subscribe', 'fanout'],
  ['broadcast', 'fanout'],
  ['ping-pong', 'frame'],
  ['drop', 'link'],
  ['timeout', 'heartbeat'],
  ['unsubscribe', 'fanout'],
  ['cleanup', 'fanout'],
];

describeWithChromium('the capstone lesson in Chromium', () => {
  let server: WslabServer;
  let page: Page;
  let log: Collector;

  useBrowserSuite((suite) => ({ server, page } = suite), { timeoutMs: 20_000, page: { viewport: { width: 1440, height: 900 } } });
  beforeAll(() => {
    log = collect(server);
  });
  afterAll(() => log.stop());

  test('Run the whole story ticks all ten steps from real events, and the diagram draws each of them', { timeout: 120_000 }, async () => {
    await page.goto(`${server.url}/lessons/capstone`);
    const run = page.getByTestId('capstone-run');
    await run.waitFor();
    await run.click();
    const steps = page.locator('li.capstone-step');
    await expect.poll(() => page.locator('li.capstone-step[data-state="done"]').count(), { timeout: 60_000, interval: 250 }).toBe(10);

    const shown = await steps.evaluateAll((lis) => lis.map((li) => ({ step: li.getAttribute('data-step')!, seq: Number(li.getAttribute('data-seq')), drawn: li.getAttribute('data-drawn')! })));
    expect(shown.map((s) => s.step)).toEqual(PROOF_TYPES.map(([s]) => s));
    const seqs = shown.map((s) => s.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(10);

    // every seq is a real event of the right type, on the run's own connection (or its link)
    const bySeq = new Map(log.events.map((e) => [e.seq, e]));
    const proofs = shown.map((s) => bySeq.get(s.seq));
    const handshake = proofs[0]!;
    expect(handshake.type).toBe('handshake');
    const conn = (handshake as { conn: string }).conn;
    const open = log.events.find((e) => e.type === 'conn.open' && e.conn === conn)!;
    expect(open.type === 'conn.open' && open.sessionId?.startsWith('story')).toBe(true);
    for (const [i, [step, type]] of PROOF_TYPES.entries()) {
      const e = proofs[i];
      expect(e?.type, step).toBe(type);
      if (e!.type === 'link') {
        expect(e!.action).toBe('config');
        expect(e!.conditions?.blackhole).toBe(true);
        const linkOpen = log.events.find((x) => x.type === 'link' && x.action === 'open' && x.link === (e as { link: string }).link)!;
        expect(linkOpen.type === 'link' && linkOpen.tag?.startsWith('story-')).toBe(true);
      } else if (step !== 'cleanup') {
        expect((e as { conn?: string }).conn, step).toBe(conn);
      }
    }
    const at = (i: number) => proofs[i] as WslabEvent & Record<string, unknown>;
    expect(at(0).response).toMatchObject({ status: 101 });
    expect(at(1)).toMatchObject({ dir: 's2c', opcode: 1 });
    // the frame previews 64 bytes; the message event that follows it carries the whole sentence
    const said = log.events.find((e) => e.type === 'message' && e.conn === conn && e.dir === 's2c' && e.seq > shown[1].seq)!;
    expect(said.type === 'message' && said.text).toContain('authenticated as capstone via auth message');
    expect(String(at(2).text)).toContain('"type":"join"');
    expect(at(3)).toMatchObject({ hop: 'subscribe' });
    expect(at(4)).toMatchObject({ hop: 'publish', kind: 'chat' });
    expect(at(5)).toMatchObject({ dir: 'c2s', opcode: 10 });
    expect(at(7)).toMatchObject({ action: 'terminate', missed: 2 });
    expect(at(8)).toMatchObject({ hop: 'unsubscribe' });
    expect(String(at(8).topic)).toBe(String(at(3).topic));
    // cleanup: after the close, presence for the room goes out again without the user
    expect(at(9)).toMatchObject({ hop: 'publish', kind: 'presence', topic: at(3).topic });
    const closed = log.events.find((e) => e.type === 'close' && e.conn === conn)!;
    expect(closed.seq).toBeGreaterThan(shown[7].seq);
    expect(closed.seq).toBeLessThan(shown[9].seq);

    // the diagram: each arrow step is drawn at its event's seq; each note step's text is there
    const svg = page.locator('[data-testid="sequence-diagram"] svg');
    for (const s of shown.filter((x) => x.drawn === 'arrow')) {
      await expect.poll(() => svg.locator(`text.messageText[data-seq="${s.seq}"]`).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    }
    const text = () => svg.textContent();
    // notes are cut to what the panel's width leaves them; their starts are enough to find them
    await expect.poll(text).toContain('conditions: bla');
    await expect.poll(text).toContain('heartbeat: term');
    const closeEvent = log.events.find((e) => e.type === 'close' && e.conn === conn)!;
    await expect.poll(text).toContain(`closed ${closeEvent.type === 'close' ? (closeEvent.code ?? 'without') : ''}`);
    expect(await svg.locator(`text.messageText[data-seq="${shown[0].seq}"]`).first().textContent()).toMatch(/^GET \/lab\/chat/);
    expect(await svg.locator(`text.messageText[data-seq="${shown[3].seq}"]`).first().textContent()).toMatch(/^SUBSCRIBE room:story/);
    expect(await svg.locator(`text.messageText[data-seq="${shown[8].seq}"]`).first().textContent()).toMatch(/^UNSUBSCRIBE room:story/);

    // the browser was told nothing: its socket still says OPEN
    expect(await page.getByTestId('capstone-browser').textContent()).toContain('readyState 1 (OPEN)');
    await page.locator('.capstone').scrollIntoViewIfNeeded();
    await shot(page, 'capstone-1440');
    await page.locator('.capstone .seq-diagram').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(page, 'capstone-diagram-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('.capstone-steps').scrollIntoViewIfNeeded();
    await shot(page, 'capstone-390');
    await page.locator('.capstone .seq-diagram').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(page, 'capstone-diagram-390');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('facilitator notes: hidden on every lesson by default, shown on asking and remembered, shown by default in a presenter\'s tab', { timeout: 120_000 }, async () => {
    await page.goto(`${server.url}/lessons`);
    await page.locator('li.lesson-card').first().waitFor();
    await page.evaluate(() => localStorage.removeItem('wslab.lessons.facilitator'));
    const hrefs = await page.locator('li.lesson-card h2 a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(hrefs).toHaveLength(17);
    for (const href of hrefs) {
      await page.goto(`${server.url}${href}`);
      await page.getByTestId('facilitator-toggle').waitFor();
      expect(await page.getByTestId('facilitator-notes').count(), href).toBe(0);
      expect(await page.getByTestId('facilitator-toggle').textContent()).toBe('Show facilitator notes');
    }
    await page.goto(`${server.url}/lessons/ghosts-and-heartbeats`);
    await page.getByTestId('facilitator-toggle').click();
    const notes = page.getByTestId('facilitator-notes');
    await notes.waitFor();
    expect(await notes.locator('th').allTextContents()).toEqual(['0-2 min', '2-5 min', '5-8 min', '8-10 min']);
    expect(await notes.locator('td').nth(1).textContent()).toContain('blackhole everyone now for 30 s; ask what each browser says');
    expect(await page.getByTestId('facilitator-toggle').getAttribute('aria-pressed')).toBe('true');
    await notes.scrollIntoViewIfNeeded();
    await shot(page, 'lesson-facilitator-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await notes.scrollIntoViewIfNeeded();
    await shot(page, 'lesson-facilitator-390');
    await page.setViewportSize({ width: 1440, height: 900 });
    // remembered across lessons and reloads
    await page.goto(`${server.url}/lessons/handshake`);
    await page.getByTestId('facilitator-notes').waitFor();
    await page.reload();
    await page.getByTestId('facilitator-notes').waitFor();
    await page.getByTestId('facilitator-toggle').click();
    await expect.poll(() => page.getByTestId('facilitator-notes').count()).toBe(0);
    await page.reload();
    await page.getByTestId('facilitator-toggle').waitFor();
    expect(await page.getByTestId('facilitator-notes').count()).toBe(0);
    // a presenter's tab (it holds the workshop key) shows them unless told otherwise
    await page.evaluate(() => {
      localStorage.removeItem('wslab.lessons.facilitator');
      sessionStorage.setItem('wslab.workshop.presenterKey', 'k');
    });
    await page.reload();
    await page.getByTestId('facilitator-notes').waitFor();
    await page.evaluate(() => sessionStorage.removeItem('wslab.workshop.presenterKey'));
  });

  test('every lab page links back to the lessons that send learners there, with the goal for that lab', { timeout: 120_000 }, async () => {
    for (const id of ['transports', 'ghosts', 'backpressure', 'lifecycle', 'chat', 'hol', 'data-types']) {
      await page.goto(`${server.url}/labs/${id}`);
      const back = page.getByTestId('lab-lessons');
      await back.waitFor();
      expect(await back.locator('a').count(), id).toBeGreaterThan(0);
      expect(await back.locator('.lab-lesson-goal').first().textContent(), id).toMatch(/^Goal: .{30,}/);
    }
    await page.goto(`${server.url}/labs/ghosts`);
    const back = page.getByTestId('lab-lessons');
    await back.waitFor();
    expect(await back.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
      '/lessons/why-http-struggles#measure-all-four',
      '/lessons/ghosts-and-heartbeats#see-a-ghost-appear-and-vanish',
      '/lessons/choosing-tools#the-checklist-what-nothing-more-means',
    ]);
    await back.locator('a', { hasText: 'Ghost connections and heartbeats' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Ghost connections and heartbeats');
    await expect.poll(() => page.evaluate(() => localStorage.getItem('wslab.lessons.visit'))).toContain('"lesson":"ghosts-and-heartbeats"');
    // having read that lesson, the ghosts lab lists it first
    await page.goto(`${server.url}/labs/ghosts`);
    await expect.poll(() => page.getByTestId('lab-lessons').locator('a').first().textContent()).toContain('Ghost connections and heartbeats');
  });
});
