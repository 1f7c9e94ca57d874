// Revision mode in a real browser against the real server: search finds a term and leads to
// where it is taught, a quiz answered wrong in a lesson comes back in the review deck, progress
// exported to a file and imported into an emptied browser is restored (and a bad file is
// refused with a sentence), /lessons shows parts and continues where the reader left off, and
// the cheat sheet prints on at most two A4 pages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { ROOT } from '../../server/paths.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import { parseLesson, quizzesOf } from '../../web/src/lessons/model.ts';

const FRAMES = parseLesson('06-frames-and-opcodes.md', readFileSync(join(ROOT, 'lessons', '06-frames-and-opcodes.md'), 'utf8'));
const QUIZ = quizzesOf(FRAMES)[0];
const WRONG = QUIZ.choices.find((_, i) => i !== QUIZ.answer)!;
const RIGHT = QUIZ.choices[QUIZ.answer];

/** Pages in a PDF: its page objects (`/Type /Page`, not `/Pages`). */
function pdfPages(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
}

describeWithChromium('revision mode in Chromium', () => {
  let server: WslabServer;
  let page: Page;

  useBrowserSuite((suite) => ({ server, page } = suite), { timeoutMs: 15_000 });

  test('search finds a glossary term, which links to the lesson section that teaches it', async () => {
    await page.goto(`${server.url}/revise`);
    await page.locator('input.revise-search-input').fill('masking key');
    const first = page.locator('li.revise-hit').first();
    await expect.poll(() => first.locator('.revise-hit-title').textContent()).toBe('Masking key');
    expect(await first.locator('.revise-hit-kind').textContent()).toBe('Glossary');
    expect(new URL(page.url()).search).toBe('?q=masking+key');
    await screenshot(page, 'revise-search');
    await first.locator('a.revise-hit-title').click();
    await expect.poll(() => new URL(page.url()).pathname + new URL(page.url()).hash).toBe('/glossary#masking-key');
    const entry = page.locator('#masking-key');
    await entry.waitFor();
    await entry.locator('a.glossary-taught').click();
    await expect.poll(() => new URL(page.url()).pathname + new URL(page.url()).hash).toBe('/lessons/frames-and-opcodes#masking-why-clients-scramble-their-bytes');
    await page.locator('h2#masking-why-clients-scramble-their-bytes').waitFor();
  });

  test('a quiz answered wrong in a lesson comes back in the review deck, and leaves it for a day once answered right', async () => {
    await page.goto(`${server.url}/lessons/frames-and-opcodes`);
    const quiz = page.locator('fieldset.quiz').first();
    await quiz.waitFor();
    await quiz.locator('label.quiz-choice', { hasText: WRONG }).first().click();
    await quiz.locator('button.quiz-check').click();
    await expect.poll(() => quiz.locator('.quiz-result').textContent()).toContain('Not quite.');

    await page.goto(`${server.url}/revise`);
    await expect.poll(() => page.locator('[data-testid="deck-due"]').textContent()).toBe('1');
    const card = page.locator('fieldset.revise-card');
    expect(await card.getAttribute('data-card')).toBe('frames-and-opcodes#0');
    expect(await card.locator('.revise-card-question').textContent()).toBe(QUIZ.question);
    await card.locator('label.revise-choice', { hasText: RIGHT }).first().click();
    await card.locator('button.revise-check').click();
    await expect.poll(() => card.locator('.revise-result strong').textContent()).toBe('Right.');
    await screenshot(page, 'revise-deck-answered');
    await card.locator('button.revise-next').click();
    await expect.poll(() => page.locator('[data-testid="deck-due"]').textContent()).toBe('0');
    expect(await page.locator('.revise-deck-stats').textContent()).toContain('1 waiting (next in 24 hours)');
  });

  test('progress exported to a file comes back when imported into an emptied browser; a bad file is refused with a sentence', async () => {
    // the reader has been in the lifecycle lesson, at "Four states"
    await page.goto(`${server.url}/lessons/lifecycle#four-states`);
    await page.locator('h2#four-states').waitFor();
    await page.locator('h2#close-codes-worth-knowing').scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 1));
    await expect.poll(() => page.evaluate(() => JSON.parse(localStorage.getItem('wslab.lessons.visit') ?? '{}').visit?.lesson)).toBe('lifecycle');

    await page.goto(`${server.url}/revise`);
    await page.locator('.revise-transfer').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button', { hasText: 'Download progress' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^wslab-progress-\d{4}-\d\d-\d\d\.json$/);
    const path = join(tmpdir(), `wslab-progress-${process.pid}.json`);
    await download.saveAs(path);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { format: string; answers: Record<string, Record<string, number>>; deck: Record<string, { box: number }> };
    expect(saved.format).toBe('wslab-progress');
    expect(saved.answers['frames-and-opcodes']['0']).toBe(QUIZ.choices.indexOf(WRONG));
    expect(saved.deck['frames-and-opcodes#0'].box).toBe(1);

    await page.evaluate(() => localStorage.clear());
    await page.goto(`${server.url}/lessons`);
    await expect.poll(() => page.locator('.lesson-continue-label').textContent()).toBe('Start here');
    const quizzes = (readFileSync(join(ROOT, 'lessons', '06-frames-and-opcodes.md'), 'utf8').match(/^```quiz$/gm) ?? []).length;
    expect(await page.locator('[data-lesson="frames-and-opcodes"] .lesson-progress').getAttribute('aria-label')).toBe(`Quizzes: 0 of ${quizzes} right, 0 answered`);

    await page.goto(`${server.url}/revise`);
    const input = page.locator('input[type="file"]');
    await input.setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": "world"}') });
    await expect
      .poll(() => page.locator('.revise-transfer-message.bad').textContent())
      .toBe('notes.json was not imported. This JSON is not a wslab progress file: it has no "format": "wslab-progress" field.');
    await screenshot(page, 'revise-import-refused');

    await input.setInputFiles(path);
    await expect.poll(() => page.locator('.revise-transfer-message.ok').textContent()).toMatch(/^Restored from wslab-progress-.*: 1 quiz answer, 0 passed exercises, 1 review card\.$/);
    expect(await page.locator('.revise-deck-stats').textContent()).toContain('1 waiting');

    await page.goto(`${server.url}/lessons`);
    await expect.poll(() => page.locator('[data-lesson="frames-and-opcodes"] .lesson-progress').getAttribute('aria-label')).toBe(`Quizzes: 0 of ${quizzes} right, 1 answered`);
    expect(await page.locator('.lesson-continue-label').textContent()).toBe('Continue where you left off');
    expect(await page.locator('a.lesson-continue-link').getAttribute('href')).toMatch(/^\/lessons\/lifecycle#[a-z0-9-]+$/);
  });

  test('/lessons shows the lessons in parts and continues at the section the reader reached', async () => {
    await page.goto(`${server.url}/lessons/backpressure`);
    await page.locator('h2#what-blows-up').evaluate((h) => h.scrollIntoView({ block: 'start' }));
    await expect.poll(() => page.evaluate(() => JSON.parse(localStorage.getItem('wslab.lessons.visit') ?? '{}').visit?.section)).toBe('what-blows-up');
    await page.goto(`${server.url}/lessons`);
    await page.locator('a.lesson-continue-link').waitFor();
    expect(await page.locator('a.lesson-continue-link').getAttribute('href')).toBe('/lessons/backpressure#what-blows-up');
    expect(await page.locator('.lesson-continue-section').textContent()).toBe('at “What blows up”');
    expect(await page.locator('section.lesson-part').count()).toBe(8);
    expect(await page.locator('h2.lesson-part-title').first().textContent()).toBe('Part 1 · Opening a connection');
    expect(await page.locator('li.lesson-card').count()).toBe(17);
    await screenshot(page, 'lessons-parts');
    await page.locator('a.lesson-continue-link').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Backpressure');
  });

  test('the cheat sheet shows the codec\'s numbers and prints on at most two A4 pages', async () => {
    await page.goto(`${server.url}/cheatsheet`);
    const sizes = page.locator('[data-testid="header-sizes"] tbody tr');
    await sizes.first().waitFor();
    expect(await sizes.allTextContents()).toEqual(['0 – 125the length2 B6 B', '126 – 65,5351264 B8 B', '65,536 and up12710 B14 B']);
    expect(await page.locator('[data-testid="accept"]').textContent()).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const pdf = await page.pdf({ format: 'A4', printBackground: false, preferCSSPageSize: true });
    const pages = pdfPages(pdf);
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(2);
  });
});
