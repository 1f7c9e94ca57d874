// Import on files written by others: a HAR recorded by Chromium (through playwright-core's
// recordHar) of a page talking to a ws server, and a pcap written by tcpdump of a connection
// between the ws library's client and server. wslab had no part in either connection. The
// imported frames must be frame for frame what the peers sent (and, for the capture, what
// `wslab decode --pcap` reads from the same file); then `wslab open` serves them, and the session
// it serves imports back to the same frames.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { chromiumRequirement, launchChromium } from '../helpers/chromium.ts';
import { captureSkip, startCapture, stopAllCaptures, untilBothFins } from '../helpers/capture.ts';
import { readImport } from '../../server/cli/open.ts';
import { runDecode } from '../../server/cli/decode.ts';
import { importFile, HAR_SYNTHESISED_FIELDS, type ImportResult, type TimedBody } from '../../server/core/import/index.ts';
import { parseEvent } from '../../server/core/events/schema.ts';
import { ROOT } from '../../server/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'wslab-import-'));
afterAll(async () => {
  await stopAllCaptures();
  rmSync(dir, { recursive: true, force: true });
});

type Frame = Extract<TimedBody, { type: 'frame' }>;
const framesOf = (r: ImportResult, d?: 'c2s' | 's2c') => r.events.filter((e): e is Frame => e.type === 'frame' && (d === undefined || e.dir === d));
const hex = (b: Buffer | string) => Buffer.from(b).toString('hex');

function mustImport(file: string): ImportResult {
  const r = readImport(file);
  if (!r.ok) throw new Error(r.error);
  return r.result;
}

describe.skipIf(chromiumRequirement().skip)('a HAR written by Chromium', () => {
  it('each message the page and the server sent is one imported frame, in order, with the reconstructed fields named', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const fromPage: [number, string][] = [];
    const fromServer: [number, string][] = [];
    const binary = randomBytes(40);
    let done!: () => void;
    const allIn = new Promise<void>((r) => (done = r));
    wss.on('connection', (s) => {
      const send = (d: string | Buffer) => {
        fromServer.push([typeof d === 'string' ? 1 : 2, hex(d)]);
        s.send(d);
      };
      send('welcome ☃');
      send(binary);
      s.on('message', (d, isBinary) => {
        fromPage.push([isBinary ? 2 : 1, hex(d as Buffer)]);
        send(isBinary ? (d as Buffer) : `echo: ${d.toString()}`);
        if (fromPage.length === 3) done();
      });
    });
    const harPath = join(dir, 'chromium.har');
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ recordHar: { path: harPath, content: 'embed' } });
      const page = await context.newPage();
      // a string, so the test's own imports do not reach into the page's script
      await page.evaluate(`(async () => {
        const ws = new WebSocket('ws://127.0.0.1:${port}/app?x=1');
        ws.binaryType = 'arraybuffer';
        let got = 0;
        await new Promise((resolve, reject) => {
          ws.onerror = () => reject(new Error('socket error'));
          ws.onmessage = () => {
            if (++got === 2) {
              ws.send('hello');
              ws.send(new Uint8Array([0, 1, 2, 255]));
              ws.send('x'.repeat(300));
            }
            if (got === 5) resolve();
          };
        });
        ws.close(1000, 'done');
      })()`);
      await allIn;
      await context.close();
    } finally {
      await browser.close();
      await new Promise((r) => wss.close(r));
    }
    const r = mustImport(harPath);
    expect([r.format, r.connections]).toEqual(['har', 1]);
    const seenFrom = (d: 'c2s' | 's2c') => framesOf(r, d).filter((f) => f.opcode === 1 || f.opcode === 2).map((f) => [f.opcode, f.payloadHex] as [number, string]);
    // previews hold the first 64 bytes: the long text is checked by its length
    const preview = (list: [number, string][]) => list.map(([op, h]) => [op, h.slice(0, 128)] as [number, string]);
    expect(seenFrom('c2s')).toEqual(preview(fromPage));
    expect(seenFrom('s2c')).toEqual(preview(fromServer));
    const long = framesOf(r, 'c2s').find((f) => f.payloadLength === 300)!;
    expect([long.truncated, long.headerHex]).toEqual([true, '81fe012c00000000']);
    for (const f of framesOf(r)) {
      expect(f.synthesised).toEqual(HAR_SYNTHESISED_FIELDS);
      expect([f.fin, f.masked]).toEqual([true, f.dir === 'c2s']);
    }
    const open = r.events.find((e) => e.type === 'conn.open') as Extract<TimedBody, { type: 'conn.open' }>;
    expect(open.path).toBe('/app?x=1');
    expect(open.local.port).toBe(port);
    const hs = r.events.find((e) => e.type === 'handshake') as Extract<TimedBody, { type: 'handshake' }>;
    expect([hs.response.status, hs.acceptOk]).toEqual([101, true]);
    // times come from the file: frames in the order they crossed, none before the connection opened
    const ts = framesOf(r).map((f) => f.t);
    expect(ts.every((t) => t >= 0)).toBe(true);
  });
});

/** `wslab decode --pcap FILE`, in process: its frame rows. */
async function decodeRows(file: string): Promise<Record<string, unknown>[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await runDecode(['--pcap', file], new PassThrough(), out, new PassThrough());
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => typeof r.opcode === 'number');
}

