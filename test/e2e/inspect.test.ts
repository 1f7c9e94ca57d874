// /inspect in a real browser against the real server: a node ws client with a fixed mask talks to
// /lab/echo; the list shows its frames, the detail shows the masking key and the text, filters by
// direction and regex work, and the connection view shows the handshake (accept checked), the
// state timeline 0→1, then the close 1000. Screenshots in light and dark at 1280×720.
import { afterAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const MASK = [0x37, 0xfa, 0x21, 0x3d];

describeWithChromium('/inspect in Chromium', () => {
  let server: WslabServer;
  let browser: Browser;
  let page: Page;
  let client: WebSocket;
  let conn = '';

  useBrowserSuite((suite) => ({ server, browser, page } = suite), { page: { colorScheme: 'light' } });

  afterAll(() => {
    client?.terminate();
  });

  const rows = () => page.locator('.frame-scroll .frame-row');
  const cellTexts = async (seq: string) => page.locator(`.frame-scroll .frame-row[data-seq="${seq}"] [role="gridcell"]`).allTextContents();

  test('the page loads and follows the event stream', async () => {
    const res = await page.goto(`${server.url}/inspect`);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Inspect');
    await expect.poll(() => page.locator('.stream-status').textContent()).toBe('event stream: open');
  });

  test('a masked hello to /lab/echo is listed as a c2s TEXT frame (MASK 1, length 5) and its s2c echo', async () => {
    client = new WebSocket(`${server.url.replace('http', 'ws')}/lab/echo`, {
      perMessageDeflate: false,
      generateMask: (m: Uint8Array) => m.set(MASK),
    } as WebSocket.ClientOptions);
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    const echoed = new Promise((r) => client.once('message', r));
    client.send('hello');
    await echoed;

    await expect.poll(() => rows().count()).toBe(2);
    const [c2s, s2c] = await rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-seq')!));
    const first = await cellTexts(c2s);
    conn = first[1];
    expect(conn).toMatch(/^c\d+$/);
    // time, conn, dir, opcode, FIN, RSV, MASK, length, decoded (none for the echo lab), preview
    expect(first.slice(2)).toEqual(['c→s', 'TEXT', '1', '000', '1', '5', '', 'hello']);
    expect((await cellTexts(s2c)).slice(2)).toEqual(['s→c', 'TEXT', '1', '000', '0', '5', '', 'hello']);
    expect(await page.locator('.counts').getAttribute('data-total')).toBe('2');
    await screenshot(page, 'inspect-list');
  });

  test('opening the c2s frame shows masking key 37 fa 21 3d, the XOR and the text hello', async () => {
    await rows().first().click();
    const detail = page.locator('.frame-detail');
    await detail.waitFor();
    expect(await detail.locator('.mask-hex').textContent()).toBe('37 fa 21 3d');
    expect(await detail.locator('[data-field="maskingKey"]').first().getAttribute('aria-label')).toBe('Masking-key (32 bits): 37 fa 21 3d');
    expect(await detail.locator('[data-field="mask"]').getAttribute('aria-label')).toBe('MASK: 1');
    expect(await detail.locator('[data-field="payloadLength7"]').getAttribute('aria-label')).toBe('Payload len (7 bits): 5');
    expect(await detail.locator('.xor-key td').allTextContents()).toEqual(['37', 'fa', '21', '3d', '37']);
    // 'h' 0x68 ^ 0x37 = 0x5f on the wire
    expect(await detail.locator('.xor-masked td').allTextContents()).toEqual(['5f', '9f', '4d', '51', '58']);
    expect(await detail.locator('.payload-text pre').textContent()).toBe('hello');
    // the selection is in the URL, so the link reproduces the view
    const seq = await detail.getAttribute('data-seq');
    expect(new URL(page.url()).searchParams.get('seq')).toBe(seq);
    await screenshot(page, 'inspect-detail');
  });

  test('arrow keys move the selection and Enter opens the frame', async () => {
    await page.locator('.frame-scroll').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('.frame-row.selected').getAttribute('data-seq')).toBe(await rows().nth(1).getAttribute('data-seq'));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.frame-detail .dir-badge').textContent()).toBe('server → client');
    expect(await page.locator('.frame-detail .mask-hex').count()).toBe(0);
  });

  test('filters by direction and by regex, and an invalid regex is an inline message', async () => {
    await page.locator('#filter-dir').selectOption('s2c');
    await expect.poll(() => rows().count()).toBe(1);
    expect((await rows().first().locator('[role="gridcell"]').allTextContents())[2]).toBe('s→c');
    await page.locator('#filter-dir').selectOption('');
    await expect.poll(() => rows().count()).toBe(2);

    await page.locator('#filter-regex').check();
    await page.locator('#filter-search').fill('^h.l+o$');
    await expect.poll(() => rows().count()).toBe(2);
    await page.locator('#filter-search').fill('^bye');
    await expect.poll(() => rows().count()).toBe(0);
    expect(await page.locator('.frame-empty').textContent()).toBe('No frame matches these filters.');
    await page.locator('#filter-search').fill('hel(');
    await expect.poll(() => page.locator('#search-error').textContent()).toMatch(/^Not a valid regular expression: .*\. The search is ignored until it is fixed\.$/);
    expect(await page.locator('#filter-search').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => rows().count()).toBe(2);
    await screenshot(page, 'inspect-regex-error');
    await page.locator('#filter-search').fill('');
    await page.locator('#filter-regex').uncheck();
  });

  test('the connection view shows the handshake with the accept check passing and the states 0→1, then the close 1000', async () => {
    await page.goto(`${server.url}/inspect?conn=${conn}`);
    const view = page.locator(`.conn-view[data-conn="${conn}"]`);
    await view.waitFor();
    const check = view.locator('.accept-check');
    expect(await check.getAttribute('class')).toBe('accept-check ok');
    const key = (await view.locator('.step-key').textContent())!;
    expect(key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const expected = await view.locator('.step-expected').textContent();
    expect(await view.locator('.step-received').textContent()).toBe(expected);
    expect(await view.locator('.step-concat mark').textContent()).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(await view.locator('.step-sha1').textContent()).toMatch(/^([0-9a-f]{2} ){19}[0-9a-f]{2}$/);
    await expect.poll(() => view.locator('.timeline-server .state-path').textContent()).toBe('0 → 1');
    expect(await view.locator('.timeline-server li .transition').allTextContents()).toEqual(['— → 0 CONNECTING', '0 CONNECTING → 1 OPEN']);
    expect(await view.locator('.head-table tr.hl td').allTextContents()).toEqual([key, expected]);
    await screenshot(page, 'inspect-connection');

    const closed = new Promise((r) => client.once('close', r));
    client.close(1000, 'done');
    await closed;
    await expect.poll(() => view.locator('.timeline-server .state-path').textContent()).toBe('0 → 1 → 2 → 3');
    const close = view.locator('.close-summary');
    await close.waitFor();
    expect(await close.locator('.close-code').textContent()).toBe('1000');
    expect(await close.locator('q').textContent()).toBe('done');
    expect(await close.textContent()).toContain('1000 Normal Closure · reason done · the client closed first · clean (close frames both ways)');
    expect(await view.locator('.conn-state').first().textContent()).toBe('closed');
    await screenshot(page, 'inspect-connection-closed');
  });

  test('a deep link ?seq=N opens that frame and selects its row', async () => {
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      // the first frame of the connection: the c2s hello
      await fresh.goto(`${server.url}/inspect`);
      await fresh.locator('.frame-scroll .frame-row').first().waitFor();
      const seqs = await fresh.locator('.frame-scroll .frame-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-seq')!));
      await fresh.goto(`${server.url}/inspect?seq=${seqs[0]}`);
      await expect.poll(() => fresh.locator('.frame-detail').getAttribute('data-seq')).toBe(seqs[0]);
      expect(await fresh.locator('.frame-detail .payload-text pre').textContent()).toBe('hello');
      expect(await fresh.locator('.frame-row.selected').getAttribute('data-seq')).toBe(seqs[0]);
    } finally {
      await fresh.close();
    }
  });

  test('the close frames are control frames: highlighted, and hidden by the control toggle', async () => {
    await page.goto(`${server.url}/inspect`);
    await expect.poll(() => rows().count()).toBe(4);
    const ops = await rows().locator('.c-op').allTextContents();
    expect(ops).toEqual(['TEXT', 'TEXT', 'CLOSE', 'CLOSE']);
    expect(await rows().nth(2).getAttribute('class')).toContain('ctrl');
    expect(await rows().nth(2).locator('.c-preview').textContent()).toBe('1000 Normal Closure · “done”');
    await page.locator('#filter-control').uncheck();
    await expect.poll(() => rows().count()).toBe(2);
    await page.locator('#filter-control').check();
  });

  test('export downloads the listed frames as NDJSON', async () => {
    await page.locator('#filter-dir').selectOption('c2s');
    await expect.poll(() => rows().count()).toBe(2);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Export 2 as NDJSON/ }).click()]);
    expect(download.suggestedFilename()).toMatch(/^wslab-frames-.*\.ndjson$/);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.type, l.dir, l.opcodeName, l.text ?? l.closeCode])).toEqual([
      ['frame', 'c2s', 'TEXT', 'hello'],
      ['frame', 'c2s', 'CLOSE', 1000],
    ]);
    await page.locator('#filter-dir').selectOption('');
  });

  test('clear empties the list and says so', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows().count()).toBe(0);
    expect(await page.locator('.list-notices').textContent()).toMatch(/^4 frames were cleared \(everything up to t = \d+:\d{2}\.\d{3}\)\.$/);
  });

  test('screenshots at 1280×720 in light and dark: list, frame detail, connection view', async () => {
    // fresh traffic: a text echo, a ping, and a ticker stream
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/echo`, { perMessageDeflate: false, generateMask: (m: Uint8Array) => m.set(MASK) } as WebSocket.ClientOptions);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'chat', id: 7, payload: { text: 'hi \u202e there' } }));
    ws.ping('are you there?');
    const ticker = new WebSocket(`${server.url.replace('http', 'ws')}/lab/ticker?rate=20&size=48`, { perMessageDeflate: false });
    await new Promise((r) => setTimeout(r, 800));
    ticker.close(1000);
    const history = (await (await fetch(`${server.url}/__wslab/events?since=1`)).text()).trim().split('\n').map((l) => JSON.parse(l));
    const echoSeq = history.find((e) => e.type === 'frame' && e.dir === 'c2s' && e.opcode === 1 && e.text?.startsWith('{')).seq;
    for (const scheme of ['light', 'dark'] as const) {
      const p = await browser.newPage({ viewport: { width: 1280, height: 720 }, colorScheme: scheme });
      try {
        await p.goto(`${server.url}/inspect?seq=${echoSeq}`);
        await p.locator('.frame-detail').waitFor();
        expect(await p.locator('.frame-detail .envelope-payload pre').textContent()).toContain('hi ⟨U+202E⟩ there');
        await screenshot(p, `inspect-detail-${scheme}`);
        await p.getByRole('tab', { name: /^Connection/ }).click();
        await p.locator('.conn-view .accept-check').waitFor();
        await screenshot(p, `inspect-connection-${scheme}`);
      } finally {
        await p.close();
      }
    }
    ws.close();
  });
});
