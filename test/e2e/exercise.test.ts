// The monaco exercise of lesson 9 in a real browser against the real server: monaco loads only
// where an exercise is, the starter fails named checks, the reference solution typed into the
// editor passes them all and counts in the lesson's progress, an infinite loop is stopped by
// the worker's timeout while the page stays responsive, a syntax error names its line, the
// learner's output is shown as text, and screenshots in light and dark.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { findExercise } from '../../web/src/editor/exercises.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const exercise = findExercise('envelope-router')!;
const CODE_KEY = 'wslab.exercise.envelope-router.code';

describeWithChromium('the lesson 9 exercise in Chromium', () => {
  let server: WslabServer;
  let page: Page;
  const section = () => page.locator('section.exercise[data-exercise="envelope-router"]');
  const check = (id: string) => section().locator(`li.exercise-check[data-check="${id}"]`);
  const score = () => section().locator('.exercise-score').textContent();
  // monaco draws spaces as no-break spaces
  const editorText = async () => ((await section().locator('.monaco-editor .view-lines').textContent()) ?? '').replace(/\u00a0/g, ' ');

  /**
   * Replaces the editor's text the way a learner would: select all, then paste. (Typing it
   * would let the editor auto-indent every new line on top of the text's own indentation.)
   */
  async function typeCode(code: string): Promise<void> {
    await section().locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, code);
    // the panel saves every edit; what it saved is what the editor holds
    await expect.poll(() => page.evaluate((k) => localStorage.getItem(k), CODE_KEY)).toBe(code);
  }

  async function run(): Promise<void> {
    await section().locator('button.exercise-run').click();
    await expect.poll(() => section().locator('button.exercise-run').textContent(), { timeout: 10_000 }).toBe('Run checks');
  }

  useBrowserSuite((suite) => ({ server, page } = suite));

  test('monaco is fetched only on a page with an exercise block', async () => {
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(`${server.url}/lessons/frames-and-opcodes`);
    await page.locator('figure.lesson-decode').first().waitFor();
    expect(fetched.filter((p) => /CodeEditor|editor\.worker|ExercisePanel/.test(p))).toEqual([]);
    await page.goto(`${server.url}/lessons/message-design`);
    await section().locator('.monaco-editor').waitFor({ timeout: 30_000 });
    expect(fetched.some((p) => /\/assets\/CodeEditor-[\w-]+\.js$/.test(p))).toBe(true);
    page.removeAllListeners('request');
  });

  test('the starter passes ping-pong and fails the other checks by name, with expected vs got', async () => {
    await page.evaluate((k) => localStorage.removeItem(k), CODE_KEY);
    await page.reload();
    await section().locator('.monaco-editor').waitFor({ timeout: 30_000 });
    expect(await score()).toBe('12 checks, not run yet. The code runs in a Web Worker and is stopped after 2 s.');
    // Show solution waits for a first run
    expect(await section().getByRole('button', { name: 'Show solution' }).isDisabled()).toBe(true);
    await run();
    expect(await score()).toBe('1 of 12 checks pass');
    expect(await check('ping-pong').getAttribute('data-status')).toBe('pass');
    expect(await check('bad-json').getAttribute('data-status')).toBe('fail');
    expect(await check('bad-json').locator('.exercise-problems').textContent()).toContain(
      `route threw SyntaxError: Unexpected token 'H', "Hello" is not valid JSON (line 9) on ana's message Hello`,
    );
    expect(await check('unknown-type').locator('.exercise-problems').textContent()).toBe(
      'ana should receive error {"code":"unknown_type","ref":"u1"}, got nothing',
    );
    expect(await check('missing-id').locator('.exercise-problems').textContent()).toBe('ana should receive error {"code":"bad_envelope"}, got pong {}');
    // the first thrown error is marked in the editor
    await section().locator('.monaco-editor .squiggly-error').first().waitFor();
    await section().locator('.exercise-actions').scrollIntoViewIfNeeded();
    await screenshot(page, 'exercise-starter-failing');
  });

  test('hints come one at a time; the solution shows after a run', async () => {
    const hintButton = section().locator('.exercise-actions button', { hasText: 'Show hint' });
    await hintButton.click();
    expect(await section().locator('.exercise-hints li').count()).toBe(1);
    expect(await section().locator('.exercise-hints li').first().textContent()).toContain('JSON.parse in try/catch');
    await hintButton.click();
    await hintButton.click();
    expect(await section().locator('.exercise-hints li').count()).toBe(3);
    expect(await hintButton.isDisabled()).toBe(true);
    await section().getByRole('button', { name: 'Show solution' }).click();
    expect(await section().locator('.exercise-solution pre').textContent()).toBe(exercise.solution);
  });

  test('the reference solution typed into the editor passes all 12 checks and counts in the progress', async () => {
    await page.reload();
    await section().locator('.monaco-editor').waitFor({ timeout: 30_000 });
    expect(await page.locator('.lesson-toc .lesson-progress').textContent()).toContain('0/1 exercise');
    await typeCode(exercise.solution);
    await run();
    expect(await score()).toBe('All 12 checks pass. Exercise done ✓');
    expect(await section().locator('li.exercise-check[data-status="pass"]').count()).toBe(12);
    expect(await section().locator('.monaco-editor .squiggly-error').count()).toBe(0);
    await expect.poll(() => page.locator('.lesson-toc .lesson-progress').textContent()).toContain('1/1 exercise');
    await section().locator('.exercise-results').scrollIntoViewIfNeeded();
    await screenshot(page, 'exercise-solution-passing');
    // kept across a reload
    await page.reload();
    await section().locator('.monaco-editor').waitFor({ timeout: 30_000 });
    expect(await page.evaluate((k) => localStorage.getItem(k), CODE_KEY)).toBe(exercise.solution);
    expect(await editorText()).toContain('Object.hasOwn(handlers, msg.type)');
  });

  test('an infinite loop is stopped after 2 s while the page stays responsive', async () => {
    await typeCode('function route(raw, ctx) {\n  while (true) {}\n}\n');
    const started = Date.now();
    await section().locator('button.exercise-run').click();
    // the page's main thread is free while the worker spins: it answers, and the UI reacts
    const t0 = Date.now();
    expect(await page.evaluate(() => 6 * 7)).toBe(42);
    expect(Date.now() - t0).toBeLessThan(500);
    await section().locator('.exercise-actions').scrollIntoViewIfNeeded();
    await page.locator('.theme-toggle').click();
    expect(await section().locator('button.exercise-run').textContent()).toBe('Running…');
    await section().locator('.exercise-banner').waitFor({ timeout: 10_000 });
    const elapsed = Date.now() - started;
    expect(await section().locator('.exercise-banner').textContent()).toBe(
      'Stopped after 2 s: route never returned in the check "ping is answered with pong" (an infinite loop?). The worker running your code was terminated; the page was never blocked.',
    );
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(8000);
    expect(await check('ping-pong').getAttribute('data-status')).toBe('fail');
    expect(await check('ping-pong').locator('.exercise-problems').textContent()).toBe('did not finish within 2 s');
    expect(await check('bad-json').getAttribute('data-status')).toBe('not-run');
    await section().locator('.exercise-banner').scrollIntoViewIfNeeded();
    await screenshot(page, 'exercise-timeout');
    await page.evaluate(() => localStorage.removeItem('wslab.theme'));
  });

  test('a syntax error names its line; output and errors are shown as text, never HTML', async () => {
    await typeCode('function route(raw, ctx) {\n  const x = 1;\n  return raw +;\n}\n');
    await run();
    expect(await section().locator('.exercise-banner').textContent()).toBe("Your code did not run: SyntaxError: Unexpected token ';' (line 3)");
    await section().locator('.monaco-editor .squiggly-error').first().waitFor();

    const html = '<img src=x onerror="window.__pwned=1">';
    await typeCode(`console.log('top ${html}');\nfunction route(raw, ctx) {\n  console.log('${html}', raw);\n  throw new Error('${html}');\n}\n`);
    await run();
    expect(await section().locator('.exercise-output .exercise-log').textContent()).toBe(`top ${html}`);
    expect(await check('ping-pong').locator('.exercise-log').textContent()).toBe(`${html} {"type":"ping","id":"p1"}`);
    expect(await check('ping-pong').locator('.exercise-problems').textContent()).toContain(`route threw Error: ${html} (line 4)`);
    expect(await section().locator('.exercise-results img, .exercise-output img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // the learner's code can post to the page itself: junk is dropped, the page keeps working
    await typeCode(`self.postMessage({ type: 'check', run: { id: 'ping-pong', logs: 'x', deliveries: 5 } });\nself.postMessage({ type: 'done', logs: 7 });\nfunction route() {}\n`);
    await run();
    expect(await score()).toBe('0 of 12 checks pass');
    expect(await check('ping-pong').locator('.exercise-problems').textContent()).toBe('ana should receive pong {"ref":"p1"}, got nothing');
    expect(await check('bad-json').getAttribute('data-status')).toBe('not-run');
  });

  test('Reset to starter puts the starter back', async () => {
    await section().getByRole('button', { name: 'Reset to starter' }).click();
    // code equal to the starter is not stored
    await expect.poll(() => page.evaluate((k) => localStorage.getItem(k), CODE_KEY)).toBeNull();
    expect(await editorText()).toContain('TODO subscribe, unsubscribe, publish');
  });

  test('the editor follows the theme toggle live, and Ctrl+M lets Tab leave it', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${server.url}/lessons/message-design`);
    const editor = section().locator('.monaco-editor');
    await editor.waitFor({ timeout: 30_000 });
    expect(await editor.getAttribute('class')).toContain('vs-dark');
    await page.locator('.theme-toggle').click(); // system → light
    await expect.poll(() => editor.getAttribute('class')).not.toContain('vs-dark');
    await page.locator('.theme-toggle').click(); // light → dark
    await expect.poll(() => editor.getAttribute('class')).toContain('vs-dark');
    await page.locator('.theme-toggle').click(); // back to system
    await page.emulateMedia({ colorScheme: 'light' });

    const inEditor = () => page.evaluate(() => !!document.activeElement?.closest('.monaco-editor'));
    await section().locator('.monaco-editor .view-lines').click();
    expect(await inEditor()).toBe(true);
    await page.keyboard.press('Tab'); // indents
    expect(await inEditor()).toBe(true);
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+M');
    await page.keyboard.press('Tab');
    expect(await inEditor()).toBe(false);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Control+M'); // back to Tab indenting, for the tests after this one
  });

  test('screenshots in light and dark at 1280×720', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${server.url}/lessons/message-design`);
      await section().locator('.monaco-editor').waitFor({ timeout: 30_000 });
      await section().locator('.exercise-title').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await screenshot(page, `exercise-instructions-${scheme}`);
      await run();
      await section().locator('.exercise-editor').scrollIntoViewIfNeeded();
      await screenshot(page, `exercise-editor-${scheme}`);
      expect(await section().locator('.monaco-editor').getAttribute('class')).toContain(scheme === 'dark' ? 'vs-dark' : 'vs');
      await check('bad-json').scrollIntoViewIfNeeded();
      await screenshot(page, `exercise-checks-${scheme}`);
    }
  });
});