describe.skipIf(captureSkip())('a pcap written by tcpdump', () => {
  const file = join(dir, 'ws.pcap');
  const big = randomBytes(70_000);
  let result: ImportResult;

  it('every frame of a connection between the ws library\'s client and server, as the peers sent it and as decode --pcap reads it', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const cap = await startCapture({ tool: 'tcpdump', iface: 'lo', port, file });
    wss.on('connection', (s) => {
      s.send('welcome');
      s.on('message', (d, binary) => s.send(d, { binary }));
    });
    const c = new WebSocket(`ws://127.0.0.1:${port}/feed`, ['v1.wslab'], { perMessageDeflate: { threshold: 0 } });
    let got = 0;
    const echoed = new Promise<void>((resolve) => c.on('message', () => ++got === 4 && resolve()));
    await new Promise((r, j) => (c.once('open', r), c.once('error', j)));
    c.send('hello');
    c.send(big);
    c.send('fra', { fin: false });
    c.send('gment', { fin: true });
    c.ping('p');
    await echoed;
    c.close(4001, 'bye');
    await new Promise((r) => c.once('close', r));
    await untilBothFins(file);
    await cap.stop();
    await new Promise((r) => wss.close(r));

    result = mustImport(file);
    expect([result.format, result.connections, result.problems]).toEqual(['pcap', 1, []]);
    for (const [i, e] of result.events.entries()) expect(parseEvent({ v: 1, seq: i + 1, ...e }).ok).toBe(true);
    const frames = framesOf(result);
    // the peers: client text, binary, a fragmented text, ping, close; the server: welcome, three echoes, pong, close
    expect(framesOf(result, 'c2s').map((f) => [f.opcode, f.fin, f.rsv1])).toEqual([[1, true, true], [2, true, true], [1, false, true], [0, true, false], [9, true, false], [8, true, false]]);
    expect(framesOf(result, 's2c').map((f) => [f.opcode, f.fin, f.rsv1])).toEqual([[1, true, true], [1, true, true], [2, true, true], [1, true, true], [10, true, false], [8, true, false]]);
    const inflated = (d: 'c2s' | 's2c') => framesOf(result, d).filter((f) => f.inflated !== null).map((f) => f.inflated);
    expect(inflated('c2s')).toEqual(['hello', 'fragment']);
    expect(inflated('s2c')).toEqual(['welcome', 'hello', 'fragment']);
    expect(framesOf(result, 'c2s').find((f) => f.opcode === 8)).toMatchObject({ closeCode: 4001, closeReason: 'bye', masked: true });
    // field for field what decode --pcap reads from the same bytes
    const rows = await decodeRows(file);
    expect(frames.map((f) => [f.dir, f.offset, f.opcode, f.fin, f.rsv1, f.masked, f.maskingKey, f.payloadLength, f.headerLength, f.payloadHex])).toEqual(
      rows.map((r) => [r.dir, r.offset, r.opcode, r.fin, r.rsv1, r.masked, r.maskingKey, r.payloadLength, r.headerLength, String(r.payloadHex).slice(0, 128)]),
    );
    const close = result.events.find((e) => e.type === 'close')!;
    expect(close).toMatchObject({ code: 4001, reason: 'bye', initiator: 'client', clean: true });
    for (const f of frames) expect(f.synthesised).toBeUndefined();
  });

  it('wslab open serves it: the history holds the imported events, and that history saved as a session imports back to the same frames', async () => {
    expect(result).toBeDefined();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'wslab.js'), 'open', file, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`wslab open did not print what it loaded within 90 s: ${out} ${err}`)), 90_000);
        child.stdout!.on('data', () => {
          if (/synthesised: /.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`wslab open exited with ${code}: ${err}`)));
      });
      const url = /wslab listening on (http:\/\/\S+)/.exec(out)![1];
      expect(out).toContain(`loaded ws.pcap (pcap capture): 1 connection, 12 frames\n`);
      expect(out).toContain('synthesised: close events are summed up from the close frames (a capture has no such record)\n');
      const text = await (await fetch(`${url}/__wslab/events`)).text();
      // the server's own events (its chat nodes starting) come first; then the file's, in order,
      // their times shifted by one offset
      const served = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => typeof e.conn === 'string');
      expect(served.map(({ v: _v, seq: _s, t: _t, ...rest }) => rest)).toEqual(result.events.map(({ t: _t, ...rest }) => rest));
      const offset = (served[0].t as number) - result.events[0].t;
      expect(served.map((e) => Math.round(((e.t as number) - offset) * 1000))).toEqual(result.events.map((e) => Math.round(e.t * 1000)));
      const session = join(dir, 'session.ndjson');
      writeFileSync(session, text);
      const again = mustImport(session);
      expect(again.format).toBe('session');
      expect(framesOf(again).map(({ t: _t, ...f }) => f)).toEqual(framesOf(result).map(({ t: _t, ...f }) => f));
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('a file it cannot read: exit status 1 and a sentence', async () => {
    const bad = join(dir, 'bad.har');
    writeFileSync(bad, '{"log": {"entries": []}}');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'wslab.js'), 'open', bad], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    expect([code, err]).toEqual([1, 'wslab open: bad.har is a HAR (from unknown) with no WebSocket entry in it\n']);
    expect(importFile(readFileSync(bad), 'bad.har').ok).toBe(false);
  });
});
