// The curriculum in a real browser against the real server: the list of 16 lessons, a lesson
// with its mermaid diagram and decode blocks, a quiz answered and remembered, a lab block
// followed to its page, and screenshots in light and dark.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

describeWithChromium('/lessons in Chromium', () => {
  let server: WslabServer;
  let page: Page;

  useBrowserSuite((suite) => ({ server, page } = suite));

  test('/lessons lists the 17 lessons with numbers, titles and progress', async () => {
    const res = await page.goto(`${server.url}/lessons`);
    expect(res?.status()).toBe(200);
    await page.locator('li.lesson-card').first().waitFor();
    expect(await page.locator('li.lesson-card').count()).toBe(17);
    expect(await page.locator('.lesson-num').first().textContent()).toBe('01');
    expect(await page.locator('li.lesson-card h2').nth(3).textContent()).toBe('Lifecycle');
    expect(await page.locator('li.lesson-card h2').nth(5).textContent()).toBe('Frames and opcodes');
    expect(await page.locator('[data-lesson="frames-and-opcodes"] .lesson-progress').textContent()).toBe('0/4 quizzes');
  });

  test("lesson 2 shows this server's own host:port, not the 127.0.0.1:8080 it is written against", async () => {
    await page.goto(`${server.url}/lessons/handshake`);
    const pre = page.locator('pre').first();
    await pre.waitFor();
    const host = `127.0.0.1:${server.port}`;
    expect(await pre.textContent()).toContain(`Host: ${host}\nUpgrade: websocket`);
    expect(await pre.textContent()).toContain(`Origin: http://${host}`);
    await expect.poll(() => page.locator('main').textContent()).toContain(`new WebSocket('ws://${host}/lab/echo')`);
    expect(await page.locator('main').textContent()).not.toContain('127.0.0.1:8080');
  });

  test('the frames lesson shows real frame bytes: decode blocks with one-line summaries and a link to /decode', async () => {
    await page.goto(`${server.url}/lessons/frames-and-opcodes`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Frames and opcodes');
    const first = page.locator('figure.lesson-decode').first();
    await first.waitFor();
    expect(await first.locator('.lesson-decode-lines li').first().textContent()).toBe("TEXT 'Hello' [5 bytes, fin]");
    expect(await first.locator('a.lesson-decode-link').getAttribute('href')).toBe('/decode?hex=81+05+48+65+6c+6c+6f&dir=server');
    expect(await page.locator('figure.lesson-decode').count()).toBe(8);
    expect(await page.locator('figure.lesson-decode.violation').count()).toBe(3);
    // the table of contents links to the headings
    expect(await page.locator('.lesson-toc a[href="#masking-why-clients-scramble-their-bytes"]').count()).toBe(1);
    expect(await page.locator('h2#masking-why-clients-scramble-their-bytes').count()).toBe(1);
  });

  test('a mermaid block is drawn as an SVG', async () => {
    await page.goto(`${server.url}/lessons/handshake`);
    await page.locator('.lesson-diagram svg').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.lesson-diagram svg').count()).toBe(1);
    await page.locator('.lesson-diagram').scrollIntoViewIfNeeded();
    await screenshot(page, 'lesson-handshake-diagram');
  });

  test('a quiz: choices in the learner\'s own order, a wrong first answer gets one retry, the first answer is the one recorded', async () => {
    await page.goto(`${server.url}/lessons/frames-and-opcodes`);
    const quiz = page.locator('fieldset.quiz').first();
    await quiz.waitFor();
    const order = await quiz.locator('label.quiz-choice').evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-choice'))));
    expect([...order].sort()).toEqual([0, 1, 2]);
    // the same learner sees the same order after a reload
    await page.reload();
    await quiz.waitFor();
    expect(await quiz.locator('label.quiz-choice').evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-choice'))))).toEqual(order);
    await quiz.locator('label.quiz-choice[data-choice="0"]').click(); // 0x02: wrong
    await quiz.locator('button.quiz-check').click();
    expect(await quiz.locator('.quiz-result').textContent()).toContain('try once more');
    expect(await quiz.locator('.quiz-result').textContent()).not.toContain('0x80 | 0x02'); // nothing revealed yet
    expect(await quiz.locator('button.quiz-check').textContent()).toBe('Try again');
    await quiz.locator('label.quiz-choice[data-choice="1"]').click(); // 0x82: right
    await quiz.locator('button.quiz-check').click();
    const result = await quiz.locator('.quiz-result').textContent();
    expect(result).toContain('Right.');
    expect(result).toContain('0x80 | 0x02 = 0x82');
    expect(result).toContain('Recorded: your first answer.');
    expect(await quiz.locator('button.quiz-check').count()).toBe(0);
    await page.goto(`${server.url}/lessons`);
    await expect.poll(() => page.locator('[data-lesson="frames-and-opcodes"] .lesson-progress').textContent()).toBe('0/4 quizzes');
    // a different learner (another id in storage) is shown another order for some question
    const orders = async () => {
      await page.goto(`${server.url}/lessons/frames-and-opcodes`);
      await page.locator('fieldset.quiz').first().waitFor();
      return page.locator('fieldset.quiz label.quiz-choice').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-choice')).join(''));
    };
    const mine = await orders();
    await page.evaluate(() => localStorage.setItem('wslab.learner', 'ffffffffffffffff'));
    expect(await orders()).not.toBe(mine);
  });

  test('predict, then check: the prediction is locked in, then the live server measures the answer', async () => {
    await page.goto(`${server.url}/lessons/frames-and-opcodes`);
    const quiz = page.locator('fieldset.quiz-predict').first();
    await quiz.waitFor();
    expect(await quiz.locator('.quiz-tag').textContent()).toBe('Predict, then check');
    expect(await quiz.locator('[data-testid="quiz-live"]').count()).toBe(0);
    await quiz.locator('label.quiz-choice[data-choice="3"]').click(); // 8 bytes
    expect(await quiz.locator('button.quiz-check').textContent()).toBe('Lock in my prediction');
    await quiz.locator('button.quiz-check').click();
    expect(await quiz.locator('.quiz-result').textContent()).toContain('Right.');
    await quiz.locator('button.quiz-live-run').click();
    await expect.poll(() => quiz.locator('[data-testid="quiz-live-value"]').textContent(), { timeout: 10_000 }).toBe('8');
    expect(await quiz.locator('.quiz-live-result').textContent()).toContain('you sent 308 bytes: 8 bytes of header and 300 of payload');
    const unmasked = page.locator('fieldset.quiz-predict').nth(1);
    await unmasked.locator('label.quiz-choice[data-choice="0"]').click();
    await unmasked.locator('button.quiz-check').click();
    await unmasked.locator('button.quiz-live-run').click();
    await expect.poll(() => unmasked.locator('[data-testid="quiz-live-value"]').textContent(), { timeout: 10_000 }).toBe('1002');
    for (const [w, h] of [
      [1440, 900],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await quiz.scrollIntoViewIfNeeded();
      await screenshot(page, `lesson-quiz-predict-${w}x${h}`);
      await page.locator('.lesson-intro').scrollIntoViewIfNeeded();
      await screenshot(page, `lesson-intro-${w}x${h}`);
      await page.locator('.lesson-recap').scrollIntoViewIfNeeded();
      await screenshot(page, `lesson-recap-${w}x${h}`);
    }
    // a corrected lesson: the heartbeat's cost counted both ways
    await page.goto(`${server.url}/lessons/ghosts-and-heartbeats`);
    const table = page.locator('.lesson-table').filter({ hasText: 'two ACKs' });
    expect(await table.locator('tr').last().textContent()).toBe('+ two ACKs1,150216');
    for (const [w, h] of [
      [1440, 900],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await table.scrollIntoViewIfNeeded();
      await screenshot(page, `lesson-heartbeat-cost-${w}x${h}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('a lab block leads to its live page', async () => {
    await page.goto(`${server.url}/lessons/ghosts-and-heartbeats`);
    const link = page.locator('a.lesson-lab-link[href="/labs/ghosts"]').first();
    await link.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/labs/ghosts');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Ghost connections and heartbeats');
  });

  test('previous and next links walk the curriculum; lessons load by number too', async () => {
    await page.goto(`${server.url}/lessons/6`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Frames and opcodes');
    await page.locator('a[rel="next"]').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Data types');
    expect(new URL(page.url()).pathname).toBe('/lessons/data-types');
  });

  test('screenshots in light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${server.url}/lessons`);
      await page.locator('li.lesson-card').first().waitFor();
      await screenshot(page, `lessons-${scheme}`);
      await page.goto(`${server.url}/lessons/frames-and-opcodes`);
      await page.locator('figure.lesson-decode').first().scrollIntoViewIfNeeded();
      await screenshot(page, `lesson-frames-${scheme}`);
      await page.goto(`${server.url}/lessons/handshake`);
      await page.locator('.lesson-diagram svg').first().waitFor({ timeout: 20_000 });
      await page.locator('fieldset.quiz').first().scrollIntoViewIfNeeded();
      await screenshot(page, `lesson-handshake-quiz-${scheme}`);
    }
  });
});
