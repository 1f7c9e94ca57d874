// /inspect's import in Chromium: a HAR picked with the button and a wslab session dropped on the
// page are read in the browser by the same module `wslab open` uses, and shown in place of the
// live stream: the list, the frame detail (saying which fields were made up) and the connection
// view (saying where it was read from). A file that is none of the formats gets a sentence.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import { computeAccept } from '../../server/core/wire/index.ts';
import { importFile } from '../../server/core/import/index.ts';
import { publishImport } from '../../server/cli/open.ts';

const SHOTS = process.env.WSLAB_SHOTS_DIR;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const start = Date.parse('2026-03-01T10:00:00.000Z');
const har = {
  log: {
    version: '1.2',
    creator: { name: 'WebInspector', version: '537.36' },
    entries: [
      {
        startedDateTime: new Date(start).toISOString(),
        _resourceType: 'websocket',
        request: { method: 'GET', url: 'wss://app.example/live?room=7', httpVersion: 'HTTP/1.1', headers: [{ name: 'Upgrade', value: 'websocket' }, { name: 'Sec-WebSocket-Key', value: KEY }] },
        response: { status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', headers: [{ name: 'Upgrade', value: 'websocket' }, { name: 'Sec-WebSocket-Accept', value: computeAccept(KEY) }] },
        _webSocketMessages: [
          { type: 'send', time: start / 1000 + 0.1, opcode: 1, data: '{"op":"subscribe","room":7}' },
          { type: 'receive', time: start / 1000 + 0.2, opcode: 1, data: '{"op":"joined","members":3}' },
          { type: 'receive', time: start / 1000 + 0.3, opcode: 2, data: 'AAECAw==' },
        ],
      },
    ],
  },
};

describeWithChromium('/inspect: open a file', () => {
  let server: WslabServer;
  let page: Page;
  useBrowserSuite((s) => ({ server, page } = s), { timeoutMs: 15_000, server: { heartbeat: { intervalMs: 0 } }, page: { viewport: { width: 1440, height: 900 }, colorScheme: 'light' } });

  const rows = () => page.locator('.frame-scroll .frame-row');
  const shot = async (name: string) => {
    await screenshot(page, name);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `${name}.png`) });
    }
  };

  test('a HAR picked with the button: its messages listed as frames, the made-up fields named in the frame and the connection', async () => {
    await page.goto(`${server.url}/inspect`);
    await page.getByText('event stream: open').waitFor();
    await page.locator('input[type=file]').setInputFiles({ name: 'app.har', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(har)) });
    await page.getByRole('status', { name: 'Opened file' }).waitFor();
    expect(await page.getByRole('status', { name: 'Opened file' }).locator('p').first().textContent()).toBe('Showing app.har (HAR): 1 connection, 3 frames. Live traffic is not shown. Back to live traffic');
    expect(await page.locator('.stream-status').textContent()).toBe('showing a file');
    await expect.poll(() => rows().count()).toBe(3);
    expect(await rows().locator('.c-conn').allTextContents()).toEqual(['i1', 'i1', 'i1']);
    await page.getByText('Not in the file, reconstructed by wslab (3)').click();
    await rows().first().click();
    const note = page.locator('.synthesised-note');
    await note.waitFor();
    expect(await note.textContent()).toBe(
      'Reconstructed from a file that keeps messages, not frames: the payload, opcode, direction and time are from the file; fin, rsv1, rsv2, rsv3, maskingKey, headerHex, offset were made up by wslab, so the header below is what such a frame would look like, not what was sent.',
    );
    await shot('import-har-1440');
    await page.getByRole('tab', { name: /Connection/ }).click();
    const readFrom = page.locator('.conn-imported dd');
    await readFrom.waitFor();
    expect(await readFrom.textContent()).toContain('app.har (har: wss://app.example/live?room=7)');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('import-har-390');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('a wslab session dropped on the page replaces the HAR; a file of no known format gets a sentence', async () => {
    const session = [
      { v: 1, seq: 1, t: 5, type: 'conn.open', conn: 'c4', socketId: 's1', sessionId: null, lab: 'echo', path: '/lab/echo', remote: { address: '127.0.0.1', port: 40000 }, local: { address: '127.0.0.1', port: 8080 }, subprotocol: null, extensions: null, client: 'browser' },
      { v: 1, seq: 2, t: 6, type: 'frame', conn: 'c4', dir: 's2c', offset: 129, fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, opcodeName: 'text', masked: false, maskingKey: null, payloadLength: 2, headerLength: 2, headerHex: '8102', fields: { fin: [0, 0, 1] }, payloadHex: '6869', truncated: false, text: 'hi', closeCode: null, closeReason: null, inflated: null },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const drop = async (name: string, content: string) => {
      const dt = await page.evaluateHandle(
        ([n, c]) => {
          const d = new DataTransfer();
          d.items.add(new File([c], n));
          return d;
        },
        [name, content] as const,
      );
      await page.dispatchEvent('.inspect-page', 'dragenter', { dataTransfer: dt });
      await page.dispatchEvent('.inspect-page', 'drop', { dataTransfer: dt });
    };
    await drop('saved.ndjson', session);
    await page.getByText('Showing saved.ndjson (wslab session): 1 connection, 1 frame.').waitFor();
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().locator('.c-conn').allTextContents()).toEqual(['i1']);
    await drop('notes.txt', 'hello');
    const alert = page.locator('.import-error');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('notes.txt is not a pcap or pcapng capture, a HAR or a wslab session (NDJSON events): it starts with neither a capture\'s magic number nor "{". dismiss');
    // what was shown stays
    expect(await rows().count()).toBe(1);
    await shot('import-error-1440');
  });

  test('what wslab open serves: the diagram draws the file\'s connection and the connection view reads it from the history', async () => {
    const r = importFile(Buffer.from(JSON.stringify(har)), 'app.har');
    if (!r.ok) throw new Error(r.error);
    publishImport(server.bus, r);
    await page.goto(`${server.url}/playground`);
    await page.locator('.pg-scope select').selectOption('all');
    const canvas = page.locator('.pg-live .seq-canvas');
    await canvas.locator('svg').first().waitFor();
    await expect.poll(async () => (await canvas.locator('[aria-label^="Select event"]').count()) >= 3).toBe(true);
    expect(await canvas.textContent()).toContain('{"op":"subscribe"');
    await shot('open-diagram-1440');
    await page.goto(`${server.url}/inspect?conn=i1`);
    const readFrom = page.locator('.conn-imported dd');
    await readFrom.waitFor();
    expect(await readFrom.textContent()).toContain('app.har (har: wss://app.example/live?room=7)');
    await shot('open-connection-1440');
    // the page's export buttons: what it shows, as a HAR and as pcapng, read back by the import
    for (const kind of ['HAR', 'pcapng']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: kind, exact: true }).click()]);
      const path = await download.path();
      const back = importFile(readFileSync(path), download.suggestedFilename());
      if (!back.ok) throw new Error(back.error);
      expect([back.format, back.connections, back.frames]).toEqual([kind === 'HAR' ? 'har' : 'pcapng', 1, 3]);
      const texts = back.events.filter((e) => e.type === 'frame').map((e) => (e as { text: string | null }).text);
      expect(texts).toEqual(['{"op":"subscribe","room":7}', '{"op":"joined","members":3}', null]);
    }
  });
});
