// The /playground in a real browser against the real server (in-process, any free port): the
// browser WebSocket and its readyState, the live sequence diagram, the terminal with a puppet
// client, the frame builder's broken frames, and hostile payloads that must stay inert text.
import { beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import type { EventOf, WslabEvent } from '../../server/core/events/schema.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const HOSTILE_HTML = '</script><img src=x onerror=alert(1)>';
const HOSTILE_DIRECTIVE = '%%{init: {"securityLevel":"loose"}}%%';

describeWithChromium('/playground in Chromium', () => {
  let server: WslabServer;
  let browser: Browser;
  let page: Page;
  const events: WslabEvent[] = [];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  const frames = (pred: (f: EventOf<'frame'>) => boolean) => events.filter((e): e is EventOf<'frame'> => e.type === 'frame' && pred(e));
  const terminalText = () => page.evaluate(() => window.__wslabTerminalText?.() ?? '');
  const diagramText = () => page.locator('[data-testid="sequence-diagram"] svg').first().textContent();

  /** Both colour schemes of the current view, at 1280×720. */
  async function shoot(name: string) {
    await screenshot(page, `playground-${name}-light`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(150);
    await screenshot(page, `playground-${name}-dark`);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** Scrolls so the tool tabs sit just under the top bar: the tool and the live column both in view. */
  async function frameTools() {
    await page.evaluate(() => {
      const tabs = document.querySelector('.pg-tabs');
      if (tabs) window.scrollTo(0, tabs.getBoundingClientRect().top + window.scrollY - 72);
    });
  }

  async function typeInTerminal(line: string) {
    await page.locator('.terminal-host .xterm').click();
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }

  useBrowserSuite((s) => ({ server, browser, page } = s), { page: { colorScheme: 'light' } });
  beforeAll(async () => {
    server.bus.subscribe((e) => events.push(e));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  test('connects the browser to /lab/echo, shows readyState 0 → 1 and the echo of hello', async () => {
    const res = await page.goto(`${server.url}/playground`);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Playground');
    expect(await page.getByLabel('URL', { exact: true }).inputValue()).toBe(`ws://127.0.0.1:${server.port}/lab/echo`);

    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect.poll(() => page.getByTestId('ready-state').textContent()).toBe('1');
    const timeline = page.locator('.pg-timeline tbody');
    await expect.poll(() => timeline.textContent()).toContain('0 → 1');
    expect(await page.locator('.sm-node.current').getAttribute('data-state')).toBe('1');

    await page.getByLabel('Text to send').fill('hello');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => page.locator('.log-received').last().textContent()).toContain('hello');

    // the server saw it on the page's own connection (matched by ?session=)
    const open = events.find((e): e is EventOf<'conn.open'> => e.type === 'conn.open' && e.client === 'browser' && !!e.sessionId?.startsWith('pg-'));
    expect(open).toBeTruthy();
    await expect.poll(() => frames((f) => f.conn === open!.conn && f.dir === 's2c' && f.text === 'hello').length).toBe(1);
    await expect.poll(() => page.getByTestId('own-frames').textContent()).toContain('hello');
  });

  test('draws the exchange in the sequence diagram; clicking an arrow selects its frame', async () => {
    await expect.poll(diagramText, { timeout: 10_000 }).toContain('hello');
    const arrow = page.locator('[data-testid="sequence-diagram"] text.messageText', { hasText: 'hello' }).first();
    const seq = await arrow.getAttribute('data-seq');
    expect(Number(seq)).toBeGreaterThan(0);
    await arrow.click();
    await expect.poll(() => arrow.getAttribute('class')).toContain('is-selected');
    // the same frame is selected in the frame list
    await expect.poll(() => page.locator('.pg-frame-row.pg-selected').count()).toBe(1);
    expect(await page.locator('.pg-frame-row.pg-selected').textContent()).toContain(`#${seq}`);
    await frameTools();
    await shoot('browser');
  });

  test('send() while CONNECTING raises InvalidStateError, shown to the learner', async () => {
    await page.getByRole('button', { name: 'Send now while connecting' }).click();
    const problem = page.locator('.pg-browser-panel .pg-problem');
    await expect.poll(() => problem.textContent()).toContain('InvalidStateError');
    expect(await problem.textContent()).toContain('CONNECTING');
    await expect.poll(() => page.getByTestId('ready-state').textContent()).toBe('1');
  });

  test('hostile messages through the echo stay inert text in the page and the diagram', async () => {
    for (const text of [HOSTILE_HTML, HOSTILE_DIRECTIVE, '\u001b[2Jcleared?']) {
      await page.getByLabel('Text to send').fill(text);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
    }
    await expect.poll(() => page.locator('.log-received').count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(diagramText, { timeout: 10_000 }).toContain('</script><img');
    // the diagram redraws at most once per animation frame: the next arrow may come a render later
    await expect.poll(diagramText, { timeout: 10_000 }).toContain('%%{init');
    expect(await page.locator('[data-testid="sequence-diagram"] img, [data-testid="sequence-diagram"] script').count()).toBe(0);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    // the log shows the payloads as text, the escape made visible
    const log = (await page.getByTestId('browser-log').textContent()) ?? '';
    expect(log).toContain(HOSTILE_HTML);
    expect(log).toContain('\\x1b[2Jcleared?');
    expect(dialogs).toEqual([]);
    await page.locator('.seq-canvas').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await frameTools();
    await shoot('hostile');
  });

  test('the terminal: connect --puppet, send, /ping, /close 4000 bye — every frame seen', async () => {
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await page.locator('.terminal-host .xterm').waitFor();
    await expect.poll(terminalText).toContain('wslab terminal');

    await typeInTerminal('connect /lab/echo --puppet');
    await expect.poll(terminalText, { timeout: 10_000 }).toMatch(/connected: puppet p\d+ is c\d+/);
    const conn = /puppet p\d+ is (c\d+)/.exec(await terminalText())![1];
    expect(events.find((e) => e.type === 'conn.open' && e.conn === conn && e.client === 'puppet')).toBeTruthy();

    await typeInTerminal('send hello terminal');
    await expect.poll(terminalText).toContain('< hello terminal');

    await typeInTerminal('/ping are you there');
    await expect.poll(() => frames((f) => f.conn === conn && f.dir === 'c2s' && f.opcode === 9).length).toBe(1);
    expect(frames((f) => f.conn === conn && f.opcode === 9)[0].text).toBe('are you there');
    await expect.poll(terminalText).toContain("« PONG [13 B] 'are you there' from the server");

    // a hostile ANSI escape echoed back is printed escaped, not obeyed
    await typeInTerminal('send "\\u001b[2Jstill here"');
    await expect.poll(terminalText).toContain('< \\x1b[2Jstill here');
    expect(await terminalText()).toContain('wslab terminal'); // the screen was not cleared
    await typeInTerminal(`send ${HOSTILE_HTML}`);
    await expect.poll(terminalText).toContain(`< ${HOSTILE_HTML}`);

    await typeInTerminal('frames 2');
    await expect.poll(terminalText).toMatch(/← TEXT\s+37 B/);

    await typeInTerminal('/close 4000 bye');
    await expect.poll(() => frames((f) => f.conn === conn && f.dir === 'c2s' && f.opcode === 8).length).toBe(1);
    const close = frames((f) => f.conn === conn && f.dir === 'c2s' && f.opcode === 8)[0];
    expect([close.closeCode, close.closeReason]).toEqual([4000, 'bye']);
    await expect.poll(terminalText).toContain("* closed: code 4000 'bye', started by client, clean");
    await frameTools();
    await shoot('terminal');

    // the browser API cannot ping: the terminal says so and offers a puppet
    await typeInTerminal('connect /lab/echo');
    await expect.poll(terminalText).toContain('1 OPEN');
    await typeInTerminal('/ping');
    await expect.poll(terminalText).toContain('the browser WebSocket API has no ping()');
    expect(await terminalText()).toContain('try: connect /lab/echo --puppet');
    expect(dialogs).toEqual([]);
  });

  test('the terminal: a bare line is sent as text, /close makes no DELETE, lines wrap between words and reflow on resize', async () => {
    const deletes: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      if (r.method() === 'DELETE') deletes.push(r.url());
    };
    page.on('request', onRequest);
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await page.locator('.terminal-host .xterm').waitFor();
    const puppets = async () => (await terminalText()).match(/connected: puppet p\d+ is c\d+/g)?.length ?? 0;
    const before = await puppets();
    await typeInTerminal('connect /lab/echo --puppet');
    await expect.poll(puppets, { timeout: 10_000 }).toBe(before + 1);
    const conn = [...(await terminalText()).matchAll(/puppet p\d+ is (c\d+)/g)].pop()![1];

    await typeInTerminal('just a bare line');
    await expect.poll(() => frames((f) => f.conn === conn && f.dir === 'c2s' && f.text === 'just a bare line').length, { timeout: 10_000 }).toBe(1);
    await expect.poll(terminalText).toContain('< just a bare line');

    await typeInTerminal('/close');
    await expect.poll(() => frames((f) => f.conn === conn && f.dir === 's2c' && f.opcode === 8).length, { timeout: 10_000 }).toBe(1);
    const opens = async () => (await terminalText()).match(/0 → 1 OPEN/g)?.length ?? 0;
    const opened = await opens();
    await typeInTerminal('connect /lab/echo');
    await expect.poll(opens, { timeout: 10_000 }).toBe(opened + 1);
    expect(deletes).toEqual([]);
    page.off('request', onRequest);

    // the banner's words stay whole at any width, and the rows follow the panel's new width
    const rows = async () => (await terminalText()).split('\n').filter((r) => r.trim());
    const words = 'a wscat-like shell. Type help for the commands, connect /lab/echo to start.'.split(' ');
    const widest = async () => Math.max(...(await rows()).map((r) => r.trimEnd().length));
    const wide = await widest();
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(widest, { timeout: 10_000 }).toBeLessThan(wide);
    const tokens = new Set((await rows()).flatMap((r) => r.trim().split(/\s+/)));
    for (const w of words) expect(tokens, w).toContain(w);
    await page.setViewportSize({ width: 1280, height: 720 });
    await expect.poll(widest, { timeout: 10_000 }).toBe(wide);
  });

  test('the frame builder sends an unmasked client frame; the server closes with 1002', async () => {
    await page.getByRole('tab', { name: 'Frame builder' }).click();
    await page.locator('[data-preset="unmasked"]').click();
    await expect.poll(() => page.getByTestId('bytes-0').textContent()).toContain('81 05 48 65 6c 6c 6f'.replace(/ /g, ''));
    await page.getByRole('button', { name: /^Send this frame/ }).click();
    const answer = page.getByTestId('craft-answer');
    await expect.poll(() => answer.textContent(), { timeout: 10_000 }).toContain('close 1002');
    const link = answer.getByRole('link', { name: /in the inspector/ });
    expect(await link.getAttribute('href')).toMatch(/^\/inspect\?conn=c\d+$/);
    const conn = /conn=(c\d+)/.exec((await link.getAttribute('href'))!)![1];
    expect(events.find((e) => e.type === 'conn.open' && e.conn === conn && e.client === 'builder')).toBeTruthy();
    await expect.poll(() => frames((f) => f.conn === conn && f.dir === 's2c' && f.closeCode === 1002).length).toBe(1);
    // the tap's own decoder says why
    await expect.poll(() => answer.locator('.pg-why').textContent()).toMatch(/mask/i);
    await answer.scrollIntoViewIfNeeded();
    await shoot('builder');
  });

  test('the puppet panel sends with custom headers; its frames reach the list', async () => {
    await page.getByRole('tab', { name: 'Puppet' }).click();
    await page.getByRole('button', { name: 'Start a puppet' }).click();
    const card = page.locator('.pg-puppet-card').first();
    await expect.poll(() => card.locator('.pg-pill').textContent(), { timeout: 10_000 }).toContain('OPEN');
    const id = ((await card.getAttribute('aria-label')) ?? '').replace('Puppet ', '');
    const open = events.find((e): e is EventOf<'handshake'> => e.type === 'handshake' && e.request.headers.some(([k, v]) => k === 'X-Demo' && v === 'hello'));
    expect(open, `handshake of ${id} carries the header`).toBeTruthy();
    await card.getByRole('button', { name: 'Ping', exact: true }).click();
    await expect.poll(() => frames((f) => f.conn === open!.conn && f.opcode === 10 && f.dir === 's2c').length).toBe(1);
    await expect.poll(() => page.getByTestId('own-frames').locator('li').last().textContent()).toContain('PONG');
    await frameTools();
    await shoot('puppet');
    expect(pageErrors).toEqual([]);
  });
});
