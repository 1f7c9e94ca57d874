// The tap with a real browser on the other end: Chromium's own WebSocket against /lab/echo. Every
// frame event must match what the browser put on the wire (its own 4-byte masks, exact lengths,
// opcodes), the server's heartbeat ping must come back as the browser's automatic pong, and the
// browser's close(1000, 'bye') must be a clean close started by the client — all in order.
import { beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { parseEvent, type EventOf, type WslabEvent } from '../../server/core/events/schema.ts';
import { describeWithChromium } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

describeWithChromium("the tap sees exactly what Chromium's WebSocket sent", () => {
  let server: WslabServer;
  let browser: Browser;
  let page: Page;
  const events: WslabEvent[] = [];
  const invalid: string[] = [];

  useBrowserSuite((s) => ({ server, browser, page } = s));
  beforeAll(async () => {
    server.bus.subscribe((e) => {
      const checked = parseEvent(JSON.parse(JSON.stringify(e)));
      if (!checked.ok) invalid.push(checked.error);
      events.push(e);
    });
    await page.goto(`${server.url}/decode`); // any page of this origin: the upgrade carries its Origin
  });

  const until = async <T extends WslabEvent>(pred: (e: WslabEvent) => e is T, what: string): Promise<T> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${what}; last events: ${events.slice(-8).map((e) => e.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  test('text, binary, heartbeat ping/pong and a clean close, in order, with the handshake', async () => {
    // The page runs the whole conversation; ?heartbeat=150 makes the server ping soon.
    const result = await page.evaluate(async (url) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const received: (string | number[])[] = [];
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const next = () => new Promise<void>((resolve) => (ws.onmessage = (m) => {
        received.push(typeof m.data === 'string' ? m.data : [...new Uint8Array(m.data as ArrayBuffer)]);
        resolve();
      }));
      let got = next();
      ws.send('hello');
      await got;
      got = next();
      ws.send(new Uint8Array([1, 2, 3, 250]));
      await got;
      await new Promise((r) => setTimeout(r, 400)); // the heartbeat ping and the browser's pong
      const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
        ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
      });
      ws.close(1000, 'bye');
      return { received, close: await closed };
    }, `${server.url.replace('http', 'ws')}/lab/echo?heartbeat=150&misses=3`);

    expect(result.received).toEqual(['hello', [1, 2, 3, 250]]);
    expect(result.close).toEqual({ code: 1000, reason: 'bye', wasClean: true });

    const open = await until((e): e is EventOf<'conn.open'> => e.type === 'conn.open', 'conn.open');
    expect(open.client).toBe('browser');
    const conn = open.conn;
    await until((e): e is EventOf<'close'> => e.type === 'close' && e.conn === conn, 'close event');
    const mine = events.filter((e) => 'conn' in e && e.conn === conn);

    const hs = mine.find((e): e is EventOf<'handshake'> => e.type === 'handshake')!;
    expect(hs.response.status).toBe(101);
    expect(hs.acceptOk).toBe(true);
    expect(hs.request.headers.some(([k]) => k.toLowerCase() === 'origin')).toBe(true);
    expect(hs.request.raw).toMatch(/^GET \/lab\/echo\?heartbeat=150&misses=3 HTTP\/1\.1\r\n/);
    expect(hs.request.raw).toContain(`Sec-WebSocket-Key: ${hs.key}\r\n`);

    const frames = mine.filter((e): e is EventOf<'frame'> => e.type === 'frame');
    const c2sText = frames.find((f) => f.dir === 'c2s' && f.opcode === 1)!;
    expect(c2sText).toMatchObject({ fin: true, rsv1: false, masked: true, payloadLength: 5, headerLength: 6, text: 'hello' });
    expect(c2sText.maskingKey).toMatch(/^[0-9a-f]{8}$/);
    expect(c2sText.headerHex).toBe(`8185${c2sText.maskingKey}`);
    const s2cText = frames.find((f) => f.dir === 's2c' && f.opcode === 1)!;
    expect(s2cText).toMatchObject({ masked: false, maskingKey: null, payloadLength: 5, headerHex: '8105', text: 'hello' });
    const c2sBinary = frames.find((f) => f.dir === 'c2s' && f.opcode === 2)!;
    expect(c2sBinary).toMatchObject({ opcodeName: 'BINARY', masked: true, payloadLength: 4, payloadHex: '010203fa' });
    // each browser frame carries its own mask
    expect(c2sBinary.maskingKey).not.toBe(c2sText.maskingKey);

    // the server's heartbeat ping left, the browser answered by itself, the RTT was measured
    const ping = frames.find((f) => f.dir === 's2c' && f.opcode === 9)!;
    expect(ping.text).toMatch(/^hb:\d+$/);
    const pong = frames.find((f) => f.dir === 'c2s' && f.opcode === 10)!;
    expect(pong).toMatchObject({ masked: true, payloadHex: ping.payloadHex });
    const pongEvent = mine.find((e): e is EventOf<'pong'> => e.type === 'pong' && e.dir === 'c2s')!;
    expect(pongEvent.rtt).toBeGreaterThanOrEqual(0);
    expect(mine.some((e) => e.type === 'heartbeat' && e.action === 'pong')).toBe(true);

    // the close handshake: the browser first, the server's answer, clean
    const closes = frames.filter((f) => f.opcode === 8);
    expect(closes.map((f) => [f.dir, f.closeCode, f.closeReason])).toEqual([
      ['c2s', 1000, 'bye'],
      ['s2c', 1000, 'bye'],
    ]);
    const close = mine.find((e): e is EventOf<'close'> => e.type === 'close')!;
    expect(close).toMatchObject({ code: 1000, reason: 'bye', initiator: 'client', clean: true });

    // in order: handshake before the first frame, text before binary, close last; states 0→1→2→3
    const order = (e: WslabEvent) => mine.indexOf(e);
    expect(order(hs)).toBeLessThan(order(c2sText));
    expect(order(c2sText)).toBeLessThan(order(s2cText));
    expect(order(s2cText)).toBeLessThan(order(c2sBinary));
    expect(order(closes[1])).toBeLessThan(order(close));
    const states = mine.filter((e): e is EventOf<'state'> => e.type === 'state' && e.side === 'server').map((e) => e.to);
    expect(states).toEqual([0, 1, 2, 3]);
    expect(invalid).toEqual([]);
  });
});
