// The presenter page with a room of 500, in real Chromium: 500 participants as real clients (each
// joined with its own cookie, one lab connection through the chaos link sending a message a
// second; they run in a process of their own so the browser keeps its CPU), the presenter page
// open on the whole room's stream. While the room sends, for 10 s: the roster keeps a few dozen
// rows in the page whatever its size, the totals are drawn at most twice a second, and the page's
// long tasks (PerformanceObserver 'longtask') are measured and printed, and asserted to add up to
// less than half the window (a wide bound: the machine is shared; the target is no task over 100 ms). The roster scrolls with the keyboard to the
// last participant and finds one by name. Screenshots at 1440×900 and 390×844.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { ROOT } from '../../server/paths.ts';
import { describeWithChromium, launchChromium, screenshot } from '../helpers/chromium.ts';

const ROOM = 500;
const MEASURE_MS = 10_000;
const poll = <T>(fn: () => T | Promise<T>, timeout = 90_000) => expect.poll(fn, { timeout, interval: 500 });

describeWithChromium('the presenter page with 500 participants', () => {
  let server: WslabServer;
  let browser: Browser;
  let clients: ChildProcess;
  let presenter: Page;
  const lines: Record<string, number>[] = [];

  beforeAll(async () => {
    server = await startWslab({ port: 0, workshop: { presenterName: 'Grace Hopper' } });
    const origin = `http://127.0.0.1:${server.port}`;
    clients = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', 'room-clients.ts'), origin, String(ROOM)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    clients.stderr!.on('data', (d) => (stderr += d));
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: clients.stdout! }).on('line', (line) => {
        const m = JSON.parse(line) as Record<string, number>;
        lines.push(m);
        if (m.ready === ROOM) resolve();
      });
      clients.once('exit', (code) => reject(new Error(`the room's clients exited (${code}) before all ${ROOM} were connected: ${stderr}`)));
    });
    await ready;
    browser = await launchChromium();
    presenter = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  }, 240_000);

  afterAll(async () => {
    clients?.kill('SIGTERM');
    await browser?.close();
    await server?.close();
  });

  test('while 500 participants send, the roster keeps a few dozen rows in the page, the totals are drawn at most twice a second, and its long tasks are measured', async () => {
    expect(server.workshop!.room.size).toBe(ROOM);
    await presenter.goto(server.workshop!.presenterUrl);
    await poll(() => presenter.getByTestId('wk-participants').textContent()).toBe(String(ROOM));
    await poll(() => presenter.getByTestId('wk-live').textContent()).toBe(String(ROOM));
    // the room is sending: the page counts its messages (one a second each; wide bounds, a loaded machine)
    await poll(async () => Number(await presenter.getByTestId('wk-rate').textContent())).toBeGreaterThan(100);

    const measured = await presenter.evaluate(async (ms) => {
      const tasks: number[] = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) tasks.push(e.duration);
      });
      observer.observe({ type: 'longtask' });
      const box = document.querySelector('[data-testid="wk-aggregates"]')!;
      const rendersBefore = Number(box.getAttribute('data-renders'));
      const marksBefore = performance.getEntriesByName('wk-aggregates').length;
      const started = performance.now();
      const rowCounts: number[] = [];
      while (performance.now() - started < ms) {
        await new Promise((r) => setTimeout(r, 500));
        rowCounts.push(document.querySelectorAll('[data-testid="wk-roster"] tbody[data-participant] tr').length);
      }
      const elapsed = performance.now() - started;
      // the observer does see a long task: one made on purpose after the window (not counted above)
      const counted = tasks.length;
      const until = performance.now() + 150;
      while (performance.now() < until);
      // the observer reports it in a later task: wait for that report (at most 5 s), not a fixed time
      for (const giveUp = performance.now() + 5000; tasks.length === counted && performance.now() < giveUp; ) await new Promise((r) => setTimeout(r, 20));
      const probe = tasks.slice(counted);
      tasks.length = counted;
      observer.disconnect();
      return {
        elapsed,
        tasks,
        renders: Number(box.getAttribute('data-renders')) - rendersBefore,
        marks: performance.getEntriesByName('wk-aggregates').length - marksBefore,
        rowCounts,
        probe,
      };
    }, MEASURE_MS);
    const sent = lines.filter((l) => l.sent !== undefined);
    const longest = Math.max(0, ...measured.tasks);
    console.log(
      `presenter page, room of ${ROOM}, ${Math.round(measured.elapsed)} ms while the room sent ` +
        `(clients: ${sent.at(-1)?.sent ?? 0} sent, ${sent.at(-1)?.received ?? 0} echoed, ${sent.at(-1)?.closed ?? 0} closed): ` +
        `${measured.tasks.length} long tasks, longest ${Math.round(longest)} ms, total ${Math.round(measured.tasks.reduce((a, b) => a + b, 0))} ms; ` +
        `totals drawn ${measured.renders} times; roster rows in the page ${Math.min(...measured.rowCounts)}..${Math.max(...measured.rowCounts)}`,
    );
    expect(measured.probe.length).toBe(1);
    expect(measured.probe[0]).toBeGreaterThanOrEqual(150);
    // structural: a few dozen of the room's 500 rows are in the page; the totals drawn at most twice a second
    expect(Math.max(...measured.rowCounts)).toBeLessThanOrEqual(60);
    expect(Math.min(...measured.rowCounts)).toBeGreaterThanOrEqual(10);
    expect(measured.marks).toBe(measured.renders);
    expect(measured.renders).toBeLessThanOrEqual(Math.ceil((measured.elapsed / 1000) * 2) + 1);
    expect(measured.renders).toBeGreaterThanOrEqual(5);
    // the clients' sockets all stayed open through it
    expect(sent.at(-1)?.closed).toBe(0);
    // The page's bound is no task over 100 ms; on a shared two-core machine a task is stretched by
    // whatever else runs, so what is asserted is wide: the page's long tasks add up to less than
    // half the window (the roster drawn in full took 7 to 11 s of every 10 s here).
    const total = measured.tasks.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(MEASURE_MS / 2);
  }, 300_000);

  test('the roster scrolls with the keyboard to the last participant and finds one by name', async () => {
    const names = () => presenter.locator('[data-testid="wk-roster"] tbody[data-participant] .wk-name').allTextContents();
    expect((await names())[0]).toBe('P1');
    await presenter.getByTestId('wk-roster-scroll').focus();
    await presenter.keyboard.press('End');
    await poll(async () => (await names()).at(-1), 20_000).toBe(`P${ROOM}`);
    expect(await presenter.locator('[data-testid="wk-roster"] tbody[data-participant] tr').count()).toBeLessThanOrEqual(60);
    // the last row is really on screen, not only in the page
    const last = presenter.locator(`[data-testid="wk-roster"] tbody[data-participant="${server.workshop!.room.participants().at(-1)!.id}"]`);
    await expect.poll(() => last.evaluate((el) => {
      const box = el.closest('[data-testid="wk-roster-scroll"]')!.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom + 1;
    }), { timeout: 20_000 }).toBe(true);
    await presenter.keyboard.press('Home');
    await poll(async () => (await names())[0], 20_000).toBe('P1');

    await presenter.getByTestId('wk-find').fill('P250');
    await poll(() => names(), 20_000).toEqual(['P250']);
    expect(await presenter.getByTestId('wk-roster-count').textContent()).toMatch(/^1 of 500 participants, 1 row: /);
    await presenter.getByTestId('wk-find').fill('');
    await poll(async () => (await names())[0], 20_000).toBe('P1');
  }, 120_000);

  test('screenshots of the presenter page with 500 participants at 1440×900 and 390×844; the phone page is no wider than the screen', async () => {
    const out = '/work/shots/presenter500';
    mkdirSync(out, { recursive: true });
    await presenter.evaluate(() => window.scrollTo(0, 0));
    const wide = await screenshot(presenter, 'workshop-presenter-500-1440');
    copyFileSync(wide, join(out, 'presenter-500-1440x900.png'));
    await presenter.getByTestId('wk-roster-scroll').scrollIntoViewIfNeeded();
    copyFileSync(await screenshot(presenter, 'workshop-presenter-500-1440-roster'), join(out, 'presenter-500-1440x900-roster.png'));

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(server.workshop!.presenterUrl);
      await poll(() => phone.getByTestId('wk-participants').textContent()).toBe(String(ROOM));
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(await phone.locator('[data-testid="wk-roster"] tbody[data-participant] tr').count()).toBeLessThanOrEqual(60);
      copyFileSync(await screenshot(phone, 'workshop-presenter-500-390'), join(out, 'presenter-500-390x844.png'));
      await phone.getByTestId('wk-roster-scroll').scrollIntoViewIfNeeded();
      copyFileSync(await screenshot(phone, 'workshop-presenter-500-390-roster'), join(out, 'presenter-500-390x844-roster.png'));
    } finally {
      await phone.close();
    }
  }, 180_000);
});
